/**
 * A benchmark suite as bench/run.ts sees it: a name for the command line, a title for the table, and a
 * `run` that verifies its outputs, times them and reports rows. Suites are registered in bench/run.ts.
 */
import type { Reporter } from './report.js';

export interface Suite {
  readonly name: string;
  readonly title: string;
  run(report: Reporter): Promise<void> | void;
}
