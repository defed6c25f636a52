// "My GRPO loss is 0, is anything training?" At ratio 1 with zero-mean advantages per group the loss value
// is 0 (or nearly) while its gradient is not. Proofs: proofs/policy-loss.md §4.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { policyLoss, type TokenBatch } from '../../../src/rl/loss/index.js';
import { expectClose } from './support.js';

// One group of B = 4 responses of lengths 3, 1, 2, 4 (T = 4), advantages (1, −1, 0.5, −0.5): mean 0.
// On-policy (logp = old: the first PPO step of every rollout), so every ratio is exactly 1.
const lengths = [3, 1, 2, 4];
const A = [1, -1, 0.5, -0.5];
const T = 4;
const mask = lengths.flatMap((n) => Array.from({ length: T }, (_, t) => (t < n ? 1 : 0)));
const logp = mask.map((m, k) => (m === 1 ? -0.1 * (k + 1) : 0));
const group: TokenBatch = { shape: [4, T], logProbs: logp, oldLogProbs: logp, advantages: A, mask };

describe('loss 0, gradient not 0 (proofs/policy-loss.md §4)', () => {
  it('seq-mean-token-mean: loss = −(1/B)·ΣA = 0 and d loss/d logp = −A_i/(B·|y_i|) (proofs/policy-loss.md §4)', () => {
    const { loss, gradLogProbs } = policyLoss(group, { aggregation: 'seq-mean-token-mean' });
    // Σ of 10 terms of size ≤ 1/4, each one rounding: |loss| ≤ 10·ε·0.25 ≈ 6e-16
    expect(Math.abs(loss)).toBeLessThanOrEqual(1e-15);
    const expected = mask.map((m, k) => (m === 1 ? -A[Math.floor(k / T)] / (4 * lengths[Math.floor(k / T)]) : 0));
    expectClose(gradLogProbs, expected, 0, 1e-15, 'grad');
    // the gradient is far from zero: the first response's tokens each get −1/12
    expect(gradLogProbs[0]).toBeCloseTo(-1 / 12, 15);
  });

  it('token-mean with unequal lengths: the loss at ratio 1 is −Σ n_i·A_i / N = −1/10, not 0 (proofs/policy-loss.md §4)', () => {
    // Σ n_i A_i = 3·1 + 1·(−1) + 2·0.5 + 4·(−0.5) = 1, N = 10
    const { loss, gradLogProbs } = policyLoss(group, { aggregation: 'token-mean' });
    expect(loss).toBeCloseTo(-0.1, 15);
    expect(gradLogProbs[0]).toBeCloseTo(-1 / 10, 15); // −A_i/N for every token
  });

  it('equal lengths, any zero-mean group: loss 0 and gradient ≠ 0 in token-mean (−A_i/N), seq-mean-token-mean and seq-mean-token-sum (proofs/policy-loss.md §4)', () => {
    const adv = fc.noBias(fc.integer({ min: -3000, max: 3000 })).map((i) => i / 1000);
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(adv, { minLength: 8, maxLength: 8 }),
        (G, n, raw) => {
          const a = raw.slice(0, G);
          const mean = a.reduce((s, v) => s + v, 0) / G;
          const zm = a.map((v) => v - mean); // zero mean up to rounding
          fc.pre(zm.some((v) => Math.abs(v) > 1e-3));
          const lp = Array.from({ length: G * n }, (_, k) => -0.01 * (k + 1));
          for (const aggregation of ['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum'] as const) {
            const r = policyLoss(
              { shape: [G, n], logProbs: lp, oldLogProbs: lp, advantages: zm, mask: new Array(G * n).fill(1) },
              { aggregation },
            );
            // ΣA is 0 up to G roundings of values ≤ 6: |Σ zm| ≤ 8·6·ε ≈ 1e-14, times weights ≤ 1
            expect(Math.abs(r.loss)).toBeLessThanOrEqual(1e-13);
            const norm = Math.hypot(...r.gradLogProbs);
            expect(norm).toBeGreaterThan(0);
            if (aggregation === 'token-mean') {
              const expected = lp.map((_, k) => -zm[Math.floor(k / n)] / (G * n));
              expectClose(r.gradLogProbs, expected, 1e-18, 1e-15, 'token-mean grad');
            }
          }
        },
      ),
      { numRuns: 200, seed: 41 },
    );
  });
});
