import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/rl/errors.js';
import { boxArea, boxIoU, charAccuracy, editDistance, relaxedAccuracy } from '../../src/tasks/metrics.js';

const box = (x0: number, y0: number, x1: number, y1: number) => ({ x0, y0, x1, y1 });
const arbBox = fc
  .tuple(fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: 31 }))
  .map(([a, b, c, d]) => box(Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)));

describe('boxIoU (inclusive pixel boxes)', () => {
  it('matches hand-computed pairs', () => {
    // 10×10 box (100 px) vs the same shifted right by 5: overlap 5×10 = 50, union 150 → 1/3.
    expect(boxIoU(box(0, 0, 9, 9), box(5, 0, 14, 9))).toBe(50 / 150);
    // 4×4 (16 px) inside 8×8 (64 px): 16/64 = 0.25.
    expect(boxIoU(box(2, 2, 5, 5), box(0, 0, 7, 7))).toBe(0.25);
    // One-pixel boxes: equal → 1, adjacent → 0 (no division by zero).
    expect(boxIoU(box(3, 3, 3, 3), box(3, 3, 3, 3))).toBe(1);
    expect(boxIoU(box(3, 3, 3, 3), box(4, 3, 4, 3))).toBe(0);
    // Sharing only a corner pixel: 1 / (4 + 4 − 1).
    expect(boxIoU(box(0, 0, 1, 1), box(1, 1, 2, 2))).toBe(1 / 7);
  });

  it('is symmetric, in [0, 1], and 1 exactly when the boxes are equal', () => {
    fc.assert(
      fc.property(arbBox, arbBox, (a, b) => {
        const v = boxIoU(a, b);
        expect(boxIoU(b, a)).toBe(v);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
        const equal = a.x0 === b.x0 && a.y0 === b.y0 && a.x1 === b.x1 && a.y1 === b.y1;
        expect(v === 1).toBe(equal);
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with counting pixels of the two sets', () => {
    fc.assert(
      fc.property(arbBox, arbBox, (a, b) => {
        let inter = 0;
        let union = 0;
        for (let y = 0; y < 32; y++) {
          for (let x = 0; x < 32; x++) {
            const ia = x >= a.x0 && x <= a.x1 && y >= a.y0 && y <= a.y1;
            const ib = x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1;
            inter += ia && ib ? 1 : 0;
            union += ia || ib ? 1 : 0;
          }
        }
        expect(boxIoU(a, b)).toBe(inter / union);
      }),
      { numRuns: 100 },
    );
  });

  it('rejects inverted or non-integer boxes', () => {
    expect(() => boxIoU(box(5, 0, 4, 3), box(0, 0, 1, 1))).toThrow(InputError);
    expect(() => boxIoU(box(0, 0, 1.5, 3), box(0, 0, 1, 1))).toThrow(/a\.x1/);
    expect(boxArea(box(0, 0, 0, 0))).toBe(1);
  });
});

describe('editDistance and charAccuracy', () => {
  it('hand cases', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('HAT', '')).toBe(3);
    expect(editDistance('HATE', 'HALE')).toBe(1); // substitution
    expect(editDistance('HATE', 'HAT')).toBe(1); // deletion
    expect(editDistance('HAT', 'CHAT')).toBe(1); // insertion
    expect(editDistance('ACE', 'ECA')).toBe(2);
  });

  it('one wrong letter of four → 0.75; all wrong or far too long → 0', () => {
    expect(charAccuracy('HALE', 'HATE')).toBe(0.75);
    expect(charAccuracy('HAT', 'HATE')).toBe(0.75);
    expect(charAccuracy('XXXX', 'HATE')).toBe(0);
    expect(charAccuracy('HATEHATEHATE', 'HATE')).toBe(0); // CER 2 clipped at 0
    expect(charAccuracy('HATE', 'HATE')).toBe(1);
  });

  it('editDistance is a metric on short strings (symmetry, identity, triangle inequality)', () => {
    const s = fc.string({ unit: fc.constantFrom('A', 'C', 'E', 'H'), maxLength: 6 });
    fc.assert(
      fc.property(s, s, s, (a, b, c) => {
        expect(editDistance(a, b)).toBe(editDistance(b, a));
        expect(editDistance(a, b) === 0).toBe(a === b);
        expect(editDistance(a, c)).toBeLessThanOrEqual(editDistance(a, b) + editDistance(b, c));
        expect(editDistance(a, b)).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
      { numRuns: 300 },
    );
  });

  it('an empty truth is refused (CER divides by its length)', () => {
    expect(() => charAccuracy('A', '')).toThrow(InputError);
  });
});

const LATTICE = Array.from({ length: 11 }, (_, k) => k / 10);

describe('relaxedAccuracy: mean over t = 0.50…0.95 of [relative error ≤ 1 − t]', () => {
  it('relative error 0.1 → 9 of 10 thresholds (t ≤ 0.90), 0.3 → 5 of 10 (t ≤ 0.70)', () => {
    expect(relaxedAccuracy(9, 10)).toBe(0.9);
    expect(relaxedAccuracy(11, 10)).toBe(0.9);
    expect(relaxedAccuracy(7, 10)).toBe(0.5);
    expect(relaxedAccuracy(13, 10)).toBe(0.5);
  });

  it('the boundary is inclusive exactly, where the naive float test is not', () => {
    // Both sides: the naive comparison |9 − 10|/10 ≤ 1 − 0.9 is false in float64, so it would score 0.8.
    expect(Math.abs(9 - 10) / 10 <= 1 - 0.9).toBe(false);
    const naive = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95].filter((t) => Math.abs(9 - 10) / 10 <= 1 - t).length / 10;
    expect(naive).toBe(0.8);
    expect(relaxedAccuracy(9, 10)).toBe(0.9);
  });

  it('exact → 1, error ≥ 0.5 → 0, error in (0.45, 0.5] → 0.1', () => {
    expect(relaxedAccuracy(7, 7)).toBe(1);
    expect(relaxedAccuracy(1, 2)).toBe(0.1); // error exactly 0.5 meets t = 0.50 only
    expect(relaxedAccuracy(1, 3)).toBe(0); // error 2/3
    expect(relaxedAccuracy(-4, 4)).toBe(0);
  });

  it('is the count of thresholds met, so it is non-increasing in |error|', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 }), (v, p, q) => {
        const [near, far] = Math.abs(p - v) <= Math.abs(q - v) ? [p, q] : [q, p];
        expect(relaxedAccuracy(near, v)).toBeGreaterThanOrEqual(relaxedAccuracy(far, v));
        // Graded on the 11-level lattice k/10: the reward topology of the chart family.
        expect(LATTICE).toContain(relaxedAccuracy(p, v));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a zero or non-finite truth and a non-finite prediction', () => {
    expect(() => relaxedAccuracy(1, 0)).toThrow(InputError);
    expect(() => relaxedAccuracy(Number.NaN, 3)).toThrow(/predicted/);
  });
});
