/**
 * Reward combination: the scalar reward per response that the advantage estimators take.
 *
 *   r = w_acc·accuracy + w_fmt·format + w_struct·structure + w_len·length
 *
 * Defaults as in the released code: 0.9·accuracy + 0.1·format + 1·structure, where the caller gives the
 * structure VALUE (0.5 for a valid answer schema, 0 when the format fails; the code's numbers). The
 * length term is the unweighted trapezoid score f(L) ∈ [0, 1] from `lengthScores` (not the already
 * weighted `lengthBonuses`, or the weight would apply twice), with weight 0.1 (the code's suggestion).
 * A term whose array is absent contributes 0.
 *
 * Not here: computing accuracy/format/structure (`src/tasks`), the multi-component estimators that keep
 * the components apart (pass the arrays themselves to G²RPO's `components` for that).
 * Reference: shared g2rpo-spec §4; proofs/shaping.md §7.
 */
import { InputError } from './errors.js';
import { checkFiniteArray, checkKeys, checkNumber } from './shaping/check.js';

export interface RewardTerms {
  readonly accuracy: ArrayLike<number>;
  readonly format: ArrayLike<number>;
  /** Structure value per response (0.5 / 0 in the released code); absent: no structure term. */
  readonly structure?: ArrayLike<number>;
  /** Unweighted length score f(L) ∈ [0, 1] per response; absent: no length term. */
  readonly length?: ArrayLike<number>;
}

export interface RewardWeights {
  readonly accuracy: number;
  readonly format: number;
  readonly structure: number;
  readonly length: number;
}

export const DEFAULT_REWARD_WEIGHTS: RewardWeights = { accuracy: 0.9, format: 0.1, structure: 1, length: 0.1 };

/** The released code's structure value for a response whose answer matches the schema (0 otherwise). */
export const PUBLISHED_STRUCTURE_VALUE = 0.5;

const TERMS = ['accuracy', 'format', 'structure', 'length'] as const;

export function combineRewards(terms: RewardTerms, weights: Partial<RewardWeights> = {}): Float64Array {
  checkKeys('terms', terms, TERMS);
  checkKeys('weights', weights, TERMS);
  checkFiniteArray('terms.accuracy', terms.accuracy);
  const n = terms.accuracy.length;
  checkFiniteArray('terms.format', terms.format, n);
  if (terms.structure !== undefined) checkFiniteArray('terms.structure', terms.structure, n);
  if (terms.length !== undefined) {
    checkFiniteArray('terms.length', terms.length, n);
    for (let i = 0; i < n; i++) {
      const f = terms.length[i];
      if (f < 0 || f > 1) throw new InputError(`terms.length[${i}]`, `a length score is in [0, 1] (got ${f})`);
    }
  }
  const w: RewardWeights = { ...DEFAULT_REWARD_WEIGHTS, ...weights };
  for (const k of TERMS) checkNumber(`weights.${k}`, w[k]);

  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let r = w.accuracy * terms.accuracy[i] + w.format * terms.format[i];
    if (terms.structure !== undefined) r += w.structure * terms.structure[i];
    if (terms.length !== undefined) r += w.length * terms.length[i];
    out[i] = r;
  }
  return out;
}
