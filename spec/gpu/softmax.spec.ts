// Parity of the softmax kernels with the tensor core's CPU softmax / softmaxBackward (plain rows) and with
// the float64 masked reference (causal and additive masks, scale), on every backend available.
//
// Tolerance: the forward bound is derived step by step in bounds.ts (softmaxBound).
// Backward dx = scale·y·(dy − ⟨dy, y⟩): the dot is within γ_{n+1}·Σ|dy||y|, and the subtraction and two
// products round three times: |Δdx_j| ≤ |scale|·y_j·(γ_{n+1}·Σ|dy||y| + 3u·|dy_j − dot|).
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { MASK_NEG_INF, type SoftmaxMask, maskedSoftmaxReference, softmax, softmaxBackward, softmaxBackwardCpu, softmaxCpu } from '../../src/gpu/kernels/softmax.js';
import { softmaxBound } from './bounds.js';
import { U, eachBackend, expectWithin, gamma, host, normals, runtimeFor } from './support.js';

const shapeArb = fc.record({
  rows: fc.integer({ min: 1, max: 9 }),
  n: fc.integer({ min: 1, max: 37 }),
  seed: fc.integer({ min: 0, max: 2 ** 30 }),
  spread: fc.constantFrom(1, 10, 1e3), // logit scale: 1e3 checks the max subtraction (exp(1e3) overflows)
});

eachBackend('softmax.spec', ({ mode, skip }) => {
  const runs = mode === 'headlessgl' ? 6 : 20;

  it.skipIf(skip !== null)('softmax rows match the CPU reference (odd widths, 1 row, logits up to ±1e3·N(0,1))', async () => {
    const rt = runtimeFor(mode);
    await fc.assert(
      fc.asyncProperty(shapeArb, async ({ rows, n, seed, spread }) => {
        const x = normals(rows * n, seed, (z) => spread * z);
        const ref = new Float64Array(rows * n);
        softmaxCpu(rows, n, Float64Array.from(x), ref);
        const got = await host(rt, softmax(rt, rows, n, x), rows * n);
        expectWithin(`${mode} softmax ${rows}×${n}`, got, ref, softmaxBound(rows, n, x, 1, null, ref));
      }),
      { numRuns: runs },
    );
  });

  it.skipIf(skip !== null)('scaled, causal and additive-masked softmax match the float64 reference; −∞ keys get exactly 0', async () => {
    const rt = runtimeFor(mode);
    await fc.assert(
      fc.asyncProperty(
        fc.record({ BH: fc.integer({ min: 1, max: 3 }), T: fc.integer({ min: 1, max: 7 }), extra: fc.integer({ min: 0, max: 5 }), causal: fc.boolean(), additive: fc.boolean(), seed: fc.nat() }),
        async ({ BH, T, extra, causal, additive, seed }) => {
          const S = T + extra;
          const x = normals(BH * T * S, seed);
          const add = additive ? normals(T * S, seed + 1, (z) => (z > 1 ? -Infinity : z)) : null;
          const mask: SoftmaxMask = { T, causal, additive: add };
          const scale = 1 / Math.sqrt(3);
          const ref = maskedSoftmaxReference(BH * T, S, x, scale, mask);
          const got = await host(rt, softmax(rt, BH * T, S, x, scale, mask), BH * T * S);
          expectWithin(`${mode} masked softmax ${BH}×${T}×${S}`, got, ref, softmaxBound(BH * T, S, x, scale, mask, ref));
          for (let i = 0; i < ref.length; i++) if (ref[i] === 0) expect(got[i], `excluded key [${i}]`).toBe(0);
        },
      ),
      { numRuns: runs },
    );
  });

  it.skipIf(skip !== null)('a row with every key excluded is all zeros (PyTorch gives NaN; documented choice)', async () => {
    const rt = runtimeFor(mode);
    const mask: SoftmaxMask = { T: 2, causal: false, additive: Float32Array.from([-Infinity, -Infinity, -Infinity, 0, 1, 2]) };
    const got = await host(rt, softmax(rt, 2, 3, Float32Array.from([1, 2, 3, 1, 2, 3]), 1, mask), 6);
    expect(Array.from(got.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(got[3] + got[4] + got[5]).toBeCloseTo(1, 6);
  });

  it.skipIf(skip !== null)('softmax backward matches the CPU reference', async () => {
    const rt = runtimeFor(mode);
    await fc.assert(
      fc.asyncProperty(shapeArb, async ({ rows, n, seed }) => {
        const y64 = new Float64Array(rows * n);
        softmaxCpu(rows, n, Float64Array.from(normals(rows * n, seed)), y64);
        const y = Float32Array.from(y64);
        const dy = normals(rows * n, seed + 1);
        const ref = new Float64Array(rows * n);
        softmaxBackwardCpu(rows, n, Float64Array.from(y), Float64Array.from(dy), ref);
        const bound = new Float64Array(rows * n);
        for (let r = 0; r < rows; r++) {
          let dot = 0;
          let absDot = 0;
          for (let j = 0; j < n; j++) {
            dot += dy[r * n + j] * y[r * n + j];
            absDot += Math.abs(dy[r * n + j] * y[r * n + j]);
          }
          for (let j = 0; j < n; j++) bound[r * n + j] = y[r * n + j] * (gamma(n + 1) * absDot + 3 * U * Math.abs(dy[r * n + j] - dot));
        }
        const got = await host(rt, softmaxBackward(rt, rows, n, y, dy), rows * n);
        expectWithin(`${mode} softmax backward ${rows}×${n}`, got, ref, bound);
      }),
      { numRuns: runs },
    );
  });
});
