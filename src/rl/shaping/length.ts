/**
 * Response-length shaping (paper Eq. 9): a per-task trapezoid on the token length L, added to the reward
 * with a weight. Fixed envelopes live here; the adaptive envelope that follows the lengths of correct
 * responses is in `length-adaptive.ts` and produces the same `LengthEnvelope` values.
 *
 * Not here: combining the bonus with the other reward terms (`../reward.ts`).
 * Reference: shared g2rpo-spec §4; proofs/shaping.md §1–§2; docs/shaping.md.
 *
 *   f(L) = 0                              L ≤ L_min or L ≥ L_max
 *          (L − L_min)/(L_low − L_min)    L_min < L < L_low
 *          1                              L_low ≤ L ≤ L_high
 *          (L_max − L)/(L_max − L_high)   L_high < L < L_max
 */
import { InputError } from '../errors.js';
import type { Id } from '../advantages/types.js';
import { checkFiniteArray, checkIds, checkKeys, checkNumber, showId } from './check.js';

/** Thresholds in tokens, L_min < L_low ≤ L_high < L_max, L_min ≥ 0. */
export interface LengthEnvelope {
  readonly lMin: number;
  readonly lLow: number;
  readonly lHigh: number;
  readonly lMax: number;
}

/**
 * The weight of the length term in the total reward. The paper gives none and the released code has the
 * term switched off; its comment suggests 0.1, the size of the format weight beside accuracy's 0.9.
 */
export const DEFAULT_LENGTH_WEIGHT = 0.1;

/**
 * Default envelopes by domain (the trainer's task key, spec §2), ours: the paper publishes no thresholds.
 * Reasoning-heavy domains (math, chart, spatial) get long plateaus; perception domains (OCR, grounding)
 * short ones, because a long answer to "read the sign" is padding, not thought. All end below the 4096
 * response cap of the original run, so a truncated response earns no length bonus.
 */
export const DEFAULT_LENGTH_ENVELOPES: ReadonlyMap<Id, LengthEnvelope> = new Map<Id, LengthEnvelope>([
  ['math', { lMin: 64, lLow: 256, lHigh: 1536, lMax: 3072 }],
  ['chart', { lMin: 32, lLow: 128, lHigh: 1024, lMax: 2048 }],
  ['spatial', { lMin: 32, lLow: 128, lHigh: 1024, lMax: 2048 }],
  ['general', { lMin: 16, lLow: 64, lHigh: 512, lMax: 1024 }],
  ['ocr', { lMin: 8, lLow: 32, lHigh: 384, lMax: 768 }],
  ['grounding', { lMin: 8, lLow: 32, lHigh: 256, lMax: 512 }],
]);

/** Throws `InputError` naming the threshold that breaks L_min ≥ 0, L_min < L_low ≤ L_high < L_max. */
export function validateEnvelope(env: LengthEnvelope, field = 'envelope'): LengthEnvelope {
  if (env === null || typeof env !== 'object') throw new InputError(field, 'expected {lMin, lLow, lHigh, lMax}');
  checkKeys(field, env, ['lMin', 'lLow', 'lHigh', 'lMax']);
  const lMin = checkNumber(`${field}.lMin`, env.lMin, { min: 0 });
  const lLow = checkNumber(`${field}.lLow`, env.lLow);
  const lHigh = checkNumber(`${field}.lHigh`, env.lHigh);
  const lMax = checkNumber(`${field}.lMax`, env.lMax);
  if (!(lLow > lMin)) throw new InputError(`${field}.lLow`, `must be > lMin (${lLow} ≤ ${lMin})`);
  if (!(lHigh >= lLow)) throw new InputError(`${field}.lHigh`, `must be ≥ lLow (${lHigh} < ${lLow})`);
  if (!(lMax > lHigh)) throw new InputError(`${field}.lMax`, `must be > lHigh (${lMax} ≤ ${lHigh})`);
  return env;
}

/**
 * The trapezoid f(L) ∈ [0, 1] (unweighted). The envelope is assumed valid (see `validateEnvelope`).
 * Each ramp is one subtraction and one division: with L − L_min ≤ L_low − L_min the correctly rounded
 * quotient cannot exceed 1, so the range [0, 1] holds exactly in float64 (proofs/shaping.md §1).
 */
export function trapezoid(length: number, env: LengthEnvelope): number {
  const { lMin, lLow, lHigh, lMax } = env;
  if (length <= lMin || length >= lMax) return 0;
  if (length < lLow) return (length - lMin) / (lLow - lMin);
  if (length <= lHigh) return 1;
  return (lMax - length) / (lMax - lHigh);
}

/** The larger of the two ramp slopes: the Lipschitz constant of `trapezoid` (proofs/shaping.md §1). */
export function trapezoidMaxSlope(env: LengthEnvelope): number {
  return Math.max(1 / (env.lLow - env.lMin), 1 / (env.lMax - env.lHigh));
}

export interface LengthScoreOptions {
  /** Envelope per task id (compared by value: 1 and "1" are different tasks). */
  readonly envelopes?: ReadonlyMap<Id, LengthEnvelope>;
  /**
   * Envelope for a task with no entry. Absent (the default): such a task is an error, since a silently
   * wrong envelope is a reward bug nobody sees. Give one explicitly to opt in to a catch-all.
   */
  readonly fallback?: LengthEnvelope;
}

/**
 * Unweighted length scores f_{t_i}(L_i) ∈ [0, 1] per response: the value `combineRewards` takes as
 * `length` (it applies the weight). `tasks` absent means every response is task 0.
 */
export function lengthScores(
  lengths: ArrayLike<number>,
  tasks: readonly Id[] | undefined,
  options: LengthScoreOptions = {},
): Float64Array {
  checkKeys('options', options, ['envelopes', 'fallback']);
  checkFiniteArray('lengths', lengths);
  const n = lengths.length;
  for (let i = 0; i < n; i++) {
    if (lengths[i] < 0) throw new InputError(`lengths[${i}]`, `a token length must be ≥ 0 (got ${lengths[i]})`);
  }
  if (tasks !== undefined) checkIds('tasks', tasks, n);
  const envelopes = options.envelopes ?? DEFAULT_LENGTH_ENVELOPES;
  if (!(envelopes instanceof Map)) throw new InputError('options.envelopes', 'expected a Map from task id to envelope');
  for (const [id, env] of envelopes) validateEnvelope(env, `options.envelopes[${showId(id)}]`);
  const fallback = options.fallback === undefined ? undefined : validateEnvelope(options.fallback, 'options.fallback');

  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const task = tasks === undefined ? 0 : tasks[i];
    const env = envelopes.get(task) ?? fallback;
    if (env === undefined) {
      throw new InputError(`tasks[${i}]`, `no length envelope for task ${showId(task)} and no options.fallback`);
    }
    out[i] = trapezoid(lengths[i], env);
  }
  return out;
}

/** Weighted length bonuses w·f_{t_i}(L_i) ∈ [0, w] (weight default 0.1): the reward term of Eq. 9. */
export function lengthBonuses(
  lengths: ArrayLike<number>,
  tasks: readonly Id[] | undefined,
  options: LengthScoreOptions & { readonly weight?: number } = {},
): Float64Array {
  const { weight: w = DEFAULT_LENGTH_WEIGHT, ...rest } = options;
  const weight = checkNumber('options.weight', w);
  const out = lengthScores(lengths, tasks, rest);
  for (let i = 0; i < out.length; i++) out[i] *= weight;
  return out;
}
