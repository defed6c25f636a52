/**
 * The backend seam: the handful of flat kernels that carry the arithmetic weight of a training step
 * (matmul and its two backward products, elementwise maps, softmax, layer norm, GELU). Ops handle shapes,
 * broadcasting and autograd, then call these on flat typed arrays. The pure-TypeScript CPU backend
 * (cpu/backend.ts) is the reference; a gpu.js backend (issue 5) implements the same interface and is
 * checked against it. Selection is explicit (`setBackend`), never from the environment.
 *
 * Not here: shapes, strides of whole tensors, autograd. Kernels never allocate their outputs.
 */
import type { Storage } from './tensor.js';
import { cpuBackend } from './cpu/backend.js';

export type UnaryOp = 'neg' | 'exp' | 'log' | 'sqrt' | 'tanh' | 'sigmoid' | 'relu' | 'gelu' | 'geluTanh';
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow';

export interface Backend {
  readonly name: string;
  /**
   * C += A·B for A (M×K), B (K×N), C (M×N). A's element (i, k) is a[aOff + i·aRs + k·aCs] and B's (k, j)
   * is b[bOff + k·bRs + j·bCs], so transposed operands are just swapped strides; C's (i, j) is
   * c[cOff + i·cRs + j]. Always accumulates: pass a zeroed C for a plain product.
   */
  gemm(
    M: number, N: number, K: number,
    a: Storage, aOff: number, aRs: number, aCs: number,
    b: Storage, bOff: number, bRs: number, bCs: number,
    c: Storage, cOff: number, cRs: number,
  ): void;
  /** out[oOff + i] = a[aOff + i·aS] ∘ b[bOff + i·bS] for i < n (a stride of 0 broadcasts a value). */
  binary(op: BinaryOp, n: number, a: Storage, aOff: number, aS: number, b: Storage, bOff: number, bS: number, out: Storage, oOff: number): void;
  /** y = f(x), elementwise over equal-length contiguous arrays. */
  unary(op: UnaryOp, x: Storage, y: Storage): void;
  /** dx = dy · f′(x) (y = f(x) is given because several derivatives are cheaper from it). */
  unaryBackward(op: UnaryOp, x: Storage, y: Storage, dy: Storage, dx: Storage): void;
  /** Row-wise softmax of `rows` contiguous rows of length n. */
  softmax(rows: number, n: number, x: Storage, y: Storage): void;
  /** dx = y ⊙ (dy − ⟨dy, y⟩) per row. */
  softmaxBackward(rows: number, n: number, y: Storage, dy: Storage, dx: Storage): void;
  /** y = (x − mean)·rstd·γ + β per row; writes mean and rstd = 1/√(var + eps) (biased var) per row. */
  layerNorm(
    rows: number, n: number, x: Storage, gamma: Storage | null, beta: Storage | null, eps: number,
    y: Storage, mean: Float64Array, rstd: Float64Array,
  ): void;
  /** dx (overwritten), dγ and dβ (accumulated with +=) from the saved mean and rstd. */
  layerNormBackward(
    rows: number, n: number, x: Storage, gamma: Storage | null, mean: Float64Array, rstd: Float64Array,
    dy: Storage, dx: Storage, dgamma: Storage | null, dbeta: Storage | null,
  ): void;
}

let current: Backend = cpuBackend;

export function getBackend(): Backend {
  return current;
}

/** Select the backend for all subsequent ops (the CPU reference is the default). */
export function setBackend(backend: Backend): void {
  current = backend;
}
