/**
 * Shape arithmetic for the tensor core: element counts, row-major strides, NumPy broadcasting, axis
 * normalisation, and the core's one error type, `ShapeError` (message `op: problem`).
 *
 * Not here: anything that touches data (strided.ts) or gradients (autograd.ts).
 * Reference: NumPy broadcasting (numpy.org/doc/stable/user/basics.broadcasting.html).
 */

export type Shape = readonly number[];

/** Bad shapes, axes or arguments to a tensor op. The message names the op and the argument. */
export class ShapeError extends Error {
  constructor(
    readonly op: string,
    readonly problem: string,
  ) {
    super(`${op}: ${problem}`);
    this.name = 'ShapeError';
  }
}

export function fmt(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides: the last axis moves fastest. */
export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(op, `shape ${fmt(shape)} has a dimension that is not a non-negative integer`);
  }
}

/** NumPy broadcasting: align on the right; each pair of dims must be equal or contain a 1. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(op, `shapes ${fmt(a)} and ${fmt(b)} do not broadcast (axis ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** A possibly negative axis → 0 ≤ axis < ndim. */
export function normAxis(op: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new ShapeError(op, `axis ${axis} is out of range for a tensor of rank ${ndim}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Axes to reduce over, sorted ascending; `undefined` means all of them. Repeats are an error. */
export function normAxes(op: string, axes: number | readonly number[] | undefined, ndim: number): number[] {
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normAxis(op, a, ndim)).sort((x, y) => x - y);
  for (let i = 1; i < out.length; i++) {
    if (out[i] === out[i - 1]) throw new ShapeError(op, `axis ${out[i]} is repeated in ${fmt(list)}`);
  }
  return out;
}
