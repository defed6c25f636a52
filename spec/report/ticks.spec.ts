// Nice ticks (src/report/ticks.ts): hand-picked ranges whose ticks were worked out by hand from the rule
// (raw step = span/5; mantissa 1, 2, 5 or 10 by the thresholds √2, √10, √50; domain widened to whole
// steps), then properties over random ranges, then the number formats.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatNumber, formatTick, linearScale, niceTicks } from '../../src/report/ticks.js';

describe('niceTicks on hand-picked ranges', () => {
  const cases: [number, number, number[]][] = [
    // span 1: raw 0.2 = 2·10⁻¹ (ratio 2 ≥ √2) → step 0.2
    [0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0, 100, [0, 20, 40, 60, 80, 100]],
    // raw 2 → step 2; −3 widens down to −4, 7 up to 8
    [-3, 7, [-4, -2, 0, 2, 4, 6, 8]],
    // raw 6.4e-4, ratio 6.4 ∈ [√10, √50) → step 5e-4; 0.0042 widens to 0.0045
    [0.001, 0.0042, [0.001, 0.0015, 0.002, 0.0025, 0.003, 0.0035, 0.004, 0.0045]],
    // raw 4e11 → step 5e11
    [1e12, 3e12, [1e12, 1.5e12, 2e12, 2.5e12, 3e12]],
    // raw 0.06 → ratio 6 → step 0.05; every tick the double nearest its decimal (no 0.15000000000000002)
    [0, 0.3, [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]],
    [0.1, 0.7, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]],
    // a constant: widened by 10% of |v| to [4.5, 5.5], raw 0.2 → step 0.2, then whole steps [4.4, 5.6]
    [5, 5, [4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6]],
    // zero: widened to [−1, 1], raw 0.4 → ratio 4 → step 0.5
    [0, 0, [-1, -0.5, 0, 0.5, 1]],
    // near the float limit: raw 4e307 → step 5e307, nothing overflows
    [-1e308, 1e308, [-1e308, -5e307, 0, 5e307, 1e308]],
  ];
  for (const [lo, hi, expected] of cases) {
    it(`[${lo}, ${hi}] → ${expected.join(', ')}`, () => {
      expect(niceTicks(lo, hi, 5).values).toEqual(expected);
    });
  }

  it('the full double range keeps finite ticks and ends the axis at the data where a whole step overflows', () => {
    const t = niceTicks(-Number.MAX_VALUE, Number.MAX_VALUE, 5);
    // raw = 2·MAX/5 ≈ 7.19e307, ratio ≥ √50 → step 1e308; ±2e308 would be infinite
    expect(t.values).toEqual([-1e308, 0, 1e308]);
    expect([t.lo, t.hi]).toEqual([-Number.MAX_VALUE, Number.MAX_VALUE]);
  });

  it('a span lost in float noise (1e16 and its next double) is drawn as a constant, without a runaway loop', () => {
    const t = niceTicks(1e16, 1e16 + 2, 5);
    expect(t.values.length).toBeLessThanOrEqual(10);
    expect(t.lo).toBeLessThanOrEqual(1e16);
    expect(t.hi).toBeGreaterThanOrEqual(1e16 + 2);
  });

  it('rejects non-finite or reversed ranges with an InputError', () => {
    expect(() => niceTicks(0, Infinity)).toThrow(/niceTicks: range must be finite/);
    expect(() => niceTicks(Number.NaN, 1)).toThrow(/niceTicks: range must be finite/);
    expect(() => niceTicks(2, 1)).toThrow(/min 2 > max 1/);
  });
});

describe('niceTicks properties', () => {
  // Ranges over 20 decades, with spans from 1e-9 of the magnitude upward (narrower spans are treated as
  // constant by design and tested above).
  const range = fc
    .tuple(fc.double({ min: -1e10, max: 1e10, noNaN: true }), fc.double({ min: 1e-9, max: 1e10, noNaN: true }))
    .filter(([a, w]) => w > Math.abs(a) * 1e-9)
    .map(([a, w]) => [a, a + w] as const);

  it('ticks cover the data, ascend by exactly one step, and the step is 1, 2 or 5 × 10^k', () => {
    fc.assert(
      fc.property(range, ([a, b]) => {
        const t = niceTicks(a, b, 5);
        expect(t.lo).toBeLessThanOrEqual(a);
        expect(t.hi).toBeGreaterThanOrEqual(b);
        expect([1, 2, 5]).toContain(t.mantissa);
        // the step is m/10^(−k) rounded once; m·10**k rounds twice, so they may differ by an ulp (2.2e-16 relative)
        expect(Math.abs(t.step - t.mantissa * 10 ** t.exponent)).toBeLessThanOrEqual(4.5e-16 * t.step);
        for (let i = 1; i < t.values.length; i++) {
          // each tick is its decimal rounded once (≤ ½ ulp), the difference rounds once more: the gap is one step
          // up to ~1.5 ulp of the larger tick (ulp ≤ 2.2e-16 relative) plus the step's own rounding
          const big = Math.max(Math.abs(t.values[i]), Math.abs(t.values[i - 1]));
          expect(Math.abs(t.values[i] - t.values[i - 1] - t.step)).toBeLessThanOrEqual(4.5e-16 * (big + t.step));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('target 5 gives 5 to 10 ticks', () => {
    // step/raw ∈ (0.632, 1.581] by the thresholds (2/√10 and 5/√10 are the extremes), so the span holds
    // between 5/1.581 = 3.16 and 5/0.632 = 7.9 steps; widening to whole steps adds at most 2 → 4…9 intervals.
    fc.assert(
      fc.property(range, ([a, b]) => {
        const n = niceTicks(a, b, 5).values.length;
        expect(n).toBeGreaterThanOrEqual(5);
        expect(n).toBeLessThanOrEqual(10);
      }),
      { numRuns: 300 },
    );
  });

  it('every tick label reads back as the tick (ticks are exact decimals; labels lose nothing)', () => {
    fc.assert(
      fc.property(range, ([a, b]) => {
        const t = niceTicks(a, b, 5);
        for (const v of t.values) expect(Number(formatTick(v, t).replace('−', '-'))).toBe(v);
      }),
      { numRuns: 300 },
    );
  });
});

describe('number formats and scales', () => {
  it('formatTick: decimals from the step, exponents for huge and tiny steps, a true minus sign', () => {
    const t = niceTicks(-1, 1, 5); // step 0.5
    expect(t.values.map((v) => formatTick(v, t))).toEqual(['−1.0', '−0.5', '0', '0.5', '1.0']);
    const big = niceTicks(1e12, 3e12, 5);
    expect(big.values.map((v) => formatTick(v, big))).toEqual(['1e12', '1.5e12', '2e12', '2.5e12', '3e12']);
  });

  it('formatNumber: 3 significant digits, dash for null and non-finite (never NaN in a page)', () => {
    expect(formatNumber(0.123456)).toBe('0.123');
    expect(formatNumber(1234.5)).toBe('1230');
    expect(formatNumber(2.5e9)).toBe('2.5e9');
    expect(formatNumber(-3e-7)).toBe('-3e-7');
    expect(formatNumber(null)).toBe('—');
    expect(formatNumber(Number.NaN)).toBe('—');
    expect(formatNumber(Infinity)).toBe('—');
  });

  it('linearScale maps ends to ends, and a zero-width domain to the middle instead of NaN', () => {
    const s = linearScale(-1e308, 1e308, 0, 100);
    expect([s(-1e308), s(0), s(1e308)]).toEqual([0, 50, 100]);
    expect(linearScale(3, 3, 10, 20)(3)).toBe(15);
  });
});
