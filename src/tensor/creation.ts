/**
 * Tensor factories: from values (flat or nested arrays), from existing storage (zero-copy), constants,
 * ranges, and seeded random tensors. dtype defaults to float32; `requiresGrad` makes a trainable leaf.
 *
 * Not here: the generator itself (rng.ts). Reference: torch.tensor/zeros/ones/full/arange/randn/rand.
 */
import { type Shape, ShapeError, checkShape, fmt, numel } from './shape.js';
import { type DType, type Storage, Tensor, allocStorage } from './tensor.js';
import type { Rng } from './rng.js';

export interface TensorOptions {
  readonly dtype?: DType;
  readonly requiresGrad?: boolean;
}

export type NestedArray = number | readonly NestedArray[];

function make(shape: Shape, opts: TensorOptions, fill?: (s: Storage) => void): Tensor {
  checkShape('tensor', shape);
  const s = allocStorage(opts.dtype ?? 'float32', numel(shape));
  fill?.(s);
  return new Tensor(s, shape, undefined, 0, opts.requiresGrad ?? false);
}

function inferShape(v: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as NestedArray;
  }
  return shape;
}

function flatten(v: NestedArray, shape: Shape, depth: number, out: number[]): void {
  if (depth === shape.length) {
    if (typeof v !== 'number') throw new ShapeError('tensor', 'nested values are not rectangular');
    out.push(v);
    return;
  }
  if (!Array.isArray(v) || v.length !== shape[depth]) throw new ShapeError('tensor', 'nested values are not rectangular');
  for (const e of v) flatten(e as NestedArray, shape, depth + 1, out);
}

/**
 * A tensor holding a copy of `values`: a number (shape []), a nested array (shape inferred), or a flat
 * array / typed array read row-major into `shape` (default [values.length]).
 */
export function tensor(values: NestedArray | ArrayLike<number>, shape?: Shape, opts: TensorOptions = {}): Tensor {
  let flat: ArrayLike<number>;
  let sh: Shape;
  if (typeof values === 'number') {
    flat = [values];
    sh = shape ?? [];
  } else if (Array.isArray(values) && values.some((e) => Array.isArray(e))) {
    const inferred = inferShape(values as NestedArray);
    const out: number[] = [];
    flatten(values as NestedArray, inferred, 0, out);
    flat = out;
    sh = shape ?? inferred;
  } else {
    flat = values as ArrayLike<number>;
    sh = shape ?? [flat.length];
  }
  if (numel(sh) !== flat.length) throw new ShapeError('tensor', `${flat.length} values do not fill shape ${fmt(sh)}`);
  return make(sh, opts, (s) => s.set(flat));
}

/** Wrap existing storage without copying (its length must equal the element count). */
export function fromStorage(storage: Storage, shape: Shape, opts: { readonly requiresGrad?: boolean } = {}): Tensor {
  checkShape('fromStorage', shape);
  if (storage.length !== numel(shape)) throw new ShapeError('fromStorage', `storage of length ${storage.length} does not match shape ${fmt(shape)}`);
  return new Tensor(storage, shape, undefined, 0, opts.requiresGrad ?? false);
}

export const zeros = (shape: Shape, opts: TensorOptions = {}): Tensor => make(shape, opts);
export const ones = (shape: Shape, opts: TensorOptions = {}): Tensor => make(shape, opts, (s) => s.fill(1));
export const full = (shape: Shape, value: number, opts: TensorOptions = {}): Tensor => make(shape, opts, (s) => s.fill(value));
export const zerosLike = (t: Tensor, opts: TensorOptions = {}): Tensor => make(t.shape, { dtype: t.dtype, ...opts });

/** 0, 1, …, n − 1. */
export function arange(n: number, opts: TensorOptions = {}): Tensor {
  return make([n], opts, (s) => {
    for (let i = 0; i < n; i++) s[i] = i;
  });
}

/** Standard normal entries from `rng`, times `std` (default 1). */
export function randn(shape: Shape, rng: Rng, opts: TensorOptions & { readonly std?: number } = {}): Tensor {
  const std = opts.std ?? 1;
  return make(shape, opts, (s) => {
    for (let i = 0; i < s.length; i++) s[i] = rng.normal() * std;
  });
}

/** Uniform entries on [low, high) (default [0, 1)) from `rng`. */
export function rand(shape: Shape, rng: Rng, opts: TensorOptions & { readonly low?: number; readonly high?: number } = {}): Tensor {
  const low = opts.low ?? 0;
  const high = opts.high ?? 1;
  return make(shape, opts, (s) => {
    for (let i = 0; i < s.length; i++) s[i] = low + (high - low) * rng.uniform();
  });
}
