/**
 * Scoring: each response's accuracy, format and structure (its family's rule, src/tasks), its length
 * score f(L) on the task's envelope (src/rl/shaping, paper Eq. 9), and the scalar reward the advantages
 * take: 0.9·accuracy + 0.1·format + structure (+ w·f(L) when length shaping is on), through
 * `combineRewards` of src/rl, so the trainer and the library cannot disagree on the sum.
 *
 * Not here: filtering and advantages (advantage.ts).
 */
import { combineRewards } from '../rl/reward.js';
import { lengthScores } from '../rl/shaping/index.js';
import { TASKS, rewardTerms, type TaskName } from '../tasks/index.js';
import { exampleOf, type Rollout } from './rollout.js';
import { envelopeMap } from './suite.js';

export interface Scored {
  readonly accuracy: Float64Array;
  readonly format: Float64Array;
  readonly structure: Float64Array;
  /** Response length in tokens (the <eos> included). */
  readonly length: Float64Array;
  /** f(L) ∈ [0, 1] on the task's envelope (computed even when shaping is off, for the metrics). */
  readonly lengthScore: Float64Array;
  /** The reward the advantages see. */
  readonly reward: Float64Array;
}

export interface ScoreOptions {
  readonly tasks: readonly TaskName[];
  readonly lengthShaping: boolean;
  readonly lengthWeight: number;
}

export function scoreRollout(r: Rollout, o: ScoreOptions): Scored {
  const scores = r.tokens.map((tokens, i) => TASKS[r.task[i]].score(tokens, exampleOf(r, i)));
  const terms = rewardTerms(scores);
  const length = Float64Array.from(r.tokens, (t) => t.length);
  const lengthScore = lengthScores(length, r.task, { envelopes: envelopeMap(o.tasks) });
  const reward = combineRewards(
    o.lengthShaping ? { ...terms, length: lengthScore } : terms,
    { length: o.lengthWeight },
  );
  return { ...terms, length, lengthScore, reward };
}
