/**
 * Property tests of G²RPO's three task stages (shared g2rpo-spec §2), one law per section of
 * proofs/g2rpo-task-stage.md, each run on every reward topology of spec/rl/arbitraries.ts (binary,
 * dense, heavy-tailed, constant, huge, near-tied, negative, mixed; 1–6 tasks, interleaved, string and
 * number ids), and a table showing that each law catches a deliberately broken variant.
 *
 * The reference for stage 1 is the `ot` primitive applied group by group in the test (ot is checked
 * against 60-digit values in spec/rl/ot.spec.ts); the laws compare the estimator with it, or check
 * characterisations that need no reference at all (zero sums, bounds, order, invariances).
 * Tolerances: u = 2⁻⁵³; where a law is not bit for bit, its bound is derived beside it.
 *
 * Not here: sign preservation and the +0.25 sign flip (g2rpo-signs.spec.ts), gradient equity
 * (g2rpo-equity.spec.ts), the published float32 defects (g2rpo-published-defects.spec.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeAdvantages } from '../../../src/rl/advantages/index.js';
import type { G2rpoParams, Id, RewardBatch, TaskStage } from '../../../src/rl/advantages/types.js';
import { normalScores, ot } from '../../../src/rl/ot.js';
import {
  RICH_TOPOLOGIES,
  batchCase,
  degenerateGroups,
  flatten,
  idKey,
  keysOf,
  permutationOf,
  positions,
  rewardOf,
  stage1Of,
  withoutTask,
  type BatchCase,
  type Flat,
} from '../arbitraries.js';

type Options = Omit<G2rpoParams, 'estimator'>;
type Impl = (batch: RewardBatch, options: Options) => Float64Array;
const g2rpo: Impl = (batch, options) => computeAdvantages(batch, { estimator: 'g2rpo', ...options });
const u = 2 ** -53;
const MODES: readonly TaskStage[] = ['ot', 'none', 'scale'];
const qMax = (n: number) => (n <= 1 ? 0 : normalScores(n)[n - 1]);

// ---------- helpers ----------
/** Throws with the first differing index unless got[i] === want[i] for every i (so +0 matches −0). */
function expectSame(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(got[i] === want[i])) throw new Error(`${what}: index ${i}: got ${got[i]}, want ${want[i]}`);
  }
}

/** Stage 2 `ot` computed here: per task, ot of the stage-1 values (degenerate groups left at 0 if `exclude`). */
function otStage(f: Flat, s: Float64Array, exclude: boolean): Float64Array {
  const deg = degenerateGroups(f);
  const out = new Float64Array(f.n);
  for (const m of f.taskMembers) {
    const keep = exclude ? m.filter((i) => !deg[f.group[i]]) : m;
    const a = ot(keep.map((i) => s[i]));
    keep.forEach((i, k) => (out[i] = a[k]));
  }
  return out;
}

/** Tie blocks of values[members] in ascending order: [value, count] pairs. */
function blocksOf(values: ArrayLike<number>, members: readonly number[]): [number, number][] {
  const v = members.map((i) => values[i]).sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (let k = 0; k < v.length; ) {
    let e = k + 1;
    while (e < v.length && v[e] === v[k]) e++;
    out.push([v[k], e - k]);
    k = e;
  }
  return out;
}

/** (1/|B|)·Σ q_k over ranks start … start + size − 1 (0-based) of normalScores(n), summed here. */
function blockMean(n: number, start: number, size: number): number {
  const q = normalScores(n);
  let s = 0;
  for (let k = start; k < start + size; k++) s += q[k];
  return s / size;
}

// ---------- generators ----------
const anyBatch = batchCase();
const manyTasks = batchCase({ minTasks: 2 }).chain((c) => fc.tuple(fc.constant(c), fc.nat({ max: c.tasks.length - 1 })));
/** Batches rich in degenerate groups of different sizes (constant, binary all-0 / all-1). */
const degenerateRich = batchCase({ topologies: ['constant', 'binary', 'mixed'], minGroups: 2 });
/** A batch, and extra all-equal groups (task index, size, value) to append to it. */
const withDegenerate = fc.tuple(
  anyBatch,
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 16 }), rewardOf('constant')), { minLength: 1, maxLength: 4 }),
);
/** A batch and, per group, fresh distinct values of a rich topology: a strictly increasing map per group. */
const withTransform = anyBatch.chain((c) =>
  fc.tuple(
    fc.constant(c),
    fc.tuple(
      ...c.tasks.flatMap((t) =>
        t.groups.map((g) => {
          const d = new Set(g.rewards).size;
          return fc
            .constantFrom(...RICH_TOPOLOGIES)
            .chain((top) => fc.uniqueArray(rewardOf(top), { minLength: d, maxLength: d, comparator: 'SameValueZero' }));
        }),
      ),
    ),
  ),
);
/** Injective relabellings of the i-th task / the i-th group of a task. `pairs` maps 2k, 2k + 1 to k and "k". */
const SCHEMES: Record<string, (i: number) => Id> = {
  numbers: (i) => i,
  strings: (i) => `id-${i}`,
  pairs: (i) => (i % 2 === 0 ? i / 2 : String((i - 1) / 2)),
};

// ---------- the laws: one per section of proofs/g2rpo-task-stage.md ----------
interface Law {
  id: string;
  title: string;
  modes: readonly TaskStage[];
  law: (impl: Impl, mode: TaskStage) => fc.IProperty<any>;
  numRuns?: number;
}
const laws: Law[] = [
  {
    id: '§1',
    title: 'stage 1 is ot of each group’s rewards, bit for bit, every topology',
    modes: ['none'],
    law: (impl, mode) =>
      fc.property(anyBatch, fc.boolean(), (c, exclude) => {
        const f = flatten(c);
        expectSame(impl(f.batch, { taskStage: mode, excludeDegenerate: exclude }), stage1Of(f), 'A vs ot per group');
      }),
  },
  {
    id: '§2a',
    title: 'each task’s advantages are ot of its stage-1 values, bit for bit, every topology',
    modes: ['ot'],
    law: (impl, mode) =>
      fc.property(anyBatch, fc.boolean(), (c, exclude) => {
        const f = flatten(c);
        const got = impl(f.batch, { taskStage: mode, excludeDegenerate: exclude });
        expectSame(got, otStage(f, stage1Of(f), exclude), 'A vs ot(stage-1 of the task)');
      }),
  },
  {
    id: '§2b',
    title: 'each task is a set of N(0,1) scores of n_task: zero sum, |A| ≤ q_n, tie blocks get block means, distinct → exactly normalScores(n)',
    modes: ['ot'],
    // Block means: ours and the implementation's each err by ≤ n·u·q_n (a sum of ≤ n scores ≤ q_n, then
    // a division): 2n·u·q_n. Zero sum: (2n + 1)·u·Σ|q_k| (proofs/ot-normal-scores.md §1b). The bound and
    // the distinct case are exact (a single-rank block is a copy of a table entry).
    law: (impl, mode) =>
      fc.property(fc.oneof(anyBatch, batchCase({ topologies: RICH_TOPOLOGIES, maxGroups: 1 })), (c) => {
        const f = flatten(c);
        const a = impl(f.batch, { taskStage: mode });
        const s = stage1Of(f);
        for (const m of f.taskMembers) {
          const n = m.length;
          const q = normalScores(n);
          const sumAbsQ = q.reduce((t, x) => t + Math.abs(x), 0);
          expect(Math.abs(m.reduce((t, i) => t + a[i], 0))).toBeLessThanOrEqual((2 * n + 1) * u * sumAbsQ);
          for (const i of m) expect(Math.abs(a[i])).toBeLessThanOrEqual(qMax(n));
          let start = 0;
          for (const [value, size] of blocksOf(s, m)) {
            const want = n <= 1 ? 0 : blockMean(n, start, size);
            for (const i of m) if (s[i] === value) expect(Math.abs(a[i] - want)).toBeLessThanOrEqual(2 * n * u * qMax(n));
            start += size;
          }
          if (blocksOf(s, m).length === n && n > 1) expectSame(m.map((i) => a[i]).sort((x, y) => x - y), q, 'sorted A vs normalScores(n)');
        }
      }),
  },
  {
    id: '§2c',
    title: 'a task’s advantages do not depend on the other tasks (removing or adding one changes nothing, bit for bit)',
    modes: MODES,
    law: (impl, mode) =>
      fc.property(manyTasks, fc.boolean(), ([c, drop], exclude) => {
        const opts = { taskStage: mode, excludeDegenerate: exclude };
        const full = impl(flatten(c).batch, opts);
        const part = impl(flatten(withoutTask(c, drop)).batch, opts);
        const f = flatten(c);
        const kept = [...full.keys()].filter((j) => f.task[j] !== drop);
        expectSame(part, kept.map((j) => full[j]), 'without one task vs with it');
      }),
  },
  {
    id: '§3',
    title: 'within a group, advantages follow the rewards: r_i < r_j ⇒ A_i < A_j, r_i = r_j ⇒ A_i = A_j',
    modes: MODES,
    law: (impl, mode) =>
      fc.property(anyBatch, fc.boolean(), (c, exclude) => {
        const f = flatten(c);
        const a = impl(f.batch, { taskStage: mode, excludeDegenerate: exclude });
        const r = f.batch.rewards;
        for (const m of f.members)
          for (const i of m)
            for (const j of m) {
              if (r[i] < r[j] && !(a[i] < a[j])) throw new Error(`r ${r[i]} < ${r[j]} but A ${a[i]} ≥ ${a[j]}`);
              if (r[i] === r[j] && !(a[i] === a[j])) throw new Error(`r ${r[i]} = ${r[j]} but A ${a[i]} ≠ ${a[j]}`);
            }
      }),
  },
  {
    id: '§5',
    title: 'scale: A = s / rms(s over the task’s non-degenerate responses); their mean A² = 1; all-degenerate task → 0',
    modes: ['scale'],
    // rms: a sum of c positive squares errs by ≤ c·u relatively, here and in the implementation, the square
    // root halves it and the division adds u: |A − s/rms| ≤ (c + 4)·u·|A|, c ≤ n. The mean A² sums c
    // squares (≤ (c + 2)·u) of values each ≤ (c/2 + 3)·u off: ≤ (2c + 8)·u.
    law: (impl, mode) =>
      fc.property(fc.oneof(anyBatch, degenerateRich), (c) => {
        const f = flatten(c);
        const a = impl(f.batch, { taskStage: mode });
        const s = stage1Of(f);
        const deg = degenerateGroups(f);
        for (const m of f.taskMembers) {
          const live = m.filter((i) => !deg[f.group[i]]);
          for (const i of m) if (deg[f.group[i]]) expect(a[i]).toBe(0);
          if (live.length === 0) continue;
          const cnt = live.length;
          const rms = Math.sqrt(live.reduce((t, i) => t + s[i] * s[i], 0) / cnt);
          for (const i of live) expect(Math.abs(a[i] - s[i] / rms)).toBeLessThanOrEqual((cnt + 4) * u * Math.abs(a[i]));
          const meanSq = live.reduce((t, i) => t + a[i] * a[i], 0) / cnt;
          expect(Math.abs(meanSq - 1)).toBeLessThanOrEqual((2 * cnt + 8) * u);
        }
      }),
  },
  {
    id: '§6a',
    title: 'excludeDegenerate: all-equal groups get exactly 0, and adding them to a task leaves every other advantage unchanged, bit for bit',
    modes: MODES,
    law: (impl, mode) =>
      fc.property(withDegenerate, ([c, extra]) => {
        const f = flatten(c);
        const opts = { taskStage: mode, excludeDegenerate: true };
        const before = impl(f.batch, opts);
        const b = { rewards: [...f.batch.rewards], groups: [...f.batch.groups], tasks: [...f.batch.tasks] };
        extra.forEach(([t, size, value], k) => {
          for (let j = 0; j < size; j++) {
            b.rewards.push(value);
            b.groups.push(`deg#${k}`); // not an id idArb can produce
            b.tasks.push(c.tasks[t % c.tasks.length].id);
          }
        });
        const after = impl(b, opts);
        expectSame(after.subarray(0, f.n), before, 'others after adding all-equal groups');
        for (let i = f.n; i < b.rewards.length; i++) expect(after[i]).toBe(0);
      }),
  },
  {
    id: '§6b',
    title: 'ot without excludeDegenerate: all exact-zero stage-1 values of a task (degenerate groups, middle ranks) form ONE tie block, with its block mean',
    modes: ['ot'],
    // Expected value: the zero block covers ranks L + 1 … L + Z (L values below 0, Z zeros); exactly 0 when
    // it is symmetric (2L + Z = n), else a block mean within 2n·u·q_n as in §2b.
    law: (impl, mode) =>
      fc.property(fc.oneof(degenerateRich, anyBatch), (c) => {
        const f = flatten(c);
        const a = impl(f.batch, { taskStage: mode });
        const s = stage1Of(f);
        for (const m of f.taskMembers) {
          const zeros = m.filter((i) => s[i] === 0);
          if (zeros.length === 0) continue;
          const n = m.length;
          const below = m.filter((i) => s[i] < 0).length;
          const symmetric = 2 * below + zeros.length === n;
          const want = symmetric || n <= 1 ? 0 : blockMean(n, below, zeros.length);
          for (const i of zeros) {
            if (!(a[i] === a[zeros[0]])) throw new Error(`zero block split: ${a[i]} vs ${a[zeros[0]]}`);
            if (symmetric) expect(a[i]).toBe(0);
            else expect(Math.abs(a[i] - want)).toBeLessThanOrEqual(2 * n * u * qMax(n));
          }
        }
      }),
  },
  {
    id: '§7a',
    title: 'invariance under any strictly increasing map of the rewards, chosen per group, bit for bit',
    modes: MODES,
    law: (impl, mode) =>
      fc.property(withTransform, fc.boolean(), ([c, fresh], exclude) => {
        let g = 0;
        const mapped: BatchCase = {
          order: c.order,
          tasks: c.tasks.map((t) => ({
            id: t.id,
            groups: t.groups.map((grp) => {
              const old = [...new Set(grp.rewards)].sort((x, y) => x - y);
              const neu = [...fresh[g++]].sort((x, y) => x - y);
              return { id: grp.id, rewards: grp.rewards.map((r) => neu[old.indexOf(r)]) };
            }),
          })),
        };
        const opts = { taskStage: mode, excludeDegenerate: exclude };
        expectSame(impl(flatten(mapped).batch, opts), impl(flatten(c).batch, opts), 'after a per-group increasing map');
      }),
  },
  {
    id: '§7b',
    title: 'permutation equivariance: reordering the batch reorders the advantages (bit for bit; scale within (2n + 8)·u)',
    modes: MODES,
    // scale: the two orders sum a task's s² in different orders; each rms errs by ≤ (c/2 + 2)·u, so A
    // differs by ≤ (c + 6)·u·|A| ≤ (2n + 8)·u·|A|.
    law: (impl, mode) =>
      fc.property(
        anyBatch.chain((c) => fc.tuple(fc.constant(c), permutationOf(c.order.length))),
        fc.boolean(),
        ([c, order2], exclude) => {
          const c2 = { ...c, order: order2 };
          const opts = { taskStage: mode, excludeDegenerate: exclude };
          const [a1, a2] = [impl(flatten(c).batch, opts), impl(flatten(c2).batch, opts)];
          const [p1, p2] = [positions(c), positions(c2)];
          const n = c.order.length;
          for (let k = 0; k < n; k++) {
            const [x, y] = [a1[p1[k]], a2[p2[k]]];
            if (mode === 'scale') expect(Math.abs(x - y)).toBeLessThanOrEqual((2 * n + 8) * u * Math.abs(x));
            else if (!(x === y)) throw new Error(`response ${k}: ${x} vs ${y} after reordering`);
          }
        },
      ),
  },
  {
    id: '§7c',
    title: 'relabelling task and group ids (numbers ↔ strings, 1 next to "1") changes nothing, bit for bit',
    modes: MODES,
    law: (impl, mode) =>
      fc.property(anyBatch, fc.constantFrom(...Object.keys(SCHEMES)), fc.constantFrom(...Object.keys(SCHEMES)), (c, ts, gs) => {
        const relabelled: BatchCase = {
          order: c.order,
          tasks: c.tasks.map((t, i) => ({ id: SCHEMES[ts](i), groups: t.groups.map((g, j) => ({ ...g, id: SCHEMES[gs](j) })) })),
        };
        const opts = { taskStage: mode };
        expectSame(impl(flatten(relabelled).batch, opts), impl(flatten(c).batch, opts), 'after relabelling ids');
      }),
  },
];

describe('G²RPO task stages: the laws of proofs/g2rpo-task-stage.md hold', () => {
  for (const { id, title, modes, law, numRuns } of laws) {
    for (const mode of modes) {
      it(`[${mode}] ${title} (proofs/g2rpo-task-stage.md ${id})`, () => {
        fc.assert(law(g2rpo, mode), { numRuns: numRuns ?? 150 });
      });
    }
  }
});

// ---------- broken variants: each law must catch at least one ----------
/** Stage 1 as ours, stage 2 ranks ties by input order (what argsort-based ranks do): ordinal scores. */
const ordinalStage2: Impl = (b, o) => {
  if ((o.taskStage ?? 'ot') !== 'ot' || o.excludeDegenerate) return g2rpo(b, o);
  const s = g2rpo(b, { taskStage: 'none' });
  const out = new Float64Array(b.rewards.length);
  for (const m of keysOf(b).tasks) {
    const q = normalScores(m.length);
    const sorted = [...m].sort((i, j) => s[i] - s[j] || i - j);
    sorted.forEach((i, k) => (out[i] = m.length <= 1 ? 0 : q[k]));
  }
  return out;
};

/** `scale` dividing by the rms over ALL the task's responses (degenerate zeros included). */
const rmsOverAll: Impl = (b, o) => {
  if (o.taskStage !== 'scale') return g2rpo(b, o);
  const s = g2rpo(b, { taskStage: 'none' });
  const out = new Float64Array(b.rewards.length);
  for (const m of keysOf(b).tasks) {
    const rms = Math.sqrt(m.reduce((t, i) => t + s[i] * s[i], 0) / m.length);
    for (const i of m) out[i] = rms === 0 ? 0 : s[i] / rms;
  }
  return out;
};

const broken: { name: string; impl: Impl; caughtBy: [string, TaskStage][] }[] = [
  { name: 'stage 2 skipped (stage 1 returned in every mode)', impl: (b, o) => g2rpo(b, { ...o, taskStage: 'none' }), caughtBy: [['§2a', 'ot'], ['§2b', 'ot'], ['§6b', 'ot'], ['§5', 'scale']] },
  { name: 'GRPO (verl) instead of G²RPO', impl: (b) => computeAdvantages(b, { estimator: 'grpo' }), caughtBy: [['§1', 'none'], ['§2a', 'ot'], ['§2b', 'ot'], ['§7a', 'ot'], ['§7a', 'scale']] },
  {
    name: 'stage 2 over the whole batch, tasks ignored',
    impl: (b, o) => g2rpo({ rewards: b.rewards, groups: b.groups.map((g, i) => `${idKey(b.tasks?.[i] ?? '')}|${idKey(g)}`) }, o),
    caughtBy: [['§2a', 'ot'], ['§2c', 'ot'], ['§2c', 'scale'], ['§5', 'scale']],
  },
  { name: 'stage-2 ties broken by input order', impl: ordinalStage2, caughtBy: [['§2a', 'ot'], ['§2b', 'ot'], ['§6b', 'ot'], ['§7b', 'ot']] },
  { name: 'degenerate groups kept in stage 2 whatever excludeDegenerate says', impl: (b, o) => g2rpo(b, { ...o, excludeDegenerate: false }), caughtBy: [['§6a', 'ot']] },
  // near-tied rewards 1 ± 1e-12 round to one float32 value: the strict order of §3 is lost
  { name: 'published float32 rounding', impl: (b, o) => g2rpo(b, { ...o, precision: 'published-float32' }), caughtBy: [['§1', 'none'], ['§3', 'ot'], ['§6b', 'ot']] },
  { name: 'ids compared as strings (1 and "1" merged)', impl: (b, o) => g2rpo({ ...b, groups: b.groups.map(String), tasks: b.tasks?.map(String) }, o), caughtBy: [['§7c', 'ot'], ['§7c', 'none'], ['§7c', 'scale']] },
  { name: 'scale by the rms over all responses, degenerate ones included', impl: rmsOverAll, caughtBy: [['§5', 'scale']] },
];

describe('G²RPO task stages: the laws catch deliberately broken variants (proofs/g2rpo-task-stage.md §8)', () => {
  for (const { name, impl, caughtBy } of broken) {
    it(`${name}: caught by ${caughtBy.map(([id, m]) => `${id} [${m}]`).join(', ')} (proofs/g2rpo-task-stage.md §8)`, () => {
      for (const [id, mode] of caughtBy) {
        const l = laws.find((x) => x.id === id)!;
        expect(fc.check(l.law(impl, mode), { numRuns: l.numRuns ?? 100, seed: 20260411 }).failed, `${id} [${mode}]`).toBe(true);
      }
    });
  }
  it('every law catches at least one broken variant (proofs/g2rpo-task-stage.md §8)', () => {
    const caught = new Set(broken.flatMap((b) => b.caughtBy.map(([id]) => id)));
    expect(laws.filter((l) => !caught.has(l.id)).map((l) => l.id)).toEqual([]);
  });
});
