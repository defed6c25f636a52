/**
 * Timing for the benchmarks: warm-up runs (so V8 has optimised the code under test), then repeated
 * timed runs until both a minimum count and a minimum total time are reached (or a maximum count), and
 * the median, which a stray GC pause or a neighbour's burst on the shared cores moves far less than the
 * mean. An optional `setup` runs before each call, untimed (e.g. a fresh copy for an in-place sort).
 *
 * Not here: checking results (each suite verifies its output before timing it), printing (report.ts).
 */
import { performance } from 'node:perf_hooks';

export interface TimingOptions {
  /** Untimed calls first; default 5. */
  readonly warmup?: number;
  /** At least this many timed calls; default 5. */
  readonly minRuns?: number;
  /** At most this many timed calls; default 10 000. */
  readonly maxRuns?: number;
  /** Keep going until the timed calls add up to this; default 500 ms. */
  readonly minTimeMs?: number;
}

export interface Timing {
  readonly median_ms: number;
  readonly min_ms: number;
  readonly runs: number;
}

/** Median of sorted-ascending samples (mean of the two middle ones for an even count). */
export function median(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  if (n === 0) throw new Error('median of no samples');
  const h = n >> 1;
  return n % 2 === 1 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2;
}

/** The last result of a timed call: kept where V8 must assume it is read, so no call is optimised away. */
export let sink: unknown;

/**
 * Times `fn(state)` where `state = setup()` is made fresh (untimed) before each call. The result of `fn`
 * goes to `sink`.
 */
export function measure<S>(fn: (state: S) => unknown, setup: () => S, options: TimingOptions = {}): Timing {
  const warmup = options.warmup ?? 5;
  const minRuns = options.minRuns ?? 5;
  const maxRuns = options.maxRuns ?? 10_000;
  const minTimeMs = options.minTimeMs ?? 500;
  for (let i = 0; i < warmup; i++) sink = fn(setup());
  const samples: number[] = [];
  let total = 0;
  while (samples.length < maxRuns && (samples.length < minRuns || total < minTimeMs)) {
    const state = setup();
    const t0 = performance.now();
    sink = fn(state);
    const dt = performance.now() - t0;
    samples.push(dt);
    total += dt;
  }
  const sorted = Float64Array.from(samples).sort();
  return { median_ms: median(sorted), min_ms: sorted[0], runs: samples.length };
}
