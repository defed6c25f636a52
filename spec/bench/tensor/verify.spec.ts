// The matmul check of the `tensor` bench (bench/tensor/verify.ts): the float32 inner-product bound
// γ_K·Σ|a||b| (Higham eq. 3.5) must accept every correct float32 product whatever its summation order,
// and must reject a product that lost a term. Both directions are tested, so the bench's "verified"
// means something.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { U32, checkAgree, checkExact, gamma, sampleEntries } from '../../../bench/tensor/verify.js';

type Order = 'forward' | 'reverse' | 'pairwise' | 'strided4';

/** Float32 sum of terms (each product rounded to float32 first) in the given order, every add rounded. */
function f32Sum(terms: readonly number[], order: Order): number {
  const f = Math.fround;
  const t = terms.map((x) => f(x));
  if (order === 'forward') return t.reduce((s, x) => f(s + x), 0);
  if (order === 'reverse') return t.reduceRight((s, x) => f(s + x), 0);
  if (order === 'pairwise') {
    const rec = (lo: number, hi: number): number => (hi - lo === 1 ? t[lo] : f(rec(lo, (lo + hi) >> 1) + rec((lo + hi) >> 1, hi)));
    return t.length === 0 ? 0 : rec(0, t.length);
  }
  // Four accumulators, k mod 4, then combined: what a SIMD or register-blocked kernel does.
  const acc = [0, 0, 0, 0];
  t.forEach((x, k) => (acc[k % 4] = f(acc[k % 4] + x)));
  return f(f(acc[0] + acc[1]) + f(acc[2] + acc[3]));
}

/** Row-major M×K · K×N in float32 with the given order for every entry. */
function product(a: Float32Array, b: Float32Array, M: number, N: number, K: number, order: Order): Float32Array {
  const c = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      const terms: number[] = [];
      for (let k = 0; k < K; k++) terms.push(a[i * K + k] * b[k * N + j]);
      c[i * N + j] = f32Sum(terms, order);
    }
  }
  return c;
}

const dims = fc.record({ M: fc.integer({ min: 1, max: 9 }), N: fc.integer({ min: 1, max: 9 }), K: fc.integer({ min: 1, max: 64 }) });
// Entries over six decades, both signs, so sums cancel and rounding is at its worst relative to |c|.
// Magnitudes below 1e-3 become 0: the bound assumes no underflow (a product of two subnormal-range
// float32s rounds to 0, an unbounded relative error), which the bench's N(0, 1) operands never reach.
const entry = fc.float({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true }).map((x) => (Math.abs(x) < 1e-3 ? 0 : x));
const case_ = dims.chain(({ M, N, K }) =>
  fc.record({
    M: fc.constant(M), N: fc.constant(N), K: fc.constant(K),
    a: fc.array(entry, { minLength: M * K, maxLength: M * K }).map((x) => Float32Array.from(x)),
    b: fc.array(entry, { minLength: K * N, maxLength: K * N }).map((x) => Float32Array.from(x)),
  }),
);
const all = (M: number, N: number): number[] => Array.from({ length: M * N }, (_, e) => e);
const ORDERS: Order[] = ['forward', 'reverse', 'pairwise', 'strided4'];

describe('gamma', () => {
  it('is K·u/(1 − K·u) and refuses K·u ≥ 1', () => {
    expect(gamma(1024)).toBe((1024 * 2 ** -24) / (1 - 1024 * 2 ** -24));
    expect(U32).toBe(2 ** -24);
    expect(() => gamma(2 ** 24)).toThrow(/does not apply/);
  });
});

describe('checkExact', () => {
  it('accepts float32 products in any summation order (forward, reverse, pairwise, 4 lanes)', () => {
    fc.assert(
      fc.property(case_, fc.constantFrom(...ORDERS), ({ M, N, K, a, b }, order) => {
        const r = checkExact('t', a, b, product(a, b, M, N, K, order), M, N, K, all(M, N));
        expect(r.worstError).toBeLessThanOrEqual(r.worstBound);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects a product that dropped its largest term at one entry (K ≤ 64: that term ≥ Σ|ab|/K > 2γ_K·Σ|ab|)', () => {
    fc.assert(
      fc.property(case_, fc.nat(), ({ M, N, K, a, b }, pick) => {
        const e = pick % (M * N);
        const i = Math.floor(e / N);
        const j = e % N;
        const terms = Array.from({ length: K }, (_, k) => a[i * K + k] * b[k * N + j]);
        const big = terms.reduce((best, x, k) => (Math.abs(x) > Math.abs(terms[best]) ? k : best), 0);
        fc.pre(Math.abs(terms[big]) > 0);
        const c = product(a, b, M, N, K, 'forward');
        c[e] = f32Sum(terms.filter((_, k) => k !== big), 'forward');
        expect(() => checkExact('t', a, b, c, M, N, K, [e])).toThrow(/off by .* > bound/);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects NaN and an out-of-range entry', () => {
    const a = Float32Array.of(1, 2);
    const b = Float32Array.of(3, 4);
    expect(() => checkExact('t', a, b, Float32Array.of(NaN), 1, 1, 2, [0])).toThrow(/off by NaN/);
    expect(() => checkExact('t', a, b, Float32Array.of(11), 1, 1, 2, [1])).toThrow(/outside/);
    expect(checkExact('t', a, b, Float32Array.of(11), 1, 1, 2, [0]).worstError).toBe(0);
  });
});

describe('checkAgree', () => {
  it('accepts two summation orders of the same product, with S = |A|·|B| itself a float32 product', () => {
    fc.assert(
      fc.property(case_, fc.constantFrom(...ORDERS), fc.constantFrom(...ORDERS), ({ M, N, K, a, b }, o1, o2) => {
        const s = product(a.map(Math.abs), b.map(Math.abs), M, N, K, 'forward');
        checkAgree('t', product(a, b, M, N, K, o1), product(a, b, M, N, K, o2), s, N, K);
      }),
      { numRuns: 150 },
    );
  });

  it('rejects entries apart by more than 2γ_K·S (widened for S) and NaN, naming the entry', () => {
    const K = 100;
    const s = Float32Array.of(1, 1, 1, 1);
    const bound = (2 * gamma(K) * (1 + gamma(K))) / (1 - gamma(K));
    const c = Float32Array.of(0, 0, 0, 0);
    expect(() => checkAgree('t', c, Float32Array.of(0, 0, 0, bound * 0.99), s, 2, K)).not.toThrow();
    expect(() => checkAgree('t', c, Float32Array.of(0, 0, bound * 1.01, 0), s, 2, K)).toThrow(/entry \(1, 0\)/);
    expect(() => checkAgree('t', c, Float32Array.of(0, NaN, 0, 0), s, 2, K)).toThrow(/entry \(0, 1\)/);
    expect(() => checkAgree('t', c, Float32Array.of(0, 0, 0), s, 2, K)).toThrow(/lengths/);
  });
});

describe('sampleEntries', () => {
  it('holds the corners and the middle, distinct, in range, 5 + random of them (or all when fewer)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.nat(80), fc.integer(), (M, N, random, seed) => {
        let x = seed >>> 0;
        const next = (): number => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
        const e = sampleEntries(M, N, random, next);
        expect(new Set(e).size).toBe(e.length);
        expect(e.length).toBe(Math.min(M * N, 5 + random));
        for (const v of e) expect(v >= 0 && v < M * N && Number.isInteger(v)).toBe(true);
        for (const corner of [0, N - 1, (M - 1) * N, M * N - 1]) expect(e).toContain(corner);
      }),
      { numRuns: 200 },
    );
  });
});
