// The fixed length trapezoid (paper Eq. 9) and its batch scoring: the lemmas of proofs/shaping.md §1–§2,
// each property also run against a deliberately broken trapezoid to show it can fail.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/rl/errors.js';
import {
  DEFAULT_LENGTH_ENVELOPES,
  DEFAULT_LENGTH_WEIGHT,
  lengthBonuses,
  lengthScores,
  trapezoid,
  trapezoidMaxSlope,
  validateEnvelope,
  type LengthEnvelope,
} from '../../../src/rl/shaping/index.js';

type Trapezoid = (L: number, e: LengthEnvelope) => number;

// Broken variants, each a plausible slip.
/** The rising ramp normalised by L_high − L_min: jumps down at L_low when the plateau is not empty. */
const wrongRampWidth: Trapezoid = (L, e) =>
  L > e.lMin && L < e.lLow ? (L - e.lMin) / (e.lHigh - e.lMin) : trapezoid(L, e);
/** The falling ramp written as a second rising ramp: goes from 0 up to 1 and then drops to 0 at L_max. */
const risingTail: Trapezoid = (L, e) =>
  L > e.lHigh && L < e.lMax ? (L - e.lHigh) / (e.lMax - e.lHigh) : trapezoid(L, e);
/** No cut-off at L_max: the falling ramp goes negative past it. */
const noUpperCut: Trapezoid = (L, e) => (L > e.lHigh ? (e.lMax - L) / (e.lMax - e.lHigh) : trapezoid(L, e));
/** "Token count" off-by-one: the ramp counts from L_min − 1, so f(L_min⁺) is about 1/(w + 1), a jump. */
const offByOne: Trapezoid = (L, e) =>
  L > e.lMin && L < e.lLow ? (L - e.lMin + 1) / (e.lLow - e.lMin + 1) : trapezoid(L, e);

/**
 * Reals spread evenly over [min, max], mixed with fc.double's picks: fc.double alone draws uniformly over
 * the representable doubles, so most of its draws in [0, 3000] are below 1e-300 and ramps would never be
 * visited.
 */
const real = (min: number, max: number) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((k) => min + (max - min) * (k / (2 ** 31 - 1))) },
    { weight: 1, arbitrary: fc.double({ min, max, noNaN: true }) },
  );

// Envelopes with widths ≥ 1e-3 tokens, so each threshold is many ulps from its neighbour.
const width = real(1e-3, 3000);
const envelopeArb: fc.Arbitrary<LengthEnvelope> = fc
  .tuple(
    real(0, 3000),
    width,
    fc.oneof(fc.constant(0), width),
    width,
  )
  .map(([lMin, up, plateau, down]) => {
    const lLow = lMin + up;
    const lHigh = lLow + plateau;
    return { lMin, lLow, lHigh, lMax: lHigh + down };
  });

/** A point near one of the thresholds (where a broken trapezoid goes wrong) or anywhere in [0, L_max + 100]. */
function pointArb(e: LengthEnvelope): fc.Arbitrary<number> {
  const anchors = [e.lMin, e.lLow, e.lHigh, e.lMax];
  return fc.oneof(
    fc.tuple(fc.constantFrom(...anchors), real(-20, 20)).map(([a, d]) => Math.max(0, a + d)),
    real(0, e.lMax + 100),
  );
}

const rangeProperty = (f: Trapezoid) =>
  fc.property(
    envelopeArb.chain((e) => fc.tuple(fc.constant(e), pointArb(e))),
    ([e, L]) => {
      const v = f(L, e);
      return v >= 0 && v <= 1;
    },
  );

// |f(a) − f(b)| ≤ s·|a − b| + 1e-15. The slack: each evaluation is one subtraction and one division of
// the exact ramp, relative error ≤ 3u (u = 2⁻⁵³) on a value ≤ 1, so ≤ 3.4e-16 each and 6.7e-16 for the
// pair; s and |a − b| carry one rounding each (≤ 2.3e-16 more while s·|a − b| ≤ 1; above 1 the bound is
// trivial). proofs/shaping.md §1.3.
const continuityProperty = (f: Trapezoid) =>
  fc.property(
    envelopeArb.chain((e) => fc.tuple(fc.constant(e), pointArb(e), real(-10, 10))),
    ([e, a, h]) => {
      const b = Math.max(0, a + h);
      return Math.abs(f(a, e) - f(b, e)) <= trapezoidMaxSlope(e) * Math.abs(a - b) + 1e-15;
    },
  );

const monotoneProperty = (f: Trapezoid) =>
  fc.property(
    envelopeArb.chain((e) => fc.tuple(fc.constant(e), pointArb(e), pointArb(e))),
    ([e, a, b]) => {
      const [x, y] = a <= b ? [a, b] : [b, a];
      if (y <= e.lLow) return f(x, e) <= f(y, e); // rising side (and the 0 before it)
      if (x >= e.lHigh) return f(x, e) >= f(y, e); // falling side (and the 0 after it)
      return true;
    },
  );

const thresholdProperty = (f: Trapezoid) =>
  fc.property(envelopeArb, (e) => f(e.lMin, e) === 0 && f(e.lLow, e) === 1 && f(e.lHigh, e) === 1 && f(e.lMax, e) === 0);

const runs = { numRuns: 300 };
// A broken variant must be caught within 1000 runs (fixed seed, so the demonstration is reproducible).
const fails = <T extends [unknown, ...unknown[]]>(p: fc.IProperty<T>) => fc.check(p, { numRuns: 1000, seed: 42 }).failed;

describe('trapezoid (paper Eq. 9)', () => {
  it('range is [0, 1] (proofs/shaping.md §1.1)', () => {
    fc.assert(rangeProperty(trapezoid), runs);
    expect(fails(rangeProperty(noUpperCut))).toBe(true);
  });

  it('exact values at the thresholds: 0, 1, 1, 0 (proofs/shaping.md §1.2)', () => {
    fc.assert(thresholdProperty(trapezoid), runs);
    // the off-by-one ramp is 1/(w + 1) just above L_min but still 0 at it: thresholds do not catch it …
    expect(fails(thresholdProperty(offByOne))).toBe(false);
    // … continuity does (next test); the rising tail is 0 at L_high⁺ instead of 1 — also a continuity catch
  });

  it('ramp midpoints are exactly 1/2 on integer envelopes with even ramp widths (proofs/shaping.md §1.2)', () => {
    const e = { lMin: 10, lLow: 30, lHigh: 30, lMax: 130 };
    expect(trapezoid(20, e)).toBe(0.5);
    expect(trapezoid(80, e)).toBe(0.5);
    expect(trapezoid(30, e)).toBe(1); // an empty plateau still peaks at exactly 1
  });

  it('continuity: |f(a) − f(b)| ≤ max slope · |a − b| (proofs/shaping.md §1.3)', () => {
    fc.assert(continuityProperty(trapezoid), runs);
    expect(fails(continuityProperty(wrongRampWidth))).toBe(true);
    expect(fails(continuityProperty(offByOne))).toBe(true);
    expect(fails(continuityProperty(risingTail))).toBe(true);
  });

  it('monotone: non-decreasing up to L_low, non-increasing from L_high (proofs/shaping.md §1.4)', () => {
    fc.assert(monotoneProperty(trapezoid), runs);
    expect(fails(monotoneProperty(risingTail))).toBe(true);
  });
});

describe('validateEnvelope', () => {
  const ok = { lMin: 0, lLow: 10, lHigh: 10, lMax: 20 };
  it('accepts an empty plateau (L_low = L_high) and L_min = 0', () => {
    expect(validateEnvelope(ok)).toBe(ok);
  });
  it.each([
    [{ ...ok, lMin: -1 }, 'envelope.lMin'],
    [{ ...ok, lLow: 0 }, 'envelope.lLow'],
    [{ ...ok, lHigh: 9 }, 'envelope.lHigh'],
    [{ ...ok, lMax: 10 }, 'envelope.lMax'],
    [{ ...ok, lMax: Number.NaN }, 'envelope.lMax'],
    [{ ...ok, lMx: 3 }, 'envelope.lMx'],
  ])('rejects %j naming %s', (env, field) => {
    expect(() => validateEnvelope(env as LengthEnvelope)).toThrow(InputError);
    try {
      validateEnvelope(env as LengthEnvelope);
    } catch (e) {
      expect((e as InputError).field).toBe(field);
    }
  });
});

describe('lengthScores / lengthBonuses', () => {
  const envA = { lMin: 0, lLow: 100, lHigh: 200, lMax: 400 };
  const envB = { lMin: 0, lLow: 10, lHigh: 20, lMax: 40 };

  it('bonus = weight · f_task(L) ∈ [0, weight] per response (proofs/shaping.md §2)', () => {
    const envelopes = new Map<string | number, LengthEnvelope>([
      ['a', envA],
      [1, envB],
    ]);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(real(0, 500), fc.constantFrom<string | number>('a', 1)), {
          minLength: 1,
          maxLength: 30,
        }),
        real(0, 3),
        (rows, w) => {
          const lengths = rows.map((r) => r[0]);
          const tasks = rows.map((r) => r[1]);
          const bonus = lengthBonuses(lengths, tasks, { envelopes, weight: w });
          return rows.every(([L, t], i) => {
            const f = trapezoid(L, t === 'a' ? envA : envB);
            return bonus[i] === w * f && bonus[i] >= 0 && bonus[i] <= w;
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('default weight is 0.1 (the released code\'s suggestion)', () => {
    expect(DEFAULT_LENGTH_WEIGHT).toBe(0.1);
    const envelopes = new Map([['x', envA]]);
    expect(Array.from(lengthBonuses([150, 50, 300], ['x', 'x', 'x'], { envelopes }))).toEqual([0.1, 0.05, 0.05]);
  });

  it('task ids compare by value: 1 and "1" get different envelopes', () => {
    const envelopes = new Map<string | number, LengthEnvelope>([
      [1, envA],
      ['1', envB],
    ]);
    const s = lengthScores([150, 150], [1, '1'], { envelopes });
    expect(s[0]).toBe(1); // 150 on A's plateau
    expect(s[1]).toBe(0); // 150 beyond B's L_max = 40
  });

  it('an unknown task is an error naming tasks[i], unless a fallback envelope is given', () => {
    const envelopes = new Map([['a', envA]]);
    expect(() => lengthScores([5, 5], ['a', 'b'], { envelopes })).toThrow('tasks[1]: no length envelope for task "b"');
    expect(Array.from(lengthScores([5, 5], ['a', 'b'], { envelopes, fallback: envB }))).toEqual([0.05, 0.5]);
  });

  it('tasks absent means task 0', () => {
    const envelopes = new Map([[0, envB]]);
    expect(Array.from(lengthScores([15], undefined, { envelopes }))).toEqual([1]);
    expect(() => lengthScores([15], undefined)).toThrow('tasks[0]'); // the default map has no task 0
  });

  it('rejects bad input with the field named', () => {
    const envelopes = new Map([['a', envA]]);
    expect(() => lengthScores([], [], { envelopes })).toThrow('lengths: empty batch');
    expect(() => lengthScores([1, Number.NaN], ['a', 'a'], { envelopes })).toThrow('lengths[1]');
    expect(() => lengthScores([-1], ['a'], { envelopes })).toThrow('lengths[0]');
    expect(() => lengthScores([1, 2], ['a'], { envelopes })).toThrow('tasks: length 1, expected 2');
    expect(() => lengthScores([1], ['a'], { envelopes: new Map([['a', { ...envA, lMax: 150 }]]) })).toThrow(
      'options.envelopes["a"].lMax',
    );
    expect(() => lengthBonuses([1], ['a'], { envelopes, weight: Number.NaN })).toThrow('options.weight');
    expect(() => lengthBonuses([1], ['a'], { envelopes, wieght: 1 } as never)).toThrow('options.wieght: unknown option');
  });

  it('default envelopes: valid, reasoning domains longer than perception domains, all below the 4096 cap', () => {
    const reasoning = ['math', 'chart', 'spatial'];
    const perception = ['ocr', 'grounding'];
    for (const [id, e] of DEFAULT_LENGTH_ENVELOPES) {
      validateEnvelope(e, String(id));
      expect(e.lMax).toBeLessThan(4096);
    }
    for (const r of reasoning) {
      for (const p of perception) {
        const er = DEFAULT_LENGTH_ENVELOPES.get(r)!;
        const ep = DEFAULT_LENGTH_ENVELOPES.get(p)!;
        expect(er.lLow).toBeGreaterThan(ep.lLow);
        expect(er.lHigh).toBeGreaterThan(ep.lHigh);
      }
    }
    expect(lengthScores([4096], ['math'])[0]).toBe(0); // a truncated response earns nothing
  });
});
