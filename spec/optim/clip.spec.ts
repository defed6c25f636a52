// Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_ semantics) and its non-finite policy.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLIP_EPS, clipGradNorm, gradNorm } from '../../src/optim/clip.js';
import type { FloatArray, ParamLike } from '../../src/optim/types.js';

function withGrad(g: FloatArray | null): ParamLike {
  const n = g === null ? 1 : g.length;
  return { data: new Float64Array(n), grad: g === null ? null : { data: g }, shape: [n] };
}

describe('clipGradNorm', () => {
  it('returns the global norm √(Σ‖g‖²) over all parameters, skipping null grads: [3,4] and [12] → 13', () => {
    const ps = [withGrad(Float32Array.of(3, 4)), withGrad(null), withGrad(Float64Array.of(12))];
    expect(clipGradNorm(ps, Infinity)).toBe(13);
    expect(Array.from(ps[0].grad!.data)).toEqual([3, 4]); // maxNorm = ∞ only measures
  });

  it('scales every gradient by maxNorm/(total + 1e-6) when that is < 1: [3,4],[12] with maxNorm 6.5', () => {
    const a = Float64Array.of(3, 4);
    const b = Float64Array.of(12);
    const total = clipGradNorm({ a: withGrad(a), b: withGrad(b) }, 6.5);
    expect(total).toBe(13);
    const scale = 6.5 / (13 + 1e-6); // ≈ 0.5 − 3.8e-8
    expect(Array.from(a)).toEqual([3 * scale, 4 * scale]);
    expect(Array.from(b)).toEqual([12 * scale]);
    expect(gradNorm([withGrad(a), withGrad(b)])).toBeLessThan(6.5);
  });

  it('leaves gradients bit-identical when the norm is within maxNorm (or maxNorm/(total + 1e-6) ≥ 1)', () => {
    const g = Float32Array.of(0.1, -0.2, 0.3);
    const copy = g.slice();
    clipGradNorm([withGrad(g)], 1);
    expect(g).toEqual(copy);
    const zero = new Float32Array(4);
    expect(clipGradNorm([withGrad(zero)], 0.5)).toBe(0); // 0.5/(0 + 1e-6) ≥ 1: nothing to scale
    // the guard: total exactly maxNorm still scales by maxNorm/(maxNorm + 1e-6) < 1, as PyTorch does
    const h = Float64Array.of(3, 4);
    clipGradNorm([withGrad(h)], 5);
    expect(h[0]).toBe(3 * (5 / (5 + CLIP_EPS)));
  });

  it('after clipping, the norm is ≤ maxNorm and the direction is unchanged (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 }),
        fc.double({ min: 1e-3, max: 50, noNaN: true }),
        (grads, maxNorm) => {
          const arrays = grads.map((g) => Float64Array.from(g));
          const before = arrays.map((a) => a.slice());
          const ps = arrays.map(withGrad);
          const total = clipGradNorm(ps, maxNorm);
          // total: float64 sum of ≤ 20 squares, relative error ≤ 20·2⁻⁵³ ≈ 2.2e-15; we allow 1e-14
          const direct = Math.sqrt(before.flatMap((a) => Array.from(a)).reduce((s, x) => s + x * x, 0));
          expect(Math.abs(total - direct)).toBeLessThanOrEqual(1e-14 * direct);
          // after: ≤ maxNorm up to the rounding of the products (relative 1e-14 again)
          expect(gradNorm(ps)).toBeLessThanOrEqual(maxNorm * (1 + 1e-14));
          const scale = Math.min(1, maxNorm / (total + CLIP_EPS));
          arrays.forEach((a, k) => a.forEach((x, i) => expect(x).toBe(scale < 1 ? before[k][i] * scale : before[k][i])));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('accumulates in float64: float32 gradients whose squares overflow float32 still give a finite norm', () => {
    const g = Float32Array.of(1e20, 1e20); // (1e20)² = 1e40 > 3.4e38, the float32 maximum
    const total = clipGradNorm([withGrad(g)], 1);
    const expected = Math.SQRT2 * Math.fround(1e20);
    expect(Math.abs(total - expected)).toBeLessThanOrEqual(2 ** -52 * 4 * expected);
    // the other side: a float32 accumulator (Math.fround after every operation) overflows to Infinity
    let sum32 = 0;
    for (const x of [Math.fround(1e20), Math.fround(1e20)]) sum32 = Math.fround(sum32 + Math.fround(x * x));
    expect(sum32).toBe(Infinity);
    // and the clipped gradients are finite with norm ≈ 1 (float32 storage of g·scale: relative error ≲ 6e-8)
    expect(Math.abs(gradNorm([withGrad(g)]) - 1)).toBeLessThan(1e-6);
  });

  it("non-finite total: 'error' (default) throws naming the parameter; 'skip' returns it and touches nothing", () => {
    const make = (): Record<string, ParamLike> => ({ ok: withGrad(Float32Array.of(1, 2)), 'blocks.1.w': withGrad(Float32Array.of(3, NaN)) });
    expect(() => clipGradNorm(make(), 1)).toThrow('clipGradNorm: total norm is NaN: params["blocks.1.w"].grad is not finite');
    const ps = make();
    expect(clipGradNorm(ps, 1, { nonFinite: 'skip' })).toBeNaN();
    expect(Array.from(ps.ok.grad!.data)).toEqual([1, 2]);
    const inf = [withGrad(Float64Array.of(Infinity, 1))];
    expect(clipGradNorm(inf, 1, { nonFinite: 'skip' })).toBe(Infinity);
    expect(() => clipGradNorm(inf, 1)).toThrow('params["0"].grad is not finite');
    // float64 overflow of the sum itself, every gradient finite
    expect(() => clipGradNorm([withGrad(Float64Array.of(1e200, 1e200))], 1)).toThrow('the sum of squares overflowed float64');
  });

  it('rejects a bad maxNorm or policy', () => {
    const ps = [withGrad(Float64Array.of(1))];
    expect(() => clipGradNorm(ps, NaN)).toThrow('clipGradNorm: maxNorm is NaN');
    expect(() => clipGradNorm(ps, -1)).toThrow('clipGradNorm: maxNorm is -1');
    expect(() => clipGradNorm(ps, 1, { nonFinite: 'zero' as never })).toThrow('options.nonFinite is "zero"');
  });
});
