// A 2-16-2 MLP built straight from tensor ops learns XOR with plain SGD: the end-to-end check that
// matmul, bias broadcasting, tanh, crossEntropy and their gradients compose into learning.
import { describe, expect, it } from 'vitest';
import * as T from '../../src/tensor/index.js';

describe('tiny MLP', () => {
  it('learns XOR with SGD (all four points right, loss < 0.05)', () => {
    const rng = new T.Rng(0);
    const x = T.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = [0, 1, 1, 0];
    const w1 = T.randn([2, 16], rng, { requiresGrad: true });
    const b1 = T.zeros([16], { requiresGrad: true });
    const w2 = T.randn([16, 2], rng, { requiresGrad: true, std: 0.25 });
    const b2 = T.zeros([2], { requiresGrad: true });
    const params = [w1, b1, w2, b2];
    const forward = (): T.Tensor => x.matmul(w1).add(b1).tanh().matmul(w2).add(b2); // (4, 2) logits
    const initial = T.crossEntropy(forward(), y).item();
    let loss = initial;
    for (let step = 0; step < 500; step++) {
      const l = T.crossEntropy(forward(), y);
      l.backward();
      for (const p of params) {
        const d = p.data;
        const g = p.grad!.data;
        for (let i = 0; i < d.length; i++) d[i] -= 0.5 * g[i];
      }
      T.zeroGrad(params);
      loss = l.item();
    }
    expect(initial).toBeGreaterThan(0.5); // it starts near chance (ln 2 ≈ 0.69)
    expect(loss).toBeLessThan(0.05);
    const logits = T.noGrad(forward).toArray();
    const predicted = [0, 1, 2, 3].map((i) => (logits[2 * i + 1] > logits[2 * i] ? 1 : 0));
    expect(predicted).toEqual(y);
  });
});
