// Tensor factories: values and shapes from flat or nested arrays, zero-copy wrapping, constants, and the
// contract the optimiser and safetensors code rely on (a parameter's data and grad.data are its own
// storage, of length numel).
import { describe, expect, it } from 'vitest';
import * as T from '../../src/tensor/index.js';

describe('factories', () => {
  it('nested arrays infer the shape; flat arrays take one; dtype defaults to float32', () => {
    const x = T.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(x.shape).toEqual([2, 3]);
    expect(x.dtype).toBe('float32');
    expect(x.storage).toBeInstanceOf(Float32Array);
    expect(T.tensor([1, 2, 3, 4], [2, 2], { dtype: 'float64' }).storage).toBeInstanceOf(Float64Array);
    expect(T.tensor(5).shape).toEqual([]);
    expect(T.tensor(5).item()).toBe(5);
    expect(() => T.tensor([[1, 2], [3]])).toThrow('tensor: nested values are not rectangular');
    expect(() => T.tensor([1, 2, 3], [2, 2])).toThrow('tensor: 3 values do not fill shape [2, 2]');
    expect(() => T.zeros([2, -1])).toThrow('tensor: shape [2, -1]');
  });

  it('fromStorage wraps without copying; zeros/ones/full/arange/zerosLike', () => {
    const s = new Float64Array([1, 2, 3, 4, 5, 6]);
    const x = T.fromStorage(s, [3, 2]);
    expect(x.data).toBe(s);
    expect(() => T.fromStorage(s, [4])).toThrow('fromStorage: storage of length 6 does not match shape [4]');
    expect(T.ones([2]).toArray()).toEqual([1, 1]);
    expect(T.full([2, 1], 7).toArray()).toEqual([7, 7]);
    expect(T.arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(T.zerosLike(x).dtype).toBe('float64');
    expect(T.rand([1000], new T.Rng(1), { low: -2, high: 3 }).toArray().every((v) => v >= -2 && v < 3)).toBe(true);
  });

  it("a parameter's data and grad.data are its own storage, of length numel", () => {
    const w = T.randn([3, 4], new T.Rng(0), { requiresGrad: true });
    T.sum(T.matmul(w, T.ones([4, 2]))).backward();
    for (const buf of [w.data, w.grad!.data]) {
      expect(buf).toBeInstanceOf(Float32Array);
      expect(buf.length).toBe(12);
      expect(buf.byteOffset).toBe(0);
    }
    expect(w.data).toBe(w.storage);
    expect(w.grad!.data).toBe(w.grad!.storage);
    expect(w.grad!.toArray()).toEqual(new Array(12).fill(2)); // d/dW Σ W·1 = 1·1ᵀ summed over 2 columns
  });
});
