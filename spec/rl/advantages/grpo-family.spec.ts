/**
 * Property tests of the GRPO family (GRPO group/batch/none, Dr. GRPO, RLOO, EMA-GRPO, GDPO), one law per
 * section of proofs/grpo-family.md, and a check that each law catches a deliberately broken variant.
 *
 * As in spec/rl/ot.spec.ts, each law is a function of an implementation bundle, so it runs against the
 * library (it must hold) and against the broken bundles at the bottom (each must be caught).
 *
 * Tolerances. u = 2⁻⁵³. Centring r − mean in float64 errs by at most ~2n·u·max|r| (the mean's sum, then
 * the subtraction), so a value divided by D errs by ≤ E = 8n·u·max|r|/D — tiny for ordinary groups, and
 * honestly large for near-tied ones (1 ± 1e-12, where max|r|/D ~ 1e12): those groups are ill-conditioned
 * for every implementation, and the bound says so instead of hiding them from the generator.
 *
 * Not here: G²RPO (spec/rl/advantages/g2rpo*.spec.ts), validation (validation.spec.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/rl/errors.js';
import {
  computeAdvantages,
  drGrpoAdvantages,
  resolveStd,
  STD_PRESETS,
  emaGrpoAdvantages,
  gdpoAdvantages,
  grpoAdvantages,
  rlooAdvantages,
  type EmaGrpoParams,
  type EmaGrpoResult,
  type GdpoParams,
  type GrpoParams,
  type Id,
  type RewardBatch,
  type RlooParams,
  type StdConvention,
} from '../../../src/rl/advantages/index.js';

const u = 2 ** -53;

// ---------- generators: interleaved groups, ids that collide across tasks and as 1 vs "1" ----------
const f64 = (min: number, max: number) =>
  fc.noBias(fc.integer({ min: 0, max: 2 ** 30 })).map((i) => min + ((max - min) * i) / 2 ** 30);
const groupRewards = (size: number) => {
  const arr = (a: fc.Arbitrary<number>) => fc.array(a, { minLength: size, maxLength: size });
  return fc.oneof(
    arr(fc.constantFrom(0, 1)), // binary
    arr(fc.integer({ min: 0, max: 10 }).map((k) => k / 10)), // graded
    arr(f64(-5, 5)), // dense
    arr(f64(-27, 27).map((t) => Math.sign(t) * Math.expm1(Math.abs(t)))), // heavy-tailed, up to 5e11
    arr(fc.integer({ min: -1, max: 2 }).map((k) => 1 + k * 1e-12)), // near-tied
    f64(-5, 5).map((v) => Array<number>(size).fill(v)), // constant (0.1 × 3 does not average to 0.1)
  );
};
const TASK_IDS: Id[] = ['math', 7, 'ocr'];

interface Case {
  batch: RewardBatch & { rewards: number[]; groups: Id[]; tasks: Id[] };
  /** members of each (task, group), as the test itself defines the groups */
  groupsOf: number[][];
}

/** Batches of 1–8 groups of sizes [minSize, 10] in 1–3 tasks, shuffled. Group j of a task has id j/2 or
 *  "(j−1)/2": ids 0, "0", 1, "1", … so 1 and "1" are both present, and every id recurs across tasks. */
function batchArb(minSize = 1, components = 0): fc.Arbitrary<Case & { components: number[][] }> {
  return fc
    .array(fc.record({ task: fc.integer({ min: 0, max: 2 }), size: fc.integer({ min: minSize, max: 10 }) }), { minLength: 1, maxLength: 8 })
    .chain((specs) =>
      fc.tuple(
        fc.constant(specs),
        fc.tuple(...specs.map((s) => fc.tuple(...Array.from({ length: 1 + components }, () => groupRewards(s.size))))),
        fc.array(fc.nat(), { minLength: 100, maxLength: 100 }),
      ),
    )
    .map(([specs, values, keys]) => {
      const perTask = [0, 0, 0];
      const rows: { r: number; c: number[]; g: Id; t: Id; k: number }[] = [];
      specs.forEach((s, k) => {
        const j = perTask[s.task]++;
        const gid: Id = j % 2 === 0 ? j / 2 : String((j - 1) / 2);
        for (let i = 0; i < s.size; i++) rows.push({ r: values[k][0][i], c: values[k].slice(1).map((v) => v[i]), g: gid, t: TASK_IDS[s.task], k });
      });
      const order = rows.map((_, i) => i).sort((a, b) => keys[a % 100] - keys[b % 100] || a - b);
      const shuffled = order.map((i) => rows[i]);
      const groupsOf: number[][] = specs.map(() => []);
      shuffled.forEach((row, i) => groupsOf[row.k].push(i));
      return {
        batch: { rewards: shuffled.map((x) => x.r), groups: shuffled.map((x) => x.g), tasks: shuffled.map((x) => x.t) },
        groupsOf,
        components: Array.from({ length: components }, (_, c) => shuffled.map((x) => x.c[c])),
      };
    });
}

// ---------- small independent helpers ----------
const pick = (a: ArrayLike<number>, idx: number[]) => idx.map((i) => a[i]);
const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
const sampleStd = (x: number[], ddof = 1) => {
  const m = mean(x);
  return Math.sqrt(x.reduce((s, v) => s + (v - m) ** 2, 0) / (x.length - ddof));
};
const maxAbs = (x: number[]) => x.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
const isConstant = (x: number[]) => x.every((v) => v === x[0]);
/** E: the float error bound of a centred value divided by D (header). */
const centredError = (x: number[], D: number) => (8 * x.length * u * maxAbs(x)) / D;
const STD0: StdConvention = { ddof: 1, eps: 0, epsPlacement: 'std' };

// ---------- the implementation bundle the laws run against ----------
interface Impl {
  grpo: (b: RewardBatch, p?: GrpoParams) => Float64Array;
  drGrpo: (b: RewardBatch) => Float64Array;
  rloo: (b: RewardBatch, p?: RlooParams) => Float64Array;
  ema: (b: RewardBatch, p?: EmaGrpoParams) => EmaGrpoResult;
  gdpo: (b: RewardBatch, p?: GdpoParams) => Float64Array;
}
const library: Impl = { grpo: grpoAdvantages, drGrpo: drGrpoAdvantages, rloo: rlooAdvantages, ema: emaGrpoAdvantages, gdpo: gdpoAdvantages };

interface Law {
  id: string;
  title: string;
  law: (impl: Impl) => fc.IProperty<any>;
}

const laws: Law[] = [
  {
    id: '§1',
    title: 'GRPO (group, batch, none), Dr. GRPO, RLOO, EMA-GRPO: zero mean in every (task, group)',
    law: (impl) =>
      fc.property(batchArb(2), fc.constantFrom<GrpoParams['scale']>('group', 'batch', 'none'), ({ batch, groupsOf }, scale) => {
        const outs = [impl.grpo(batch, { scale, std: STD0 }), impl.drGrpo(batch), impl.rloo(batch), impl.ema(batch).advantages];
        for (const a of outs)
          for (const g of groupsOf) {
            const r = pick(batch.rewards, g);
            const A = pick(a, g);
            // every A_i = c·(r_i − m) for one c per group, so Σ|A|/Σ|r − m| recovers 1/D for the bound
            const spread = r.reduce((s, v) => s + Math.abs(v - mean(r)), 0);
            const invD = spread === 0 ? 0 : A.reduce((s, v) => s + Math.abs(v), 0) / spread;
            const sum = A.reduce((s, v) => s + v, 0);
            // n errors of ≤ E/D + u|A_i| each, plus the test's own summation (≤ n²·u·max|A|)
            const n = r.length;
            expect(Math.abs(sum)).toBeLessThanOrEqual(n * centredError(r, 1) * invD + 2 * n * n * u * maxAbs(A));
          }
      }),
  },
  {
    id: '§2',
    title: 'GRPO group scale: sample std of A is 1 (eps 0), std/(std + eps) (eps on the std), √(var/(var + eps)) (eps under the root)',
    law: (impl) =>
      fc.property(batchArb(2), fc.constantFrom(0, 1e-6, 1e-4, 0.5), fc.constantFrom<'std' | 'variance'>('std', 'variance'), ({ batch, groupsOf }, eps, epsPlacement) => {
        const a = impl.grpo(batch, { std: { ddof: 1, eps, epsPlacement } });
        for (const g of groupsOf) {
          const r = pick(batch.rewards, g);
          if (isConstant(r)) continue; // §8
          const s = sampleStd(r);
          const D = epsPlacement === 'std' ? s + eps : Math.sqrt(s * s + eps);
          // A_i errs by ≤ E (plus D's relative rounding); the test's own std of r errs alike: 4E covers both
          const tol = 4 * centredError(r, D) + 32 * r.length * u;
          expect(Math.abs(sampleStd(pick(a, g)) - s / D)).toBeLessThanOrEqual(tol);
        }
      }),
  },
  {
    id: '§3',
    title: 'GRPO batch scale: A = (r − mean_g)/(std of all rewards + eps), one divisor for the whole batch',
    law: (impl) =>
      fc.property(batchArb(2), fc.constantFrom<'verl' | 'trl'>('verl', 'trl'), ({ batch, groupsOf }, preset) => {
        const a = impl.grpo(batch, { scale: 'batch', std: preset });
        const D = sampleStd(batch.rewards) + (preset === 'trl' ? 1e-4 : 1e-6);
        const tol = 2 * centredError(batch.rewards, D);
        for (const g of groupsOf) {
          const r = pick(batch.rewards, g);
          if (isConstant(r)) continue;
          g.forEach((i) => expect(Math.abs(a[i] - (batch.rewards[i] - mean(r)) / D)).toBeLessThanOrEqual(tol));
        }
      }),
  },
  {
    id: '§4',
    title: 'Dr. GRPO = r − mean_g, and GRPO group = Dr. GRPO/(std_g + eps)',
    law: (impl) =>
      fc.property(batchArb(2), ({ batch, groupsOf }) => {
        const dr = impl.drGrpo(batch);
        const z = impl.grpo(batch); // verl: std + 1e-6
        for (const g of groupsOf) {
          const r = pick(batch.rewards, g);
          const E = centredError(r, 1);
          const D = sampleStd(r) + 1e-6;
          g.forEach((i) => {
            expect(Math.abs(dr[i] - (batch.rewards[i] - mean(r)))).toBeLessThanOrEqual(E);
            expect(Math.abs(z[i] - dr[i] / D)).toBeLessThanOrEqual((2 * E) / D + 16 * r.length * u * Math.abs(z[i]));
          });
        }
      }),
  },
  {
    id: '§5',
    title: 'RLOO: A_i = r_i − mean of the others = n/(n − 1)·(r_i − mean_g); moving r_i by Δ moves A_i by Δ and each other A_j by −Δ/(n − 1)',
    law: (impl) =>
      fc.property(batchArb(2), f64(-3, 3), fc.nat(), ({ batch, groupsOf }, delta, which) => {
        const a = impl.rloo(batch);
        const g = groupsOf[which % groupsOf.length];
        const r = pick(batch.rewards, g);
        const n = r.length;
        const E = 2 * centredError(r, 1) + 8 * n * u * Math.abs(delta);
        g.forEach((i) => {
          const others = g.filter((j) => j !== i).map((j) => batch.rewards[j]);
          expect(Math.abs(a[i] - (batch.rewards[i] - mean(others)))).toBeLessThanOrEqual(E);
          expect(Math.abs(a[i] - (n / (n - 1)) * (batch.rewards[i] - mean(r)))).toBeLessThanOrEqual(E);
        });
        const i0 = g[0];
        const moved = { ...batch, rewards: batch.rewards.map((v, i) => (i === i0 ? v + delta : v)) };
        const b = impl.rloo(moved);
        const Delta = moved.rewards[i0] - batch.rewards[i0]; // the Δ actually applied after rounding
        expect(Math.abs(b[i0] - a[i0] - Delta)).toBeLessThanOrEqual(2 * E);
        g.slice(1).forEach((j) => expect(Math.abs(b[j] - a[j] + Delta / (n - 1))).toBeLessThanOrEqual(2 * E));
      }),
  },
  {
    id: '§6',
    title: 'EMA-GRPO: σ_τ ← σ_G on first sight, else α σ_τ + (1 − α) σ_G; A = (r − mean_g)/(σ_τ + eps); the input state is not modified',
    law: (impl) =>
      fc.property(fc.array(batchArb(1), { minLength: 1, maxLength: 3 }), f64(0, 1), (cases, alpha) => {
        let state = new Map<Id, number>();
        for (const { batch, groupsOf } of cases) {
          const before = new Map(state);
          const { advantages, state: next } = impl.ema(batch, { alpha, eps: 1e-6, state });
          expect(state).toEqual(before); // pure
          for (const task of new Set(batch.tasks)) {
            const gs = groupsOf.filter((g) => batch.tasks[g[0]] === task && g.length >= 2);
            const prev = state.get(task);
            if (gs.length === 0) {
              expect(next.get(task)).toBe(prev);
              continue;
            }
            const stds = gs.map((g) => sampleStd(pick(batch.rewards, g)));
            const sigmaG = mean(stds);
            const want = prev === undefined ? sigmaG : alpha * prev + (1 - alpha) * sigmaG;
            const scale = gs.reduce((s, g) => Math.max(s, maxAbs(pick(batch.rewards, g))), 0) + (prev ?? 0);
            const got = next.get(task) as number;
            expect(Math.abs(got - want)).toBeLessThanOrEqual(64 * batch.rewards.length * u * scale);
            for (const g of gs) {
              const r = pick(batch.rewards, g);
              if (isConstant(r)) continue;
              const D = got + 1e-6;
              g.forEach((i) => expect(Math.abs(advantages[i] - (batch.rewards[i] - mean(r)) / D)).toBeLessThanOrEqual(2 * centredError(r, D)));
            }
          }
          state = next;
        }
      }),
  },
  {
    id: '§7a',
    title: 'GDPO: the output is whitened over tokens: Σ w·A = 0 and Σ w·A²/(Σw − 1) = 1 with eps 0 (w = token lengths or 1)',
    law: (impl) =>
      fc.property(batchArb(2, 2), fc.boolean(), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 80, maxLength: 80 }), ({ batch, groupsOf, components }, weighted, lens) => {
        const n = batch.rewards.length;
        const tokenLengths = weighted ? batch.rewards.map((_, i) => lens[i % 80]) : undefined;
        const a = impl.gdpo({ ...batch, components }, { std: STD0, whiten: STD0, tokenLengths });
        const w = (i: number) => (tokenLengths === undefined ? 1 : tokenLengths[i]);
        const W = batch.rewards.reduce((s, _, i) => s + w(i), 0);
        if (Array.from(a).every((v) => v === 0)) return; // nothing to whiten (§7 of the proof)
        let s1 = 0;
        let s2 = 0;
        for (let i = 0; i < n; i++) {
          s1 += w(i) * a[i];
          s2 += w(i) * a[i] * a[i];
        }
        // Centring x over W tokens errs by ≤ W·u·max|x|, i.e. by W·u·cond relative to the std, cond =
        // max|x|/std_x; the std errs alike, and squaring doubles it. cond comes from the test's own x̂
        // (z-scores summed), whose entries may differ from the library's x by errX (each z errs by
        // ≤ 16n·u·max|c|/std(c)), so std_x ≥ std_x̂ − 2·errX. When that is ≤ 0 the components cancel
        // to a nearly constant x ([0.999999999999, 1] beside [−2.67, −3.67] gives x = 7e-5 ± 1e-16): no
        // float whitening is exact there, and the bound is ∞.
        const x = new Array<number>(n).fill(0);
        let errX = 0;
        for (const col of components) {
          let worst = 0;
          for (const h of groupsOf) {
            const c = pick(col, h);
            if (h.length < 2 || isConstant(c)) continue;
            h.forEach((i, j) => (x[i] += (c[j] - mean(c)) / sampleStd(c)));
            worst = Math.max(worst, (16 * h.length * u * maxAbs(c)) / sampleStd(c));
          }
          errX += worst;
        }
        const xm = x.reduce((t, v, i) => t + w(i) * v, 0) / W;
        const sx = Math.sqrt(x.reduce((t, v, i) => t + w(i) * (v - xm) ** 2, 0) / (W - 1));
        const cond = (maxAbs(x) + errX) / Math.max(sx - 2 * errX, 0);
        const mA = maxAbs(Array.from(a));
        const tol = 16 * W * u * (1 + cond) * (1 + mA) ** 2;
        expect(Math.abs(s1 / W)).toBeLessThanOrEqual(tol);
        expect(Math.abs(s2 / (W - 1) - 1)).toBeLessThanOrEqual(tol);
      }),
  },
  {
    id: '§7b',
    title: 'GDPO: invariant under a positive affine change of any one component within any one group (eps 0)',
    law: (impl) =>
      fc.property(batchArb(2, 2), fc.nat(), f64(0.01, 100), f64(-100, 100), ({ batch, groupsOf, components }, which, scale, shift) => {
        const g = groupsOf[which % groupsOf.length];
        const changed = components.map((c, k) => (k === 0 ? c.map((v, i) => (g.includes(i) ? scale * v + shift : v)) : c));
        // premise: a·v + b kept the tie pattern of the changed group (rounding can merge near-ties)
        const c0 = pick(components[0], g);
        const c1 = pick(changed[0], g);
        for (let i = 0; i < g.length; i++) for (let j = 0; j < i; j++) if ((c0[i] === c0[j]) !== (c1[i] === c1[j])) return;
        const whiten = { ddof: 0, eps: 1e-6, epsPlacement: 'std' } as const; // the default, spelled out
        const before = impl.gdpo({ ...batch, components }, { std: STD0, whiten });
        const after = impl.gdpo({ ...batch, components: changed }, { std: STD0, whiten });
        // Each z-score errs by ≤ 16n·u·cond (centring, then the std), cond = max|c|/std(c) of its group,
        // before or after the change; x sums them.
        let errX = 0;
        for (const comps of [components, changed]) {
          for (const col of comps) {
            errX += groupsOf.reduce((m, h) => {
              const c = pick(col, h);
              return isConstant(c) ? m : Math.max(m, (16 * h.length * u * maxAbs(c)) / sampleStd(c));
            }, 0);
          }
        }
        // Whitening divides x's error by std_x + eps. With ddof 0 and eps on the std, the population
        // std of A is s_A = std_x/(std_x + eps), so 1/(std_x + eps) = (1 − s_A)/eps: large when the
        // components cancel (x ≈ 0: GDPO's output is then float noise at the scale of eps).
        const A = Array.from(before);
        const sA = Math.sqrt(A.reduce((t, v) => t + (v - mean(A)) ** 2, 0) / A.length);
        const tol = (2 * errX * (1 - sA)) / whiten.eps + 16 * A.length * u * (1 + maxAbs(A));
        for (let i = 0; i < before.length; i++) expect(Math.abs(after[i] - before[i])).toBeLessThanOrEqual(tol);
      }),
  },
  {
    id: '§8',
    title: 'singletons get exactly 0 (policy zero) or an InputError naming groups[i] (policy error); all-equal groups get exactly 0 even with eps 0',
    law: (impl) =>
      fc.property(batchArb(1), ({ batch, groupsOf }) => {
        const outs = [
          impl.grpo(batch, { std: STD0 }),
          impl.grpo(batch, { scale: 'batch', std: STD0 }),
          impl.drGrpo(batch),
          impl.rloo(batch),
          impl.ema(batch, { eps: 0 }).advantages,
        ];
        for (const g of groupsOf) {
          if (g.length !== 1 && !isConstant(pick(batch.rewards, g))) continue;
          for (const a of outs) g.forEach((i) => expect(a[i]).toBe(0));
        }
        if (groupsOf.some((g) => g.length === 1)) {
          for (const call of [() => impl.grpo(batch, { singleton: 'error' }), () => impl.rloo(batch, { singleton: 'error' })]) {
            let caught: unknown;
            try {
              call();
            } catch (e) {
              caught = e;
            }
            expect(caught).toBeInstanceOf(InputError);
            const field = (caught as InputError).field;
            expect(field).toMatch(/^groups\[\d+\]$/);
            const idx = Number(field.slice('groups['.length, -1));
            expect(groupsOf.find((h) => h.includes(idx))?.length).toBe(1); // it names a singleton
          }
        }
      }),
  },
  {
    id: '§9',
    title: 'scale: rewards × 2^k (|k| ≤ 900, so 1e-280 … 1e282) give finite advantages, bit for bit the same z-scores (eps 0) and 2^k × the same Dr. GRPO and RLOO',
    law: (impl) =>
      fc.property(batchArb(1, 1), fc.integer({ min: -900, max: 900 }), ({ batch, components }, k) => {
        const f = 2 ** k;
        const big = { ...batch, rewards: batch.rewards.map((v) => v * f) };
        const same = (a: Float64Array, b: Float64Array, factor = 1) => {
          for (let i = 0; i < a.length; i++) {
            expect(Number.isFinite(b[i])).toBe(true);
            expect(b[i] === a[i] * factor, `response ${i}: ${b[i]} vs ${a[i]}·2^${factor === 1 ? 0 : k}`).toBe(true);
          }
        };
        for (const scale of ['group', 'batch'] as const) same(impl.grpo(batch, { scale, std: STD0 }), impl.grpo(big, { scale, std: STD0 }));
        same(impl.ema(batch, { eps: 0 }).advantages, impl.ema(big, { eps: 0 }).advantages);
        same(impl.drGrpo(batch), impl.drGrpo(big), f);
        same(impl.rloo(batch), impl.rloo(big), f);
        const c = { ...batch, components: components.map((col) => col.map((v) => v * f)) };
        same(impl.gdpo({ ...batch, components }, { std: STD0 }), impl.gdpo(c, { std: STD0 }));
      }),
  },
];

describe('GRPO family: the laws of proofs/grpo-family.md hold', () => {
  for (const { id, title, law } of laws) {
    it(`${title} (proofs/grpo-family.md ${id})`, () => fc.assert(law(library), { numRuns: 150 }));
  }
});

describe('GRPO family: conventions, dispatch and state (proofs/grpo-family.md §0, §6, §7)', () => {
  it('the presets: verl and easyr1 n − 1 with +1e-6 on the std, trl n − 1 with +1e-4 (proofs/grpo-family.md §0)', () => {
    expect(resolveStd('verl')).toEqual({ ddof: 1, eps: 1e-6, epsPlacement: 'std' });
    expect(resolveStd('easyr1')).toEqual({ ddof: 1, eps: 1e-6, epsPlacement: 'std' });
    expect(resolveStd('trl')).toEqual({ ddof: 1, eps: 1e-4, epsPlacement: 'std' });
    expect(resolveStd(undefined)).toBe(STD_PRESETS.verl);
    // one group [0, 1]: std = 1/√2 (n − 1), so A = ±0.5/(0.7071… + eps): the presets differ in the 4th digit
    const b = { rewards: [0, 1], groups: [0, 0] };
    const verl = computeAdvantages(b, { estimator: 'grpo' });
    const trl = computeAdvantages(b, { estimator: 'grpo', std: 'trl' });
    expect(Math.abs(verl[1] - 0.5 / (Math.SQRT1_2 + 1e-6))).toBeLessThanOrEqual(4 * u);
    expect(Math.abs(trl[1] - 0.5 / (Math.SQRT1_2 + 1e-4))).toBeLessThanOrEqual(4 * u);
  });

  it('computeAdvantages: dr_grpo = grpo scale none; every estimator matches its own function (proofs/grpo-family.md §4)', () => {
    fc.assert(
      fc.property(batchArb(1, 1), ({ batch, components }) => {
        const b = { ...batch, components };
        expect(computeAdvantages(b, { estimator: 'dr_grpo' })).toEqual(computeAdvantages(b, { estimator: 'grpo', scale: 'none' }));
        expect(computeAdvantages(b, { estimator: 'grpo', scale: 'batch' })).toEqual(grpoAdvantages(b, { scale: 'batch' }));
        expect(computeAdvantages(b, { estimator: 'rloo' })).toEqual(rlooAdvantages(b));
        expect(computeAdvantages(b, { estimator: 'gdpo' })).toEqual(gdpoAdvantages(b));
        expect(computeAdvantages(b, { estimator: 'ema_grpo' })).toEqual(emaGrpoAdvantages(b).advantages);
      }),
      { numRuns: 50 },
    );
  });

  it('EMA state: computeAdvantages updates options.state in place, emaGrpoAdvantages does not, a failed call changes nothing (proofs/grpo-family.md §6)', () => {
    const b = { rewards: [0, 1, 0, 0, 0, 1], groups: [0, 0, 1, 1, 2, 2], tasks: ['a', 'a', 'a', 'a', 'b', 'b'] };
    const state = new Map<Id, number>([['b', 2]]);
    const pure = emaGrpoAdvantages(b, { state, alpha: 0.5 });
    expect([...state]).toEqual([['b', 2]]);
    computeAdvantages(b, { estimator: 'ema_grpo', state, alpha: 0.5 });
    expect(state).toEqual(pure.state);
    // task a: stds of [0,1] and [0,0] are 1/√2 and 0 → σ_G = 1/(2√2), first sight; b: 0.5·2 + 0.5/√2
    expect(Math.abs((state.get('a') as number) - Math.SQRT1_2 / 2)).toBeLessThanOrEqual(4 * u);
    expect(Math.abs((state.get('b') as number) - (1 + Math.SQRT1_2 / 2))).toBeLessThanOrEqual(4 * u);
    const snapshot = new Map(state);
    const withSingleton = { rewards: [5, 0, 1], groups: [9, 0, 0], tasks: ['a', 'a', 'a'] };
    expect(() => computeAdvantages(withSingleton, { estimator: 'ema_grpo', state, singleton: 'error' })).toThrow(InputError);
    expect(state).toEqual(snapshot);
  });

  it('GDPO with one component and no token lengths = GRPO (verl) whitened as the released code does: (z − mean)/(population std + 1e-6) (proofs/grpo-family.md §7)', () => {
    fc.assert(
      fc.property(batchArb(2), ({ batch }) => {
        const z = Array.from(grpoAdvantages(batch));
        const m = mean(z);
        const sd = Math.sqrt(z.reduce((s, x) => s + (x - m) ** 2, 0) / z.length);
        const got = gdpoAdvantages(batch);
        if (z.every((x) => x === z[0])) {
          expect(Array.from(got).every((x) => x === 0)).toBe(true); // nothing to whiten
          return;
        }
        // both whiten the same z: the mean and variance sums differ in order only, ≤ n·u relative
        const tol = 16 * z.length * u * (1 + maxAbs(Array.from(got)));
        z.forEach((x, i) => expect(Math.abs(got[i] - (x - m) / (sd + 1e-6))).toBeLessThanOrEqual(tol));
      }),
      { numRuns: 100 },
    );
  });
});

// ---------- broken variants: each law must catch at least one ----------
/** Whitening of x over responses (eps 0), as the broken GDPO needs it. */
const whiten = (x: ArrayLike<number>) => {
  const v = Array.from(x);
  const m = mean(v);
  const s = sampleStd(v);
  return Float64Array.from(v, (y) => (s === 0 ? 0 : (y - m) / s));
};
const broken: { name: string; impl: Impl; caughtBy: string[] }[] = [
  {
    name: 'groups keyed by group id only (the same id in two tasks is merged)',
    impl: { ...library, grpo: (b, p) => grpoAdvantages({ rewards: b.rewards, groups: b.groups }, p), drGrpo: (b) => drGrpoAdvantages({ rewards: b.rewards, groups: b.groups }) },
    caughtBy: ['§1', '§4'],
  },
  {
    name: 'ids compared as strings (group 1 and group "1" are merged)',
    impl: { ...library, rloo: (b, p) => rlooAdvantages({ ...b, groups: b.groups.map(String) }, p) },
    caughtBy: ['§1', '§5'],
  },
  {
    name: 'population std (ddof 0) whatever the convention says',
    impl: { ...library, grpo: (b, p) => grpoAdvantages(b, { ...p, std: { ...(typeof p?.std === 'object' ? p.std : { eps: 1e-6, epsPlacement: 'std' }), ddof: 0 } }) },
    caughtBy: ['§2', '§3', '§4'],
  },
  {
    name: 'eps always added to the std (placement ignored)',
    impl: { ...library, grpo: (b, p) => grpoAdvantages(b, { ...p, std: typeof p?.std === 'object' ? { ...p.std, epsPlacement: 'std' } : p?.std }) },
    caughtBy: ['§2'],
  },
  {
    name: 'RLOO that keeps r_i in its own baseline (= Dr. GRPO)',
    impl: { ...library, rloo: (b) => drGrpoAdvantages(b) },
    caughtBy: ['§5'],
  },
  {
    name: 'EMA-GRPO that starts σ_τ at 0 instead of at the first σ_G',
    impl: {
      ...library,
      ema: (b, p) => {
        const seeded = new Map(p?.state ?? []);
        for (const t of b.tasks ?? ['']) if (!seeded.has(t)) seeded.set(t, 0);
        return emaGrpoAdvantages(b, { ...p, state: seeded });
      },
    },
    caughtBy: ['§6'],
  },
  {
    name: 'GDPO that sums the components first, then z-scores the sum (reward-coupled, i.e. GRPO)',
    impl: {
      ...library,
      gdpo: (b, p) => {
        const comps = b.components ?? [b.rewards];
        const sum = Array.from(b.rewards, (_, i) => comps.reduce((s, c) => s + c[i], 0));
        return whiten(grpoAdvantages({ rewards: sum, groups: b.groups, tasks: b.tasks }, { std: p?.std }));
      },
    },
    caughtBy: ['§7b'],
  },
  {
    name: 'GDPO whitened over responses when token lengths are given',
    impl: { ...library, gdpo: (b, p) => gdpoAdvantages(b, { ...p, tokenLengths: undefined }) },
    caughtBy: ['§7a'],
  },
  {
    name: 'GRPO without the exactness rule: (r − fl(mean))/(std + eps) for all-equal groups too',
    impl: {
      ...library,
      grpo: (b, p) => {
        const out = grpoAdvantages(b, p);
        const D = typeof p?.std === 'object' ? p.std.eps : 1e-6;
        const seen = new Map<string, number[]>();
        b.groups.forEach((g, i) => {
          const key = JSON.stringify([b.tasks?.[i] ?? '', g]);
          seen.set(key, [...(seen.get(key) ?? []), i]);
        });
        for (const idx of seen.values()) {
          const r = idx.map((i) => b.rewards[i]);
          if (idx.length > 1 && isConstant(r)) idx.forEach((i) => (out[i] = (b.rewards[i] - mean(r)) / D));
        }
        return out;
      },
    },
    caughtBy: ['§8'],
  },
  {
    name: 'GRPO with plain sums and squares (no scaling): 1e282² overflows, 1e-280² underflows',
    impl: {
      ...library,
      grpo: (b, p) => {
        const conv = typeof p?.std === 'object' ? p.std : { ddof: 1, eps: 1e-6, epsPlacement: 'std' as const };
        const out = new Float64Array(b.rewards.length);
        const byGroup = new Map<string, number[]>();
        b.groups.forEach((g, i) => {
          const key = JSON.stringify([b.tasks?.[i] ?? '', g]);
          byGroup.set(key, [...(byGroup.get(key) ?? []), i]);
        });
        for (const idx of byGroup.values()) {
          const r = idx.map((i) => b.rewards[i]);
          if (idx.length < 2 || isConstant(r)) continue;
          const m = mean(r);
          const v = r.reduce((t, x) => t + (x - m) ** 2, 0) / (r.length - conv.ddof);
          const D = conv.epsPlacement === 'std' ? Math.sqrt(v) + conv.eps : Math.sqrt(v + conv.eps);
          idx.forEach((i) => (out[i] = (b.rewards[i] - m) / D));
        }
        return out;
      },
    },
    caughtBy: ['§9'],
  },
];

describe('GRPO family: the laws catch deliberately broken variants (proofs/grpo-family.md §10)', () => {
  const failsLaw = (impl: Impl, id: string) => {
    const l = laws.find((x) => x.id === id)!;
    return fc.check(l.law(impl), { numRuns: 300, seed: 20260412 }).failed;
  };
  for (const { name, impl, caughtBy } of broken) {
    it(`${name}: caught by ${caughtBy.join(', ')}`, () => {
      for (const id of caughtBy) expect(failsLaw(impl, id), id).toBe(true);
    });
  }
  it('every law catches at least one broken variant', () => {
    const caught = new Set(broken.flatMap((b) => b.caughtBy));
    expect(laws.filter((l) => !caught.has(l.id)).map((l) => l.id)).toEqual([]);
  });
});
