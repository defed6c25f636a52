/**
 * Batched matrix product with broadcast batch axes: (..., M, K) · (..., K, N) → (..., M, N).
 *
 * Forward and both backward products go through the backend's strided gemm (C += A·B), so transposed
 * operands (views from `transpose`) and the backward products dA = dC·Bᵀ, dB = Aᵀ·dC are never
 * materialised: a transpose is a swap of the row and column strides. Gradients are accumulated straight
 * into the parents' `.grad` buffers; a batch entry that was broadcast receives the sum over the batch
 * entries that used it, because gemm accumulates.
 *
 * Fast path (a Linear layer): when b is a plain matrix and a's rows are evenly strided across its batch
 * axes, the whole batch is one (B·M, K)·(K, N) product, and dB = Aᵀ·dC is one product over B·M.
 *
 * Not here: 1-D operands (reshape a vector to (1, K) or (K, 1) first). Reference: numpy.matmul.
 */
import { type Shape, ShapeError, broadcastShapes, contiguousStrides, fmt, numel } from '../shape.js';
import { Tensor, allocStorage } from '../tensor.js';
import { gradBuffer, record } from '../autograd.js';
import { getBackend } from '../backend.js';
import { collapse, forEachRow } from '../strided.js';

/** Storage offset of each batch entry's matrix, for a tensor broadcast to `batch` (row-major order). */
function batchOffsets(shape: Shape, strides: Shape, offset: number, batch: Shape): number[] {
  const own = shape.length - 2;
  const lead = batch.length - own;
  const bs = batch.map((_, i) => (i < lead || shape[i - lead] === 1 ? 0 : strides[i - lead]));
  const out: number[] = [];
  forEachRow(batch, [bs], [offset], (o, n, s) => {
    for (let k = 0; k < n; k++) out.push(o[0] + k * s[0]);
  });
  return out;
}

/** When all rows of t (every axis but the last) sit at one stride, that stride; otherwise null. */
function uniformRowStride(t: Tensor): number | null {
  const c = collapse(t.shape.slice(0, -1), [t.strides.slice(0, -1)]);
  if (c.shape.length > 1) return null;
  return c.shape.length === 1 ? c.strides[0][0] : 0;
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim < 2 || b.ndim < 2) throw new ShapeError('matmul', `operands need at least 2 axes, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  if (a.dtype !== b.dtype) throw new ShapeError('matmul', `dtypes differ: ${a.dtype} and ${b.dtype}`);
  const M = a.shape[a.ndim - 2];
  const K = a.shape[a.ndim - 1];
  const N = b.shape[b.ndim - 1];
  if (b.shape[b.ndim - 2] !== K) {
    throw new ShapeError('matmul', `a.shape[${a.ndim - 1}]=${K} does not match b.shape[${b.ndim - 2}]=${b.shape[b.ndim - 2]}`);
  }
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const outShape = [...batch, M, N];
  const be = getBackend();
  const out = allocStorage(a.dtype, numel(outShape));
  const [aRs, aCs] = [a.strides[a.ndim - 2], a.strides[a.ndim - 1]];
  const [bRs, bCs] = [b.strides[b.ndim - 2], b.strides[b.ndim - 1]];

  const foldStride = b.ndim === 2 ? uniformRowStride(a) : null;
  if (foldStride !== null) {
    const rows = numel(a.shape.slice(0, -1)); // (B·M, K)·(K, N)
    be.gemm(rows, N, K, a.storage, a.offset, foldStride, aCs, b.storage, b.offset, bRs, bCs, out, 0, N);
    const y = new Tensor(out, outShape);
    return record(y, 'matmul', [a, b], (dy) => {
      // dA (B·M, K) += dC (B·M, N) · Bᵀ;  dB (K, N) += Aᵀ (K, B·M) · dC
      if (a.requiresGrad) be.gemm(rows, K, N, dy, 0, N, 1, b.storage, b.offset, bCs, bRs, gradBuffer(a), 0, K);
      if (b.requiresGrad) be.gemm(K, N, rows, a.storage, a.offset, aCs, foldStride, dy, 0, N, 1, gradBuffer(b), 0, N);
    });
  }

  const aOffs = batchOffsets(a.shape, a.strides, a.offset, batch);
  const bOffs = batchOffsets(b.shape, b.strides, b.offset, batch);
  for (let t = 0; t < aOffs.length; t++) {
    be.gemm(M, N, K, a.storage, aOffs[t], aRs, aCs, b.storage, bOffs[t], bRs, bCs, out, t * M * N, N);
  }
  const y = new Tensor(out, outShape);
  return record(y, 'matmul', [a, b], (dy) => {
    if (a.requiresGrad) {
      const ga = gradBuffer(a);
      const gOffs = batchOffsets(a.shape, contiguousStrides(a.shape), 0, batch);
      for (let t = 0; t < gOffs.length; t++) {
        be.gemm(M, K, N, dy, t * M * N, N, 1, b.storage, bOffs[t], bCs, bRs, ga, gOffs[t], K); // dC·Bᵀ
      }
    }
    if (b.requiresGrad) {
      const gb = gradBuffer(b);
      const gOffs = batchOffsets(b.shape, contiguousStrides(b.shape), 0, batch);
      for (let t = 0; t < gOffs.length; t++) {
        be.gemm(K, N, M, a.storage, aOffs[t], aCs, aRs, dy, t * M * N, N, 1, gb, gOffs[t], N); // Aᵀ·dC
      }
    }
  });
}
