// Parity of the batched matmul kernels with the tensor core's reference triple loop, on every backend
// available: the forward product A·B and both backward products (dC·Bᵀ and Aᵀ·dC, i.e. transposed
// operands read through swapped strides), random shapes with odd sizes and sizes that are no multiple of
// any tile (tile4x4 pads to 4, rows4 to row blocks of 4), batch 1, and an operand shared by the batch.
//
// Tolerance: a float32 inner product of K terms, in any summation order, is within γ_K·Σ|a_k||b_k| of the
// exact value (Higham, Accuracy and Stability of Numerical Algorithms, eq. 3.5). The tile kernel adds
// padding zeros (exact) and groups 4 products before accumulating, so each term sees at most K + 1
// roundings: bound γ_{K+1}·(|A|·|B|)_ij, with |A|·|B| computed by the same reference on absolute values.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { type MatmulShape, type MatmulVariant, matmul, matmulReference } from '../../src/gpu/kernels/matmul.js';
import { type Layout, rowMajor, transposed } from '../../src/gpu/kernels/types.js';
import type { GpuMode } from '../../src/gpu/modes.js';
import { abs, eachBackend, expectWithin, gamma, host, normals, runtimeFor } from './support.js';

/** The matmul variants each backend can run (the default first). */
const VARIANTS: Record<GpuMode, MatmulVariant[]> = {
  headlessgl: ['tile4x4', 'naive'],
  webasm: ['rows4', 'naive'],
  cpu: ['naive'],
  webgpu: ['naive'],
};

interface Case {
  readonly s: MatmulShape;
  readonly transA: boolean;
  readonly transB: boolean;
  /** B has batch stride 0 (one weight matrix for every batch entry, as in a Linear layer). */
  readonly shareB: boolean;
  readonly seed: number;
}

function layouts(c: Case): { la: Layout; lb: Layout } {
  const { M, N, K } = c.s;
  const la = c.transA ? transposed(M, K) : rowMajor(M, K);
  const lb0 = c.transB ? transposed(K, N) : rowMajor(K, N);
  return { la, lb: c.shareB ? { ...lb0, bs: 0 } : lb0 };
}

async function check(mode: GpuMode, variant: MatmulVariant, c: Case): Promise<void> {
  const rt = runtimeFor(mode);
  const { batch, M, N, K } = c.s;
  const { la, lb } = layouts(c);
  const a = normals(batch * M * K, c.seed);
  const b = normals((c.shareB ? 1 : batch) * K * N, c.seed + 1);
  const ref = matmulReference(c.s, a, la, b, lb);
  const bound = matmulReference(c.s, abs(a), la, abs(b), lb).map((v) => gamma(K + 1) * v);
  const got = await host(rt, matmul(rt, c.s, a, la, b, lb, variant), batch * M * N);
  expectWithin(`${mode}/${variant} ${batch}×${M}×${N}×${K} tA=${c.transA} tB=${c.transB} shareB=${c.shareB}`, got, ref, bound);
}

// Small dims keep GL compiles (one per shape) affordable; 1…13 covers 1, odd, and non-multiples of 4.
const caseArb: fc.Arbitrary<Case> = fc.record({
  s: fc.record({
    batch: fc.integer({ min: 1, max: 3 }),
    M: fc.integer({ min: 1, max: 13 }),
    N: fc.integer({ min: 1, max: 13 }),
    K: fc.integer({ min: 1, max: 13 }),
  }),
  transA: fc.boolean(),
  transB: fc.boolean(),
  shareB: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 30 }),
});

eachBackend('matmul.spec', ({ mode, skip }) => {
  for (const variant of VARIANTS[mode]) {
    it.skipIf(skip !== null)(`${variant}: A·B on fixed awkward shapes (1×1×1, batch 1, sizes 5/7/3, K = 1, 17×9×33)`, async () => {
      for (const s of [
        { batch: 1, M: 1, N: 1, K: 1 },
        { batch: 1, M: 5, N: 7, K: 3 },
        { batch: 2, M: 3, N: 2, K: 1 },
        { batch: 1, M: 17, N: 9, K: 33 },
      ]) {
        await check(mode, variant, { s, transA: false, transB: false, shareB: false, seed: 7 });
      }
    });

    it.skipIf(skip !== null)(`${variant}: the backward products dC·Bᵀ and Aᵀ·dC (transposed operands by strides)`, async () => {
      const s = { batch: 2, M: 6, N: 5, K: 9 };
      await check(mode, variant, { s, transA: false, transB: true, shareB: false, seed: 11 }); // dA = dC·Bᵀ
      await check(mode, variant, { s, transA: true, transB: false, shareB: false, seed: 12 }); // dB = Aᵀ·dC
    });

    it.skipIf(skip !== null)(`${variant}: random shapes, transposes and a shared B match the reference`, async () => {
      await fc.assert(fc.asyncProperty(caseArb, (c) => check(mode, variant, c)), { numRuns: mode === 'headlessgl' ? 8 : 25 });
    });
  }

  it.skipIf(skip !== null)('the bound can fail: a product with one input perturbed by 1e-3 is rejected', async () => {
    const rt = runtimeFor(mode);
    const s = { batch: 1, M: 4, N: 4, K: 8 };
    const a = normals(32, 3);
    const b = normals(32, 4);
    const got = await host(rt, matmul(rt, s, a, rowMajor(4, 8), b, rowMajor(8, 4)), 16);
    const wrong = a.slice();
    wrong[0] += 1e-3;
    const ref = matmulReference(s, wrong, rowMajor(4, 8), b, rowMajor(8, 4));
    const bound = matmulReference(s, abs(wrong), rowMajor(4, 8), abs(b), rowMajor(8, 4)).map((v) => gamma(9) * v);
    expect(() => expectWithin('perturbed', got, ref, bound)).toThrow(/first failure/);
  });
});
