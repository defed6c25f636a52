// The analytic gradient of policyLoss against central differences (float64), the value against an
// independent composition of the peers' formulas, and the GSPO sequence-ratio gradient.
// Proofs: proofs/policy-loss.md §2 (GSPO) and §7 (the composed gradient).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { policyLoss } from '../../../src/rl/loss/index.js';
import { awayFromKinks, batchArb, directionalFd, dot, referenceLoss, type RandomCase } from './support.js';

// Step and tolerance of the directional central difference, in float64.
// Truncation error ≤ h²/6·|f'''| and rounding error ≤ (number of terms)·ε·Σ|terms| / h. Every term of
// the loss is an exponential or a polynomial of degree ≤ 2 in the log-probs, so |f'''| ≤ Σ|terms|·|u|³
// up to a constant of order 1 (|u|∞ ≤ 1), and with ≤ 24 tokens: error ≤ (1.7e-11 + 2.7e-10)·scale at
// h = 1e-5, where scale = 1 + Σ over tokens of a bound on each term (termScale below). We allow 2e-9·scale.
// Kinks (clip bounds, clamps, |x| at 0) are kept MARGIN = 1e-3 away in log-ratio: 100 steps of h·|u|.
const H = 1e-5;
const MARGIN = 1e-3;
const RTOL_SCALE = 2e-9;

/** A bound on Σ_k |w_k|·(|pg_k| + β|kl_k|) from the inputs alone (every weight is ≤ 1 in these cases). */
function termScale(c: RandomCase): number {
  const [B, T] = c.batch.shape;
  const beta = c.options.klBeta ?? 0;
  let s = 1;
  for (let k = 0; k < B * T; k++) {
    if (c.batch.mask[k] !== 1) continue;
    const A = c.batch.advantages.length === B * T ? c.batch.advantages[k] : c.batch.advantages[Math.floor(k / T)];
    const x = c.batch.logProbs[k] - c.batch.oldLogProbs[k];
    const d = c.batch.logProbs[k] - c.batch.refLogProbs[k];
    s += Math.abs(A) * Math.max(Math.exp(Math.abs(x)), 3) + beta * (Math.exp(Math.abs(d)) + d * d + Math.abs(d));
  }
  return s;
}

// Measured (seeds 1 and 2): worst |fd − analytic| / scale = 5.1e-12, 400× inside the allowance.
function checkGradient(c: RandomCase): void {
  const loss = (lp: Float64Array) => policyLoss({ ...c.batch, logProbs: lp }, c.options).loss;
  const { gradLogProbs } = policyLoss(c.batch, c.options);
  const fd = directionalFd(loss, c.batch.logProbs, c.direction, H);
  const an = dot(gradLogProbs, c.direction);
  const scale = termScale(c);
  expect(Math.abs(fd - an), `fd ${fd} vs analytic ${an}, scale ${scale}`).toBeLessThanOrEqual(RTOL_SCALE * scale);
}

describe('policyLoss gradient (proofs/policy-loss.md §7)', () => {
  it('token-level ratio: analytic gradient = central differences, all options (proofs/policy-loss.md §7)', () => {
    fc.assert(
      fc.property(batchArb(), (c) => {
        fc.pre(c.options.ratioLevel !== 'sequence');
        fc.pre(awayFromKinks(c, MARGIN));
        checkGradient(c);
      }),
      { numRuns: 300, seed: 1 },
    );
  });

  it('sequence-level (GSPO) ratio with per-response advantages: gradient = central differences (proofs/policy-loss.md §2)', () => {
    fc.assert(
      fc.property(batchArb({ perResponseAdvantages: true }), (c) => {
        const cs: RandomCase = { ...c, options: { ...c.options, ratioLevel: 'sequence' } };
        fc.pre(awayFromKinks(cs, MARGIN));
        checkGradient(cs);
      }),
      { numRuns: 200, seed: 2 },
    );
  });

  it('gradient is exactly 0 wherever the mask is 0 (proofs/policy-loss.md §7)', () => {
    fc.assert(
      fc.property(batchArb(), (c) => {
        const g = policyLoss(c.batch, c.options).gradLogProbs;
        for (let k = 0; k < g.length; k++) if (c.batch.mask[k] === 0) expect(Object.is(g[k], 0)).toBe(true);
      }),
      { numRuns: 150, seed: 3 },
    );
  });

  it('value = the verl/TRL formula composition (max/min, sum-then-divide) (proofs/policy-loss.md §7)', () => {
    fc.assert(
      fc.property(batchArb(), (c) => {
        const ours = policyLoss(c.batch, c.options).loss;
        const ref = referenceLoss(c.batch, c.options);
        // Both sum the same ≤ 24 terms in different orders (weight-then-sum vs sum-then-divide):
        // they may differ by a few ulps of Σ|terms| ≤ termScale; 1e-14·scale covers 24 terms × ε × 4.
        expect(Math.abs(ours - ref)).toBeLessThanOrEqual(1e-14 * termScale(c));
      }),
      { numRuns: 300, seed: 4 },
    );
  });
});

describe('GSPO sequence ratio (proofs/policy-loss.md §2)', () => {
  // One response of 3 tokens, log-ratios 0.1, −0.2, 0.4: mean 0.1, s = e^0.1 inside [0.8, 1.3].
  const old = [-1, -1, -1];
  const logProbs = [-0.9, -1.2, -0.6];
  const s = Math.exp(0.1);

  it('d loss/d logp_t = −A·s/|y| for every token with seq-mean-token-mean (proofs/policy-loss.md §2)', () => {
    const { loss, gradLogProbs } = policyLoss(
      { shape: [1, 3], logProbs, oldLogProbs: old, advantages: [2], mask: [1, 1, 1] },
      { ratioLevel: 'sequence', aggregation: 'seq-mean-token-mean' },
    );
    expect(loss).toBeCloseTo(-2 * s, 14);
    for (const g of gradLogProbs) expect(g).toBeCloseTo((-2 * s) / 3, 14);
  });

  it('the sequence ratio uses only unmasked tokens; a padded token changes nothing (proofs/policy-loss.md §2)', () => {
    const a = policyLoss(
      { shape: [1, 4], logProbs: [...logProbs, 5], oldLogProbs: [...old, -7], advantages: [2], mask: [1, 1, 1, 0] },
      { ratioLevel: 'sequence', aggregation: 'seq-mean-token-mean' },
    );
    expect(a.loss).toBeCloseTo(-2 * s, 14);
    expect(a.gradLogProbs[3]).toBe(0);
  });

  it('with advantages varying inside a response, the GSPO-token gradient is NOT the gradient of the value (proofs/policy-loss.md §2)', () => {
    // A = (1, −1, 0.5): GSPO-token gives −A_t·s/3 per token; the value (1/3)·Σ_t −A_t·s has, through
    // d s/d logp_t = s/3, the derivative −(ΣA)·s/9 = −0.5·s/9 at every token. They differ at all three.
    const batch = { shape: [1, 3] as const, logProbs, oldLogProbs: old, advantages: [1, -1, 0.5], mask: [1, 1, 1] };
    const opts = { ratioLevel: 'sequence' as const, aggregation: 'seq-mean-token-mean' as const };
    const g = policyLoss(batch, opts).gradLogProbs;
    expect(g[0]).toBeCloseTo((-1 * s) / 3, 14);
    expect(g[1]).toBeCloseTo((1 * s) / 3, 14);
    expect(g[2]).toBeCloseTo((-0.5 * s) / 3, 14);
    // central differences of the value, coordinate by coordinate
    for (let t = 0; t < 3; t++) {
      const u = new Float64Array(3);
      u[t] = 1;
      const fd = directionalFd(
        (lp) => policyLoss({ ...batch, logProbs: lp }, opts).loss,
        Float64Array.from(logProbs),
        u,
        1e-6,
      );
      // h = 1e-6 on a smooth exponential of size ≈ 1: error ≈ 1e-10, far inside 5e-9 (toBeCloseTo 8)
      expect(fd).toBeCloseTo((-0.5 * s) / 9, 8);
      expect(Math.abs(fd - g[t])).toBeGreaterThan(0.05);
    }
  });
});
