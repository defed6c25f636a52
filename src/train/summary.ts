/**
 * The `summary` line of metrics.jsonl (its last line): the final held-out evaluation per task beside the
 * warm start's, the learning test's verdicts per task (stats.ts: one-sided paired sign-flip tests of the
 * per-example sampled and greedy rewards, α = 0.05), the equity of gradient-norm shares over the run, and the timing.
 *
 * Not here: the test (stats.ts), the comparison across runs (compare.ts).
 */
import type { TaskName } from '../tasks/index.js';
import { deriveSeed } from './data.js';
import type { EvalResult } from './evaluate.js';
import { num } from './metrics.js';
import { LEARNING_TEST_ALPHA, LEARNING_TEST_NAME, coefficientOfVariation, pairedSignFlipTest } from './stats.js';

export interface Verdict {
  readonly warm_start: number;
  readonly final: number;
  readonly mean_diff: number;
  readonly p_value: number;
  readonly improved: boolean;
}

/** The primary verdict (sampled: the policy's expected reward) at top level, the greedy one beside it. */
export interface TaskVerdict extends Verdict {
  readonly greedy: Verdict;
}

export interface LearningTest {
  readonly test: string;
  readonly alpha: number;
  /** Which per-example reward the top-level verdicts test. */
  readonly primary: string;
  readonly tasks: Record<string, TaskVerdict>;
  /** Tasks improved by the primary (sampled) test, and by the greedy one. */
  readonly improved: number;
  readonly improved_greedy: number;
  readonly of: number;
  /** "most families": strictly more than half, by the primary test. */
  readonly most_improved: boolean;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

function verdict(seed: number, label: string, before: readonly number[], after: readonly number[]): Verdict {
  const r = pairedSignFlipTest(before, after, deriveSeed(seed, 'learning-test', label));
  return { warm_start: mean(before), final: mean(after), mean_diff: r.meanDiff, p_value: r.pValue, improved: r.improved };
}

/**
 * Per task, two paired tests of warm start vs final on the same held-out examples: the primary one on
 * the per-example SAMPLED reward (mean of the eval's samples at temperature 1: the policy's expected
 * reward, the quantity RL maximises), and one on the GREEDY reward (the policy's mode). Both are
 * reported; neither is hidden when the other looks better.
 */
export function learningTest(seed: number, tasks: readonly TaskName[], warm: EvalResult['perExample'], final: EvalResult['perExample']): LearningTest {
  const out: Record<string, TaskVerdict> = {};
  for (const t of tasks) {
    const greedy = verdict(seed, `greedy/${t}`, warm.greedy[t], final.greedy[t]);
    out[t] = { ...verdict(seed, `sampled/${t}`, warm.sampled[t], final.sampled[t]), greedy };
  }
  const improved = Object.values(out).filter((v) => v.improved).length;
  return {
    test: LEARNING_TEST_NAME,
    alpha: LEARNING_TEST_ALPHA,
    primary: 'sampled reward (mean of the eval samples per example, temperature 1); greedy beside it',
    tasks: out,
    improved,
    improved_greedy: Object.values(out).filter((v) => v.greedy.improved).length,
    of: tasks.length,
    most_improved: improved > tasks.length / 2,
  };
}

/**
 * Equity of the shares over the run: per step, the coefficient of variation across the tasks that had
 * kept responses (a task whose groups were all filtered out has share 0 because of the filter, not the
 * estimator, so it is left out of that step), over steps with at least two such tasks; its mean over those
 * steps (lower = more equal; 0 = every task the same share). Also the mean share per task over the steps
 * where the task had kept responses.
 */
export interface StepTaskShares {
  readonly grad_norm_share: number | null;
  readonly kept_groups: number;
}

export function shareEquity(stepTasks: readonly Readonly<Record<string, StepTaskShares>>[], tasks: readonly TaskName[]): {
  readonly cv_mean: number | null;
  readonly steps: number;
  readonly mean_share: Record<string, number | null>;
} {
  const cvs: number[] = [];
  const sums = new Map<TaskName, number[]>();
  for (const st of stepTasks) {
    const present = tasks.filter((t) => st[t] !== undefined && st[t].grad_norm_share !== null && st[t].kept_groups > 0);
    const shares = present.map((t) => st[t].grad_norm_share as number);
    present.forEach((t, i) => sums.set(t, [...(sums.get(t) ?? []), shares[i]]));
    if (present.length >= 2) cvs.push(coefficientOfVariation(shares));
  }
  return {
    cv_mean: cvs.length === 0 ? null : num(mean(cvs)),
    steps: cvs.length,
    mean_share: Object.fromEntries(tasks.map((t) => [t, sums.has(t) ? mean(sums.get(t)!) : null])),
  };
}

export function summaryRecord(args: {
  readonly seed: number;
  readonly tasks: readonly TaskName[];
  readonly steps: number;
  readonly warm: EvalResult;
  readonly final: EvalResult;
  readonly stepTasks: readonly Readonly<Record<string, StepTaskShares>>[];
  readonly timing: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    type: 'summary',
    steps: args.steps,
    warm_start_eval: args.warm.tasks,
    final_eval: args.final.tasks,
    learning_test: learningTest(args.seed, args.tasks, args.warm.perExample, args.final.perExample),
    grad_norm_share: shareEquity(args.stepTasks, args.tasks),
    timing: args.timing,
  };
}
