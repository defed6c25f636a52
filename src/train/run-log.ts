/**
 * metrics.jsonl: one JSON object per line, appended as the run goes (docs/training.md § File format).
 * The writer knows the file's byte length, which each checkpoint records; a resumed run truncates the file
 * back to that length, so lines of a step that was killed after the checkpoint (or a half-written line)
 * disappear and the resumed run writes them again — identically.
 *
 * Not here: what the lines contain (metrics.ts, trainer.ts).
 */
import { appendFileSync, existsSync, mkdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class RunLog {
  private bytes: number;

  private constructor(
    readonly path: string,
    bytes: number,
  ) {
    this.bytes = bytes;
  }

  /** A new, empty log (an existing file is replaced). */
  static create(path: string): RunLog {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '');
    return new RunLog(path, 0);
  }

  /** Continue a log cut back to `bytes` (its length at the checkpoint being resumed). */
  static resume(path: string, bytes: number): RunLog {
    if (!existsSync(path)) throw new Error(`RunLog.resume: ${path} does not exist`);
    const size = statSync(path).size;
    if (size < bytes) throw new Error(`RunLog.resume: ${path} has ${size} bytes, the checkpoint expects at least ${bytes}`);
    truncateSync(path, bytes);
    return new RunLog(path, bytes);
  }

  /** Byte length written so far. */
  get length(): number {
    return this.bytes;
  }

  write(record: Readonly<Record<string, unknown>>): void {
    const line = `${JSON.stringify(record)}\n`;
    appendFileSync(this.path, line);
    this.bytes += Buffer.byteLength(line);
  }
}
