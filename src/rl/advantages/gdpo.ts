/**
 * GDPO (group reward-decoupled normalization): each reward component is z-scored within its group,
 * the z-scores are summed, and the sum is whitened over the whole batch:
 *   z_k,i = (c_k,i − mean_g(c_k)) / D_g(c_k)       per component k (StdConvention `std`, default verl)
 *   x_i   = Σ_k z_k,i
 *   A_i   = (x_i − m) / W,  m and W the weighted mean and whitening divisor of x over the batch, each
 *           response weighing its token count (`tokenLengths`, default 1 each). Default as the GDPO
 *           baseline of the released G²RPO code: population variance over the valid tokens, eps 1e-6
 *           added to the std; verl's masked_whiten is {ddof: 1, eps: 1e-8, epsPlacement: 'variance'}.
 * Without `components` the only component is `rewards`. Spec: shared g2rpo-spec §3;
 * proofs/grpo-family.md §7.
 *
 * Exactness rules: a component constant within a group contributes exactly 0 to that group; if the
 * weighted x is constant over the batch, or the batch has Σw ≤ ddof (nothing to whiten), every
 * advantage is exactly 0 (no division of a float residue by √eps). Singletons: SingletonPolicy.
 *
 * Not here: G²RPO's multi-component variant ("Gaussian GDPO", g2rpo.ts), which uses `ot` not z-scores.
 */
import { groupBatch, groupIsConstant, type Grouping } from './grouping.js';
import { divisorOf, handleSingleton, meanOf, resolveStd, scaleOf, varianceOf } from './std.js';
import type { GdpoParams, RewardBatch, StdConvention } from './types.js';
import { validateParams, validateRewardBatch } from './validate.js';

/**
 * The released code's GDPO whitening: global mean and population variance over valid tokens, then
 * (x − mean)/(std + 1e-6). (verl's masked_whiten would be ddof 1 and √(var + 1e-8).)
 */
export const GDPO_DEFAULT_WHITEN: StdConvention = Object.freeze({ ddof: 0, eps: 1e-6, epsPlacement: 'std' });

/** GDPO advantages of a batch (validated here), in input order. */
export function gdpoAdvantages(batch: RewardBatch, params: GdpoParams = {}): Float64Array {
  const p = validateParams('gdpo', params);
  const b = validateRewardBatch(batch, p);
  return gdpoKernel(b, groupBatch(b.groups, b.tasks), p);
}

export function gdpoKernel(batch: RewardBatch, grouping: Grouping, params: GdpoParams): Float64Array {
  const conv = resolveStd(params.std);
  const whiten = params.whiten ?? GDPO_DEFAULT_WHITEN;
  const singleton = params.singleton ?? 'zero';
  const n = grouping.n;
  const { groupStart, members } = grouping;
  const components = batch.components ?? [batch.rewards];

  // x = Σ_k z_k  (n)
  const x = new Float64Array(n);
  for (const c of components) {
    for (let g = 0; g < grouping.nGroups; g++) {
      const start = groupStart[g];
      const end = groupStart[g + 1];
      // A singleton's z is 0 in every component, so the 0 written to x[i] here is its final sum.
      if (handleSingleton(grouping, g, singleton, batch.groups, batch.tasks, x)) continue;
      if (groupIsConstant(c, grouping, g)) continue;
      const sc = scaleOf(c, members, start, end); // std.ts "Scaling": z is scale-free
      const mean = meanOf(c, members, start, end, sc);
      const divisor = divisorOf(varianceOf(c, members, start, end, mean, conv.ddof, sc), conv, sc);
      for (let k = start; k < end; k++) {
        const i = members[k];
        x[i] += (c[i] * sc - mean) / divisor;
      }
    }
  }

  // Weighted whitening over the batch (weights = token counts, or 1 per response).
  const w = params.tokenLengths;
  let wSum = 0;
  let wx = 0;
  let first = NaN;
  let constant = true;
  for (let i = 0; i < n; i++) {
    const wi = w === undefined ? 1 : w[i];
    if (wi === 0) continue;
    if (first !== first) first = x[i];
    else if (x[i] !== first) constant = false;
    wSum += wi;
    wx += wi * x[i];
  }
  const out = new Float64Array(n);
  if (constant || wSum - whiten.ddof <= 0) return out;
  const mean = wx / wSum;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const wi = w === undefined ? 1 : w[i];
    const d = x[i] - mean;
    ss += wi * d * d;
  }
  const divisor = divisorOf(ss / (wSum - whiten.ddof), whiten);
  for (let i = 0; i < n; i++) out[i] = (x[i] - mean) / divisor;
  return out;
}
