/**
 * Property tests of the normal-score map `ot` (shared g2rpo-spec §1), one per section of
 * proofs/ot-normal-scores.md, and a check that each property catches a deliberately broken variant.
 *
 * Every law is written once as a function of the implementation, so the same law runs against `ot` (it
 * must hold) and against the broken variants defined at the bottom (each must be caught by the laws the
 * detection table names). Exact reference numbers come from spec/rl/reference/normal-reference.json
 * (made by make_normal_reference.py at 60 digits, not by this code). Tolerances: u = 2⁻⁵³ is the unit
 * roundoff; ε_q = 1e-15 is Φ⁻¹'s relative accuracy, checked in spec/rl/normal.spec.ts.
 *
 * Not here: the paper's worked examples (ot-worked-examples.spec.ts), Φ⁻¹ accuracy (normal.spec.ts).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalCdf, normalQuantile } from '../../src/rl/normal.js';
import { normalScores, ot, otInto } from '../../src/rl/ot.js';

type OtImpl = (values: ArrayLike<number>) => Float64Array;
const u = 2 ** -53;
const epsQ = 1e-15;
const ref: {
  scores: { n: number; meanSquare: string; qMax: string }[];
  binary: { n: number; correct: number; top: string; bottom: string; meanSquare: string }[];
} = JSON.parse(readFileSync(new URL('./reference/normal-reference.json', import.meta.url), 'utf8'));

// ---------- generators: every reward scale, with and without ties ----------
const anyFinite = fc.double({ noNaN: true, noDefaultInfinity: true }); // ±1.8e308 … subnormals, −0
const reward = fc.oneof(
  anyFinite,
  fc.double({ min: -1e300, max: 1e300, noNaN: true }),
  fc.double({ min: -1e-300, max: 1e-300, noNaN: true }), // tiny, mostly subnormal-adjacent
  fc.integer({ min: -2, max: 2 }).map((k) => k * 0.1), // many ties, like binary or graded rewards
  fc.constantFrom(1e300, -1e300, Number.MIN_VALUE, -Number.MIN_VALUE, 0, -0),
);
const group = fc.array(reward, { maxLength: 40 }); // > 32 takes ot's other sort path
const distinct = fc.uniqueArray(reward, { comparator: 'SameValueZero', maxLength: 40 }); // 0 ≡ −0
const smallInts = fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 2, maxLength: 24 });
const positiveScale = fc.double({ min: 1e-300, max: 1e300, noNaN: true });
const tied = fc // values on a scaled small-integer grid: ties almost surely
  .tuple(smallInts, positiveScale)
  .map(([ks, s]) => ks.map((k) => k * s));
const withPerm = (g: fc.Arbitrary<number[]>) =>
  g.chain((v) => fc.tuple(fc.constant(v), fc.array(fc.nat(), { minLength: v.length, maxLength: v.length })));

// ---------- helpers ----------
const sorted = (a: Float64Array) => Float64Array.from(a).sort();
const qMax = (n: number) => -normalQuantile(0.5 / n); // q_n = Φ⁻¹(1 − 1/(2n)) = −q_1
/** Tie blocks of `values` as [start, end) rank ranges (0-based) of the ascending order. */
function blocksOf(values: readonly number[]): { order: number[]; blocks: [number, number][] } {
  const order = [...values.keys()].sort((i, j) => values[i] - values[j] || i - j);
  const blocks: [number, number][] = [];
  for (let s = 0; s < order.length; ) {
    let e = s + 1;
    while (e < order.length && values[order[e]] === values[order[s]]) e++;
    blocks.push([s, e]);
    s = e;
  }
  return { order, blocks };
}
const meanSq = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x * x, 0) / a.length;
/** Kolmogorov–Smirnov gaps |F_n − Φ| on both sides of every jump of the empirical CDF of `a`. */
function ksGaps(a: Float64Array): number[] {
  const s = sorted(a);
  const n = s.length;
  const gaps: number[] = [];
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && s[j] === s[i]) j++;
    const phi = normalCdf(s[i]);
    gaps.push(Math.abs(phi - i / n), Math.abs(j / n - phi));
    i = j;
  }
  return gaps;
}

// ---------- the laws: one per section of proofs/ot-normal-scores.md ----------
interface Law {
  id: string;
  title: string;
  law: (impl: OtImpl) => fc.IProperty<any>;
  numRuns?: number;
}
const laws: Law[] = [
  {
    id: '§1a',
    title: 'zero sum, exact pairing for distinct inputs: sorted a₍ᵢ₎ + a₍ₙ₊₁₋ᵢ₎ === 0',
    law: (impl) =>
      fc.property(distinct, (x) => {
        const s = sorted(impl(x));
        for (let i = 0; i < s.length; i++) expect(s[i] + s[s.length - 1 - i] === 0).toBe(true);
      }),
  },
  {
    id: '§1b',
    title: 'zero sum with ties: |fl Σ A| ≤ (2n + 1)·u·Σ|q_k|',
    // Each block mean carries ≤ (m − 1)u·Σ_B|q| from its sum and u·|mean| from the division, so the m
    // copies err by ≤ m·u·Σ_B|q| ≤ n·u·Σ_B|q|; summing the n outputs adds ≤ (n − 1)u·Σ|A| ≤ (n − 1)u·Σ|q|.
    law: (impl) =>
      fc.property(fc.oneof(group, tied), (x) => {
        const n = x.length;
        const sumAbsQ = normalScores(n).reduce((s, q) => s + Math.abs(q), 0);
        const total = impl(x).reduce((s, a) => s + a, 0);
        expect(Math.abs(total)).toBeLessThanOrEqual((2 * n + 1) * u * sumAbsQ);
      }),
  },
  {
    id: '§2',
    title: 'bound |A| ≤ q_n = Φ⁻¹(1 − 1/(2n)) whatever the reward scale (1e300, subnormals)',
    law: (impl) =>
      fc.property(fc.oneof(group, tied), (x) => {
        const a = impl(x);
        for (let i = 0; i < a.length; i++) expect(Math.abs(a[i])).toBeLessThanOrEqual(qMax(x.length));
      }),
  },
  {
    id: '§3',
    title: 'invariance under strictly increasing transforms (exp, x³ + c, a·x + b with a > 0), bit for bit',
    law: (impl) =>
      fc.property(
        fc.array(fc.integer({ min: -30, max: 30 }), { maxLength: 40 }),
        fc.constantFrom('exp', 'cube', 'affine'),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        (ks, kind, a, c) => {
          const x = ks.map((k) => k / 7);
          const f = (v: number) => (kind === 'exp' ? Math.exp(v) : kind === 'cube' ? v ** 3 + c : a * v + c);
          const y = x.map(f);
          // premise: f kept the weak order of these floats (no two distinct values merged)
          for (let i = 0; i < x.length; i++)
            for (let j = 0; j < x.length; j++) expect(Math.sign(y[i] - y[j])).toBe(Math.sign(x[i] - x[j]));
          const [ax, ay] = [impl(x), impl(y)];
          for (let i = 0; i < x.length; i++) expect(ay[i] === ax[i]).toBe(true);
        },
      ),
  },
  {
    id: '§4',
    title: 'distinct inputs: KS distance to Φ is exactly 1/(2n), attained on both sides of every jump',
    // Each gap is |Φ(q_k) − (k − ½)/n ± 1/(2n)|: Φ errs ≤ 2.3e-16, q_k's error moves Φ(q_k) by ≤
    // φ(q)·ε_q·|q| ≤ 0.25e-15, and forming k/n and the difference rounds ≤ 1.7e-16: 1e-15 covers the sum.
    law: (impl) =>
      fc.property(distinct.filter((x) => x.length > 0), (x) => {
        const half = 1 / (2 * x.length);
        for (const g of ksGaps(impl(x))) expect(Math.abs(g - half)).toBeLessThanOrEqual(1e-15);
      }),
  },
  {
    id: '§5a',
    title: 'distinct inputs: mean A² = mean q_k² = M_n, the 60-digit reference for n = 2 … 1000',
    // q² has relative error ≤ 2ε_q + u; the sum of n squares and the division add ≤ n·u.
    law: (impl) =>
      fc.property(
        fc.constantFrom(...ref.scores).chain((r) => {
          const x = fc.uniqueArray(anyFinite, { comparator: 'SameValueZero', minLength: r.n, maxLength: r.n });
          return fc.tuple(fc.constant(r), x);
        }),
        ([r, x]) => {
          const m = Number(r.meanSquare);
          expect(Math.abs(meanSq(impl(x)) - m)).toBeLessThanOrEqual((2 * epsQ + (r.n + 1) * u) * m);
        },
      ),
    numRuns: 40,
  },
  {
    id: '§5b',
    title: 'ties: M_n − mean A² = (1/n)·Σ_blocks Σ_k (q_k − block mean)² (the deficit is the within-block spread)',
    // All three terms are means of n squares ≤ q_n², each with relative error ≤ (n + 2)u, and a block mean
    // errs by ≤ n·u·q_n, moving its square by ≤ 2n·u·q_n²: (5n + 6)·u·q_n² bounds the difference.
    law: (impl) =>
      fc.property(fc.oneof(group, tied).filter((x) => x.length > 1), (x) => {
        const n = x.length;
        const q = normalScores(n);
        const { blocks } = blocksOf(x);
        let within = 0;
        for (const [s, e] of blocks) {
          let mu = 0;
          for (let k = s; k < e; k++) mu += q[k];
          mu /= e - s;
          for (let k = s; k < e; k++) within += (q[k] - mu) ** 2;
        }
        const deficit = meanSq(q) - meanSq(impl(x));
        expect(Math.abs(deficit - within / n)).toBeLessThanOrEqual((5 * n + 6) * u * qMax(n) ** 2);
      }),
  },
  {
    id: '§5c',
    title: 'binary rewards, n = 8, j correct: A = S_j/j and −S_j/(8 − j), mean A² = S_j²/(j(8 − j)) (0.336 for j = 1, 0.588 for j = 4)',
    // A block mean of ≤ 8 scores ≤ 1.54 errs by ≤ ε_q·1.54 + 8u·1.54 < 3e-15; its square by < 1e-14.
    law: (impl) =>
      fc.property(
        fc.constantFrom(...ref.binary),
        fc.double({ min: -1e300, max: 1e300, noNaN: true }),
        fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
        (r, lo, keys) => {
          const order = [...keys.keys()].sort((i, j) => keys[i] - keys[j] || i - j);
          const x = order.map((i) => (i < r.correct ? lo + Math.abs(lo) + 1 : lo)); // two levels, shuffled
          const a = impl(x);
          for (let i = 0; i < 8; i++) {
            const want = Number(x[i] === lo ? r.bottom : r.top);
            expect(Math.abs(a[i] - want)).toBeLessThanOrEqual(3e-15);
          }
          expect(Math.abs(meanSq(a) - Number(r.meanSquare))).toBeLessThanOrEqual(1e-14);
        },
      ),
  },
  {
    id: '§6',
    title: 'antisymmetry: ot(−x) = −ot(x) bit for bit for distinct x',
    law: (impl) =>
      fc.property(distinct, (x) => {
        const [a, b] = [impl(x), impl(x.map((v) => -v))];
        for (let i = 0; i < x.length; i++) expect(b[i] === -a[i]).toBe(true); // === so 0 matches −0
      }),
  },
  {
    id: '§7',
    title: 'permutation equivariance: ot(x∘π) = ot(x)∘π bit for bit, ties included',
    law: (impl) =>
      fc.property(withPerm(fc.oneof(group, tied)), ([x, keys]) => {
        const pi = [...keys.keys()].sort((i, j) => keys[i] - keys[j] || i - j);
        const [a, b] = [impl(x), impl(pi.map((i) => x[i]))];
        for (let j = 0; j < x.length; j++) expect(b[j] === a[pi[j]]).toBe(true);
      }),
  },
  {
    id: '§8',
    title: 'ties: each tie block gets one value, the mean of its ranks’ quantiles Φ⁻¹((k − ½)/n)',
    // Against Φ⁻¹ called rank by rank (no mirror): q_k errs ≤ ε_q·|q|, the rounded (k − ½)/n moves it by
    // ≤ u/φ(q_n) (≤ 1.7e-15 for n ≤ 40), each mean adds ≤ n·u·q_n: 4e-15 + 2n·u·q_n covers both sides.
    law: (impl) =>
      fc.property(fc.oneof(group, tied), (x) => {
        const n = x.length;
        const a = impl(x);
        const { order, blocks } = blocksOf(x);
        for (const [s, e] of blocks) {
          let want = 0;
          for (let k = s + 1; k <= e; k++) want += normalQuantile((k - 0.5) / n);
          want /= e - s;
          for (let k = s; k < e; k++) {
            expect(a[order[k]] === a[order[s]]).toBe(true);
            expect(Math.abs(a[order[k]] - want)).toBeLessThanOrEqual(4e-15 + 2 * n * u * qMax(n));
          }
        }
      }),
  },
  {
    id: '§9',
    title: 'a tie block symmetric about the middle is exactly 0 (all-equal → zeros, n ≤ 1 → 0)',
    law: (impl) =>
      fc.property(
        fc.array(fc.double({ min: -1e300, max: -1e-300, noNaN: true }), { maxLength: 15 }),
        fc.array(fc.double({ min: 1e-300, max: 1e300, noNaN: true }), { maxLength: 15 }),
        fc.array(fc.constantFrom(0, -0), { maxLength: 10 }),
        fc.double({ min: -1e300, max: 1e300, noNaN: true }),
        (below, above, zeros, shift) => {
          const L = Math.min(below.length, above.length); // as many values below the block as above it
          const x = [...above.slice(0, L), ...zeros, ...below.slice(0, L)];
          const a = impl(x);
          for (let i = L; i < L + zeros.length; i++) expect(a[i]).toBe(0); // toBe: +0, not −0
          const same = impl(x.map(() => shift)); // all equal, any value, any n ≥ 0
          for (let i = 0; i < x.length; i++) expect(same[i]).toBe(0);
        },
      ),
  },
  {
    id: '§10',
    title: 'distinct inputs: the outputs are q_1 < … < q_n with q_{n+1−k} = −q_k bit for bit and an odd middle exactly 0',
    law: (impl) =>
      fc.property(distinct, (x) => {
        const s = sorted(impl(x));
        const n = s.length;
        for (let i = 0; i < n; i++) expect(s[n - 1 - i] === -s[i]).toBe(true);
        for (let i = 1; i < n; i++) expect(s[i]).toBeGreaterThan(s[i - 1]);
        if (n % 2 === 1) expect(s[(n - 1) / 2] === 0).toBe(true);
      }),
  },
];

describe('ot: the laws of proofs/ot-normal-scores.md hold', () => {
  for (const { id, title, law, numRuns } of laws) {
    it(`${title} (proofs/ot-normal-scores.md ${id})`, () => fc.assert(law(ot), { numRuns: numRuns ?? 200 }));
  }

  it('normalScores(n) for n = 0 … 512 and 1000, 4096, 10007: mirrored bit for bit, odd middle 0, strictly increasing (proofs/ot-normal-scores.md §10)', () => {
    const bad: string[] = []; // one expect at the end: 150k element checks through expect take seconds
    for (const n of [...Array(513).keys(), 1000, 4096, 10007]) {
      const q = normalScores(n);
      if (q.length !== n) bad.push(`n=${n}: length ${q.length}`);
      for (let k = 0; k < n; k++) if (!(q[n - 1 - k] === -q[k])) bad.push(`n=${n}: q[${n - 1 - k}] ≠ −q[k]`);
      for (let k = 1; k < n; k++) if (!(q[k] > q[k - 1])) bad.push(`n=${n}: q[${k}] ≤ q[${k - 1}]`);
      if (n % 2 === 1 && !Object.is(q[(n - 1) / 2], 0)) bad.push(`n=${n}: middle ${q[(n - 1) / 2]}`);
    }
    expect(bad).toEqual([]);
  });

  it('q_n matches the reference (1.5341205443525463 for n = 8), within ε_q·q_n (proofs/ot-normal-scores.md §2)', () => {
    // (the computed q_8 is 1.5341205443525459, 2 ulp below the reference 1.53412054435254631…)
    for (const r of ref.scores) {
      expect(Math.abs(qMax(r.n) - Number(r.qMax))).toBeLessThanOrEqual(epsQ * Number(r.qMax));
    }
  });

  it('M_n = mean q_k² < 1 for every n and strictly increasing: n = 2 … 2000; M_8 = 0.85105… (proofs/ot-normal-scores.md §5)', () => {
    // The increments M_{n+1} − M_n shrink like ~1.3/n² (3.2e-7 at n = 2000), far above M_n's float error
    // (≤ (n + 1)·u·M_n ≈ 2e-13).
    let prev = 0;
    for (let n = 2; n <= 2000; n++) {
      const m = meanSq(normalScores(n));
      expect(m).toBeLessThan(1);
      expect(m).toBeGreaterThan(prev);
      prev = m;
    }
    const m8 = 0.8510509733345605; // the reference, spec/rl/reference/normal-reference.json
    expect(Math.abs(meanSq(normalScores(8)) - m8)).toBeLessThanOrEqual((2 * epsQ + 9 * u) * m8); // as §5a
    expect(1 - prev).toBeLessThan(0.0015); // the trend: 1 − M_1000 = 1.3e-3 (reference), smaller at 2000
  });

  it('otInto on an index subset equals ot of the gathered values and writes nothing else (proofs/ot-normal-scores.md §7)', () => {
    fc.assert(
      fc.property(group, fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), (x, pick) => {
        const idx = [...x.keys()].filter((i) => pick[i]);
        const out = new Float64Array(x.length).fill(7);
        otInto(x, Int32Array.from(idx), out);
        const want = ot(idx.map((i) => x[i]));
        idx.forEach((i, j) => expect(out[i] === want[j]).toBe(true));
        x.forEach((_, i) => pick[i] || expect(out[i]).toBe(7));
      }),
    );
  });
});

// ---------- broken variants: each law must catch at least one ----------
/** A rank-score map with the choices exposed: plotting position, tie rule, whether the upper half mirrors. */
function rankOt(
  position: (k: number, n: number) => number,
  ties: 'mean' | 'index' | 'first',
  mirror: boolean,
): OtImpl {
  return (values) => {
    const x = Array.from(values);
    const n = x.length;
    const out = new Float64Array(n);
    if (n <= 1) return out;
    const q = new Float64Array(n);
    for (let k = 1; k <= n; k++) q[k - 1] = mirror && 2 * k > n ? -q[n - k] : normalQuantile(position(k, n));
    const { order, blocks } = blocksOf(x);
    for (const [s, e] of blocks) {
      const mean = q.slice(s, e).reduce((t, v) => t + v, 0) / (e - s);
      for (let k = s; k < e; k++) out[order[k]] = ties === 'index' ? q[k] : ties === 'first' ? q[s] : mean;
    }
    return out;
  };
}
const half = (k: number, n: number) => (k - 0.5) / n;
const broken: { name: string; impl: OtImpl; caughtBy: string[] }[] = [
  // §9 also catches the first four because a plain mean of mirrored scores need not round to exactly 0.
  {
    name: 'k/(n + 1) plotting positions (van der Waerden)',
    impl: rankOt((k, n) => k / (n + 1), 'mean', true),
    caughtBy: ['§4', '§5a', '§5b', '§5c', '§8', '§9'],
  },
  {
    name: 'ties broken by index instead of averaged',
    impl: rankOt(half, 'index', true),
    caughtBy: ['§5b', '§5c', '§7', '§8', '§9'],
  },
  {
    name: 'a tie block gets its first rank’s quantile',
    impl: rankOt(half, 'first', true),
    caughtBy: ['§1b', '§5b', '§5c', '§8', '§9'],
  },
  // Φ⁻¹((n − ½)/n) can exceed −Φ⁻¹(½/n) by an ulp, so even the bound §2 notices the missing mirror.
  {
    name: 'no mirror: every q_k from Φ⁻¹ directly',
    impl: rankOt(half, 'mean', false),
    caughtBy: ['§1a', '§2', '§6', '§9', '§10'],
  },
  {
    name: 'GRPO z-score (x − mean)/(std + 1e-6)',
    impl: (values) => {
      const x = Array.from(values);
      const n = x.length;
      const mean = x.reduce((s, v) => s + v, 0) / n;
      const std = Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
      return Float64Array.from(x, (v) => (n <= 1 ? 0 : (v - mean) / (std + 1e-6)));
    },
    // Also fails most other laws, but some only through overflow to NaN at 1e300: not listed.
    caughtBy: ['§2', '§3', '§4', '§5a'],
  },
];

describe('ot: the laws catch deliberately broken variants (proofs/ot-normal-scores.md §11)', () => {
  const failsLaw = (impl: OtImpl, id: string) => {
    const l = laws.find((x) => x.id === id)!;
    return fc.check(l.law(impl), { numRuns: l.numRuns ?? 200, seed: 20260411 }).failed;
  };
  for (const { name, impl, caughtBy } of broken) {
    it(`${name}: caught by ${caughtBy.join(', ')} (proofs/ot-normal-scores.md §11)`, () => {
      for (const id of caughtBy) expect(failsLaw(impl, id), id).toBe(true);
    });
  }
  it('every law catches at least one broken variant (proofs/ot-normal-scores.md §11)', () => {
    const caught = new Set(broken.flatMap((b) => b.caughtBy));
    expect(laws.filter((l) => !caught.has(l.id)).map((l) => l.id)).toEqual([]);
  });
});
