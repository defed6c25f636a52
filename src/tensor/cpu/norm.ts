/**
 * CPU row kernels for softmax and layer norm (forward and fused backward). Rows are contiguous, length n.
 * Per-row statistics are accumulated in double locals, and layer norm's dγ/dβ column sums in a Float64Array,
 * so float32 inputs lose nothing to long float32 sums.
 *
 * Softmax subtracts the row maximum first (exp never overflows; logits of ±1e4 are fine); a row that is
 * entirely −∞ gives NaN, as in PyTorch. Layer norm uses the biased variance and rstd = 1/√(var + eps)
 * (torch.nn.LayerNorm); a constant row has var = 0, so x̂ = 0 and y = β exactly, with finite gradients.
 *
 * Not here: shapes and autograd (ops/nn.ts). Reference: llm.c layernorm_forward/backward.
 */
import type { Storage } from '../tensor.js';

export function softmax(rows: number, n: number, x: Storage, y: Storage): void {
  for (let r = 0, o = 0; r < rows; r++, o += n) {
    let m = -Infinity;
    for (let j = 0; j < n; j++) if (x[o + j] > m) m = x[o + j];
    let s = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(x[o + j] - m);
      y[o + j] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let j = 0; j < n; j++) y[o + j] *= inv;
  }
}

export function softmaxBackward(rows: number, n: number, y: Storage, dy: Storage, dx: Storage): void {
  for (let r = 0, o = 0; r < rows; r++, o += n) {
    let dot = 0;
    for (let j = 0; j < n; j++) dot += dy[o + j] * y[o + j];
    for (let j = 0; j < n; j++) dx[o + j] = y[o + j] * (dy[o + j] - dot);
  }
}

export function layerNorm(
  rows: number, n: number, x: Storage, gamma: Storage | null, beta: Storage | null, eps: number,
  y: Storage, mean: Float64Array, rstd: Float64Array,
): void {
  for (let r = 0, o = 0; r < rows; r++, o += n) {
    let s = 0;
    for (let j = 0; j < n; j++) s += x[o + j];
    const mu = s / n;
    let v = 0;
    for (let j = 0; j < n; j++) {
      const d = x[o + j] - mu;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / n + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let j = 0; j < n; j++) {
      const xh = (x[o + j] - mu) * rs;
      y[o + j] = (gamma ? xh * gamma[j] : xh) + (beta ? beta[j] : 0);
    }
  }
}

/**
 * With x̂ = (x − μ)·rstd and g = dy·γ:  dx = rstd·(g − mean(g) − x̂·mean(g·x̂)),  dγ += Σ_rows dy·x̂,
 * dβ += Σ_rows dy.
 */
export function layerNormBackward(
  rows: number, n: number, x: Storage, gamma: Storage | null, mean: Float64Array, rstd: Float64Array,
  dy: Storage, dx: Storage, dgamma: Storage | null, dbeta: Storage | null,
): void {
  const dg = dgamma ? new Float64Array(n) : null;
  const db = dbeta ? new Float64Array(n) : null;
  for (let r = 0, o = 0; r < rows; r++, o += n) {
    const mu = mean[r];
    const rs = rstd[r];
    let m1 = 0;
    let m2 = 0;
    for (let j = 0; j < n; j++) {
      const xh = (x[o + j] - mu) * rs;
      const d = dy[o + j];
      const g = gamma ? d * gamma[j] : d;
      m1 += g;
      m2 += g * xh;
      if (dg) dg[j] += d * xh;
      if (db) db[j] += d;
    }
    m1 /= n;
    m2 /= n;
    for (let j = 0; j < n; j++) {
      const xh = (x[o + j] - mu) * rs;
      const g = gamma ? dy[o + j] * gamma[j] : dy[o + j];
      dx[o + j] = rs * (g - m1 - xh * m2);
    }
  }
  if (dgamma && dg) for (let j = 0; j < n; j++) dgamma[j] += dg[j];
  if (dbeta && db) for (let j = 0; j < n; j++) dbeta[j] += db[j];
}
