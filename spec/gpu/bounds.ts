// Error bounds shared by the gpu specs whose kernels compose several float32 steps (softmax, attention).
// Each is a first-order analysis, one line per step (u = 2⁻²⁴; DIV and expErr are GL's allowances from
// support.ts); second-order terms are O(u²) relative and neglected.
import type { AttentionShape } from '../../src/gpu/kernels/attention.js';
import { matmulReference } from '../../src/gpu/kernels/matmul.js';
import { MASK_NEG_INF, type SoftmaxMask, maskedSoftmaxReference as softmaxRef } from '../../src/gpu/kernels/softmax.js';
import { rowMajor, transposed } from '../../src/gpu/kernels/types.js';
import { DIV, U, abs, expErr, gamma } from './support.js';

/**
 * Bound on |Δy| for y = softmax(scale·x + mask) computed in float32 from exact float32 x:
 *   z = scale·x + mask      two roundings:  |Δz_j| ≤ 2u(|scale·x_j| + |mask_j|), and |Δm| ≤ max_j |Δz_j|
 *   d = z − m               |Δd_j| ≤ |Δz_j| + |Δm| + u|d_j|
 *   e = exp(d)              relative ε_j = expErr(d_j) + |Δd_j|
 *   1/Σe                    relative ε_max + γ_n (the sum) + DIV (GL's division, 2.5 ulp)
 *   y = e·(1/Σe)            one more rounding u
 * so |Δy_j| ≤ y_j·(ε_j + ε_max + γ_n + DIV + u) + 2⁻¹²⁶ (a float32 exp may flush a tiny y to 0).
 * `y` is the float64 reference.
 */
const TINY = 2 ** -126;

export function softmaxBound(rows: number, n: number, x: ArrayLike<number>, scale: number, mask: SoftmaxMask | null, y: ArrayLike<number>): Float64Array {
  const bound = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    const i = mask ? r % mask.T : 0;
    const dz: number[] = [];
    const z: number[] = [];
    for (let j = 0; j < n; j++) {
      const add = mask?.additive ? mask.additive[i * n + j] : 0;
      const a = add <= MASK_NEG_INF ? 0 : add;
      z[j] = scale * x[r * n + j] + a;
      dz[j] = 2 * U * (Math.abs(scale * x[r * n + j]) + Math.abs(a));
    }
    const dm = Math.max(...dz);
    const m = Math.max(...z.filter((_, j) => y[r * n + j] > 0), -Infinity);
    const eps = z.map((zj, j) => {
      const d = zj - m;
      return expErr(d) + dz[j] + dm + U * Math.abs(d);
    });
    const epsMax = Math.max(...eps.filter((_, j) => y[r * n + j] > 0), 0);
    for (let j = 0; j < n; j++) {
      // y = 0: an excluded key (exactly 0 on both sides) or a kept one below float32's range.
      bound[r * n + j] = y[r * n + j] > 0 ? y[r * n + j] * (eps[j] + epsMax + gamma(n) + DIV + U) + TINY : TINY;
    }
  }
  return bound;
}


export interface AttentionBounds {
  readonly out: Float64Array;
  readonly probs: Float64Array;
  readonly dq: Float64Array;
  readonly dk: Float64Array;
  readonly dv: Float64Array;
}

/**
 * Bounds for attention forward and backward (kernels/attention.ts), stage by stage; |A|·|B| products are
 * the matmul reference on absolute values, and every product of K terms adds γ_{K+1}·|A|·|B| (matmul.spec):
 *   Z = Q·Kᵀ                  E_Z = γ_{dh+1}·|Q|·|K|ᵀ
 *   P = softmax(scale·Z + m)  E_P = P_j·2·scale·max_k E_Z[k] (the softmax Jacobian P(Δz − Σ P Δz))
 *                                  + softmaxBound (its own roundings)
 *   O = P·V                   E_O = E_P·|V| + γ_{S+1}·|P|·|V|
 *   dP = dO·Vᵀ                E_dP = γ_{dh+1}·|dO|·|V|ᵀ
 *   dV = Pᵀ·dO                E_dV = E_Pᵀ·|dO| + γ_{T+1}·|P|ᵀ·|dO|
 *   dZ = scale·P(dP − dot)    E_dot = Σ(E_dP·P + |dP|·E_P) + γ_{S+1}·Σ|dP||P|
 *                             E_dZ = scale·(E_P·|dP − dot| + P·(E_dP + E_dot)) + 3u·|dZ|
 *   dQ = dZ·K, dK = dZᵀ·Q     E_dQ = E_dZ·|K| + γ_{S+1}·|dZ|·|K|,  E_dK = E_dZᵀ·|Q| + γ_{T+1}·|dZ|ᵀ·|Q|
 */
export function attentionBounds(a: AttentionShape, q: Float32Array, k: Float32Array, v: Float32Array, dOut: Float32Array): AttentionBounds {
  const { BH, T, S, dh, scale, mask } = a;
  const rm = rowMajor;
  const tr = transposed;
  const mm = matmulReference;
  const Z = mm({ batch: BH, M: T, N: S, K: dh }, q, rm(T, dh), k, tr(dh, S));
  const EZ = mm({ batch: BH, M: T, N: S, K: dh }, abs(q), rm(T, dh), abs(k), tr(dh, S)).map((x) => gamma(dh + 1) * x);
  const P = softmaxRef(BH * T, S, Z, scale, mask);
  const own = softmaxBound(BH * T, S, Z, scale, mask, P);
  const EP = new Float64Array(BH * T * S);
  for (let r = 0; r < BH * T; r++) {
    let mx = 0;
    for (let j = 0; j < S; j++) mx = Math.max(mx, EZ[r * S + j]);
    for (let j = 0; j < S; j++) EP[r * S + j] = P[r * S + j] * 2 * Math.abs(scale) * mx + own[r * S + j];
  }
  const aV = abs(v);
  const aP = abs(P);
  const add = (x: Float64Array, y: Float64Array, c = 1): Float64Array => x.map((xi, i) => xi + c * y[i]);
  const out = add(mm({ batch: BH, M: T, N: dh, K: S }, EP, rm(T, S), aV, rm(S, dh)), mm({ batch: BH, M: T, N: dh, K: S }, aP, rm(T, S), aV, rm(S, dh)), gamma(S + 1));

  const aDO = abs(dOut);
  const dP = mm({ batch: BH, M: T, N: S, K: dh }, dOut, rm(T, dh), v, tr(dh, S));
  const EdP = mm({ batch: BH, M: T, N: S, K: dh }, aDO, rm(T, dh), aV, tr(dh, S)).map((x) => gamma(dh + 1) * x);
  const dv = add(mm({ batch: BH, M: S, N: dh, K: T }, EP, tr(S, T), aDO, rm(T, dh)), mm({ batch: BH, M: S, N: dh, K: T }, aP, tr(S, T), aDO, rm(T, dh)), gamma(T + 1));
  const dZ = new Float64Array(BH * T * S);
  const EdZ = new Float64Array(BH * T * S);
  for (let r = 0; r < BH * T; r++) {
    let dot = 0;
    let eDot = 0;
    let absDot = 0;
    for (let j = 0; j < S; j++) {
      const i = r * S + j;
      dot += dP[i] * P[i];
      eDot += EdP[i] * P[i] + Math.abs(dP[i]) * EP[i];
      absDot += Math.abs(dP[i] * P[i]);
    }
    eDot += gamma(S + 1) * absDot;
    for (let j = 0; j < S; j++) {
      const i = r * S + j;
      dZ[i] = scale * P[i] * (dP[i] - dot);
      EdZ[i] = Math.abs(scale) * (EP[i] * Math.abs(dP[i] - dot) + P[i] * (EdP[i] + eDot)) + 3 * U * Math.abs(dZ[i]);
    }
  }
  const aDZ = abs(dZ);
  const aK = abs(k);
  const aQ = abs(q);
  const dq = add(mm({ batch: BH, M: T, N: dh, K: S }, EdZ, rm(T, S), aK, rm(S, dh)), mm({ batch: BH, M: T, N: dh, K: S }, aDZ, rm(T, S), aK, rm(S, dh)), gamma(S + 1));
  const dk = add(mm({ batch: BH, M: S, N: dh, K: T }, EdZ, tr(S, T), aQ, rm(T, dh)), mm({ batch: BH, M: S, N: dh, K: T }, aDZ, tr(S, T), aQ, rm(T, dh)), gamma(T + 1));
  return { out, probs: EP, dq, dk, dv };
}
