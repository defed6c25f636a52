// Synthetic metrics.jsonl writer for the report specs, following the metrics.jsonl schema (docs/report.md § The input)
// (config first, then sft, eval at step 0, steps with advantages, evals every few steps, summary last).
// The numbers are plausible, not realistic: seeded trends plus noise, with knobs for the edge cases the
// report must survive (missing values, one step, constant series, huge values, a dominating task).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SIX = ['grounding', 'reading', 'counting', 'chart', 'spatial', 'math'];

export interface FixtureOptions {
  name?: string;
  tasks?: string[];
  steps?: number;
  seed?: number;
  estimator?: string;
  taskStage?: string | null;
  lengthShaping?: boolean;
  entropyShaping?: boolean;
  evalEvery?: number;
  /** This task gets `dominance`× the gradient norm of the others before normalising the shares. */
  dominant?: string | null;
  dominance?: number;
  /** This task's per-step values are null every other step (no responses of it). */
  gappy?: string | null;
  /** Every per-task number constant over steps. */
  constant?: boolean;
  /** Multiplies rewards, lengths, entropies and advantages (huge values). */
  scale?: number;
  /** Per-step length envelopes (adaptive length shaping). */
  adaptiveEnvelope?: boolean;
  summary?: boolean;
  advantagesEvery?: number;
  /** Every third step this task's groups are all filtered out: kept_groups 0 and share 0 (the trainer's way). */
  filtered?: string | null;
  /** Added to a task's held-out rewards at the last evaluation (to make variants differ). */
  finalShift?: Record<string, number>;
}

/** mulberry32: a small seeded generator, so fixtures are the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(u: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

export function fixtureRecords(o: FixtureOptions = {}): Record<string, unknown>[] {
  const tasks = o.tasks ?? SIX;
  const S = o.steps ?? 24;
  const scale = o.scale ?? 1;
  const u = rng(o.seed ?? 1);
  const z = gaussian(u);
  const noise = (sd: number) => (o.constant ? 0 : sd * z());
  const recs: Record<string, unknown>[] = [];
  recs.push({
    type: 'config',
    name: o.name ?? 'fixture-run',
    seed: o.seed ?? 1,
    preset: 'vlm-nano',
    estimator: o.estimator ?? 'g2rpo',
    taskStage: o.taskStage === undefined ? 'ot' : o.taskStage,
    tasks,
    steps: S,
    promptsPerStep: 12,
    groupSize: 8,
    lengthShaping: o.lengthShaping ?? true,
    entropyShaping: o.entropyShaping ?? true,
    lengthEnvelopes: Object.fromEntries(tasks.map((t, i) => [t, [4 * scale, (8 + i) * scale, (16 + i) * scale, (28 + i) * scale]])),
    entropyBands: Object.fromEntries(tasks.map((t) => [t, [0.2 * scale, 0.6 * scale]])),
    lr: 3e-4,
  });
  for (let s = 1; s <= 5; s++) recs.push({ type: 'sft', step: s, loss: o.constant ? 1 : 3 / s });
  const evalRec = (step: number) => ({
    type: 'eval',
    step,
    tasks: Object.fromEntries(
      tasks.map((t, i) => {
        const shift = step === S ? (o.finalShift?.[t] ?? 0) : 0;
        const base = (o.constant ? 0.5 : 0.2 + 0.05 * i + (0.3 * step) / S + noise(0.02)) + shift;
        return [t, { greedy_reward: base * scale, greedy_accuracy: base * 0.8, sampled_reward: base * 0.9 * scale, sampled_accuracy: base * 0.7, n: 64 }];
      }),
    ),
  });
  recs.push(evalRec(0));
  const every = o.evalEvery ?? 8;
  for (let s = 1; s <= S; s++) {
    const raw = tasks.map((t) => (t === o.dominant ? (o.dominance ?? 4) : 1) * (o.constant ? 1 : 1 + 0.2 * u()));
    const gap = (t: string) => t === o.gappy && s % 2 === 0;
    const norm = raw.filter((_, i) => !gap(tasks[i])).reduce((a, b) => a + b, 0);
    const taskRecs = Object.fromEntries(
      tasks.map((t, i) => {
        if (gap(t)) {
          const nul = { n: 0, reward: null, accuracy: null, format_rate: null, length: null, entropy_neglogp: null, entropy_true: null, adv_mean: null, adv_sq_mean: null, adv_ks: null, grad_norm_share: null };
          return [t, nul];
        }
        const r = o.constant ? 0.5 : 0.25 + 0.04 * i + (0.35 * s) / S + noise(0.05);
        const rec: Record<string, unknown> = {
          n: 16,
          reward: r * scale,
          accuracy: r * 0.8,
          format_rate: o.constant ? 1 : Math.min(1, 0.7 + s / S),
          length: (o.constant ? 12 : 10 + i + 4 * Math.sin(s / 3) + noise(1)) * scale,
          entropy_neglogp: (o.constant ? 0.4 : 0.7 - (0.4 * s) / S + noise(0.03)) * scale,
          entropy_true: (o.constant ? 0.45 : 0.75 - (0.4 * s) / S + noise(0.03)) * scale,
          adv_mean: 0,
          adv_sq_mean: o.constant ? 0.85 : 0.85 + noise(0.05),
          adv_ks: o.constant ? 0.0625 : 0.0625 + Math.abs(noise(0.01)),
          grad_norm_share: t === o.filtered && s % 3 === 0 ? 0 : raw[i] / norm,
          kept_groups: t === o.filtered && s % 3 === 0 ? 0 : 2,
        };
        if (o.adaptiveEnvelope) rec.length_envelope = [4, 8 + s / 4, 16 + s / 4, 28 + s / 4].map((v) => v * scale);
        if (o.entropyShaping !== false) rec.entropy_penalty = 0;
        return [t, rec];
      }),
    );
    recs.push({
      type: 'step',
      step: s,
      time_s: 2.5 * s,
      phase_ms: { rollout: 1500 + (o.constant ? 0 : 100 * u()), score: 50, advantages: 5, update: 900 },
      loss: o.constant ? 0.1 : 0.1 + noise(0.01),
      clip_frac: 0.03,
      clip_frac_low: 0.01,
      clip_frac_high: 0.02,
      approx_kl: o.constant ? 0.002 : 0.002 + Math.abs(noise(0.001)),
      grad_norm: 1.2,
      lr: 3e-4,
      kept_groups: 10,
      dropped_groups: 2,
      tasks: taskRecs,
    });
    if (s % (o.advantagesEvery ?? 1) === 0) recs.push({ type: 'advantages', step: s, values: Array.from({ length: 512 }, () => (o.constant ? 0.5 : z()) * scale) });
    if (s % every === 0 && s !== S) recs.push(evalRec(s));
  }
  recs.push(evalRec(S));
  if (o.summary !== false) {
    // The shape src/train/summary.ts writes: verdicts nested under learning_test.tasks, wall time under timing.
    const evalTasks = (recs.at(-1) as { tasks: Record<string, unknown> }).tasks;
    recs.push({
      type: 'summary',
      steps: S,
      warm_start_eval: (recs.find((r) => r.type === 'eval') as { tasks: Record<string, unknown> }).tasks,
      final_eval: evalTasks,
      learning_test: {
        test: 'one-sided paired sign-flip test of per-example greedy rewards',
        alpha: 0.05,
        tasks: Object.fromEntries(tasks.map((t, i) => [t, { warm_start: 0.2 + 0.05 * i, final: 0.5 + 0.05 * i, mean_diff: 0.3, p_value: i % 3 === 2 ? 0.2 : 0.001, improved: i % 3 !== 2 }])),
        improved: tasks.filter((_, i) => i % 3 !== 2).length,
        of: tasks.length,
        most_improved: true,
      },
      grad_norm_share: { cv_mean: 0.1, steps: S, mean_share: Object.fromEntries(tasks.map((t) => [t, 1 / tasks.length])) },
      timing: { wall_s: 2.5 * S + 7, sft_s: 3, phase_ms_mean: { rollout: 1550, update: 900 } },
    });
  }
  return recs;
}

export function fixtureText(o: FixtureOptions = {}): string {
  return fixtureRecords(o).map((r) => JSON.stringify(r)).join('\n') + '\n';
}

/** Writes `dir/<name>/metrics.jsonl` (text optionally transformed) and returns the run directory. */
export function writeRun(dir: string, o: FixtureOptions = {}, transform: (text: string) => string = (t) => t): string {
  const runDir = join(dir, o.name ?? 'fixture-run');
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'metrics.jsonl'), transform(fixtureText(o)));
  return runDir;
}
