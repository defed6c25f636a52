/**
 * Input checks shared by the shaping, filtering and reward functions: each throws an `InputError` that
 * names the field (with its index) and the problem, so a caller three layers up can still tell which
 * array was wrong. Not a schema library: only the few checks these files need.
 */
import { InputError } from '../errors.js';
import type { Id } from '../advantages/types.js';

/** A finite number, optionally with a lower/upper bound (`minExclusive` makes the lower bound strict). */
export function checkNumber(
  field: string,
  x: unknown,
  range: { min?: number; max?: number; minExclusive?: boolean } = {},
): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new InputError(field, `not a finite number (${String(x)})`);
  const { min, max, minExclusive = false } = range;
  if (min !== undefined && (minExclusive ? !(x > min) : !(x >= min))) {
    throw new InputError(field, `must be ${minExclusive ? '>' : '≥'} ${min} (got ${x})`);
  }
  if (max !== undefined && !(x <= max)) throw new InputError(field, `must be ≤ ${max} (got ${x})`);
  return x;
}

/** An array-like of finite numbers of the expected length (`n` undefined: any length ≥ 1). */
export function checkFiniteArray(field: string, xs: ArrayLike<number> | undefined, n?: number): void {
  if (xs === undefined || xs === null || typeof xs.length !== 'number') {
    throw new InputError(field, 'missing (expected an array of numbers)');
  }
  if (n === undefined && xs.length === 0) throw new InputError(field, 'empty batch');
  if (n !== undefined && xs.length !== n) throw new InputError(field, `length ${xs.length}, expected ${n}`);
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InputError(`${field}[${i}]`, `not a finite number (${String(v)})`);
    }
  }
}

/** Ids are JSON strings or finite numbers; Map keys then compare them by value, and 1 differs from "1". */
export function checkIds(field: string, ids: readonly Id[] | undefined, n: number): void {
  if (ids === undefined || ids === null || typeof ids.length !== 'number') {
    throw new InputError(field, 'missing (expected an array of ids)');
  }
  if (ids.length !== n) throw new InputError(field, `length ${ids.length}, expected ${n}`);
  for (let i = 0; i < n; i++) checkId(`${field}[${i}]`, ids[i]);
}

export function checkId(field: string, id: unknown): void {
  if (typeof id === 'string') return;
  if (typeof id === 'number' && Number.isFinite(id)) return;
  throw new InputError(field, `not an id (a string or finite number): ${String(id)}`);
}

/** Rejects option keys this function does not know, so a typo (`lenght`) cannot be silently ignored. */
export function checkKeys(field: string, obj: object | undefined, allowed: readonly string[]): void {
  if (obj === undefined) return;
  if (obj === null || typeof obj !== 'object') throw new InputError(field, 'expected an object');
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new InputError(`${field}.${k}`, `unknown option (known: ${allowed.join(', ')})`);
  }
}

/** How an id prints in a message: strings quoted, so 1 and "1" read differently. */
export function showId(id: Id): string {
  return typeof id === 'string' ? JSON.stringify(id) : String(id);
}
