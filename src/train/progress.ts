/**
 * A progress bar with ETA on stderr. On a terminal it redraws one line in place (`\r`, cleared to the end
 * of line); anywhere else (CI logs, a pipe) it prints one plain line per update, so logs stay readable.
 * The ETA is the mean time per unit since this bar started (not since the run started, so a resumed run's
 * ETA is not skewed by the steps it skipped) times the units left.
 *
 * Not here: what the info text says (trainer.ts).
 */

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '--:--';
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}:${String(s % 60).padStart(2, '0')}`;
}

export class Progress {
  private readonly t0 = performance.now();
  private readonly start: number;
  private drawn = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly isTTY: boolean,
    private readonly label: string,
    private readonly total: number,
    /** Units already done when the bar starts (a resumed run). */
    done = 0,
  ) {
    this.start = done;
  }

  update(done: number, info: string): void {
    const elapsed = performance.now() - this.t0;
    const rate = done > this.start ? elapsed / (done - this.start) : NaN;
    const eta = formatDuration(rate * (this.total - done));
    const head = `${this.label} ${String(done).padStart(String(this.total).length)}/${this.total}`;
    if (this.isTTY) {
      const width = 20;
      const fill = Math.round((width * done) / Math.max(1, this.total));
      const bar = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}]`;
      this.write(`\r${head} ${bar} ${formatDuration(elapsed)} ETA ${eta}  ${info}\x1b[K`);
      this.drawn = true;
    } else {
      this.write(`${head} ${formatDuration(elapsed)} ETA ${eta}  ${info}\n`);
    }
  }

  /** Ends the in-place line (on a terminal) so the next output starts on a fresh line. */
  finish(): void {
    if (this.isTTY && this.drawn) this.write('\n');
    this.drawn = false;
  }
}
