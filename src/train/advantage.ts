/**
 * Online filtering and advantages: drop the groups whose mean accuracy is ≤ 0.01 or ≥ 0.99 (src/rl/filter,
 * as the released code), then the estimator's advantages over the KEPT responses only, grouped by
 * (task, prompt) and, for G²RPO's stage 2, pooled per task over the kept groups. A dropped response gets
 * advantage 0 and takes no part in the update. No refill: a step whose groups are all filtered has no
 * update (the released code resamples; we report `kept_groups` instead).
 *
 * Not here: the estimators (src/rl/advantages), the loss (update.ts).
 */
import { computeAdvantages, type EmaStdState, type EstimatorName, type EstimatorOptions, type TaskStage } from '../rl/advantages/index.js';
import { filterGroups } from '../rl/filter.js';
import type { Rollout } from './rollout.js';
import type { Scored } from './score.js';

export interface AdvantageResult {
  /** Indices of the responses that enter the update, ascending. */
  readonly kept: Int32Array;
  /** Per response (all P·G): its advantage, 0 for a dropped one. */
  readonly advantages: Float64Array;
  readonly keptGroups: number;
  readonly droppedGroups: number;
}

export interface AdvantageOptions {
  readonly estimator: EstimatorName;
  readonly taskStage: TaskStage;
  readonly filterGroups: boolean;
  /** EMA-GRPO's running per-task std, updated in place (the trainer checkpoints it). */
  readonly emaState: EmaStdState;
}

/** The estimator options of the run: G²RPO with its stage, EMA-GRPO with its state, the rest as defaults. */
export function estimatorOptions(o: AdvantageOptions): EstimatorOptions {
  switch (o.estimator) {
    case 'g2rpo':
      return { estimator: 'g2rpo', taskStage: o.taskStage };
    case 'ema_grpo':
      return { estimator: 'ema_grpo', state: o.emaState };
    case 'grpo':
    case 'dr_grpo':
    case 'rloo':
    case 'gdpo':
      return { estimator: o.estimator };
  }
}

export function filterAndAdvantages(r: Rollout, s: Scored, o: AdvantageOptions): AdvantageResult {
  const n = r.tokens.length;
  let kept: Int32Array;
  let keptGroups: number;
  let droppedGroups: number;
  if (o.filterGroups) {
    const f = filterGroups({ accuracy: s.accuracy, groups: r.group, tasks: r.task });
    kept = f.kept;
    keptGroups = f.total.kept;
    droppedGroups = f.total.dropped;
  } else {
    kept = Int32Array.from({ length: n }, (_, i) => i);
    keptGroups = new Set(r.group).size;
    droppedGroups = 0;
  }
  const advantages = new Float64Array(n);
  if (kept.length > 0) {
    const idx = Array.from(kept);
    const a = computeAdvantages(
      { rewards: idx.map((i) => s.reward[i]), groups: idx.map((i) => r.group[i]), tasks: idx.map((i) => r.task[i]) },
      estimatorOptions(o),
    );
    idx.forEach((i, k) => (advantages[i] = a[k]));
  }
  return { kept, advantages, keptGroups, droppedGroups };
}
