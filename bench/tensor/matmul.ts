/**
 * The matmul half of the `tensor` bench: square float32 C = A·B at one n, ours (`matmul` of src/tensor,
 * the register-blocked gemm behind it with its WebAssembly SIMD micro-kernel, output allocated per call)
 * beside tfjs-cpu and tfjs-wasm, on the same N(0, 1) operands, and ours again with the JavaScript
 * micro-kernel (bit-identical results) so the SIMD kernel's gain is measured in the same run.
 *
 * Verified before timing (verify.ts): each implementation's first product at the corners, the middle and
 * 64 random entries against a float64 dot product, and every entry of each peer's product against ours,
 * all within the float32 inner-product bound γ_n·Σ|a||b|. The first call doubles as a warm-up; the
 * number of timed calls comes from its time (plan.ts). GFLOP/s counts 2n³ flops per product.
 *
 * Not here: the peers' setup (tfjs.ts), the table (bench/tensor.ts).
 */
import { performance } from 'node:perf_hooks';
import { Rng, type Tensor, fromStorage, gemmPoolStats, matmul, randn, setGemmSimd } from '../../src/tensor/index.js';
import { measure, type Timing } from '../lib/timing.js';
import { runPlan } from './plan.js';
import { type PeerBackend, bindMatmul } from './tfjs.js';
import { checkAgree, checkExact, sampleEntries } from './verify.js';

export const PEERS: readonly PeerBackend[] = ['cpu', 'wasm'];

export interface MatmulResult {
  readonly n: number;
  readonly ours: Timing;
  /**
   * Ours with the JavaScript micro-kernel (setGemmSimd(false)), verified bit-identical to the SIMD
   * product first; null where SIMD does not compile (then `ours` already is the JavaScript kernel).
   */
  readonly oursJs: Timing | null;
  readonly peers: Readonly<Record<PeerBackend, Timing>>;
  /** Largest error / bound ratio over all checks at this n (≤ 1 when verified; how much room was left). */
  readonly worstRatio: number;
}

/** Throughput of one n×n·n×n product taking `ms`: 2n³ flops (a multiply and an add per term). */
export function gflops(n: number, ms: number): number {
  return (2 * n ** 3) / (ms * 1e6);
}

/** One call of `fn`, timed: the verification call, which is also the first warm-up. */
function first<T>(fn: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

/** The same product with the JavaScript micro-kernel: checked bit-identical to `want`, then timed. */
function timeJsKernel(call: () => Tensor, want: ArrayLike<number>, n: number): Timing {
  setGemmSimd(false);
  try {
    const js0 = first(call);
    const got = js0.value.data;
    for (let i = 0; i < got.length; i++) {
      if (!Object.is(got[i], want[i])) throw new Error(`verify: n=${n}: the JavaScript micro-kernel differs from the SIMD one at [${i}] (${got[i]} vs ${want[i]})`);
    }
    return measure(call, () => undefined, runPlan(js0.ms));
  } finally {
    setGemmSimd(true);
  }
}

export async function benchMatmul(n: number, seed: number): Promise<MatmulResult> {
  const rng = new Rng(seed);
  const A = randn([n, n], rng); // (n, n) float32
  const B = randn([n, n], rng); // (n, n) float32
  const a = A.data as Float32Array;
  const b = B.data as Float32Array;
  const entries = sampleEntries(n, n, 64, () => rng.uniform());
  let worstRatio = 0;
  const note = (r: { worstError: number; worstBound: number }): void => {
    worstRatio = Math.max(worstRatio, r.worstBound > 0 ? r.worstError / r.worstBound : 0);
  };

  const ourCall = (): Tensor => matmul(A, B);
  const ours0 = first(ourCall);
  const c = ours0.value.data;
  note(checkExact(`ours n=${n}`, a, b, c, n, n, n, entries));
  // S = |A|·|B| entrywise: the scale of each entry's rounding bound (checkAgree widens for S's own error).
  const abs = (x: Float32Array): Tensor => fromStorage(Float32Array.from(x, Math.abs), [n, n]);
  const s = matmul(abs(a), abs(b)).data;

  const peers = {} as Record<PeerBackend, Timing>;
  for (const backend of PEERS) {
    const bound = await bindMatmul(backend, a, b, n);
    try {
      const peer0 = first(() => bound.run());
      note(checkExact(`tfjs-${backend} n=${n}`, a, b, peer0.value, n, n, n, entries));
      note(checkAgree(`tfjs-${backend} vs ours n=${n}`, peer0.value, c, s, n, n));
      peers[backend] = measure(() => bound.run(), () => undefined, runPlan(peer0.ms));
    } finally {
      bound.dispose();
    }
  }
  const ours = measure(ourCall, () => undefined, runPlan(ours0.ms));
  const oursJs = gemmPoolStats().kernel === 'wasm-simd' ? timeJsKernel(ourCall, c, n) : null;
  return { n, ours, peers, oursJs, worstRatio };
}
