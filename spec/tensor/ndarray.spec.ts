// Interop with scijs ndarray: zero-copy in both directions when the data is a float typed array of the
// right dtype (any strides), a copy otherwise; values survive the round trip.
import ndarray from 'ndarray';
import { describe, expect, it } from 'vitest';
import * as T from '../../src/tensor/index.js';

describe('ndarray interop', () => {
  it('round trip keeps shape and values and shares memory when contiguous', () => {
    const x = T.tensor([[1, 2, 3], [4, 5, 6]]);
    const nd = T.toNdarray(x);
    expect(nd.shape).toEqual([2, 3]);
    expect(nd.get(1, 2)).toBe(6);
    expect(nd.data).toBe(x.storage); // zero-copy
    const back = T.fromNdarray(nd);
    expect(back.storage).toBe(x.storage);
    expect(back.dtype).toBe('float32');
    expect(back.toArray()).toEqual([1, 2, 3, 4, 5, 6]);
    nd.set(0, 0, 42); // writes are visible on both sides
    expect(x.toArray()[0]).toBe(42);
  });

  it('strided views convert without copying in both directions (transpose, slice, negative step)', () => {
    const x = T.tensor([[1, 2, 3], [4, 5, 6]], undefined, { dtype: 'float64' });
    const t = T.toNdarray(x.transpose().slice(0, 1)); // (2, 2): [[2, 5], [3, 6]]
    expect(t.data).toBe(x.storage);
    expect([t.get(0, 0), t.get(0, 1), t.get(1, 0), t.get(1, 1)]).toEqual([2, 5, 3, 6]);
    const rev = T.fromNdarray(ndarray(x.storage, [2, 3], [3, 1], 0).step(1, -1)); // columns reversed
    expect(rev.storage).toBe(x.storage);
    expect(rev.toArray()).toEqual([3, 2, 1, 6, 5, 4]);
    expect(rev.dtype).toBe('float64');
  });

  it('other data types, plain arrays and dtype changes are copied', () => {
    const ints = ndarray(new Int32Array([1, 2, 3, 4, 5, 6]), [3, 2]).transpose(1, 0);
    const a = T.fromNdarray(ints);
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([2, 3]);
    expect(a.toArray()).toEqual([1, 3, 5, 2, 4, 6]);
    const plain = T.fromNdarray(ndarray([1.5, 2.5], [2]), { dtype: 'float64' });
    expect(plain.toArray()).toEqual([1.5, 2.5]);
    const f32 = new Float32Array([1, 2]);
    const widened = T.fromNdarray(ndarray(f32, [2]), { dtype: 'float64' });
    expect(widened.storage).not.toBe(f32);
    expect(widened.dtype).toBe('float64');
  });

  it('a tensor over ndarray data can be trained like any leaf', () => {
    const w = T.fromNdarray(ndarray(new Float64Array([1, 2]), [2]), { requiresGrad: true });
    T.sum(T.mul(w, w)).backward();
    expect(w.grad!.toArray()).toEqual([2, 4]);
  });
});
