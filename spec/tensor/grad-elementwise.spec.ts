// Gradients of the elementwise ops against central differences in float64 (src/tensor/gradcheck.ts states
// the tolerance and why), over random shapes with broadcasting and size-1 axes, inputs from each op's
// domain; plus the kinks, where the derivative is a convention we check by value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../../src/tensor/index.js';
import { broadcastPairArb, expectGrad, input, seedArb, shapeArb } from './helpers.js';

const RUNS = { numRuns: 100 };

describe('binary ops with broadcasting: gradients', () => {
  const cases: [string, (a: T.Tensor, b: T.Tensor) => T.Tensor, 'real' | 'positive'][] = [
    ['add', T.add, 'real'],
    ['sub', T.sub, 'real'],
    ['mul', T.mul, 'real'],
    ['div', T.div, 'positive'], // divisor bounded away from 0
    ['pow', T.pow, 'positive'], // positive base: both a^b and a^b·ln a are smooth
  ];
  for (const [name, op, domain] of cases) {
    it(`${name}(a, b) for broadcasting shapes`, () => {
      fc.assert(
        fc.property(broadcastPairArb, seedArb, ({ a, b }, seed) => {
          const rng = new T.Rng(seed);
          const x = input(a, rng, domain);
          const y = input(b, rng, domain);
          expectGrad(op, [x, y], seed);
        }),
        RUNS,
      );
    });
  }

  it('a tensor with itself: mul(x, x) and sub(x, x) collect both paths', () => {
    const rng = new T.Rng(3);
    expectGrad((x) => T.mul(x, x), [input([3, 2], rng)]);
    expectGrad((x) => T.add(T.sub(x, x), T.div(x, T.exp(x))), [input([4], rng)]);
  });

  it('number operands on either side', () => {
    fc.assert(
      fc.property(shapeArb(0, 3), seedArb, (shape, seed) => {
        const rng = new T.Rng(seed);
        const x = input(shape, rng, 'positive');
        expectGrad((t) => T.add(T.mul(2.5, t), T.div(T.sub(1, t), 3)), [x], seed);
        expectGrad((t) => T.add(T.pow(t, 1.7), T.pow(2, t)), [x], seed);
        expectGrad((t) => T.div(1, t), [x], seed);
      }),
      RUNS,
    );
  });

  it('strided (transposed, sliced) operands', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 5 }), seedArb, (m, n, seed) => {
        const rng = new T.Rng(seed);
        const x = input([n, m], rng);
        const y = input([m, n + 1], rng);
        expectGrad((a, b) => T.mul(a.transpose(), b.slice(1, 1)), [x, y], seed);
      }),
      RUNS,
    );
  });
});

describe('unary ops: gradients on their domains', () => {
  const cases: [string, (x: T.Tensor) => T.Tensor, 'real' | 'positive' | 'awayFromZero'][] = [
    ['neg', T.neg, 'real'],
    ['exp', T.exp, 'real'],
    ['log', T.log, 'positive'],
    ['sqrt', T.sqrt, 'positive'],
    ['tanh', T.tanh, 'real'],
    ['sigmoid', T.sigmoid, 'real'],
    ['relu', T.relu, 'awayFromZero'],
    ['gelu exact', (x) => T.gelu(x, 'none'), 'real'],
    ['gelu tanh', (x) => T.gelu(x, 'tanh'), 'real'],
  ];
  for (const [name, op, domain] of cases) {
    it(name, () => {
      fc.assert(
        fc.property(shapeArb(0, 3), seedArb, (shape, seed) => {
          expectGrad(op, [input(shape, new T.Rng(seed), domain)], seed);
        }),
        RUNS,
      );
    });
  }

  it('gelu exact on wide inputs (every branch of erf, |x/√2| up to 7)', () => {
    const xs = T.fromStorage(Float64Array.from({ length: 41 }, (_, i) => -10 + i * 0.5 + 0.013), [41], { requiresGrad: true });
    expectGrad((x) => T.gelu(x), [xs]);
  });

  it('on a non-contiguous input', () => {
    expectGrad((x) => T.tanh(x.transpose(0, 1)), [input([3, 4], new T.Rng(1))]);
  });
});

describe('kinks: the derivative is the documented convention', () => {
  it("relu′(0) = 0 and relu(0) = 0 (PyTorch's choice)", () => {
    const x = T.tensor([0, -0, 1, -1], [4], { dtype: 'float64', requiresGrad: true });
    const y = T.relu(x);
    expect(y.toArray()).toEqual([0, 0, 1, 0]);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 0, 1, 0]);
  });
  it('sqrt at 0: value 0, derivative +∞ (not NaN)', () => {
    const x = T.tensor([0], [1], { dtype: 'float64', requiresGrad: true });
    T.sqrt(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([Infinity]);
  });
});

describe('where / maskedFill / cast: gradients', () => {
  it('where(cond, a, b) with broadcasting cond, a and b', () => {
    fc.assert(
      fc.property(broadcastPairArb, seedArb, ({ out, a, b }, seed) => {
        const rng = new T.Rng(seed);
        const cond = T.tensor(Array.from({ length: out.reduce((p, d) => p * d, 1) }, () => (rng.uniform() < 0.5 ? 1 : 0)), out, { dtype: 'float64' });
        expectGrad((x, y) => T.where(cond, x, y), [input(a, rng), input(b, rng)], seed);
      }),
      RUNS,
    );
  });
  it('maskedFill(x, mask, −1e9) passes the gradient only where unmasked', () => {
    const rng = new T.Rng(2);
    const mask = T.tensor([[0, 1, 0], [1, 0, 0]], undefined, { dtype: 'float64' });
    expectGrad((x) => T.mul(T.maskedFill(x, mask, -1e9), 1), [input([2, 3], rng)]);
    const x = input([2, 3], rng);
    T.maskedFill(x, mask, -1e9).sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 0, 1, 0, 1, 1]);
  });
  it('cast float64 → float32 → float64 carries the gradient back', () => {
    const x = T.tensor([1.5, -2], [2], { dtype: 'float64', requiresGrad: true });
    const y = T.cast(T.mul(T.cast(x, 'float32'), 3), 'float64');
    expect(y.dtype).toBe('float64');
    y.sum().backward();
    expect(x.grad!.dtype).toBe('float64');
    expect(x.grad!.toArray()).toEqual([3, 3]);
  });
});

describe('the gradient check itself', () => {
  it('has margin: on smooth composites the observed error is < 5% of the allowed (≲ 5e-9 relative)', () => {
    let worst = 0;
    fc.assert(
      fc.property(broadcastPairArb, seedArb, ({ a, b }, seed) => {
        const rng = new T.Rng(seed);
        const r = T.gradcheck((x, y) => T.tanh(T.mul(T.exp(x), T.sigmoid(y))).logsumexp(), [input(a, rng), input(b, rng)], { seed });
        for (const i of r.inputs) worst = Math.max(worst, i.error / i.allowed);
      }),
      { numRuns: 50 },
    );
    expect(worst).toBeLessThan(0.05);
  });
});
