// The backend seam: the heavy kernels of a training step go through getBackend(), selection is explicit,
// and a backend with a wrong derivative is caught by gradcheck (so the checker can fail, and a gpu.js
// backend plugged in later is checked the same way).
import { afterEach, describe, expect, it } from 'vitest';
import * as T from '../../src/tensor/index.js';
import { input } from './helpers.js';

/** The CPU backend with every kernel call counted by name. */
function counting(): { backend: T.Backend; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const cpu = T.cpuBackend as unknown as Record<string, (...args: unknown[]) => void>;
  const wrapped: Record<string, unknown> = { name: 'counting' };
  for (const key of Object.keys(T.cpuBackend)) {
    if (key === 'name') continue;
    wrapped[key] = (...args: unknown[]) => {
      const label = key === 'unary' || key === 'unaryBackward' || key === 'binary' ? `${key}:${String(args[0])}` : key;
      calls.set(label, (calls.get(label) ?? 0) + 1);
      cpu[key](...args);
    };
  }
  return { backend: wrapped as unknown as T.Backend, calls };
}

afterEach(() => T.setBackend(T.cpuBackend));

describe('backend seam', () => {
  it('the CPU reference is the default, and setBackend switches explicitly', () => {
    expect(T.getBackend().name).toBe('cpu');
    const { backend } = counting();
    T.setBackend(backend);
    expect(T.getBackend()).toBe(backend);
  });

  it('matmul (forward + both backward products), softmax, layerNorm, gelu and elementwise go through it', () => {
    const { backend, calls } = counting();
    T.setBackend(backend);
    const rng = new T.Rng(1);
    const x = T.randn([2, 3, 4], rng, { requiresGrad: true });
    const w = T.randn([4, 4], rng, { requiresGrad: true });
    const g = T.ones([4], { requiresGrad: true });
    const h = T.layerNorm(T.gelu(x.matmul(w)), g, null);
    const att = T.softmax(T.matmul(h, h.transpose()));
    T.mul(att, 2).sum().backward();
    // x·w is one folded product (+ dX, dW); h·hᵀ is 2 batch entries (+ 2 for each operand's gradient).
    expect(calls.get('gemm')).toBe(1 + 2 + 2 + 2 + 2);
    for (const k of ['softmax', 'softmaxBackward', 'layerNorm', 'layerNormBackward', 'unary:gelu', 'unaryBackward:gelu']) {
      expect(calls.get(k), k).toBe(1);
    }
    expect(calls.get('binary:mul')).toBeGreaterThanOrEqual(1);
  });

  it('a backend with a wrong derivative fails gradcheck (the checker can fail)', () => {
    const broken: T.Backend = {
      ...T.cpuBackend,
      name: 'broken',
      // tanh′ written as 1 − y instead of 1 − y²
      unaryBackward: (op, x, y, dy, dx) => {
        if (op !== 'tanh') return T.cpuBackend.unaryBackward(op, x, y, dy, dx);
        for (let i = 0; i < x.length; i++) dx[i] = dy[i] * (1 - y[i]);
      },
      // softmax backward without the ⟨dy, y⟩ term
      softmaxBackward: (rows, n, y, dy, dx) => {
        for (let i = 0; i < rows * n; i++) dx[i] = y[i] * dy[i];
      },
    };
    const rng = new T.Rng(2);
    const x = input([3, 4], rng);
    expect(T.gradcheck((v) => T.tanh(v), [x]).ok).toBe(true);
    expect(T.gradcheck((v) => T.softmax(v), [x]).ok).toBe(true);
    T.setBackend(broken);
    const r = T.gradcheck((v) => T.tanh(v), [x]);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/^gradcheck: input 0: analytic/);
    expect(T.gradcheck((v) => T.softmax(v), [x]).ok).toBe(false);
  });
});
