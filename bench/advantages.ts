/**
 * Benchmark suite `advantages`: G²RPO (task stage `ot`, 6 tasks, groups of 8) through
 * `computeAdvantages` (validation, grouping and both stages: what a trainer calls), at n = 4096 and
 * 1,048,576 responses, beside `Float64Array.prototype.sort` of n uniform doubles measured in the same run
 * (the ratio says how far the estimator is from the cost of one native sort of its input size).
 *
 * Before timing, each batch's output is verified: against a plain reference written from the spec
 * (shared g2rpo-spec §1–§2) and by per-task invariants (zero sum, the bound
 * |A| ≤ Φ⁻¹(1 − 1/(2m))). Target (issue 2): n = 4096 under 0.3 ms and at most 3× the sort.
 *
 * Not here: the estimator (src/rl/advantages), timing and printing helpers (bench/lib).
 */
import { computeAdvantages } from '../src/rl/advantages/index.js';
import type { RewardBatch } from '../src/rl/advantages/index.js';
import { normalQuantile } from '../src/rl/normal.js';
import type { Reporter } from './lib/report.js';
import { mulberry32, type Rng } from './lib/rng.js';
import type { Suite } from './lib/suite.js';
import { measure, type Timing } from './lib/timing.js';

const GROUP_SIZE = 8;

/** Six tasks, each with the reward topology of one kind of verifier. */
const TASKS: readonly { id: string; reward: (rng: Rng, p: number) => number }[] = [
  // exact-match accuracy: 0/1 with a per-group success rate p
  { id: 'math', reward: (rng, p) => (rng.next() < p ? 1 : 0) },
  // sparse: mostly all-wrong groups (degenerate groups are common in real batches)
  { id: 'spatial', reward: (rng, p) => (rng.next() < 0.15 * p ? 1 : 0) },
  // the released total: 0.9·accuracy + 0.1·format + 0.5·structure (structure only with a valid format)
  {
    id: 'chart',
    reward: (rng, p) => {
      const format = rng.next() < 0.9 ? 1 : 0;
      const accuracy = format === 1 && rng.next() < p ? 1 : 0;
      return 0.9 * accuracy + 0.1 * format + 0.5 * format;
    },
  },
  // graded in quarters (partial credit)
  { id: 'vqa', reward: (rng, p) => Math.round(4 * Math.min(1, rng.next() * 2 * p)) / 4 },
  // dense IoU-like in [0, 1], a fifth exactly 0 (no overlap)
  { id: 'grounding', reward: (rng, p) => (rng.next() < 0.2 ? 0 : Math.min(1, p * Math.sqrt(rng.next()) * 1.5)) },
  // edit-distance-like score in tenths
  { id: 'ocr', reward: (rng, p) => Math.round(10 * Math.min(1, p + 0.3 * (rng.next() - 0.5))) / 10 },
];

interface Batch {
  readonly rewards: Float64Array;
  readonly groups: number[];
  readonly tasks: string[];
}

/** n responses in contiguous groups of 8; group g belongs to task g mod 6. Seeded: same batch everywhere. */
export function syntheticBatch(n: number, seed: number): Batch {
  const rng = mulberry32(seed);
  const rewards = new Float64Array(n);
  const groups = new Array<number>(n);
  const tasks = new Array<string>(n);
  for (let g = 0; g * GROUP_SIZE < n; g++) {
    const task = TASKS[g % TASKS.length];
    const p = rng.next();
    for (let i = g * GROUP_SIZE; i < Math.min(n, (g + 1) * GROUP_SIZE); i++) {
      rewards[i] = task.reward(rng, p);
      groups[i] = g;
      tasks[i] = task.id;
    }
  }
  return { rewards, groups, tasks };
}

/**
 * `ot` as the spec words it, with no speed tricks: sort, quantile Φ⁻¹((k − 0.5)/m) for rank k, the mean
 * over each tie block. The exactness rules are part of the spec, so they are kept: q_{m+1−k} = −q_k, and
 * a block symmetric about the middle is 0 (without them, an all-equal group's 0 comes out as ±1e-17 and
 * stage 2 would rank float noise).
 */
function referenceOt(values: readonly number[]): number[] {
  const m = values.length;
  const out = new Array<number>(m).fill(0);
  if (m <= 1) return out;
  const q = (k: number): number => {
    if (2 * k === m + 1) return 0; // the middle of an odd m
    return 2 * k > m + 1 ? -normalQuantile((m + 1 - k - 0.5) / m) : normalQuantile((k - 0.5) / m);
  };
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  for (let start = 0; start < m; ) {
    let end = start + 1;
    while (end < m && values[order[end]] === values[order[start]]) end++;
    let a = 0;
    if (start + 1 + end !== m + 1) {
      for (let k = start + 1; k <= end; k++) a += q(k);
      a /= end - start;
    }
    for (let j = start; j < end; j++) out[order[j]] = a;
    start = end;
  }
  return out;
}

/** G²RPO stage `ot` from the spec: ot per (task, group), then ot over each task's stage-1 values. */
function referenceG2rpo(batch: Batch): Float64Array {
  const n = batch.rewards.length;
  const byKey = new Map<string, number[]>();
  const byTask = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const key = JSON.stringify([batch.tasks[i], batch.groups[i]]);
    (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(i);
    (byTask.get(batch.tasks[i]) ?? byTask.set(batch.tasks[i], []).get(batch.tasks[i])!).push(i);
  }
  const s = new Float64Array(n);
  for (const idx of byKey.values()) referenceOt(idx.map((i) => batch.rewards[i])).forEach((v, j) => (s[idx[j]] = v));
  const out = new Float64Array(n);
  for (const idx of byTask.values()) referenceOt(idx.map((i) => s[i])).forEach((v, j) => (out[idx[j]] = v));
  return out;
}

/**
 * Per-task invariants of `ot` mode: every output finite, |A| ≤ Φ⁻¹(1 − 1/(2m)), and the task's sum is 0
 * up to rounding. The exact sum is 0 (the quantiles are antisymmetric); in float64 each tie block's mean
 * a_b over c_b quantiles carries up to ~c_b·2^-53·max|q| of summation error, which its c_b responses
 * repeat, so |Σ A| ≤ 2^-52 · max|A| · Σ_b c_b² bounds the residue (2^-52: a factor 2 for the division
 * and for the compensated summation of the check itself). A wrong rank or tie block moves the sum by
 * O(1/m) or more, far above it.
 */
function verifyInvariants(batch: Batch, adv: Float64Array): void {
  const n = batch.rewards.length;
  if (adv.length !== n) throw new Error(`verify: ${adv.length} advantages for ${n} responses`);
  const perTask = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(adv[i])) throw new Error(`verify: advantage ${i} is ${adv[i]}`);
    const t = perTask.get(batch.tasks[i]) ?? perTask.set(batch.tasks[i], []).get(batch.tasks[i])!;
    t.push(adv[i]);
  }
  if (perTask.size !== TASKS.length) throw new Error(`verify: ${perTask.size} tasks, expected ${TASKS.length}`);
  for (const [task, values] of perTask) {
    const m = values.length;
    let sum = 0;
    let comp = 0; // Neumaier compensation
    let maxAbs = 0;
    const blocks = new Map<number, number>();
    for (const v of values) {
      const t = sum + v;
      comp += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
      sum = t;
      maxAbs = Math.max(maxAbs, Math.abs(v));
      blocks.set(v, (blocks.get(v) ?? 0) + 1);
    }
    sum += comp;
    let sumSqCounts = 0;
    for (const c of blocks.values()) sumSqCounts += c * c;
    const tol = 2 ** -52 * maxAbs * sumSqCounts;
    if (!(Math.abs(sum) <= tol)) throw new Error(`verify: task ${task}: sum ${sum} is not 0 (tolerance ${tol})`);
    const bound = -normalQuantile(1 / (2 * m));
    if (!(maxAbs <= bound + 1e-12)) throw new Error(`verify: task ${task}: |A| = ${maxAbs} > Φ⁻¹(1 − 1/(2m)) = ${bound}`);
  }
}

/** Throws unless `adv` equals the spec reference: elementwise within 1e-12. */
function verifyAgainstReference(batch: Batch, adv: Float64Array): void {
  const ref = referenceG2rpo(batch);
  // Both sides add the same quantiles, possibly in another order: a few ulps of |q| ≤ 5, i.e. ~1e-15.
  // A wrong rank or tie block would be off by ≥ 1e-6; 1e-12 separates the two by six decades.
  let worst = 0;
  let at = 0;
  for (let i = 0; i < adv.length; i++) {
    const e = Math.abs(adv[i] - ref[i]);
    if (!(e <= worst)) [worst, at] = [e, i];
  }
  if (!(worst <= 1e-12)) throw new Error(`verify: response ${at}: ${adv[at]} vs reference ${ref[at]} (|error| ${worst})`);
}

function timeSize(report: Reporter, n: number, seed: number): { g2rpo: Timing; sort: Timing } {
  const batch = syntheticBatch(n, seed);
  const input: RewardBatch = batch;
  const adv = computeAdvantages(input, { estimator: 'g2rpo' });
  verifyInvariants(batch, adv);
  verifyAgainstReference(batch, adv);
  const large = n > 100_000;
  // Small n: many runs for a stable median of a ~0.1 ms call; large n: a few, to stay well under 30 s.
  const opts = large ? { warmup: 2, minRuns: 9, minTimeMs: 0 } : { warmup: 200, minRuns: 200, minTimeMs: 1000 };

  const uniform = Float64Array.from({ length: n }, mulberry32(seed + 1).next);
  const sort = measure((copy) => copy.sort(), () => uniform.slice(), opts);
  const g2rpo = measure(() => computeAdvantages(input, { estimator: 'g2rpo' }), () => undefined, opts);
  const ratio = g2rpo.median_ms / sort.median_ms;
  report.row({ name: 'g2rpo ot (computeAdvantages)', n, median_ms: g2rpo.median_ms, ratio_to_sort: ratio, min_ms: g2rpo.min_ms, runs: g2rpo.runs });
  report.row({ name: 'Float64Array.sort (uniform)', n, median_ms: sort.median_ms, ratio_to_sort: 1, min_ms: sort.min_ms, runs: sort.runs });
  return { g2rpo, sort };
}

export const advantagesSuite: Suite = {
  name: 'advantages',
  title: 'G²RPO (task stage ot, 6 tasks, groups of 8) vs one Float64Array sort of the same n',
  run(report) {
    const { g2rpo, sort } = timeSize(report, 4096, 2604);
    timeSize(report, 1_048_576, 8539);
    report.note('verified before timing: per-task zero sum, |A| bound and the spec reference, at both n');
    const ratio = g2rpo.median_ms / sort.median_ms;
    const met = g2rpo.median_ms < 0.3 && ratio <= 3;
    report.note(
      `target at n = 4096 (< 0.3 ms and ≤ 3× the sort): ${met ? 'met' : 'MISSED'} ` +
        `(${g2rpo.median_ms.toPrecision(3)} ms, ${ratio.toPrecision(3)}× the sort)`,
    );
  },
};
