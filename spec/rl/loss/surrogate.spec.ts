// Clipping regions of the PPO surrogate: which branch is active for each (sign of A, ratio region), its
// value and its gradient, dual clip and δ. Proofs: proofs/policy-loss.md §1.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  policyLoss,
  surrogateBranch,
  surrogateLoss,
  type PolicyLossOptions,
  type SurrogateBranch,
} from '../../../src/rl/loss/index.js';

/** One token, ratio r = exp(log r − 0), token-mean: loss = ℓ(r, A) and grad = dℓ/dr · r. */
function oneToken(r: number, A: number, opts: Partial<PolicyLossOptions> = {}) {
  const res = policyLoss({ shape: [1, 1], logProbs: [Math.log(r)], oldLogProbs: [0], advantages: [A], mask: [1] }, opts);
  return { loss: res.loss, grad: res.gradLogProbs[0] };
}

const DEF = { clipLow: 0.2, clipHigh: 0.3, dualClip: 3, delta: null };
const NO_DUAL = { dualClip: null };

// [A, r, options, branch, loss, d loss/d logp]. Values are the closed forms of proofs §1 with
// ε_low = 0.2, ε_high = 0.3, c = 3 (defaults), worked by hand: unclipped ℓ = −A·r and grad = −A·r;
// every clipped branch has grad 0 and ℓ = −A·bound.
const TABLE: [number, number, Partial<PolicyLossOptions>, SurrogateBranch, number, number][] = [
  [+2, 0.5, {}, 'unclipped', -1.0, -1.0], //     A > 0, r < 1 − ε_low: no clip on this side
  [+2, 1.1, {}, 'unclipped', -2.2, -2.2], //     A > 0, inside
  [+2, 1.5, {}, 'clip-high', -2.6, 0], //        A > 0, r > 1 + ε_high: ℓ = −A·1.3
  [+2, 5.0, {}, 'clip-high', -2.6, 0], //        A > 0, r > c: the dual clip is for A < 0 only
  [-2, 0.5, {}, 'clip-low', 1.6, 0], //          A < 0, r < 1 − ε_low: ℓ = −A·0.8
  [-2, 1.1, {}, 'unclipped', 2.2, 2.2], //       A < 0, inside
  [-2, 2.0, {}, 'unclipped', 4.0, 4.0], //       A < 0, 1 + ε_high < r < c: PPO does not clip here
  [-2, 4.0, {}, 'dual', 6.0, 0], //              A < 0, r > c: ℓ = −c·A = 6
  [-2, 4.0, NO_DUAL, 'unclipped', 8.0, 8.0], //  without dual clip the loss keeps growing with r
  [0, 4.0, {}, 'unclipped', 0, 0], //            A = 0: nothing
  [-2, 4.5, { delta: 2.5, dualClip: null }, 'delta', 5.0, 0], // A < 0, r > δ: ℓ = −A·δ
  [-2, 2.0, { delta: 2.5, dualClip: null }, 'unclipped', 4.0, 4.0], // r < δ: unchanged
  [+2, 3.0, { delta: 2.5, dualClip: null }, 'clip-high', -2.6, 0], //  δ > 1 + ε_high never binds for A > 0
  [-2, 4.0, { delta: 2.5 }, 'delta', 5.0, 0], // δ and c together: the smaller cap (δ < c) wins
  [+2, 1.25, { delta: 1.2 }, 'delta', -2.4, 0], // δ ≤ 1 + ε_high also caps A > 0 inside the region
  [-2, 1.25, { delta: 1.2 }, 'unclipped', 2.5, 2.5], // …and there A < 0 falls back to κ = r
];

describe('clipping regions (proofs/policy-loss.md §1)', () => {
  it.each(TABLE)('A = %s, r = %s, %o → %s, ℓ = %s, grad %s (proofs/policy-loss.md §1)', (A, r, opts, branch, loss, grad) => {
    const p = { ...DEF, ...opts };
    expect(surrogateBranch(r, A, p)).toBe(branch);
    const got = oneToken(r, A, opts);
    // exp(log r) is r to within 1 ulp; the loss is linear in r: relative error ≤ 4e-16, so 14 digits hold
    expect(got.loss).toBeCloseTo(loss, 14);
    expect(got.grad).toBeCloseTo(grad, 14);
  });

  it('gradient is zero exactly in the clipped regions (A > 0, r > 1+ε_high), (A < 0, r < 1−ε_low), (A < 0, r > c) (proofs/policy-loss.md §1)', () => {
    const lo = 0.8;
    const hi = 1.3;
    const c = 3;
    const logR = fc.noBias(fc.integer({ min: -2000, max: 2000 })).map((i) => i / 1000);
    const adv = fc.noBias(fc.integer({ min: -3000, max: 3000 })).map((i) => i / 1000).filter((a) => a !== 0);
    fc.assert(
      fc.property(logR, adv, (x, A) => {
        const r = Math.exp(x);
        // keep 1e-3 away from every bound so exp rounding cannot move r across it
        fc.pre([lo, hi, c].every((b) => Math.abs(Math.log(b) - x) > 1e-3));
        const clipped = (A > 0 && r > hi) || (A < 0 && r < lo) || (A < 0 && r > c);
        const { grad } = oneToken(r, A);
        if (clipped) expect(grad).toBe(0);
        else expect(grad).toBeCloseTo(-A * r, 12);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('ℓ is continuous in r across every bound (proofs/policy-loss.md §1)', () => {
    for (const A of [-2, -0.5, 0.5, 2]) {
      for (const opts of [DEF, { ...DEF, dualClip: null, delta: 2.5 }, { ...DEF, delta: 2.5 }]) {
        for (const b of [0.8, 1.3, 2.5, 3]) {
          const below = surrogateLoss(b * (1 - 1e-12), A, opts);
          const above = surrogateLoss(b * (1 + 1e-12), A, opts);
          // no jump: a sloped piece moves by ≤ |A|·b·2e-12 ≤ 2·3·2e-12 = 1.2e-11 (+ rounding), while a
          // jump would be at least |A|·(distance between two bounds) ≥ 0.5·0.2 = 0.1
          expect(Math.abs(above - below)).toBeLessThan(1.3e-11);
        }
      }
    }
  });

  it('without dual clip and δ, ℓ ≥ −A·r (the pessimistic bound); the dual clip breaks it: A = −2, r = 4 gives ℓ = 6 < 8 (proofs/policy-loss.md §1)', () => {
    const x = fc.noBias(fc.integer({ min: -3000, max: 3000 })).map((i) => i / 1000);
    fc.assert(
      fc.property(x, x, (logR, A) => {
        const r = Math.exp(logR);
        expect(surrogateLoss(r, A, { ...DEF, dualClip: null })).toBeGreaterThanOrEqual(-A * r);
      }),
      { numRuns: 300, seed: 12 },
    );
    expect(surrogateLoss(4, -2, DEF)).toBe(6);
    expect(-(-2) * 4).toBe(8);
  });

  it('dual clip: for A < 0 and r > c the token loss is exactly −c·A, whatever r (proofs/policy-loss.md §1)', () => {
    for (const A of [-0.3, -1, -2.5]) {
      for (const r of [3.01, 10, 1e6]) expect(surrogateLoss(r, A, DEF)).toBe(-3 * A);
    }
  });
});
