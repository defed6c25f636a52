// KL estimators k1 / abs / k2 / k3: values at hand-picked points, derivatives, k3 ≥ 0, unbiasedness
// of k1 and k3 (and the bias of k2, abs and the clamp), and their place in the loss.
// Proofs: proofs/policy-loss.md §5. Reference values: mpmath at 40 digits (script in the proof, §5).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  k3,
  klDerivative,
  klEstimatorFromName,
  klValue,
  policyLoss,
  type KlEstimator,
} from '../../../src/rl/loss/index.js';

const rel = (a: number, e: number) => Math.abs(a - e) / Math.abs(e);

describe('KL estimator values (proofs/policy-loss.md §5)', () => {
  // k3(x) = e^(−x) + x − 1; 40-digit values, rounded to 17 significant digits
  const K3: [number, number][] = [
    [1, 0.36787944117144233], // e^−1
    [-1, 0.71828182845904524], // e − 2
    [Math.LN2, 0.19314718055994531], // ln 2 − 1/2
    [0.3, 0.040818220681717866],
    [0.5, 0.10653065971263342],
    [1e-4, 4.9998333374999167e-9], // cancellation region: the direct form is off by ~1e-12 relative here
    [1e-8, 4.9999999833333334e-17], // direct form: ~2e-8 relative error
    [20, 19.000000002061154],
  ];
  it.each(K3)('k3(%s) = %s to 4 ulps (proofs/policy-loss.md §5)', (x, expected) => {
    // the series (|x| < 0.5) or expm1 (|x| ≥ 0.5) is accurate to a few rounding errors: 4 ulps = 8.9e-16
    expect(rel(k3(x), expected)).toBeLessThanOrEqual(8.9e-16);
  });

  it('the naive e^(−x) + x − 1 is what the series avoids: at x = 1e-8 it is off by more than 1e-9 relative (proofs/policy-loss.md §5)', () => {
    const naive = Math.exp(-1e-8) + 1e-8 - 1;
    expect(rel(naive, 4.9999999833333334e-17)).toBeGreaterThan(1e-9);
  });

  it('k1, abs, k2 at x = −0.3: −0.3, 0.3, 0.045 (proofs/policy-loss.md §5)', () => {
    expect(klValue('k1', -0.3, null)).toBe(-0.3);
    expect(klValue('abs', -0.3, null)).toBe(0.3);
    expect(klValue('k2', -0.3, null)).toBeCloseTo(0.045, 16);
  });

  it('k3 ≥ 0 everywhere, = 0 only at x = 0 (proofs/policy-loss.md §5)', () => {
    const x = fc.oneof(
      fc.double({ min: -700, max: 700, noNaN: true }),
      fc.double({ min: -1e-6, max: 1e-6, noNaN: true }),
    );
    fc.assert(
      fc.property(x, (v) => {
        const y = k3(v);
        expect(y).toBeGreaterThanOrEqual(0);
        if (v !== 0 && Math.abs(v) > 1e-150) expect(y).toBeGreaterThan(0); // x²/2 underflows below ~1e-162
      }),
      { numRuns: 300, seed: 51 },
    );
    expect(k3(0)).toBe(0);
  });

  it('k3 clamp: min(k3, 10) with derivative 0 above; verl\'s extra clamp of ref − logp to ±20 changes nothing under it (proofs/policy-loss.md §5)', () => {
    expect(klValue('k3', -5, 10)).toBe(10); // k3(−5) = e^5 − 6 ≈ 142.4
    expect(klDerivative('k3', -5, 10)).toBe(0);
    expect(klValue('k3', -5, null)).toBeCloseTo(Math.exp(5) - 6, 12);
    // k3(±20) ≥ 19 > 10: wherever the inner clamp acts, the outer one already gave 10
    const inner = (x: number) => Math.min(k3(Math.max(-20, Math.min(20, x))), 10);
    for (let x = -60; x <= 60; x += 0.25) expect(inner(x)).toBe(klValue('k3', x, 10));
  });
});

describe('KL estimator derivatives (proofs/policy-loss.md §5)', () => {
  it.each([
    ['k1', 0.7, 1],
    ['abs', -0.7, -1],
    ['abs', 0, 0],
    ['k2', -0.7, -0.7],
    ['k3', Math.LN2, 0.5], // 1 − e^(−ln 2)
    ['k3', -Math.LN2, -1], // 1 − 2
  ] as [KlEstimator, number, number][])("d%s/dx at %s = %s (proofs/policy-loss.md §5)", (est, x, d) => {
    expect(klDerivative(est, x, null)).toBeCloseTo(d, 15);
  });

  it('derivative = central differences for every estimator away from kinks (proofs/policy-loss.md §5)', () => {
    const x = fc.noBias(fc.integer({ min: -4000, max: 4000 })).map((i) => i / 1000);
    fc.assert(
      fc.property(x, fc.constantFrom<KlEstimator>('k1', 'abs', 'k2', 'k3'), (v, est) => {
        fc.pre(Math.abs(v) > 1e-3);
        const h = 1e-6;
        const fd = (klValue(est, v + h, null) - klValue(est, v - h, null)) / (2 * h);
        // values ≤ e^4 ≈ 55: rounding ≤ 55·ε/h ≈ 1.2e-8; truncation ≤ h²·e^4/6 ≈ 1e-11
        expect(Math.abs(fd - klDerivative(est, v, null))).toBeLessThanOrEqual(5e-8);
      }),
      { numRuns: 300, seed: 52 },
    );
  });
});

describe('unbiasedness (proofs/policy-loss.md §5)', () => {
  /** E_{y∼p}[f(log p(y) − log q(y))], summed exactly over the support. */
  const expectation = (p: number[], q: number[], f: (x: number) => number) =>
    p.reduce((s, pi, i) => s + pi * f(Math.log(pi) - Math.log(q[i])), 0);
  const kl = (p: number[], q: number[]) => expectation(p, q, (x) => x);

  const dist = (K: number) =>
    fc
      .array(fc.noBias(fc.integer({ min: 1, max: 1000 })), { minLength: K, maxLength: K })
      .map((w) => {
        const s = w.reduce((a, b) => a + b, 0);
        return w.map((v) => v / s);
      });

  it('E_p[k3] = E_p[k1] = KL(p ‖ q) for random categorical p, q (proofs/policy-loss.md §5)', () => {
    const pair = fc.integer({ min: 2, max: 10 }).chain((K) => fc.tuple(dist(K), dist(K)));
    fc.assert(
      fc.property(pair, ([p, q]) => {
        const truth = kl(p, q);
        // K ≤ 10 terms; p ≥ 1e-4 so |x| ≤ 9.3 and each |p·k3| ≤ q + p·(|x| + 1) ≤ 11.3:
        // rounding ≤ 10 terms · 11.3 · 4ε ≈ 1e-13
        expect(Math.abs(expectation(p, q, (x) => klValue('k3', x, null)) - truth)).toBeLessThanOrEqual(1e-13);
      }),
      { numRuns: 300, seed: 53 },
    );
  });

  it('p = (½, ½), q = (0.9, 0.1): KL = ln(5/3) = 0.5108; E[k3] = 0.5108, E[k2] = 0.7339, E[abs] = ln 3 = 1.0986 (proofs/policy-loss.md §5)', () => {
    const p = [0.5, 0.5];
    const q = [0.9, 0.1];
    expect(expectation(p, q, (x) => klValue('k3', x, null))).toBeCloseTo(0.5108256237659907, 14);
    expect(kl(p, q)).toBeCloseTo(Math.log(5 / 3), 14);
    expect(expectation(p, q, (x) => klValue('k2', x, null))).toBeCloseTo(0.7339458893542477, 14);
    expect(expectation(p, q, (x) => klValue('abs', x, null))).toBeCloseTo(Math.log(3), 14);
  });

  it('the clamp at 10 biases k3 down: p = (½, ½), q = (1 − 1e-6, 1e-6) gives 5.1534 instead of KL = 6.2146 (proofs/policy-loss.md §5)', () => {
    const p = [0.5, 0.5];
    const q = [1 - 1e-6, 1e-6];
    expect(kl(p, q)).toBeCloseTo(6.214608598422442, 9);
    expect(expectation(p, q, (x) => klValue('k3', x, null))).toBeCloseTo(6.214608598422442, 9);
    expect(expectation(p, q, (x) => klValue('k3', x, 10))).toBeCloseTo(5.153425909720277, 9);
  });
});

describe('what the KL losses differentiate to (proofs/policy-loss.md §5)', () => {
  // π = softmax(θ), y ∼ π, x = log π(y) − log q(y); d log π(y)/dθ = e_y − π. The expected pathwise
  // gradient E_π[k'(x)·(e_y − π)] is summed exactly over the support and compared with central
  // differences (h = 1e-6) of the exact KL(π ‖ q) and KL(q ‖ π) as functions of θ.
  const softmax = (t: number[]) => {
    const m = Math.max(...t);
    const e = t.map((v) => Math.exp(v - m));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / z);
  };
  const klf = (p: number[], q: number[]) => p.reduce((s, pi, i) => s + pi * Math.log(pi / q[i]), 0);
  const expectedGrad = (est: KlEstimator, p: number[], q: number[]) =>
    p.map((_, j) => p.reduce((s, pi, i) => s + pi * klDerivative(est, Math.log(pi / q[i]), null) * ((i === j ? 1 : 0) - p[j]), 0));
  const fdGrad = (f: (t: number[]) => number, t: number[]) =>
    t.map((_, j) => {
      const h = 1e-6;
      const tp = t.map((v, i) => (i === j ? v + h : v));
      const tm = t.map((v, i) => (i === j ? v - h : v));
      return (f(tp) - f(tm)) / (2 * h);
    });
  const case4 = fc.tuple(
    fc.array(fc.noBias(fc.integer({ min: -2000, max: 2000 })).map((i) => i / 1000), { minLength: 4, maxLength: 4 }),
    fc.array(fc.noBias(fc.integer({ min: 1, max: 1000 })), { minLength: 4, maxLength: 4 }),
  );
  // KL values here are ≤ ~10: FD rounding ≤ 10·ε/h ≈ 2e-9, truncation ≤ h²·O(1): tolerance 1e-8
  it('E_π[∇k1] = 0, E_π[∇k2] = ∇KL(π ‖ q), E_π[∇k3] = ∇KL(q ‖ π) — the reverse KL (proofs/policy-loss.md §5)', () => {
    fc.assert(
      fc.property(case4, ([theta, w]) => {
        const z = w.reduce((a, b) => a + b, 0);
        const q = w.map((v) => v / z);
        const p = softmax(theta);
        const forward = fdGrad((t) => klf(softmax(t), q), theta);
        const reverse = fdGrad((t) => klf(q, softmax(t)), theta);
        const g1 = expectedGrad('k1', p, q);
        const g2 = expectedGrad('k2', p, q);
        const g3 = expectedGrad('k3', p, q);
        for (let j = 0; j < 4; j++) {
          expect(Math.abs(g1[j])).toBeLessThanOrEqual(1e-15);
          expect(Math.abs(g2[j] - forward[j])).toBeLessThanOrEqual(1e-8);
          expect(Math.abs(g3[j] - reverse[j])).toBeLessThanOrEqual(1e-8);
        }
        // and k3's is not the forward-KL gradient unless p = q: somewhere they differ by > 1e-6
        const gap = Math.max(...g3.map((g, j) => Math.abs(g - forward[j])));
        if (klf(p, q) > 1e-3) expect(gap).toBeGreaterThan(1e-6);
      }),
      { numRuns: 200, seed: 54 },
    );
  });
});

describe('KL in the loss (proofs/policy-loss.md §5)', () => {
  it('one token, A = 0, β = 0.01, k3 at x = logp − ref = ln 2: loss = 0.01·(ln 2 − ½), grad = 0.01·½ (proofs/policy-loss.md §5)', () => {
    const r = policyLoss(
      { shape: [1, 1], logProbs: [Math.log(0.5)], oldLogProbs: [Math.log(0.5)], refLogProbs: [Math.log(0.25)], advantages: [0], mask: [1] },
      { klBeta: 0.01 },
    );
    expect(r.loss).toBeCloseTo(0.01 * (Math.LN2 - 0.5), 16);
    expect(r.gradLogProbs[0]).toBeCloseTo(0.005, 16);
    expect(r.metrics.kl).toBeCloseTo(Math.LN2 - 0.5, 15);
    expect(r.metrics['actor/kl_coef']).toBe(0.01);
  });

  it('β = 0 (the default): refLogProbs only feed the kl metric, not the loss (proofs/policy-loss.md §5)', () => {
    const base = { shape: [1, 2] as const, logProbs: [-1, -2], oldLogProbs: [-1, -2], advantages: [1], mask: [1, 1] };
    const without = policyLoss(base);
    const withRef = policyLoss({ ...base, refLogProbs: [-3, -3] });
    expect(withRef.loss).toBe(without.loss);
    expect(Array.from(withRef.gradLogProbs)).toEqual(Array.from(without.gradLogProbs));
    expect(withRef.metrics.kl).toBeGreaterThan(0);
    expect(without.metrics.kl).toBeUndefined();
  });

  it("verl names map onto the estimators: kl→k1, mse→k2, low_var_kl→k3; unknown → undefined (proofs/policy-loss.md §5)", () => {
    expect(klEstimatorFromName('kl')).toBe('k1');
    expect(klEstimatorFromName('abs')).toBe('abs');
    expect(klEstimatorFromName('mse')).toBe('k2');
    expect(klEstimatorFromName('low_var_kl')).toBe('k3');
    expect(klEstimatorFromName('k3+')).toBeUndefined();
    expect(klEstimatorFromName('toString')).toBeUndefined();
  });
});
