/**
 * The advantage estimators behind one entry point: `computeAdvantages(batch, options)` validates the
 * batch and the options once, groups the responses by (task, group) once, and dispatches on
 * `options.estimator` with an exhaustive switch. Each estimator also has its own exported function.
 *
 *   import { computeAdvantages } from './rl/advantages/index.js';
 *   computeAdvantages({ rewards: [0, 0, 0, 0, 1], groups: [0, 0, 0, 0, 0] }, { estimator: 'g2rpo' });
 *   // → Float64Array [−0.3204, −0.3204, −0.3204, −0.3204, 1.2816]  (paper Fig. 2)
 *
 * Spec: shared g2rpo-spec §2, §3, §5; proofs/grpo-family.md. Not here: losses, shaping, the CLI.
 */
import { emaGrpoKernel } from './ema-grpo.js';
import { gdpoKernel } from './gdpo.js';
import { g2rpoKernel } from './g2rpo.js';
import { groupBatch } from './grouping.js';
import { grpoKernel } from './grpo.js';
import { rlooKernel } from './rloo.js';
import { assertNever } from './std.js';
import type { EstimatorOptions, RewardBatch } from './types.js';
import { validateEstimatorOptions, validateRewardBatch } from './validate.js';

export type * from './types.js';
export { drGrpoAdvantages, grpoAdvantages } from './grpo.js';
export { rlooAdvantages } from './rloo.js';
export { EMA_DEFAULT_ALPHA, EMA_DEFAULT_EPS, emaGrpoAdvantages, type EmaGrpoResult } from './ema-grpo.js';
export { GDPO_DEFAULT_WHITEN, gdpoAdvantages } from './gdpo.js';
export { g2rpoAdvantages } from './g2rpo.js';
export { normalScoresFloat32, otFloat32Into } from './published-float32.js';
export { DEFAULT_TASK_ID, groupBatch, type Grouping } from './grouping.js';
export { STD_PRESETS, resolveStd } from './std.js';
export { ESTIMATORS, OPTION_KEYS, validateEstimatorOptions, validateRewardBatch } from './validate.js';

/**
 * Advantages of `batch` under `options`, one per response, in input order (float64).
 * Throws InputError (naming the field) on a bad batch or bad options.
 *
 * EMA-GRPO: when `options.state` is given, it is updated in place with this batch's σ_τ (only if the
 * call succeeds), so a training loop keeps one Map across steps; `emaGrpoAdvantages` is the pure form.
 */
export function computeAdvantages(batch: RewardBatch, options: EstimatorOptions): Float64Array {
  const o = validateEstimatorOptions(options);
  const b = validateRewardBatch(batch, o);
  const grouping = groupBatch(b.groups, b.tasks);
  switch (o.estimator) {
    case 'grpo':
      return grpoKernel(b, grouping, o);
    case 'dr_grpo':
      return grpoKernel(b, grouping, { scale: 'none', singleton: o.singleton });
    case 'rloo':
      return rlooKernel(b, grouping, o);
    case 'ema_grpo': {
      const next = new Map(o.state ?? []);
      const advantages = emaGrpoKernel(b, grouping, o, next);
      if (o.state !== undefined) for (const [task, sigma] of next) o.state.set(task, sigma);
      return advantages;
    }
    case 'gdpo':
      return gdpoKernel(b, grouping, o);
    case 'g2rpo':
      return g2rpoKernel(b, grouping, o);
    default:
      return assertNever(o);
  }
}
