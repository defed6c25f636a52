/**
 * The one N-dimensional loop of the tensor core: walk an index space row by row, carrying a storage
 * offset per operand, after collapsing axes that are contiguous for every operand. Views (transpose,
 * slice, broadcast with stride 0), broadcasting binary ops, reductions' gradients and concat all reduce
 * to this walk plus a 1-D inner loop.
 *
 * Not here: any arithmetic beyond copy/add (the ops bring their own inner loops).
 */
import { type Shape, numel } from './shape.js';
import type { Storage } from './tensor.js';

/** Called once per row: `offs[q]` is operand q's storage offset of the row's first element. */
export type RowFn = (offs: number[], n: number, inner: number[]) => void;

/**
 * Drop size-1 axes and merge neighbours (i, i+1) when every operand has stride[i] = stride[i+1]·shape[i+1].
 * The visiting order (row-major over `shape`) is unchanged, so a contiguous output can use a running index.
 */
export function collapse(shape: Shape, strides: readonly Shape[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const last = outShape.length - 1;
    const mergeable =
      last >= 0 && strides.every((s, q) => outStrides[q][last] === s[i] * shape[i]);
    if (mergeable) {
      outShape[last] *= shape[i];
      for (let q = 0; q < strides.length; q++) outStrides[q][last] = strides[q][i];
    } else {
      outShape.push(shape[i]);
      for (let q = 0; q < strides.length; q++) outStrides[q].push(strides[q][i]);
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** Visit every row of `shape` (the innermost collapsed axis), for operands with the given strides/offsets. */
export function forEachRow(shape: Shape, strides: readonly Shape[], offsets: readonly number[], fn: RowFn): void {
  if (numel(shape) === 0) return;
  const k = strides.length;
  const c = collapse(shape, strides);
  const nd = c.shape.length;
  const offs = offsets.slice();
  if (nd === 0) {
    fn(offs, 1, new Array<number>(k).fill(0));
    return;
  }
  const n = c.shape[nd - 1];
  const inner = c.strides.map((s) => s[nd - 1]);
  const rows = numel(c.shape) / n;
  const idx = new Array<number>(nd).fill(0);
  for (let r = 0; r < rows; r++) {
    fn(offs, n, inner);
    // Odometer over the outer axes: bump the last one, carry into the previous on wrap-around.
    for (let ax = nd - 2; ax >= 0; ax--) {
      for (let q = 0; q < k; q++) offs[q] += c.strides[q][ax];
      if (++idx[ax] < c.shape[ax]) break;
      for (let q = 0; q < k; q++) offs[q] -= c.strides[q][ax] * c.shape[ax];
      idx[ax] = 0;
    }
  }
}

/** dst (strided) = src (strided), or += when `accumulate`; both laid over the same index space `shape`. */
export function copyStrided(
  shape: Shape,
  src: Storage,
  srcOff: number,
  srcStrides: Shape,
  dst: Storage,
  dstOff: number,
  dstStrides: Shape,
  accumulate: boolean,
): void {
  forEachRow(shape, [srcStrides, dstStrides], [srcOff, dstOff], (o, n, s) => {
    let i = o[0];
    let j = o[1];
    const si = s[0];
    const sj = s[1];
    if (accumulate) {
      for (let t = 0; t < n; t++, i += si, j += sj) dst[j] += src[i];
    } else {
      for (let t = 0; t < n; t++, i += si, j += sj) dst[j] = src[i];
    }
  });
}
