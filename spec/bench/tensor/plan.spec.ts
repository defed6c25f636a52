// How many calls the `tensor` bench times (bench/tensor/plan.ts): bounded counts, and a total time that
// stays within the budget however slow the first call was, so the suite's run time is bounded.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUDGET_MS, MAX_RUNS, MAX_WARMUP, MIN_RUNS, WARMUP_MS, runPlan } from '../../../bench/tensor/plan.js';

describe('runPlan', () => {
  it('keeps runs in [MIN_RUNS, MAX_RUNS], warm-ups in [0, MAX_WARMUP], and the estimated time within budget', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e5, noNaN: true }), (first) => {
        const p = runPlan(first);
        expect(p.minRuns).toBe(p.maxRuns);
        expect(p.minRuns >= MIN_RUNS && p.minRuns <= MAX_RUNS).toBe(true);
        expect(p.warmup >= 0 && p.warmup <= MAX_WARMUP).toBe(true);
        // Warm-ups fit WARMUP_MS; timed runs fit BUDGET_MS unless MIN_RUNS alone exceeds it.
        expect(p.warmup * first).toBeLessThanOrEqual(WARMUP_MS);
        expect(p.minRuns * first).toBeLessThanOrEqual(Math.max(BUDGET_MS, MIN_RUNS * first));
      }),
      { numRuns: 300 },
    );
  });

  it('a 5-second call (tfjs-cpu at n = 1024) gets 3 runs and no extra warm-up; a 1 ms call 25 and 5', () => {
    expect(runPlan(5000)).toEqual({ warmup: 0, minRuns: 3, maxRuns: 3, minTimeMs: 0 });
    expect(runPlan(1)).toEqual({ warmup: 5, minRuns: 25, maxRuns: 25, minTimeMs: 0 });
  });

  it('refuses a first time that is not a positive finite number', () => {
    for (const bad of [0, -1, NaN, Infinity]) expect(() => runPlan(bad)).toThrow(/first call took/);
  });
});
