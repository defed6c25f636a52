// The tiled gemm kernel against the plain triple loop (cpu/gemm.ts keeps both): random sizes that cross
// the 4×4 micro-tiles and the KC/MC/NC cache blocks, transposed operands through strides, offsets, and
// the accumulate-into-C contract the backward pass relies on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../../src/tensor/index.js';
import { gemm, gemmReference } from '../../src/tensor/cpu/gemm.js';
import { type GemmCase, gemmCaseArb, gemmOperands } from './gemm-cases.js';
import { TOL, expectClose } from './helpers.js';

/**
 * Both kernels accumulate in double, so float64 results differ only by summation order: ≲ K·ε·Σ|a·b|,
 * within 1e-12 for K ≤ 300 and O(1) entries. float32 results are one rounding of a double sum per
 * KC-slice (vs once at the end): ≲ 2 ulp, i.e. 1e-5 relative of sums of size ~√K.
 */
const TOLS = { float64: { atol: 1e-12, rtol: 1e-12 }, float32: { atol: 1e-5, rtol: 1e-5 } } as const;

const caseArb = gemmCaseArb({ M: [1, 70], N: [1, 70], K: [1, 40] });

function run(c: GemmCase, rng: T.Rng): void {
  const { M, N, K, offA, offB } = c;
  const { a, b, aRs, aCs, bRs, bCs, ldc, c0 } = gemmOperands(c, rng);
  const got = c0.slice();
  const want = c0.slice();
  gemm(M, N, K, a, offA, aRs, aCs, b, offB, bRs, bCs, got, 0, ldc);
  gemmReference(M, N, K, a, offA, aRs, aCs, b, offB, bRs, bCs, want, 0, ldc);
  expectClose(got, want, TOLS[c.dtype]);
}

describe('gemm: tiled kernel = triple loop', () => {
  it('random sizes, transposes, offsets, padded C rows, both dtypes (C += A·B)', () => {
    fc.assert(fc.property(caseArb, (c) => run(c, new T.Rng(c.seed))), { numRuns: 200 });
  });
  it('across the KC = 256, MC = 64 and NC = 1024 cache blocks', () => {
    const rng = new T.Rng(1);
    const base = { offA: 1, offB: 2, ldcPad: 1, dtype: 'float64' as const };
    run({ ...base, M: 131, N: 9, K: 517, transA: false, transB: true }, rng);
    run({ ...base, M: 3, N: 1030, K: 5, transA: true, transB: false }, rng);
    run({ ...base, M: 65, N: 66, K: 257, transA: true, transB: true, dtype: 'float32' }, rng);
  });
  it('K = 0 leaves C unchanged', () => {
    const c = new Float64Array([1, 2, 3, 4]);
    gemm(2, 2, 0, new Float64Array(0), 0, 0, 1, new Float64Array(0), 0, 2, 1, c, 0, 2);
    expect(Array.from(c)).toEqual([1, 2, 3, 4]);
  });
});

describe('matmul op: float32 agrees with float64', () => {
  it('batched, broadcast and transposed operands', () => {
    const rng = new T.Rng(2);
    const a64 = T.randn([2, 1, 9, 13], rng, { dtype: 'float64' });
    const b64 = T.randn([3, 11, 13], rng, { dtype: 'float64' });
    const want = T.matmul(a64, b64.transpose()); // (2, 3, 9, 11)
    const got = T.matmul(T.cast(a64, 'float32'), T.cast(b64, 'float32').transpose());
    expect(got.shape).toEqual([2, 3, 9, 11]);
    // float32 inputs carry 6e-8 relative rounding each; sums of 13 products of N(0,1) are O(4).
    expectClose(got.toArray(), want.toArray(), { atol: 1e-5, rtol: TOL.float32.rtol });
  });
});
