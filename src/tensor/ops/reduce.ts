/**
 * Reductions over any set of axes, with keepdim: sum, mean, max, logsumexp.
 *
 * Each one moves the reduced axes to the end (a permute view; a copy only when the layout needs it), so
 * the work is a reduction over the rows of an (R, n) matrix: one primitive per kind with its backward,
 * and the view ops' backwards carry gradients back to the original layout. Sums run in double.
 *
 * Not here: softmax-style row ops (nn.ts). Reference: torch.sum/mean/amax/logsumexp(dim, keepdim).
 */
import { ShapeError, fmt, normAxes, numel } from '../shape.js';
import { Tensor, allocStorage } from '../tensor.js';
import { accumulateGrad, noGrad, record } from '../autograd.js';
import { add, exp, log, mul, sub } from './elementwise.js';
import { contiguous, permute, reshape } from './view.js';

type Axes = number | readonly number[] | undefined;

/** x as an (R, n) row-major matrix whose rows are the reduced groups, and the result's shape. */
function toRows(op: string, x: Tensor, axes: Axes, keepdim: boolean) {
  const nd = x.ndim;
  const reduced = normAxes(op, axes, nd);
  const isReduced = x.shape.map((_, i) => reduced.includes(i));
  const kept = x.shape.map((_, i) => i).filter((i) => !isReduced[i]);
  const perm = [...kept, ...reduced];
  const moved = perm.every((p, i) => p === i) ? x : permute(x, perm);
  const R = numel(kept.map((i) => x.shape[i]));
  const n = numel(reduced.map((i) => x.shape[i]));
  const rows = contiguous(reshape(moved, [R, n])); // a copy only when the layout needs one
  const outShape = keepdim ? x.shape.map((d, i) => (isReduced[i] ? 1 : d)) : kept.map((i) => x.shape[i]);
  return { rows, R, n, outShape };
}

/** (R, n) → (R): row sums, accumulated in double. */
function sumRows(rows: Tensor, R: number, n: number): Tensor {
  const x = rows.data;
  const out = allocStorage(rows.dtype, R);
  for (let r = 0, o = 0; r < R; r++, o += n) {
    let s = 0;
    for (let j = 0; j < n; j++) s += x[o + j];
    out[r] = s;
  }
  const y = new Tensor(out, [R]);
  return record(y, 'sum', [rows], (dy) => {
    const dx = allocStorage(rows.dtype, R * n);
    for (let r = 0, o = 0; r < R; r++, o += n) dx.fill(dy[r], o, o + n);
    accumulateGrad(rows, dx, true);
  });
}

/** (R, n) → (R): row maxima. The gradient goes to the first maximal entry (torch.max(dim) picks one too). */
function maxRows(rows: Tensor, R: number, n: number): Tensor {
  const x = rows.data;
  const out = allocStorage(rows.dtype, R);
  const arg = new Int32Array(R);
  for (let r = 0, o = 0; r < R; r++, o += n) {
    let m = x[o];
    let a = 0;
    for (let j = 1; j < n && m === m; j++) {
      const v = x[o + j];
      if (v > m || v !== v) {
        m = v; // a NaN wins and stays (NaN propagates, as in PyTorch)
        a = j;
      }
    }
    out[r] = m;
    arg[r] = a;
  }
  const y = new Tensor(out, [R]);
  return record(y, 'max', [rows], (dy) => {
    const dx = allocStorage(rows.dtype, R * n);
    for (let r = 0; r < R; r++) dx[r * n + arg[r]] = dy[r];
    accumulateGrad(rows, dx, true);
  });
}

/** Sum over `axes` (all when omitted). */
export function sum(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  const { rows, R, n, outShape } = toRows('sum', x, axes, keepdim);
  return reshape(sumRows(rows, R, n), outShape);
}

/** Mean over `axes` (all when omitted); the mean of nothing is NaN (0/0), as in NumPy. */
export function mean(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  const n = numel(normAxes('mean', axes, x.ndim).map((i) => x.shape[i]));
  return mul(sum(x, axes, keepdim), 1 / n);
}

/** Maximum over `axes` (all when omitted). */
export function max(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  const { rows, R, n, outShape } = toRows('max', x, axes, keepdim);
  if (n === 0) throw new ShapeError('max', `cannot take the maximum over an empty axis of ${fmt(x.shape)}`);
  return reshape(maxRows(rows, R, n), outShape);
}

/**
 * log Σ exp(x) over `axes`, composed from primitives as m + log Σ exp(x − m) with m the (detached) row
 * maximum: no exp overflows for logits of ±1e4, and the gradient is exactly softmax because m cancels.
 * A non-finite m (a row of −∞, or one containing +∞) is replaced by 0 so that x − m never forms ∞ − ∞.
 */
export function logsumexp(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  const { rows, R, n, outShape } = toRows('logsumexp', x, axes, keepdim);
  const shift = noGrad(() => {
    const m = n === 0 ? allocStorage(x.dtype, R) : maxRows(rows, R, n).storage;
    for (let r = 0; r < R; r++) if (!Number.isFinite(m[r])) m[r] = 0;
    return new Tensor(m, [R, 1]);
  });
  const s = sumRows(exp(sub(rows, shift)), R, n);
  return reshape(add(log(s), reshape(shift, [R])), outShape);
}
