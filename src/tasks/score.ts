/**
 * From a response to its reward components, the one rule every family shares, and on to the scalar
 * reward through `combineRewards` of src/rl (0.9·accuracy + 0.1·format + structure by default):
 *
 *   template fails                → format 0, structure 0,   accuracy 0
 *   template holds, schema fails  → format 1, structure 0,   accuracy 0
 *   both hold                     → format 1, structure 0.5, accuracy = the family's measure
 *
 * Not here: the length term (src/rl/shaping, added by the trainer, which knows the envelopes).
 * Reference: shared g2rpo-spec §4; src/rl/reward.ts.
 */
import { InputError } from '../rl/errors.js';
import { PUBLISHED_STRUCTURE_VALUE, combineRewards, type RewardWeights } from '../rl/reward.js';
import { parseResponse } from './format.js';
import type { Example, Score, TaskName } from './types.js';

export function scoreResponse<A>(
  response: ArrayLike<number>,
  parseAnswer: (answer: readonly number[]) => A | null,
  accuracy: (answer: A) => number,
): Score {
  const parsed = parseResponse(response);
  if (!parsed.ok) return { accuracy: 0, format: 0, structure: 0 };
  const answer = parseAnswer(parsed.answer);
  if (answer === null) return { accuracy: 0, format: 1, structure: 0 };
  return { accuracy: accuracy(answer), format: 1, structure: PUBLISHED_STRUCTURE_VALUE };
}

/** Throws unless the example belongs to the family scoring it (a mixed-up batch would score silently). */
export function checkExampleTask(name: TaskName, example: Example<unknown>): void {
  if (example === null || typeof example !== 'object' || example.task !== name) {
    throw new InputError('example.task', `the ${name} family cannot score an example of task ${String(example?.task)}`);
  }
}

/** The component arrays of a batch of scores, in the layout `combineRewards` and G²RPO `components` take. */
export function rewardTerms(scores: readonly Score[]): { accuracy: Float64Array; format: Float64Array; structure: Float64Array } {
  const n = scores.length;
  const out = { accuracy: new Float64Array(n), format: new Float64Array(n), structure: new Float64Array(n) };
  scores.forEach((s, i) => {
    out.accuracy[i] = s.accuracy;
    out.format[i] = s.format;
    out.structure[i] = s.structure;
  });
  return out;
}

/** Scalar rewards of a batch (no length term): 0.9·accuracy + 0.1·format + structure by default. */
export function rewards(scores: readonly Score[], weights: Partial<Omit<RewardWeights, 'length'>> = {}): Float64Array {
  return combineRewards(rewardTerms(scores), weights);
}

/** The scalar reward of one score; 1.4 for a perfect response under the default weights. */
export function reward(score: Score, weights: Partial<Omit<RewardWeights, 'length'>> = {}): number {
  return rewards([score], weights)[0];
}
