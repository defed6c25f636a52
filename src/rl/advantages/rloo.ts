/**
 * RLOO advantages (REINFORCE Leave-One-Out, Ahmadian et al. 2024): A_i = r_i − mean of the other
 * responses of i's group = r_i − (S − r_i)/(n − 1), S the group's sum. Algebraically this is
 * n/(n − 1)·(r_i − mean_g): Dr. GRPO scaled by n/(n − 1) (proofs/grpo-family.md §5).
 * Spec: shared g2rpo-spec §3.
 *
 * Exactness rule: an all-equal group gets exactly 0 (the float sum S need not equal n·r). A singleton
 * has no "other responses" (0/0): the SingletonPolicy decides.
 *
 * Not here: the GRPO z-score (grpo.ts).
 */
import { groupBatch, groupIsConstant, type Grouping } from './grouping.js';
import { checkFinite, handleSingleton, scaleOf } from './std.js';
import type { RewardBatch, RlooParams } from './types.js';
import { validateParams, validateRewardBatch } from './validate.js';

/** RLOO advantages of a batch (validated here), in input order. */
export function rlooAdvantages(batch: RewardBatch, params: RlooParams = {}): Float64Array {
  const p = validateParams('rloo', params);
  const b = validateRewardBatch(batch, p);
  return rlooKernel(b, groupBatch(b.groups, b.tasks), p);
}

export function rlooKernel(batch: RewardBatch, grouping: Grouping, params: RlooParams): Float64Array {
  const r = batch.rewards;
  const singleton = params.singleton ?? 'zero';
  const out = new Float64Array(grouping.n);
  const { groupStart, members } = grouping;
  for (let g = 0; g < grouping.nGroups; g++) {
    if (handleSingleton(grouping, g, singleton, batch.groups, batch.tasks, out)) continue;
    if (groupIsConstant(r, grouping, g)) continue;
    const start = groupStart[g];
    const end = groupStart[g + 1];
    // in scaled units (std.ts "Scaling"), so a sum of rewards near 1e308 does not overflow
    const sc = scaleOf(r, members, start, end);
    let sum = 0;
    for (let k = start; k < end; k++) sum += r[members[k]] * sc;
    const others = end - start - 1;
    for (let k = start; k < end; k++) {
      const i = members[k];
      const ri = r[i] * sc;
      out[i] = (ri - (sum - ri) / others) / sc;
      checkFinite(out, i);
    }
  }
  return out;
}
