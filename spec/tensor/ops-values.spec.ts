// Forward values against hand-computed results (reference values computed independently with Python's
// math module, noted beside each), and argument errors that name the op and the argument.
import { describe, expect, it } from 'vitest';
import * as T from '../../src/tensor/index.js';
import { erf } from '../../src/tensor/erf.js';
import { TOL, expectClose } from './helpers.js';

const f64 = (v: T.NestedArray, shape?: number[]): T.Tensor => T.tensor(v, shape, { dtype: 'float64' });

describe('elementwise values', () => {
  it('broadcasting add/sub/mul/div/pow', () => {
    const row = f64([[1, 2, 3]]);
    const col = f64([[10], [20]]);
    expect(T.add(row, col).shape).toEqual([2, 3]);
    expect(T.add(row, col).toArray()).toEqual([11, 12, 13, 21, 22, 23]);
    expect(T.sub(row, col).toArray()).toEqual([-9, -8, -7, -19, -18, -17]);
    expect(T.mul(row, col).toArray()).toEqual([10, 20, 30, 20, 40, 60]);
    expect(T.div(col, f64([4, 5])).toArray()).toEqual([2.5, 2, 5, 4]);
    expectClose(T.pow(f64([2, 3]), f64([3, 0.5])).toArray(), [8, 1.7320508075688772], TOL.float64); // √3
    expect(T.sub(1, f64([0.25])).toArray()).toEqual([0.75]);
  });
  it('unary maps', () => {
    expectClose(T.exp(f64([0, 1])).toArray(), [1, Math.E], TOL.float64);
    expectClose(T.log(f64([1, Math.E])).toArray(), [0, 1], TOL.float64);
    expect(T.sqrt(f64([4, 0])).toArray()).toEqual([2, 0]);
    expectClose(T.tanh(f64([0, 1])).toArray(), [0, 0.7615941559557649], TOL.float64);
    expectClose(T.sigmoid(f64([0, 1, -800, 800])).toArray(), [0.5, 0.7310585786300049, 0, 1], TOL.float64);
    expect(T.neg(f64([1, -2])).toArray()).toEqual([-1, 2]);
    expect(T.relu(f64([-1, 0, 2])).toArray()).toEqual([0, 0, 2]);
  });
  it('gelu: exact x·Φ(x) and the tanh form (Python: 0.5·x·(1 + erf(x/√2)), 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))))', () => {
    expectClose(T.gelu(f64([1, -1, 0])).toArray(), [0.8413447460685429, -0.15865525393145707, 0], TOL.float64);
    expectClose(T.gelu(f64([1, -1, 2]), 'tanh').toArray(), [0.8411919906082768, -0.15880800939172324, 1.954597694087775], TOL.float64);
  });
  it('erf matches C libm erf (Python math.erf) to 2 ulp on every branch', () => {
    const table: [number, number][] = [
      [-7, -1.0], [-5.9, -0.9999999999999999], [-3, -0.9999779095030014], [-2.857, -0.9999466417399131],
      [-2, -0.9953222650189527], [-1.25, -0.9229001282564582], [-1, -0.8427007929497149],
      [-0.84375, -0.7672256612323416], [-0.5, -0.5204998778130465], [-0.1, -0.1124629160182849],
      [-1e-9, -1.1283791670955127e-9], [0, 0], [1e-10, 1.1283791670955126e-10], [0.3, 0.3286267594591274],
      [0.84, 0.7651427114549946], [0.9, 0.7969082124228322], [1.2, 0.9103139782296353], [1.3, 0.9340079449406524],
      [2.5, 0.999593047982555], [2.9, 0.9999589021219005], [4, 0.9999999845827421], [5.99, 1.0], [6.5, 1.0],
    ];
    // 2 ulp of the value (both libraries claim < 1 ulp).
    for (const [x, e] of table) expect(Math.abs(erf(x) - e)).toBeLessThanOrEqual(2 * 2.220446049250313e-16 * Math.max(Math.abs(e), 1e-300));
    expect(erf(NaN)).toBeNaN();
    expect(erf(Infinity)).toBe(1);
  });
  it('where and maskedFill', () => {
    expect(T.where(f64([1, 0, 1]), f64([1, 2, 3]), 0).toArray()).toEqual([1, 0, 3]);
    expect(T.maskedFill(f64([[1, 2], [3, 4]]), f64([0, 1]), -Infinity).toArray()).toEqual([1, -Infinity, 3, -Infinity]);
    const causal = T.where(f64([[1, 0], [1, 1]]), 0, -Infinity); // an additive mask from two numbers
    expect(causal.dtype).toBe('float64');
    expect(causal.toArray()).toEqual([0, -Infinity, 0, 0]);
  });
});

describe('reductions, matmul, row ops: values', () => {
  const x = f64([[1, 2, 3], [4, 5, 6]]);
  it('sum/mean/max over axes, keepdim', () => {
    expect(T.sum(x).toArray()).toEqual([21]);
    expect(T.sum(x).shape).toEqual([]);
    expect(T.sum(x, 0).toArray()).toEqual([5, 7, 9]);
    expect(T.sum(x, -1, true).shape).toEqual([2, 1]);
    expect(T.sum(x, -1, true).toArray()).toEqual([6, 15]);
    expect(T.mean(x, 1).toArray()).toEqual([2, 5]);
    expect(T.max(x, 1).toArray()).toEqual([3, 6]);
    expect(T.max(x, [0, 1], true).shape).toEqual([1, 1]);
    expect(T.sum(T.zeros([0, 3]), 0).toArray()).toEqual([0, 0, 0]);
  });
  it('logsumexp([0, ln 3]) = ln 4', () => {
    expectClose(T.logsumexp(f64([0, Math.log(3)])).toArray(), [Math.log(4)], TOL.float64);
  });
  it('matmul 2×2 and batched with broadcasting', () => {
    expect(T.matmul(f64([[1, 2], [3, 4]]), f64([[5, 6], [7, 8]])).toArray()).toEqual([19, 22, 43, 50]);
    const a = f64([[[1, 0], [0, 1]], [[2, 0], [0, 2]]]); // (2, 2, 2): I and 2I
    const b = f64([[1, 2], [3, 4]]);
    expect(T.matmul(a, b).toArray()).toEqual([1, 2, 3, 4, 2, 4, 6, 8]);
    expect(T.matmul(b, a).toArray()).toEqual([1, 2, 3, 4, 2, 4, 6, 8]);
    expect(T.matmul(f64([[1, 2]]).transpose(), f64([[3, 4]])).toArray()).toEqual([3, 4, 6, 8]); // outer product
  });
  it('softmax, logSoftmax (Python: e^i / Σ e^j)', () => {
    expectClose(T.softmax(f64([1, 2, 3])).toArray(), [0.09003057317038046, 0.24472847105479767, 0.6652409557748219], TOL.float64);
    expectClose(T.logSoftmax(f64([0, 0])).toArray(), [-Math.LN2, -Math.LN2], TOL.float64);
    expectClose(T.softmax(f64([[1, 1], [2, 3]]), 0).toArray(), [0.2689414213699951, 0.11920292202211755, 0.7310585786300049, 0.8807970779778823], TOL.float64);
  });
  it('layerNorm: (x − 2.5)/√1.25 for [1, 2, 3, 4], then ·γ + β', () => {
    const xhat = [-1.3416407864998738, -0.4472135954999579, 0.4472135954999579, 1.3416407864998738];
    expectClose(T.layerNorm(f64([1, 2, 3, 4]), null, null, 0).toArray(), xhat, TOL.float64);
    const y = T.layerNorm(f64([1, 2, 3, 4]), f64([1, 2, 1, 1]), f64([0, 0, 0, 10]), 0).toArray();
    expectClose(y, [xhat[0], 2 * xhat[1], xhat[2], xhat[3] + 10], TOL.float64);
  });
  it('crossEntropy: uniform logits over 3 classes cost ln 3; sum and none', () => {
    expectClose(T.crossEntropy(f64([[0, 0, 0]]), [1]).toArray(), [Math.log(3)], TOL.float64);
    const logits = f64([[0, 0], [Math.log(3), 0]]); // p(class 0) = 1/2 and 3/4
    expectClose(T.crossEntropy(logits, [0, 0], { reduction: 'none' }).toArray(), [Math.LN2, Math.log(4 / 3)], TOL.float64);
    expectClose(T.crossEntropy(logits, [0, 0], { reduction: 'sum' }).toArray(), [Math.LN2 + Math.log(4 / 3)], TOL.float64);
  });
});

describe('indexing and joining: values', () => {
  it('embedding picks rows', () => {
    const w = f64([[1, 2], [3, 4], [5, 6]]);
    const e = T.embedding(w, [2, 0, 2], [1, 3]);
    expect(e.shape).toEqual([1, 3, 2]);
    expect(e.toArray()).toEqual([5, 6, 1, 2, 5, 6]);
  });
  it('gather along the last axis', () => {
    const g = T.gather(f64([[10, 20, 30], [40, 50, 60]]), [2, 0, 1, 1]);
    expect(g.shape).toEqual([2, 2]);
    expect(g.toArray()).toEqual([30, 10, 50, 50]);
  });
  it('concat along either axis', () => {
    const a = f64([[1, 2]]);
    const b = f64([[3, 4]]);
    expect(T.concat([a, b], 0).toArray()).toEqual([1, 2, 3, 4]);
    expect(T.concat([a, b], -1).shape).toEqual([1, 4]);
    expect(T.concat([a, b.transpose().transpose()], 1).toArray()).toEqual([1, 2, 3, 4]);
  });
});

describe('argument errors name the op and the argument', () => {
  it.each([
    ['matmul', () => T.matmul(T.zeros([2, 3]), T.zeros([4, 2])), 'matmul: a.shape[1]=3 does not match b.shape[0]=4'],
    ['add', () => T.add(T.zeros([2, 3]), T.zeros([4])), 'add: shapes [2, 3] and [4] do not broadcast'],
    ['dtype', () => T.mul(T.zeros([2]), T.zeros([2], { dtype: 'float64' })), 'mul: dtypes differ'],
    ['sum axis', () => T.sum(T.zeros([2]), 3), 'sum: axis 3 is out of range'],
    ['reshape', () => T.reshape(T.zeros([2, 3]), [4]), 'reshape: cannot reshape [2, 3]'],
    ['crossEntropy target', () => T.crossEntropy(T.zeros([1, 3]), [3]), 'crossEntropy: targets[0]=3'],
    ['embedding id', () => T.embedding(T.zeros([3, 2]), [1, -1]), 'embedding: ids[1]=-1'],
    ['gather K', () => T.gather(T.zeros([2, 3]), [0, 1, 2]), 'gather: index.length=3'],
    ['layerNorm weight', () => T.layerNorm(T.zeros([2, 3]), T.zeros([2]), null), 'layerNorm: weight.shape [2] must be [3]'],
    ['patches', () => T.patches(T.zeros([1, 1, 5, 4]), 2), 'patches: patch 2×2 does not tile'],
    ['max of empty', () => T.max(T.zeros([2, 0]), 1), 'max: cannot take the maximum over an empty axis'],
  ])('%s', (_, f, msg) => {
    expect(f).toThrow(msg);
    expect(f).toThrow(T.ShapeError);
  });
});
