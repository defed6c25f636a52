// Reward combination: 0.9·accuracy + 0.1·format + structure (+ 0.1·length score) (proofs/shaping.md §7).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inputErrorField } from '../support/input-error.js';
import { DEFAULT_REWARD_WEIGHTS, PUBLISHED_STRUCTURE_VALUE, combineRewards } from '../../src/rl/reward.js';

describe('combineRewards', () => {
  it('published defaults: 0.9·accuracy + 0.1·format + 1·structure, length weight 0.1 (proofs/shaping.md §7.1)', () => {
    expect(DEFAULT_REWARD_WEIGHTS).toEqual({ accuracy: 0.9, format: 0.1, structure: 1, length: 0.1 });
    expect(PUBLISHED_STRUCTURE_VALUE).toBe(0.5);
    // right + well formed + valid schema; right but format failed (structure 0); wrong, well formed
    const r = combineRewards({ accuracy: [1, 1, 0], format: [1, 0, 1], structure: [0.5, 0, 0.5] });
    expect(Array.from(r)).toEqual([0.9 + 0.1 + 0.5, 0.9, 0.1 + 0.5]);
    const withLength = combineRewards({ accuracy: [1], format: [1], structure: [0.5], length: [1] });
    expect(withLength[0]).toBe(0.9 + 0.1 + 0.5 + 0.1);
  });

  it('is the weighted sum of the given terms; an absent term counts 0 (proofs/shaping.md §7.2)', () => {
    const unit = fc.integer({ min: 0, max: 1000 }).map((k) => k / 1000);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(unit, unit, unit, unit), { minLength: 1, maxLength: 20 }),
        fc.record({ accuracy: unit, format: unit, structure: unit, length: unit }),
        fc.boolean(),
        fc.boolean(),
        (rows, w, hasS, hasL) => {
          const terms = {
            accuracy: rows.map((r) => r[0]),
            format: rows.map((r) => r[1]),
            ...(hasS ? { structure: rows.map((r) => r[2]) } : {}),
            ...(hasL ? { length: rows.map((r) => r[3]) } : {}),
          };
          const out = combineRewards(terms, w);
          return rows.every((r, i) => {
            const e = w.accuracy * r[0] + w.format * r[1] + (hasS ? w.structure * r[2] : 0) + (hasL ? w.length * r[3] : 0);
            // 4e-15 = 4 ulps of 4 (the largest r): room for the sum taken in another order; same order gives equality
            return Math.abs(out[i] - e) <= 4e-15;
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('with binary accuracy/format, structure ∈ {0, 0.5}, length score ∈ [0, 1], defaults give r ∈ [0, 1.6] (proofs/shaping.md §7.1)', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1), fc.constantFrom(0, 1), fc.constantFrom(0, 0.5), fc.integer({ min: 0, max: 100 }), (a, f, s, l) => {
        const r = combineRewards({ accuracy: [a], format: [f], structure: [s], length: [l / 100] })[0];
        return r >= 0 && r <= 1.6 + 1e-15;
      }),
      { numRuns: 100 },
    );
  });

  it('rejects bad input with the field named', () => {
    expect(inputErrorField(() => combineRewards({ accuracy: [], format: [] }))).toBe('terms.accuracy');
    expect(inputErrorField(() => combineRewards({ accuracy: [1], format: [1, 0] }))).toBe('terms.format');
    expect(inputErrorField(() => combineRewards({ accuracy: [1, Number.NaN], format: [1, 0] }))).toBe('terms.accuracy[1]');
    expect(inputErrorField(() => combineRewards({ accuracy: [1], format: [1], structure: [Infinity] }))).toBe('terms.structure[0]');
    expect(inputErrorField(() => combineRewards({ accuracy: [1], format: [1], length: [1.5] }))).toBe('terms.length[0]');
    expect(inputErrorField(() => combineRewards({ accuracy: [1], format: [1], lenght: [1] } as never))).toBe('terms.lenght');
    expect(inputErrorField(() => combineRewards({ accuracy: [1], format: [1] }, { accuracy: Number.NaN }))).toBe('weights.accuracy');
    expect(inputErrorField(() => combineRewards({ accuracy: [1], format: [1] }, { fmt: 1 } as never))).toBe('weights.fmt');
  });
});
