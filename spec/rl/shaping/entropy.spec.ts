// Entropy shaping (paper Eq. 10): token entropy (proofs/shaping.md §4) and the band penalty with its
// gradient (§5), our absent-task rule beside the published one, and broken penalties that the
// properties catch.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inputErrorField } from '../../support/input-error.js';
import {
  DEFAULT_ENTROPY_BAND,
  DEFAULT_ENTROPY_LAMBDA,
  bandPenalty,
  entropyPenalty,
  publishedEntropyPenalty,
  tokenEntropy,
  type EntropyBand,
  type EntropyPenaltyInput,
} from '../../../src/rl/shaping/index.js';

const real = (min: number, max: number) =>
  fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((k) => min + (max - min) * (k / (2 ** 31 - 1)));

/** Softmax computed here, the plain way, for comparisons (rows of moderate logits only). */
function softmax(x: number[]): number[] {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

describe('tokenEntropy (proofs/shaping.md §4)', () => {
  const rowArb = fc.array(real(-30, 30), { minLength: 1, maxLength: 40 });

  it('0 ≤ H ≤ log V, the lower bound exactly (proofs/shaping.md §4.1)', () => {
    fc.assert(
      fc.property(rowArb, (x) => {
        const h = tokenEntropy(x, 'logits');
        // upper bound with 1e-13 slack: ~V roundings of terms ≤ 30 each (u·30·40 ≈ 1.3e-13 worst case)
        return h >= 0 && h <= Math.log(x.length) + 1e-13;
      }),
      { numRuns: 300 },
    );
  });

  it('from logits equals from probabilities, and is invariant to shifting the logits (proofs/shaping.md §4.2)', () => {
    fc.assert(
      fc.property(rowArb, real(-50, 50), (x, c) => {
        const h = tokenEntropy(x, 'logits');
        // 1e-12: the two paths round differently on terms of size ≤ 60·p (logits within ±30, shift ±50)
        return (
          Math.abs(tokenEntropy(softmax(x), 'probs') - h) <= 1e-12 &&
          Math.abs(tokenEntropy(
            x.map((v) => v + c),
            'logits',
          ) - h) <= 1e-12
        );
      }),
      { numRuns: 300 },
    );
  });

  it('closed forms: uniform = log V, Bernoulli(p), one-hot with −∞ logits = 0 exactly (proofs/shaping.md §4.3)', () => {
    for (const V of [1, 2, 7, 151_936]) {
      const h = tokenEntropy(new Float64Array(V), 'logits');
      expect(Math.abs(h - Math.log(V))).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.log(V)));
    }
    for (const p of [0.5, 0.1, 1e-3, 1e-9]) {
      const bern = -p * Math.log(p) - (1 - p) * Math.log1p(-p);
      const h = tokenEntropy([Math.log(p), Math.log1p(-p)], 'logits');
      expect(Math.abs(h - bern) / bern).toBeLessThan(1e-12);
    }
    expect(tokenEntropy([-Infinity, 3, -Infinity], 'logits')).toBe(0);
    expect(tokenEntropy([0, 1, 0], 'probs')).toBe(0);
  });

  it('a peaked row keeps its tiny entropy; the textbook log Z − Σ p·x form loses 2.4 % of it (proofs/shaping.md §4.3)', () => {
    // logits [0, −40]: e = exp(−40); H = log1p(e) + 40·e/(1 + e) = 41·e + O(e²) ≈ 1.7418e-16
    const e = Math.exp(-40);
    const exact = 41 * e; // the e² terms are 1e-35, far below one ulp of H
    const h = tokenEntropy([0, -40], 'logits');
    expect(Math.abs(h - exact) / exact).toBeLessThan(1e-14);
    // the other side: log(1 + e) rounds 1 + e to 1, leaving only 40·e
    const logZ = Math.log(1 + e);
    const textbook = logZ - (1 / (1 + e)) * 0 - (e / (1 + e)) * -40;
    expect(Math.abs(textbook - exact) / exact).toBeGreaterThan(0.02);
  });

  it('rejects NaN, +∞, an all −∞ row, unnormalised probabilities and unknown `from`', () => {
    expect(() => tokenEntropy([0, Number.NaN], 'logits')).toThrow('row[1]');
    expect(() => tokenEntropy([0, Infinity], 'logits')).toThrow('row[1]');
    expect(() => tokenEntropy([-Infinity, -Infinity], 'logits')).toThrow('row: every logit is −Infinity');
    expect(() => tokenEntropy([], 'logits')).toThrow('row: empty');
    expect(() => tokenEntropy([2.0, 1.0], 'probs')).toThrow("pass from: 'logits'");
    expect(() => tokenEntropy([0.5, -0.1, 0.6], 'probs')).toThrow('row[1]');
    expect(() => tokenEntropy([1], 'logit' as never)).toThrow('from: unknown option');
  });
});

type Penalty = (h: number, band: EntropyBand, lambda: number) => number;
const ours: Penalty = (h, b, l) => bandPenalty(h, b, l).penalty;
// Broken variants.
/** Penalises the distance to the band's middle, so a policy inside the band still pays. */
const fromMiddle: Penalty = (h, b, l) => l * Math.abs(h - (b.hMin + b.hMax) / 2);
/** Squares the excess below the band (a "smooth" rewrite that changes the published slope). */
const squaredBelow: Penalty = (h, b, l) => (h < b.hMin ? l * (b.hMin - h) ** 2 : ours(h, b, l));

const bandArb = fc.tuple(real(0, 2), real(0, 2)).map(([a, b]) => ({ hMin: Math.min(a, b), hMax: Math.max(a, b) }));
const lambdaArb = real(1e-3, 1);

const insideProperty = (f: Penalty) =>
  fc.property(bandArb, real(0, 1), lambdaArb, (b, t, l) => f(b.hMin + t * (b.hMax - b.hMin), b, l) === 0);

// Outside the band the penalty is linear with slope exactly λ: (P(H₂) − P(H₁))/(H₂ − H₁) = ±λ for two
// entropies on the same side, at least 1e-3 apart. Relative slack 1e-10: each P carries ≤ 2 roundings of
// a value ≤ 10·λ, so the difference quotient is off by ≤ 4u·10/1e-3 ≈ 4.4e-12 relative.
const slopeProperty = (f: Penalty) =>
  fc.property(bandArb, lambdaArb, real(1e-3, 5), real(1e-3, 5), fc.boolean(), (b, l, d1, d2, above) => {
    if (Math.abs(d1 - d2) < 1e-3) return true;
    if (!above && (d1 > b.hMin || d2 > b.hMin)) return true; // entropies are ≥ 0: stay in range below
    const h1 = above ? b.hMax + d1 : b.hMin - d1;
    const h2 = above ? b.hMax + d2 : b.hMin - d2;
    const slope = (f(h2, b, l) - f(h1, b, l)) / (h2 - h1);
    const expected = above ? l : -l;
    return Math.abs(slope - expected) <= 1e-10 * l;
  });

describe('band penalty λ·(max(0, H − H_max) + max(0, H_min − H)) (proofs/shaping.md §5)', () => {
  const fails = <T extends [unknown, ...unknown[]]>(p: fc.IProperty<T>) => fc.check(p, { numRuns: 1000, seed: 7 }).failed;

  it('zero inside the band, boundaries included (proofs/shaping.md §5.1)', () => {
    fc.assert(insideProperty(ours), { numRuns: 300 });
    expect(fails(insideProperty(fromMiddle))).toBe(true);
  });

  it('linear outside the band with slope exactly λ (proofs/shaping.md §5.2)', () => {
    fc.assert(slopeProperty(ours), { numRuns: 300 });
    expect(fails(slopeProperty(squaredBelow))).toBe(true);
  });

  it('defaults are the published ones: band [0.2, 0.6], λ = 0.02', () => {
    expect(DEFAULT_ENTROPY_BAND).toEqual({ hMin: 0.2, hMax: 0.6 });
    expect(DEFAULT_ENTROPY_LAMBDA).toBe(0.02);
  });
});

// A random batch in the (B, T) layout: rows of log-probs in [−3, 0) with a ragged mask.
interface Batch {
  input: EntropyPenaltyInput;
}
const batchArb = (estimator: 'neg-logp' | 'entropy') =>
  fc
    .record({
      T: fc.integer({ min: 1, max: 6 }),
      rows: fc.array(fc.constantFrom<string | number>('a', 'b', 1, '1'), { minLength: 1, maxLength: 6 }),
    })
    .chain(({ T, rows }) =>
      fc.record({
        values: fc.array(real(-3, -1e-3), { minLength: rows.length * T, maxLength: rows.length * T }),
        mask: fc.array(fc.constantFrom(0, 1, 1, 1), { minLength: rows.length * T, maxLength: rows.length * T }),
        tasks: fc.constant(rows),
      }),
    )
    .map(
      ({ values, mask, tasks }): Batch => ({
        input: { values: estimator === 'entropy' ? values.map((v) => -v) : values, mask, tasks, estimator },
      }),
    );

/** H_τ computed here from the definition, keyed by JSON (which keeps 1 and "1" apart). */
function taskMeans(inp: EntropyPenaltyInput): Map<string, number> {
  const T = inp.values.length / inp.tasks.length;
  const acc = new Map<string, [number, number]>();
  inp.tasks.forEach((task, b) => {
    for (let t = 0; t < T; t++) {
      if (inp.mask[b * T + t] !== 1) continue;
      const h = inp.estimator === 'neg-logp' ? -inp.values[b * T + t] : inp.values[b * T + t];
      const k = JSON.stringify(task);
      const [s, n] = acc.get(k) ?? [0, 0];
      acc.set(k, [s + h, n + 1]);
    }
  });
  return new Map([...acc].map(([k, [s, n]]) => [k, s / n]));
}

describe('entropyPenalty over a batch (proofs/shaping.md §5)', () => {
  const band = { hMin: 0.8, hMax: 1.6 };

  it('penalty = Σ over present tasks of the band term of H_τ (per-task bands, ids by value) (proofs/shaping.md §5.3)', () => {
    const bands = new Map<string | number, EntropyBand>([
      ['a', band],
      [1, { hMin: 0, hMax: 0.5 }],
    ]);
    fc.assert(
      fc.property(batchArb('neg-logp'), ({ input }) => {
        const r = entropyPenalty(input, { bands, lambda: 0.5 });
        const means = taskMeans(input);
        let expected = 0;
        for (const [k, h] of means) {
          const id = JSON.parse(k) as string | number;
          const b = bands.get(id) ?? DEFAULT_ENTROPY_BAND;
          expected += 0.5 * (Math.max(0, h - b.hMax) + Math.max(0, b.hMin - h));
        }
        // 1e-12: the mean is summed in the same order here, and the penalty is a sum of ≤ 4 terms ≤ 1.5
        return Math.abs(r.penalty - expected) <= 1e-12 && r.perTask.size === means.size;
      }),
      { numRuns: 200 },
    );
  });

  it('gradient = finite differences of the penalty w.r.t. each unmasked value, both estimators (proofs/shaping.md §5.4)', () => {
    for (const est of ['neg-logp', 'entropy'] as const) {
      fc.assert(
        fc.property(batchArb(est), fc.nat(), ({ input }, pick) => {
          const r = entropyPenalty(input, { defaultBand: band, lambda: 0.3 });
          // away from the kinks: every task's H at least 1e-4 from the band edges (finite differences
          // of step 1e-6 on one of ≤ 36 tokens move H by ≤ 1e-6)
          for (const s of r.perTask.values()) {
            if (Math.abs(s.entropy - band.hMin) < 1e-4 || Math.abs(s.entropy - band.hMax) < 1e-4) return true;
          }
          const i = pick % input.values.length;
          const eps = 1e-6;
          const at = (d: number) => {
            const v = Array.from(input.values);
            v[i] += d;
            return entropyPenalty({ ...input, values: v }, { defaultBand: band, lambda: 0.3 }).penalty;
          };
          const fd = (at(eps) - at(-eps)) / (2 * eps);
          // piecewise linear: central differences are exact up to rounding of P (≤ 1e-15) over 2e-6
          return Math.abs(fd - r.grad[i]) <= 1e-8;
        }),
        { numRuns: 150 },
      );
    }
  });

  it('gradient for −log π is −λ·side/N_τ on the task\'s unmasked tokens, 0 elsewhere (proofs/shaping.md §5.4)', () => {
    // task "a": three tokens with log-probs −0.1 each → H = 0.1 < 0.2: side −1, grad = +λ/3
    // task "b": one token with log-prob −2 → H = 2 > 0.6: side +1, grad = −λ/1
    const r = entropyPenalty({
      values: [-0.1, -0.1, -0.1, 99, -2, Number.NaN, Number.NaN, Number.NaN],
      mask: [1, 1, 1, 0, 1, 0, 0, 0],
      tasks: ['a', 'b'],
      estimator: 'neg-logp',
    });
    const l = DEFAULT_ENTROPY_LAMBDA;
    expect(Array.from(r.grad)).toEqual([l / 3, l / 3, l / 3, 0, -l, 0, 0, 0]);
    expect(r.perTask.get('a')!.side).toBe(-1);
    expect(r.perTask.get('b')!.side).toBe(1);
    // 1e-15: the sum of two band terms, each one subtraction and one product
    expect(Math.abs(r.penalty - l * ((0.2 - 0.1) + (2 - 0.6)))).toBeLessThan(1e-15);
  });

  it('an absent task adds nothing (ours); the published code adds λ·H_min = 0.004 per absent domain (proofs/shaping.md §5.5)', () => {
    fc.assert(
      fc.property(batchArb('neg-logp'), ({ input }) => {
        const domains = ['a', 'b', 1, '1', 'never-seen'];
        const r = entropyPenalty(input);
        const p = publishedEntropyPenalty(input, domains);
        const absent = domains.filter((d) => !r.perTask.has(d)).length; // ≥ 1: 'never-seen'
        // the published total is ours plus λ·H_min for each absent domain, and the gradients agree
        const extra = absent * DEFAULT_ENTROPY_LAMBDA * DEFAULT_ENTROPY_BAND.hMin;
        return (
          Math.abs(p.penalty - r.penalty - extra) <= 1e-15 &&
          p.penalty > r.penalty &&
          Array.from(p.grad).every((g, i) => g === r.grad[i])
        );
      }),
      { numRuns: 200 },
    );
    // the exact number with the published defaults: a batch of only "math", inside the band
    const inp: EntropyPenaltyInput = { values: [-0.4, -0.4], mask: [1, 1], tasks: ['math'], estimator: 'neg-logp' };
    expect(entropyPenalty(inp).penalty).toBe(0);
    expect(publishedEntropyPenalty(inp, ['math', 'ocr']).penalty).toBeCloseTo(0.004, 15);
    expect(publishedEntropyPenalty(inp, ['math', 'ocr']).perTask.get('ocr')!.tokens).toBe(0);
  });

  it('splitting a batch into micro-batches: ours counts a task only where it has tokens; the published sum grows with each split', () => {
    const full: EntropyPenaltyInput = {
      values: [-0.1, -0.1, -2, -2],
      mask: [1, 1, 1, 1],
      tasks: ['a', 'b'],
      estimator: 'neg-logp',
    };
    const half = (b: number): EntropyPenaltyInput => ({
      values: Array.from(full.values).slice(2 * b, 2 * b + 2),
      mask: [1, 1],
      tasks: [full.tasks[b]],
      estimator: 'neg-logp',
    });
    const domains = ['a', 'b'];
    const oursSplit = entropyPenalty(half(0)).penalty + entropyPenalty(half(1)).penalty;
    const pubSplit = publishedEntropyPenalty(half(0), domains).penalty + publishedEntropyPenalty(half(1), domains).penalty;
    // 1e-15: sums of the same two band terms in the same order
    expect(Math.abs(oursSplit - entropyPenalty(full).penalty)).toBeLessThan(1e-15);
    expect(Math.abs(pubSplit - publishedEntropyPenalty(full, domains).penalty - 2 * 0.02 * 0.2)).toBeLessThan(1e-15);
  });

  it('masked positions are never read: NaN there changes nothing', () => {
    const a = entropyPenalty({ values: [-1, 0], mask: [1, 0], tasks: ['x'], estimator: 'neg-logp' });
    const b = entropyPenalty({ values: [-1, Number.NaN], mask: [1, 0], tasks: ['x'], estimator: 'neg-logp' });
    expect(b.penalty).toBe(a.penalty);
    expect(b.grad[1]).toBe(0);
  });

  it('rejects bad input with the field named', () => {
    const ok: EntropyPenaltyInput = { values: [-1, -1], mask: [1, 1], tasks: ['x'], estimator: 'neg-logp' };
    expect(inputErrorField(() => entropyPenalty({ ...ok, tasks: ['x', 'y'], values: [-1, -1, -1] }))).toBe('input.values');
    expect(inputErrorField(() => entropyPenalty({ ...ok, shape: [1, 2] }))).toBe('no error');
    expect(inputErrorField(() => entropyPenalty({ ...ok, shape: [2, 1] }))).toBe('input.shape');
    expect(inputErrorField(() => entropyPenalty({ ...ok, mask: [1] }))).toBe('input.mask');
    expect(inputErrorField(() => entropyPenalty({ ...ok, mask: [1, 2] }))).toBe('input.mask[1]');
    expect(inputErrorField(() => entropyPenalty({ ...ok, values: [-1, Number.NaN] }))).toBe('input.values[1]');
    expect(inputErrorField(() => entropyPenalty({ ...ok, tasks: [] }))).toBe('input.tasks');
    expect(inputErrorField(() => entropyPenalty({ ...ok, estimator: 'kl' as never }))).toBe('input.estimator');
    expect(inputErrorField(() => entropyPenalty(ok, { lambda: -1 }))).toBe('options.lambda');
    expect(inputErrorField(() => entropyPenalty(ok, { defaultBand: { hMin: 0.6, hMax: 0.2 } }))).toBe('options.defaultBand.hMax');
    expect(inputErrorField(() => entropyPenalty(ok, { bands: { x: band } as never }))).toBe('options.bands');
    expect(inputErrorField(() => entropyPenalty(ok, { lamda: 1 } as never))).toBe('options.lamda');
    expect(inputErrorField(() => publishedEntropyPenalty(ok, [Number.NaN]))).toBe('domains[0]');
  });
});
