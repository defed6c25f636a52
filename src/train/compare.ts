/**
 * `compare`: the same seed, data and warm start under four objectives, then one verdict:
 *
 *   grpo                 GRPO (verl: (r − mean)/(std + 1e-6) per group), shaping ON as in the default run
 *   g2rpo-ot             G²RPO, stage 2 `ot` (released code), shaping on — the default run
 *   g2rpo-scale          G²RPO, stage 2 `scale` (this project's proposal), shaping on
 *   g2rpo-ot-noshaping   G²RPO `ot` with neither length nor entropy shaping
 *
 * GRPO keeps the shaping so that grpo vs g2rpo-ot isolates the estimator, and g2rpo-ot vs
 * g2rpo-ot-noshaping isolates the shaping. All four share the cached warm start (sft.ts: the key has no
 * estimator in it), the prompt stream and the held-out set (both derived from the seed only).
 *
 * The verdict (compare.json): does a variant equalise per-task gradient-norm shares better than GRPO —
 * its mean coefficient of variation of the shares across tasks (summary.ts `shareEquity`) is lower, and
 * whether the difference exceeds 2 standard errors —
 * and what it does to each task's held-out greedy reward (warm start → final, the learning test's
 * verdicts). One seed: the standard error over steps is given, but steps are autocorrelated, so it
 * understates the uncertainty; the text says so.
 *
 * Not here: the runs themselves (trainer.ts), the side-by-side report (src/report).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfig, TrainConfigInput } from './config.js';
import type { LearningTest, StepTaskShares } from './summary.js';
import { coefficientOfVariation } from './stats.js';

export interface Variant {
  readonly id: string;
  readonly label: string;
  readonly config: Pick<TrainConfigInput, 'estimator' | 'taskStage' | 'lengthShaping' | 'entropyShaping'>;
}

export const VARIANTS: readonly Variant[] = [
  { id: 'grpo', label: 'GRPO', config: { estimator: 'grpo', lengthShaping: true, entropyShaping: true } },
  { id: 'g2rpo-ot', label: 'G²RPO (ot)', config: { estimator: 'g2rpo', taskStage: 'ot', lengthShaping: true, entropyShaping: true } },
  { id: 'g2rpo-scale', label: 'G²RPO (scale)', config: { estimator: 'g2rpo', taskStage: 'scale', lengthShaping: true, entropyShaping: true } },
  {
    id: 'g2rpo-ot-noshaping',
    label: 'G²RPO (ot), no shaping',
    config: { estimator: 'g2rpo', taskStage: 'ot', lengthShaping: false, entropyShaping: false },
  },
];

/** The compare folder name of a base config: `compare-<preset>-s<seed>`. */
export function compareName(c: Pick<TrainConfig, 'preset' | 'seed'>): string {
  return `compare-${c.preset}-s${c.seed}`;
}

interface Line {
  readonly type: string;
  readonly [k: string]: unknown;
}

function readLines(dir: string): Line[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
}

export interface VariantResult {
  readonly id: string;
  readonly label: string;
  readonly dir: string;
  /** Mean over steps of the CV of shares across the tasks with kept responses; lower = more equal. */
  readonly share_cv_mean: number | null;
  /** Standard error of that mean over steps (steps are autocorrelated: an underestimate). */
  readonly share_cv_se: number | null;
  readonly share_cv_steps: number;
  readonly mean_share: Record<string, number | null>;
  readonly eval: LearningTest['tasks'];
  /** Tasks improved over the warm start: by the sampled (primary) and by the greedy test. */
  readonly improved: number;
  readonly improved_greedy: number;
  readonly wall_s: number;
}

/** Per-step CVs of one run (the same rule as summary.ts shareEquity), from its metrics.jsonl lines. */
function stepCvs(lines: readonly Line[], tasks: readonly string[]): number[] {
  const out: number[] = [];
  for (const l of lines) {
    if (l.type !== 'step') continue;
    const st = l.tasks as Record<string, StepTaskShares>;
    const shares = tasks.filter((t) => st[t] !== undefined && st[t].grad_norm_share !== null && st[t].kept_groups > 0).map((t) => st[t].grad_norm_share as number);
    if (shares.length >= 2) out.push(coefficientOfVariation(shares));
  }
  return out;
}

export function variantResult(v: Variant, dir: string): VariantResult {
  const lines = readLines(dir);
  const config = lines.find((l) => l.type === 'config');
  const summary = lines.find((l) => l.type === 'summary');
  if (config === undefined || summary === undefined) throw new Error(`compare: ${dir}/metrics.jsonl has no config or summary line (did the run finish?)`);
  const tasks = config.tasks as string[];
  const cvs = stepCvs(lines, tasks);
  const m = cvs.length === 0 ? null : cvs.reduce((a, b) => a + b, 0) / cvs.length;
  const se = cvs.length < 2 || m === null ? null : Math.sqrt(cvs.reduce((a, x) => a + (x - m) ** 2, 0) / (cvs.length - 1) / cvs.length);
  const lt = summary.learning_test as LearningTest;
  const eq = summary.grad_norm_share as { mean_share: Record<string, number | null> };
  return {
    id: v.id,
    label: v.label,
    dir,
    share_cv_mean: m,
    share_cv_se: se,
    share_cv_steps: cvs.length,
    mean_share: eq.mean_share,
    eval: lt.tasks,
    improved: lt.improved,
    improved_greedy: lt.improved_greedy,
    wall_s: (summary.timing as { wall_s: number }).wall_s,
  };
}

/** compare.json: the per-variant numbers, the verdicts against GRPO, and a one-paragraph summary. */
export function compareRecord(seed: number, results: readonly VariantResult[]): Record<string, unknown> {
  const grpo = results.find((r) => r.id === 'grpo');
  const verdicts: Record<string, unknown> = {};
  const text: string[] = [];
  for (const r of results) {
    if (r.id === 'grpo' || grpo === undefined) continue;
    const better = r.share_cv_mean !== null && grpo.share_cv_mean !== null ? r.share_cv_mean < grpo.share_cv_mean : null;
    // A difference of mean CVs within 2 standard errors (of the difference) is reported as no clear
    // difference, whichever way it points; autocorrelation makes even this bar optimistic.
    const seDiff = r.share_cv_se !== null && grpo.share_cv_se !== null ? Math.hypot(r.share_cv_se, grpo.share_cv_se) : null;
    const clear = better !== null && seDiff !== null ? Math.abs(r.share_cv_mean! - grpo.share_cv_mean!) > 2 * seDiff : null;
    const deltas = Object.fromEntries(
      Object.entries(r.eval).map(([t, v]) => [
        t,
        {
          sampled_final: v.final,
          sampled_vs_grpo: v.final - (grpo.eval[t]?.final ?? NaN),
          greedy_final: v.greedy.final,
          greedy_vs_grpo: v.greedy.final - (grpo.eval[t]?.greedy.final ?? NaN),
          improved_over_warm_start: v.improved,
          greedy_improved_over_warm_start: v.greedy.improved,
        },
      ]),
    );
    verdicts[r.id] = {
      equalises_shares_better_than_grpo: better,
      clear_difference: clear,
      share_cv_mean: r.share_cv_mean,
      grpo_share_cv_mean: grpo.share_cv_mean,
      eval: deltas,
    };
    const fmt = (x: number | null, se: number | null) => (x === null ? 'n/a' : `${x.toFixed(3)}${se === null ? '' : ` ± ${se.toFixed(3)}`}`);
    text.push(
      `${r.label}: share CV ${fmt(r.share_cv_mean, r.share_cv_se)} vs GRPO ${fmt(grpo.share_cv_mean, grpo.share_cv_se)} → ` +
        `${better === null ? 'undetermined' : better ? 'more equal than GRPO' : 'NOT more equal than GRPO'}` +
        `${clear === false ? ' (within 2 standard errors: no clear difference)' : ''}; ` +
        `held-out reward improved over the warm start on ${r.improved}/${Object.keys(r.eval).length} tasks sampled, ` +
        `${r.improved_greedy} greedy (GRPO: ${grpo.improved} sampled, ${grpo.improved_greedy} greedy)`,
    );
  }
  return {
    type: 'compare',
    seed,
    variants: results,
    verdicts,
    summary: text.join('\n'),
    caveat: 'one seed; ± is the standard error over steps, which are autocorrelated, so it understates the uncertainty',
  };
}
