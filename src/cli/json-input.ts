/**
 * Splits standard input into JSON values, each with the line it starts on, for commands that read either
 * ONE JSON document (possibly pretty-printed over several lines) or JSON Lines (one value per line).
 *
 * The rule: if the whole text parses as one JSON value, it is one input (its line is the first non-blank
 * line). Otherwise it is JSON Lines: every non-blank line is one value; blank (whitespace-only) lines are
 * skipped but still counted, so `line 3` is line 3 of the file as an editor numbers it. A leading UTF-8
 * byte-order mark is dropped and CRLF line ends are accepted.
 *
 * Not here: what the values mean (each command validates its own records).
 */

export interface InputRecord {
  /** 1-based line number where the value starts. */
  readonly line: number;
  readonly value: unknown;
}

/** A bad-input error located in standard input; `line` undefined when it concerns the input as a whole. */
export class LineError extends Error {
  constructor(
    readonly line: number | undefined,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${line === undefined ? '' : `line ${line}: `}${field}: ${problem}`);
    this.name = 'LineError';
  }
}

/** V8's JSON messages quote the input, newlines and all: keep one short line. */
function shortMessage(e: unknown): string {
  const m = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim();
  return m.length > 120 ? `${m.slice(0, 117)}...` : m;
}

export function parseJsonInputs(text: string): InputRecord[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/);
  const firstLine = lines.findIndex((l) => l.trim() !== '');
  if (firstLine < 0) {
    throw new LineError(undefined, 'standard input', 'empty (expected one JSON object, or JSON Lines with one object per line)');
  }
  let wholeError: unknown;
  try {
    return [{ line: firstLine + 1, value: JSON.parse(text) }];
  } catch (e) {
    wholeError = e;
  }
  const records: InputRecord[] = [];
  for (let i = firstLine; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    try {
      records.push({ line: i + 1, value: JSON.parse(lines[i]) });
    } catch (e) {
      // The first value does not parse on its own line either: the text was meant as one document
      // (e.g. a pretty-printed object) and that document is broken; report the whole-text error.
      if (i === firstLine) throw new LineError(i + 1, 'input', `not valid JSON (${shortMessage(wholeError)})`);
      throw new LineError(i + 1, 'input', `not valid JSON (${shortMessage(e)})`);
    }
  }
  return records;
}
