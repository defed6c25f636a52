/**
 * Per-token KL estimators and their derivatives, as functions of one number x = log p(y) − log q(y)
 * for a token y sampled from p: estimates of KL(p ‖ q) whose expectation over y ~ p is (or, for k2 and
 * abs, is not) the KL. Not the aggregation or the coefficient β (policy-loss.ts).
 * Reference: J. Schulman, "Approximating KL Divergence" (2020); verl `kl_penalty` (`kl`, `abs`, `mse`,
 * `low_var_kl`); proofs/policy-loss.md §5.
 *
 *   k1  = x                 d/dx = 1          unbiased, can be negative
 *   abs = |x|               d/dx = sign(x)    biased (0 at x = 0, like torch)
 *   k2  = x²/2              d/dx = x          biased; ≈ KL to second order
 *   k3  = e^(−x) + x − 1    d/dx = 1 − e^(−x) unbiased and ≥ 0 (verl "low_var_kl"); optionally
 *                                             clamped at k3Clamp (verl: 10) with derivative 0 above.
 *
 * For the penalty to the reference x = logp − ref, so d/dx is d/d logp.
 */
import type { KlEstimator } from './types.js';

export function klValue(estimator: KlEstimator, x: number, k3Clamp: number | null): number {
  switch (estimator) {
    case 'k1':
      return x;
    case 'abs':
      return Math.abs(x);
    case 'k2':
      return 0.5 * x * x;
    case 'k3': {
      const v = k3(x);
      return k3Clamp !== null && v > k3Clamp ? k3Clamp : v;
    }
  }
}

export function klDerivative(estimator: KlEstimator, x: number, k3Clamp: number | null): number {
  switch (estimator) {
    case 'k1':
      return 1;
    case 'abs':
      return x > 0 ? 1 : x < 0 ? -1 : 0;
    case 'k2':
      return x;
    case 'k3':
      if (k3Clamp !== null && k3(x) > k3Clamp) return 0;
      // 1 − e^(−x) via expm1: no cancellation near x = 0, where the derivative is ≈ x.
      return -Math.expm1(-x);
  }
}

/**
 * Inverse factorials 1/n! for n = 2..17: the Taylor series of e^y − y − 1 = Σ_{n≥2} yⁿ/n!.
 * Computed once by repeated division (each step exact to one rounding).
 */
const INV_FACT: Float64Array = (() => {
  const c = new Float64Array(16);
  let f = 0.5; // 1/2!
  for (let n = 2; n <= 17; n++) {
    c[n - 2] = f;
    f /= n + 1;
  }
  return c;
})();

/**
 * k3(x) = e^(−x) + x − 1 = g(−x) with g(y) = e^y − y − 1.
 * Why the series: near 0 the direct form subtracts two numbers ≈ x from each other and leaves ≈ x²/2,
 * so its relative error grows like 2ε/|x| (≈ 4e-8 at x = 1e-8). For |x| < 0.5 we sum the Taylor series
 * (terms through y¹⁷/17!; the remainder is below 0.5¹⁸/18! ≈ 6e-22, i.e. < 1e-19 relative to k3 ≈ x²/2),
 * which is also ≥ 0 term by term for y > 0 and dominated by its first term for y < 0. For |x| ≥ 0.5 the
 * direct form expm1(−x) + x loses at most a few ulps relative (k3 ≥ 0.1 there).
 */
export function k3(x: number): number {
  const y = -x;
  if (Math.abs(y) < 0.5) {
    let s = INV_FACT[15];
    for (let i = 14; i >= 0; i--) s = INV_FACT[i] + y * s;
    return y * y * s;
  }
  return Math.expm1(y) - y;
}

/** verl's (and this library's) alternative names for the estimators. */
const KL_ALIASES: Readonly<Record<string, KlEstimator>> = {
  k1: 'k1',
  kl: 'k1',
  abs: 'abs',
  k2: 'k2',
  mse: 'k2',
  k3: 'k3',
  low_var_kl: 'k3',
};

/**
 * Maps a verl `kl_loss_type` name (`kl`, `abs`, `mse`, `low_var_kl`) or ours to an estimator; undefined
 * when unknown (the caller reports it). verl's straight-through variants (`k1+`, `k3+`, …) and `full`
 * are not supported.
 */
export function klEstimatorFromName(name: string): KlEstimator | undefined {
  return Object.prototype.hasOwnProperty.call(KL_ALIASES, name) ? KL_ALIASES[name] : undefined;
}
