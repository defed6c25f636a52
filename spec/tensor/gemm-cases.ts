// Shared by the gemm specs (matmul, gemm-parallel, gemm-wasm): one product case (sizes, transposes
// through strides, offsets, a padded C row, dtype), its fast-check arbitrary, and its random operands.
import fc from 'fast-check';
import * as T from '../../src/tensor/index.js';

export interface GemmCase {
  M: number; N: number; K: number; transA: boolean; transB: boolean;
  offA: number; offB: number; ldcPad: number; dtype: T.DType;
}

export function randomArray(n: number, rng: T.Rng, dtype: T.DType): T.Storage {
  const s = T.allocStorage(dtype, n);
  for (let i = 0; i < n; i++) s[i] = rng.normal();
  return s;
}

/** Cases with M, N, K drawn in the given ranges (and a seed for their operands). */
export function gemmCaseArb(range: { M: [number, number]; N: [number, number]; K: [number, number] }): fc.Arbitrary<GemmCase & { seed: number }> {
  return fc.record({
    M: fc.integer({ min: range.M[0], max: range.M[1] }),
    N: fc.integer({ min: range.N[0], max: range.N[1] }),
    K: fc.integer({ min: range.K[0], max: range.K[1] }),
    transA: fc.boolean(),
    transB: fc.boolean(),
    offA: fc.nat(5),
    offB: fc.nat(5),
    ldcPad: fc.nat(3),
    dtype: fc.constantFrom('float32', 'float64') as fc.Arbitrary<T.DType>,
    seed: fc.nat(),
  });
}

/** A, B (stored (M, K) / (K, N), or transposed), their strides, C's row stride and a random C to accumulate into. */
export function gemmOperands(c: GemmCase, rng: T.Rng) {
  const a = randomArray(c.offA + c.M * c.K, rng, c.dtype);
  const b = randomArray(c.offB + c.K * c.N, rng, c.dtype);
  // element (i, k) of A at offA + i·aRs + k·aCs
  const [aRs, aCs] = c.transA ? [1, c.M] : [c.K, 1];
  const [bRs, bCs] = c.transB ? [1, c.K] : [c.N, 1];
  const ldc = c.N + c.ldcPad;
  return { a, b, aRs, aCs, bRs, bCs, ldc, c0: randomArray(c.M * ldc, rng, c.dtype) };
}
