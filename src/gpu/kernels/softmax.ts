/**
 * Row softmax and its backward as gpu.js kernels, with the masked, scaled variant attention needs:
 *
 *   y[r, j] = exp(z[r, j] − m_r) / Σ_j' exp(z[r, j'] − m_r),   z = scale·x + mask,  m_r = max_j z[r, j]
 *   dx[r, j] = y[r, j]·(dy[r, j] − ⟨dy[r, ·], y[r, ·]⟩)
 *
 * Rows are contiguous of length n. Two passes: a statistics kernel (output [2, rows]: the row maximum and
 * 1/Σexp, each thread of the pair computing both, so one kernel suffices), then an elementwise kernel.
 * Subtracting the maximum first keeps exp from overflowing (logits of ±1e4 are fine).
 *
 * Masking (attention, rows = batch·T, n = S keys, row r is query position i = r mod T):
 *   causal   excludes key j > i + (S − T) (queries are the last T of S positions, as with a KV cache)
 *   additive a (T, S) mask shared by every batch entry; entries ≤ −1e30 count as −∞ and exclude the key
 * Excluded keys get probability exactly 0 and never enter the max or the sum (no −∞ arithmetic, which GL
 * does not promise to get right). A row with every key excluded gives all zeros — where PyTorch gives NaN;
 * the reference below makes the same choice, so the specs compare like with like.
 *
 * Reference: the tensor core's `softmax` / `softmaxBackward` (src/tensor/cpu/norm.ts) for the unmasked
 * rows, and `maskedSoftmaxReference` (below, float64) for the masked ones.
 *
 * Not here: the QKᵀ product that makes attention scores (attention.ts).
 */
import { softmax as softmaxCpu, softmaxBackward as softmaxBackwardCpu } from '../../tensor/cpu/norm.js';
import { type Dev, type GpuRuntime, type Maybe, andThen } from '../runtime.js';
import { type KernelThis, checkIndexRange } from './types.js';

export { softmaxCpu, softmaxBackwardCpu };

/** Mask entries at or below this are −∞: the key is excluded. */
export const MASK_NEG_INF = -1e30;

export interface SoftmaxMask {
  /** Queries per batch entry: row r is query r mod T. */
  readonly T: number;
  readonly causal: boolean;
  /** Additive (T, n) mask shared by the batch, or null. */
  readonly additive: Float32Array | null;
}

/** Float64 reference of the masked, scaled softmax (the conventions above). */
export function maskedSoftmaxReference(rows: number, n: number, x: ArrayLike<number>, scale: number, mask: SoftmaxMask | null): Float64Array {
  const y = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    const i = mask ? r % mask.T : 0;
    const z = new Float64Array(n);
    const keep: boolean[] = [];
    let m = -Infinity;
    for (let j = 0; j < n; j++) {
      const add = mask?.additive ? mask.additive[i * n + j] : 0;
      keep[j] = !(mask?.causal && j > i + n - mask.T) && !(add <= MASK_NEG_INF);
      z[j] = scale * x[r * n + j] + add;
      if (keep[j] && z[j] > m) m = z[j];
    }
    let s = 0;
    for (let j = 0; j < n; j++) if (keep[j]) s += Math.exp(z[j] - m);
    for (let j = 0; j < n; j++) y[r * n + j] = keep[j] ? Math.exp(z[j] - m) / s : 0;
  }
  return y;
}

// ── kernels ───────────────────────────────────────────────────────────────────────────────────────────

interface StatsC {
  n: number; T: number; S_T: number; scale: number; causal: number; hasMask: number;
}

/**
 * Output [2, rows]: x = 0 → the row maximum of the kept z, x = 1 → 1/Σ exp(z − max). `mask` is a
 * one-element dummy when hasMask = 0 (gpu.js kernels have a fixed argument list).
 */
function softmaxStatsKernel(this: KernelThis<StatsC>, x: number[], mask: number[]): number {
  const r = this.thread.y;
  const i = r - this.constants.T * Math.floor(r / this.constants.T);
  const limit = this.constants.causal > 0 ? i + this.constants.S_T : this.constants.n;
  const base = r * this.constants.n;
  let m = -3.4e38;
  let any = 0;
  for (let j = 0; j < this.constants.n; j++) {
    let z = this.constants.scale * x[base + j];
    let keep = j <= limit ? 1 : 0;
    if (this.constants.hasMask > 0) {
      const add = mask[i * this.constants.n + j];
      z += add;
      if (add <= -1e30) keep = 0;
    }
    if (keep > 0) {
      m = Math.max(m, z);
      any = 1;
    }
  }
  let s = 0;
  for (let j = 0; j < this.constants.n; j++) {
    let z = this.constants.scale * x[base + j];
    let keep = j <= limit ? 1 : 0;
    if (this.constants.hasMask > 0) {
      const add = mask[i * this.constants.n + j];
      z += add;
      if (add <= -1e30) keep = 0;
    }
    if (keep > 0) s += Math.exp(z - m);
  }
  let out = m;
  if (this.thread.x > 0) out = any > 0 ? 1 / s : 0;
  return out;
}

/** Output [n, rows]: y = exp(z − m)·(1/Σ) for kept keys, 0 otherwise. */
function softmaxApplyKernel(this: KernelThis<StatsC>, x: number[], mask: number[], stats: number[]): number {
  const r = this.thread.y;
  const j = this.thread.x;
  const i = r - this.constants.T * Math.floor(r / this.constants.T);
  const limit = this.constants.causal > 0 ? i + this.constants.S_T : this.constants.n;
  let z = this.constants.scale * x[r * this.constants.n + j];
  let keep = j <= limit ? 1 : 0;
  if (this.constants.hasMask > 0) {
    const add = mask[i * this.constants.n + j];
    z += add;
    if (add <= -1e30) keep = 0;
  }
  let y = 0;
  if (keep > 0) y = Math.exp(z - stats[2 * r]) * stats[2 * r + 1];
  return y;
}

/** Output [rows]: ⟨dy[r, ·], y[r, ·]⟩. */
function rowDotKernel(this: KernelThis<{ n: number }>, a: number[], b: number[]): number {
  const base = this.thread.x * this.constants.n;
  let s = 0;
  for (let j = 0; j < this.constants.n; j++) s += a[base + j] * b[base + j];
  return s;
}

/** Output [n, rows]: dx = y·(dy − dot_r)·scale (scale carries attention's 1/√d into the scores' gradient). */
function softmaxBackwardKernel(this: KernelThis<{ n: number; scale: number }>, y: number[], dy: number[], dot: number[]): number {
  const at = this.thread.y * this.constants.n + this.thread.x;
  return this.constants.scale * y[at] * (dy[at] - dot[this.thread.y]);
}

// ── ops ───────────────────────────────────────────────────────────────────────────────────────────────

const NO_MASK = new Float32Array(1);

/**
 * softmax(scale·x + mask) over contiguous rows of length n, on the device. `mask` null: plain softmax.
 * Returns the device result; x may be a device value or a host array.
 */
export function softmax(rt: GpuRuntime, rows: number, n: number, x: Dev, scale = 1, mask: SoftmaxMask | null = null): Maybe<Dev> {
  checkIndexRange('softmax', rows * n);
  if (mask?.additive && mask.additive.length !== mask.T * n) {
    throw new Error(`softmax: additive mask has ${mask.additive.length} entries, expected T·n = ${mask.T}·${n}`);
  }
  if (mask && rows % mask.T !== 0) throw new Error(`softmax: ${rows} rows are not a whole number of T = ${mask.T} queries`);
  if (mask && mask.causal && mask.T > n) throw new Error(`softmax: causal mask needs T = ${mask.T} ≤ n = ${n} keys`);
  const constants: StatsC = {
    n,
    T: mask?.T ?? 1,
    S_T: mask ? n - mask.T : 0,
    scale,
    causal: mask?.causal ? 1 : 0,
    hasMask: mask?.additive ? 1 : 0,
  };
  const m = mask?.additive ?? NO_MASK;
  const stats = rt.kernel('softmax.stats', softmaxStatsKernel, { output: [2, rows], constants: { ...constants } });
  return andThen(rt.run(stats, [x, m]), (st) => {
    const apply = rt.kernel('softmax.apply', softmaxApplyKernel, { output: [n, rows], constants: { ...constants } });
    return andThen(rt.run(apply, [x, m, st]), (y) => {
      rt.release(st);
      return y;
    });
  });
}

/** dx = scale·y ⊙ (dy − ⟨dy, y⟩ per row), on the device. */
export function softmaxBackward(rt: GpuRuntime, rows: number, n: number, y: Dev, dy: Dev, scale = 1): Maybe<Dev> {
  checkIndexRange('softmaxBackward', rows * n);
  const dotK = rt.kernel('softmax.rowdot', rowDotKernel, { output: [rows], constants: { n } });
  return andThen(rt.run(dotK, [dy, y]), (dot) => {
    const k = rt.kernel('softmax.backward', softmaxBackwardKernel, { output: [n, rows], constants: { n, scale } });
    return andThen(rt.run(k, [y, dy, dot]), (dx) => {
      rt.release(dot);
      return dx;
    });
  });
}
