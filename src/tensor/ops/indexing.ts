/**
 * Indexing ops: embedding lookup, gather along the last axis, concat. Backwards scatter-add, so a row
 * picked twice gets both gradients.
 *
 * Not here: index arithmetic on tensors (indices are plain integer arrays, validated once per call).
 * Reference: torch.nn.functional.embedding, torch.gather(x, -1, index), torch.cat.
 */
import { type Shape, ShapeError, contiguousStrides, fmt, normAxis, numel } from '../shape.js';
import { Tensor, allocStorage } from '../tensor.js';
import { gradBuffer, record } from '../autograd.js';
import { copyStrided } from '../strided.js';
import { contiguousData } from './view.js';
import type { Indices } from './nn.js';

function checkedIndices(op: string, name: string, index: Indices, bound: number): Int32Array {
  return Int32Array.from(index, (v, i) => {
    if (!Number.isInteger(v) || v < 0 || v >= bound) throw new ShapeError(op, `${name}[${i}]=${v} is not an integer in [0, ${bound})`);
    return v;
  });
}

/** Rows of `weight` (V, D) picked by `ids` (laid out as `shape`, default [ids.length]) → (...shape, D). */
export function embedding(weight: Tensor, ids: Indices, shape: Shape = [ids.length]): Tensor {
  if (weight.ndim !== 2) throw new ShapeError('embedding', `weight must be (V, D), got ${fmt(weight.shape)}`);
  if (numel(shape) !== ids.length) throw new ShapeError('embedding', `shape ${fmt(shape)} does not hold ids.length=${ids.length}`);
  const [V, D] = weight.shape;
  const idx = checkedIndices('embedding', 'ids', ids, V);
  const w = contiguousData(weight);
  const out = allocStorage(weight.dtype, idx.length * D);
  for (let i = 0; i < idx.length; i++) out.set(w.subarray(idx[i] * D, idx[i] * D + D), i * D);
  const y = new Tensor(out, [...shape, D]);
  return record(y, 'embedding', [weight], (dy) => {
    const g = gradBuffer(weight);
    for (let i = 0; i < idx.length; i++) {
      const gi = idx[i] * D;
      for (let j = 0; j < D; j++) g[gi + j] += dy[i * D + j];
    }
  });
}

/**
 * out[..., k] = x[..., index[..., k]] along the last axis: x (..., N), index a flat array of
 * rows·K entries (rows = x.size / N) read as (..., K) → out (..., K). E.g. the log-probability of each
 * sampled token: gather(logSoftmax(logits), tokens) with K = 1.
 */
export function gather(x: Tensor, index: Indices): Tensor {
  if (x.ndim < 1) throw new ShapeError('gather', 'x must have at least one axis');
  const N = x.shape[x.ndim - 1];
  const rows = numel(x.shape.slice(0, -1));
  const K = rows === 0 ? 0 : index.length / rows;
  if (rows === 0 ? index.length !== 0 : !Number.isInteger(K) || K < 1) {
    throw new ShapeError('gather', `index.length=${index.length} is not a positive multiple of the ${rows} rows of x ${fmt(x.shape)}`);
  }
  const idx = checkedIndices('gather', 'index', index, N);
  const xd = contiguousData(x);
  const out = allocStorage(x.dtype, idx.length);
  for (let r = 0; r < rows; r++) for (let k = 0; k < K; k++) out[r * K + k] = xd[r * N + idx[r * K + k]];
  const y = new Tensor(out, [...x.shape.slice(0, -1), K]);
  return record(y, 'gather', [x], (dy) => {
    const g = gradBuffer(x);
    for (let r = 0; r < rows; r++) for (let k = 0; k < K; k++) g[r * N + idx[r * K + k]] += dy[r * K + k];
  });
}

/** Join tensors along `axis`; all other axes must agree. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ShapeError('concat', 'needs at least one tensor');
  const first = tensors[0];
  const ax = normAxis('concat', axis, first.ndim);
  for (const [i, t] of tensors.entries()) {
    if (t.dtype !== first.dtype) throw new ShapeError('concat', `tensors[${i}].dtype ${t.dtype} differs from ${first.dtype}`);
    const ok = t.ndim === first.ndim && t.shape.every((d, k) => k === ax || d === first.shape[k]);
    if (!ok) throw new ShapeError('concat', `tensors[${i}].shape ${fmt(t.shape)} does not match ${fmt(first.shape)} off axis ${ax}`);
  }
  const outShape = first.shape.slice();
  outShape[ax] = tensors.reduce((s, t) => s + t.shape[ax], 0);
  const os = contiguousStrides(outShape);
  const out = allocStorage(first.dtype, numel(outShape));
  const starts: number[] = [];
  let at = 0;
  for (const t of tensors) {
    starts.push(at * os[ax]);
    copyStrided(t.shape, t.storage, t.offset, t.strides, out, at * os[ax], os, false);
    at += t.shape[ax];
  }
  const y = new Tensor(out, outShape);
  return record(y, 'concat', tensors, (dy) => {
    tensors.forEach((t, i) => {
      if (t.requiresGrad) copyStrided(t.shape, dy, starts[i], os, gradBuffer(t), 0, contiguousStrides(t.shape), true);
    });
  });
}
