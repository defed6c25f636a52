/**
 * Scaled dot-product attention, forward and backward, kept on the device from the inputs to the results:
 * the scores, probabilities and their gradients never come back to the host (on headlessgl and webgpu;
 * webasm and cpu have no device memory, so there it is the same kernels on host arrays).
 *
 *   Shape legend: BH = batch·heads, T queries, S keys (S ≥ T; the queries are the last T positions),
 *   dh head width. Q (BH, T, dh), K and V (BH, S, dh), all contiguous.
 *
 *   forward    Z = Q·Kᵀ (BH, T, S);  P = softmax(scale·Z + mask);  O = P·V (BH, T, dh)
 *   backward   dP = dO·Vᵀ;  dV = Pᵀ·dO;  dZ = scale·P ⊙ (dP − rowsum(dP ⊙ P));  dQ = dZ·K;  dK = dZᵀ·Q
 *
 * Every product is the one batched matmul kernel with a Layout: Kᵀ, Vᵀ, Pᵀ and dZᵀ are stride swaps, never
 * materialised. Masks as in softmax.ts (causal, additive with ≤ −1e30 as −∞; an excluded key has P = 0
 * and so dZ = 0).
 *
 * Reference: attentionReference (below), the same formulas in float64 over matmulReference and
 * maskedSoftmaxReference; nanoGPT's CausalSelfAttention (the slow path) computes the same thing.
 */
import { type Dev, type GpuRuntime, type Maybe, andThen } from '../runtime.js';
import { matmul, matmulReference, type MatmulVariant } from './matmul.js';
import { type SoftmaxMask, maskedSoftmaxReference, softmax, softmaxBackward } from './softmax.js';
import { type Layout, rowMajor, transposed } from './types.js';

export interface AttentionShape {
  readonly BH: number;
  readonly T: number;
  readonly S: number;
  readonly dh: number;
  /** Usually 1/√dh. */
  readonly scale: number;
  readonly mask: SoftmaxMask | null;
}

const RM = (rows: number, cols: number): Layout => rowMajor(rows, cols);
const TR = (rows: number, cols: number): Layout => transposed(rows, cols);

export interface AttentionForward {
  readonly out: Dev;
  /** P (BH, T, S), kept for the backward. */
  readonly probs: Dev;
}

export function attentionForward(rt: GpuRuntime, a: AttentionShape, q: Dev, k: Dev, v: Dev, variant?: MatmulVariant): Maybe<AttentionForward> {
  const { BH, T, S, dh } = a;
  if (a.mask && a.mask.T !== T) throw new Error(`attention: mask.T = ${a.mask.T} but T = ${T}`);
  // Z = Q·Kᵀ: B(d, s) = K[s, d], the transpose of K's (S, dh) rows.
  return andThen(matmul(rt, { batch: BH, M: T, N: S, K: dh }, q, RM(T, dh), k, TR(dh, S), variant), (z) =>
    andThen(softmax(rt, BH * T, S, z, a.scale, a.mask), (probs) => {
      rt.release(z);
      return andThen(matmul(rt, { batch: BH, M: T, N: dh, K: S }, probs, RM(T, S), v, RM(S, dh), variant), (out) => ({ out, probs }));
    }),
  );
}

export interface AttentionGrads {
  readonly dq: Dev;
  readonly dk: Dev;
  readonly dv: Dev;
}

export function attentionBackward(rt: GpuRuntime, a: AttentionShape, q: Dev, k: Dev, v: Dev, probs: Dev, dOut: Dev, variant?: MatmulVariant): Maybe<AttentionGrads> {
  const { BH, T, S, dh } = a;
  // dP = dO·Vᵀ (BH, T, S)
  return andThen(matmul(rt, { batch: BH, M: T, N: S, K: dh }, dOut, RM(T, dh), v, TR(dh, S), variant), (dP) =>
    // dV = Pᵀ·dO (BH, S, dh): A(s, t) = P[t, s]
    andThen(matmul(rt, { batch: BH, M: S, N: dh, K: T }, probs, TR(S, T), dOut, RM(T, dh), variant), (dv) =>
      andThen(softmaxBackward(rt, BH * T, S, probs, dP, a.scale), (dZ) => {
        rt.release(dP);
        // dQ = dZ·K (BH, T, dh);  dK = dZᵀ·Q (BH, S, dh)
        return andThen(matmul(rt, { batch: BH, M: T, N: dh, K: S }, dZ, RM(T, S), k, RM(S, dh), variant), (dq) =>
          andThen(matmul(rt, { batch: BH, M: S, N: dh, K: T }, dZ, TR(S, T), q, RM(T, dh), variant), (dk) => {
            rt.release(dZ);
            return { dq, dk, dv };
          }),
        );
      }),
    ),
  );
}

export interface AttentionReference {
  readonly out: Float64Array;
  readonly probs: Float64Array;
  readonly dq: Float64Array;
  readonly dk: Float64Array;
  readonly dv: Float64Array;
}

/** The forward and backward in float64 (the formulas in the header, over the float32 inputs). */
export function attentionReference(a: AttentionShape, q: Float32Array, k: Float32Array, v: Float32Array, dOut: Float32Array): AttentionReference {
  const { BH, T, S, dh } = a;
  const z = matmulReference({ batch: BH, M: T, N: S, K: dh }, q, RM(T, dh), k, TR(dh, S));
  const probs = maskedSoftmaxReference(BH * T, S, z, a.scale, a.mask);
  const out = matmulReference({ batch: BH, M: T, N: dh, K: S }, probs, RM(T, S), v, RM(S, dh));
  const dP = matmulReference({ batch: BH, M: T, N: S, K: dh }, dOut, RM(T, dh), v, TR(dh, S));
  const dv = matmulReference({ batch: BH, M: S, N: dh, K: T }, probs, TR(S, T), dOut, RM(T, dh));
  const dZ = new Float64Array(BH * T * S);
  for (let r = 0; r < BH * T; r++) {
    let dot = 0;
    for (let j = 0; j < S; j++) dot += dP[r * S + j] * probs[r * S + j];
    for (let j = 0; j < S; j++) dZ[r * S + j] = a.scale * probs[r * S + j] * (dP[r * S + j] - dot);
  }
  const dq = matmulReference({ batch: BH, M: T, N: dh, K: S }, dZ, RM(T, S), k, RM(S, dh));
  const dk = matmulReference({ batch: BH, M: S, N: dh, K: T }, dZ, TR(S, T), q, RM(T, dh));
  return { out, probs, dq, dk, dv };
}
