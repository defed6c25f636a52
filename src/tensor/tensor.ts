/**
 * The Tensor: a row-major view (shape, strides, offset) over a Float32Array or Float64Array storage, plus
 * the autograd node that produced it. Methods are thin aliases of the op functions in ops/, so model code
 * can read `x.matmul(w).add(b).gelu()`; each op's forward and backward live together in its ops/ file.
 *
 * Not here: the backward algorithm (autograd.ts), kernels (cpu/), tensor factories (creation.ts).
 * Reference: PyTorch's Tensor semantics (views share storage; `.grad` accumulates; leaves vs non-leaves).
 */
import { type Shape, ShapeError, contiguousStrides, fmt, numel } from './shape.js';
import { runBackward } from './autograd.js';
import * as ew from './ops/elementwise.js';
import * as red from './ops/reduce.js';
import * as mm from './ops/matmul.js';
import * as nn from './ops/nn.js';
import * as view from './ops/view.js';

export type DType = 'float32' | 'float64';
export type Storage = Float32Array | Float64Array;
/** A tensor, or a number that broadcasts as a constant of the other operand's dtype. */
export type Operand = Tensor | number;
/** Pushes this tensor's gradient `dout` (contiguous, this tensor's shape) into its parents' gradients. */
export type BackwardFn = (dout: Storage) => void;

export function allocStorage(dtype: DType, n: number): Storage {
  return dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

export function dtypeOf(s: Storage): DType {
  return s instanceof Float32Array ? 'float32' : 'float64';
}

function isRowMajor(shape: Shape, strides: Shape): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue; // a size-1 axis never moves, its stride is irrelevant
    if (strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

export class Tensor {
  readonly storage: Storage;
  readonly dtype: DType;
  readonly shape: Shape;
  readonly strides: Shape;
  readonly offset: number;
  /** Number of elements. */
  readonly size: number;
  /** True when the elements are laid out row-major and gap-free from `offset` (then `data` is zero-copy). */
  readonly isContiguous: boolean;
  requiresGrad: boolean;
  /** Accumulated gradient (contiguous, same shape and dtype); leaves keep it, intermediates free it. */
  grad: Tensor | null = null;
  /** @internal autograd node: inputs, backward closure, op name; cleared after backward. */
  _parents: readonly Tensor[] | null = null;
  _backward: BackwardFn | null = null;
  _op = 'leaf';
  _retainGrad = false;

  /** Low-level: wraps storage without checks. Prefer `tensor()`, `zeros()`, `fromStorage()`. */
  constructor(storage: Storage, shape: Shape, strides?: Shape, offset = 0, requiresGrad = false) {
    this.storage = storage;
    this.dtype = dtypeOf(storage);
    this.shape = shape.slice();
    this.strides = strides ? strides.slice() : contiguousStrides(shape);
    this.offset = offset;
    this.size = numel(shape);
    this.isContiguous = isRowMajor(this.shape, this.strides);
    this.requiresGrad = requiresGrad;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** A leaf was created by the user (not by an op that records a backward). */
  get isLeaf(): boolean {
    return this._backward === null;
  }

  /**
   * The elements as a flat row-major typed array, sharing storage (a `subarray` when the tensor starts at
   * an offset). Only contiguous tensors have one; a strided view throws (call `.contiguous()` first).
   */
  get data(): Storage {
    if (!this.isContiguous) {
      throw new ShapeError('data', `tensor of shape ${fmt(this.shape)} is a strided view; call .contiguous() first`);
    }
    if (this.offset === 0 && this.storage.length === this.size) return this.storage;
    return this.storage.subarray(this.offset, this.offset + this.size);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError('item', `tensor of shape ${fmt(this.shape)} has ${this.size} elements, not 1`);
    return this.storage[this.offset];
  }

  /** A copy of the elements, row-major, as plain numbers. */
  toArray(): number[] {
    return Array.from(view.contiguousData(this));
  }

  toString(): string {
    return `Tensor(${fmt(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  // ── autograd ──────────────────────────────────────────────────────────────────────────────────────
  /** Reverse-mode sweep from this tensor; `grad` defaults to 1 for a one-element tensor. */
  backward(grad?: Tensor, opts: { retainGraph?: boolean } = {}): void {
    runBackward(this, grad, opts.retainGraph ?? false);
  }

  /** Same storage, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.strides, this.offset, false);
  }

  /** Keep `.grad` on this non-leaf after backward (for inspection and tests). */
  retainGrad(): this {
    this._retainGrad = true;
    return this;
  }

  // ── op aliases (see ops/*.ts) ─────────────────────────────────────────────────────────────────────
  add(b: Operand): Tensor { return ew.add(this, b); }
  sub(b: Operand): Tensor { return ew.sub(this, b); }
  mul(b: Operand): Tensor { return ew.mul(this, b); }
  div(b: Operand): Tensor { return ew.div(this, b); }
  pow(b: Operand): Tensor { return ew.pow(this, b); }
  neg(): Tensor { return ew.neg(this); }
  exp(): Tensor { return ew.exp(this); }
  log(): Tensor { return ew.log(this); }
  sqrt(): Tensor { return ew.sqrt(this); }
  tanh(): Tensor { return ew.tanh(this); }
  sigmoid(): Tensor { return ew.sigmoid(this); }
  relu(): Tensor { return ew.relu(this); }
  gelu(approximate: ew.GeluApproximation = 'none'): Tensor { return ew.gelu(this, approximate); }
  maskedFill(mask: Tensor, value: number): Tensor { return ew.maskedFill(this, mask, value); }
  cast(dtype: DType): Tensor { return ew.cast(this, dtype); }
  matmul(b: Tensor): Tensor { return mm.matmul(this, b); }
  sum(axes?: number | readonly number[], keepdim = false): Tensor { return red.sum(this, axes, keepdim); }
  mean(axes?: number | readonly number[], keepdim = false): Tensor { return red.mean(this, axes, keepdim); }
  max(axes?: number | readonly number[], keepdim = false): Tensor { return red.max(this, axes, keepdim); }
  logsumexp(axes?: number | readonly number[], keepdim = false): Tensor { return red.logsumexp(this, axes, keepdim); }
  softmax(axis = -1): Tensor { return nn.softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return nn.logSoftmax(this, axis); }
  reshape(shape: readonly number[]): Tensor { return view.reshape(this, shape); }
  permute(perm: readonly number[]): Tensor { return view.permute(this, perm); }
  transpose(a = -2, b = -1): Tensor { return view.transpose(this, a, b); }
  slice(axis: number, start: number, end?: number): Tensor { return view.slice(this, axis, start, end); }
  expand(shape: readonly number[]): Tensor { return view.expand(this, shape); }
  squeeze(axis?: number): Tensor { return view.squeeze(this, axis); }
  unsqueeze(axis: number): Tensor { return view.unsqueeze(this, axis); }
  contiguous(): Tensor { return view.contiguous(this); }
}
