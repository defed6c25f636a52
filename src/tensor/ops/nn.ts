/**
 * Fused row ops of a transformer: softmax, logSoftmax, layerNorm, crossEntropy. Each has a hand-written
 * backward because the composite one is slower (softmax, layerNorm) or less accurate (logSoftmax and
 * crossEntropy never form log(softmax)); each is checked against central differences in the specs.
 *
 * Rows are the last axis (softmax/logSoftmax take another axis by transposing it to the end).
 * Not here: the kernels for softmax and layer norm (backend), the module wrappers (src/nn).
 * Reference: torch.softmax, log_softmax, layer_norm, cross_entropy(ignore_index, reduction).
 */
import { ShapeError, fmt, normAxis, sameShape } from '../shape.js';
import { Tensor, allocStorage } from '../tensor.js';
import { accumulateGrad, gradBuffer, record } from '../autograd.js';
import { getBackend } from '../backend.js';
import { contiguousData, transpose } from './view.js';

/** Integer class or row indices (targets, token ids). */
export type Indices = ArrayLike<number>;

function rowsOf(x: Tensor): { rows: number; n: number } {
  const n = x.shape[x.ndim - 1];
  return { rows: n === 0 ? 0 : x.size / n, n };
}

/** exp(x − max) / Σ exp(x − max) along `axis`. */
export function softmax(x: Tensor, axis = -1): Tensor {
  const ax = normAxis('softmax', axis, x.ndim);
  if (ax !== x.ndim - 1) return transpose(softmax(transpose(x, ax, -1)), ax, -1);
  const { rows, n } = rowsOf(x);
  const xd = contiguousData(x);
  const yd = allocStorage(x.dtype, x.size);
  getBackend().softmax(rows, n, xd, yd);
  const y = new Tensor(yd, x.shape);
  return record(y, 'softmax', [x], (dy) => {
    const dx = allocStorage(x.dtype, x.size);
    getBackend().softmaxBackward(rows, n, yd, dy, dx); // dx = y ⊙ (dy − ⟨dy, y⟩)
    accumulateGrad(x, dx, true);
  });
}

/** x − logsumexp(x) along `axis`; backward dx = dy − softmax(x)·Σdy. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const ax = normAxis('logSoftmax', axis, x.ndim);
  if (ax !== x.ndim - 1) return transpose(logSoftmax(transpose(x, ax, -1)), ax, -1);
  const { rows, n } = rowsOf(x);
  const xd = contiguousData(x);
  const yd = allocStorage(x.dtype, x.size);
  for (let r = 0, o = 0; r < rows; r++, o += n) {
    let m = -Infinity;
    for (let j = 0; j < n; j++) if (xd[o + j] > m) m = xd[o + j];
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(xd[o + j] - m);
    const lse = m + Math.log(s);
    for (let j = 0; j < n; j++) yd[o + j] = xd[o + j] - lse;
  }
  const y = new Tensor(yd, x.shape);
  return record(y, 'logSoftmax', [x], (dy) => {
    const dx = allocStorage(x.dtype, x.size);
    for (let r = 0, o = 0; r < rows; r++, o += n) {
      let s = 0;
      for (let j = 0; j < n; j++) s += dy[o + j];
      for (let j = 0; j < n; j++) dx[o + j] = dy[o + j] - Math.exp(yd[o + j]) * s;
    }
    accumulateGrad(x, dx, true);
  });
}

/**
 * Layer norm over the last axis: (x − mean)/√(var + eps)·weight + bias, biased variance (torch). Weight
 * and bias (shape [n]) are optional. A constant row gives exactly `bias` (no NaN).
 */
export function layerNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps = 1e-5): Tensor {
  if (x.ndim < 1) throw new ShapeError('layerNorm', 'x must have at least one axis');
  const { rows, n } = rowsOf(x);
  for (const [name, p] of [['weight', weight], ['bias', bias]] as const) {
    if (p === null) continue;
    if (!sameShape(p.shape, [n])) throw new ShapeError('layerNorm', `${name}.shape ${fmt(p.shape)} must be [${n}] (the last axis of x)`);
    if (p.dtype !== x.dtype) throw new ShapeError('layerNorm', `${name}.dtype ${p.dtype} differs from x.dtype ${x.dtype}`);
  }
  if (!(eps >= 0)) throw new ShapeError('layerNorm', `eps must be ≥ 0, got ${eps}`);
  const xd = contiguousData(x);
  const wd = weight ? contiguousData(weight) : null;
  const bd = bias ? contiguousData(bias) : null;
  const yd = allocStorage(x.dtype, x.size);
  const mean = new Float64Array(rows);
  const rstd = new Float64Array(rows);
  getBackend().layerNorm(rows, n, xd, wd, bd, eps, yd, mean, rstd);
  const y = new Tensor(yd, x.shape);
  const parents = [x, weight, bias].filter((p): p is Tensor => p !== null);
  return record(y, 'layerNorm', parents, (dy) => {
    const dx = allocStorage(x.dtype, x.size);
    const dw = weight?.requiresGrad ? gradBuffer(weight) : null;
    const db = bias?.requiresGrad ? gradBuffer(bias) : null;
    getBackend().layerNormBackward(rows, n, xd, wd, mean, rstd, dy, dx, dw, db);
    accumulateGrad(x, dx, true);
  });
}

export interface CrossEntropyOptions {
  /** Target value whose rows contribute nothing (PyTorch's default −100). */
  readonly ignoreIndex?: number;
  /** 'mean' over the non-ignored rows (NaN if there are none, as in PyTorch), 'sum', or 'none' (per row). */
  readonly reduction?: 'mean' | 'sum' | 'none';
}

/**
 * −log softmax(logits)[target] per row of logits (..., C), targets one class index per row. Fused:
 * loss = logsumexp(x) − x[t] and dx = g·(softmax(x) − onehot(t)), so ±1e4 logits stay finite.
 */
export function crossEntropy(logits: Tensor, targets: Indices, opts: CrossEntropyOptions = {}): Tensor {
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const reduction = opts.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new ShapeError('crossEntropy', `reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
  if (logits.ndim < 1) throw new ShapeError('crossEntropy', 'logits must have a class axis');
  const { rows, n: C } = rowsOf(logits);
  const batchShape = logits.shape.slice(0, -1);
  const batch = batchShape.reduce((p, d) => p * d, 1);
  if (targets.length !== batch) {
    throw new ShapeError('crossEntropy', `targets.length=${targets.length} does not match the ${batch} rows of logits ${fmt(logits.shape)}`);
  }
  const t = Int32Array.from(targets, (v, r) => {
    if (v !== ignoreIndex && !(Number.isInteger(v) && v >= 0 && v < C)) {
      throw new ShapeError('crossEntropy', `targets[${r}]=${v} is neither a class in [0, ${C}) nor ignoreIndex ${ignoreIndex}`);
    }
    return v;
  });
  const xd = contiguousData(logits);
  const lse = new Float64Array(rows);
  const losses = allocStorage(logits.dtype, rows);
  let total = 0;
  let count = 0;
  for (let r = 0, o = 0; r < rows; r++, o += C) {
    if (t[r] === ignoreIndex) continue;
    let m = -Infinity;
    for (let j = 0; j < C; j++) if (xd[o + j] > m) m = xd[o + j];
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(xd[o + j] - m);
    lse[r] = m + Math.log(s);
    const loss = lse[r] - xd[o + t[r]];
    losses[r] = loss;
    total += loss;
    count++;
  }
  let y: Tensor;
  if (reduction === 'none') y = new Tensor(losses, batchShape);
  else {
    const out = allocStorage(logits.dtype, 1);
    out[0] = reduction === 'sum' ? total : total / count;
    y = new Tensor(out, []);
  }
  return record(y, 'crossEntropy', [logits], (dy) => {
    const dx = allocStorage(logits.dtype, logits.size);
    for (let r = 0, o = 0; r < rows; r++, o += C) {
      if (t[r] === ignoreIndex) continue;
      const g = reduction === 'none' ? dy[r] : reduction === 'sum' ? dy[0] : dy[0] / count;
      for (let j = 0; j < C; j++) dx[o + j] = g * Math.exp(xd[o + j] - lse[r]);
      dx[o + t[r]] -= g;
    }
    accumulateGrad(logits, dx, true);
  });
}
