/**
 * fast-check arbitraries for reward batches, and the few helpers a test needs to read a generated batch
 * back or edit it (which response is in which task and group, the stage-1 values of G²RPO, per-task
 * mean A², a batch without one task, the grouping of a raw batch by id).
 *
 * A batch is generated as a tree (tasks → groups → rewards) and then flattened into the estimator's
 * input, responses in contiguous or interleaved order. Reward topologies (one per task, or `mixed`: one
 * per group), chosen to cover what the estimators meet in training and what breaks float arithmetic:
 *   binary     sparse 0/1 accuracy (about 1 in 4 correct), so all-0 and all-1 groups are common;
 *   dense      IoU-like values in [0, 1], half of them on a 1/20 grid (ties);
 *   heavy      Pareto tails u^(−1/α), α ∈ {0.5, 1, 2}, capped at 1e12;
 *   constant   one value per group (every group degenerate);
 *   huge       ±m·10^e with e ∈ [15, 300];
 *   near-tied  1 + k·1e-12, k ∈ [−2, 2] (differences far below GRPO's eps = 1e-6, and below float32);
 *   negative   values in [−1e3, −1e-3], half of them small negative integers (ties).
 * Ids are strings or numbers, compared by value: 1 and "1" both occur and are different ids; a group id
 * can repeat in another task (the group key is the pair). Group sizes 1–16, 1–6 tasks by default.
 *
 * Not here: the laws themselves (spec/rl/advantages/g2rpo-*.spec.ts). No Math.random: fast-check's
 * seeded generator is the only source of randomness.
 */
import fc from 'fast-check';
import type { Id, RewardBatch } from '../../src/rl/advantages/types.js';
import { ot } from '../../src/rl/ot.js';

export const TOPOLOGIES = ['binary', 'dense', 'heavy', 'constant', 'huge', 'near-tied', 'negative'] as const;
export type Topology = (typeof TOPOLOGIES)[number];
/** Topologies with more than 16 distinct values: a group of any size can get distinct rewards. */
export const RICH_TOPOLOGIES = ['dense', 'heavy', 'huge', 'negative'] as const satisfies readonly Topology[];

export interface GroupCase {
  readonly id: Id;
  readonly rewards: readonly number[];
}
export interface TaskCase {
  readonly id: Id;
  readonly groups: readonly GroupCase[];
}
/** A batch as a tree; `order[j]` is the canonical index (task by task, group by group) of response j. */
export interface BatchCase {
  readonly tasks: readonly TaskCase[];
  readonly order: readonly number[];
}

export interface BatchShape {
  readonly topologies?: readonly (Topology | 'mixed')[];
  readonly minTasks?: number;
  readonly maxTasks?: number;
  readonly minGroups?: number;
  readonly maxGroups?: number;
  readonly minGroupSize?: number;
  readonly maxGroupSize?: number;
  /** Default true: responses of different groups and tasks interleaved in a random order. */
  readonly interleave?: boolean;
}

// ---------- single rewards ----------
const unit = fc.double({ min: 0, max: 1, noNaN: true });
/** One reward drawn from a topology (for `constant`, any moderate value). */
export function rewardOf(topology: Topology): fc.Arbitrary<number> {
  switch (topology) {
    case 'binary':
      return fc.integer({ min: 0, max: 3 }).map((k) => (k === 0 ? 1 : 0));
    case 'dense':
      return fc.oneof(unit, fc.integer({ min: 0, max: 20 }).map((k) => k / 20));
    case 'heavy':
      return fc
        .tuple(fc.double({ min: 1e-24, max: 1, noNaN: true }), fc.constantFrom(0.5, 1, 2))
        .map(([u, alpha]) => Math.min(1e12, u ** (-1 / alpha)));
    case 'constant':
      return fc.oneof(fc.integer({ min: -3, max: 3 }), unit, fc.double({ min: -1e6, max: 1e6, noNaN: true }));
    case 'huge':
      return fc
        .tuple(fc.double({ min: 1, max: 9.99, noNaN: true }), fc.integer({ min: 15, max: 300 }), fc.boolean())
        .map(([m, e, neg]) => (neg ? -1 : 1) * m * 10 ** e);
    case 'near-tied':
      return fc.integer({ min: -2, max: 2 }).map((k) => 1 + k * 1e-12);
    case 'negative':
      return fc.oneof(fc.double({ min: -1e3, max: -1e-3, noNaN: true }), fc.integer({ min: -5, max: -1 }));
  }
}

/** The rewards of one group of `size` responses. */
export function groupRewards(topology: Topology | 'mixed', size: number): fc.Arbitrary<number[]> {
  if (topology === 'mixed') return fc.constantFrom(...TOPOLOGIES).chain((t) => groupRewards(t, size));
  if (topology === 'constant') return rewardOf('constant').map((v) => Array<number>(size).fill(v));
  return fc.array(rewardOf(topology), { minLength: size, maxLength: size });
}

// ---------- ids ----------
/** Numbers and strings, with 1 and "1" both likely. */
export const idArb: fc.Arbitrary<Id> = fc.oneof(
  fc.integer({ min: -2, max: 12 }),
  fc.constantFrom('0', '1', '2', 'math', 'ocr', 'grounding', 'p/0', ''),
  fc.constantFrom(0.5, 1e9),
  fc.string({ maxLength: 3 }),
);
/** A key equal for ids equal under === (so 0 and −0 agree, 1 and "1" do not). */
export const idKey = (id: Id): string => (typeof id === 'number' ? `n${id === 0 ? 0 : id}` : `s${id}`);
const uniqueIds = (min: number, max: number) =>
  fc.uniqueArray(idArb, { selector: idKey, minLength: min, maxLength: max });

// ---------- batches ----------
/** One task: its id is assigned by the batch; groups of one topology (or `mixed`). */
function taskGroups(shape: Required<BatchShape>): fc.Arbitrary<GroupCase[]> {
  return fc.constantFrom(...shape.topologies).chain((topology) =>
    uniqueIds(shape.minGroups, shape.maxGroups).chain((ids) =>
      fc.tuple(
        ...ids.map((id) =>
          fc
            .integer({ min: shape.minGroupSize, max: shape.maxGroupSize })
            .chain((size) => groupRewards(topology, size))
            .map((rewards): GroupCase => ({ id, rewards })),
        ),
      ),
    ),
  );
}

/** A permutation of 0 … n − 1 (identity when not interleaving). */
export function permutationOf(n: number, interleave = true): fc.Arbitrary<number[]> {
  const identity = [...Array(n).keys()];
  if (!interleave) return fc.constant(identity);
  return fc
    .array(fc.nat(), { minLength: n, maxLength: n })
    .map((keys) => [...identity].sort((i, j) => keys[i] - keys[j] || i - j));
}

/** Random batches of every topology (defaults: 1–6 tasks, 1–6 groups, groups of 1–16, interleaved). */
export function batchCase(shape: BatchShape = {}): fc.Arbitrary<BatchCase> {
  const s: Required<BatchShape> = {
    topologies: shape.topologies ?? [...TOPOLOGIES, 'mixed'],
    minTasks: shape.minTasks ?? 1,
    maxTasks: shape.maxTasks ?? 6,
    minGroups: shape.minGroups ?? 1,
    maxGroups: shape.maxGroups ?? 6,
    minGroupSize: shape.minGroupSize ?? 1,
    maxGroupSize: shape.maxGroupSize ?? 16,
    interleave: shape.interleave ?? true,
  };
  return uniqueIds(s.minTasks, s.maxTasks)
    .chain((taskIds) => fc.tuple(...taskIds.map((id) => taskGroups(s).map((groups): TaskCase => ({ id, groups })))))
    .chain((tasks) => {
      const n = tasks.reduce((m, t) => m + t.groups.reduce((k, g) => k + g.rewards.length, 0), 0);
      return permutationOf(n, s.interleave).map((order): BatchCase => ({ tasks, order }));
    });
}

/**
 * Tasks that are copies of one rank pattern under different rewards: every copy has the same groups
 * with the same within-group order and ties, its values drawn from its own topology (so one copy can be
 * heavy-tailed or huge while another is dense). A per-group strictly increasing map takes each copy to
 * any other, so G²RPO must give every copy the same advantages. Dense copies use a 1/1000 grid here: a
 * copy at the scale of 1e-300 would make every scale-dependent baseline fail for a trivial reason.
 */
/** Values for twin tasks: as rewardOf, but dense on a 1/1000 grid, so no copy is a subnormal-scale task. */
const twinValue = (t: Topology): fc.Arbitrary<number> =>
  t === 'dense' || t === 'near-tied' ? fc.integer({ min: 0, max: 1000 }).map((k) => k / 1000) : rewardOf(t);

export function twinTasksCase(copies = { min: 2, max: 4 }): fc.Arbitrary<BatchCase> {
  const pattern = fc.array(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 2, maxLength: 12 }), { minLength: 1, maxLength: 5 });
  return fc
    .tuple(pattern, uniqueIds(copies.min, copies.max))
    .chain(([levels, taskIds]) =>
      fc.tuple(
        ...taskIds.map((id) =>
          fc.constantFrom(...RICH_TOPOLOGIES, 'near-tied' as const).chain((topology) =>
            fc
              .tuple(...levels.map(() => fc.uniqueArray(twinValue(topology), { minLength: 5, maxLength: 5 })))
              .map((draws): TaskCase => ({
                id,
                groups: levels.map((lv, g) => {
                  // value of level k: the k-th smallest draw; near-tied squeezes [0, 1] into 1 + [0, 4e-12]
                  const v = [...draws[g]].sort((a, b) => a - b);
                  const at = topology === 'near-tied' ? (k: number) => 1 + k * 1e-12 : (k: number) => v[k];
                  return { id: g, rewards: lv.map(at) };
                }),
              })),
          ),
        ),
      ),
    )
    .chain((tasks) => {
      const n = tasks.reduce((m, t) => m + t.groups.reduce((k, g) => k + g.rewards.length, 0), 0);
      return permutationOf(n).map((order): BatchCase => ({ tasks, order }));
    });
}

// ---------- reading a batch back ----------
export interface Flat {
  /** The estimator input, responses in the case's order. */
  readonly batch: { rewards: number[]; groups: Id[]; tasks: Id[] };
  readonly n: number;
  /** (n) index into case.tasks of each response. */
  readonly task: Int32Array;
  /** (n) global group index (canonical order) of each response. */
  readonly group: Int32Array;
  /** per global group: its task index and its responses (batch indices). */
  readonly groupTask: number[];
  readonly members: number[][];
  /** per task: its responses (batch indices). */
  readonly taskMembers: number[][];
}

export function flatten(c: BatchCase): Flat {
  const canon: { r: number; g: number; t: number }[] = [];
  const groupTask: number[] = [];
  c.tasks.forEach((task, t) =>
    task.groups.forEach((grp) => {
      const g = groupTask.length;
      groupTask.push(t);
      for (const r of grp.rewards) canon.push({ r, g, t });
    }),
  );
  const n = canon.length;
  const flatGroupId: Id[] = [];
  c.tasks.forEach((task) => task.groups.forEach((grp) => flatGroupId.push(grp.id)));
  const batch = { rewards: [] as number[], groups: [] as Id[], tasks: [] as Id[] };
  const task = new Int32Array(n);
  const group = new Int32Array(n);
  const members: number[][] = groupTask.map(() => []);
  const taskMembers: number[][] = c.tasks.map(() => []);
  c.order.forEach((k, j) => {
    const { r, g, t } = canon[k];
    batch.rewards.push(r);
    batch.groups.push(flatGroupId[g]);
    batch.tasks.push(c.tasks[t].id);
    task[j] = t;
    group[j] = g;
    members[g].push(j);
    taskMembers[t].push(j);
  });
  return { batch, n, task, group, groupTask, members, taskMembers };
}

/** Stage 1 of G²RPO computed here, group by group, with the `ot` primitive (tested in ot.spec.ts). */
export function stage1Of(f: Flat): Float64Array {
  const s = new Float64Array(f.n);
  for (const m of f.members) {
    const a = ot(m.map((i) => f.batch.rewards[i]));
    m.forEach((i, k) => (s[i] = a[k]));
  }
  return s;
}

/** (groups) true where every reward of the group is the same (a singleton is degenerate). */
export function degenerateGroups(f: Flat): boolean[] {
  return f.members.map((m) => m.every((i) => f.batch.rewards[i] === f.batch.rewards[m[0]]));
}

/** Per task, the mean of A² over its responses (only its non-degenerate ones when `nonDegenerate`). */
export function taskMeanSquares(a: ArrayLike<number>, f: Flat, nonDegenerate = false): number[] {
  const deg = degenerateGroups(f);
  return f.taskMembers.map((m) => {
    const keep = nonDegenerate ? m.filter((i) => !deg[f.group[i]]) : m;
    return keep.length === 0 ? NaN : keep.reduce((s, i) => s + a[i] * a[i], 0) / keep.length;
  });
}

/** #{j in i's group: r_j < r_i} − #{j in i's group: r_j > r_i}: positive iff i ranks above its group's middle. */
export function rankBalance(f: Flat, i: number): number {
  const r = f.batch.rewards;
  let d = 0;
  for (const j of f.members[f.group[i]]) d += r[j] < r[i] ? 1 : r[j] > r[i] ? -1 : 0;
  return d;
}

// ---------- editing and re-reading batches ----------
/** A case with the responses of task `drop` removed (order of the rest kept). */
export function withoutTask(c: BatchCase, drop: number): BatchCase {
  const sizes = c.tasks.map((t) => t.groups.reduce((k, g) => k + g.rewards.length, 0));
  const start = sizes.slice(0, drop).reduce((a, b) => a + b, 0);
  const end = start + sizes[drop];
  const order = c.order.filter((k) => k < start || k >= end).map((k) => (k >= end ? k - sizes[drop] : k));
  return { tasks: c.tasks.filter((_, t) => t !== drop), order };
}

/** canonical index → position in the flat batch. */
export const positions = (c: BatchCase): Int32Array => {
  const p = new Int32Array(c.order.length);
  c.order.forEach((k, j) => (p[k] = j));
  return p;
};

/** Indices of a batch by (task, group) key and by task key, in input order. */
export function keysOf(b: RewardBatch): { groups: number[][]; tasks: number[][] } {
  const gmap = new Map<string, number[]>();
  const tmap = new Map<string, number[]>();
  for (let i = 0; i < b.rewards.length; i++) {
    const t = idKey(b.tasks?.[i] ?? '');
    const g = `${t}|${idKey(b.groups[i])}`;
    if (!gmap.has(g)) gmap.set(g, []);
    if (!tmap.has(t)) tmap.set(t, []);
    gmap.get(g)!.push(i);
    tmap.get(t)!.push(i);
  }
  return { groups: [...gmap.values()], tasks: [...tmap.values()] };
}
