/**
 * Elementwise kernels: the unary maps of a transformer step with their derivatives (GELU in its tanh
 * form, as GPT-2 and llm.c use it), and the strided binary maps of the tensor seam (a stride of 0
 * broadcasts a value).
 *
 *   geluTanh(x)  = ½x(1 + tanh u),  u = √(2/π)(x + 0.044715x³)
 *   geluTanh′(x) = ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²),  t = tanh u
 *
 * One kernel per op and direction, the op compiled in as a constant (GLSL folds the branches away; webasm
 * takes the uniform branch). tanh is written out as sign(x)·(1 − e)/(1 + e) with e = exp(−2|x|): gpu.js's
 * GLSL tanh is (e^{2x} − 1)/(e^{2x} + 1), which is ∞/∞ = NaN once e^{2x} overflows float32 (x > 44).
 *
 * Supported here: neg, exp, log, sqrt, tanh, sigmoid, relu, geluTanh; add, sub, mul, div. Not here: the
 * exact GELU (GLSL has no erf; the seam sends it to the CPU reference), pow (GLSL's pow is undefined for a
 * negative base, where JavaScript's is defined for integer exponents; also the CPU reference), and NaN
 * propagation through relu (GL does not promise IEEE NaN semantics; the specs do not feed NaN).
 *
 * Reference: the tensor core's `unary`, `unaryBackward` and `binary` (src/tensor/cpu/elementwise.ts).
 */
import { binary as binaryCpu, unary as unaryCpu, unaryBackward as unaryBackwardCpu } from '../../tensor/cpu/elementwise.js';
import type { BinaryOp, UnaryOp } from '../../tensor/backend.js';
import type { Dev, GpuRuntime, Maybe } from '../runtime.js';
import { type KernelThis, checkIndexRange } from './types.js';

export { binaryCpu, unaryCpu, unaryBackwardCpu };

const UNARY_CODES = { neg: 0, exp: 1, log: 2, sqrt: 3, tanh: 4, sigmoid: 5, relu: 6, geluTanh: 7 } as const;
export type DeviceUnaryOp = keyof typeof UNARY_CODES;
const BINARY_CODES = { add: 0, sub: 1, mul: 2, div: 3 } as const;
export type DeviceBinaryOp = keyof typeof BINARY_CODES;

export function isDeviceUnary(op: UnaryOp): op is DeviceUnaryOp {
  return op in UNARY_CODES;
}
export function isDeviceBinary(op: BinaryOp): op is DeviceBinaryOp {
  return op in BINARY_CODES;
}

// ── kernels ───────────────────────────────────────────────────────────────────────────────────────────

/** Output [n]: y = f(x) for the op with code `op`. */
function unaryKernel(this: KernelThis<{ op: number }>, x: number[]): number {
  const v = x[this.thread.x];
  const op = this.constants.op;
  let y = 0;
  if (op === 0) y = -v;
  if (op === 1) y = Math.exp(v);
  if (op === 2) y = Math.log(v);
  if (op === 3) y = Math.sqrt(v);
  if (op === 4 || op === 7) {
    // tanh(u) for u = v (tanh) or the GELU argument, in the overflow-free form.
    let u = v;
    if (op === 7) u = 0.7978845608028654 * (v + 0.044715 * v * v * v);
    const e = Math.exp(-2 * Math.abs(u));
    let t = (1 - e) / (1 + e);
    if (u < 0) t = -t;
    y = t;
    if (op === 7) y = 0.5 * v * (1 + t);
  }
  if (op === 5) y = 1 / (1 + Math.exp(-v));
  if (op === 6) y = v > 0 ? v : 0;
  return y;
}

/** Output [n]: dx = dy·f′(x), from x and y = f(x). */
function unaryBackwardKernel(this: KernelThis<{ op: number }>, x: number[], y: number[], dy: number[]): number {
  const i = this.thread.x;
  const v = x[i];
  const w = y[i];
  const g = dy[i];
  const op = this.constants.op;
  let d = 0;
  if (op === 0) d = -g;
  if (op === 1) d = g * w;
  if (op === 2) d = g / v;
  if (op === 3) d = (0.5 * g) / w;
  if (op === 4) d = g * (1 - w * w);
  if (op === 5) d = g * w * (1 - w);
  if (op === 6) d = v > 0 ? g : 0;
  if (op === 7) {
    const u = 0.7978845608028654 * (v + 0.044715 * v * v * v);
    const e = Math.exp(-2 * Math.abs(u));
    let t = (1 - e) / (1 + e);
    if (u < 0) t = -t;
    d = g * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * 0.7978845608028654 * (1 + 3 * 0.044715 * v * v));
  }
  return d;
}

interface BinaryC {
  op: number; aOff: number; aS: number; bOff: number; bS: number;
}

/** Output [n]: out[i] = a[aOff + i·aS] ∘ b[bOff + i·bS]. */
function binaryKernel(this: KernelThis<BinaryC>, a: number[], b: number[]): number {
  const i = this.thread.x;
  const u = a[this.constants.aOff + i * this.constants.aS];
  const v = b[this.constants.bOff + i * this.constants.bS];
  const op = this.constants.op;
  let o = u + v;
  if (op === 1) o = u - v;
  if (op === 2) o = u * v;
  if (op === 3) o = u / v;
  return o;
}

// ── ops ───────────────────────────────────────────────────────────────────────────────────────────────

export function unary(rt: GpuRuntime, op: DeviceUnaryOp, n: number, x: Dev): Maybe<Dev> {
  checkIndexRange(`unary ${op}`, n);
  return rt.run(rt.kernel(`unary.${op}`, unaryKernel, { output: [n], constants: { op: UNARY_CODES[op] } }), [x]);
}

export function unaryBackward(rt: GpuRuntime, op: DeviceUnaryOp, n: number, x: Dev, y: Dev, dy: Dev): Maybe<Dev> {
  checkIndexRange(`unaryBackward ${op}`, n);
  return rt.run(rt.kernel(`unaryBackward.${op}`, unaryBackwardKernel, { output: [n], constants: { op: UNARY_CODES[op] } }), [x, y, dy]);
}

export function binary(rt: GpuRuntime, op: DeviceBinaryOp, n: number, a: Dev, aOff: number, aS: number, b: Dev, bOff: number, bS: number): Maybe<Dev> {
  checkIndexRange(`binary ${op}`, n);
  const k = rt.kernel(`binary.${op}`, binaryKernel, { output: [n], constants: { op: BINARY_CODES[op], aOff, aS, bOff, bS } });
  return rt.run(k, [a, b]);
}
