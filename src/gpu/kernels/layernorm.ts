/**
 * Layer norm forward and backward as gpu.js kernels (llm.c layernorm_forward / layernorm_backward):
 *
 *   forward   μ_r = mean(x_r), rstd_r = 1/√(var(x_r) + eps) (biased var), y = (x − μ)·rstd·γ + β
 *   backward  x̂ = (x − μ)·rstd, g = dy·γ:  dx = rstd·(g − mean(g) − x̂·mean(g·x̂)),
 *             dγ = Σ_rows dy·x̂,  dβ = Σ_rows dy
 *
 * Rows are contiguous of length n. Each is a statistics kernel over rows (output [2, rows]: μ and rstd,
 * or mean(g) and mean(g·x̂); each thread of the pair computes both) followed by an elementwise kernel;
 * dγ and dβ are one column-sum kernel (output [n, 2]). The variance is two-pass (Σ(x − μ)², not
 * Σx² − μ²), which float32 needs: the one-pass form cancels catastrophically when |μ| ≫ σ.
 *
 * γ and β are optional, as in the seam (null: γ = 1, β = 0); the kernels take them always and a flag.
 * Unlike the CPU reference, statistics are float32 sums (GL has nothing wider).
 *
 * Reference: the tensor core's `layerNorm` / `layerNormBackward` (src/tensor/cpu/norm.ts).
 */
import { layerNorm as layerNormCpu, layerNormBackward as layerNormBackwardCpu } from '../../tensor/cpu/norm.js';
import { type Dev, type GpuRuntime, type Maybe, andThen } from '../runtime.js';
import { type KernelThis, checkIndexRange } from './types.js';

export { layerNormCpu, layerNormBackwardCpu };

interface LnC {
  n: number; eps: number; hasGamma: number; hasBeta: number;
}

/** Output [2, rows]: x = 0 → μ, x = 1 → rstd. */
function lnStatsKernel(this: KernelThis<LnC>, x: number[]): number {
  const base = this.thread.y * this.constants.n;
  let s = 0;
  for (let j = 0; j < this.constants.n; j++) s += x[base + j];
  const mu = s / this.constants.n;
  let v = 0;
  for (let j = 0; j < this.constants.n; j++) {
    const d = x[base + j] - mu;
    v += d * d;
  }
  let out = mu;
  if (this.thread.x > 0) out = 1 / Math.sqrt(v / this.constants.n + this.constants.eps);
  return out;
}

/** Output [n, rows]: y = (x − μ)·rstd·γ + β. */
function lnApplyKernel(this: KernelThis<LnC>, x: number[], stats: number[], gamma: number[], beta: number[]): number {
  const r = this.thread.y;
  const j = this.thread.x;
  let y = (x[r * this.constants.n + j] - stats[2 * r]) * stats[2 * r + 1];
  if (this.constants.hasGamma > 0) y *= gamma[j];
  if (this.constants.hasBeta > 0) y += beta[j];
  return y;
}

/** Output [2, rows]: x = 0 → mean(g), x = 1 → mean(g·x̂), g = dy·γ. */
function lnBackStatsKernel(this: KernelThis<LnC>, x: number[], stats: number[], dy: number[], gamma: number[]): number {
  const r = this.thread.y;
  const base = r * this.constants.n;
  const mu = stats[2 * r];
  const rs = stats[2 * r + 1];
  let m1 = 0;
  let m2 = 0;
  for (let j = 0; j < this.constants.n; j++) {
    let g = dy[base + j];
    if (this.constants.hasGamma > 0) g *= gamma[j];
    m1 += g;
    m2 += g * (x[base + j] - mu) * rs;
  }
  let out = m1 / this.constants.n;
  if (this.thread.x > 0) out = m2 / this.constants.n;
  return out;
}

/** Output [n, rows]: dx = rstd·(g − mean(g) − x̂·mean(g·x̂)). */
function lnBackApplyKernel(this: KernelThis<LnC>, x: number[], stats: number[], dy: number[], gamma: number[], bstats: number[]): number {
  const r = this.thread.y;
  const j = this.thread.x;
  const at = r * this.constants.n + j;
  const rs = stats[2 * r + 1];
  const xh = (x[at] - stats[2 * r]) * rs;
  let g = dy[at];
  if (this.constants.hasGamma > 0) g *= gamma[j];
  return rs * (g - bstats[2 * r] - xh * bstats[2 * r + 1]);
}

/** Output [n, 2]: y = 0 → dγ_j = Σ_r dy·x̂, y = 1 → dβ_j = Σ_r dy. */
function lnParamGradKernel(this: KernelThis<{ n: number; rows: number }>, x: number[], stats: number[], dy: number[]): number {
  const j = this.thread.x;
  let s = 0;
  for (let r = 0; r < this.constants.rows; r++) {
    const at = r * this.constants.n + j;
    let w = 1;
    if (this.thread.y < 1) w = (x[at] - stats[2 * r]) * stats[2 * r + 1];
    s += dy[at] * w;
  }
  return s;
}

// ── ops ───────────────────────────────────────────────────────────────────────────────────────────────

const ONE = new Float32Array(1);

export interface LayerNormForward {
  readonly y: Dev;
  /** [μ_0, rstd_0, μ_1, rstd_1, …]: what the backward needs. */
  readonly stats: Dev;
}

export function layerNorm(rt: GpuRuntime, rows: number, n: number, x: Dev, gamma: Dev | null, beta: Dev | null, eps: number): Maybe<LayerNormForward> {
  checkIndexRange('layerNorm', rows * n);
  const c: LnC = { n, eps, hasGamma: gamma ? 1 : 0, hasBeta: beta ? 1 : 0 };
  const st = rt.kernel('layerNorm.stats', lnStatsKernel, { output: [2, rows], constants: { ...c } });
  return andThen(rt.run(st, [x]), (stats) => {
    const ap = rt.kernel('layerNorm.apply', lnApplyKernel, { output: [n, rows], constants: { ...c } });
    return andThen(rt.run(ap, [x, stats, gamma ?? ONE, beta ?? ONE]), (y) => ({ y, stats }));
  });
}

export interface LayerNormBackward {
  readonly dx: Dev;
  /** [dγ (n), dβ (n)]; null when neither γ nor β was asked for. */
  readonly dParams: Dev | null;
}

export function layerNormBackward(rt: GpuRuntime, rows: number, n: number, x: Dev, gamma: Dev | null, stats: Dev, dy: Dev, wantParams: boolean): Maybe<LayerNormBackward> {
  checkIndexRange('layerNormBackward', rows * n);
  const c: LnC = { n, eps: 0, hasGamma: gamma ? 1 : 0, hasBeta: 0 };
  const g = gamma ?? ONE;
  const bs = rt.kernel('layerNorm.backStats', lnBackStatsKernel, { output: [2, rows], constants: { ...c } });
  return andThen(rt.run(bs, [x, stats, dy, g]), (bstats) => {
    const ap = rt.kernel('layerNorm.backApply', lnBackApplyKernel, { output: [n, rows], constants: { ...c } });
    return andThen(rt.run(ap, [x, stats, dy, g, bstats]), (dx) => {
      rt.release(bstats);
      if (!wantParams) return { dx, dParams: null };
      const pg = rt.kernel('layerNorm.paramGrad', lnParamGradKernel, { output: [n, 2], constants: { n, rows } });
      return andThen(rt.run(pg, [x, stats, dy]), (dParams) => ({ dx, dParams }));
    });
  });
}
