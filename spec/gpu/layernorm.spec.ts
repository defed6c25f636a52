// Parity of the layer-norm kernels (forward: y, μ, rstd; backward: dx, dγ, dβ) with the tensor core's
// CPU layerNorm / layerNormBackward, on every backend available, with and without γ and β, odd widths,
// one row, and rows with a large mean (|μ| ≫ σ, where a one-pass variance would cancel).
//
// Tolerance (first-order float32 analysis; u = 2⁻²⁴; DIV, SQRT: GL's 2.5 ulp):
//   μ = Σx/n               |Δμ| ≤ γ_n·Σ|x|/n + DIV·|μ|
//   d_j = x_j − μ̂          |Δd_j| ≤ |Δμ| + u|d_j|
//   v = Σd²/n              |Δv| ≤ (γ_{n+1} + DIV)·v + 2·Σ|d_j||Δd_j|/n
//   rstd = 1/√(v + eps)    relative ρ = ½(|Δv| + u(v + eps))/(v + eps) + SQRT + DIV
//   y = d·rstd·γ + β       |Δy_j| ≤ rstd·|γ_j|·(|Δd_j| + |d_j|(ρ + 2u)) + u|y_j|
// Backward, from the same float32 statistics on both sides (x̂ rounds twice, g = dy·γ once):
//   m1 = Σg/n, m2 = Σg·x̂/n   |Δm1| ≤ γ_n·Σ|g|/n + DIV|m1|,  |Δm2| ≤ γ_{n+3}·Σ|g||x̂|/n + DIV|m2|
//   dx = rstd·(g − m1 − x̂·m2) |Δdx_j| ≤ rstd·(|Δm1| + |x̂_j||Δm2| + 6u(|g_j| + |m1| + |x̂_j m2|)) + u|dx_j|
//   dγ = Σ_r dy·x̂, dβ = Σ_r dy   within γ_{rows+3}·Σ|dy||x̂| and γ_rows·Σ|dy|
import fc from 'fast-check';
import { it } from 'vitest';
import { layerNorm, layerNormBackward, layerNormBackwardCpu, layerNormCpu } from '../../src/gpu/kernels/layernorm.js';
import { DIV, SQRT, U, eachBackend, expectWithin, gamma, host, normals, runtimeFor } from './support.js';

const EPS = 1e-5;

const caseArb = fc.record({
  rows: fc.integer({ min: 1, max: 7 }),
  n: fc.integer({ min: 1, max: 33 }),
  affine: fc.boolean(),
  offset: fc.constantFrom(0, 100), // a large mean: the two-pass variance must not cancel
  seed: fc.integer({ min: 0, max: 2 ** 30 }),
});

interface Case {
  rows: number; n: number; affine: boolean; offset: number; seed: number;
}

function inputs(c: Case) {
  const { rows, n } = c;
  const x = normals(rows * n, c.seed, (z) => z + c.offset);
  const g = c.affine ? normals(n, c.seed + 1, (z) => 1 + 0.5 * z) : null;
  const b = c.affine ? normals(n, c.seed + 2) : null;
  return { x, g, b };
}

eachBackend('layernorm.spec', ({ mode, skip }) => {
  const runs = mode === 'headlessgl' ? 6 : 20;

  it.skipIf(skip !== null)('forward: y, mean and rstd match the CPU reference', async () => {
    const rt = runtimeFor(mode);
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const { rows, n } = c;
        const { x, g, b } = inputs(c);
        const y = new Float64Array(rows * n);
        const mean = new Float64Array(rows);
        const rstd = new Float64Array(rows);
        layerNormCpu(rows, n, Float64Array.from(x), g && Float64Array.from(g), b && Float64Array.from(b), EPS, y, mean, rstd);
        const yBound = new Float64Array(rows * n);
        const muBound = new Float64Array(rows);
        const rsBound = new Float64Array(rows);
        for (let r = 0; r < rows; r++) {
          let sumAbs = 0;
          for (let j = 0; j < n; j++) sumAbs += Math.abs(x[r * n + j]);
          const dMu = (gamma(n) * sumAbs) / n + DIV * Math.abs(mean[r]);
          const v = 1 / rstd[r] ** 2 - EPS;
          let cross = 0;
          for (let j = 0; j < n; j++) {
            const d = x[r * n + j] - mean[r];
            cross += Math.abs(d) * (dMu + U * Math.abs(d));
          }
          const dV = (gamma(n + 1) + DIV) * v + (2 * cross) / n;
          const rho = (0.5 * (dV + U * (v + EPS))) / (v + EPS) + SQRT + DIV;
          muBound[r] = dMu;
          rsBound[r] = rho * rstd[r];
          for (let j = 0; j < n; j++) {
            const d = x[r * n + j] - mean[r];
            const dd = dMu + U * Math.abs(d);
            yBound[r * n + j] = rstd[r] * Math.abs(g ? g[j] : 1) * (dd + Math.abs(d) * (rho + 2 * U)) + U * Math.abs(y[r * n + j]);
          }
        }
        const f = await layerNorm(rt, rows, n, x, g, b, EPS);
        const got = await host(rt, f.y, rows * n);
        const stats = await host(rt, f.stats, 2 * rows);
        const label = `${mode} layerNorm ${rows}×${n} affine=${c.affine} offset=${c.offset}`;
        expectWithin(`${label} y`, got, y, yBound);
        expectWithin(`${label} mean`, stats.filter((_, i) => i % 2 === 0), mean, muBound);
        expectWithin(`${label} rstd`, stats.filter((_, i) => i % 2 === 1), rstd, rsBound);
      }),
      { numRuns: runs },
    );
  });

  it.skipIf(skip !== null)('backward: dx, dγ and dβ match the CPU reference', async () => {
    const rt = runtimeFor(mode);
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const { rows, n } = c;
        const { x, g } = inputs(c);
        const dy = normals(rows * n, c.seed + 3);
        // Statistics from the float64 reference, rounded to float32: both sides then use the same values.
        const mean64 = new Float64Array(rows);
        const rstd64 = new Float64Array(rows);
        layerNormCpu(rows, n, Float64Array.from(x), null, null, EPS, new Float64Array(rows * n), mean64, rstd64);
        const stats = new Float32Array(2 * rows);
        for (let r = 0; r < rows; r++) {
          stats[2 * r] = mean64[r];
          stats[2 * r + 1] = rstd64[r];
          mean64[r] = stats[2 * r];
          rstd64[r] = stats[2 * r + 1];
        }
        const dx = new Float64Array(rows * n);
        const dg = new Float64Array(n);
        const db = new Float64Array(n);
        layerNormBackwardCpu(rows, n, Float64Array.from(x), g && Float64Array.from(g), mean64, rstd64, Float64Array.from(dy), dx, dg, db);

        const dxBound = new Float64Array(rows * n);
        const dgBound = new Float64Array(n);
        const dbBound = new Float64Array(n);
        for (let r = 0; r < rows; r++) {
          const xh = (j: number): number => (x[r * n + j] - mean64[r]) * rstd64[r];
          const gg = (j: number): number => dy[r * n + j] * (g ? g[j] : 1);
          let m1 = 0, m2 = 0, a1 = 0, a2 = 0;
          for (let j = 0; j < n; j++) {
            m1 += gg(j); m2 += gg(j) * xh(j);
            a1 += Math.abs(gg(j)); a2 += Math.abs(gg(j) * xh(j));
            dgBound[j] += gamma(rows + 3) * Math.abs(dy[r * n + j] * xh(j));
            dbBound[j] += gamma(rows) * Math.abs(dy[r * n + j]);
          }
          m1 /= n; m2 /= n;
          const dm1 = (gamma(n) * a1) / n + DIV * Math.abs(m1);
          const dm2 = (gamma(n + 3) * a2) / n + DIV * Math.abs(m2);
          for (let j = 0; j < n; j++) {
            const t = Math.abs(gg(j)) + Math.abs(m1) + Math.abs(xh(j) * m2);
            dxBound[r * n + j] = rstd64[r] * (dm1 + Math.abs(xh(j)) * dm2 + 6 * U * t) + U * Math.abs(dx[r * n + j]);
          }
        }
        const res = await layerNormBackward(rt, rows, n, x, g, stats, dy, true);
        const label = `${mode} layerNormBackward ${rows}×${n} affine=${c.affine} offset=${c.offset}`;
        expectWithin(`${label} dx`, await host(rt, res.dx, rows * n), dx, dxBound);
        const p = await host(rt, res.dParams, 2 * n);
        expectWithin(`${label} dγ`, p.subarray(0, n), dg, dgBound);
        expectWithin(`${label} dβ`, p.subarray(n), db, dbBound);
      }),
      { numRuns: runs },
    );
  });
});
