// The threaded gemm (cpu/gemm-pool.ts) against the single-threaded kernel (cpu/gemm.ts): results must be
// bit-identical, not merely close, because each element of C gets the same arithmetic whichever thread
// computes its rows. So every comparison here is byte-for-byte (no tolerance), and every parallel case
// also checks that the pool really took it (its counters moved), so a silent single-threaded fallback
// cannot pass for a parallel result.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as T from '../../src/tensor/index.js';
import { gemm as serialGemm } from '../../src/tensor/cpu/gemm.js';
import {
  MIN_CHUNK_ROWS, PARALLEL_MIN_MNK, gemm, gemmPoolReady, gemmPoolStats, getGemmThreads, setGemmThreads,
  setMainThreadShare, shutdownGemmPool,
} from '../../src/tensor/cpu/gemm-pool.js';
import { type GemmCase, gemmCaseArb, gemmOperands } from './gemm-cases.js';

/** Byte-for-byte equality of two typed arrays; on failure names the first differing element. */
function expectSameBits(got: T.Storage, want: T.Storage): void {
  expect(got.constructor).toBe(want.constructor);
  expect(got.length).toBe(want.length);
  const g = new Uint8Array(got.buffer, got.byteOffset, got.byteLength);
  const w = new Uint8Array(want.buffer, want.byteOffset, want.byteLength);
  for (let i = 0; i < g.length; i++) {
    if (g[i] !== w[i]) {
      const e = Math.floor(i / got.BYTES_PER_ELEMENT);
      expect.fail(`first differing element [${e}]: ${got[e]} vs single-threaded ${want[e]}`);
    }
  }
}

type Case = GemmCase & { seed: number };

/** C += A·B through the pool and through the serial kernel, from the same random C; returns pool calls made. */
function runBoth(c: Case): number {
  const { M, N, K, offA, offB } = c;
  const { a, b, aRs, aCs, bRs, bCs, ldc, c0: got } = gemmOperands(c, new T.Rng(c.seed));
  const want = got.slice();
  const before = gemmPoolStats().parallelCalls;
  gemm(M, N, K, a, offA, aRs, aCs, b, offB, bRs, bCs, got, 0, ldc);
  serialGemm(M, N, K, a, offA, aRs, aCs, b, offB, bRs, bCs, want, 0, ldc);
  expectSameBits(got, want);
  return gemmPoolStats().parallelCalls - before;
}

// Random products at or above the parallel threshold: K is raised until M·N·K ≥ PARALLEL_MIN_MNK.
// Odd sizes cross the 4×4 tiles, the chunk edges and (K up to ~8000 when N = 1) the KC = 256 slices.
const bigCase: fc.Arbitrary<Case> = gemmCaseArb({ M: [MIN_CHUNK_ROWS + 1, 200], N: [1, 90], K: [1, 300] })
  .map((c) => ({ ...c, K: Math.max(c.K, Math.ceil(PARALLEL_MIN_MNK / (c.M * c.N))) }));

const base = { transA: false, transB: false, offA: 0, offB: 0, ldcPad: 0, dtype: 'float32' as T.DType, seed: 1 };

const cores = availableParallelism();

describe.skipIf(cores < 2)('threaded gemm = single-threaded kernel, bit for bit', () => {
  beforeAll(async () => {
    setGemmThreads(2);
    expect(await gemmPoolReady()).toBe(true);
  });
  afterAll(async () => {
    setMainThreadShare(true);
    setGemmThreads(null);
    await shutdownGemmPool();
  });

  it('random shapes, transposes, offsets, padded C rows, float32 and float64 (main thread and worker share)', () => {
    fc.assert(fc.property(bigCase, (c) => runBoth(c) === 1), { numRuns: 80 });
    expect(gemmPoolStats().disabled).toBeNull();
  });

  it('with every chunk computed by the worker (the main thread claims none)', () => {
    setMainThreadShare(false);
    try {
      fc.assert(
        fc.property(bigCase, (c) => {
          const before = gemmPoolStats().workerChunks;
          const calls = runBoth(c);
          return calls === 1 && gemmPoolStats().workerChunks - before >= 2; // M > MIN_CHUNK_ROWS: 2+ chunks
        }),
        { numRuns: 40 },
      );
    } finally {
      setMainThreadShare(true);
    }
  });

  it('across the NC = 1024 column block and several KC slices', () => {
    setMainThreadShare(false);
    try {
      expect(runBoth({ ...base, M: 70, N: 1030, K: 300, transB: true, offA: 3, ldcPad: 2 })).toBe(1);
      expect(runBoth({ ...base, M: 97, N: 33, K: 1000, transA: true, dtype: 'float64' })).toBe(1);
    } finally {
      setMainThreadShare(true);
    }
  });

  it('threshold: M·N·K = 2^19 goes to the pool, 64·128·63 does not; M ≤ MIN_CHUNK_ROWS never does', () => {
    expect(PARALLEL_MIN_MNK).toBe(2 ** 19);
    expect(runBoth({ ...base, M: 64, N: 128, K: 64 })).toBe(1); // 2^19
    expect(runBoth({ ...base, M: 64, N: 128, K: 63 })).toBe(0); // 2^19 − 8192
    expect(runBoth({ ...base, M: MIN_CHUNK_ROWS, N: 128, K: 128 })).toBe(0); // 2^19, but one chunk
    expect(runBoth({ ...base, M: MIN_CHUNK_ROWS + 1, N: 128, K: 128 })).toBe(1);
  });

  it('one thread: nothing goes to the pool, same bits', () => {
    setGemmThreads(1);
    try {
      expect(getGemmThreads()).toBe(1);
      expect(runBoth({ ...base, M: 128, N: 128, K: 128 })).toBe(0);
    } finally {
      setGemmThreads(2);
    }
  });

  it('restarts after shutdown', async () => {
    await shutdownGemmPool();
    expect(gemmPoolStats().workers).toBe(0);
    // The first big product after a shutdown starts the pool but does not wait for it: it runs here.
    expect(runBoth({ ...base, M: 128, N: 128, K: 128, seed: 2 })).toBe(0);
    expect(await gemmPoolReady()).toBe(true);
    expect(gemmPoolStats().workers).toBe(1);
    setMainThreadShare(false);
    try {
      expect(runBoth({ ...base, M: 128, N: 128, K: 128, seed: 3, dtype: 'float64' })).toBe(1);
    } finally {
      setMainThreadShare(true);
    }
  });

  it('matmul op, forward and both backward products: batched, broadcast, transposed, both dtypes', () => {
    // Each product below is ≥ 2^19 and has > 32 rows, so every gemm of the threaded run goes parallel.
    const run = (dtype: T.DType): T.Storage[] => {
      const rng = new T.Rng(5);
      const a1 = T.randn([3, 70, 90], rng, { dtype, requiresGrad: true }); // fold path: (210, 90)·(90, 80)
      const b1 = T.randn([90, 80], rng, { dtype, requiresGrad: true });
      const a2 = T.randn([2, 1, 64, 96], rng, { dtype, requiresGrad: true }); // batched, broadcast
      const b2 = T.randn([3, 88, 96], rng, { dtype, requiresGrad: true }); // used transposed: (3, 96, 88)
      const y1 = T.matmul(a1, b1);
      const y2 = T.matmul(a2, b2.transpose(-2, -1)); // (2, 3, 64, 88)
      const w1 = T.randn(y1.shape, rng, { dtype });
      const w2 = T.randn(y2.shape, rng, { dtype });
      T.add(T.sum(T.mul(y1, w1)), T.sum(T.mul(y2, w2))).backward();
      return [y1.data, y2.data, a1.grad!.data, b1.grad!.data, a2.grad!.data, b2.grad!.data];
    };
    for (const dtype of ['float32', 'float64'] as const) {
      setGemmThreads(1);
      const want = run(dtype);
      setGemmThreads(2);
      const before = gemmPoolStats().parallelCalls;
      const got = run(dtype);
      // forward 1 + 6 batch entries, backward 2 + 12: all above the threshold
      expect(gemmPoolStats().parallelCalls - before).toBe(21);
      got.forEach((g, i) => expectSameBits(g, want[i]));
    }
  });
});

describe('thread count', () => {
  const saved = process.env.G2RPO_THREADS;
  afterAll(() => {
    if (saved === undefined) delete process.env.G2RPO_THREADS;
    else process.env.G2RPO_THREADS = saved;
    setGemmThreads(null);
  });

  it('defaults to G2RPO_THREADS, else all cores; never more than the cores', () => {
    setGemmThreads(null);
    delete process.env.G2RPO_THREADS;
    expect(getGemmThreads()).toBe(cores);
    process.env.G2RPO_THREADS = '1';
    expect(getGemmThreads()).toBe(1);
    process.env.G2RPO_THREADS = '64';
    expect(getGemmThreads()).toBe(Math.min(64, cores));
    setGemmThreads(1); // an explicit setting wins over the environment
    expect(getGemmThreads()).toBe(1);
  });

  it('rejects a bad count, naming where it came from', () => {
    setGemmThreads(null);
    process.env.G2RPO_THREADS = 'two';
    expect(() => getGemmThreads()).toThrow(/G2RPO_THREADS: must be a positive integer, got "two"/);
    for (const n of [0, -1, 1.5, Number.NaN]) expect(() => setGemmThreads(n)).toThrow(/setGemmThreads/);
  });
});

describe.skipIf(cores < 2)('process lifetime', () => {
  it('a live pool does not keep `node --import tsx` from exiting', () => {
    // A child that starts the pool, runs a big product on it and ends without shutting it down. Its
    // workers sleep in Atomics.wait; unref'd, they must not hold the process (timeout: a hang fails).
    const pool = new URL('../../src/tensor/cpu/gemm-pool.ts', import.meta.url).href;
    const script = `
      import { gemm, gemmPoolReady, gemmPoolStats } from ${JSON.stringify(pool)};
      if (!(await gemmPoolReady())) throw new Error('pool not ready');
      const n = 128, a = new Float64Array(n * n).fill(1), c = new Float64Array(n * n);
      gemm(n, n, n, a, 0, n, 1, a, 0, n, 1, c, 0, n);
      console.log(JSON.stringify({ ...gemmPoolStats(), c0: c[0] }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8', timeout: 30_000, env: { ...process.env, G2RPO_THREADS: '2' },
    });
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/gemm:/); // no fallback warning
    const out = JSON.parse(r.stdout);
    expect(out.parallelCalls).toBe(1);
    expect(out.c0).toBe(128); // Σ 1·1 over k < 128
  });
});
