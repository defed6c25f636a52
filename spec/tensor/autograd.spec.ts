// The autograd contract: gradients accumulate with +=, shared subexpressions sum their paths, noGrad and
// detach build no graph, backward frees the graph (and says so on a second pass), intermediate gradients
// are dropped unless retained, zeroGrad resets, and memory does not grow over training-like steps.
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import * as T from '../../src/tensor/index.js';

const f64 = (v: T.NestedArray, requiresGrad = true): T.Tensor => T.tensor(v, undefined, { dtype: 'float64', requiresGrad });

describe('autograd', () => {
  it('gradients accumulate across backward calls (+=), and zeroGrad resets them', () => {
    const x = f64([1, 2]);
    T.mul(x, 3).sum().backward();
    T.mul(x, x).sum().backward(); // d(x²) = 2x
    expect(x.grad!.toArray()).toEqual([3 + 2, 3 + 4]);
    const buf = x.grad!.storage;
    T.zeroGrad([x]);
    expect(x.grad!.toArray()).toEqual([0, 0]);
    expect(x.grad!.storage).toBe(buf); // the buffer is kept (no reallocation per step)
    T.zeroGrad([x], { setToNone: true });
    expect(x.grad).toBeNull();
  });

  it('a diamond (x used by two branches) sums both paths', () => {
    const x = f64([0.5]);
    const a = T.exp(x);
    const y = T.add(T.mul(a, a), a); // y = e^{2x} + e^x
    y.sum().backward();
    expect(x.grad!.item()).toBeCloseTo(2 * Math.exp(1) + Math.exp(0.5), 12);
  });

  it('noGrad builds no graph; detach cuts it', () => {
    const x = f64([1, 2]);
    const y = T.noGrad(() => T.mul(x, 2));
    expect(y.requiresGrad).toBe(false);
    expect(T.isGradEnabled()).toBe(true); // restored afterwards
    expect(() => T.noGrad(() => { throw new Error('inner'); })).toThrow('inner');
    expect(T.isGradEnabled()).toBe(true); // restored even after a throw
    const d = T.mul(x, 2).detach();
    expect(d.requiresGrad).toBe(false);
    T.add(T.mul(d, x), 0).sum().backward(); // d is a constant [2, 4]
    expect(x.grad!.toArray()).toEqual([2, 4]);
  });

  it('backward frees the graph: intermediates lose closures and gradients; a second pass says why', () => {
    const x = f64([1, 2]);
    const h = T.tanh(x);
    const r = T.exp(x).retainGrad();
    const loss = T.add(h, r).sum();
    loss.backward();
    expect(h.grad).toBeNull(); // intermediate gradient dropped after use
    expect(r.grad!.toArray()).toEqual([1, 1]); // unless retained
    expect(h._parents).toBeNull();
    expect(() => loss.backward()).toThrow('already freed');
  });

  it('retainGraph allows a second pass (and the gradients add up)', () => {
    const x = f64([3]);
    const loss = T.mul(x, x).sum();
    loss.backward(undefined, { retainGraph: true });
    loss.backward();
    expect(x.grad!.item()).toBe(12);
  });

  it('backward needs a gradient for a non-scalar, and a tensor that requires grad', () => {
    const x = f64([1, 2]);
    expect(() => T.mul(x, 2).backward()).toThrow('backward: pass a gradient');
    expect(() => f64([1], false).backward()).toThrow('does not require grad');
    const y = T.mul(x, 2);
    y.backward(T.tensor([1, 10], [2], { dtype: 'float64' }));
    expect(x.grad!.toArray()).toEqual([2, 20]);
  });

  it('ops on tensors without requiresGrad record nothing', () => {
    const c = f64([1, 2], false);
    const y = T.matmul(T.reshape(c, [1, 2]), T.reshape(c, [2, 1]));
    expect(y.requiresGrad).toBe(false);
    expect(y.isLeaf).toBe(true);
  });

  it('no memory growth over 400 steps of a small MLP (heap + array buffers after GC)', () => {
    // A real collector, so the measurement is of live memory, not of garbage not yet collected.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const live = (): number => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers; // typed-array storage lives outside the JS heap
    };
    const rng = new T.Rng(0);
    const w1 = T.randn([16, 64], rng, { requiresGrad: true, std: 0.2 });
    const w2 = T.randn([64, 8], rng, { requiresGrad: true, std: 0.2 });
    const x = T.randn([32, 16], rng);
    const targets = Array.from({ length: 32 }, (_, i) => i % 8);
    // Live memory is noisy by whole buffers (vitest's worker messages: ~0.7 MB ArrayBuffers come and go
    // between samples), so each end is the least of three samples, 20 steps apart, and the span is 300
    // steps: a leak grows with steps, the noise does not.
    const early: number[] = [];
    const late: number[] = [];
    let lastLoss = Infinity;
    for (let step = 0; step < 400; step++) {
      const loss = T.crossEntropy(T.matmul(T.gelu(T.matmul(x, w1)), w2), targets);
      loss.backward();
      for (const p of [w1, w2]) {
        const d = p.data;
        const g = p.grad!.data;
        for (let i = 0; i < d.length; i++) d[i] -= 0.05 * g[i];
      }
      T.zeroGrad([w1, w2]);
      lastLoss = loss.item();
      if (step === 39 || step === 59 || step === 79) early.push(live());
      if (step === 359 || step === 379 || step === 399) late.push(live());
    }
    const growth = Math.min(...late) - Math.min(...early);
    // Measured: 36–58 kB. Keeping each step's graph alive (backward with retainGraph, every loss pushed
    // into an array) gives 6.7 MB; allow 1 MB for JIT code and allocator noise.
    expect(growth).toBeLessThan(1e6);
    expect(lastLoss).toBeLessThan(Math.log(8)); // and it did train
  });
});
