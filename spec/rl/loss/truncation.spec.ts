// Masking of truncated completions (TRL's mask_truncated_completions). Proofs: proofs/policy-loss.md §6.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { policyLoss, type TokenBatch } from '../../../src/rl/loss/index.js';
import { batchArb } from './support.js';

describe('truncation masking (proofs/policy-loss.md §6)', () => {
  it('maskTruncated = the same call with the truncated rows\' mask set to 0, bit for bit (proofs/policy-loss.md §6)', () => {
    fc.assert(
      fc.property(batchArb(), (c) => {
        const [B, T] = c.batch.shape;
        const opts = { ...c.options, maskTruncated: true };
        const a = policyLoss(c.batch, opts);
        const zeroed = Array.from(c.batch.mask, (m, k) => (c.batch.truncated?.[Math.floor(k / T)] ? 0 : m));
        const b = policyLoss({ ...c.batch, mask: zeroed, truncated: undefined }, opts);
        expect(a.loss).toBe(b.loss);
        expect(Array.from(a.gradLogProbs)).toEqual(Array.from(b.gradLogProbs));
        expect(a.metrics).toEqual(b.metrics);
        for (let r = 0; r < B; r++) {
          if (!c.batch.truncated?.[r]) continue;
          for (let t = 0; t < T; t++) expect(Object.is(a.gradLogProbs[r * T + t], 0)).toBe(true);
        }
      }),
      { numRuns: 200, seed: 61 },
    );
  });

  it('maskTruncated = false (default): the flags change nothing (proofs/policy-loss.md §6)', () => {
    fc.assert(
      fc.property(batchArb(), (c) => {
        const opts = { ...c.options, maskTruncated: false };
        const a = policyLoss(c.batch, opts);
        const b = policyLoss({ ...c.batch, truncated: undefined }, opts);
        expect(a.loss).toBe(b.loss);
        expect(Array.from(a.gradLogProbs)).toEqual(Array.from(b.gradLogProbs));
      }),
      { numRuns: 100, seed: 62 },
    );
  });

  // Two responses of 2 tokens, ratio 1, A = (1, 1); the second is truncated.
  const batch: TokenBatch = {
    shape: [2, 2],
    logProbs: [-1, -1, -1, -1],
    oldLogProbs: [-1, -1, -1, -1],
    advantages: [1, 1],
    mask: [1, 1, 1, 1],
    truncated: [false, true],
  };

  it('a masked truncated response still counts in B for seq-mean-*: loss −1/2, not −1 (TRL grpo) (proofs/policy-loss.md §6)', () => {
    const r = policyLoss(batch, { maskTruncated: true, aggregation: 'seq-mean-token-mean' });
    expect(r.loss).toBeCloseTo(-0.5, 16);
    expect(Array.from(r.gradLogProbs)).toEqual([-0.25, -0.25, 0, 0]);
  });

  it('…but leaves the token count of token-mean: loss −1 (TRL bnpo) (proofs/policy-loss.md §6)', () => {
    const r = policyLoss(batch, { maskTruncated: true, aggregation: 'token-mean' });
    expect(r.loss).toBeCloseTo(-1, 16);
    expect(r.metrics.num_tokens).toBe(2);
  });

  it('every response truncated: loss 0, gradient 0, token-mean metrics NaN (no data) (proofs/policy-loss.md §6)', () => {
    const r = policyLoss({ ...batch, truncated: [1, 1] }, { maskTruncated: true });
    expect(r.loss).toBe(0);
    expect(Array.from(r.gradLogProbs)).toEqual([0, 0, 0, 0]);
    expect(r.metrics.num_tokens).toBe(0);
    expect(r.metrics['clip_ratio/region_mean']).toBeNaN();
  });
});
