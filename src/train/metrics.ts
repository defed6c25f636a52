/**
 * The per-step metrics of the metrics.jsonl schema (docs/training.md § File format): per-task reward,
 * accuracy, format rate, length, both entropy estimates, advantage mean / mean A² / KS distance to N(0,1),
 * gradient-norm share; and the step's loss diagnostics. Pure read-outs of the step's pieces, in float64.
 *
 * Not here: writing the file (run-log.ts), evaluation records (evaluate.ts).
 */
import { normalCdf } from '../rl/normal.js';
import type { EntropyBand, LengthEnvelope } from '../rl/shaping/index.js';
import type { TaskName } from '../tasks/index.js';
import type { AdvantageResult } from './advantage.js';
import type { Rollout } from './rollout.js';
import type { Scored } from './score.js';
import { gradShares, type UpdateMetrics } from './update.js';

/**
 * Kolmogorov–Smirnov distance sup_x |F_n(x) − Φ(x)| of a sample to N(0,1); ties are handled by taking
 * the empirical CDF's jumps at each distinct value. NaN for an empty sample.
 */
export function ksToNormal(values: ArrayLike<number>): number {
  const x = Float64Array.from(values).sort();
  const n = x.length;
  if (n === 0) return NaN;
  let d = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && x[j + 1] === x[i]) j++;
    const phi = normalCdf(x[i]);
    d = Math.max(d, Math.abs(phi - i / n), Math.abs((j + 1) / n - phi));
    i = j + 1;
  }
  return d;
}

/** null for NaN/±Infinity: JSON has no NaN, and the schema says null where undefined. */
export function num(x: number | null | undefined): number | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : x;
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export interface TaskStepMetrics {
  readonly n: number;
  readonly reward: number | null;
  readonly accuracy: number | null;
  readonly format_rate: number | null;
  readonly length: number | null;
  readonly entropy_neglogp: number | null;
  readonly entropy_true: number | null;
  readonly adv_mean: number | null;
  readonly adv_sq_mean: number | null;
  readonly adv_ks: number | null;
  readonly grad_norm_share: number | null;
  readonly grad_norm: number | null;
  readonly kept_groups: number;
  readonly length_envelope?: readonly [number, number, number, number];
  readonly entropy_band?: readonly [number, number];
  readonly entropy_penalty?: number | null;
}

export interface TaskMetricOptions {
  readonly tasks: readonly TaskName[];
  readonly lengthShaping: boolean;
  readonly entropyShaping: boolean;
  readonly envelopes: ReadonlyMap<TaskName, LengthEnvelope>;
  readonly bands: ReadonlyMap<TaskName, EntropyBand>;
}

/**
 * Per task, over the step's responses of that task (all of them for reward … entropy; the kept ones for
 * the advantage statistics). Shares: null when the step had no update; a task without kept responses in
 * the first mini-batch has share 0 (its gradient was zero).
 */
export function taskMetrics(
  r: Rollout,
  s: Scored,
  a: AdvantageResult,
  u: UpdateMetrics | null,
  o: TaskMetricOptions,
): Record<string, TaskStepMetrics> {
  const keptSet = new Set(a.kept);
  const shares = u === null ? null : gradShares(u.taskGradNorms);
  const out: Record<string, TaskStepMetrics> = {};
  for (const task of o.tasks) {
    const idx = r.task.flatMap((t, i) => (t === task ? [i] : []));
    const kept = idx.filter((i) => keptSet.has(i));
    const adv = kept.map((i) => a.advantages[i]);
    let tok = 0;
    let negLogp = 0;
    let ent = 0;
    for (const i of idx) {
      r.logProbs[i].forEach((v) => (negLogp -= v));
      r.entropies[i].forEach((v) => (ent += v));
      tok += r.tokens[i].length;
    }
    const env = o.envelopes.get(task)!;
    const band = o.bands.get(task)!;
    out[task] = {
      n: idx.length,
      reward: num(mean(idx.map((i) => s.reward[i]))),
      accuracy: num(mean(idx.map((i) => s.accuracy[i]))),
      format_rate: num(mean(idx.map((i) => s.format[i]))),
      length: num(mean(idx.map((i) => s.length[i]))),
      entropy_neglogp: num(negLogp / tok),
      entropy_true: num(ent / tok),
      adv_mean: num(mean(adv)),
      adv_sq_mean: num(mean(adv.map((x) => x * x))),
      adv_ks: num(ksToNormal(adv)),
      grad_norm_share: idx.length === 0 || shares === null ? null : (shares.get(task) ?? 0),
      grad_norm: idx.length === 0 || u === null ? null : (u.taskGradNorms.get(task) ?? 0),
      kept_groups: new Set(kept.map((i) => r.group[i])).size,
      ...(o.lengthShaping ? { length_envelope: [env.lMin, env.lLow, env.lHigh, env.lMax] as const } : {}),
      ...(o.entropyShaping
        ? { entropy_band: [band.hMin, band.hMax] as const, entropy_penalty: num(u?.entropyPenalty.get(task) ?? null) }
        : {}),
    };
  }
  return out;
}
