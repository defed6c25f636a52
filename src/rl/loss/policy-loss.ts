/**
 * The policy loss of GRPO-family trainers on per-token arrays, with its analytic gradient with respect
 * to the log-probs (so it plugs into any autograd as the upstream gradient of the log-prob tensor):
 *
 *   loss = Σ_k w_k · ℓ(r_k, A_k)  +  β · Σ_k w_k · KL(x_k),   x_k = logp_k − ref_k
 *   d loss / d logp_k = w_k · ℓ'(r_k, A_k) · d r_k/d logp_k  +  β · w_k · KL'(x_k)
 *
 * composed from the pieces: importance ratio (ratio.ts), clipped surrogate ℓ (surrogate.ts), KL
 * estimator (kl.ts), masked reduction weights w (aggregate.ts). Not a trainer: it takes numbers, returns
 * numbers. Reference: shared g2rpo-spec §4 (the released code's loss: clip 0.2/0.3, dual clip 3,
 * token-mean, KL off); proofs/policy-loss.md; docs/loss.md (API, verl/TRL name maps).
 */
import { InputError } from '../errors.js';
import { aggregationWeights, weightedSum } from './aggregate.js';
import { klDerivative, klValue } from './kl.js';
import { policyMetrics } from './metrics.js';
import { importanceRatios } from './ratio.js';
import { branchDRatio, branchLoss, surrogateBranch } from './surrogate.js';
import type { PolicyLossOptions, PolicyLossResult, TokenBatch } from './types.js';
import { checkBatch, resolveOptions } from './validate.js';

/**
 * @example
 * // two responses of up to 3 tokens, ratio 1 (on-policy), per-response advantages
 * const { loss, gradLogProbs } = policyLoss({
 *   shape: [2, 3],
 *   logProbs:    [-1, -2, -0.5,  -1, -1, 0],
 *   oldLogProbs: [-1, -2, -0.5,  -1, -1, 0],
 *   advantages:  [1, -1],
 *   mask:        [1, 1, 1,  1, 1, 0],
 * });
 * // loss = −(3·1 + 2·(−1))/5 = −0.2;  gradLogProbs = [−0.2, −0.2, −0.2, 0.2, 0.2, 0]
 */
export function policyLoss(batch: TokenBatch, options: Partial<PolicyLossOptions> = {}): PolicyLossResult {
  const o = resolveOptions(options);
  const b = checkBatch(batch, o.maskTruncated);
  if (o.klBeta > 0 && b.refLogProbs === undefined) {
    throw new InputError('refLogProbs', `required when klBeta > 0 (got klBeta = ${o.klBeta})`);
  }
  const { B, T, mask, advantages } = b;
  const w = aggregationWeights(mask, B, T, o);
  const { ratio, dRatio } = importanceRatios(o.ratioLevel, b.logProbs, b.oldLogProbs, mask, B, T, o.logRatioClamp);

  // Surrogate: (B, T) token losses and their derivative through the ratio.
  const pgTokens = new Float64Array(B * T);
  const grad = new Float64Array(B * T);
  for (let k = 0; k < B * T; k++) {
    if (w[k] === 0) continue;
    const branch = surrogateBranch(ratio[k], advantages[k], o);
    pgTokens[k] = branchLoss(branch, ratio[k], advantages[k], o);
    grad[k] += w[k] * branchDRatio(branch, advantages[k]) * dRatio[k];
  }
  const pgLoss = weightedSum(pgTokens, w);

  // KL to the reference: (B, T) estimator values, aggregated with the same weights.
  let klTokens: Float64Array | undefined;
  let klLoss = 0;
  const ref = b.refLogProbs;
  if (ref !== undefined) {
    klTokens = new Float64Array(B * T);
    for (let k = 0; k < B * T; k++) {
      if (mask[k] === 0) continue;
      const x = b.logProbs[k] - ref[k];
      klTokens[k] = klValue(o.klEstimator, x, o.k3Clamp);
      if (o.klBeta > 0 && w[k] !== 0) grad[k] += o.klBeta * w[k] * klDerivative(o.klEstimator, x, o.k3Clamp);
    }
    klLoss = weightedSum(klTokens, w);
  }

  const loss = o.klBeta > 0 ? pgLoss + o.klBeta * klLoss : pgLoss;
  const metrics = policyMetrics({ batch: b, ratio, options: o, weights: w, pgLoss, klTokens });
  return { loss, gradLogProbs: grad, metrics };
}
