// Parity of the reduction kernels (row sums, column sums, the total) with float64 loops, on every
// backend available. Tolerance: recursive float32 summation of L terms is within γ_{L−1}·Σ|x| of the
// exact sum (Higham §4.2); the total is a column sum then a row sum, so γ_{rows−1} + γ_{n−1} ≤ γ_{rows+n−2}
// applied to Σ|x|.
import fc from 'fast-check';
import { it } from 'vitest';
import { colSum, colSumReference, rowSum, rowSumReference, sum } from '../../src/gpu/kernels/reduce.js';
import { abs, eachBackend, expectWithin, gamma, host, normals, runtimeFor } from './support.js';

eachBackend('reduce.spec', ({ mode, skip }) => {
  it.skipIf(skip !== null)('row sums, column sums and the total match float64 sums', async () => {
    const rt = runtimeFor(mode);
    await fc.assert(
      fc.asyncProperty(
        fc.record({ rows: fc.integer({ min: 1, max: 17 }), n: fc.integer({ min: 1, max: 29 }), seed: fc.nat() }),
        async ({ rows, n, seed }) => {
          const x = normals(rows * n, seed, (z) => z + 0.5); // a nonzero mean: sums grow with the length
          const ax = abs(x);
          const label = `${mode} ${rows}×${n}`;
          const rs = rowSumReference(rows, n, x);
          expectWithin(`${label} rowSum`, await host(rt, rowSum(rt, rows, n, x), rows), rs, rowSumReference(rows, n, ax).map((v) => gamma(n - 1) * v));
          const cs = colSumReference(rows, n, x);
          expectWithin(`${label} colSum`, await host(rt, colSum(rt, rows, n, x), n), cs, colSumReference(rows, n, ax).map((v) => gamma(rows - 1) * v));
          const total = rs.reduce((p, v) => p + v, 0);
          const totalAbs = ax.reduce((p, v) => p + v, 0);
          expectWithin(`${label} sum`, await host(rt, sum(rt, rows, n, x), 1), [total], gamma(rows + n - 2) * totalAbs);
        },
      ),
      { numRuns: mode === 'headlessgl' ? 6 : 20 },
    );
  });
});
