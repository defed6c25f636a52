/**
 * G²RPO advantages (OpenVLThinkerV2, arXiv 2604.08539; shared g2rpo-spec §2 and §5).
 *   Stage 1, per (task, group): s = ot(group rewards) — or, with `components`, the sum over components
 *            of ot(group component) (the released code's "Gaussian GDPO");
 *   Stage 2, per task (`taskStage`):
 *     'ot'    (default, released code): A = ot(all stage-1 values of the task), ties = exactly equal s;
 *     'none'  (paper App. B): A = s;
 *     'scale' (ours): A = s / √(mean of s² over the task's non-degenerate responses); a task without a
 *             non-degenerate response, or whose mean is 0, gets 0.
 *   `excludeDegenerate`: responses of a degenerate group get exactly 0 and take no part in stage 2.
 *
 * Degenerate group: every reward is equal (a singleton is degenerate); with `components`, every
 * component is constant within the group (then every stage-1 value of the group is exactly 0). A group
 * whose components vary but whose stage-1 values happen to cancel to 0 (components [0, 1] and [1, 0]) is
 * NOT degenerate: it counts in the `scale` mean with s² = 0. With `components`, `rewards` is not used.
 *
 * Exactness: in float64, a degenerate group's stage-1 values are exactly 0 (ot.ts: a symmetric tie
 * block is 0), so all of a task's mathematically-zero values form one tie block in stage 2. The
 * precision 'published-float32' (published-float32.ts) breaks this on purpose, as the released code does.
 *
 * Speed: no per-response objects; grouping in Int32Arrays, stage 1 by otInto on a scratch index, stage 2
 * by pooledOtInto (a hash of the task's few distinct stage-1 values instead of a sort of all of them).
 * Not here: validation (validate.ts), the shaping terms.
 */
import { otInto } from '../ot.js';
import { groupBatch, type Grouping } from './grouping.js';
import { makePooledOtScratch, pooledOtInto } from './pooled-ot.js';
import { otFloat32Into } from './published-float32.js';
import { assertNever } from './std.js';
import type { G2rpoParams, RewardBatch } from './types.js';
import { validateParams, validateRewardBatch } from './validate.js';

/** G²RPO advantages of a batch (validated here), in input order. */
export function g2rpoAdvantages(batch: RewardBatch, params: G2rpoParams = {}): Float64Array {
  const p = validateParams('g2rpo', params);
  const b = validateRewardBatch(batch, p);
  return g2rpoKernel(b, groupBatch(b.groups, b.tasks), p);
}

/** Stage-1 values and degenerate flags. */
interface Stage1 {
  /** (n) stage-1 value of each response. */
  readonly s: Float64Array;
  /** (nGroups) 1 where the group is degenerate. */
  readonly degenerate: Uint8Array;
}

export function g2rpoKernel(batch: RewardBatch, grouping: Grouping, params: G2rpoParams): Float64Array {
  const taskStage = params.taskStage ?? 'ot';
  const exclude = params.excludeDegenerate ?? false;
  const precision = params.precision ?? 'float64';
  let float32: boolean;
  switch (precision) {
    case 'float64':
      float32 = false;
      break;
    case 'published-float32':
      float32 = true;
      break;
    default:
      return assertNever(precision);
  }
  const { s, degenerate } = stage1(batch, grouping, float32);
  const out = new Float64Array(grouping.n);
  const { groupStart, members, taskGroupStart, taskGroups } = grouping;

  switch (taskStage) {
    case 'none':
      out.set(s);
      if (exclude) {
        for (let g = 0; g < grouping.nGroups; g++) {
          if (degenerate[g] === 0) continue;
          for (let k = groupStart[g]; k < groupStart[g + 1]; k++) out[members[k]] = 0;
        }
      }
      return out;

    case 'ot': {
      // index of the task's participating responses, reused across tasks
      const index = new Int32Array(grouping.n);
      const scratch = makePooledOtScratch();
      for (let t = 0; t < grouping.nTasks; t++) {
        let m = 0;
        for (let k = taskGroupStart[t]; k < taskGroupStart[t + 1]; k++) {
          const g = taskGroups[k];
          if (exclude && degenerate[g] === 1) continue; // stays exactly 0
          for (let j = groupStart[g]; j < groupStart[g + 1]; j++) index[m++] = members[j];
        }
        if (float32) otFloat32Into(s, index, m, out);
        else pooledOtInto(s, index, m, out, scratch);
      }
      return out;
    }

    case 'scale': {
      // `scale` has no published form; validate.ts rejects it with published-float32.
      for (let t = 0; t < grouping.nTasks; t++) {
        let sumSq = 0;
        let count = 0;
        for (let k = taskGroupStart[t]; k < taskGroupStart[t + 1]; k++) {
          const g = taskGroups[k];
          if (degenerate[g] === 1) continue;
          for (let j = groupStart[g]; j < groupStart[g + 1]; j++) {
            const v = s[members[j]];
            sumSq += v * v;
          }
          count += groupStart[g + 1] - groupStart[g];
        }
        if (count === 0 || sumSq === 0) continue; // the task's advantages stay 0
        const rms = Math.sqrt(sumSq / count);
        for (let k = taskGroupStart[t]; k < taskGroupStart[t + 1]; k++) {
          const g = taskGroups[k];
          if (degenerate[g] === 1) continue; // exactly 0 (its s is 0 anyway in float64)
          for (let j = groupStart[g]; j < groupStart[g + 1]; j++) out[members[j]] = s[members[j]] / rms;
        }
      }
      return out;
    }

    default:
      return assertNever(taskStage);
  }
}

/**
 * Stage 1: s = Σ over components of ot(component within the group). In float32 mode the inputs, the map
 * and the component sum are the float32 model of published-float32.ts.
 */
function stage1(batch: RewardBatch, grouping: Grouping, float32: boolean): Stage1 {
  const { n, nGroups, groupStart, members } = grouping;
  const components = batch.components ?? [batch.rewards];
  const s = new Float64Array(n);
  const degenerate = new Uint8Array(nGroups).fill(1);
  let maxSize = 0;
  for (let g = 0; g < nGroups; g++) maxSize = Math.max(maxSize, groupStart[g + 1] - groupStart[g]);
  const idx = new Int32Array(maxSize); // one group's response indices, sorted by value by the ot call
  // One component writes straight into s; several go through a buffer and are summed.
  const single = components.length === 1;
  const buffer = single ? s : new Float64Array(n);

  for (const raw of components) {
    let c: ArrayLike<number> = raw;
    if (float32) {
      const c32 = new Float64Array(n);
      for (let i = 0; i < n; i++) c32[i] = Math.fround(raw[i]);
      c = c32;
    }
    for (let g = 0; g < nGroups; g++) {
      const start = groupStart[g];
      const m = groupStart[g + 1] - start;
      for (let k = 0; k < m; k++) idx[k] = members[start + k];
      if (float32) otFloat32Into(c, idx, m, buffer);
      else otInto(c, idx, buffer, m);
      // idx is now sorted by value: the group is constant in c iff its ends are equal
      if (c[idx[0]] !== c[idx[m - 1]]) degenerate[g] = 0;
    }
    if (!single) {
      for (let i = 0; i < n; i++) s[i] = float32 ? Math.fround(s[i] + buffer[i]) : s[i] + buffer[i];
    }
  }
  return { s, degenerate };
}
