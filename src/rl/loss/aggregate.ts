/**
 * Masked reduction of per-token losses to one number, written as a weight per token: every mode is
 * linear, loss = Σ_k w_k·ℓ_k, so the backward pass is the weights themselves (d loss / d ℓ_k = w_k).
 * Not the token losses (surrogate.ts, kl.ts). Reference: verl `agg_loss` (loss_agg_mode names), TRL
 * `loss_type`; the micro-batch rules are proved in proofs/policy-loss.md §3.
 *
 * With m the mask, n_b = Σ_t m_bt the tokens of response b, N = Σ_b n_b:
 *   token-mean               w = m / Nʹ            Nʹ = tokenCount ?? N      (verl default; TRL bnpo/dapo)
 *   seq-mean-token-mean      w = m / (S · n_b)     S = sequenceCount ?? B   (TRL grpo)
 *   seq-mean-token-sum       w = m / S
 *   seq-mean-token-sum-norm  w = m / (S · C)       C = normConstant ?? T    (TRL dr_grpo with C = max
 *                                                                          completion length)
 * A response with no unmasked token contributes nothing but still counts in S = B (TRL's and verl's
 * mean over rows). With N = 0 under token-mean every weight is 0 (TRL clamps the divisor to 1: same 0).
 *
 * verl's own 'seq-mean-token-sum-norm' (core_algos.agg_loss) is Σ_b Σ_t ℓ·m / T, with no 1/B: that is
 * this mode with sequenceCount = 1. We keep the 1/S the mode's name promises (and TRL's dr_grpo has).
 */
import type { Aggregation } from './types.js';

export interface AggregationConfig {
  readonly aggregation: Aggregation;
  readonly normConstant?: number;
  readonly tokenCount?: number;
  readonly sequenceCount?: number;
}

/** w (B·T) with loss = Σ_k w_k·ℓ_k; exactly 0 where the mask is 0. */
export function aggregationWeights(mask: Uint8Array, B: number, T: number, cfg: AggregationConfig): Float64Array {
  const w = new Float64Array(B * T);
  const S = cfg.sequenceCount ?? B;
  switch (cfg.aggregation) {
    case 'token-mean': {
      let N = 0;
      for (let k = 0; k < B * T; k++) N += mask[k];
      const denom = cfg.tokenCount ?? N;
      if (denom === 0) return w;
      for (let k = 0; k < B * T; k++) if (mask[k] === 1) w[k] = 1 / denom;
      return w;
    }
    case 'seq-mean-token-mean': {
      for (let b = 0; b < B; b++) {
        let nb = 0;
        for (let t = 0; t < T; t++) nb += mask[b * T + t];
        if (nb === 0) continue;
        const wb = 1 / (S * nb);
        for (let t = 0; t < T; t++) if (mask[b * T + t] === 1) w[b * T + t] = wb;
      }
      return w;
    }
    case 'seq-mean-token-sum':
      return fill(w, mask, 1 / S);
    case 'seq-mean-token-sum-norm':
      return fill(w, mask, 1 / (S * (cfg.normConstant ?? T)));
  }
}

function fill(w: Float64Array, mask: Uint8Array, value: number): Float64Array {
  for (let k = 0; k < w.length; k++) if (mask[k] === 1) w[k] = value;
  return w;
}

/**
 * Σ_k w_k·v_k over the tokens with w_k ≠ 0 (values under zero weight are never read, so padding may
 * hold NaN or −Infinity without poisoning the sum, unlike torch's `(loss * mask).sum()`).
 */
export function weightedSum(values: ArrayLike<number>, w: Float64Array): number {
  let s = 0;
  for (let k = 0; k < w.length; k++) if (w[k] !== 0) s += w[k] * values[k];
  return s;
}
