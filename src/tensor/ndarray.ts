/**
 * Interop with scijs `ndarray`: both are (data, shape, stride, offset) views, so the conversion shares
 * memory whenever the data is a Float32Array or Float64Array of the wanted dtype — any strides, offsets,
 * even negative or zero strides. Other data (plain arrays, integer typed arrays) or a dtype change copies.
 *
 * Not here: autograd (writing through a shared ndarray bypasses the graph, like a tensor's `data`).
 * Reference: github.com/scijs/ndarray.
 */
import ndarray from 'ndarray';
import { type DType, type Storage, Tensor, allocStorage } from './tensor.js';
import { forEachRow } from './strided.js';
import { contiguousStrides } from './shape.js';

/** A zero-copy ndarray over the tensor's storage, with its shape, strides and offset. */
export function toNdarray(t: Tensor): ndarray.NdArray<Storage> {
  return ndarray(t.storage, t.shape.slice(), t.strides.slice(), t.offset);
}

/** A tensor over the ndarray's data (zero-copy for Float32Array/Float64Array of the same dtype). */
export function fromNdarray(a: ndarray.NdArray, opts: { readonly dtype?: DType; readonly requiresGrad?: boolean } = {}): Tensor {
  const d = a.data as unknown;
  const native: DType | null = d instanceof Float32Array ? 'float32' : d instanceof Float64Array ? 'float64' : null;
  const dtype = opts.dtype ?? native ?? 'float32';
  const requiresGrad = opts.requiresGrad ?? false;
  if (native === dtype) return new Tensor(d as Storage, a.shape, a.stride, a.offset, requiresGrad);
  const out = allocStorage(dtype, a.size);
  if (a.size > 0) {
    if (typeof (d as { get?: unknown }).get === 'function') {
      // A GenericArray (get/set interface): go through ndarray's own accessor, index by index.
      const idx = new Array<number>(a.shape.length).fill(0);
      for (let k = 0; k < a.size; k++) {
        out[k] = Number(a.get(...idx));
        for (let ax = idx.length - 1; ax >= 0 && ++idx[ax] === a.shape[ax]; ax--) idx[ax] = 0;
      }
    } else {
      const src = d as ArrayLike<number>;
      forEachRow(a.shape, [a.stride, contiguousStrides(a.shape)], [a.offset, 0], (o, n, s) => {
        for (let t = 0; t < n; t++) out[o[1] + t] = Number(src[o[0] + t * s[0]]);
      });
    }
  }
  return new Tensor(out, a.shape, undefined, 0, requiresGrad);
}
