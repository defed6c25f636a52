/**
 * The G²RPO implementation (src/rl/advantages/g2rpo.ts and its helpers) against a slow, plainly written
 * reference of shared g2rpo-spec §2 built on `ot` from src/rl/ot.ts, plus the parts the property file
 * does not cover: the fast stage-2 kernel, grouping by (task, group) by value, the multi-component
 * degenerate rule, and the published-float32 mode showing the defect of spec §5 beside our exact mode.
 *
 * The G²RPO laws themselves (quantile sets, gradient equity, sign flips) live in
 * g2rpo-properties.spec.ts, written separately against the same API.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalQuantile } from '../../../src/rl/normal.js';
import { ot } from '../../../src/rl/ot.js';
import { computeAdvantages, g2rpoAdvantages, type Id, type RewardBatch, type TaskStage } from '../../../src/rl/advantages/index.js';
import { makePooledOtScratch, pooledOtInto } from '../../../src/rl/advantages/pooled-ot.js';

// ---------- the reference: Maps of arrays, `ot` on gathered copies, no shared code with g2rpo.ts ----------
function referenceG2rpo(b: RewardBatch, stage: TaskStage, exclude: boolean): number[] {
  const n = b.rewards.length;
  const key = (i: number) => JSON.stringify([b.tasks?.[i] ?? '', b.groups[i]]); // 1 ≠ "1" in JSON
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) groups.set(key(i), [...(groups.get(key(i)) ?? []), i]);
  const comps = b.components ?? [b.rewards];
  const s = new Array<number>(n).fill(0);
  const degenerate = new Set<number>();
  for (const idx of groups.values()) {
    for (const c of comps) {
      const a = ot(idx.map((i) => c[i]));
      idx.forEach((i, j) => (s[i] += a[j]));
    }
    if (comps.every((c) => idx.every((i) => c[i] === c[idx[0]]))) idx.forEach((i) => degenerate.add(i));
  }
  const out = new Array<number>(n).fill(0);
  const tasks = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const t = JSON.stringify(b.tasks?.[i] ?? '');
    tasks.set(t, [...(tasks.get(t) ?? []), i]);
  }
  for (const idx of tasks.values()) {
    if (stage === 'none') idx.forEach((i) => (out[i] = exclude && degenerate.has(i) ? 0 : s[i]));
    else if (stage === 'ot') {
      const part = idx.filter((i) => !(exclude && degenerate.has(i)));
      const a = ot(part.map((i) => s[i]));
      part.forEach((i, j) => (out[i] = a[j]));
    } else {
      const part = idx.filter((i) => !degenerate.has(i));
      const ms = part.reduce((t, i) => t + s[i] * s[i], 0) / part.length;
      if (part.length > 0 && ms > 0) part.forEach((i) => (out[i] = s[i] / Math.sqrt(ms)));
    }
  }
  return out;
}

const reward = fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 4 }).map((k) => k / 4), fc.double({ min: -1e6, max: 1e6, noNaN: true }));
const id: fc.Arbitrary<Id> = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('0', '1', 'a'));
const batchArb = (components: number) =>
  fc.integer({ min: 1, max: 60 }).chain((n) =>
    fc.record({
      rewards: fc.array(reward, { minLength: n, maxLength: n }),
      groups: fc.array(id, { minLength: n, maxLength: n }),
      tasks: fc.array(fc.constantFrom<Id>('math', 1, '1'), { minLength: n, maxLength: n }),
      components: fc.array(fc.array(fc.constantFrom(0, 0.5, 1), { minLength: n, maxLength: n }), { minLength: components, maxLength: components }),
    }),
  ).map((b) => (components === 0 ? { rewards: b.rewards, groups: b.groups, tasks: b.tasks } : b));

describe('G²RPO against the plain reference of spec §2', () => {
  for (const stage of ['ot', 'none', 'scale'] as const) {
    for (const exclude of [false, true]) {
      it(`taskStage ${stage}, excludeDegenerate ${exclude}, 0–3 components: equal to the reference`, () => {
        fc.assert(
          fc.property(fc.integer({ min: 0, max: 3 }).chain(batchArb), (b) => {
            const got = g2rpoAdvantages(b, { taskStage: stage, excludeDegenerate: exclude });
            const want = referenceG2rpo(b, stage, exclude);
            // ot/none: the same `ot` arithmetic, so bit for bit. scale: Σs² may be summed in another order:
            // ≤ n·u relative in the mean, half of it after the root.
            for (let i = 0; i < want.length; i++) {
              if (stage === 'scale') expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(64 * 2 ** -53 * Math.abs(want[i]) * want.length);
              else expect(got[i] === want[i], `response ${i}: ${got[i]} vs ${want[i]}`).toBe(true);
            }
          }),
          { numRuns: 150 },
        );
      });
    }
  }

  it('computeAdvantages dispatches to the same numbers', () => {
    fc.assert(
      fc.property(batchArb(0), (b) => {
        expect(computeAdvantages(b, { estimator: 'g2rpo' })).toEqual(g2rpoAdvantages(b));
      }),
      { numRuns: 50 },
    );
  });
});

describe('G²RPO stage 2 kernel (pooled-ot.ts)', () => {
  it('pooledOtInto on any index subset equals ot of the gathered values, bit for bit, −0 ≡ +0', () => {
    const value = fc.oneof(fc.constantFrom(0, -0, 1, -1, 0.5), fc.double({ min: -1e300, max: 1e300, noNaN: true }));
    const scratch = makePooledOtScratch(); // reused across runs, as g2rpo.ts reuses it across tasks
    fc.assert(
      fc.property(fc.array(value, { maxLength: 300 }), fc.array(fc.boolean(), { minLength: 300, maxLength: 300 }), (x, keep) => {
        const idx = Int32Array.from([...x.keys()].filter((i) => keep[i]));
        const out = new Float64Array(x.length).fill(7);
        pooledOtInto(x, idx, idx.length, out, scratch);
        const want = ot(Array.from(idx, (i) => x[i]));
        idx.forEach((i, j) => expect(out[i] === want[j]).toBe(true));
        x.forEach((_, i) => keep[i] || expect(out[i]).toBe(7));
      }),
      { numRuns: 300 },
    );
  });
});

describe('G²RPO grouping: by (task, group), ids compared by value', () => {
  it('group 1 and group "1" are two groups (two singletons → 0); group 1 twice is one group (±Φ⁻¹(3/4))', () => {
    expect(Array.from(g2rpoAdvantages({ rewards: [0, 1], groups: [1, '1'] }))).toEqual([0, 0]);
    const a = g2rpoAdvantages({ rewards: [0, 1], groups: [1, 1] });
    expect(a[1]).toBe(-a[0]);
    expect(Math.abs(a[1] - normalQuantile(0.75))).toBeLessThanOrEqual(1e-15);
  });

  it('the same group id in two tasks is two groups, and tasks 1 and "1" are two tasks', () => {
    // one group [0, 1] per task → each task is the two quantiles of n = 2
    const a = g2rpoAdvantages({ rewards: [0, 1, 0, 1], groups: ['p', 'p', 'p', 'p'], tasks: [1, 1, '1', '1'] });
    const merged = g2rpoAdvantages({ rewards: [0, 1, 0, 1], groups: ['p', 'p', 'p', 'p'], tasks: [1, 1, 1, 1] });
    expect(Array.from(a)).toEqual([...ot([0, 1]), ...ot([0, 1])]);
    expect(Array.from(merged)).toEqual(Array.from(ot([0, 1, 0, 1])));
  });
});

describe('G²RPO multi-component: the degenerate rule', () => {
  const base = { rewards: [9, 9, 9, 9, 5, 6], groups: ['a', 'a', 'b', 'b', 'c', 'c'] };
  it('a group is degenerate only when every component is constant in it; rewards are not used', () => {
    // group a: both components constant → degenerate; group b: components [0,1] and [1,0] cancel to
    // s = 0 but vary → not degenerate; group c: one varying component.
    const components = [
      [1, 1, 0, 1, 0, 1],
      [0, 0, 1, 0, 1, 1],
    ];
    const s = g2rpoAdvantages({ ...base, components }, { taskStage: 'none' });
    expect(Array.from(s.slice(0, 4))).toEqual([0, 0, 0, 0]);
    // scale: mean s² over b and c (4 responses, two of them 0), not over c alone
    const q = normalQuantile(0.75);
    const scaled = g2rpoAdvantages({ ...base, components }, { taskStage: 'scale' });
    expect(Math.abs(scaled[5] - q / Math.sqrt((2 * q * q) / 4))).toBeLessThanOrEqual(1e-15);
    // changing the rewards changes nothing when components are given
    const other = g2rpoAdvantages({ ...base, rewards: [1, 2, 3, 4, 5, 6], components }, { taskStage: 'scale' });
    expect(Array.from(other)).toEqual(Array.from(scaled));
  });
});

describe('published-float32 vs float64: the tie defect of spec §5 (proofs/grpo-family.md §11)', () => {
  /** A solved task: `k` groups of 8 all correct plus one group of `last` all correct. */
  const solved = (k: number, last: number) => {
    const sizes = [...Array<number>(k).fill(8), last];
    const groups = sizes.flatMap((s, g) => Array<number>(s).fill(g));
    return { rewards: groups.map(() => 1), groups };
  };
  /** Mean of the normal scores of ranks lo … hi (1-based) among N, from Φ⁻¹ directly. */
  const blockMean = (lo: number, hi: number, N: number) => {
    let s = 0;
    for (let k = lo; k <= hi; k++) s += normalQuantile((k - 0.5) / N);
    return s / (hi - lo + 1);
  };

  it('float32 stage 1 of an all-equal group is tiny noise, not 0, and differs between sizes 8, 6 and 5 (proofs/grpo-family.md §11)', () => {
    const s8 = g2rpoAdvantages({ rewards: Array(8).fill(1), groups: Array(8).fill(0) }, { taskStage: 'none', precision: 'published-float32' })[0];
    const s6 = g2rpoAdvantages({ rewards: Array(6).fill(1), groups: Array(6).fill(0) }, { taskStage: 'none', precision: 'published-float32' })[0];
    const s5 = g2rpoAdvantages({ rewards: Array(5).fill(1), groups: Array(5).fill(0) }, { taskStage: 'none', precision: 'published-float32' })[0];
    for (const v of [s8, s6, s5]) {
      expect(v).not.toBe(0);
      expect(Math.abs(v)).toBeLessThan(1e-7); // a few float32 ulps of the quantiles (~1.2e-7 at 1)
    }
    expect(s5 < s8 && s8 < s6).toBe(true); // the order that decides the two cases below
    expect(g2rpoAdvantages({ rewards: Array(8).fill(1), groups: Array(8).fill(0) }, { taskStage: 'none' })[0]).toBe(0);
  });

  it('8 groups of 8 all correct + 1 group of 6 all correct: published gives the 6 +1.81 each, ours 0 (proofs/grpo-family.md §11)', () => {
    const b = solved(8, 6);
    const pub = g2rpoAdvantages(b, { precision: 'published-float32' });
    const ours = g2rpoAdvantages(b);
    expect(Array.from(ours).every((v) => v === 0)).toBe(true);
    // published: the six sit above the 64 (noise +2e-8 > −1.5e-8): ranks 65…70 of N = 70
    const top = blockMean(65, 70, 70);
    expect(top).toBeGreaterThan(1.8);
    for (let i = 64; i < 70; i++) expect(Math.abs(pub[i] - top)).toBeLessThanOrEqual(1e-6); // float32: ~1e-7 relative
    for (let i = 0; i < 64; i++) expect(Math.abs(pub[i] - blockMean(1, 64, 70))).toBeLessThanOrEqual(1e-6);
  });

  it('7 groups of 8 all correct + 1 group of 5 all correct: published gives the 5 −1.83 each, ours 0 (proofs/grpo-family.md §11)', () => {
    const b = solved(7, 5);
    const pub = g2rpoAdvantages(b, { precision: 'published-float32' });
    expect(Array.from(g2rpoAdvantages(b)).every((v) => v === 0)).toBe(true);
    const bottom = blockMean(1, 5, 61);
    expect(bottom).toBeLessThan(-1.8);
    for (let i = 56; i < 61; i++) expect(Math.abs(pub[i] - bottom)).toBeLessThanOrEqual(1e-6);
  });

  it('beside informative groups, ours keeps all degenerate responses in one tie block; published splits them (proofs/grpo-family.md §11)', () => {
    const rewards = [0, 0, 0, 1, 1, 0, 0, 1, ...Array(8).fill(1), ...Array(6).fill(0), ...Array(5).fill(1)];
    const groups = rewards.map((_, i) => (i < 8 ? 0 : i < 16 ? 1 : i < 22 ? 2 : 3));
    const degenerate = rewards.map((_, i) => i).filter((i) => i >= 8);
    const ours = g2rpoAdvantages({ rewards, groups });
    const pub = g2rpoAdvantages({ rewards, groups }, { precision: 'published-float32' });
    expect(new Set(degenerate.map((i) => ours[i])).size).toBe(1);
    expect(new Set(degenerate.map((i) => pub[i])).size).toBeGreaterThan(1);
  });

  it('published outputs are float32 numbers; excludeDegenerate still gives exact zeros there', () => {
    const b = solved(3, 6);
    const pub = g2rpoAdvantages(b, { precision: 'published-float32' });
    for (const v of pub) expect(Math.fround(v)).toBe(v);
    const ex = g2rpoAdvantages(b, { precision: 'published-float32', excludeDegenerate: true });
    expect(Array.from(ex).every((v) => v === 0)).toBe(true);
  });
});
