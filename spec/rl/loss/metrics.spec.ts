// Metrics under the TRL and verl names, on a batch where every token's region is known by hand.
// Definitions: docs/loss.md § Metrics; branches: proofs/policy-loss.md §1.
import { describe, expect, it } from 'vitest';
import { policyLoss, type TokenBatch } from '../../../src/rl/loss/index.js';

// One response, 8 counted tokens + 1 padding slot holding NaN (must be ignored).
// Defaults: ε_low 0.2, ε_high 0.3, c = 3.
//   token  A    r     TRL region   verl clipfrac (−A·κ > −A·r)   verl clipfrac_lower (A<0, PPO loss > −A·c)
//   0     +1   1.5   high          yes                            –
//   1     −1   0.5   low           yes                            no
//   2     −1   4     –             no (1.3 < 4)                   yes (4 > 3)
//   3     +1   0.5   –             no                             –
//   4     −1   2     –             no                             no
//   5      0   1.5   –             no (−0 > −0 is false)          –
//   6     +1   1     –             no                             –
//   7     −2   1.2   –             no                             no
const A = [1, -1, -1, 1, -1, 0, 1, -2, 0];
const R = [1.5, 0.5, 4, 0.5, 2, 1.5, 1, 1.2];
const old = [-1, -2, -3, -1, -2, -3, -1, -2, -3];
const logp = [...R.map((r, t) => old[t] + Math.log(r)), NaN];
const entropy = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, NaN];
const batch: TokenBatch = {
  shape: [1, 9],
  logProbs: logp,
  oldLogProbs: old,
  advantages: A,
  mask: [1, 1, 1, 1, 1, 1, 1, 1, 0],
  entropy,
};

describe('metrics (docs/loss.md; proofs/policy-loss.md §1)', () => {
  const m = policyLoss(batch).metrics;

  it('TRL clip_ratio/low_mean, high_mean, region_mean = 1/8, 1/8, 2/8 (proofs/policy-loss.md §1)', () => {
    expect(m['clip_ratio/low_mean']).toBe(1 / 8);
    expect(m['clip_ratio/high_mean']).toBe(1 / 8);
    expect(m['clip_ratio/region_mean']).toBe(2 / 8);
  });

  it('verl actor/pg_clipfrac = 2/8, actor/pg_clipfrac_lower = 1/8 (proofs/policy-loss.md §1)', () => {
    expect(m['actor/pg_clipfrac']).toBe(2 / 8);
    expect(m['actor/pg_clipfrac_lower']).toBe(1 / 8);
  });

  it('actor/pg_clipfrac_lower is 0 with the dual clip off (proofs/policy-loss.md §1)', () => {
    expect(policyLoss(batch, { dualClip: null }).metrics['actor/pg_clipfrac_lower']).toBe(0);
  });

  it('actor/ppo_kl = mean(old − new) = −mean(ln r); actor/ppo_kl_k3 = mean(r − 1 − ln r) ≥ 0 (proofs/policy-loss.md §5)', () => {
    const lnR = R.map(Math.log);
    const k1 = -lnR.reduce((s, v) => s + v, 0) / 8;
    const k3 = R.reduce((s, r) => s + (r - 1 - Math.log(r)), 0) / 8;
    // 8 terms of size ≤ 3, formed by different roundings (log(exp(·)) vs log r): ≤ 1e-15 apart
    expect(m['actor/ppo_kl']).toBeCloseTo(k1, 14);
    expect(m['actor/ppo_kl_k3']).toBeCloseTo(k3, 14);
    expect(m['actor/ppo_kl_k3']).toBeGreaterThan(0);
  });

  it('entropy (TRL) = token mean 0.45; actor/entropy (verl) = aggregate under the loss mode (proofs/policy-loss.md §3)', () => {
    expect(m.entropy).toBeCloseTo(0.45, 15);
    expect(m['actor/entropy']).toBeCloseTo(0.45, 15); // token-mean
    const sum = policyLoss(batch, { aggregation: 'seq-mean-token-sum' }).metrics;
    expect(sum['actor/entropy']).toBeCloseTo(3.6, 14); // Σ over the one response's tokens
    expect(sum.entropy).toBeCloseTo(0.45, 15);
  });

  it('pg_loss equals the loss without KL, num_tokens = 8, no kl metrics without refLogProbs (proofs/policy-loss.md §1)', () => {
    const r = policyLoss(batch);
    // ℓ per token by the table of proofs §1: −1.3, 0.8, 3, −0.5, 2, 0, −1, 2.4 → mean 5.4/8
    expect(r.metrics['actor/pg_loss']).toBe(r.loss);
    expect(r.loss).toBeCloseTo(5.4 / 8, 14);
    expect(r.metrics.num_tokens).toBe(8);
    expect(r.metrics.kl).toBeUndefined();
    expect(r.metrics['actor/kl_loss']).toBeUndefined();
  });
});
