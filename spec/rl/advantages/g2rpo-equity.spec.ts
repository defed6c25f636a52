/**
 * Gradient equity across tasks (shared g2rpo-spec §2; proofs/gradient-equity.md): when is the per-task
 * mean A² the same for every task, for each G²RPO task stage and for the GRPO baselines, and why mean A²
 * is the quantity that matters (the policy-gradient norm argument, §1).
 *
 * Shown both ways, with exact numbers: `scale` equalises every task exactly; `ot` equalises tasks of the
 * same size and tie structure (and not a binary task against a dense one); `none` does not; GRPO fails
 * under the very premise where G²RPO holds (fast-check counterexamples printed), by ε (verl), by reward
 * scale (Dr. GRPO, TRL's batch std). Reference numbers are 40-digit mpmath values, not our outputs.
 *
 * Not here: the task-stage laws themselves (g2rpo-properties.spec.ts), signs (g2rpo-signs.spec.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeAdvantages, type EstimatorOptions } from '../../../src/rl/advantages/index.js';
import type { RewardBatch, TaskStage } from '../../../src/rl/advantages/types.js';
import { normalScores } from '../../../src/rl/ot.js';
import { batchCase, degenerateGroups, flatten, stage1Of, taskMeanSquares, twinTasksCase, type Flat } from '../arbitraries.js';

const u = 2 ** -53;
const MODES: readonly TaskStage[] = ['ot', 'none', 'scale'];
const g2rpo = (b: RewardBatch, taskStage: TaskStage) => computeAdvantages(b, { estimator: 'g2rpo', taskStage });
const qMax = (n: number) => (n <= 1 ? 0 : normalScores(n)[n - 1]);
const meanSq = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x * x, 0) / a.length;

/** M_n = mean of the n normal scores squared, the mean A² of n distinct values. */
const M = (n: number) => (n <= 1 ? 0 : meanSq(normalScores(n)));

/** One task's share of Σ A² over the batch, per task. */
function shares(a: ArrayLike<number>, f: Flat): number[] {
  const total = Array.from(a).reduce((s, x) => s + x * x, 0);
  return f.taskMembers.map((m) => m.reduce((s, i) => s + a[i] * a[i], 0) / total);
}

/** Two tasks 'A' and 'B' given as per-group reward lists, contiguous, read back through flatten. */
function twoTasks(first: number[][], second: number[][]): Flat {
  const task = (id: string, groups: number[][]) => ({ id, groups: groups.map((rewards, g) => ({ id: g, rewards })) });
  const n = [...first, ...second].reduce((k, g) => k + g.length, 0);
  return flatten({ tasks: [task('A', first), task('B', second)], order: [...Array(n).keys()] });
}
const times = (k: number, grp: number[]) => Array.from({ length: k }, () => grp);
const oneOf8 = [1, 0, 0, 0, 0, 0, 0, 0];

// 40-digit reference values (proofs/gradient-equity.md gives the script).
const REF = {
  /** `ot`, n = 400: 50 groups with 1 of 8 correct (blocks of 350 and 50). */
  otBinary1of8: 0.3865564779085119380,
  /** `ot`, n = 400: 50 groups of 8 distinct rewards (8 blocks of 50). */
  otDense: 0.9434954132461514372,
  /** stage 1 (`none`): 1 of 8 correct q_8²/7; 4 of 8 ((q_5 + … + q_8)/4)²; 8 distinct M_8. */
  none1of8: 0.3362179778006504307,
  none4of8: 0.5880413614195921471,
  noneDense: 0.8510509733345605405,
};

describe('why mean A²: the policy-gradient norm argument (proofs/gradient-equity.md §1)', () => {
  it('‖g_τ‖ ≤ (B/T)·Σ|A_i|·L_i ≤ (B·L_max/T)·√(n_τ·Σ A_i²) for softmax scores (B = √2); orthogonal scores give ‖g_τ‖² = (σ/T)²·Σ A_i² (proofs/gradient-equity.md §1)', () => {
    const V = 5;
    const response = fc.record({
      a: fc.integer({ min: -3000, max: 3000 }).map((k) => k / 1000), // advantages are O(1); no subnormals
      tokens: fc.array(fc.tuple(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: V, maxLength: V }), fc.nat({ max: V - 1 })), { minLength: 1, maxLength: 8 }),
    });
    fc.assert(
      fc.property(fc.array(response, { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 200 }), (rs, extraT) => {
        const T = rs.reduce((s, r) => s + r.tokens.length, 0) + extraT; // tokens of the other tasks too
        const g = new Float64Array(V); // g_τ = (1/T)·Σ_i A_i·Σ_t (onehot(o_t) − softmax(logits_t))
        for (const { a, tokens } of rs)
          for (const [logits, o] of tokens) {
            const m = Math.max(...logits);
            const e = logits.map((x) => Math.exp(x - m));
            const z = e.reduce((s, x) => s + x, 0);
            for (let v = 0; v < V; v++) g[v] += (a * ((v === o ? 1 : 0) - e[v] / z)) / T;
          }
        const norm = Math.sqrt(g.reduce((s, x) => s + x * x, 0));
        const B = Math.SQRT2; // ‖onehot − p‖² = (1 − p_o)² + Σ_{v≠o} p_v² ≤ 2
        const lMax = Math.max(...rs.map((r) => r.tokens.length));
        const bound1 = (B / T) * rs.reduce((s, r) => s + Math.abs(r.a) * r.tokens.length, 0);
        const bound2 = ((B * lMax) / T) * Math.sqrt(rs.length * rs.reduce((s, r) => s + r.a * r.a, 0));
        expect(norm).toBeLessThanOrEqual(bound1 * (1 + 1e-12)); // relative slack for the float sums
        expect(bound1).toBeLessThanOrEqual(bound2 * (1 + 1e-12));
        // orthogonal scores of equal norm σ (one basis direction per response): the identity itself
        const sigma = 0.7;
        const sq = rs.reduce((s, r) => s + ((sigma * r.a) / T) ** 2, 0);
        // Rounding, to first order in u: each term ((σ·a)/T)² carries 5u (two roundings, doubled by the
        // square, plus the square's own) and summing n terms adds (n − 1)u: (n + 4)u. The other side:
        // (σ/T)² 3u, Σ a² n·u, the product u: (n + 4)u. So |Δ| ≤ (2n + 8)·u·sq; +u covers the u² terms.
        // (The old 4n·u bound was wrong for n = 1: CI drew a = −2.993, T = 14 and |Δ| = 4.2u·sq.)
        const n = rs.length;
        expect(Math.abs(sq - (sigma / T) ** 2 * rs.reduce((s, r) => s + r.a * r.a, 0))).toBeLessThanOrEqual((2 * n + 9) * u * sq);
      }),
      { numRuns: 150 },
    );
  });
});

describe('G²RPO: the exact equity condition (proofs/gradient-equity.md §2, §3)', () => {
  it('[ot] a task’s mean A² = (1/n)·Σ_B |B|·μ_B², a function of n_task and its tie blocks only; ≤ M_n, = M_n when distinct (proofs/gradient-equity.md §2)', () => {
    // μ_B is a block mean of normalScores(n) (ours and the implementation's each within n·u·q_n of the
    // exact one); squaring and averaging n of them: |Δ| ≤ (5n + 2)·u·q_n².
    fc.assert(
      fc.property(batchCase(), (c) => {
        const f = flatten(c);
        const a = g2rpo(f.batch, 'ot');
        const s = stage1Of(f);
        f.taskMembers.forEach((m, t) => {
          const n = m.length;
          if (n <= 1) return;
          const q = normalScores(n);
          const v = m.map((i) => s[i]).sort((x, y) => x - y);
          let want = 0;
          for (let k = 0; k < n; ) {
            let e = k + 1;
            while (e < n && v[e] === v[k]) e++;
            let mu = 0;
            for (let j = k; j < e; j++) mu += q[j];
            mu /= e - k;
            want += (e - k) * mu * mu;
            k = e;
          }
          want /= n;
          const got = taskMeanSquares(a, f)[t];
          const tol = (5 * n + 2) * u * qMax(n) ** 2;
          expect(Math.abs(got - want)).toBeLessThanOrEqual(tol);
          expect(got).toBeLessThanOrEqual(M(n) + tol);
          if (new Set(v).size === n) expect(Math.abs(got - M(n))).toBeLessThanOrEqual(tol);
        });
      }),
      { numRuns: 150 },
    );
  });

  for (const mode of MODES) {
    it(`[${mode}] tasks with the same rank pattern get the same mean A² whatever their rewards (heavy-tailed, 1e300, near-tied) (proofs/gradient-equity.md §2)`, () => {
      // ot / none: each copy's sorted advantages are the same numbers, bit for bit. scale: the rms sums
      // s² in an order that depends on the interleaving: equal within (2n + 8)·u (g2rpo-task-stage.md §5).
      fc.assert(
        fc.property(twinTasksCase(), (c) => {
          const f = flatten(c);
          const a = g2rpo(f.batch, mode);
          const sorted = f.taskMembers.map((m) => m.map((i) => a[i]).sort((x, y) => x - y));
          for (let t = 1; t < sorted.length; t++) {
            const n = sorted[t].length;
            for (let k = 0; k < n; k++) {
              if (mode === 'scale') expect(Math.abs(sorted[t][k] - sorted[0][k])).toBeLessThanOrEqual((2 * n + 8) * u * Math.abs(sorted[0][k]));
              else if (!(sorted[t][k] === sorted[0][k])) throw new Error(`task ${t}, rank ${k}: ${sorted[t][k]} vs ${sorted[0][k]}`);
            }
          }
        }),
        { numRuns: 150 },
      );
    });
  }

  it('[scale] every task’s mean A² over its non-degenerate responses is 1, so each task’s share of Σ A² is its share of non-degenerate responses (proofs/gradient-equity.md §3)', () => {
    // mean A² = 1 within (2c + 8)·u per task (g2rpo-task-stage.md §5), so Σ_τ A² = c_τ·(1 ± (2c + 8)u) and
    // each share is within 2·(2n + 8)·u of c_τ/Σc.
    fc.assert(
      fc.property(batchCase(), (c) => {
        const f = flatten(c);
        const a = g2rpo(f.batch, 'scale');
        const deg = degenerateGroups(f);
        const live = f.taskMembers.map((m) => m.filter((i) => !deg[f.group[i]]).length);
        const total = live.reduce((x, y) => x + y, 0);
        if (total === 0) return;
        shares(a, f).forEach((sh, t) => expect(Math.abs(sh - live[t] / total)).toBeLessThanOrEqual(2 * (2 * f.n + 8) * u));
      }),
      { numRuns: 150 },
    );
  });
});

describe('GRPO violates equity where G²RPO keeps it (proofs/gradient-equity.md §5)', () => {
  const baselines: [string, EstimatorOptions][] = [
    ['GRPO, verl (per-group std + 1e-6)', { estimator: 'grpo' }],
    ['GRPO, TRL scale_rewards="batch"', { estimator: 'grpo', scale: 'batch' }],
    ['Dr. GRPO (no std)', { estimator: 'dr_grpo' }],
  ];
  for (const [name, options] of baselines) {
    it(`${name}: fast-check finds same-pattern tasks whose mean A² differ by more than 2× (proofs/gradient-equity.md §5)`, () => {
      const law = fc.property(twinTasksCase(), (c) => {
        const f = flatten(c);
        const ms = taskMeanSquares(computeAdvantages(f.batch, options), f, true).filter((x) => !Number.isNaN(x));
        if (ms.length < 2) return;
        expect(Math.max(...ms)).toBeLessThanOrEqual(2 * Math.min(...ms));
      });
      const r = fc.check(law, { numRuns: 200, seed: 20260411 });
      expect(r.failed).toBe(true);
      const f = flatten(r.counterexample![0]);
      const a = computeAdvantages(f.batch, options);
      console.log(
        `${name}: shrunk counterexample\n  batch ${JSON.stringify(f.batch)}\n` +
          `  per-task mean A² (non-degenerate) ${JSON.stringify(taskMeanSquares(a, f, true))}, share of Σ A² ${JSON.stringify(shares(a, f))}\n` +
          `  G²RPO ot on the same batch: ${JSON.stringify(taskMeanSquares(g2rpo(f.batch, 'ot'), f, true))}`,
      );
    });
  }

  it('verl GRPO: Σ_group A² = (n − 1)·σ²/(σ + 1e-6)² per non-degenerate group, so an outlier changes who gets A² within the group, not the task’s total (proofs/gradient-equity.md §5)', () => {
    // Σ (r − m)² and (n − 1)σ² are the same sum of n squares, computed twice: ≤ (n + 4)·u relatively each.
    // A mean off by e = u·max|r| moves Σ d² by n·e² only (the cross term 2e·Σd vanishes), but that is not
    // small when the spread is a few ulps of the rewards (−0.001 vs −0.0010000000000000015): a relative
    // 4n·e²/Σd² on top. Not on heavy/huge rewards (1e12 with a spread of 1e-4: nothing left to compare).
    // Groups with σ < 1e-140 are skipped: σ² would be subnormal (dense rewards reach 1e-300), and the
    // identity is about the real numbers, not about how two computations underflow.
    fc.assert(
      fc.property(batchCase({ topologies: ['binary', 'dense', 'negative'] }), (c) => {
        const f = flatten(c);
        const a = computeAdvantages(f.batch, { estimator: 'grpo' });
        degenerateGroups(f).forEach((deg, g) => {
          const m = f.members[g];
          if (deg) return;
          const r = m.map((i) => f.batch.rewards[i]);
          const mean = r.reduce((x, y) => x + y, 0) / r.length;
          const sigma = Math.sqrt(r.reduce((x, y) => x + (y - mean) ** 2, 0) / (r.length - 1));
          if (sigma < 1e-140) return;
          const want = ((r.length - 1) * sigma * sigma) / (sigma + 1e-6) ** 2;
          const got = m.reduce((x, i) => x + a[i] * a[i], 0);
          const e = u * Math.max(...r.map(Math.abs));
          const rel = 4 * (r.length + 4) * u + (4 * r.length * e * e) / ((r.length - 1) * sigma * sigma);
          expect(Math.abs(got - want)).toBeLessThanOrEqual(rel * want);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('hand-made: one outlier (1e6 for one correct answer) or a heavy tail (10^k) takes > 99.9 % of Σ A² under Dr. GRPO and TRL batch scaling (proofs/gradient-equity.md §5)', () => {
    const binary = times(50, oneOf8);
    const outlier = [[1e6, 0, 0, 0, 0, 0, 0, 0], ...times(49, oneOf8)];
    const heavy = times(50, [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7]);
    for (const other of [outlier, heavy]) {
      const f = twoTasks(binary, other);
      for (const options of [{ estimator: 'dr_grpo' }, { estimator: 'grpo', scale: 'batch' }] as EstimatorOptions[]) {
        expect(shares(computeAdvantages(f.batch, options), f)[1]).toBeGreaterThan(0.999);
      }
    }
    // The outlier batch has one rank pattern in both tasks: every G²RPO mode gives each task exactly half,
    // and verl GRPO equal totals too (the identity above), up to ε/σ < 1e-5.
    const f = twoTasks(binary, outlier);
    for (const mode of MODES) {
      const sh = shares(g2rpo(f.batch, mode), f);
      expect(sh[0]).toBe(sh[1]);
    }
    const ms = taskMeanSquares(computeAdvantages(f.batch, { estimator: 'grpo' }), f);
    expect(Math.abs(ms[1] / ms[0] - 1)).toBeLessThan(1e-5);
  });
});

describe('what is NOT true: binary 1-of-8 task against a dense task, n = 400 each (proofs/gradient-equity.md §2, §4, §6)', () => {
  const dense = Array.from({ length: 50 }, (_, g) => [0.05, 0.15, 0.3, 0.45, 0.5, 0.62, 0.8, 0.95].map((r) => r + g * 1e-3));
  const f = twoTasks(times(50, oneOf8), dense);
  const b = f.batch;

  it('[ot] 0.38656 against 0.94350: ties of binary rewards lower a task’s mean A² (to (5n + 2)·u·q_n²) (proofs/gradient-equity.md §2)', () => {
    const ms = taskMeanSquares(g2rpo(b, 'ot'), f);
    const tol = (5 * 400 + 2) * u * qMax(400) ** 2; // 2.6e-12
    expect(Math.abs(ms[0] - REF.otBinary1of8)).toBeLessThanOrEqual(tol);
    expect(Math.abs(ms[1] - REF.otDense)).toBeLessThanOrEqual(tol);
  });

  it('[none] 0.33622 against 0.85105, and 4 of 8 correct gives 0.58804: stage 1 alone is not equitable (proofs/gradient-equity.md §4)', () => {
    const ms = taskMeanSquares(g2rpo(b, 'none'), f);
    expect(Math.abs(ms[0] - REF.none1of8)).toBeLessThanOrEqual(1e-14); // block means of ≤ 8 scores ≤ 1.54
    expect(Math.abs(ms[1] - REF.noneDense)).toBeLessThanOrEqual(1e-14);
    const four = g2rpo({ rewards: [1, 1, 1, 1, 0, 0, 0, 0], groups: Array(8).fill(0) }, 'none');
    expect(Math.abs(meanSq(four) - REF.none4of8)).toBeLessThanOrEqual(1e-14);
  });

  it('[scale] 1 and 1 (to (2c + 8)·u); verl GRPO 0.875 and 0.875 (to ε/σ < 1e-5): here GRPO is more equitable than `ot` (proofs/gradient-equity.md §3)', () => {
    const ms = taskMeanSquares(g2rpo(b, 'scale'), f);
    for (const m of ms) expect(Math.abs(m - 1)).toBeLessThanOrEqual((2 * 400 + 8) * u);
    for (const m of taskMeanSquares(computeAdvantages(b, { estimator: 'grpo' }), f)) expect(Math.abs(m - 7 / 8)).toBeLessThan(1e-5);
  });
});
