/**
 * EMA-GRPO (OneThinker): GRPO whose divisor is a per-task running std instead of the group's own std,
 * so a task whose groups are nearly all-equal is not blown up by a tiny group std.
 *   σ_G  = mean over the task's groups of ≥ 2 responses in this batch of their sample std (ddof 1;
 *          all-equal groups count, with std 0);
 *   σ_τ ← σ_G                       the first time task τ is seen (the state has no entry for it),
 *   σ_τ ← α σ_τ + (1 − α) σ_G       afterwards (default α = 0.99, the decay of the public verl-based
 *                                     EMA-GRPO code we compared with; see below);
 *   A_i = (r_i − mean_g) / (σ_τ + eps)   (default eps = 1e-6, as verl).
 * A task with no group of ≥ 2 responses in the batch leaves its σ_τ unchanged. The update comes first,
 * then the division, as shared g2rpo-spec §3 writes it. proofs/grpo-family.md §6.
 *
 * Starting from σ_G rather than from 0 is deliberate: from 0 the first step would divide by
 * (1 − α)·σ_G, inflating the first advantages 100× at α = 0.99.
 *
 * What we do NOT reproduce of that public code (OneThinker-style task keys): it keeps EMAs of E[r] and
 * E[r²] of the task's pooled rewards, so its σ includes the spread between prompts (a task where half the
 * prompts are all right and half all wrong has pooled std 0.5 and group stds 0); it floors σ at 1e-3;
 * it falls back to the group's own population std for a group whose |A| would exceed 5; and it asserts
 * n > 1. We implement the spec's σ-EMA of the mean group std (proofs/grpo-family.md §6).
 *
 * The state is explicit: `emaGrpoAdvantages` returns a new Map and leaves the one given untouched;
 * `computeAdvantages` (index.ts) writes the update back into `options.state`. All-equal groups get
 * exactly 0; singletons follow the SingletonPolicy.
 */
import { groupBatch, groupIsConstant, type Grouping } from './grouping.js';
import { handleSingleton, meanOf, scaleOf, varianceOf } from './std.js';
import type { EmaGrpoParams, EmaStdState, RewardBatch } from './types.js';
import { validateParams, validateRewardBatch } from './validate.js';

export const EMA_DEFAULT_ALPHA = 0.99;
export const EMA_DEFAULT_EPS = 1e-6;

export interface EmaGrpoResult {
  readonly advantages: Float64Array;
  /** σ_τ after this batch for every task seen so far (a new Map). */
  readonly state: EmaStdState;
}

/** EMA-GRPO advantages of a batch (validated here) and the updated running stds. */
export function emaGrpoAdvantages(batch: RewardBatch, params: EmaGrpoParams = {}): EmaGrpoResult {
  const p = validateParams('ema_grpo', params);
  const b = validateRewardBatch(batch, p);
  const state: EmaStdState = new Map(p.state ?? []);
  const advantages = emaGrpoKernel(b, groupBatch(b.groups, b.tasks), p, state);
  return { advantages, state };
}

/** The arithmetic; updates `state` in place. */
export function emaGrpoKernel(
  batch: RewardBatch,
  grouping: Grouping,
  params: EmaGrpoParams,
  state: EmaStdState,
): Float64Array {
  const r = batch.rewards;
  const alpha = params.alpha ?? EMA_DEFAULT_ALPHA;
  const eps = params.eps ?? EMA_DEFAULT_EPS;
  const singleton = params.singleton ?? 'zero';
  const out = new Float64Array(grouping.n);
  const { groupStart, members, taskGroupStart, taskGroups } = grouping;
  const groupMean = new Float64Array(grouping.nGroups); // in the group's scaled units
  const groupScale = new Float64Array(grouping.nGroups);

  for (let t = 0; t < grouping.nTasks; t++) {
    // σ_G: mean of the sample stds of this task's groups of two or more.
    let stdSum = 0;
    let counted = 0;
    for (let k = taskGroupStart[t]; k < taskGroupStart[t + 1]; k++) {
      const g = taskGroups[k];
      const start = groupStart[g];
      const end = groupStart[g + 1];
      if (end - start < 2) continue;
      const sc = scaleOf(r, members, start, end);
      const mean = meanOf(r, members, start, end, sc);
      groupMean[g] = mean;
      groupScale[g] = sc;
      stdSum += groupIsConstant(r, grouping, g) ? 0 : Math.sqrt(varianceOf(r, members, start, end, mean, 1, sc)) / sc;
      counted++;
    }
    const id = grouping.taskIds[t];
    const before = state.get(id);
    if (counted > 0) {
      const sigmaG = stdSum / counted;
      state.set(id, before === undefined ? sigmaG : alpha * before + (1 - alpha) * sigmaG);
    }
    const sigma = state.get(id);

    for (let k = taskGroupStart[t]; k < taskGroupStart[t + 1]; k++) {
      const g = taskGroups[k];
      if (handleSingleton(grouping, g, singleton, batch.groups, batch.tasks, out)) continue;
      if (groupIsConstant(r, grouping, g)) continue; // exactly 0
      // sigma is defined here: a group of ≥ 2 exists in this task, so the state was set above.
      // (r·sc − m')/((σ + eps)·sc): in scaled units; the product overflows only where A is below 1e-290.
      const sc = groupScale[g];
      const divisor = ((sigma as number) + eps) * sc;
      const mean = groupMean[g];
      for (let j = groupStart[g]; j < groupStart[g + 1]; j++) {
        const i = members[j];
        out[i] = (r[i] * sc - mean) / divisor;
      }
    }
  }
  return out;
}
