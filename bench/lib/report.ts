/**
 * Output of the benchmarks: a table per suite under a machine header, or (`--json`) one JSON object per
 * line, each carrying the suite, the row (at least `name`, `n`, `median_ms`) and the machine, so a line
 * read on its own still says where it was measured.
 *
 * Not here: timing (timing.ts), what a row measures (the suites).
 */
import { machineHeader, type Machine } from './machine.js';

/** One measured line. Extra numeric or text columns (a ratio, a throughput) are printed as given. */
export interface Row {
  readonly name: string;
  readonly n: number;
  readonly median_ms: number;
  readonly [column: string]: string | number;
}

export interface Reporter {
  /** Starts a suite: in table mode prints its title (and the machine header before the first suite). */
  begin(suite: string, title: string): void;
  row(row: Row): void;
  /** A remark under the table (e.g. what was verified); in JSON mode it goes to stderr. */
  note(text: string): void;
  /** Ends the suite: in table mode prints its table. */
  end(): void;
}

/** Numbers with 4 significant digits (fixed for ≥ 1000, so 1048576 stays readable). */
function formatCell(v: string | number): string {
  if (typeof v === 'string') return v;
  if (Number.isInteger(v) || Math.abs(v) >= 1000) return String(Math.round(v));
  return v.toPrecision(4);
}

export function formatTable(rows: readonly Row[]): string {
  const columns: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  const cells = rows.map((r) => columns.map((c) => (r[c] === undefined ? '' : formatCell(r[c]))));
  const widths = columns.map((c, j) => Math.max(c.length, ...cells.map((row) => row[j].length)));
  // Text left-aligned, numbers right-aligned, so the digits line up.
  const line = (values: string[], numeric: boolean[]): string =>
    values.map((v, j) => (numeric[j] ? v.padStart(widths[j]) : v.padEnd(widths[j]))).join('  ').trimEnd();
  const numeric = columns.map((c) => rows.some((r) => typeof r[c] === 'number'));
  return [
    line(columns, numeric),
    line(widths.map((w) => '-'.repeat(w)), numeric),
    ...cells.map((row) => line(row, numeric)),
  ].join('\n');
}

export function makeReporter(json: boolean, m: Machine, write: (text: string) => void = (t) => void process.stdout.write(t)): Reporter {
  let suite = '';
  let rows: Row[] = [];
  let notes: string[] = [];
  let first = true;
  return {
    begin(name, title) {
      suite = name;
      rows = [];
      notes = [];
      if (json) return;
      if (first) write(`${machineHeader(m)}\n`);
      first = false;
      write(`\n== ${name}: ${title}\n`);
    },
    row(r) {
      if (json) write(`${JSON.stringify({ suite, ...r, ...m })}\n`);
      else rows.push(r);
    },
    note(text) {
      if (json) process.stderr.write(`${suite}: ${text}\n`);
      else notes.push(text);
    },
    end() {
      if (json) return;
      write(`${formatTable(rows)}\n`);
      for (const t of notes) write(`${t}\n`);
    },
  };
}
