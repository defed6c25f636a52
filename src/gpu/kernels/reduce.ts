/**
 * Reductions of a training step as gpu.js kernels, over a contiguous (rows, n) matrix:
 *
 *   rowSum  s_r = Σ_j x[r, j]          (a loss summed per sequence, the backward of a broadcast column)
 *   colSum  s_j = Σ_r x[r, j]          (a bias gradient: dβ = Σ over batch·time of dy)
 *   sum     Σ x, as colSum then rowSum (two launches: one thread looping over 10⁶ values would leave the
 *           device idle, and the two levels bound the float32 error by (rows + n − 2)·u·Σ|x| instead of
 *           (rows·n − 1)·u·Σ|x|)
 *
 * Each output is one thread looping over its line with a float32 accumulator: the error bound is the
 * usual (len − 1)·u·Σ|x| of recursive summation, u = 2⁻²⁴ (Higham, Accuracy and Stability of Numerical
 * Algorithms, §4.2), which is the tolerance the specs use. The references are plain float64 loops
 * (below); the tensor core's sums run in double too.
 */
import type { Dev, GpuRuntime, Maybe } from '../runtime.js';
import { andThen } from '../runtime.js';
import { type KernelThis, checkIndexRange } from './types.js';

export function rowSumReference(rows: number, n: number, x: ArrayLike<number>): Float64Array {
  const s = new Float64Array(rows);
  for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) s[r] += x[r * n + j];
  return s;
}

export function colSumReference(rows: number, n: number, x: ArrayLike<number>): Float64Array {
  const s = new Float64Array(n);
  for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) s[j] += x[r * n + j];
  return s;
}

/** Output [rows]. */
function rowSumKernel(this: KernelThis<{ n: number }>, x: number[]): number {
  const base = this.thread.x * this.constants.n;
  let s = 0;
  for (let j = 0; j < this.constants.n; j++) s += x[base + j];
  return s;
}

/** Output [n]. */
function colSumKernel(this: KernelThis<{ n: number; rows: number }>, x: number[]): number {
  let s = 0;
  for (let r = 0; r < this.constants.rows; r++) s += x[r * this.constants.n + this.thread.x];
  return s;
}

export function rowSum(rt: GpuRuntime, rows: number, n: number, x: Dev): Maybe<Dev> {
  checkIndexRange('rowSum', rows * n);
  return rt.run(rt.kernel('reduce.rowSum', rowSumKernel, { output: [rows], constants: { n } }), [x]);
}

export function colSum(rt: GpuRuntime, rows: number, n: number, x: Dev): Maybe<Dev> {
  checkIndexRange('colSum', rows * n);
  return rt.run(rt.kernel('reduce.colSum', colSumKernel, { output: [n], constants: { n, rows } }), [x]);
}

/** Σ x over all rows·n values, as a one-element device value. */
export function sum(rt: GpuRuntime, rows: number, n: number, x: Dev): Maybe<Dev> {
  return andThen(colSum(rt, rows, n, x), (cols) =>
    andThen(rowSum(rt, 1, n, cols), (total) => {
      rt.release(cols);
      return total;
    }),
  );
}
