// Gradients of reductions (sum, mean, max, logsumexp over random axes, keepdim or not) and of batched
// matmul with broadcast batch axes and transposed operands, against central differences in float64.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../../src/tensor/index.js';
import { distinct, expectGrad, input, seedArb, shapeArb } from './helpers.js';

const RUNS = { numRuns: 100 };

/** A shape of rank 1..4 and a random subset of its axes (as negative or positive indices). */
const shapeAxesArb = shapeArb(1, 4).chain((shape) =>
  fc.tuple(
    fc.constant(shape),
    fc.subarray(shape.map((_, i) => i), { minLength: 1 }),
    fc.boolean(),
    fc.boolean(),
  ).map(([s, axes, keepdim, negative]) => ({ shape: s, axes: negative ? axes.map((a) => a - s.length) : axes, keepdim })),
);

describe('reductions: gradients over random axes', () => {
  for (const [name, op] of [['sum', T.sum], ['mean', T.mean], ['logsumexp', T.logsumexp]] as const) {
    it(`${name}(x, axes, keepdim)`, () => {
      fc.assert(
        fc.property(shapeAxesArb, seedArb, ({ shape, axes, keepdim }, seed) => {
          expectGrad((x) => op(x, axes, keepdim), [input(shape, new T.Rng(seed))], seed);
        }),
        RUNS,
      );
    });
  }
  it('max(x, axes, keepdim) with distinct entries (away from ties)', () => {
    fc.assert(
      fc.property(shapeAxesArb, seedArb, ({ shape, axes, keepdim }, seed) => {
        expectGrad((x) => T.max(x, axes, keepdim), [distinct(shape, new T.Rng(seed))], seed);
      }),
      RUNS,
    );
  });
  it('all axes by default, on a strided view', () => {
    const rng = new T.Rng(4);
    expectGrad((x) => T.add(T.sum(x.transpose(0, 2)), T.logsumexp(x.slice(1, 1))), [input([2, 3, 4], rng)]);
  });
  it('max ties: the whole gradient goes to the first maximal entry', () => {
    const x = T.tensor([[1, 3, 3], [2, 2, 0]], undefined, { dtype: 'float64', requiresGrad: true });
    const m = T.max(x, 1);
    expect(m.toArray()).toEqual([3, 2]);
    m.backward(T.tensor([10, 20], [2], { dtype: 'float64' }));
    expect(x.grad!.toArray()).toEqual([0, 10, 0, 20, 0, 0]);
  });
});

/** Batch shapes for a and b that broadcast, and the matrix sizes. */
const matmulArb = fc.record({
  batchA: shapeArb(0, 2, 3),
  squashB: fc.array(fc.boolean(), { maxLength: 2 }),
  dropB: fc.nat(2),
  M: fc.integer({ min: 1, max: 6 }),
  K: fc.integer({ min: 1, max: 6 }),
  N: fc.integer({ min: 1, max: 6 }),
  transA: fc.boolean(),
  transB: fc.boolean(),
});

describe('matmul: gradients', () => {
  it('batched with broadcast batch axes and transposed operands', () => {
    fc.assert(
      fc.property(matmulArb, seedArb, ({ batchA, squashB, dropB, M, K, N, transA, transB }, seed) => {
        const rng = new T.Rng(seed);
        const batchB = batchA.slice(Math.min(dropB, batchA.length)).map((d, i) => (squashB[i] ? 1 : d));
        // A transposed operand is stored (…, K, M) and used through a transpose view.
        const a = input([...batchA, ...(transA ? [K, M] : [M, K])], rng);
        const b = input([...batchB, ...(transB ? [N, K] : [K, N])], rng);
        expectGrad((x, y) => T.matmul(transA ? x.transpose() : x, transB ? y.transpose() : y), [a, b], seed);
      }),
      RUNS,
    );
  });
  it('the Linear fast path: (B, T, K)·(K, N), and a 2-D a against a batched b', () => {
    const rng = new T.Rng(5);
    expectGrad((x, w) => T.matmul(x, w), [input([3, 5, 4], rng), input([4, 2], rng)]);
    expectGrad((x, w) => T.matmul(x, w), [input([5, 4], rng), input([3, 4, 2], rng)]);
    expectGrad((x, w) => T.matmul(x.slice(1, 1, 4), w.transpose()), [input([3, 5, 4], rng), input([2, 4], rng)]);
  });
  it('sizes that cross the kernel tiles (4×4 micro-tiles, KC = 256, MC = 64)', () => {
    const rng = new T.Rng(6);
    expectGrad((x, w) => T.matmul(x, w), [input([67, 259], rng), input([259, 5], rng)]);
  });
});
