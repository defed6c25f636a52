/**
 * The gpu.js implementation of the tensor core's Backend seam (src/tensor/backend.ts): the same nine
 * kernels as the CPU reference, on flat typed arrays, synchronous.
 *
 * What the seam forces, and what this adapter does about it:
 *   - Every call hands over host arrays and wants host arrays back, so every call uploads its operands
 *     and reads its result back; nothing stays on the device between calls. (The device-resident paths
 *     are the kernels' own ops, e.g. kernels/attention.ts; docs/gpu.md lists what the seam would need.)
 *   - So a call goes to the device only when its work pays for the transfers and launches: the
 *     `offload` thresholds, measured per mode on this machine (bench/gpu.ts, docs/gpu.md). Below them,
 *     and for everything the device kernels do not cover, the call goes to the CPU reference, which is
 *     the definition anyway. `offload: 'all'` sends everything it can to the device (the specs use it).
 *   - float64 storage always stays on the CPU: gpu.js computes in float32, and a silent downcast of a
 *     float64 tensor would change its numerics.
 *   - The seam is synchronous; webgpu answers only asynchronously, so it cannot sit behind this class
 *     (the factory says so), and webasm runs single-threaded here (its threads need the async contract).
 * Layer norm's saved statistics cross the seam as Float64Array; on the device they are float32.
 *
 * Not here: the kernels (kernels/*.ts), choosing a mode (factory.ts).
 */
import type { Backend, BinaryOp, UnaryOp } from '../tensor/backend.js';
import { cpuBackend } from '../tensor/cpu/backend.js';
import type { Storage } from '../tensor/tensor.js';
import type { GpuMode } from './modes.js';
import { type Dev, type GpuRuntime, type Maybe, sync, andThen } from './runtime.js';
import { matmulToHost } from './kernels/matmul.js';
import { binary, isDeviceBinary, isDeviceUnary, unary, unaryBackward } from './kernels/elementwise.js';
import { softmax, softmaxBackward } from './kernels/softmax.js';
import { layerNorm, layerNormBackward } from './kernels/layernorm.js';

/** Minimum work for a call to go to the device: multiply-adds for gemm, elements for the others. */
export interface Offload {
  readonly gemm: number;
  readonly softmax: number;
  readonly layerNorm: number;
  /** Unary maps and their derivatives (exp, tanh, GELU: transcendental, so compute-heavy). */
  readonly unary: number;
  /** add, sub, mul, div: one load pair and one flop per element, always transfer-bound. */
  readonly binary: number;
}

export const OFFLOAD_ALL: Offload = { gemm: 0, softmax: 0, layerNorm: 0, unary: 0, binary: 0 };
const NEVER: Offload = { gemm: Infinity, softmax: Infinity, layerNorm: Infinity, unary: Infinity, binary: Infinity };

/**
 * Measured on this machine (2-core EPYC shared with other jobs, Mesa llvmpipe; the `seam` rows of
 * bench/gpu.ts, docs/gpu.md), one seam call on the device vs the CPU reference:
 *   headlessgl  gemm n³: 0.06× at 64, 0.21× at 128, 0.35× at 256, 0.77× at 512 since the reference's
 *               micro-kernel is WebAssembly SIMD (before it: 1.2–1.7× from 256, when gemm went to the
 *               device from 2²² multiply-adds) → never; GELU-tanh 1536×512: 4.1–5.4× (transcendentals
 *               vectorise well on llvmpipe) → unary from 2¹⁷ elements; softmax 6144×48: 0.9–1.7× (not
 *               reliably faster), layer norm 0.25–0.28×, add 0.27–0.45× (memory-bound: the transfers
 *               dominate) → never.
 *   webasm      gemm 0.4–1.0×, GELU-tanh 1.0–1.3×, the rest slower (gpu.js's SIMD gathers, see
 *               kernels/matmul.ts) → never.
 *   cpu         0.1–0.9× (one add at 1.4× in one run) → never. webgpu cannot sit behind this seam.
 * Only offloads that were faster in every run are on by default.
 */
export const DEFAULT_OFFLOAD: Record<GpuMode, Offload> = {
  headlessgl: { gemm: Infinity, softmax: Infinity, layerNorm: Infinity, unary: 2 ** 17, binary: Infinity },
  webasm: NEVER,
  cpu: NEVER,
  webgpu: NEVER,
};

const isF32 = (...xs: (Storage | null)[]): boolean => xs.every((x) => x === null || x instanceof Float32Array);

/** The part of `s` that elements off + i·stride (i < n) touch, so only that is uploaded. */
function span(s: Float32Array, off: number, n: number, stride: number): Float32Array {
  return s.subarray(off, off + (n - 1) * stride + 1);
}

export class GpuBackend implements Backend {
  readonly name: string;
  readonly rt: GpuRuntime;
  /** The adapter or renderer the mode runs on (from its probe). */
  readonly device: string;
  readonly offload: Offload;
  /** Calls per kernel that went to the device and to the CPU reference, e.g. `device:gemm`, `cpu:softmax`. */
  readonly calls = new Map<string, number>();

  constructor(rt: GpuRuntime, device: string, offload: Offload | 'auto' | 'all' = 'auto') {
    if (rt.async) throw new Error(`gpujs:${rt.mode}: the tensor seam is synchronous and this runtime answers asynchronously`);
    this.rt = rt;
    this.name = `gpujs:${rt.mode}`;
    this.device = device;
    this.offload = offload === 'auto' ? DEFAULT_OFFLOAD[rt.mode] : offload === 'all' ? OFFLOAD_ALL : offload;
  }

  private count(where: 'device' | 'cpu', kernel: string): void {
    const key = `${where}:${kernel}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
  }

  private now<T>(v: Maybe<T>, kernel: string): T {
    return sync(v, `${this.name} ${kernel}`);
  }

  private read(v: Maybe<Dev>, count: number, kernel: string): Float32Array {
    const host = this.now(andThen(v, (d) => andThen(this.rt.read(d, count), (h) => {
      if (this.rt.resident) this.rt.release(d);
      return h;
    })), kernel);
    return host;
  }

  gemm(
    M: number, N: number, K: number,
    a: Storage, aOff: number, aRs: number, aCs: number,
    b: Storage, bOff: number, bRs: number, bCs: number,
    c: Storage, cOff: number, cRs: number,
  ): void {
    if (!isF32(a, b, c) || M * N * K < this.offload.gemm || M === 0 || N === 0 || K === 0) {
      this.count('cpu', 'gemm');
      cpuBackend.gemm(M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs);
      return;
    }
    this.count('device', 'gemm');
    // Upload only the spans the operands touch, re-based to offset 0 (strides are non-negative in the seam).
    const as = (a as Float32Array).subarray(aOff, aOff + (M - 1) * aRs + (K - 1) * aCs + 1);
    const bs = (b as Float32Array).subarray(bOff, bOff + (K - 1) * bRs + (N - 1) * bCs + 1);
    const r = this.now(
      matmulToHost(this.rt, { batch: 1, M, N, K }, as, { off: 0, bs: 0, rs: aRs, cs: aCs }, bs, { off: 0, bs: 0, rs: bRs, cs: bCs }),
      'gemm',
    );
    for (let i = 0; i < M; i++) {
      const o = cOff + i * cRs;
      for (let j = 0; j < N; j++) c[o + j] += r[i * N + j];
    }
  }

  binary(op: BinaryOp, n: number, a: Storage, aOff: number, aS: number, b: Storage, bOff: number, bS: number, out: Storage, oOff: number): void {
    if (!isF32(a, b, out) || !isDeviceBinary(op) || n < this.offload.binary || n === 0) {
      this.count('cpu', `binary:${op}`);
      cpuBackend.binary(op, n, a, aOff, aS, b, bOff, bS, out, oOff);
      return;
    }
    this.count('device', `binary:${op}`);
    const av = span(a as Float32Array, aOff, n, aS);
    const bv = span(b as Float32Array, bOff, n, bS);
    out.set(this.read(binary(this.rt, op, n, av, 0, aS, bv, 0, bS), n, 'binary'), oOff);
  }

  unary(op: UnaryOp, x: Storage, y: Storage): void {
    if (!isF32(x, y) || !isDeviceUnary(op) || x.length < this.offload.unary || x.length === 0) {
      this.count('cpu', `unary:${op}`);
      cpuBackend.unary(op, x, y);
      return;
    }
    this.count('device', `unary:${op}`);
    y.set(this.read(unary(this.rt, op, x.length, x), x.length, 'unary'));
  }

  unaryBackward(op: UnaryOp, x: Storage, y: Storage, dy: Storage, dx: Storage): void {
    if (!isF32(x, y, dy, dx) || !isDeviceUnary(op) || x.length < this.offload.unary || x.length === 0) {
      this.count('cpu', `unaryBackward:${op}`);
      cpuBackend.unaryBackward(op, x, y, dy, dx);
      return;
    }
    this.count('device', `unaryBackward:${op}`);
    dx.set(this.read(unaryBackward(this.rt, op, x.length, x, y, dy), x.length, 'unaryBackward'));
  }

  softmax(rows: number, n: number, x: Storage, y: Storage): void {
    if (!isF32(x, y) || rows * n < this.offload.softmax || rows * n === 0) {
      this.count('cpu', 'softmax');
      cpuBackend.softmax(rows, n, x, y);
      return;
    }
    this.count('device', 'softmax');
    y.set(this.read(softmax(this.rt, rows, n, x.subarray(0, rows * n)), rows * n, 'softmax'));
  }

  softmaxBackward(rows: number, n: number, y: Storage, dy: Storage, dx: Storage): void {
    if (!isF32(y, dy, dx) || rows * n < this.offload.softmax || rows * n === 0) {
      this.count('cpu', 'softmaxBackward');
      cpuBackend.softmaxBackward(rows, n, y, dy, dx);
      return;
    }
    this.count('device', 'softmaxBackward');
    dx.set(this.read(softmaxBackward(this.rt, rows, n, y.subarray(0, rows * n), dy.subarray(0, rows * n)), rows * n, 'softmaxBackward'));
  }

  layerNorm(
    rows: number, n: number, x: Storage, gamma: Storage | null, beta: Storage | null, eps: number,
    y: Storage, mean: Float64Array, rstd: Float64Array,
  ): void {
    if (!isF32(x, gamma, beta, y) || rows * n < this.offload.layerNorm || rows * n === 0) {
      this.count('cpu', 'layerNorm');
      cpuBackend.layerNorm(rows, n, x, gamma, beta, eps, y, mean, rstd);
      return;
    }
    this.count('device', 'layerNorm');
    const f = this.now(layerNorm(this.rt, rows, n, x.subarray(0, rows * n), gamma, beta, eps), 'layerNorm');
    y.set(this.read(f.y, rows * n, 'layerNorm'));
    const stats = this.read(f.stats, 2 * rows, 'layerNorm');
    for (let r = 0; r < rows; r++) {
      mean[r] = stats[2 * r];
      rstd[r] = stats[2 * r + 1];
    }
  }

  layerNormBackward(
    rows: number, n: number, x: Storage, gamma: Storage | null, mean: Float64Array, rstd: Float64Array,
    dy: Storage, dx: Storage, dgamma: Storage | null, dbeta: Storage | null,
  ): void {
    if (!isF32(x, gamma, dy, dx, dgamma, dbeta) || rows * n < this.offload.layerNorm || rows * n === 0) {
      this.count('cpu', 'layerNormBackward');
      cpuBackend.layerNormBackward(rows, n, x, gamma, mean, rstd, dy, dx, dgamma, dbeta);
      return;
    }
    this.count('device', 'layerNormBackward');
    const stats = new Float32Array(2 * rows);
    for (let r = 0; r < rows; r++) {
      stats[2 * r] = mean[r];
      stats[2 * r + 1] = rstd[r];
    }
    const want = dgamma !== null || dbeta !== null;
    const g = this.now(layerNormBackward(this.rt, rows, n, x.subarray(0, rows * n), gamma, stats, dy.subarray(0, rows * n), want), 'layerNormBackward');
    dx.set(this.read(g.dx, rows * n, 'layerNormBackward'));
    if (g.dParams) {
      const p = this.read(g.dParams, 2 * n, 'layerNormBackward');
      for (let j = 0; j < n; j++) {
        if (dgamma) dgamma[j] += p[j];
        if (dbeta) dbeta[j] += p[n + j];
      }
    }
  }

  /** Frees the compiled kernels and the GL context (or Dawn device). */
  destroy(): void {
    this.rt.destroy();
  }
}
