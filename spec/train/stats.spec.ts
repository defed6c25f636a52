// The statistics of the summaries: the sign-flip test's p-value against exact enumeration, its level under
// H0, and its edge cases; the coefficient of variation on a closed form; the KS distance to N(0,1) on the
// normal-score map, whose distance is exactly 1/(2n) (shared g2rpo-spec §1).
import { describe, expect, it } from 'vitest';
import { ot } from '../../src/rl/ot.js';
import { ksToNormal } from '../../src/train/metrics.js';
import { coefficientOfVariation, pairedSignFlipTest } from '../../src/train/stats.js';
import { SeededRng } from '../../src/tasks/index.js';

/** Exact one-sided p of the sign-flip test: the fraction of all 2^n sign vectors with sum ≥ observed. */
function exactP(d: number[]): number {
  const obs = d.reduce((a, b) => a + b, 0);
  let count = 0;
  for (let m = 0; m < 2 ** d.length; m++) {
    let s = 0;
    d.forEach((x, i) => (s += (m >> i) & 1 ? x : -x));
    if (s >= obs - 1e-12) count++;
  }
  return count / 2 ** d.length;
}

describe('pairedSignFlipTest', () => {
  it('matches the exact enumeration within 4 binomial standard errors (R = 10000)', () => {
    const cases = [
      [1, 1, 1],
      [0.5, -0.1, 0.9, 0.3, 0, -0.4, 0.6],
      [1.4, -0.5, 0, 0.1, 0.1, 0.9, -1.4, 0.5, 0.5, 0.5],
    ];
    for (const d of cases) {
      const p = exactP(d);
      const r = pairedSignFlipTest(d.map(() => 0), d, 7);
      // the estimate is (1 + X)/(1 + R) with X ~ Binomial(R, p): sd = √(p(1 − p)/R) ≤ 0.005
      const tol = 4 * Math.sqrt((p * (1 - p)) / 10_000) + 1 / 10_001;
      expect(Math.abs(r.pValue - p)).toBeLessThanOrEqual(tol);
    }
  });

  it('no change at all: p = 1, not improved; a uniform decrease: not improved', () => {
    const same = pairedSignFlipTest([0.6, 1.5, 0.1], [0.6, 1.5, 0.1], 1);
    expect(same.pValue).toBe(1);
    expect(same.improved).toBe(false);
    const worse = pairedSignFlipTest(Array(20).fill(1.5), Array(20).fill(0.6), 1);
    expect(worse.improved).toBe(false);
    expect(worse.meanDiff).toBeCloseTo(-0.9, 12);
  });

  it('20 of 20 examples better: p at its floor 1/(R + 1), improved', () => {
    const r = pairedSignFlipTest(Array(20).fill(0.6), Array(20).fill(1.5), 3);
    // exact p = 2^-20 ≈ 1e-6, far below what 10000 resamples can resolve: the estimate is (1 + 0)/10001
    expect(r.pValue).toBe(1 / 10_001);
    expect(r.improved).toBe(true);
  });

  it('holds its level: under H0 (symmetric differences) p < 0.05 in about 5% of 400 trials', () => {
    const rng = new SeededRng(5);
    let rejections = 0;
    for (let k = 0; k < 400; k++) {
      const d = Array.from({ length: 12 }, () => (rng.next() < 0.5 ? -1 : 1) * Math.floor(rng.next() * 4) * 0.3);
      if (pairedSignFlipTest(d.map(() => 0), d, k, 500).improved) rejections++;
    }
    // Binomial(400, ≤ 0.05): mean ≤ 20, sd ≈ 4.4; a discrete statistic makes the true level ≤ 0.05.
    expect(rejections).toBeLessThanOrEqual(20 + 3 * 4.4);
  });

  it('rejects unequal lengths and empty samples', () => {
    expect(() => pairedSignFlipTest([1], [1, 2], 0)).toThrow(/1 values before, 2 after/);
    expect(() => pairedSignFlipTest([], [], 0)).toThrow(/no pairs/);
  });
});

describe('coefficientOfVariation', () => {
  it('is 0 for equal shares and 1/(2√2) for shares (1/2, 1/4, 1/4)', () => {
    expect(coefficientOfVariation([0.25, 0.25, 0.25, 0.25])).toBe(0);
    // mean 1/3; deviations 1/6, −1/12, −1/12; population variance 1/72; CV = (1/√72)·3 = 1/(2√2)
    expect(coefficientOfVariation([0.5, 0.25, 0.25])).toBeCloseTo(1 / (2 * Math.SQRT2), 14);
    expect(coefficientOfVariation([])).toBeNaN();
  });
});

describe('ksToNormal', () => {
  it('is exactly 1/(2n) on the normal scores of n distinct values (g2rpo-spec §1)', () => {
    for (const n of [2, 5, 8, 33]) {
      const x = Array.from({ length: n }, (_, i) => i * i + 0.5);
      // float64 Φ(Φ⁻¹(p)) round trip: within 1e-12 (Φ⁻¹ is accurate to 1e-12, spec §1)
      expect(Math.abs(ksToNormal(ot(x)) - 1 / (2 * n))).toBeLessThan(1e-12);
    }
  });

  it('treats ties as one jump: all zeros is at distance 1/2', () => {
    expect(ksToNormal([0, 0, 0, 0])).toBeCloseTo(0.5, 15);
    expect(ksToNormal([])).toBeNaN();
  });
});
