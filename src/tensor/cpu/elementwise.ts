/**
 * CPU elementwise kernels: one explicit loop per op (a switch outside the loop, not a callback inside it,
 * so V8 compiles each loop with the arithmetic inlined). Derivatives sit beside their forwards.
 *
 * Not here: broadcasting (the caller passes strides, 0 for a broadcast operand) and autograd.
 * References: GELU — Hendrycks & Gimpel 2016 (exact x·Φ(x) and the tanh form used by GPT-2), as in
 * torch.nn.functional.gelu(approximate='none' | 'tanh').
 */
import type { BinaryOp, UnaryOp } from '../backend.js';
import type { Storage } from '../tensor.js';
import { erf } from '../erf.js';

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)
const GELU_K = 0.7978845608028654; // √(2/π)
const GELU_C = 0.044715;

export function unary(op: UnaryOp, x: Storage, y: Storage): void {
  const n = x.length;
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) y[i] = -x[i]; return;
    case 'exp': for (let i = 0; i < n; i++) y[i] = Math.exp(x[i]); return;
    case 'log': for (let i = 0; i < n; i++) y[i] = Math.log(x[i]); return;
    case 'sqrt': for (let i = 0; i < n; i++) y[i] = Math.sqrt(x[i]); return;
    case 'tanh': for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]); return;
    case 'sigmoid': for (let i = 0; i < n; i++) y[i] = 1 / (1 + Math.exp(-x[i])); return;
    // NaN passes through (as in PyTorch); everything not > 0 becomes +0.
    case 'relu': for (let i = 0; i < n; i++) { const v = x[i]; y[i] = v > 0 || v !== v ? v : 0; } return;
    case 'gelu': for (let i = 0; i < n; i++) { const v = x[i]; y[i] = 0.5 * v * (1 + erf(v * SQRT1_2)); } return;
    case 'geluTanh':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        y[i] = 0.5 * v * (1 + Math.tanh(GELU_K * (v + GELU_C * v * v * v)));
      }
      return;
  }
}

export function unaryBackward(op: UnaryOp, x: Storage, y: Storage, dy: Storage, dx: Storage): void {
  const n = x.length;
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) dx[i] = -dy[i]; return;
    case 'exp': for (let i = 0; i < n; i++) dx[i] = dy[i] * y[i]; return;
    case 'log': for (let i = 0; i < n; i++) dx[i] = dy[i] / x[i]; return;
    case 'sqrt': for (let i = 0; i < n; i++) dx[i] = (0.5 * dy[i]) / y[i]; return;
    case 'tanh': for (let i = 0; i < n; i++) { const t = y[i]; dx[i] = dy[i] * (1 - t * t); } return;
    case 'sigmoid': for (let i = 0; i < n; i++) { const s = y[i]; dx[i] = dy[i] * s * (1 - s); } return;
    // The kink: relu′(0) := 0, as in PyTorch.
    case 'relu': for (let i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : 0; return;
    // d/dx x·Φ(x) = Φ(x) + x·φ(x)
    case 'gelu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        dx[i] = dy[i] * (0.5 * (1 + erf(v * SQRT1_2)) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v));
      }
      return;
    // d/dx ½x(1 + tanh u), u = k(x + c x³): ½(1 + t) + ½x(1 − t²)·k(1 + 3c x²)
    case 'geluTanh':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const t = Math.tanh(GELU_K * (v + GELU_C * v * v * v));
        dx[i] = dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * GELU_K * (1 + 3 * GELU_C * v * v));
      }
      return;
  }
}

export function binary(
  op: BinaryOp, n: number,
  a: Storage, aOff: number, aS: number,
  b: Storage, bOff: number, bS: number,
  out: Storage, oOff: number,
): void {
  let i = aOff;
  let j = bOff;
  const end = oOff + n;
  switch (op) {
    case 'add': for (let o = oOff; o < end; o++, i += aS, j += bS) out[o] = a[i] + b[j]; return;
    case 'sub': for (let o = oOff; o < end; o++, i += aS, j += bS) out[o] = a[i] - b[j]; return;
    case 'mul': for (let o = oOff; o < end; o++, i += aS, j += bS) out[o] = a[i] * b[j]; return;
    case 'div': for (let o = oOff; o < end; o++, i += aS, j += bS) out[o] = a[i] / b[j]; return;
    case 'pow': for (let o = oOff; o < end; o++, i += aS, j += bS) out[o] = Math.pow(a[i], b[j]); return;
  }
}
