// The seeded generator: bit-exact against the reference C xoshiro128**, reproducible per seed, resumable
// from saved state (including a cached Box–Muller normal), and with the right distributions.
import { describe, expect, it } from 'vitest';
import * as T from '../../src/tensor/index.js';

describe('Rng: xoshiro128**', () => {
  it('matches the reference C implementation (prng.di.unimi.it/xoshiro128starstar.c, gcc) from a set state', () => {
    // Outputs printed by the reference next() compiled with gcc, from s = {1, 2, 3, 4} and from
    // s = {0x9e3779b9, 0x243f6a88, 0xb7e15162, 0xdeadbeef}.
    const r = T.Rng.fromState({ s: [1, 2, 3, 4], spare: null });
    expect(Array.from({ length: 8 }, () => r.nextU32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
    const q = T.Rng.fromState({ s: [0x9e3779b9, 0x243f6a88, 0xb7e15162, 0xdeadbeef], spare: null });
    expect(Array.from({ length: 6 }, () => q.nextU32())).toEqual([2463954730, 5524658, 74256371, 1905451993, 3123413897, 314453775]);
  });

  it('same seed → same numbers; different seeds (0 included) → different streams', () => {
    const draw = (seed: number): number[] => {
      const r = new T.Rng(seed);
      return [r.uniform(), r.normal(), r.normal(), r.nextU32(), r.int(10)];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(0)).toEqual(draw(0));
    expect(draw(0)).not.toEqual(draw(1));
    expect(draw(2 ** 40)).not.toEqual(draw(0)); // the high word of the seed matters
    expect(T.randn([5], new T.Rng(7)).toArray()).toEqual(T.randn([5], new T.Rng(7)).toArray());
    expect(() => new T.Rng(-1)).toThrow('Rng: seed must be a non-negative safe integer');
    expect(() => new T.Rng(1.5)).toThrow('Rng: seed');
  });

  it('getState/setState resumes the stream exactly, also mid Box–Muller pair, and survives JSON', () => {
    const r = new T.Rng(3);
    r.normal(); // leaves the sine half of the pair cached
    const saved = JSON.parse(JSON.stringify(r.getState())) as T.RngState;
    expect(saved.spare).not.toBeNull();
    const next = [r.normal(), r.normal(), r.uniform(), r.normal()];
    const resumed = T.Rng.fromState(saved);
    expect([resumed.normal(), resumed.normal(), resumed.uniform(), resumed.normal()]).toEqual(next);
    r.setState(saved);
    expect(r.normal()).toBe(next[0]);
    expect(() => r.setState({ s: [0, 0, 0, 0], spare: null })).toThrow('not all zero');
  });
});

describe('Rng: distributions (200 000 draws; tolerances are 5 standard errors)', () => {
  const n = 200_000;
  it('uniform on [0, 1) with mean 1/2 and variance 1/12', () => {
    const r = new T.Rng(11);
    let s = 0;
    let s2 = 0;
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      s += u;
      s2 += u * u;
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    const mean = s / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n)); // SE of the mean
    expect(Math.abs(s2 / n - mean * mean - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / n)); // Var(U²−…) ≈ 1/180
  });

  it('normal moments: mean 0, variance 1, skewness 0, kurtosis 3, P(|Z| < 1) = 0.6827', () => {
    const r = new T.Rng(12);
    let m1 = 0, m2 = 0, m3 = 0, m4 = 0, inside = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      m1 += z; m2 += z * z; m3 += z * z * z; m4 += z * z * z * z;
      if (Math.abs(z) < 1) inside++;
    }
    // Standard errors for N(0,1) samples: mean 1/√n, variance √(2/n), third moment √(15/n), fourth √(96/n).
    expect(Math.abs(m1 / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(m2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(m3 / n)).toBeLessThan(5 * Math.sqrt(15 / n));
    expect(Math.abs(m4 / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
    const p = 0.6826894921370859; // erf(1/√2)
    expect(Math.abs(inside / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
  });

  it('categorical frequencies match the probabilities; zero-probability classes never appear', () => {
    const probs = [0.1, 0, 0.6, 0.3];
    const r = new T.Rng(13);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) counts[T.categorical(probs, r)]++;
    expect(counts[1]).toBe(0);
    probs.forEach((p, k) => expect(Math.abs(counts[k] / n - p)).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / n)));
  });
});

describe('categorical sampling by inverse CDF', () => {
  it('a given uniform draw picks the class whose CDF interval contains it', () => {
    const probs = [0.1, 0, 0.6, 0.3]; // intervals [0, .1), (empty), [.1, .7), [.7, 1)
    expect(T.categorical(probs, 0)).toBe(0);
    expect(T.categorical(probs, 0.05)).toBe(0);
    expect(T.categorical(probs, 0.1)).toBe(2);
    expect(T.categorical(probs, 0.69)).toBe(2);
    expect(T.categorical(probs, 0.75)).toBe(3);
    expect(T.categorical(probs, 1 - 2 ** -53)).toBe(3);
    expect(T.categorical([2, 6], 0.3)).toBe(1); // unnormalised weights
  });
  it('from logits: −∞ is never drawn; softmax([−∞, 0, ln 3]) = [0, ¼, ¾]', () => {
    const logits = [-Infinity, 0, Math.log(3)];
    expect(T.categoricalFromLogits(logits, 0)).toBe(1);
    expect(T.categoricalFromLogits(logits, 0.2)).toBe(1);
    expect(T.categoricalFromLogits(logits, 0.3)).toBe(2);
    expect(T.categoricalFromLogits(Float32Array.from([1e4, -1e4]), 0.999)).toBe(0); // no overflow
  });
  it('rejects bad input', () => {
    expect(() => T.categorical([0, 0], 0.5)).toThrow('categorical: probabilities sum to 0');
    expect(() => T.categorical([1, -1], 0.5)).toThrow('categorical: probs[1]=-1');
    expect(() => T.categorical([1], 1)).toThrow('the uniform draw must be in [0, 1)');
    expect(() => T.categoricalFromLogits([-Infinity], 0.5)).toThrow('every logit is −∞');
  });
});
