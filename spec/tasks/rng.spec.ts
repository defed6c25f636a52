import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/rl/errors.js';
import { SeededRng, pick, randInt, sample, shuffled } from '../../src/tasks/rng.js';

const draws = (r: SeededRng, n: number) => Array.from({ length: n }, () => r.next());

describe('SeededRng', () => {
  it('same seed, same stream; different seeds, different streams', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), (seed) => {
        expect(draws(new SeededRng(seed), 20)).toEqual(draws(new SeededRng(seed), 20));
        expect(draws(new SeededRng(seed), 20)).not.toEqual(draws(new SeededRng(seed + 1), 20));
      }),
      { numRuns: 200 },
    );
  });

  it('seeds 2³² apart differ (the high word is folded in)', () => {
    expect(draws(new SeededRng(5), 4)).not.toEqual(draws(new SeededRng(5 + 2 ** 32), 4));
  });

  it('seed 0 is a seed like any other (not "no seed")', () => {
    const d = draws(new SeededRng(0), 100);
    expect(new Set(d).size).toBe(100);
    expect(draws(new SeededRng(), 100)).toEqual(d); // the default seed is 0
  });

  it('fromState(state) continues the stream exactly', () => {
    const r = new SeededRng(42);
    draws(r, 37);
    const copy = SeededRng.fromState(r.state);
    expect(draws(copy, 50)).toEqual(draws(r, 50));
  });

  it('draws lie in [0, 1) and are multiples of 2⁻³²', () => {
    for (const u of draws(new SeededRng(7), 10_000)) {
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      expect(Number.isInteger(u * 2 ** 32)).toBe(true);
    }
  });

  it('is uniform: chi-square over 16 buckets of 32 000 draws below the 0.999 quantile', () => {
    const n = 32_000;
    const counts = new Array(16).fill(0);
    for (const u of draws(new SeededRng(123), n)) counts[Math.floor(u * 16)]++;
    const e = n / 16;
    const chi2 = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
    // χ²(15) 0.999 quantile = 37.70: a fixed seed, so this is deterministic; the bound says a good
    // generator passes it with probability 0.999 for a random seed.
    expect(chi2).toBeLessThan(37.7);
  });

  it('rejects bad seeds and states with InputError', () => {
    expect(() => new SeededRng(1.5)).toThrow(InputError);
    expect(() => new SeededRng(Number.NaN)).toThrow(/seed/);
    expect(() => SeededRng.fromState(-1)).toThrow(/state/);
    expect(() => SeededRng.fromState(2 ** 32)).toThrow(/state/);
  });
});

describe('helpers', () => {
  it('randInt covers [lo, hi] inclusive and nothing else', () => {
    const r = new SeededRng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(randInt(r, -2, 3));
    expect([...seen].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2, 3]);
  });

  it('randInt rejects hi < lo and an rng returning 1', () => {
    const r = new SeededRng(3);
    expect(() => randInt(r, 2, 1)).toThrow(InputError);
    expect(() => randInt({ next: () => 1 }, 0, 3)).toThrow(/rng.next\(\)/);
  });

  it('randInt maps the extremes of [0, 1) to lo and hi', () => {
    expect(randInt({ next: () => 0 }, 4, 9)).toBe(4);
    expect(randInt({ next: () => 1 - 2 ** -53 }, 4, 9)).toBe(9);
  });

  it('shuffled and sample return distinct elements of the input', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 10 }), (seed, k) => {
        const items = [...Array(10).keys()];
        const r = new SeededRng(seed);
        expect([...shuffled(r, items)].sort((a, b) => a - b)).toEqual(items);
        const s = sample(r, items, k);
        expect(s.length).toBe(k);
        expect(new Set(s).size).toBe(k);
        expect(items).toEqual([...Array(10).keys()]); // the input is not mutated
      }),
      { numRuns: 200 },
    );
  });

  it('pick and sample reject impossible requests', () => {
    const r = new SeededRng(1);
    expect(() => pick(r, [])).toThrow(InputError);
    expect(() => sample(r, [1, 2], 3)).toThrow(InputError);
  });
});
