/**
 * The statistics the summaries state: the learning test and the equity measure of gradient-norm shares.
 *
 * Learning test: one-sided paired sign-flip permutation test (a randomisation test; Fisher 1935, Good
 * "Permutation Tests" §3) on d_i = final_i − warmstart_i, the rewards (greedy, or the mean of the eval's
 * samples) of the SAME held-out example before and after RL. Statistic: mean(d). Under H0 (no improvement: each d_i is symmetric about 0) every
 * sign pattern is equally likely, so p = (1 + #{b : mean(s_b·d) ≥ mean(d)}) / (1 + R) over R random sign
 * vectors s_b — a valid p-value for any R (the +1 counts the observed pattern). Chosen over a t-test
 * because the rewards are discrete (greedy: often 0.1 / 0.6 / 1.5) and far from normal at n = 64; over a
 * bootstrap because it is exact in level. Improved ⇔ p < α (α = 0.05).
 *
 * Equity: the coefficient of variation of the per-task shares in a step, std/mean (population std; the
 * mean is 1/T as shares sum to 1), 0 when every task gets the same share; averaged over steps.
 *
 * Not here: where the numbers come from (evaluate.ts, update.ts).
 */
import { SeededRng } from '../tasks/index.js';

export const LEARNING_TEST_ALPHA = 0.05;
export const LEARNING_TEST_RESAMPLES = 10_000;
export const LEARNING_TEST_NAME = 'one-sided paired sign-flip permutation test on per-example held-out rewards (final − warm start), 10000 resamples';

export interface PairedTest {
  readonly n: number;
  readonly meanDiff: number;
  readonly pValue: number;
  readonly improved: boolean;
}

/**
 * H1: mean(after − before) > 0. `seed` fixes the sign vectors, so the p-value is reproducible.
 * Throws on unequal lengths or an empty sample (a silent NaN verdict would read as "not improved").
 */
export function pairedSignFlipTest(
  before: readonly number[],
  after: readonly number[],
  seed: number,
  resamples = LEARNING_TEST_RESAMPLES,
  alpha = LEARNING_TEST_ALPHA,
): PairedTest {
  if (before.length !== after.length) throw new Error(`pairedSignFlipTest: ${before.length} values before, ${after.length} after`);
  const n = before.length;
  if (n === 0) throw new Error('pairedSignFlipTest: no pairs');
  const d = before.map((b, i) => after[i] - b);
  const observed = d.reduce((a, x) => a + x, 0);
  // Sums of ±d_i are compared with the observed sum; a hair of slack so that a resample equal to the
  // observed value in exact arithmetic is not lost to summation-order rounding (which would bias p down).
  const slack = 1e-9 * (1 + d.reduce((a, x) => a + Math.abs(x), 0));
  const rng = new SeededRng(seed);
  let atLeast = 0;
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += rng.next() < 0.5 ? d[i] : -d[i];
    if (s >= observed - slack) atLeast++;
  }
  const pValue = (1 + atLeast) / (1 + resamples);
  return { n, meanDiff: observed / n, pValue, improved: pValue < alpha };
}

/** std/mean of the values (population std); NaN for an empty list or a zero mean. */
export function coefficientOfVariation(values: readonly number[]): number {
  const n = values.length;
  if (n === 0) return NaN;
  const m = values.reduce((a, b) => a + b, 0) / n;
  if (m === 0) return NaN;
  const v = values.reduce((a, x) => a + (x - m) * (x - m), 0) / n;
  return Math.sqrt(v) / m;
}
