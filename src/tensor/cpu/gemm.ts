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
 * What each element of C sees, whatever M, N, the tile it falls in, or the rows another thread takes:
 * for each KC slice in order, c ← c + (0 + a₀b₀ + a₁b₁ + … in k order, in double), rounded to C's dtype.
 * Nothing depends on the row range, so splitting C's rows between threads (gemm-pool.ts) gives results
 * bit-identical to one thread, and a KV-cached decode row equals the same row of a full forward.
 *
 * Why 4×4: measured on this machine (Node 20, x64), 4×4 reaches ~5.5 GFLOP/s at n = 512 in isolation
 * while 4×8, 8×4, 6×4, 4×6, 3×8 and 2×8 stay at 4.3–5.3 (register spills; V8 has 16 xmm registers), and
 * the naive i-k-j loop ~1.05. KC 128/512 and MC 32/128 measured within noise of 256/64. Two mul+add
 * pairs per cycle is the scalar ceiling (~6 GFLOP/s here), so the tile is close to it. Packing a full
 * panel is unrolled (MR loads per step): measured +2–13% over the rolled loops on the vlm-tiny shapes
 * (best-of-21, float32), most for Aᵀ·B, whose A is packed from a strided source.
 *
 * The inner 4×4 product runs as WebAssembly SIMD where the engine compiles it (gemm-wasm.ts: f64x2, the
 * same double multiply and add per element in the same order, so bit-identical to the JavaScript
 * micro-kernel below, which stays as the fallback and the readable statement). Measured here: 13–15
 * GFLOP/s against 5–6 for the JavaScript tile, in isolation on one core.
 *
 * The kernel is built by a self-contained factory (`makeGemmKernel`: no imports, no free variables)
 * because the worker threads of gemm-pool.ts run the very same function, from its source text: a worker
 * cannot share this module instance, and evaluating the text needs no TypeScript loader in the worker.
 * Each instance owns its pack buffers, so an instance is not re-entrant, but threads never share one.
 *
 * Not here: batching and broadcasting (ops/matmul.ts); threads (gemm-pool.ts decides, this computes).
 */
import type { Storage } from '../tensor.js';
import { WASM_LAYOUT_BYTES, compileGemmWasm } from './gemm-wasm.js';

/** The kernel's entry points; `makeGemmKernel(wasm)` returns a fresh instance with its own pack buffers. */
export interface GemmKernel {
  /** C += A·B single-threaded; see Backend.gemm for the stride convention. */
  gemm(
    M: number, N: number, K: number,
    a: Storage, aOff: number, aRs: number, aCs: number,
    b: Storage, bOff: number, bRs: number, bCs: number,
    c: Storage, cOff: number, cRs: number,
  ): void;
  /** Float64 elements `packB` writes for a K×N operand: K·⌈N/NR⌉·NR. */
  packedBLength(K: number, N: number): number;
  /** All of B, packed once into `dst` at `dstOff`: blocks in (column block, K slice) order, as `gemm` packs them one at a time. */
  packB(K: number, N: number, b: Storage, bOff: number, bRs: number, bCs: number, dst: Float64Array, dstOff: number): void;
  /**
   * C += A·B with B already packed by `packB` (same K and N): the same arithmetic as `gemm`, per element.
   * `bKey` names the packed B's contents (e.g. a job number; 0: unknown): a slice already in this
   * instance's panel buffer under the same key is not copied again.
   */
  gemmPacked(
    M: number, N: number, K: number,
    a: Storage, aOff: number, aRs: number, aCs: number,
    pb: Float64Array, pbOff: number, bKey: number,
    c: Storage, cOff: number, cRs: number,
  ): void;
}

/** The compiled SIMD micro-kernel and where its memory holds the panels (gemm-wasm.ts: `compileGemmWasm`, `WASM_LAYOUT_BYTES`). */
export interface GemmWasm {
  readonly module: WebAssembly.Module;
  /** Byte offsets of packed A, packed B and the tiles' sums in the instance's memory. */
  readonly aOff: number;
  readonly bOff: number;
  readonly outOff: number;
  /** The largest MC, KC, NC its memory is laid out for. */
  readonly mc: number;
  readonly kc: number;
  readonly nc: number;
}

/**
 * Builds one kernel instance: with `wasm`, its own instance of the SIMD micro-kernel (packing goes
 * straight into that instance's memory); with null, the JavaScript micro-kernel. Self-contained on
 * purpose: gemm-pool.ts evaluates `makeGemmKernel.toString()` inside each worker (and passes the
 * compiled module along), so this body must not refer to anything outside itself (imports, module
 * constants); globals such as WebAssembly are fine.
 */
export function makeGemmKernel(wasm: GemmWasm | null): GemmKernel {
  const MR = 4;
  const NR = 4;
  const KC = 256;
  const MC = 64;
  const NC = 1024;

  if (wasm !== null && (wasm.mc < MC || wasm.kc < KC || wasm.nc < NC)) {
    throw new Error(`gemm: the wasm kernel's memory is laid out for MC ${wasm.mc}, KC ${wasm.kc}, NC ${wasm.nc}; the kernel blocks by ${MC}, ${KC}, ${NC}`);
  }
  const memory = wasm === null ? null : (new WebAssembly.Instance(wasm.module, {}).exports as { mem: WebAssembly.Memory; tiles: (kc: number, ntiles: number, pa: number, pb: number, out: number) => void });
  // The memory never grows, so these views stay attached for the instance's life.
  const packA = memory === null ? new Float64Array(MC * KC) : new Float64Array(memory.mem.buffer, wasm!.aOff, MC * KC);
  const packBuf = memory === null ? new Float64Array(KC * NC) : new Float64Array(memory.mem.buffer, wasm!.bOff, KC * NC);
  const sums = memory === null ? null : new Float64Array(memory.mem.buffer, wasm!.outOff, MC * NR);
  const edgeTile = new Float64Array(MR * NR);
  // What packBuf holds when it is a copy of a packed B's slice (gemmPacked), so repeated calls on the
  // same slice (one thread's successive row chunks) skip the copy; bufKey 0 means "nothing reusable".
  let bufKey = 0;
  let bufSlice = -1;

  /** Ap ← A[0:mc, 0:kc] as ⌈mc/MR⌉ panels, each kc columns of MR values (zero-padded at the bottom edge). */
  function packPanelsA(a: Storage, off: number, rs: number, cs: number, mc: number, kc: number): void {
    const A = packA;
    let q = 0;
    for (let ir = 0; ir < mc; ir += MR) {
      const mr = Math.min(MR, mc - ir);
      let base = off + ir * rs;
      if (mr === MR) {
        for (let p = 0; p < kc; p++, base += cs, q += MR) {
          A[q] = a[base]; A[q + 1] = a[base + rs]; A[q + 2] = a[base + 2 * rs]; A[q + 3] = a[base + 3 * rs];
        }
        continue;
      }
      for (let p = 0; p < kc; p++, base += cs) {
        let i = 0;
        for (; i < mr; i++) A[q++] = a[base + i * rs];
        for (; i < MR; i++) A[q++] = 0;
      }
    }
  }

  /** dst[q..] ← B[0:kc, 0:nc] as ⌈nc/NR⌉ panels, each kc rows of NR values (zero-padded at the right edge). */
  function packPanelsB(b: Storage, off: number, rs: number, cs: number, kc: number, nc: number, dst: Float64Array, q: number): void {
    for (let jr = 0; jr < nc; jr += NR) {
      const nr = Math.min(NR, nc - jr);
      let base = off + jr * cs;
      if (nr === NR) {
        for (let p = 0; p < kc; p++, base += rs, q += NR) {
          dst[q] = b[base]; dst[q + 1] = b[base + cs]; dst[q + 2] = b[base + 2 * cs]; dst[q + 3] = b[base + 3 * cs];
        }
        continue;
      }
      for (let p = 0; p < kc; p++, base += rs) {
        let j = 0;
        for (; j < nr; j++) dst[q++] = b[base + j * cs];
        for (; j < NR; j++) dst[q++] = 0;
      }
    }
  }

  /**
   * C[ci.., 4×4 with row stride ldc] += Ap(panel at pa) · Bp(panel at pb) over kc. Both panels are read
   * from this instance's own buffers, never a parameter: V8 then treats them as constants, measured
   * ~7% faster than passing the B panel in (gemmPacked copies its slice here instead).
   */
  function microKernel(kc: number, pa: number, pb: number, c: Storage, ci: number, ldc: number): void {
    const A = packA;
    const B = packBuf;
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

  /**
   * C[mc×nc block at cOff] += Ap·Bp, one micro-tile at a time. An edge tile is summed into a zeroed
   * scratch tile and then added: the same c + (0 + Σ) per element as a full tile.
   */
  function macroKernel(mc: number, nc: number, kc: number, c: Storage, cOff: number, ldc: number): void {
    if (memory !== null) {
      wasmMacroKernel(mc, nc, kc, c, cOff, ldc);
      return;
    }
    for (let jr = 0; jr < nc; jr += NR) {
      const nr = Math.min(NR, nc - jr);
      const pb = jr * kc;
      for (let ir = 0; ir < mc; ir += MR) {
        const mr = Math.min(MR, mc - ir);
        const ci = cOff + ir * ldc + jr;
        if (mr === MR && nr === NR) {
          microKernel(kc, ir * kc, pb, c, ci, ldc);
        } else {
          edgeTile.fill(0);
          microKernel(kc, ir * kc, pb, edgeTile, 0, NR);
          for (let i = 0; i < mr; i++) for (let j = 0; j < nr; j++) c[ci + i * ldc + j] += edgeTile[i * NR + j];
        }
      }
    }
  }

  /**
   * The same block through the SIMD kernel: one call per B panel computes every tile of the column
   * (zero-padded panels make edge tiles full 4×4 sums), then each sum is added into C, only the
   * in-range ones at an edge: c + (0 + Σ) per element, as above.
   */
  function wasmMacroKernel(mc: number, nc: number, kc: number, c: Storage, cOff: number, ldc: number): void {
    const S = sums!;
    const ntiles = Math.ceil(mc / MR);
    for (let jr = 0; jr < nc; jr += NR) {
      const nr = Math.min(NR, nc - jr);
      memory!.tiles(kc, ntiles, wasm!.aOff, wasm!.bOff + 8 * jr * kc, wasm!.outOff);
      for (let ir = 0, o = 0; ir < mc; ir += MR, o += MR * NR) {
        const mr = Math.min(MR, mc - ir);
        let ci = cOff + ir * ldc + jr;
        if (mr === MR && nr === NR) {
          c[ci] += S[o]; c[ci + 1] += S[o + 1]; c[ci + 2] += S[o + 2]; c[ci + 3] += S[o + 3];
          ci += ldc;
          c[ci] += S[o + 4]; c[ci + 1] += S[o + 5]; c[ci + 2] += S[o + 6]; c[ci + 3] += S[o + 7];
          ci += ldc;
          c[ci] += S[o + 8]; c[ci + 1] += S[o + 9]; c[ci + 2] += S[o + 10]; c[ci + 3] += S[o + 11];
          ci += ldc;
          c[ci] += S[o + 12]; c[ci + 1] += S[o + 13]; c[ci + 2] += S[o + 14]; c[ci + 3] += S[o + 15];
        } else {
          for (let i = 0; i < mr; i++) for (let j = 0; j < nr; j++) c[ci + i * ldc + j] += S[o + i * NR + j];
        }
      }
    }
  }

  /** Packed width of a column block: nc rounded up to whole NR panels. */
  function padded(nc: number): number {
    return Math.ceil(nc / NR) * NR;
  }

  function gemm(
    M: number, N: number, K: number,
    a: Storage, aOff: number, aRs: number, aCs: number,
    b: Storage, bOff: number, bRs: number, bCs: number,
    c: Storage, cOff: number, cRs: number,
  ): void {
    bufKey = 0;
    for (let j0 = 0; j0 < N; j0 += NC) {
      const nc = Math.min(NC, N - j0);
      for (let p0 = 0; p0 < K; p0 += KC) {
        const kc = Math.min(KC, K - p0);
        packPanelsB(b, bOff + p0 * bRs + j0 * bCs, bRs, bCs, kc, nc, packBuf, 0);
        for (let i0 = 0; i0 < M; i0 += MC) {
          const mc = Math.min(MC, M - i0);
          packPanelsA(a, aOff + i0 * aRs + p0 * aCs, aRs, aCs, mc, kc);
          macroKernel(mc, nc, kc, c, cOff + i0 * cRs + j0, cRs);
        }
      }
    }
  }

  function packedBLength(K: number, N: number): number {
    return K * padded(N);
  }

  // Block (j0, p0) of the packed B starts at j0·K (every earlier column block is NC wide, a multiple of
  // NR) plus p0·padded(nc): the offsets gemmPacked recomputes below.
  function packB(K: number, N: number, b: Storage, bOff: number, bRs: number, bCs: number, dst: Float64Array, dstOff: number): void {
    for (let j0 = 0; j0 < N; j0 += NC) {
      const nc = Math.min(NC, N - j0);
      for (let p0 = 0; p0 < K; p0 += KC) {
        const kc = Math.min(KC, K - p0);
        packPanelsB(b, bOff + p0 * bRs + j0 * bCs, bRs, bCs, kc, nc, dst, dstOff + j0 * K + p0 * padded(nc));
      }
    }
  }

  function gemmPacked(
    M: number, N: number, K: number,
    a: Storage, aOff: number, aRs: number, aCs: number,
    pb: Float64Array, pbOff: number, bKey: number,
    c: Storage, cOff: number, cRs: number,
  ): void {
    for (let j0 = 0; j0 < N; j0 += NC) {
      const nc = Math.min(NC, N - j0);
      for (let p0 = 0; p0 < K; p0 += KC) {
        const kc = Math.min(KC, K - p0);
        const slice = pbOff + j0 * K + p0 * padded(nc);
        if (bKey === 0 || bKey !== bufKey || slice !== bufSlice) {
          packBuf.set(pb.subarray(slice, slice + kc * padded(nc))); // a memcpy: the gathering was done once
          bufKey = bKey;
          bufSlice = slice;
        }
        for (let i0 = 0; i0 < M; i0 += MC) {
          const mc = Math.min(MC, M - i0);
          packPanelsA(a, aOff + i0 * aRs + p0 * aCs, aRs, aCs, mc, kc);
          macroKernel(mc, nc, kc, c, cOff + i0 * cRs + j0, cRs);
        }
      }
    }
  }

  return { gemm, packedBLength, packB, gemmPacked };
}

/** The SIMD micro-kernel compiled once for this process (null where the engine cannot: then why). */
const compiled = compileGemmWasm();
export const gemmWasm: GemmWasm | null = compiled.module === null ? null : { module: compiled.module, ...WASM_LAYOUT_BYTES };
/** Why the JavaScript micro-kernel runs instead of the SIMD one (null when SIMD runs). */
export const gemmWasmUnavailable: string | null = compiled.reason;

/** The main thread's kernel instance. */
export const mainKernel: GemmKernel = makeGemmKernel(gemmWasm);

/** C += A·B on the calling thread; see Backend.gemm for the stride convention. (gemm-pool.ts: the threaded entry.) */
export const gemm: GemmKernel['gemm'] = mainKernel.gemm;

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
