// The WebAssembly SIMD micro-kernel (cpu/gemm-wasm.ts) against the JavaScript one (cpu/gemm.ts): same
// double multiply and add per element in the same order, so the products must be bit-identical, not
// close. Both kernels are built here side by side (makeGemmKernel(gemmWasm) and makeGemmKernel(null)),
// through the plain entry and the packed-B entry the thread pool uses, and through the pool itself with
// each kernel selected (setGemmSimd).
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as T from '../../src/tensor/index.js';
import { gemmWasm, gemmWasmUnavailable, makeGemmKernel } from '../../src/tensor/cpu/gemm.js';
import { gemmWasmBytes } from '../../src/tensor/cpu/gemm-wasm.js';
import { gemm as poolGemm, gemmPoolStats, setGemmSimd, shutdownGemmPool } from '../../src/tensor/cpu/gemm-pool.js';
import { type GemmCase, gemmCaseArb, gemmOperands } from './gemm-cases.js';

type Case = GemmCase & { seed: number };
const operands = (c: Case) => gemmOperands(c, new T.Rng(c.seed));

/** Index of the first element whose bits differ, or -1 (NaN matches NaN: payloads are not specified). */
function firstDifference(got: T.Storage, want: T.Storage): number {
  for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) return i;
  return -1;
}

// M crosses MC = 64 and the 4-row tiles, K crosses KC = 256
const caseArb = gemmCaseArb({ M: [1, 70], N: [1, 40], K: [1, 300] });

describe('WebAssembly SIMD micro-kernel = JavaScript micro-kernel, bit for bit', () => {
  it('compiles on this Node (WebAssembly SIMD is in Node ≥ 16.4); the module validates', () => {
    expect(gemmWasmUnavailable).toBeNull();
    expect(gemmWasm).not.toBeNull();
    expect(WebAssembly.validate(gemmWasmBytes())).toBe(true);
  });

  const simd = makeGemmKernel(gemmWasm);
  const js = makeGemmKernel(null);

  it('gemm: random shapes, transposes, offsets, padded C rows, float32 and float64', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { a, b, aRs, aCs, bRs, bCs, ldc, c0 } = operands(c);
        const got = c0.slice();
        const want = c0.slice();
        simd.gemm(c.M, c.N, c.K, a, c.offA, aRs, aCs, b, c.offB, bRs, bCs, got, 0, ldc);
        js.gemm(c.M, c.N, c.K, a, c.offA, aRs, aCs, b, c.offB, bRs, bCs, want, 0, ldc);
        expect(firstDifference(got, want)).toBe(-1);
      }),
      { numRuns: 150 },
    );
  });

  it('packB + gemmPacked (the pool workers\' path), reusing the cached B slice across row chunks', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { a, b, aRs, aCs, bRs, bCs, ldc, c0 } = operands(c);
        const results = [simd, js].map((k) => {
          const pb = new Float64Array(k.packedBLength(c.K, c.N));
          k.packB(c.K, c.N, b, c.offB, bRs, bCs, pb, 0);
          const out = c0.slice();
          const half = Math.ceil(c.M / 2); // two row chunks with one B key: the second reuses the copy
          k.gemmPacked(half, c.N, c.K, a, c.offA, aRs, aCs, pb, 0, 7, out, 0, ldc);
          if (c.M > half) k.gemmPacked(c.M - half, c.N, c.K, a, c.offA + half * aRs, aRs, aCs, pb, 0, 7, out, half * ldc, ldc);
          return out;
        });
        expect(firstDifference(results[0], results[1])).toBe(-1);
      }),
      { numRuns: 60 },
    );
  });

  it('across the NC = 1024 column block, and with ±∞, NaN, signed zeros and subnormals in the operands', () => {
    const c: Case = { M: 9, N: 1030, K: 260, transA: false, transB: true, offA: 1, offB: 2, ldcPad: 1, dtype: 'float64', seed: 3 };
    const { a, b, aRs, aCs, bRs, bCs, ldc, c0 } = operands(c);
    const specials = [Infinity, -Infinity, NaN, -0, 0, 5e-324, -2.5e-310];
    specials.forEach((v, i) => { a[1 + 37 * i] = v; b[2 + 101 * i] = v; });
    const got = c0.slice();
    const want = c0.slice();
    simd.gemm(c.M, c.N, c.K, a, c.offA, aRs, aCs, b, c.offB, bRs, bCs, got, 0, ldc);
    js.gemm(c.M, c.N, c.K, a, c.offA, aRs, aCs, b, c.offB, bRs, bCs, want, 0, ldc);
    expect(firstDifference(got, want)).toBe(-1);
    expect(got.some(Number.isNaN)).toBe(true); // the specials did reach C
  });
});

describe('the pool runs whichever kernel is selected, with the same results', () => {
  afterAll(async () => {
    setGemmSimd(true);
    await shutdownGemmPool();
  });

  it('setGemmSimd(false) → js, (true) → wasm-simd; a big product gives the same bits either way', () => {
    const c: Case = { M: 130, N: 70, K: 120, transA: true, transB: false, offA: 2, offB: 0, ldcPad: 1, dtype: 'float32', seed: 9 };
    const { a, b, aRs, aCs, bRs, bCs, ldc, c0 } = operands(c);
    const run = (on: boolean) => {
      setGemmSimd(on);
      expect(gemmPoolStats().kernel).toBe(on ? 'wasm-simd' : 'js');
      const out = c0.slice();
      poolGemm(c.M, c.N, c.K, a, c.offA, aRs, aCs, b, c.offB, bRs, bCs, out, 0, ldc);
      return out;
    };
    expect(firstDifference(run(true), run(false))).toBe(-1);
  });
});
