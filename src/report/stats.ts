/**
 * The few statistics the report draws: an exponential moving average for noisy per-step curves, the
 * N(0,1) density, a density-normalised histogram, and the dispersion of gradient-norm shares across tasks.
 *
 * What it is not: the RL statistics themselves (advantages, KS distances, shares are computed by the
 * trainer and read from metrics.jsonl; see docs/report.md § The input). All float64.
 */

/**
 * EMA with weight `w` on the past (TensorBoard's "smoothing"): s_k = w·s_{k−1} + (1 − w)·x_k, divided by
 * (1 − w^k) where k counts the values seen so far. Without that division the curve starts at
 * (1 − w)·x_1, far below the data, for the first ~1/(1 − w) steps. Null (a task absent from a step)
 * stays null and does not advance k, so a gap neither drags the curve toward 0 nor resets it.
 */
export function ema(values: readonly (number | null)[], w = 0.8): (number | null)[] {
  let s = 0;
  let k = 0;
  return values.map((x) => {
    if (x === null || !Number.isFinite(x)) return null;
    s = w * s + (1 - w) * x;
    k++;
    return s / (1 - w ** k);
  });
}

/** φ(x) = exp(−x²/2)/√(2π). */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

export interface Histogram {
  /** bins + 1 ascending edges. */
  readonly edges: readonly number[];
  /** Count of each bin. */
  readonly counts: readonly number[];
  /** count / (n · width): the bars' total area is 1, so a probability density overlays on the same axis. */
  readonly density: readonly number[];
  /** Finite values counted (non-finite values are skipped). */
  readonly n: number;
}

/**
 * Equal-width bins over [lo, hi]; a value on an inner edge goes to the bin on its right, hi itself to the
 * last bin, values outside [lo, hi] are clamped into the end bins (so every value is counted and the
 * area stays 1; the caller picks [lo, hi] to cover the data).
 */
export function histogram(values: readonly number[], lo: number, hi: number, bins: number): Histogram {
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width));
  const counts = new Array<number>(bins).fill(0);
  let n = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    n++;
    const i = Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)));
    counts[i]++;
  }
  const density = counts.map((c) => (n === 0 ? 0 : c / (n * width)));
  return { edges, counts, density, n };
}

/**
 * Coefficient of variation (population std / mean) of the gradient-norm shares of one step, over the
 * tasks with a share (null = the task had no responses). Shares sum to 1, so the mean is 1/T and the CV
 * is T·std: 0 when every task pulls equally, √(T − 1) when one task has all of it (2.24 for T = 6).
 * Null with fewer than 2 tasks.
 */
export function shareDispersion(shares: readonly (number | null)[]): number | null {
  const xs = shares.filter((s): s is number => s !== null && Number.isFinite(s));
  if (xs.length < 2) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (!(mean > 0)) return null;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  return Math.sqrt(variance) / mean;
}

/** Mean of the finite, non-null values; null if there are none. */
export function meanOf(values: readonly (number | null)[]): number | null {
  let s = 0;
  let k = 0;
  for (const v of values) {
    if (v !== null && Number.isFinite(v)) {
      s += v;
      k++;
    }
  }
  return k === 0 ? null : s / k;
}
