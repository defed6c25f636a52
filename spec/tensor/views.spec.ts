// Views share storage where claimed (reshape of a contiguous tensor, transpose/permute, slice, expand,
// squeeze/unsqueeze), copies happen only where needed, gradients flow back through views into the
// original layout, and `patches` matches PyTorch's unfold/permute/reshape order on a hand-made image.
import { describe, expect, it } from 'vitest';
import * as T from '../../src/tensor/index.js';

const iota = (shape: number[], requiresGrad = false): T.Tensor => {
  const n = shape.reduce((p, d) => p * d, 1);
  return T.tensor(Array.from({ length: n }, (_, i) => i), shape, { dtype: 'float64', requiresGrad });
};

describe('views share storage', () => {
  it('reshape, transpose, permute, slice, expand, squeeze/unsqueeze are views', () => {
    const x = iota([2, 3, 4]);
    for (const v of [
      x.reshape([6, 4]),
      x.transpose(0, 2),
      x.permute([1, 2, 0]),
      x.slice(1, 1, 3),
      x.slice(0, 1).reshape([3, 4]), // a contiguous slice reshapes without copying
      T.expand(T.reshape(x, [2, 1, 3, 4]), [2, 5, 3, 4]),
      x.unsqueeze(0).squeeze(0),
    ]) {
      expect(v.storage).toBe(x.storage);
    }
    const t = x.transpose(0, 2);
    expect(t.shape).toEqual([4, 3, 2]);
    expect(t.isContiguous).toBe(false);
    x.storage[1] = 100; // x[0, 0, 1] is t[1, 0, 0]
    expect(t.contiguous().toArray()[6]).toBe(100);
  });

  it('slice reads the right elements and writes through', () => {
    const x = iota([3, 4]);
    const s = x.slice(1, -3, -1); // columns 1..2
    expect(s.shape).toEqual([3, 2]);
    expect(s.toArray()).toEqual([1, 2, 5, 6, 9, 10]);
    s.storage[s.offset] = -1;
    expect(x.toArray()[1]).toBe(-1);
    expect(x.slice(0, 2).data).toEqual(Float64Array.from([8, 9, 10, 11])); // a contiguous slice has data
  });

  it('strided views have no flat data; contiguous() copies them (and returns contiguous tensors as is)', () => {
    const x = iota([2, 3]);
    expect(() => x.transpose().data).toThrow('data: tensor of shape [3, 2] is a strided view');
    const c = x.transpose().contiguous();
    expect(c.storage).not.toBe(x.storage);
    expect(Array.from(c.data)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(x.contiguous()).toBe(x);
    expect(x.transpose().reshape([6]).toArray()).toEqual([0, 3, 1, 4, 2, 5]); // reshape of a strided view copies
  });
});

describe('gradients flow through views into the original layout', () => {
  it('transpose, slice and expand', () => {
    const x = iota([2, 3], true);
    // y = Σ w ⊙ xᵀ[1:, :]: the gradient lands on x[:, 1:] at the transposed positions.
    const w = T.tensor([[1, 2], [3, 4]], undefined, { dtype: 'float64' });
    T.sum(T.mul(x.transpose().slice(0, 1), w)).backward();
    expect(x.grad!.toArray()).toEqual([0, 1, 3, 0, 2, 4]);
    const b = iota([3], true);
    T.sum(T.expand(b, [4, 3])).backward(); // each entry broadcast to 4 rows
    expect(b.grad!.toArray()).toEqual([4, 4, 4]);
  });
  it('a parameter used through two different views sums both', () => {
    const x = iota([2, 2], true);
    T.add(T.sum(x.transpose()), T.sum(T.mul(x.reshape([4]), 2))).backward();
    expect(x.grad!.toArray()).toEqual([3, 3, 3, 3]);
  });
});

describe('patches', () => {
  it('matches PyTorch unfold(2,2,2).unfold(3,2,2).permute(0,2,3,1,4,5).reshape(B,P,-1) on a hand-made image', () => {
    // One image, 2 channels, 4×4: value = 100·c + 10·row + col, so every entry names its origin.
    const vals: number[] = [];
    for (let c = 0; c < 2; c++) for (let r = 0; r < 4; r++) for (let s = 0; s < 4; s++) vals.push(100 * c + 10 * r + s);
    const img = T.tensor(vals, [1, 2, 4, 4], { dtype: 'float64' });
    const p = T.patches(img, 2);
    expect(p.shape).toEqual([1, 4, 8]);
    const rows = (k: number): number[] => p.toArray().slice(8 * k, 8 * k + 8);
    // Patch order: grid row-major (top-left, top-right, bottom-left, bottom-right); inside a patch:
    // channel, then row, then column.
    expect(rows(0)).toEqual([0, 1, 10, 11, 100, 101, 110, 111]);
    expect(rows(1)).toEqual([2, 3, 12, 13, 102, 103, 112, 113]);
    expect(rows(2)).toEqual([20, 21, 30, 31, 120, 121, 130, 131]);
    expect(rows(3)).toEqual([22, 23, 32, 33, 122, 123, 132, 133]);
  });
  it('rectangular patches follow the same order', () => {
    const img = T.tensor(Array.from({ length: 12 }, (_, i) => i), [1, 1, 2, 6], { dtype: 'float64' });
    const p = T.patches(img, 2, 3); // two patches of 2×3
    expect(p.toArray()).toEqual([0, 1, 2, 6, 7, 8, 3, 4, 5, 9, 10, 11]);
  });
});
