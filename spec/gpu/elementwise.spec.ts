// Parity of the elementwise kernels with the tensor core's CPU unary / unaryBackward / binary, on every
// backend available: each device op forward and backward on inputs from its domain (positive for log and
// sqrt), GELU-tanh and tanh at |x| = 50 (where gpu.js's own GLSL tanh would be ∞/∞), and the strided
// binary ops with broadcast (stride 0) operands.
//
// Tolerances (first-order float32; u = 2⁻²⁴, one ulp = 2u; GL's exp (3 + 2|x|) ulp, division and sqrt
// 2.5 ulp, log 3 ulp or 2⁻²¹ absolute on [0.5, 2], per GLSL ES 3.00 §4.5.1). With
// e = exp(−2|a|) (relative error ε_e = expErr(2a) + u·|2a|) and t = sign(a)(1 − e)/(1 + e), the tanh
// we compute has |Δt| ≤ 2e·ε_e/(1 + e) + (DIV + 3u)|t|; GELU's argument a = k(x + c x³) carries 4 roundings.
// Each op's bound below is that analysis for its formula, plus u·|result| for the final rounding.
import fc from 'fast-check';
import { it } from 'vitest';
import type { BinaryOp, UnaryOp } from '../../src/tensor/backend.js';
import { type DeviceBinaryOp, type DeviceUnaryOp, binary, binaryCpu, unary, unaryBackward, unaryBackwardCpu, unaryCpu } from '../../src/gpu/kernels/elementwise.js';
import { DIV, SQRT, U, ULP, eachBackend, expErr, expectWithin, host, normals, runtimeFor } from './support.js';

const K = 0.7978845608028654;
const C = 0.044715;

/** |Δtanh(a)| for our overflow-free tanh, plus the argument's own absolute error da. */
function tanhErr(a: number, da: number): number {
  const e = Math.exp(-2 * Math.abs(a));
  const t = Math.tanh(a);
  return (2 * e * (expErr(2 * a) + 2 * U * Math.abs(a))) / (1 + e) + (DIV + 3 * U) * Math.abs(t) + (1 - t * t) * da;
}

/** Bound on |Δf(x)| (forward) for each device op, y = f(x) from the float64 reference. */
const FORWARD: Record<DeviceUnaryOp, (x: number, y: number) => number> = {
  neg: () => 0,
  exp: (x, y) => expErr(x) * Math.abs(y),
  log: (x, y) => (x >= 0.5 && x <= 2 ? 2 ** -21 : 3 * ULP * Math.abs(y)),
  sqrt: (_, y) => SQRT * Math.abs(y),
  tanh: (x) => tanhErr(x, 0),
  sigmoid: (x, y) => (expErr(x) + DIV + 2 * U) * Math.abs(y),
  relu: () => 0,
  geluTanh: (x, y) => {
    const a = K * (x + C * x * x * x);
    return 0.5 * Math.abs(x) * tanhErr(a, 4 * U * K * (Math.abs(x) + Math.abs(C * x * x * x))) + 3 * U * Math.abs(y);
  },
};

/** Bound on |Δdx| for dx = dy·f′(x) (x, y = f(x), dy exact float32 inputs; dx from the reference). */
const BACKWARD: Record<DeviceUnaryOp, (x: number, y: number, dy: number, dx: number) => number> = {
  neg: () => 0,
  exp: (_x, _y, _dy, dx) => U * Math.abs(dx),
  log: (_x, _y, _dy, dx) => DIV * Math.abs(dx),
  sqrt: (_x, _y, _dy, dx) => (DIV + U) * Math.abs(dx),
  tanh: (_x, y, dy, dx) => 2 * U * Math.abs(y * y * dy) + 2 * U * Math.abs(dx),
  sigmoid: (_x, _y, _dy, dx) => 3 * U * Math.abs(dx),
  relu: () => 0,
  geluTanh: (x, _y, dy, dx) => {
    const a = K * (x + C * x * x * x);
    const t = Math.tanh(a);
    const dt = tanhErr(a, 4 * U * K * (Math.abs(x) + Math.abs(C * x * x * x)));
    const q = K * (1 + 3 * C * x * x);
    // f′ = ½(1 + t) + ½x(1 − t²)q: ½Δt from the first term, |x·t·q|Δt from the second, 10 roundings.
    const terms = 0.5 * Math.abs(1 + t) + 0.5 * Math.abs(x * (1 - t * t) * q);
    return Math.abs(dy) * (0.5 * dt + Math.abs(x * t * q) * dt + 10 * U * terms) + U * Math.abs(dx);
  },
};

const DOMAIN: Record<DeviceUnaryOp, (z: number) => number> = {
  neg: (z) => z, exp: (z) => 3 * z, log: (z) => Math.abs(z) + 0.05, sqrt: (z) => Math.abs(z) + 0.05,
  tanh: (z) => 3 * z, sigmoid: (z) => 4 * z, relu: (z) => z, geluTanh: (z) => 3 * z,
};

const OPS = Object.keys(FORWARD) as DeviceUnaryOp[];

function cpuUnary(op: UnaryOp, x: Float32Array): Float64Array {
  const y = new Float64Array(x.length);
  unaryCpu(op, Float64Array.from(x), y);
  return y;
}

eachBackend('elementwise.spec', ({ mode, skip }) => {
  it.skipIf(skip !== null)('every device unary op, forward and backward, on odd lengths from its domain', async () => {
    const rt = runtimeFor(mode);
    for (const op of OPS) {
      for (const [n, seed] of [[1, 1], [37, 2], [130, 3]]) {
        const x = normals(n, seed, DOMAIN[op]);
        const y64 = cpuUnary(op, x);
        const got = await host(rt, unary(rt, op, n, x), n);
        expectWithin(`${mode} ${op} n=${n}`, got, y64, Float64Array.from(x, (v, i) => FORWARD[op](v, y64[i])));

        const y = Float32Array.from(y64);
        const dy = normals(n, seed + 7);
        const dx = new Float64Array(n);
        unaryBackwardCpu(op, Float64Array.from(x), Float64Array.from(y), Float64Array.from(dy), dx);
        const gotDx = await host(rt, unaryBackward(rt, op, n, x, y, dy), n);
        expectWithin(`${mode} ${op}′ n=${n}`, gotDx, dx, Float64Array.from(x, (v, i) => BACKWARD[op](v, y[i], dy[i], dx[i])));
      }
    }
  });

  it.skipIf(skip !== null)('tanh and GELU-tanh stay finite and saturate at |x| = 50 (no ∞/∞)', async () => {
    const rt = runtimeFor(mode);
    const x = Float32Array.from([-50, -20, 20, 50]);
    for (const op of ['tanh', 'geluTanh'] as const) {
      const ref = cpuUnary(op, x);
      const got = await host(rt, unary(rt, op, 4, x), 4);
      expectWithin(`${mode} ${op} saturation`, got, ref, Float64Array.from(x, (v, i) => FORWARD[op](v, ref[i])));
    }
  });

  it.skipIf(skip !== null)('strided binary ops with broadcast operands match the CPU reference', async () => {
    const rt = runtimeFor(mode);
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          op: fc.constantFrom<DeviceBinaryOp>('add', 'sub', 'mul', 'div'),
          n: fc.integer({ min: 1, max: 41 }),
          aS: fc.constantFrom(0, 1, 2),
          bS: fc.constantFrom(0, 1, 3),
          aOff: fc.integer({ min: 0, max: 3 }),
          bOff: fc.integer({ min: 0, max: 3 }),
          seed: fc.nat(),
        }),
        async ({ op, n, aS, bS, aOff, bOff, seed }) => {
          const a = normals(aOff + (n - 1) * aS + 1, seed);
          const b = normals(bOff + (n - 1) * bS + 1, seed + 1, (z) => (op === 'div' ? Math.sign(z || 1) * (0.1 + Math.abs(z)) : z));
          const ref = new Float64Array(n);
          binaryCpu(op as BinaryOp, n, Float64Array.from(a), aOff, aS, Float64Array.from(b), bOff, bS, ref, 0);
          const got = await host(rt, binary(rt, op, n, a, aOff, aS, b, bOff, bS), n);
          expectWithin(`${mode} ${op} n=${n} strides ${aS}/${bS}`, got, ref, Float64Array.from(ref, (v) => (op === 'div' ? DIV : U) * Math.abs(v)));
        },
      ),
      { numRuns: mode === 'headlessgl' ? 8 : 25 },
    );
  });
});
