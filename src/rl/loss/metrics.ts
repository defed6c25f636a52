/**
 * Diagnostics of one policy-loss call under the names verl and TRL users know. Pure read-outs: nothing
 * here feeds the loss or its gradient. Every fraction and mean is over the tokens that enter the loss
 * (the effective mask, after truncation masking), token-weighted whatever the aggregation mode, as
 * verl's masked_mean does; with no such token a mean is NaN ("no data", like TRL's nanmean input).
 * Exact definitions: docs/loss.md § Metrics.
 */
import { k3 } from './kl.js';
import type { CheckedBatch } from './validate.js';
import type { PolicyLossMetrics, PolicyLossOptions } from './types.js';
import { weightedSum } from './aggregate.js';

export interface MetricInputs {
  readonly batch: CheckedBatch;
  /** The ratio the surrogate used (token or sequence level); B·T. */
  readonly ratio: Float64Array;
  readonly options: PolicyLossOptions;
  /** Aggregation weights (aggregate.ts). */
  readonly weights: Float64Array;
  /** Aggregated surrogate loss. */
  readonly pgLoss: number;
  /** Per-token KL estimator values to the reference, when refLogProbs were given. */
  readonly klTokens: Float64Array | undefined;
}

export function policyMetrics(m: MetricInputs): PolicyLossMetrics {
  const { batch, ratio, options: o } = m;
  const { mask, advantages: adv, logProbs, oldLogProbs } = batch;
  const lo = 1 - o.clipLow;
  const hi = 1 + o.clipHigh;
  let n = 0;
  let ppoKl = 0;
  let ppoKlK3 = 0;
  let clipfrac = 0;
  let clipfracLower = 0;
  let low = 0;
  let high = 0;
  let entropy = 0;
  let kl = 0;
  for (let k = 0; k < mask.length; k++) {
    if (mask[k] === 0) continue;
    n++;
    // verl's ppo_kl is taken on the log-ratio after its ±20 clamp; so is ours (same clamp option).
    let x = logProbs[k] - oldLogProbs[k];
    if (o.logRatioClamp !== null) x = Math.min(Math.max(x, -o.logRatioClamp), o.logRatioClamp);
    ppoKl += -x;
    ppoKlK3 += k3(-x); // r − 1 − log r: samples come from π_old, so the "p" of k3 is π_old
    const r = ratio[k];
    const A = adv[k];
    const kappa = Math.min(Math.max(r, lo), hi);
    const lossR = -A * r;
    const lossK = -A * kappa;
    if (lossK > lossR) clipfrac++;
    if (A < 0 && o.dualClip !== null && Math.max(lossR, lossK) > -A * o.dualClip) clipfracLower++;
    if (r < lo && A < 0) low++;
    if (r > hi && A > 0) high++;
    if (batch.entropy !== undefined) entropy += batch.entropy[k];
    if (m.klTokens !== undefined) kl += m.klTokens[k];
  }
  const mean = (s: number): number => (n === 0 ? NaN : s / n);
  return {
    'actor/pg_loss': m.pgLoss,
    'actor/pg_clipfrac': mean(clipfrac),
    'actor/pg_clipfrac_lower': mean(clipfracLower),
    'actor/ppo_kl': mean(ppoKl),
    'actor/ppo_kl_k3': mean(ppoKlK3),
    'clip_ratio/low_mean': mean(low),
    'clip_ratio/high_mean': mean(high),
    'clip_ratio/region_mean': mean(low + high), // low (A < 0) and high (A > 0) never overlap
    num_tokens: n,
    ...(m.klTokens === undefined
      ? {}
      : { 'actor/kl_loss': weightedSum(m.klTokens, m.weights), 'actor/kl_coef': o.klBeta, kl: mean(kl) }),
    ...(batch.entropy === undefined
      ? {}
      : { 'actor/entropy': weightedSum(batch.entropy, m.weights), entropy: mean(entropy) }),
  };
}
