// Shared helpers for the tensor specs: closeness with one per-dtype tolerance table (reporting the worst
// error and the first failing index), random shapes with broadcasting for fast-check, inputs drawn from
// each op's domain, and a one-line gradient assertion.
import fc from 'fast-check';
import { expect } from 'vitest';
import { type DType, Rng, type Tensor, fromStorage, gradcheck } from '../../src/tensor/index.js';

/**
 * |a − e| ≤ atol + rtol·|e|. float64: results of a few dozen rounded operations (≲ 1e-14 relative);
 * float32: single rounding of double-accumulated results plus float32 inputs (≲ 1e-6 relative).
 */
export const TOL: Record<DType, { atol: number; rtol: number }> = {
  float64: { atol: 1e-12, rtol: 1e-12 },
  float32: { atol: 1e-5, rtol: 1e-5 },
};

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: { atol: number; rtol: number }): void {
  expect(actual.length).toBe(expected.length);
  let worstAbs = 0;
  let worstRel = 0;
  let firstBad = -1;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const bothNaN = Number.isNaN(a) && Number.isNaN(e);
    const sameInf = a === e;
    const d = Math.abs(a - e);
    const ok = bothNaN || sameInf || d <= tol.atol + tol.rtol * Math.abs(e);
    if (!bothNaN && !sameInf) {
      worstAbs = Math.max(worstAbs, d);
      worstRel = Math.max(worstRel, d / Math.max(Math.abs(e), Number.MIN_VALUE));
    }
    if (!ok && firstBad < 0) firstBad = i;
  }
  if (firstBad >= 0) {
    expect.fail(
      `first mismatch at [${firstBad}]: ${actual[firstBad]} vs expected ${expected[firstBad]}; worst abs ${worstAbs.toExponential(2)}, worst rel ${worstRel.toExponential(2)}`,
    );
  }
}

/** Assert that gradcheck passes, printing its report when not. */
export function expectGrad(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], seed = 0): void {
  const r = gradcheck(f, inputs, { seed });
  if (!r.ok) expect.fail(r.message);
}

export type Domain = 'real' | 'positive' | 'awayFromZero';

/** A float64 leaf of `shape` with values from `domain`: N(0,1); |N|+0.5; or ±(0.1 + |N|) (clear of kinks). */
export function input(shape: readonly number[], rng: Rng, domain: Domain = 'real', requiresGrad = true): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z = rng.normal();
    s[i] = domain === 'real' ? z : domain === 'positive' ? Math.abs(z) + 0.5 : Math.sign(z || 1) * (0.1 + Math.abs(z));
  }
  return fromStorage(s, shape, { requiresGrad });
}

/** Distinct values at least 0.1 apart in random order (no ties: max is differentiable there). */
export function distinct(shape: readonly number[], rng: Rng): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const v = Array.from({ length: n }, (_, i) => i * 0.1 + 0.01 * rng.uniform());
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [v[i], v[j]] = [v[j], v[i]];
  }
  return fromStorage(Float64Array.from(v), shape, { requiresGrad: true });
}

export const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** A shape of rank minRank..maxRank with dims 1..maxDim (size-1 axes are frequent). */
export function shapeArb(minRank = 0, maxRank = 3, maxDim = 4): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/**
 * A pair of shapes that broadcast to a common shape: start from `out`, then for each operand drop some
 * leading axes and squash some of the remaining ones to 1.
 */
export const broadcastPairArb = shapeArb(0, 3).chain((out) =>
  fc
    .tuple(
      fc.nat(out.length),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
      fc.nat(out.length),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    )
    .map(([dropA, squashA, dropB, squashB]) => {
      const make = (drop: number, squash: boolean[]): number[] =>
        out.slice(drop).map((d, i) => (squash[i + drop] ? 1 : d));
      return { out, a: make(dropA, squashA), b: make(dropB, squashB) };
    }),
);
