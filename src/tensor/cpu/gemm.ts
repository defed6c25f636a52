/**
 * The CPU matrix product C += A·B: a cache-tiled, register-blocked kernel in the BLIS layout (Goto &
 * van de Geijn, "Anatomy of high-performance matrix multiplication", 2008).
 *
 *   for each NC-wide column block of B:
 *     for each KC-deep slice of the shared dimension:
 *       pack B[slice, block] into NR-wide micro-panels       (Bp, reused by every row block)
 *       for each MC-tall row block of A:
 *         pack A[rows, slice] into MR-tall micro-panels      (Ap, stays in L2)
 *         for each micro-panel pair: 4×4 micro-kernel       (16 accumulators in locals)
 *
 * Packing makes the inner loop read two dense streams regardless of the operands' strides, so
 * transposed operands (A·Bᵀ, Aᵀ·B in the backward pass) cost nothing extra and are never materialised.
 * Panels are Float64Array for both dtypes: one monomorphic micro-kernel, and float32 inputs are
 * accumulated in double (JS arithmetic is double anyway) before one rounding into C per KC slice.
 *
 * Why 4×4: measured on this machine (Node 20, x64), 4×4, 4×8 and 2×4 tiles all reach ~4.5 GFLOP/s at
 * n = 512 while the naive i-k-j loop reaches ~1.05; 3×4 and 6×8 are much slower (register spills). Two
 * mul+add pairs per cycle is the scalar ceiling (~6 GFLOP/s here), so the tile is close to it.
 *
 * Not here: batching and broadcasting (ops/matmul.ts). Not re-entrant (shared pack buffers); JS is
 * single-threaded, and a worker would get its own module instance.
 */
import type { Storage } from '../tensor.js';

const MR = 4;
const NR = 4;
const KC = 256;
const MC = 64;
const NC = 1024;

const packA = new Float64Array(MC * KC);
const packB = new Float64Array(KC * NC);
const edgeTile = new Float64Array(MR * NR);

/** Ap ← A[0:mc, 0:kc] as ⌈mc/MR⌉ panels, each kc columns of MR values (zero-padded at the bottom edge). */
function packPanelsA(a: Storage, off: number, rs: number, cs: number, mc: number, kc: number): void {
  let q = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = Math.min(MR, mc - ir);
    for (let p = 0; p < kc; p++) {
      const base = off + ir * rs + p * cs;
      let i = 0;
      for (; i < mr; i++) packA[q++] = a[base + i * rs];
      for (; i < MR; i++) packA[q++] = 0;
    }
  }
}

/** Bp ← B[0:kc, 0:nc] as ⌈nc/NR⌉ panels, each kc rows of NR values (zero-padded at the right edge). */
function packPanelsB(b: Storage, off: number, rs: number, cs: number, kc: number, nc: number): void {
  let q = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = Math.min(NR, nc - jr);
    for (let p = 0; p < kc; p++) {
      const base = off + p * rs + jr * cs;
      let j = 0;
      for (; j < nr; j++) packB[q++] = b[base + j * cs];
      for (; j < NR; j++) packB[q++] = 0;
    }
  }
}

/** C[ci.., 4×4 with row stride ldc] += Ap(panel at pa) · Bp(panel at pb) over kc. */
function microKernel(kc: number, pa: number, pb: number, c: Storage | Float64Array, ci: number, ldc: number): void {
  const A = packA;
  const B = packB;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = A[pa], a1 = A[pa + 1], a2 = A[pa + 2], a3 = A[pa + 3];
    let b = B[pb];
    c00 += a0 * b; c10 += a1 * b; c20 += a2 * b; c30 += a3 * b;
    b = B[pb + 1];
    c01 += a0 * b; c11 += a1 * b; c21 += a2 * b; c31 += a3 * b;
    b = B[pb + 2];
    c02 += a0 * b; c12 += a1 * b; c22 += a2 * b; c32 += a3 * b;
    b = B[pb + 3];
    c03 += a0 * b; c13 += a1 * b; c23 += a2 * b; c33 += a3 * b;
    pa += MR;
    pb += NR;
  }
  c[ci] += c00; c[ci + 1] += c01; c[ci + 2] += c02; c[ci + 3] += c03;
  ci += ldc;
  c[ci] += c10; c[ci + 1] += c11; c[ci + 2] += c12; c[ci + 3] += c13;
  ci += ldc;
  c[ci] += c20; c[ci + 1] += c21; c[ci + 2] += c22; c[ci + 3] += c23;
  ci += ldc;
  c[ci] += c30; c[ci + 1] += c31; c[ci + 2] += c32; c[ci + 3] += c33;
}

/** C[mc×nc block at cOff] += Ap·Bp, one micro-tile at a time; edge tiles go through a scratch tile. */
function macroKernel(mc: number, nc: number, kc: number, c: Storage, cOff: number, ldc: number): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = Math.min(NR, nc - jr);
    for (let ir = 0; ir < mc; ir += MR) {
      const mr = Math.min(MR, mc - ir);
      const ci = cOff + ir * ldc + jr;
      if (mr === MR && nr === NR) {
        microKernel(kc, ir * kc, jr * kc, c, ci, ldc);
      } else {
        edgeTile.fill(0);
        microKernel(kc, ir * kc, jr * kc, edgeTile, 0, NR);
        for (let i = 0; i < mr; i++) for (let j = 0; j < nr; j++) c[ci + i * ldc + j] += edgeTile[i * NR + j];
      }
    }
  }
}

/** C += A·B; see Backend.gemm for the stride convention. */
export function gemm(
  M: number, N: number, K: number,
  a: Storage, aOff: number, aRs: number, aCs: number,
  b: Storage, bOff: number, bRs: number, bCs: number,
  c: Storage, cOff: number, cRs: number,
): void {
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = Math.min(NC, N - j0);
    for (let p0 = 0; p0 < K; p0 += KC) {
      const kc = Math.min(KC, K - p0);
      packPanelsB(b, bOff + p0 * bRs + j0 * bCs, bRs, bCs, kc, nc);
      for (let i0 = 0; i0 < M; i0 += MC) {
        const mc = Math.min(MC, M - i0);
        packPanelsA(a, aOff + i0 * aRs + p0 * aCs, aRs, aCs, mc, kc);
        macroKernel(mc, nc, kc, c, cOff + i0 * cRs + j0, cRs);
      }
    }
  }
}

/** The plain triple loop (i-k-j), kept as the readable specification the tiled kernel is tested against. */
export function gemmReference(
  M: number, N: number, K: number,
  a: Storage, aOff: number, aRs: number, aCs: number,
  b: Storage, bOff: number, bRs: number, bCs: number,
  c: Storage, cOff: number, cRs: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[aOff + i * aRs + k * aCs] * b[bOff + k * bRs + j * bCs];
      c[cOff + i * cRs + j] += s;
    }
  }
}
