/**
 * Elementwise ops with NumPy broadcasting: add, sub, mul, div, pow; neg, exp, log, sqrt, tanh, sigmoid,
 * relu, gelu; where / maskedFill; cast. Each forward is followed by its backward.
 *
 * Broadcasting is done by `expand`ing both operands to the output shape (stride-0 views), so binary
 * backwards never reduce: expand's own backward sums the gradient over the broadcast axes. Numbers are
 * constants of the tensor operand's dtype. Mixed dtypes are an error (no silent casts; use `cast`).
 *
 * Not here: the loops (cpu/elementwise.ts through the backend). Reference: torch.add/…/torch.where.
 */
import { type Shape, ShapeError, broadcastShapes, contiguousStrides, numel } from '../shape.js';
import { type DType, type Operand, type Storage, Tensor, allocStorage } from '../tensor.js';
import { accumulateGrad, record } from '../autograd.js';
import { type BinaryOp, type UnaryOp, getBackend } from '../backend.js';
import { forEachRow } from '../strided.js';
import { contiguousData, expand } from './view.js';

export type GeluApproximation = 'none' | 'tanh';

function constant(v: number, dtype: DType): Tensor {
  const s = allocStorage(dtype, 1);
  s[0] = v;
  return new Tensor(s, []);
}

function operands(op: string, a: Operand, b: Operand, fallback?: DType): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number' && fallback === undefined) throw new ShapeError(op, 'at least one operand must be a tensor');
  const dtype = typeof a !== 'number' ? a.dtype : typeof b !== 'number' ? b.dtype : (fallback as DType);
  const ta = typeof a === 'number' ? constant(a, dtype) : a;
  const tb = typeof b === 'number' ? constant(b, dtype) : b;
  if (ta.dtype !== tb.dtype) throw new ShapeError(op, `dtypes differ: ${ta.dtype} and ${tb.dtype} (cast one explicitly)`);
  return [ta, tb];
}

/** 1 when t is contiguous, 0 when every stride is 0 (a broadcast constant), else −1 (walk rows). */
function flatStride(t: Tensor): number {
  if (t.isContiguous) return 1;
  return t.strides.every((s) => s === 0) ? 0 : -1;
}

/** out = a ∘ b elementwise over `shape`; a and b are views of exactly `shape` (strides may be 0). */
function mapBinary(op: BinaryOp, shape: Shape, a: Tensor, b: Tensor): Storage {
  const out = allocStorage(a.dtype, numel(shape));
  const be = getBackend();
  const sa = flatStride(a);
  const sb = flatStride(b);
  if (sa >= 0 && sb >= 0) {
    be.binary(op, out.length, a.storage, a.offset, sa, b.storage, b.offset, sb, out, 0);
  } else {
    // The output is contiguous, so its innermost collapsed stride is 1 and o[2] is the row start.
    forEachRow(shape, [a.strides, b.strides, contiguousStrides(shape)], [a.offset, b.offset, 0], (o, n, s) =>
      be.binary(op, n, a.storage, o[0], s[0], b.storage, o[1], s[1], out, o[2]),
    );
  }
  return out;
}

function binaryOp(op: BinaryOp, a: Operand, b: Operand): Tensor {
  const [ta, tb] = operands(op, a, b);
  const shape = broadcastShapes(op, ta.shape, tb.shape);
  const ea = expand(ta, shape);
  const eb = expand(tb, shape);
  const y = new Tensor(mapBinary(op, shape, ea, eb), shape);
  return record(y, op, [ea, eb], (dy) => {
    const g = new Tensor(dy, shape);
    switch (op) {
      case 'add': // d(a+b) = da + db
        accumulateGrad(ea, dy, false);
        accumulateGrad(eb, dy, false);
        return;
      case 'sub': // d(a−b) = da − db
        accumulateGrad(ea, dy, false);
        if (eb.requiresGrad) {
          const d = dy.slice();
          for (let i = 0; i < d.length; i++) d[i] = -d[i];
          accumulateGrad(eb, d, true);
        }
        return;
      case 'mul': // d(ab) = b·da + a·db
        if (ea.requiresGrad) accumulateGrad(ea, mapBinary('mul', shape, g, eb), true);
        if (eb.requiresGrad) accumulateGrad(eb, mapBinary('mul', shape, g, ea), true);
        return;
      case 'div': // d(a/b) = da/b − (a/b)·db/b
        if (ea.requiresGrad) accumulateGrad(ea, mapBinary('div', shape, g, eb), true);
        if (eb.requiresGrad) {
          const t = mapBinary('mul', shape, g, y);
          const u = mapBinary('div', shape, new Tensor(t, shape), eb);
          for (let i = 0; i < u.length; i++) u[i] = -u[i];
          accumulateGrad(eb, u, true);
        }
        return;
      case 'pow': // d(aᵇ) = b·aᵇ⁻¹·da + aᵇ·ln(a)·db
        powBackward(shape, ea, eb, y.storage, dy);
        return;
    }
  });
}

function powBackward(shape: Shape, a: Tensor, b: Tensor, y: Storage, dy: Storage): void {
  const da = a.requiresGrad ? allocStorage(a.dtype, y.length) : null;
  const db = b.requiresGrad ? allocStorage(b.dtype, y.length) : null;
  const as = a.storage;
  const bs = b.storage;
  let k = 0; // rows come in row-major order, so k is the output (and gradient) index
  forEachRow(shape, [a.strides, b.strides], [a.offset, b.offset], (o, n, s) => {
    for (let t = 0, i = o[0], j = o[1]; t < n; t++, i += s[0], j += s[1], k++) {
      if (da) da[k] = dy[k] * bs[j] * Math.pow(as[i], bs[j] - 1);
      if (db) db[k] = dy[k] * y[k] * Math.log(as[i]);
    }
  });
  if (da) accumulateGrad(a, da, true);
  if (db) accumulateGrad(b, db, true);
}

export const add = (a: Operand, b: Operand): Tensor => binaryOp('add', a, b);
export const sub = (a: Operand, b: Operand): Tensor => binaryOp('sub', a, b);
export const mul = (a: Operand, b: Operand): Tensor => binaryOp('mul', a, b);
export const div = (a: Operand, b: Operand): Tensor => binaryOp('div', a, b);
/** aᵇ; for a gradient with respect to a non-constant exponent the base must be positive. */
export const pow = (a: Operand, b: Operand): Tensor => binaryOp('pow', a, b);

function unaryOp(op: UnaryOp, x: Tensor): Tensor {
  const xd = contiguousData(x);
  const yd = allocStorage(x.dtype, x.size);
  getBackend().unary(op, xd, yd);
  const y = new Tensor(yd, x.shape);
  return record(y, op, [x], (dy) => {
    const dx = allocStorage(x.dtype, x.size);
    getBackend().unaryBackward(op, xd, yd, dy, dx); // derivatives: cpu/elementwise.ts, beside the forwards
    accumulateGrad(x, dx, true);
  });
}

export const neg = (x: Tensor): Tensor => unaryOp('neg', x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
export const log = (x: Tensor): Tensor => unaryOp('log', x);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x);
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x);
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x);
/** max(x, 0); the derivative at the kink x = 0 is taken as 0 (PyTorch's choice). */
export const relu = (x: Tensor): Tensor => unaryOp('relu', x);
/** x·Φ(x) ('none', exact, PyTorch's default) or its tanh approximation ('tanh', GPT-2). */
export function gelu(x: Tensor, approximate: GeluApproximation = 'none'): Tensor {
  if (approximate !== 'none' && approximate !== 'tanh') throw new ShapeError('gelu', `approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  return unaryOp(approximate === 'tanh' ? 'geluTanh' : 'gelu', x);
}

/**
 * cond ? a : b elementwise, broadcasting all three; `cond` is read as nonzero = true and gets no gradient.
 * With two numbers the result takes cond's dtype (e.g. an additive mask: where(allowed, 0, −∞)).
 */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const [ta, tb] = operands('where', a, b, cond.dtype);
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, ta.shape), tb.shape);
  const ec = expand(cond.detach(), shape);
  const ea = expand(ta, shape);
  const eb = expand(tb, shape);
  const n = numel(shape);
  const out = allocStorage(ta.dtype, n);
  const take = new Uint8Array(n); // 1 where the value came from a
  let k = 0;
  forEachRow(shape, [ec.strides, ea.strides, eb.strides], [ec.offset, ea.offset, eb.offset], (o, len, s) => {
    for (let t = 0, c = o[0], i = o[1], j = o[2]; t < len; t++, c += s[0], i += s[1], j += s[2], k++) {
      const fromA = ec.storage[c] !== 0;
      take[k] = fromA ? 1 : 0;
      out[k] = fromA ? ea.storage[i] : eb.storage[j];
    }
  });
  const y = new Tensor(out, shape);
  return record(y, 'where', [ea, eb], (dy) => {
    for (const [t, side] of [[ea, 1], [eb, 0]] as const) {
      if (!t.requiresGrad) continue;
      const d = allocStorage(t.dtype, n);
      for (let i = 0; i < n; i++) d[i] = take[i] === side ? dy[i] : 0;
      accumulateGrad(t, d, true);
    }
  });
}

/** x with `value` wherever mask (broadcast to x) is nonzero, e.g. −∞ at masked attention scores. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  return where(mask, value, x);
}

/** Convert to another dtype (a copy; the gradient is converted back). */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (dtype !== 'float32' && dtype !== 'float64') throw new ShapeError('cast', `dtype must be 'float32' or 'float64', got '${String(dtype)}'`);
  if (x.dtype === dtype) return x;
  const out = allocStorage(dtype, x.size);
  out.set(contiguousData(x));
  const y = new Tensor(out, x.shape);
  return record(y, 'cast', [x], (dy) => {
    const dx = allocStorage(x.dtype, x.size);
    dx.set(dy);
    accumulateGrad(x, dx, true);
  });
}
