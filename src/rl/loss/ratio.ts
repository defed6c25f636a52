/**
 * Importance ratios per token, with the derivative of each token's ratio with respect to that token's
 * log-prob: token level (PPO/GRPO) or sequence level (GSPO). Not the surrogate (surrogate.ts).
 * Reference: GSPO (Zheng et al. 2025, arXiv 2507.18071) eq. for s_i and the GSPO-token variant;
 * proofs/policy-loss.md §2.
 *
 * Token level:    r_k = exp(x_k),  x_k = logp_k − old_k,            d r_k / d logp_k = r_k.
 * Sequence level: r_k = s_i = exp(mean over response i's unmasked tokens of x),
 *                 built GSPO-token style, s_i · π_k / sg(π_k) with sg(s_i): its value is s_i and
 *                 d r_k / d logp_k = s_i (own token only; the stop-gradient removes the cross terms).
 *                 With one advantage per response this equals the true gradient of the sequence
 *                 objective, whose d s_i / d logp_k = s_i / |y_i| summed over the response's |y_i| token
 *                 losses (proofs §2); with advantages that vary inside a response the two differ.
 * Both clamp the log-ratio to ±clamp before exp (verl: 20), with derivative 0 beyond the clamp.
 */
import type { RatioLevel } from './types.js';

export interface Ratios {
  /** r_k for every unmasked token (0 where masked); B·T. */
  readonly ratio: Float64Array;
  /** d r_k / d logp_k (0 where masked or where the log-ratio was clamped); B·T. */
  readonly dRatio: Float64Array;
}

export function importanceRatios(
  level: RatioLevel,
  logp: ArrayLike<number>,
  old: ArrayLike<number>,
  mask: Uint8Array,
  B: number,
  T: number,
  clamp: number | null,
): Ratios {
  switch (level) {
    case 'token':
      return tokenRatios(logp, old, mask, clamp);
    case 'sequence':
      return sequenceRatios(logp, old, mask, B, T, clamp);
  }
}

function tokenRatios(logp: ArrayLike<number>, old: ArrayLike<number>, mask: Uint8Array, clamp: number | null): Ratios {
  const n = mask.length;
  const ratio = new Float64Array(n);
  const dRatio = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    if (mask[k] === 0) continue;
    const [r, d] = clampedExp(logp[k] - old[k], clamp);
    ratio[k] = r;
    dRatio[k] = d;
  }
  return { ratio, dRatio };
}

function sequenceRatios(
  logp: ArrayLike<number>,
  old: ArrayLike<number>,
  mask: Uint8Array,
  B: number,
  T: number,
  clamp: number | null,
): Ratios {
  const ratio = new Float64Array(B * T);
  const dRatio = new Float64Array(B * T);
  for (let b = 0; b < B; b++) {
    let sum = 0;
    let count = 0;
    for (let k = b * T; k < (b + 1) * T; k++) {
      if (mask[k] === 0) continue;
      sum += logp[k] - old[k];
      count++;
    }
    if (count === 0) continue; // a fully masked response has no ratio and takes no part
    const [s, d] = clampedExp(sum / count, clamp);
    for (let k = b * T; k < (b + 1) * T; k++) {
      if (mask[k] === 0) continue;
      ratio[k] = s;
      dRatio[k] = d;
    }
  }
  return { ratio, dRatio };
}

/**
 * exp(x) with x clamped to [−clamp, clamp], and d exp(x)/dx (0 outside the clamp). The clamp keeps exp
 * finite (exp overflows past x ≈ 709.78) and bounds r to [e^−20, e^20] with verl's 20. Inclusive at the
 * bound, like torch.clamp.
 */
export function clampedExp(x: number, clamp: number | null): [number, number] {
  if (clamp !== null && x > clamp) return [Math.exp(clamp), 0];
  if (clamp !== null && x < -clamp) return [Math.exp(-clamp), 0];
  const r = Math.exp(x);
  return [r, r];
}
