/**
 * Batched matrix product C[t] = A[t]·B[t] as gpu.js kernels: the forward product and both backward
 * products (dA = dC·Bᵀ, dB = Aᵀ·dC) are this one kernel with swapped strides, because every operand is read
 * through a Layout (off + t·bs + r·rs + c·cs) and a transpose is a swap of rs and cs.
 *
 *   C (batch, M, N) = A (batch, M, K) · B (batch, K, N), contiguous row-major output
 *
 * Reference: the tensor core's plain triple loop `gemmReference` (src/tensor/cpu/gemm.ts), run per batch
 * entry in float64 (matmulReference below); the specs check every variant against it on every backend.
 *
 * Three variants, because the backends reward different shapes of work:
 *   naive    one output per thread, K multiply-adds, 2 loads each; every backend (and the only one
 *            tried on webgpu, where nothing could be measured here).
 *   tile4x4  GL: operands repacked on the device into RGBA float textures (4 consecutive k of A, 4
 *            consecutive n of B per texel); each fragment computes a 4×4 block of C, written to 4 render
 *            targets (a gpu.js kernel map), from 8 texture fetches per 64 multiply-adds. Measured with
 *            Mesa llvmpipe: a texture fetch costs about as much as 10–20 multiply-adds (a kernel doing the
 *            same arithmetic without fetches runs ~10× faster), so fetches per flop is what to minimise;
 *            one output per fragment (2 fetches per multiply-add) reaches ~0.5 GFLOP/s, one vec4 per
 *            fragment (5 per 16) ~2.8, the 4×4 block ~5.5, an 8×4 block no more (register spills).
 *   rows4    webasm: one thread computes a column of 4 rows, returned as Array(4). gpu.js vectorises
 *            along thread.x, where every lane-varying load is a 4-load gather and a lane-uniform load is
 *            one scalar load; here B's element is the one gather per k and it feeds 4 multiply-adds.
 * Sizes need no tiles: tile4x4 zero-pads M, K and N to multiples of 4 on the device, rows4 clamps the
 * last row block.
 *
 * Not here: strided gathers of the tensor seam (backend.ts), timing (bench/gpu.ts).
 */
import { gemmReference } from '../../tensor/cpu/gemm.js';
import { type Dev, type GpuRuntime, type Maybe, andThen } from '../runtime.js';
import { type KernelThis, type Layout, checkIndexRange } from './types.js';

export interface MatmulShape {
  readonly batch: number;
  readonly M: number;
  readonly N: number;
  readonly K: number;
}

export type MatmulVariant = 'naive' | 'tile4x4' | 'rows4';

/** C (batch·M·N, float64) = A·B per batch entry, through the tensor core's reference triple loop. */
export function matmulReference(s: MatmulShape, a: ArrayLike<number>, la: Layout, b: ArrayLike<number>, lb: Layout): Float64Array {
  const c = new Float64Array(s.batch * s.M * s.N);
  const a64 = Float64Array.from(a);
  const b64 = Float64Array.from(b);
  for (let t = 0; t < s.batch; t++) {
    gemmReference(s.M, s.N, s.K, a64, la.off + t * la.bs, la.rs, la.cs, b64, lb.off + t * lb.bs, lb.rs, lb.cs, c, t * s.M * s.N, s.N);
  }
  return c;
}

/** The variant a mode runs by default (measured on this machine; webgpu unmeasured, so the simplest). */
export function defaultMatmulVariant(mode: GpuRuntime['mode']): MatmulVariant {
  switch (mode) {
    case 'headlessgl': return 'tile4x4';
    case 'webasm': return 'rows4';
    case 'cpu': return 'naive';
    case 'webgpu': return 'naive';
  }
}

// ── kernels ───────────────────────────────────────────────────────────────────────────────────────────

interface NaiveC {
  K: number;
  aOff: number; aBs: number; aRs: number; aCs: number;
  bOff: number; bBs: number; bRs: number; bCs: number;
}

/** Output [N, M, batch]: thread (x = n, y = m, z = t). */
function matmulNaiveKernel(this: KernelThis<NaiveC>, a: number[], b: number[]): number {
  let ai = this.constants.aOff + this.thread.z * this.constants.aBs + this.thread.y * this.constants.aRs;
  let bi = this.constants.bOff + this.thread.z * this.constants.bBs + this.thread.x * this.constants.bCs;
  let s = 0;
  for (let k = 0; k < this.constants.K; k++) {
    s += a[ai] * b[bi];
    ai += this.constants.aCs;
    bi += this.constants.bRs;
  }
  return s;
}

interface Rows4C extends NaiveC {
  M: number;
}

/** Output Array(4) [N, ⌈M/4⌉, batch]: thread (x = n, y = row block, z = t) computes rows 4y … 4y+3. */
function matmulRows4Kernel(this: KernelThis<Rows4C>, a: number[], b: number[]): number[] {
  const i0 = this.thread.y * 4;
  // Rows past M (the last block of an M that is not a multiple of 4) recompute row M−1: reads stay in
  // range, and those outputs are dropped on the host.
  const last = this.constants.M - 1;
  const base = this.constants.aOff + this.thread.z * this.constants.aBs;
  let a0 = base + Math.min(i0, last) * this.constants.aRs;
  let a1 = base + Math.min(i0 + 1, last) * this.constants.aRs;
  let a2 = base + Math.min(i0 + 2, last) * this.constants.aRs;
  let a3 = base + Math.min(i0 + 3, last) * this.constants.aRs;
  let bi = this.constants.bOff + this.thread.z * this.constants.bBs + this.thread.x * this.constants.bCs;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let k = 0; k < this.constants.K; k++) {
    const bv = b[bi];
    s0 += a[a0] * bv;
    s1 += a[a1] * bv;
    s2 += a[a2] * bv;
    s3 += a[a3] * bv;
    a0 += this.constants.aCs;
    a1 += this.constants.aCs;
    a2 += this.constants.aCs;
    a3 += this.constants.aCs;
    bi += this.constants.bRs;
  }
  return [s0, s1, s2, s3];
}

interface PackC {
  rows: number; cols: number;
  off: number; bs: number; rs: number; cs: number;
}

/**
 * Output Array(4) [⌈cols/4⌉, paddedRows, batch]: texel (q, r, t) = src(t, r, 4q … 4q+3), zero outside
 * rows × cols. Reads any Layout, so transposed operands are packed without a host-side transpose.
 */
function packVec4Kernel(this: KernelThis<PackC>, src: number[]): number[] {
  const r = this.thread.y;
  const c0 = this.thread.x * 4;
  let v0 = 0;
  let v1 = 0;
  let v2 = 0;
  let v3 = 0;
  if (r < this.constants.rows) {
    const base = this.constants.off + this.thread.z * this.constants.bs + r * this.constants.rs;
    if (c0 < this.constants.cols) v0 = src[base + c0 * this.constants.cs];
    if (c0 + 1 < this.constants.cols) v1 = src[base + (c0 + 1) * this.constants.cs];
    if (c0 + 2 < this.constants.cols) v2 = src[base + (c0 + 2) * this.constants.cs];
    if (c0 + 3 < this.constants.cols) v3 = src[base + (c0 + 3) * this.constants.cs];
  }
  return [v0, v1, v2, v3];
}

interface TileC {
  K4: number; N4: number;
  aBatch: number; bBatch: number;
}

/**
 * Kernel map, output Array(4) [N4, M4, batch] ×4 over packed operands A4 (batch, 4·M4, K4) and
 * B4 (batch, 4·K4, N4), texels of 4 floats: fragment (jb, ib, t) computes C(t, 4ib + r, 4jb … 4jb+3) for
 * r = 0 … 3 and writes row r to output r (row 0 is the return value). aBatch/bBatch: texels per batch
 * entry, 0 for an operand shared by the whole batch.
 */
function matmulTileKernel(this: KernelThis<TileC>, a4: number[][], b4: number[][]): number[] {
  const k4 = this.constants.K4;
  const n4 = this.constants.N4;
  const a0 = this.thread.z * this.constants.aBatch + this.thread.y * 4 * k4;
  const a1 = a0 + k4;
  const a2 = a1 + k4;
  const a3 = a2 + k4;
  let bi = this.thread.z * this.constants.bBatch + this.thread.x;
  let s00 = 0; let s01 = 0; let s02 = 0; let s03 = 0;
  let s10 = 0; let s11 = 0; let s12 = 0; let s13 = 0;
  let s20 = 0; let s21 = 0; let s22 = 0; let s23 = 0;
  let s30 = 0; let s31 = 0; let s32 = 0; let s33 = 0;
  for (let q = 0; q < this.constants.K4; q++) {
    const b0 = b4[bi];
    const b1 = b4[bi + n4];
    const b2 = b4[bi + 2 * n4];
    const b3 = b4[bi + 3 * n4];
    const v0 = a4[a0 + q];
    s00 += v0[0] * b0[0] + v0[1] * b1[0] + v0[2] * b2[0] + v0[3] * b3[0];
    s01 += v0[0] * b0[1] + v0[1] * b1[1] + v0[2] * b2[1] + v0[3] * b3[1];
    s02 += v0[0] * b0[2] + v0[1] * b1[2] + v0[2] * b2[2] + v0[3] * b3[2];
    s03 += v0[0] * b0[3] + v0[1] * b1[3] + v0[2] * b2[3] + v0[3] * b3[3];
    const v1 = a4[a1 + q];
    s10 += v1[0] * b0[0] + v1[1] * b1[0] + v1[2] * b2[0] + v1[3] * b3[0];
    s11 += v1[0] * b0[1] + v1[1] * b1[1] + v1[2] * b2[1] + v1[3] * b3[1];
    s12 += v1[0] * b0[2] + v1[1] * b1[2] + v1[2] * b2[2] + v1[3] * b3[2];
    s13 += v1[0] * b0[3] + v1[1] * b1[3] + v1[2] * b2[3] + v1[3] * b3[3];
    const v2 = a4[a2 + q];
    s20 += v2[0] * b0[0] + v2[1] * b1[0] + v2[2] * b2[0] + v2[3] * b3[0];
    s21 += v2[0] * b0[1] + v2[1] * b1[1] + v2[2] * b2[1] + v2[3] * b3[1];
    s22 += v2[0] * b0[2] + v2[1] * b1[2] + v2[2] * b2[2] + v2[3] * b3[2];
    s23 += v2[0] * b0[3] + v2[1] * b1[3] + v2[2] * b2[3] + v2[3] * b3[3];
    const v3 = a4[a3 + q];
    s30 += v3[0] * b0[0] + v3[1] * b1[0] + v3[2] * b2[0] + v3[3] * b3[0];
    s31 += v3[0] * b0[1] + v3[1] * b1[1] + v3[2] * b2[1] + v3[3] * b3[1];
    s32 += v3[0] * b0[2] + v3[1] * b1[2] + v3[2] * b2[2] + v3[3] * b3[2];
    s33 += v3[0] * b0[3] + v3[1] * b1[3] + v3[2] * b2[3] + v3[3] * b3[3];
    bi += 4 * n4;
  }
  tileRow1([s10, s11, s12, s13]);
  tileRow2([s20, s21, s22, s23]);
  tileRow3([s30, s31, s32, s33]);
  return [s00, s01, s02, s03];
}

// The kernel map's extra outputs: gpu.js stores what each of these returns in its own render target.
function tileRow1(v: number[]): number[] {
  return v;
}
function tileRow2(v: number[]): number[] {
  return v;
}
function tileRow3(v: number[]): number[] {
  return v;
}

/**
 * Output [N, M, batch]: C from the four row textures of the tile kernel, dropping the padding. A flat
 * read of a vec4 texture returns the whole texel, so the component is picked by hand.
 */
function assembleTileKernel(this: KernelThis<{ M: number; N4: number; M4: number }>, r0: number[][], r1: number[][], r2: number[][], r3: number[][]): number {
  const i = this.thread.y;
  const ib = Math.floor(i / 4);
  const r = i - 4 * ib;
  const jb = Math.floor(this.thread.x / 4);
  const c = this.thread.x - 4 * jb;
  const at = (this.thread.z * this.constants.M4 + ib) * this.constants.N4 + jb;
  let v = r0[at];
  if (r === 1) v = r1[at];
  if (r === 2) v = r2[at];
  if (r === 3) v = r3[at];
  let out = v[0];
  if (c === 1) out = v[1];
  if (c === 2) out = v[2];
  if (c === 3) out = v[3];
  return out;
}

// ── ops ───────────────────────────────────────────────────────────────────────────────────────────────

function naiveConstants(s: MatmulShape, la: Layout, lb: Layout): NaiveC {
  return { K: s.K, aOff: la.off, aBs: la.bs, aRs: la.rs, aCs: la.cs, bOff: lb.off, bBs: lb.bs, bRs: lb.rs, bCs: lb.cs };
}

const ceil4 = (n: number): number => Math.ceil(n / 4);

/** A (batch, rows, cols) in any Layout, packed into vec4 texels along cols; rows padded to `paddedRows`. */
export function packVec4(rt: GpuRuntime, src: Dev, l: Layout, batch: number, rows: number, cols: number, paddedRows = rows): Maybe<Dev> {
  const k = rt.kernel('matmul.pack4', packVec4Kernel, {
    output: [ceil4(cols), paddedRows, batch],
    constants: { rows, cols, off: l.off, bs: l.bs, rs: l.rs, cs: l.cs },
    components: 4,
  });
  return rt.run(k, [src]);
}

/**
 * C = A·B on the device, row-major contiguous (batch, M, N). `a` and `b` are device values or host arrays
 * (uploaded by the kernel that reads them). `shareA`/`shareB`: the operand has batch stride 0.
 */
export function matmul(rt: GpuRuntime, s: MatmulShape, a: Dev, la: Layout, b: Dev, lb: Layout, variant = defaultMatmulVariant(rt.mode)): Maybe<Dev> {
  checkIndexRange('matmul', Math.max(s.batch * s.M * s.N, s.batch * s.M * s.K, s.batch * s.K * s.N));
  if (s.M === 0 || s.N === 0 || s.batch === 0) throw new Error(`matmul: empty output ${s.batch}×${s.M}×${s.N}`);
  switch (variant) {
    case 'naive': {
      const k = rt.kernel('matmul.naive', matmulNaiveKernel, { output: [s.N, s.M, s.batch], constants: { ...naiveConstants(s, la, lb) } });
      return rt.run(k, [a, b]);
    }
    case 'rows4': {
      if (rt.resident) throw new Error(`matmul: the rows4 variant returns host rows (webasm/cpu), not for ${rt.mode}`);
      const k = rt.kernel('matmul.rows4', matmulRows4Kernel, {
        output: [s.N, ceil4(s.M), s.batch],
        constants: { ...naiveConstants(s, la, lb), M: s.M },
        components: 4,
      });
      return andThen(rt.run(k, [a, b]), (out) => unshuffleRows4(rt, out, s));
    }
    case 'tile4x4': {
      if (rt.mode !== 'headlessgl') throw new Error(`matmul: the tile4x4 variant needs GL kernel maps, not ${rt.mode}`);
      const M4 = ceil4(s.M);
      const K4 = ceil4(s.K);
      const N4 = ceil4(s.N);
      const aBatch = la.bs === 0 ? 1 : s.batch;
      const bBatch = lb.bs === 0 ? 1 : s.batch;
      return andThen(packVec4(rt, a, la, aBatch, s.M, s.K, 4 * M4), (a4) =>
        andThen(packVec4(rt, b, lb, bBatch, s.K, s.N, 4 * K4), (b4) => {
          const k = rt.kernelMap('matmul.tile4x4', { r1: tileRow1, r2: tileRow2, r3: tileRow3 }, matmulTileKernel, {
            output: [N4, M4, s.batch],
            constants: { K4, N4, aBatch: aBatch === 1 ? 0 : 4 * M4 * K4, bBatch: bBatch === 1 ? 0 : 4 * K4 * N4 },
            components: 4,
          });
          return andThen(rt.run(k, [a4, b4]), (rows) => {
            rt.release(a4);
            rt.release(b4);
            const { result, r1, r2, r3 } = rows as unknown as Record<'result' | 'r1' | 'r2' | 'r3', Dev>;
            const asm = rt.kernel('matmul.assemble', assembleTileKernel, { output: [s.N, s.M, s.batch], constants: { M: s.M, N4, M4 } });
            return andThen(rt.run(asm, [result, r1, r2, r3]), (c) => {
              for (const t of [result, r1, r2, r3]) rt.release(t);
              return c;
            });
          });
        }),
      );
    }
  }
}

/** rows4 output [t][block][n][r] → row-major [t][4·block + r][n] on the host (O(M·N), vs O(M·N·K) work). */
function unshuffleRows4(rt: GpuRuntime, out: Dev, s: MatmulShape): Maybe<Dev> {
  const M4 = ceil4(s.M);
  return andThen(rt.read(out, s.batch * M4 * s.N * 4), (raw) => {
    const c = new Float32Array(s.batch * s.M * s.N);
    for (let t = 0; t < s.batch; t++) {
      for (let blk = 0; blk < M4; blk++) {
        const rows = Math.min(4, s.M - 4 * blk);
        const src = ((t * M4 + blk) * s.N) * 4;
        for (let r = 0; r < rows; r++) {
          const dst = (t * s.M + 4 * blk + r) * s.N;
          for (let n = 0; n < s.N; n++) c[dst + n] = raw[src + 4 * n + r];
        }
      }
    }
    return c;
  });
}

/** C = A·B read back to the host as a Float32Array (batch·M·N, row-major). */
export function matmulToHost(rt: GpuRuntime, s: MatmulShape, a: Dev, la: Layout, b: Dev, lb: Layout, variant?: MatmulVariant): Maybe<Float32Array> {
  return andThen(matmul(rt, s, a, la, b, lb, variant), (c) => andThen(rt.read(c, s.batch * s.M * s.N), (host) => {
    // GL: read() copied the texture out, so it can go; webasm/cpu: `host` may be a view of `c`.
    if (rt.resident) rt.release(c);
    return host;
  }));
}
