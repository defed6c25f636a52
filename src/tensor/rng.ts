/**
 * The one seeded random number generator of the model stack: xoshiro128** (Blackman & Vigna 2018,
 * prng.di.unimi.it) seeded through splitmix32, with explicit state that can be saved and restored.
 * Uniforms carry 53 random bits; normals come from Box–Muller (the second value of each pair is kept in
 * the state, so a restored generator continues exactly); categorical sampling inverts the CDF with one
 * uniform draw, which callers may pass in themselves (common random numbers across policies).
 *
 * Not here: tensor-valued draws (`randn`, `rand` in creation.ts). Not cryptographic.
 */

export interface RngState {
  /** The four 32-bit words of xoshiro128**, as unsigned integers. */
  readonly s: readonly [number, number, number, number];
  /** The cached second normal of the last Box–Muller pair, if unused. */
  readonly spare: number | null;
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /** Any non-negative safe integer seeds a distinct stream; 0 is a seed like any other. */
  constructor(seed = 0) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`Rng: seed must be a non-negative safe integer, got ${seed}`);
    // splitmix32 over the low word mixed with the high word: nearby seeds give unrelated states.
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / 4294967296), 0x9e3779b9);
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return z ^ (z >>> 15);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }

  /** Next 32-bit output as an unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** Uniform on [0, 1) with 53 random bits (two outputs). */
  uniform(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal by Box–Muller: r = √(−2 ln u₁) with u₁ ∈ (0, 1], angle 2πu₂; the sine half is cached. */
  normal(): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return z;
    }
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Uniform integer in [0, n), n a positive integer ≤ 2³² (bias ≤ n/2⁵³). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) throw new Error(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  getState(): RngState {
    return { s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spare: this.spare };
  }

  setState(state: RngState): void {
    const s = state.s;
    if (s.length !== 4 || !s.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) || s.every((w) => w === 0)) {
      throw new Error('Rng.setState: s must be four unsigned 32-bit integers, not all zero');
    }
    if (state.spare !== null && !Number.isFinite(state.spare)) throw new Error('Rng.setState: spare must be a finite number or null');
    [this.s0, this.s1, this.s2, this.s3] = [s[0] | 0, s[1] | 0, s[2] | 0, s[3] | 0];
    this.spare = state.spare;
  }
}

function draw(op: string, u: number | Rng): number {
  const v = typeof u === 'number' ? u : u.uniform();
  if (!(v >= 0 && v < 1)) throw new Error(`${op}: the uniform draw must be in [0, 1), got ${v}`);
  return v;
}

/**
 * Index i with probability probs[i] / Σ probs, by inverting the CDF at one uniform draw (a number in
 * [0, 1) or a generator to take it from). Zero-probability entries are never returned.
 */
export function categorical(probs: ArrayLike<number>, u: number | Rng): number {
  let total = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    if (!(p >= 0 && p < Infinity)) throw new Error(`categorical: probs[${i}]=${p} is not a finite non-negative number`);
    total += p;
  }
  if (!(total > 0)) throw new Error('categorical: probabilities sum to 0');
  const target = draw('categorical', u) * total;
  let cum = 0;
  let last = -1;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] === 0) continue;
    cum += probs[i];
    last = i;
    if (cum > target) return i;
  }
  return last; // rounding left the running sum a hair below target·total: the last possible index
}

/** categorical(softmax(logits)), computed stably in double; −∞ logits are never drawn. */
export function categoricalFromLogits(logits: ArrayLike<number>, u: number | Rng): number {
  let m = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    if (Number.isNaN(logits[i]) || logits[i] === Infinity) throw new Error(`categoricalFromLogits: logits[${i}]=${logits[i]}`);
    if (logits[i] > m) m = logits[i];
  }
  if (m === -Infinity) throw new Error('categoricalFromLogits: every logit is −∞');
  const p = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) p[i] = Math.exp(logits[i] - m);
  return categorical(p, u);
}
