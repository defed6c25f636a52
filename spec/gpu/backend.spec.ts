// The tensor seam on gpu.js (src/gpu/backend.ts) against the CPU reference backend, call by call, on every
// backend that can sit behind the synchronous seam (webgpu cannot: factory.spec.ts checks that it says
// so): the seam's conventions (strided operands, offsets, accumulation into C, dγ, dβ, null γ/β, Float64
// statistics) are what is new here; the kernels' numerics are covered by the kernel specs, so the bounds
// are theirs (γ_{K+1}·|A||B| for gemm, one rounding for add, …), plus one float32 rounding of the
// reference where it accumulates in double.
//
// Routing: float64 storage stays on the CPU (no silent downcast), calls below the offload thresholds go
// to the CPU, and with offload 'all' the float32 calls go to the device; the `calls` map shows which.
import { afterEach, expect, it } from 'vitest';
import { GpuBackend } from '../../src/gpu/backend.js';
import * as T from '../../src/tensor/index.js';
import { layerNorm, layerNormBackward } from '../../src/gpu/kernels/layernorm.js';
import { U, abs, eachBackend, expectWithin, gamma, host, normals, runtimeFor } from './support.js';

const cpu = T.cpuBackend;

afterEach(() => T.setBackend(cpu));

eachBackend('backend.spec', ({ mode, skip }) => {
  const seamSkip = skip !== null || mode === 'webgpu';
  const backend = (offload: 'all' | 'auto' = 'all'): GpuBackend => new GpuBackend(runtimeFor(mode), 'spec', offload);

  it.skipIf(seamSkip)('gemm: C += A·B with strided, offset and transposed operands into a strided C', () => {
    const be = backend();
    // A is the transpose of a 7×5 block inside a wider buffer; B a 7×6 block with row stride 9; C has an
    // offset and row stride 8, and starts non-zero (gemm accumulates).
    const M = 5, K = 7, N = 6;
    const a = normals(3 + 7 * 6, 1); // A(i, k) = a[3 + k·6 + i]
    const b = normals(2 + 7 * 9, 2); // B(k, j) = b[2 + k·9 + j]
    const c0 = normals(4 + 5 * 8, 3);
    const cGpu = c0.slice();
    const cRef = Float64Array.from(c0);
    be.gemm(M, N, K, a, 3, 1, 6, b, 2, 9, 1, cGpu, 4, 8);
    cpu.gemm(M, N, K, Float64Array.from(a), 3, 1, 6, Float64Array.from(b), 2, 9, 1, cRef, 4, 8);
    const absAB = new Float64Array(cRef.length);
    cpu.gemm(M, N, K, abs(a), 3, 1, 6, abs(b), 2, 9, 1, absAB, 4, 8);
    // the product's γ_{K+1}·|A||B|, then the += into C rounds once more
    const bound = absAB.map((v, i) => gamma(K + 1) * v + U * Math.abs(cRef[i]));
    expectWithin(`${mode} seam gemm`, cGpu, cRef, bound);
    expect(be.calls.get('device:gemm')).toBe(1);
  });

  it.skipIf(seamSkip)('binary, unary and unaryBackward write at the seam\'s offsets; pow and exact gelu go to the CPU', () => {
    const be = backend();
    const a = normals(20, 4);
    const b = normals(1, 5); // broadcast scalar (stride 0)
    const out = new Float32Array(25);
    const ref = new Float64Array(25);
    be.binary('mul', 9, a, 2, 2, b, 0, 0, out, 5);
    cpu.binary('mul', 9, Float64Array.from(a), 2, 2, Float64Array.from(b), 0, 0, ref, 5);
    expectWithin(`${mode} seam binary`, out, ref, Float64Array.from(ref, (v) => U * Math.abs(v)));

    const x = normals(11, 6);
    const y = new Float32Array(11);
    const yRef = new Float64Array(11);
    be.unary('relu', x, y);
    cpu.unary('relu', Float64Array.from(x), yRef);
    expectWithin(`${mode} seam relu`, y, yRef, 0);
    const dx = new Float32Array(11);
    const dxRef = new Float64Array(11);
    const dy = normals(11, 7);
    be.unaryBackward('relu', x, y, dy, dx);
    cpu.unaryBackward('relu', Float64Array.from(x), yRef, Float64Array.from(dy), dxRef);
    expectWithin(`${mode} seam relu′`, dx, dxRef, 0);

    be.binary('pow', 3, a, 0, 1, b, 0, 0, out, 0);
    be.unary('gelu', x, y);
    expect(be.calls.get('cpu:binary:pow')).toBe(1);
    expect(be.calls.get('cpu:unary:gelu')).toBe(1);
    expect(be.calls.get('device:binary:mul')).toBe(1);
  });

  it.skipIf(seamSkip)('layerNorm forward and backward: Float64 statistics out, dγ and dβ accumulated with +=', async () => {
    // The seam runs the layer-norm kernels (checked against the reference in layernorm.spec.ts); here its
    // results must equal those kernels' exactly: same kernels, same inputs, only the plumbing differs.
    const be = backend();
    const rt = runtimeFor(mode);
    const rows = 3, n = 5;
    const x = normals(rows * n, 8, (z) => z + 2);
    const g = normals(n, 9, (z) => 1 + 0.3 * z);
    const y = new Float32Array(rows * n);
    const mean = new Float64Array(rows);
    const rstd = new Float64Array(rows);
    be.layerNorm(rows, n, x, g, null, 1e-5, y, mean, rstd);
    const f = await layerNorm(rt, rows, n, x, g, null, 1e-5);
    expectWithin(`${mode} seam layerNorm y`, y, await host(rt, f.y, rows * n), 0);
    const stats = await host(rt, f.stats, 2 * rows);
    expectWithin(`${mode} seam layerNorm mean`, mean, stats.filter((_, i) => i % 2 === 0), 0);
    expectWithin(`${mode} seam layerNorm rstd`, rstd, stats.filter((_, i) => i % 2 === 1), 0);

    const dy = normals(rows * n, 10);
    const dx = new Float32Array(rows * n);
    const dg = Float32Array.from([1, 1, 1, 1, 1]); // non-zero: the seam accumulates
    const db = Float32Array.from([2, 2, 2, 2, 2]);
    be.layerNormBackward(rows, n, x, g, mean, rstd, dy, dx, dg, db);
    const r = await layerNormBackward(rt, rows, n, x, g, stats, dy, true);
    expectWithin(`${mode} seam layerNorm dx`, dx, await host(rt, r.dx, rows * n), 0);
    const p = await host(rt, r.dParams, 2 * n);
    expectWithin(`${mode} seam layerNorm dγ`, dg, Array.from(p.subarray(0, n), (v) => Math.fround(1 + v)), 0);
    expectWithin(`${mode} seam layerNorm dβ`, db, Array.from(p.subarray(n), (v) => Math.fround(2 + v)), 0);
    expect(be.calls.get('device:layerNorm')).toBe(1);
    expect(be.calls.get('device:layerNormBackward')).toBe(1);
  });

  it.skipIf(seamSkip)('routing: float64 stays on the CPU, small calls follow the thresholds, tensor ops reach the device', () => {
    const all = backend('all');
    T.setBackend(all);
    const rng = new T.Rng(3);
    const x = T.randn([4, 6], rng, { dtype: 'float32', requiresGrad: true });
    const w = T.randn([6, 3], rng, { dtype: 'float32', requiresGrad: true });
    x.matmul(w).gelu('tanh').softmax().sum().backward();
    for (const k of ['device:gemm', 'device:unary:geluTanh', 'device:softmax', 'device:softmaxBackward', 'device:unaryBackward:geluTanh']) {
      expect(all.calls.get(k), k).toBeGreaterThan(0);
    }
    expect(x.grad && Number.isFinite(x.grad.data[0])).toBe(true);

    const x64 = T.randn([4, 6], rng, { dtype: 'float64' });
    x64.matmul(T.randn([6, 3], rng, { dtype: 'float64' }));
    expect(all.calls.get('cpu:gemm')).toBe(1);

    const auto = backend('auto');
    T.setBackend(auto);
    T.randn([4, 6], rng, { dtype: 'float32' }).matmul(T.randn([6, 3], rng, { dtype: 'float32' })); // 72 MACs
    expect(auto.calls.get('cpu:gemm')).toBe(1);
  });
});
