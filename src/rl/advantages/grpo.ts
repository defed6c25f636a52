/**
 * GRPO advantages and Dr. GRPO: A_i = (r_i − mean_g) / D, per (task, group).
 *   scale 'group' (default): D = the group's std under the StdConvention (verl: std + 1e-6, n − 1);
 *   scale 'batch': D = the std of all rewards of the batch (TRL's scale_rewards="batch");
 *   scale 'none':  D = 1 (Dr. GRPO, Liu et al. 2025).
 * Spec: shared g2rpo-spec §3; proofs/grpo-family.md §1–§4.
 *
 * Exactness rule (ours): a group whose rewards are all equal gets exactly 0. Its numerator is
 * mathematically 0 but the float mean of n copies of r need not equal r (3 × 0.1 sums to
 * 0.30000000000000004), and with eps = 0 the residue ~1e-17 would be divided by a std of ~1e-17.
 * Singleton groups follow the SingletonPolicy (`zero` by default).
 *
 * Not here: RLOO (rloo.ts), EMA-GRPO (ema-grpo.ts), validation (validate.ts).
 */
import { groupBatch, groupIsConstant, type Grouping } from './grouping.js';
import {
  assertNever,
  checkFinite,
  divisorOf,
  handleSingleton,
  meanOf,
  resolveStd,
  scaleAll,
  scaleOf,
  varianceAll,
  varianceOf,
} from './std.js';
import type { DrGrpoParams, GrpoParams, RewardBatch } from './types.js';
import { validateParams, validateRewardBatch } from './validate.js';

/** GRPO advantages of a batch (validated here), in input order. */
export function grpoAdvantages(batch: RewardBatch, params: GrpoParams = {}): Float64Array {
  const p = validateParams('grpo', params);
  const b = validateRewardBatch(batch, p);
  return grpoKernel(b, groupBatch(b.groups, b.tasks), p);
}

/** Dr. GRPO: GRPO with scale 'none', i.e. r − mean_g. */
export function drGrpoAdvantages(batch: RewardBatch, params: DrGrpoParams = {}): Float64Array {
  const p = validateParams('dr_grpo', params);
  const b = validateRewardBatch(batch, p);
  return grpoKernel(b, groupBatch(b.groups, b.tasks), { scale: 'none', singleton: p.singleton });
}

/** The arithmetic, on a validated batch and its grouping. */
export function grpoKernel(batch: RewardBatch, grouping: Grouping, params: GrpoParams): Float64Array {
  const r = batch.rewards;
  const scale = params.scale ?? 'group';
  const singleton = params.singleton ?? 'zero';
  const conv = resolveStd(params.std);
  const out = new Float64Array(grouping.n);
  const { groupStart, members } = grouping;

  // `batch`: one scale and one divisor for the whole batch, in its scaled units (std.ts "Scaling")
  let batchScale = 1;
  let batchDivisor = 1;
  switch (scale) {
    case 'group':
    case 'none':
      break;
    case 'batch':
      batchScale = scaleAll(r);
      batchDivisor = divisorOf(varianceAll(r, conv.ddof, batchScale), conv, batchScale);
      break;
    default:
      assertNever(scale);
  }

  for (let g = 0; g < grouping.nGroups; g++) {
    if (handleSingleton(grouping, g, singleton, batch.groups, batch.tasks, out)) continue;
    if (groupIsConstant(r, grouping, g)) continue; // exactly 0 (out starts at 0)
    const start = groupStart[g];
    const end = groupStart[g + 1];
    const sc = scale === 'batch' ? batchScale : scaleOf(r, members, start, end);
    const mean = meanOf(r, members, start, end, sc);
    let divisor: number;
    if (scale === 'group') divisor = divisorOf(varianceOf(r, members, start, end, mean, conv.ddof, sc), conv, sc);
    else if (scale === 'batch') divisor = batchDivisor;
    else divisor = sc; // none: back to reward units
    for (let k = start; k < end; k++) {
      const i = members[k];
      out[i] = (r[i] * sc - mean) / divisor;
      if (scale === 'none') checkFinite(out, i);
    }
  }
  return out;
}
