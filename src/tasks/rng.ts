/**
 * The randomness every task generator takes: an explicit `Rng` ({ next(): number } uniform in [0, 1)),
 * plus one small seeded implementation (mulberry32, T. Ettinger 2017) whose whole state is one 32-bit
 * word, so a trainer can save it in a checkpoint and resume the exact example stream.
 *
 * Not here: the model stack's generator (`src/tensor/rng.ts`, xoshiro128**). `src/tasks` must not import
 * the tensor core, and any object with `next()` works, so the trainer may pass that one instead.
 * Not cryptographic; 2³² states is plenty for drawing scenes.
 */
import { InputError } from '../rl/errors.js';

export interface Rng {
  /** A uniform draw in [0, 1). */
  next(): number;
}

/** mulberry32: a 32-bit state advanced by a Weyl step and finished by two xorshift-multiply rounds. */
export class SeededRng implements Rng {
  private s: number;

  /** Any safe integer seeds a stream (0 is a seed like any other); the state is its low 32 bits, mixed. */
  constructor(seed = 0) {
    if (!Number.isSafeInteger(seed)) throw new InputError('seed', `must be a safe integer (got ${String(seed)})`);
    // Fold the high word in (seeds 2³² apart still differ), then scramble with murmur3's finaliser: the
    // state walks a Weyl sequence (+0x6d2b79f5 per draw), so unscrambled, seed 0x6d2b79f5 would be seed 0
    // one draw later; scrambled, which seeds share a stream is no longer a simple pattern.
    let h = (seed ^ Math.imul(Math.floor(seed / 4294967296), 0x9e3779b9)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    this.s = (h ^ (h >>> 16)) >>> 0;
  }

  /** The whole state, for checkpoints. `SeededRng.fromState(r.state)` continues the same stream. */
  get state(): number {
    return this.s;
  }

  static fromState(state: number): SeededRng {
    if (!Number.isInteger(state) || state < 0 || state > 0xffffffff) {
      throw new InputError('state', `must be an unsigned 32-bit integer (got ${String(state)})`);
    }
    const r = new SeededRng(0);
    r.s = state;
    return r;
  }

  /** A multiple of 2⁻³² in [0, 1): the 32-bit output divided by 2³², never 1. */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let z = this.s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  }
}

/** A uniform integer in [lo, hi] (both inclusive). */
export function randInt(rng: Rng, lo: number, hi: number): number {
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
    throw new InputError('randInt', `needs integers lo ≤ hi (got ${lo}, ${hi})`);
  }
  const u = rng.next();
  if (!(u >= 0 && u < 1)) throw new InputError('rng.next()', `must return a number in [0, 1) (got ${u})`);
  // floor(u·n) < n because u < 1 and n ≤ 2⁵³; a caller's rng returning exactly 1 is caught above.
  return lo + Math.floor(u * (hi - lo + 1));
}

/** One element of a non-empty array, uniformly. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new InputError('pick', 'empty array');
  return items[randInt(rng, 0, items.length - 1)];
}

/** A uniformly shuffled copy (Fisher–Yates). */
export function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = randInt(rng, 0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** k distinct elements drawn uniformly without replacement, in draw order. */
export function sample<T>(rng: Rng, items: readonly T[], k: number): T[] {
  if (!Number.isInteger(k) || k < 0 || k > items.length) {
    throw new InputError('sample', `k must be an integer in [0, ${items.length}] (got ${k})`);
  }
  return shuffled(rng, items).slice(0, k);
}
