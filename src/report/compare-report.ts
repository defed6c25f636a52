/**
 * The side-by-side report of `npm run compare`: several runs (variants: GRPO, G²RPO `ot`, G²RPO `scale`,
 * G²RPO without shaping, …) on the same seed and data, in one page `outDir/compare.html`.
 *
 * It states the comparison in numbers: per task the held-out greedy reward at the end against the warm
 * start, the dispersion of gradient-norm shares across tasks over steps (coefficient of variation, 0 =
 * every task pulls equally), and a table of summary numbers. The sentences it writes are generated from
 * those numbers ("lower at 38 of 40 steps"), never adjectives, and it says what one seed per variant cannot
 * show.
 *
 * What it is not: a significance test between variants (each run's own learning test lives in its summary).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeFileAtomicSync } from '../io/atomic.js';
import { InputError } from '../rl/errors.js';
import { esc, figure, grid, page, paragraph, section, table, type Cell } from './html.js';
import { readMetrics, type EvalRecord, type RunMetrics } from './metrics.js';
import { neutralStyle, taskColors } from './palette.js';
import { smoothedSeries, smoothingNote, smoothingWeight, stepShares, taskSeries } from './run-charts.js';
import { meanOf, shareDispersion } from './stats.js';
import { formatDuration, verdicts, wallSeconds } from './summary.js';
import { barChart, lineChart, type LineSeries } from './svg.js';
import { formatNumber } from './ticks.js';

export const COMPARE_SECTIONS = ['header', 'variants', 'eval', 'dispersion', 'numbers'] as const;

interface Variant {
  readonly letter: string;
  readonly m: RunMetrics;
  readonly label: string;
  readonly warm: EvalRecord | null;
  readonly final: EvalRecord | null;
  /** Step → CV of shares. */
  readonly cv: ReadonlyMap<number, number | null>;
}

function onOff(v: boolean | undefined): string {
  return v === undefined ? '?' : v ? 'on' : 'off';
}

/** G²RPO's stage 2; other estimators ignore it (the trainer records it anyway), so it is not shown for them. */
export function taskStageOf(m: RunMetrics): string | null {
  return m.config.estimator === 'g2rpo' && m.config.taskStage ? m.config.taskStage : null;
}

export function variantLabel(m: RunMetrics): string {
  const c = m.config;
  const stage = taskStageOf(m);
  return `${c.name} (${c.estimator ?? '?'}${stage ? `/${stage}` : ''}; length shaping ${onOff(c.lengthShaping)}, entropy shaping ${onOff(c.entropyShaping)})`;
}

/** What a legend has room for: the estimator, its stage, and which shaping is off (e.g. "g2rpo/ot, no shaping"). */
export function shortVariantLabel(m: RunMetrics): string {
  const c = m.config;
  const stage = taskStageOf(m);
  const off = [c.lengthShaping === false ? 'length' : null, c.entropyShaping === false ? 'entropy' : null].filter((x) => x !== null);
  const shaping = off.length === 2 ? ', no shaping' : off.length === 1 ? `, no ${off[0]} shaping` : '';
  return `${c.estimator ?? '?'}${stage ? `/${stage}` : ''}${shaping}`;
}

function variant(m: RunMetrics, i: number, tasks: readonly string[]): Variant {
  const warm = m.evals.find((e) => e.step === 0) ?? null;
  const after = m.evals.filter((e) => e.step > 0);
  const cv = new Map(m.steps.map((s) => [s.step, shareDispersion(stepShares(s, tasks))] as const));
  return { letter: String.fromCharCode(65 + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : ''), m, label: variantLabel(m), warm, final: after.at(-1) ?? null, cv };
}

const greedy = (e: EvalRecord | null, t: string) => e?.tasks[t]?.greedy_reward ?? null;
const delta = (v: Variant, t: string) => {
  const a = greedy(v.warm, t);
  const b = greedy(v.final, t);
  return a === null || b === null ? null : b - a;
};
const fmtSigned = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : ''}${formatNumber(x)}`);
const cvValues = (v: Variant, from = 0) => [...v.cv].filter(([s]) => s > from).map(([, c]) => c);

/** Sentences built from numbers only: share dispersion against the GRPO variant(s), and eval changes. */
function statements(vs: readonly Variant[], tasks: readonly string[]): string[] {
  const out: string[] = [];
  const meanCv = vs.map((v) => meanOf(cvValues(v)));
  out.push(`Gradient-norm share dispersion (coefficient of variation across tasks, mean over steps; 0 = equal shares, ${formatNumber(Math.sqrt(tasks.length - 1))} = one task has all): ${vs.map((v, i) => `${v.letter} ${formatNumber(meanCv[i])}`).join(', ')}.`);
  // The baseline is plain GRPO (estimator 'grpo'); dr_grpo, ema_grpo and rloo are other baselines.
  const baselines = vs.filter((v) => v.m.config.estimator === 'grpo');
  for (const b of baselines) {
    for (const v of vs) {
      if (v === b) continue;
      const common = [...v.cv].filter(([s, c]) => c !== null && b.cv.get(s) !== null && b.cv.get(s) !== undefined);
      const lower = common.filter(([s, c]) => (c as number) < (b.cv.get(s) as number)).length;
      const mv = meanOf(cvValues(v));
      const mb = meanOf(cvValues(b));
      if (common.length === 0) out.push(`${v.letter} against ${b.letter} (GRPO): no step has gradient-norm shares of at least two tasks in both runs (no update, or every group filtered out), so their dispersion cannot be compared.`);
      else out.push(`${v.letter} against ${b.letter} (GRPO): mean CV ${formatNumber(mv)} vs ${formatNumber(mb)} (difference ${fmtSigned(mv !== null && mb !== null ? mv - mb : null)}); ${v.letter} is lower at ${lower} of ${common.length} steps logged by both.`);
      const both = tasks.filter((t) => greedy(v.final, t) !== null && greedy(b.final, t) !== null);
      const higher = both.filter((t) => (greedy(v.final, t) as number) > (greedy(b.final, t) as number));
      out.push(`${v.letter} against ${b.letter}: final held-out greedy reward higher on ${higher.length} of ${both.length} tasks${higher.length ? ` (${higher.join(', ')})` : ''}; per task: ${both.map((t) => `${t} ${fmtSigned((greedy(v.final, t) as number) - (greedy(b.final, t) as number))}`).join(', ')}.`);
    }
  }
  if (baselines.length === 0) out.push('No variant uses the GRPO estimator, so no variant is compared against GRPO.');
  for (const v of vs) {
    const ds = tasks.map((t) => delta(v, t));
    const up = ds.filter((d) => d !== null && d > 0).length;
    out.push(`${v.letter}: held-out greedy reward, final − warm start: ${tasks.map((t, i) => `${t} ${fmtSigned(ds[i])}`).join(', ')} (above the warm start on ${up} of ${ds.filter((d) => d !== null).length} tasks).`);
  }
  const seeds = new Set(vs.map((v) => v.m.config.seed));
  if (seeds.size > 1) out.push(`The variants do not share one seed (${[...seeds].map(String).join(', ')}), so differences mix the method with the draw of data and rollouts.`);
  const lengths = new Set(vs.map((v) => v.m.steps.length));
  if (lengths.size > 1) out.push(`The variants logged different numbers of steps (${vs.map((v) => `${v.letter} ${v.m.steps.length}`).join(', ')}).`);
  out.push('One run per variant: these are single-seed numbers; a difference is not shown to be larger than seed-to-seed variation unless it is repeated over seeds. Each run’s own warm-start-vs-final test is in its summary (table below).');
  return out;
}

export function renderCompareReport(ms: readonly RunMetrics[], outDir = '.'): string {
  if (ms.length === 0) throw new InputError('runDirs', 'no runs to compare');
  const tasks = [...new Set(ms.flatMap((m) => m.config.tasks))];
  const colors = taskColors(tasks);
  const vs = ms.map((m, i) => variant(m, i, tasks));
  const body: string[] = [];

  const head = [`<h1>G²RPO comparison: ${vs.length} variants</h1>`, paragraph(`Tasks: ${tasks.join(', ')}. Scores are held-out greedy rewards unless stated; "warm start" is the evaluation at step 0, "final" the last one after it.`, 'lead')];
  head.push('<ul>' + statements(vs, tasks).map((s) => `<li>${esc(s)}</li>`).join('') + '</ul>');
  body.push(`<header id="header">\n${head.join('\n')}\n</header>`);

  const rows: Cell[][] = vs.map((v) => {
    const c = v.m.config;
    const report = join(v.m.runDir, 'report.html');
    const link = existsSync(report) ? { html: `<a href="${esc(relative(outDir, report))}">${esc(c.name)}</a>` } : c.name;
    return [v.letter, link, c.estimator ?? null, taskStageOf(v.m) ?? '(not used)', onOff(c.lengthShaping), onOff(c.entropyShaping), c.seed ?? null, { num: `${v.m.steps.length}` }, formatDuration(wallSeconds(v.m))];
  });
  const warn = vs.flatMap((v) => v.m.warnings.map((w) => `${v.letter}: ${w}`));
  body.push(section('variants', 'Variants', table(['', 'run', 'estimator', 'task stage', 'length shaping', 'entropy shaping', 'seed', 'steps', 'wall time'], rows) + (warn.length ? `<div class="warn"><ul>${warn.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></div>` : '')));

  const medium = { width: 620, height: 280 };
  // Side-by-side charts share one y range, so equal heights mean equal values across variants.
  const maxOf = (xs: (number | null)[]) => xs.reduce<number>((a, x) => (x !== null && Number.isFinite(x) && x > a ? x : a), 0);
  const evalMax = maxOf(vs.flatMap((v) => tasks.flatMap((t) => [greedy(v.warm, t), greedy(v.final, t)])));
  const shareMax = maxOf(vs.flatMap((v) => v.m.steps.flatMap((s) => tasks.map((t) => s.tasks[t]?.grad_norm_share ?? null))));
  const perVariant = vs.map((v) =>
    figure(
      barChart({ title: `${v.letter}: ${v.m.config.name}`, xLabel: 'task', yLabel: 'held-out greedy reward', groups: tasks, groupColors: tasks.map((t) => colors.get(t)!), series: [{ name: `warm start (step ${v.warm?.step ?? '—'})`, values: tasks.map((t) => greedy(v.warm, t)), style: 'light' }, { name: `final (step ${v.final?.step ?? '—'})`, values: tasks.map((t) => greedy(v.final, t)) }], yInclude: [0, evalMax], ...medium }),
      'Light bar: the warm start, solid bar: the end of RL; a solid bar taller than its light neighbour is a task that improved.',
    ),
  );
  const deltas = figure(
    barChart({ title: 'Change in held-out greedy reward (final − warm start)', xLabel: 'task (bars: variants by letter)', yLabel: 'Δ reward', groups: tasks, groupColors: tasks.map((t) => colors.get(t)!), series: vs.map((v) => ({ name: v.m.config.name, short: v.letter, values: tasks.map((t) => delta(v, t)) })), width: 1000, height: 320 }),
    'Within each task the bars are the variants (letters as in the table); above zero is an improvement over the warm start, and the variant with the tallest bar gained most on that task.',
  );
  const evalRows: Cell[][] = tasks.map((t) => [t, ...vs.flatMap((v) => [{ num: formatNumber(greedy(v.warm, t)) }, { num: formatNumber(greedy(v.final, t)) }, { num: fmtSigned(delta(v, t)) }, { num: formatNumber(v.final?.tasks[t]?.sampled_reward ?? null) }] as Cell[])]);
  body.push(section('eval', 'Held-out reward per task: final against warm start', grid(perVariant, true) + deltas + table(['task', ...vs.flatMap((v) => [`${v.letter} warm`, `${v.letter} final`, `${v.letter} Δ`, `${v.letter} final sampled`])], evalRows)));

  const w = smoothingWeight(Math.max(...vs.map((v) => v.m.steps.length)));
  const cvSeries: LineSeries[] = vs.flatMap((v, i) => smoothedSeries(`${v.letter}: ${shortVariantLabel(v.m)}`, neutralStyle(i), [...v.cv].map(([x, y]) => ({ x, y })), w));
  const cvChart = figure(lineChart({ title: 'Dispersion of gradient-norm shares across tasks', xLabel: 'RL step', yLabel: 'coefficient of variation of shares', series: cvSeries, yInclude: [0], xInteger: true, width: 1000, height: 320 }), `Lower is more equal: 0 means every task contributes the same gradient norm; a variant whose line sits below another’s spreads the update more evenly across tasks. ${smoothingNote(w)}`);
  const shareCharts = vs.map((v) =>
    figure(
      lineChart({ title: `${v.letter}: shares per task`, xLabel: 'RL step', yLabel: 'gradient-norm share', series: tasks.flatMap((t) => smoothedSeries(t, { color: colors.get(t)! }, taskSeries(v.m.steps, t, 'grad_norm_share'), w)), refLines: [{ name: `1/${tasks.length}`, y: 1 / tasks.length, color: '#000000' }], yInclude: [0, shareMax], xInteger: true, ...medium }),
      `One line per task; lines bunched on the dashed 1/T are equal shares, a line far above it is a task that dominates this variant’s updates. ${smoothingNote(w)}`,
    ),
  );
  body.push(section('dispersion', 'Gradient-norm share dispersion', cvChart + grid(shareCharts, true)));

  const numRows: Cell[][] = vs.map((v) => {
    const half = Math.floor((v.m.steps.at(-1)?.step ?? 0) / 2);
    const dominance = meanOf(v.m.steps.map((s) => {
      const xs = stepShares(s, tasks).filter((x): x is number => x !== null);
      return xs.length ? Math.max(...xs) * xs.length : null;
    }));
    const vd = verdicts(v.m.summary, v.m.config.tasks);
    const ds = tasks.map((t) => delta(v, t));
    return [
      v.letter,
      { num: formatNumber(meanOf(cvValues(v))) },
      { num: formatNumber(meanOf(cvValues(v, half))) },
      { num: formatNumber(dominance) },
      { num: formatNumber(meanOf(tasks.map((t) => greedy(v.final, t)))) },
      { num: fmtSigned(meanOf(ds)) },
      { num: `${ds.filter((d) => d !== null && d > 0).length} of ${ds.filter((d) => d !== null).length}` },
      vd.size ? { num: `${[...vd.values()].filter(Boolean).length} of ${vd.size}` } : null,
      formatDuration(wallSeconds(v.m)),
    ];
  });
  const numbers = table(['', 'mean CV of shares', 'mean CV, second half', 'mean max share × T', 'final greedy reward (mean over tasks)', 'mean Δ vs warm start', 'tasks with Δ > 0', 'improved (run’s own test)', 'wall time'], numRows);
  body.push(section('numbers', 'Summary numbers', numbers + paragraph('Max share × T is 1 when the largest task share equals the equal share 1/T, and T when one task has all of the gradient norm. "Improved (run’s own test)" counts the verdicts in each run’s summary record.')));
  return page(`G²RPO comparison (${vs.map((v) => v.m.config.name).join(', ')})`, body.join('\n'));
}

/** Reads each run's metrics.jsonl and writes `outDir/compare.html` atomically; returns its path. */
export function buildCompareReport(runDirs: readonly string[], outDir: string): string {
  if (runDirs.length === 0) throw new InputError('runDirs', 'no runs to compare');
  const ms = runDirs.map((d) => readMetrics(d));
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, 'compare.html');
  writeFileAtomicSync(out, new TextEncoder().encode(renderCompareReport(ms, outDir)));
  return out;
}
