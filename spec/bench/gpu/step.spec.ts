// How many timed steps a row of the gpu suite's `step` table gets (bench/gpu/step.ts `stepRuns`): within
// [1, MAX_RUNS], at least MIN_RUNS for a step up to SLOW_MS, and a row's timed steps bounded, so the table's
// run time stays bounded however slow a backend is.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUDGET_MS, MAX_RUNS, MIN_RUNS, SLOW_MS, stepRuns } from '../../../bench/gpu/step.js';

describe('stepRuns', () => {
  it('keeps runs in [1, MAX_RUNS], ≥ MIN_RUNS up to SLOW_MS, and their time within max(BUDGET_MS, MIN_RUNS·SLOW_MS) or one step', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 1e6, noNaN: true }), (warm) => {
        const n = stepRuns(warm);
        expect(Number.isInteger(n) && n >= 1 && n <= MAX_RUNS).toBe(true);
        if (warm <= SLOW_MS) expect(n).toBeGreaterThanOrEqual(MIN_RUNS);
        expect(n * warm).toBeLessThanOrEqual(Math.max(BUDGET_MS, MIN_RUNS * SLOW_MS, warm));
      }),
      { numRuns: 300 },
    );
  });

  it('a 1.5 s reference step gets 6 runs, a 7 s one (headlessgl, everything offloaded) 1', () => {
    expect(stepRuns(1500)).toBe(6);
    expect(stepRuns(7000)).toBe(1);
  });

  it('refuses a warm-up time that is not a positive finite number', () => {
    for (const bad of [0, -1, NaN, Infinity]) expect(() => stepRuns(bad)).toThrow(/warm-up step took/);
  });
});
