// Gradients of the fused nn ops (softmax, logSoftmax, layerNorm, crossEntropy: each has a hand-written
// backward, so each is checked here) and of the indexing ops (embedding, gather, concat), in float64.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import * as T from '../../src/tensor/index.js';
import { expectGrad, input, seedArb, shapeArb } from './helpers.js';

const RUNS = { numRuns: 100 };

describe('fused row ops: gradients', () => {
  it('softmax and logSoftmax along a random axis', () => {
    fc.assert(
      fc.property(shapeArb(1, 3), fc.nat(), seedArb, (shape, ax, seed) => {
        const rng = new T.Rng(seed);
        const axis = ax % shape.length;
        expectGrad((x) => T.softmax(x, axis), [input(shape, rng)], seed);
        expectGrad((x) => T.logSoftmax(x, axis), [input(shape, rng)], seed);
      }),
      RUNS,
    );
  });
  it('softmax on large-spread logits (scaled by 30) stays exact', () => {
    const rng = new T.Rng(1);
    expectGrad((x) => T.softmax(T.mul(x, 30)), [input([3, 5], rng)]);
    expectGrad((x) => T.logSoftmax(T.mul(x, 30)), [input([3, 5], rng)]);
  });
  it('layerNorm with weight and bias, and without', () => {
    fc.assert(
      fc.property(shapeArb(0, 2), fc.integer({ min: 2, max: 6 }), seedArb, (lead, n, seed) => {
        const rng = new T.Rng(seed);
        const x = input([...lead, n], rng);
        expectGrad((v, w, b) => T.layerNorm(v, w, b, 1e-5), [x, input([n], rng), input([n], rng)], seed);
        expectGrad((v) => T.layerNorm(v, null, null), [x], seed);
      }),
      RUNS,
    );
  });
  it('crossEntropy with every reduction and some ignored rows', () => {
    fc.assert(
      fc.property(shapeArb(1, 2), fc.integer({ min: 1, max: 6 }), seedArb, (lead, C, seed) => {
        const rng = new T.Rng(seed);
        const rows = lead.reduce((p, d) => p * d, 1);
        const targets = Array.from({ length: rows }, (_, r) => (r > 0 && rng.uniform() < 0.3 ? -100 : rng.int(C)));
        const x = input([...lead, C], rng);
        for (const reduction of ['mean', 'sum', 'none'] as const) {
          expectGrad((v) => T.crossEntropy(v, targets, { reduction }), [x], seed);
        }
        expectGrad((v) => T.crossEntropy(v, targets.map((t) => (t === -100 ? 0 : t)), { ignoreIndex: C + 7 }), [x], seed);
      }),
      RUNS,
    );
  });
});

describe('indexing ops: gradients', () => {
  it('embedding with repeated ids (scatter-add)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), seedArb, (V, D, raw, seed) => {
        const ids = raw.map((i) => i % V);
        expectGrad((w) => T.embedding(w, ids, [1, ids.length]), [input([V, D], new T.Rng(seed))], seed);
      }),
      RUNS,
    );
  });
  it('gather along the last axis, K = 1 and K = 3', () => {
    fc.assert(
      fc.property(shapeArb(0, 2), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 }), seedArb, (lead, N, K, seed) => {
        const rng = new T.Rng(seed);
        const rows = lead.reduce((p, d) => p * d, 1);
        const index = Array.from({ length: rows * K }, () => rng.int(N));
        expectGrad((x) => T.gather(x, index), [input([...lead, N], rng)], seed);
      }),
      RUNS,
    );
  });
  it('concat along a random axis of strided and contiguous inputs', () => {
    fc.assert(
      fc.property(shapeArb(1, 3), fc.nat(), fc.integer({ min: 1, max: 3 }), seedArb, (shape, ax, extra, seed) => {
        const rng = new T.Rng(seed);
        const axis = ax % shape.length;
        const other = shape.slice();
        other[axis] = extra;
        const a = input(shape, rng);
        const b = input(other, rng);
        const c = input([...other].reverse(), rng); // used through a full-reversal permute view
        const rev = other.map((_, i) => other.length - 1 - i);
        expectGrad((x, y, z) => T.concat([x, y, T.permute(z, rev)], axis), [a, b, c], seed);
      }),
      RUNS,
    );
  });
});
