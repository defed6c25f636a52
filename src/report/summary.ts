/**
 * Reading the run's summary record (the last line of metrics.jsonl) for the reports: wall time, the
 * per-task learning verdicts, and a faithful table of everything else it holds.
 *
 * What it is not: a schema. The schema fixes only that the summary holds the wall time, the final eval per
 * task and the verdicts (warm start vs final, the test used, a p-value or interval, "improved"); the field
 * names and nesting are the trainer's (today: `learning_test.tasks.<task>.improved`, `timing.wall_s`). So
 * we look for shapes, not names, at any depth: an object keyed by task names (or an array of objects with
 * a "task" field) is a per-task table; a boolean `improved` in such a table is a verdict; a number whose
 * key starts with "wall" is the wall time; a string whose key is "test" names the test. Every other field
 * is still shown, under its dotted path.
 */
import type { RunMetrics, SummaryRecord } from './metrics.js';
import { configText, esc, table, verdict, type Cell } from './html.js';
import { formatNumber } from './ticks.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface FlatSummary {
  /** Dotted path → scalar (string, number, boolean, null) or array. */
  readonly scalars: ReadonlyMap<string, unknown>;
  /** Dotted path → (task → fields); a task-keyed map of scalars has one field, "value". */
  readonly tables: ReadonlyMap<string, ReadonlyMap<string, Obj>>;
}

/** An object keyed by task names, or an array of objects with a `task` field, as rows; else null. */
function taskRows(v: unknown, known: ReadonlySet<string>): Map<string, Obj> | null {
  const rows = new Map<string, Obj>();
  if (isObj(v)) {
    const entries = Object.entries(v);
    if (entries.length === 0 || !entries.every(([t]) => known.has(t))) return null;
    for (const [t, x] of entries) rows.set(t, isObj(x) ? x : { value: x });
    return rows;
  }
  if (Array.isArray(v) && v.length > 0 && v.every((x) => isObj(x) && typeof x.task === 'string')) {
    for (const x of v as Obj[]) {
      const { task, ...rest } = x;
      rows.set(task as string, rest);
    }
    return rows;
  }
  return null;
}

/** The summary as dotted scalars and per-task tables (depth-limited: nesting beyond 4 prints as JSON). */
export function flattenSummary(summary: SummaryRecord | null, tasks: readonly string[]): FlatSummary {
  const scalars = new Map<string, unknown>();
  const tables = new Map<string, Map<string, Obj>>();
  const known = new Set(tasks);
  const walk = (o: Obj, prefix: string, depth: number) => {
    for (const [k, v] of Object.entries(o)) {
      if (k === 'type' && prefix === '') continue;
      const path = prefix ? `${prefix}.${k}` : k;
      const rows = taskRows(v, known);
      if (rows) tables.set(path, rows);
      else if (isObj(v) && depth < 4) walk(v, path, depth + 1);
      else scalars.set(path, v);
    }
  };
  if (summary) walk(summary, '', 0);
  return { scalars, tables };
}

const lastKey = (path: string) => path.slice(path.lastIndexOf('.') + 1);

/** Wall time in seconds: the summary's `wall…` number if any, else the last step's time_s, else null. */
export function wallSeconds(m: RunMetrics): number | null {
  for (const [path, v] of flattenSummary(m.summary, m.config.tasks).scalars) {
    const k = lastKey(path);
    if (/^wall/i.test(k) && typeof v === 'number' && Number.isFinite(v)) return /ms$/i.test(k) ? v / 1000 : v;
  }
  return m.steps.at(-1)?.time_s ?? null;
}

export function formatDuration(s: number | null): string {
  if (s === null) return '—';
  if (s < 60) return `${formatNumber(s, 3)} s`;
  const min = Math.floor(s / 60);
  return `${formatNumber(s, 4)} s (${min} min ${Math.round(s - 60 * min)} s)`;
}

/** task → improved, from the first per-task table with a boolean `improved`; and the test's name if given. */
export function verdicts(summary: SummaryRecord | null, tasks: readonly string[]): Map<string, boolean> & { test?: string } {
  const flat = flattenSummary(summary, tasks);
  const found: Map<string, boolean> & { test?: string } = new Map();
  for (const rows of flat.tables.values()) {
    for (const [t, x] of rows) if (typeof x.improved === 'boolean') found.set(t, x.improved);
    if (found.size > 0) break;
  }
  for (const [path, v] of flat.scalars) if (lastKey(path) === 'test' && typeof v === 'string') found.test = v;
  return found;
}

function cellOf(v: unknown): Cell {
  if (typeof v === 'boolean') return verdict(v);
  if (typeof v === 'number') return { num: formatNumber(v, 4) };
  if (v === null || v === undefined) return null;
  const s = configText(v);
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}

/** A row's nested objects as dotted columns (e.g. the greedy verdict beside the sampled one), one level deep. */
function flattenRow(x: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(x)) {
    if (isObj(v)) for (const [k2, v2] of Object.entries(v)) out[`${k}.${k2}`] = v2;
    else out[k] = v;
  }
  return out;
}

/**
 * HTML for the summary: the verdict table(s) (per-task tables with a boolean `improved`) in the open, then
 * every other table and field by dotted path inside a <details> (collapsible without any script).
 */
export function summaryHtml(summary: SummaryRecord | null, tasks: readonly string[]): string {
  if (!summary) return '<p class="warn">No summary record: the run did not finish, so there are no final verdicts.</p>';
  const flat = flattenSummary(summary, tasks);
  const shown: string[] = [];
  const folded: string[] = [];
  for (const [path, nested] of flat.tables) {
    const rows = new Map([...nested].map(([t, x]) => [t, flattenRow(x)]));
    const cols = [...new Set([...rows.values()].flatMap((x) => Object.keys(x)))];
    const isVerdict = [...rows.values()].some((x) => typeof x.improved === 'boolean');
    (isVerdict ? shown : folded).push(`<h3>summary: ${esc(path)}</h3>`, table(['task', ...cols], [...rows].map(([t, x]) => [t, ...cols.map((c) => cellOf(x[c]))])));
  }
  if (flat.scalars.size) folded.push('<h3>summary: other fields</h3>', table(['field', 'value'], [...flat.scalars].map(([k, v]) => [k, cellOf(v)])));
  if (shown.length === 0) shown.push('<p>The summary holds no per-task verdict (no boolean "improved"); all its fields are below.</p>');
  return `${shown.join('\n')}\n<details><summary>All summary fields</summary>\n${folded.join('\n')}\n</details>`;
}
