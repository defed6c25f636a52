// LR schedules: values at the landmarks, monotone pieces, the clamp past the end, and argument checks.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constantSchedule, warmupCosineFactor, warmupCosineSchedule } from '../../src/optim/schedule.js';

/** Hugging Face's lambda (get_cosine_schedule_with_warmup, num_cycles 0.5, min_lr_rate r), unclamped. */
function hfCosine(t: number, W: number, T: number, r: number): number {
  if (t < W) return t / Math.max(1, W);
  const progress = (t - W) / Math.max(1, T - W);
  return Math.max(0, r + (1 - r) * 0.5 * (1 + Math.cos(Math.PI * 2 * 0.5 * progress)));
}

const optsArb = fc
  .record({ W: fc.integer({ min: 0, max: 50 }), extra: fc.integer({ min: 0, max: 200 }), r: fc.constantFrom(0, 0.1, 0.5, 1) })
  .map(({ W, extra, r }) => ({ warmupSteps: W, totalSteps: W + extra, minRatio: r }));

describe('constantSchedule', () => {
  it('is 1 without warmup, and t/W then 1 with it', () => {
    const c = constantSchedule();
    expect([0, 1, 1000].map(c)).toEqual([1, 1, 1]);
    const w = constantSchedule({ warmupSteps: 4 });
    expect([0, 1, 2, 3, 4, 5, 100].map(w)).toEqual([0, 0.25, 0.5, 0.75, 1, 1, 1]);
  });
});

describe('warmupCosineSchedule', () => {
  it('landmarks (W = 10, T = 110, r = 0.1): 0 at t = 0, 1 at the end of warmup, (1 + r)/2 in the middle, r at T', () => {
    const f = warmupCosineSchedule({ warmupSteps: 10, totalSteps: 110, minRatio: 0.1 });
    expect(f(0)).toBe(0);
    expect(f(5)).toBe(0.5);
    expect(f(10)).toBe(1); // cos(0) = 1 exactly
    // middle: cos(π/2) = 6.1e-17 in floating point, so the value is 0.55 within a few ulp
    expect(Math.abs(f(60) - 0.55)).toBeLessThanOrEqual(4 * 2 ** -52);
    // end: cos(π) = −1 exactly, so r + (1 − r)·0 = r exactly
    expect(f(110)).toBe(0.1);
    // a quarter of the way: r + (1 − r)·(1 + cos(π/4))/2 = 0.1 + 0.9·0.853553390593… = 0.868198051533…
    expect(Math.abs(f(35) - (0.1 + 0.9 * (1 + Math.SQRT1_2) / 2))).toBeLessThanOrEqual(4 * 2 ** -52);
  });

  it('agrees with Hugging Face’s formula for t ≤ T (property)', () => {
    fc.assert(
      fc.property(optsArb, fc.integer({ min: 0, max: 300 }), (o, t) => {
        fc.pre(t <= o.totalSteps);
        const ours = warmupCosineFactor(t, o);
        const hf = hfCosine(t, o.warmupSteps, o.totalSteps, o.minRatio);
        // same expression up to π·2·0.5·p versus π·p (both exact doublings): equal within 2 ulp of 1
        expect(Math.abs(ours - hf)).toBeLessThanOrEqual(2 * 2 ** -52);
      }),
      { numRuns: 300 },
    );
  });

  it('is non-decreasing during warmup, non-increasing after it, and within [r, 1] after it (property)', () => {
    fc.assert(
      fc.property(optsArb, (o) => {
        const f = warmupCosineSchedule(o);
        for (let t = 1; t < o.warmupSteps; t++) expect(f(t)).toBeGreaterThanOrEqual(f(t - 1));
        for (let t = o.warmupSteps + 1; t <= o.totalSteps + 5; t++) {
          expect(f(t)).toBeLessThanOrEqual(f(t - 1));
          expect(f(t)).toBeGreaterThanOrEqual(o.minRatio);
          expect(f(t)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('stays at the floor after T, where Hugging Face’s formula climbs back up (both sides shown)', () => {
    const f = warmupCosineSchedule({ warmupSteps: 0, totalSteps: 100 });
    expect(f(120)).toBe(0);
    expect(f(10_000)).toBe(0);
    // HF: 0.5·(1 + cos(1.2π)) = 0.5·(1 − 0.809017) = 0.0954915
    expect(hfCosine(120, 0, 100, 0)).toBeCloseTo(0.0954915, 7);
  });

  it('W = T: warmup then straight to the floor', () => {
    const f = warmupCosineSchedule({ warmupSteps: 3, totalSteps: 3, minRatio: 0.2 });
    expect([0, 1, 2, 3, 4].map(f)).toEqual([0, 1 / 3, 2 / 3, 1, 0.2]);
  });

  it('rejects bad arguments, naming them', () => {
    expect(() => warmupCosineSchedule({ warmupSteps: -1, totalSteps: 10 })).toThrow('warmupCosineSchedule: warmupSteps is -1, expected an integer ≥ 0');
    expect(() => warmupCosineSchedule({ warmupSteps: 1.5, totalSteps: 10 })).toThrow('warmupSteps is 1.5');
    expect(() => warmupCosineSchedule({ warmupSteps: 20, totalSteps: 10 })).toThrow('totalSteps is 10, expected ≥ warmupSteps (20)');
    expect(() => warmupCosineSchedule({ warmupSteps: 0, totalSteps: NaN })).toThrow('totalSteps is NaN');
    expect(() => warmupCosineSchedule({ warmupSteps: 0, totalSteps: 10, minRatio: 1.5 })).toThrow('minRatio is 1.5, expected a number in [0, 1]');
    expect(() => warmupCosineSchedule({ warmupSteps: 0, totalSteps: 10, minRatio: NaN })).toThrow('minRatio is NaN');
    const f = warmupCosineSchedule({ warmupSteps: 0, totalSteps: 10 });
    expect(() => f(-1)).toThrow('warmupCosineSchedule: step is -1');
    expect(() => f(NaN)).toThrow('step is NaN');
    expect(() => constantSchedule({ warmupSteps: -2 })).toThrow('constantSchedule: warmupSteps is -2');
    expect(() => constantSchedule()(0.5)).toThrow('constantSchedule: step is 0.5');
  });
});
