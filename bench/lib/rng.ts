/**
 * A small seeded PRNG for synthetic benchmark data (mulberry32: 32-bit state, period 2^32, plenty for
 * test data; not for statistics). Explicit state, so the same seed gives the same batch on every machine.
 */
export interface Rng {
  /** Uniform in [0, 1), multiples of 2^-32. */
  next(): number;
}

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return {
    next(): number {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}
