// Numerical edge cases of the row ops, in both dtypes: logits of ±1e4 (exp would overflow without the
// max shift), layer norm on constant rows (variance 0), crossEntropy's ignore index.
import { describe, expect, it } from 'vitest';
import * as T from '../../src/tensor/index.js';
import { TOL, expectClose } from './helpers.js';

const DTYPES = ['float32', 'float64'] as const;
const allFinite = (t: T.Tensor): boolean => t.toArray().every(Number.isFinite);

describe.each(DTYPES)('logits of ±1e4 (%s)', (dtype) => {
  const big = (v: T.NestedArray): T.Tensor => T.tensor(v, undefined, { dtype, requiresGrad: true });
  it('softmax → one-hot, finite gradient', () => {
    const x = big([[1e4, -1e4, 0], [-1e4, -1e4, -1e4]]);
    const y = T.softmax(x);
    expectClose(y.toArray(), [1, 0, 0, 1 / 3, 1 / 3, 1 / 3], TOL[dtype]);
    T.sum(T.mul(y, T.tensor([1, 2, 3, 4, 5, 6], [2, 3], { dtype }))).backward();
    expect(allFinite(x.grad!)).toBe(true);
  });
  it('logSoftmax and logsumexp: exact shifts, finite gradients', () => {
    const x = big([[1e4, 0], [1e4, 1e4], [-1e4, -1e4]]);
    expectClose(T.logSoftmax(x).toArray(), [0, -1e4, -Math.LN2, -Math.LN2, -Math.LN2, -Math.LN2], TOL[dtype]);
    const lse = T.logsumexp(x, 1);
    expectClose(lse.toArray(), [1e4, 1e4 + Math.LN2, -1e4 + Math.LN2], TOL[dtype]);
    lse.sum().backward();
    expectClose(x.grad!.toArray(), [1, 0, 0.5, 0.5, 0.5, 0.5], TOL[dtype]);
  });
  it('crossEntropy: loss 2e4 for the wrong class, 0 for the right one; gradient softmax − onehot', () => {
    const x = big([[1e4, -1e4], [1e4, -1e4]]);
    const loss = T.crossEntropy(x, [1, 0], { reduction: 'none' });
    expectClose(loss.toArray(), [2e4, 0], TOL[dtype]);
    loss.sum().backward();
    expectClose(x.grad!.toArray(), [1, -1, 0, 0], TOL[dtype]);
  });
  it('logsumexp of a row of −∞ is −∞ and of a row with +∞ is +∞ (no NaN)', () => {
    const x = T.tensor([[-Infinity, -Infinity], [Infinity, 0]], undefined, { dtype });
    expect(T.logsumexp(x, 1).toArray()).toEqual([-Infinity, Infinity]);
  });
});

describe.each(DTYPES)('layerNorm on constant rows (%s)', (dtype) => {
  it('output is exactly beta, gradients finite', () => {
    const x = T.tensor([[3, 3, 3, 3], [-7.5, -7.5, -7.5, -7.5]], undefined, { dtype, requiresGrad: true });
    const w = T.tensor([1, 2, 3, 4], [4], { dtype, requiresGrad: true });
    const b = T.tensor([0.5, -1, 0, 2], [4], { dtype, requiresGrad: true });
    const y = T.layerNorm(x, w, b);
    expect(y.toArray()).toEqual([0.5, -1, 0, 2, 0.5, -1, 0, 2]);
    T.sum(T.mul(y, y)).backward();
    for (const t of [x, w, b]) expect(allFinite(t.grad!)).toBe(true);
    // x̂ = 0 on these rows, so dγ = Σ dy·x̂ = 0 and dβ = Σ dy = Σ 2y = 2·2·β.
    expect(w.grad!.toArray()).toEqual([0, 0, 0, 0]);
    expect(b.grad!.toArray()).toEqual([2, -4, 0, 8]);
  });
});

describe('crossEntropy ignore index', () => {
  it('ignored rows contribute neither loss nor gradient, and the mean is over the kept rows', () => {
    const x = T.tensor([[0, 0], [5, -5], [Math.log(3), 0]], undefined, { dtype: 'float64', requiresGrad: true });
    const loss = T.crossEntropy(x, [0, -100, 0]);
    expectClose(loss.toArray(), [(Math.LN2 + Math.log(4 / 3)) / 2], TOL.float64);
    loss.backward();
    // Row 0: (softmax − onehot)/2 = ([½, ½] − [1, 0])/2; row 2: ([¾, ¼] − [1, 0])/2; row 1 untouched.
    expectClose(x.grad!.toArray(), [-0.25, 0.25, 0, 0, -0.125, 0.125], TOL.float64);
  });
  it('a custom ignoreIndex, and all rows ignored gives NaN (0/0, as PyTorch)', () => {
    const x = T.tensor([[1, 2]], undefined, { dtype: 'float64' });
    expect(T.crossEntropy(x, [7], { ignoreIndex: 7 }).item()).toBeNaN();
    expect(T.crossEntropy(x, [7], { ignoreIndex: 7, reduction: 'sum' }).item()).toBe(0);
  });
});
