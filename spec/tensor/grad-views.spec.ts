// Gradients through view ops (reshape, permute, transpose, slice, expand, squeeze, unsqueeze, contiguous)
// and image patches, in float64: views scatter the gradient back into the parent's layout.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import * as T from '../../src/tensor/index.js';
import { expectGrad, input, seedArb, shapeArb } from './helpers.js';

const RUNS = { numRuns: 100 };

/** A random permutation of 0..n−1 from a fast-check seed. */
function perm(n: number, rng: T.Rng): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

describe('view ops: gradients', () => {
  it('permute then reshape (a copy) then a nonlinearity', () => {
    fc.assert(
      fc.property(shapeArb(1, 4), seedArb, (shape, seed) => {
        const rng = new T.Rng(seed);
        const p = perm(shape.length, rng);
        expectGrad((x) => T.tanh(T.reshape(T.permute(x, p), [-1])), [input(shape, rng)], seed);
      }),
      RUNS,
    );
  });
  it('slice along a random axis and range', () => {
    fc.assert(
      fc.property(shapeArb(1, 3, 5), fc.nat(), fc.nat(), fc.nat(), seedArb, (shape, ax, s0, len, seed) => {
        const axis = ax % shape.length;
        const start = s0 % shape[axis];
        const end = start + (len % (shape[axis] - start + 1));
        expectGrad((x) => T.exp(T.slice(x, axis, start, end)), [input(shape, new T.Rng(seed))], seed);
      }),
      RUNS,
    );
  });
  it('expand (broadcast) sums the gradient over the stretched axes', () => {
    fc.assert(
      fc.property(shapeArb(0, 3), fc.array(fc.boolean(), { maxLength: 3 }), fc.integer({ min: 0, max: 2 }), seedArb, (out, squash, lead, seed) => {
        const own = out.slice(Math.min(lead, out.length)).map((d, i) => (squash[i] ? 1 : d));
        expectGrad((x) => T.mul(T.expand(x, out), T.expand(x, out)), [input(own, new T.Rng(seed))], seed);
      }),
      RUNS,
    );
  });
  it('squeeze / unsqueeze / contiguous / transpose chains', () => {
    const rng = new T.Rng(7);
    expectGrad((x) => T.mul(T.unsqueeze(T.squeeze(x, 1), 0).contiguous(), T.transpose(T.squeeze(x), 0, 1).transpose(0, 1)), [input([3, 1, 4], rng)]);
  });
  it('patches (B, C, H, W) → (B, P, C·ph·pw), square and rectangular patches', () => {
    const rng = new T.Rng(8);
    expectGrad((x) => T.tanh(T.patches(x, 2)), [input([2, 3, 4, 6], rng)]);
    expectGrad((x) => T.tanh(T.patches(x, 2, 3)), [input([1, 2, 4, 6], rng)]);
  });
});
