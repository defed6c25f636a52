// Bad input → InputError naming the field and the problem (length mismatch, NaN, empty batch, unknown
// mode, out-of-range option). Contract: src/rl/errors.ts; docs/loss.md § Errors.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/rl/errors.js';
import { policyLoss, type PolicyLossOptions, type TokenBatch } from '../../../src/rl/loss/index.js';

const good: TokenBatch = {
  shape: [2, 2],
  logProbs: [-1, -1, -1, -1],
  oldLogProbs: [-1, -1, -1, -1],
  advantages: [1, -1],
  mask: [1, 1, 1, 0],
};

function error(batch: unknown, opts: unknown = {}): InputError {
  try {
    policyLoss(batch as TokenBatch, opts as Partial<PolicyLossOptions>);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

describe('bad input names the field', () => {
  it.each([
    ['empty batch', { ...good, shape: [0, 2], logProbs: [], oldLogProbs: [], advantages: [], mask: [] }, 'shape', /empty batch/],
    ['T = 0', { ...good, shape: [2, 0], logProbs: [], oldLogProbs: [], advantages: [], mask: [] }, 'shape', /T = 0/],
    ['non-integer B', { ...good, shape: [1.5, 2] }, 'shape', /B must be/],
    ['logProbs length', { ...good, logProbs: [-1, -1, -1] }, 'logProbs', /length 3, expected B·T = 2·2 = 4/],
    ['oldLogProbs length', { ...good, oldLogProbs: [-1] }, 'oldLogProbs', /length 1/],
    ['mask length', { ...good, mask: [1, 1] }, 'mask', /length 2/],
    ['advantages length', { ...good, advantages: [1, 2, 3] }, 'advantages', /expected B·T = 4 \(per token\) or B = 2 \(per response\)/],
    ['refLogProbs length', { ...good, refLogProbs: [0] }, 'refLogProbs', /length 1/],
    ['entropy length', { ...good, entropy: [0, 0, 0, 0, 0] }, 'entropy', /length 5/],
    ['truncated length', { ...good, truncated: [true] }, 'truncated', /length 1, expected B = 2/],
    ['NaN log-prob', { ...good, logProbs: [-1, NaN, -1, -1] }, 'logProbs[1]', /not a finite number \(NaN\)/],
    ['Infinity old log-prob', { ...good, oldLogProbs: [-1, -1, -Infinity, -1] }, 'oldLogProbs[2]', /-Infinity/],
    ['NaN advantage (per response)', { ...good, advantages: [1, NaN] }, 'advantages[1]', /NaN/],
    ['NaN advantage (per token)', { ...good, advantages: [1, 1, NaN, 1] }, 'advantages[2]', /NaN/],
    ['NaN ref', { ...good, refLogProbs: [NaN, 0, 0, 0] }, 'refLogProbs[0]', /NaN/],
    ['mask not 0/1', { ...good, mask: [1, 0.5, 1, 0] }, 'mask[1]', /must be 0 or 1/],
    ['truncated not boolean', { ...good, truncated: [false, 'yes'] }, 'truncated[1]', /boolean or 0\/1/],
    ['missing logProbs', { ...good, logProbs: undefined }, 'logProbs', /missing/],
  ])('%s → %s (docs/loss.md)', (_name, batch, field, problem) => {
    const e = error(batch);
    expect(e.field).toBe(field);
    expect(e.message).toMatch(problem);
  });

  it('NaN under mask 0 is padding, not an error (docs/loss.md)', () => {
    expect(() => policyLoss({ ...good, logProbs: [-1, -1, -1, NaN], advantages: [1, 1, 1, NaN] })).not.toThrow();
  });

  it.each([
    ['aggregation', { aggregation: 'mean' }, /unknown value 'mean' \(expected token-mean \| seq-mean-token-mean/],
    ['ratioLevel', { ratioLevel: 'group' }, /unknown value 'group'/],
    ['klEstimator', { klEstimator: 'low_var_kl' }, /unknown value 'low_var_kl'/],
    ['clipLow', { clipLow: 1.5 }, /in \[0, 1\]/],
    ['clipHigh', { clipHigh: -0.1 }, /≥ 0/],
    ['dualClip', { dualClip: 1 }, /> 1/],
    ['delta', { delta: 0.9 }, /> 1/],
    ['klBeta', { klBeta: -0.01 }, /≥ 0/],
    ['klBeta', { klBeta: NaN }, /≥ 0/],
    ['k3Clamp', { k3Clamp: 0 }, /> 0/],
    ['logRatioClamp', { logRatioClamp: -1 }, /> 0/],
    ['normConstant', { normConstant: 0 }, /> 0/],
    ['tokenCount', { tokenCount: Infinity }, /> 0/],
    ['sequenceCount', { sequenceCount: -2 }, /> 0/],
    ['maskTruncated', { maskTruncated: 'yes' }, /boolean/],
  ])('option %s %o → InputError naming it (docs/loss.md)', (field, opts, problem) => {
    const e = error(good, opts);
    expect(e.field).toBe(field);
    expect(e.message).toMatch(problem);
  });

  it('klBeta > 0 without refLogProbs → refLogProbs (docs/loss.md)', () => {
    const e = error(good, { klBeta: 0.01 });
    expect(e.field).toBe('refLogProbs');
    expect(e.message).toBe('refLogProbs: required when klBeta > 0 (got klBeta = 0.01)');
  });
});
