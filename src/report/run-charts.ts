/**
 * The charts of one run's report, one function per section of report.html, each returning HTML (figures
 * with their "how to read it" captions). Data comes validated from metrics.ts; drawing from svg.ts.
 *
 * What it is not: the page (run-report.ts assembles header, sections and the file) or a place for any
 * statistic the trainer already computed: KS distances, shares and entropies are plotted as logged.
 * docs/report.md explains each chart at length, with healthy and unhealthy examples.
 */
import { figure, figureGrid, grid, table, type Cell } from './html.js';
import type { RunMetrics, StepRecord, StepTaskField } from './metrics.js';
import { neutralStyle } from './palette.js';
import { densityCurve, histogramChart, lineChart, barChart, type Area, type Band, type LineSeries, type Point, type RefLine } from './svg.js';
import { ema, histogram, normalPdf, shareDispersion } from './stats.js';
import { formatNumber } from './ticks.js';

export interface Ctx {
  readonly m: RunMetrics;
  readonly tasks: readonly string[];
  readonly colors: ReadonlyMap<string, string>;
}

// Small multiples fit three to a row of the 1272 px page, medium charts two (see html.ts .grid / .grid.wide).
const SMALL = { width: 420, height: 250 } as const;
const MEDIUM = { width: 620, height: 300 } as const;

/** One task's per-step values of a field (null where the task had no entry that step). */
export function taskSeries(steps: readonly StepRecord[], task: string, field: StepTaskField): Point[] {
  return steps.map((s) => ({ x: s.step, y: s.tasks[task]?.[field] ?? null }));
}

function stepSeries(steps: readonly StepRecord[], pick: (s: StepRecord) => number | null | undefined): Point[] {
  return steps.map((s) => ({ x: s.step, y: pick(s) ?? null }));
}

/**
 * The shares of one step that speak about the estimator: null for a task with no share, and for a task
 * whose groups were all dropped by the online filter (kept_groups = 0: its share is 0 because of the
 * filter). The same rule as the trainer's summary (src/train/summary.ts shareEquity), so the dispersion
 * drawn here averages to its `cv_mean`.
 */
export function stepShares(s: StepRecord, tasks: readonly string[]): (number | null)[] {
  return tasks.map((t) => {
    const x = s.tasks[t];
    return x === undefined || x.kept_groups === 0 ? null : x.grad_norm_share;
  });
}

/** EMA weight so that the effective window 1/(1 − w) is about a tenth of the run (at least 2 steps). */
export function smoothingWeight(steps: number): number {
  return 1 - 1 / Math.max(2, steps / 10);
}

/**
 * A noisy per-step curve drawn twice: faint per-step values (left out of the legend) under their bold
 * EMA, joined across gaps. `style` is the bold line's colour and dash (a task's colour, or a neutral style).
 */
export function smoothedSeries(name: string, style: { color: string; dash?: string }, raw: readonly Point[], w: number): LineSeries[] {
  const smooth = ema(raw.map((p) => p.y), w);
  return [
    { name: `${name} (raw)`, color: style.color, points: raw, width: 1, opacity: 0.3, legend: false },
    { name, ...style, connect: true, points: raw.map((p, i) => ({ x: p.x, y: smooth[i] })) },
  ];
}

/** The caption's sentence about `smoothedSeries`, with the weight used. */
export function smoothingNote(w: number): string {
  return `Bold lines are an exponential moving average (weight ${formatNumber(w, 3)}, about ${Math.round(1 / (1 - w))} steps) of the faint per-step values.`;
}

export function rewardSection({ m, tasks, colors }: Ctx): string {
  const w = smoothingWeight(m.steps.length);
  const series = tasks.flatMap((t) => smoothedSeries(t, { color: colors.get(t)! }, taskSeries(m.steps, t, 'reward'), w));
  const svg = lineChart({ title: 'Training reward per task', xLabel: 'RL step', yLabel: 'mean reward of the step’s responses', series, xInteger: true, ...MEDIUM });
  return figure(
    svg,
    `${smoothingNote(w)} A task whose line rises is being learned on the training distribution, a flat one is not (compare with the held-out curves below before concluding).`,
  );
}

export function evalSection({ m, tasks, colors }: Ctx): string {
  const charts = (['greedy', 'sampled'] as const).map((mode) => {
    const series: LineSeries[] = tasks.map((t) => ({
      name: t,
      color: colors.get(t)!,
      markers: true,
      points: m.evals.map((e) => ({ x: e.step, y: e.tasks[t]?.[`${mode}_reward`] ?? null })),
    }));
    const svg = lineChart({ title: `Held-out reward, ${mode} decoding`, xLabel: 'RL step (0 = warm start)', yLabel: `mean ${mode} reward`, series, xInteger: true, ...MEDIUM });
    return figure(
      svg,
      mode === 'greedy'
        ? 'Each dot is the mean reward on the held-out split at that step; the point at step 0 is the warm start, so a task improved if its last dot sits above its first.'
        : 'The same with sampling at the training temperature: it shows what the policy actually explores; a gap that grows between greedy and sampled means the distribution is sharpening around the greedy answer.',
    );
  });
  const parts = [grid(charts, true)];
  if (m.sft.length > 0) {
    const svg = lineChart({ title: 'Warm start: supervised loss', xLabel: 'SFT step', yLabel: 'cross-entropy (nats/token)', series: [{ name: 'SFT loss', ...neutralStyle(0), points: m.sft.map((s) => ({ x: s.step, y: s.loss })) }], xInteger: true, ...SMALL });
    parts.push(figure(svg, 'The loss of the supervised warm start on generated traces; it should fall and level off, and RL starts from the last point.'));
  }
  return parts.join('\n');
}

/** Envelope drawing for one task: per-step envelopes if logged (adaptive mode), else the config's fixed one. */
function lengthEnvelope(m: RunMetrics, task: string): { bands: Band[]; areas: Area[]; refs: RefLine[]; series: LineSeries[] } | null {
  const color = '#777777';
  const perStep = m.steps.filter((s) => s.tasks[task]?.length_envelope);
  if (perStep.length > 0) {
    const env = (s: StepRecord, i: number) => s.tasks[task]?.length_envelope?.[i] ?? null;
    return {
      bands: [],
      refs: [],
      areas: [{ name: '[L_low, L_high]', color, points: m.steps.map((s) => ({ x: s.step, lo: env(s, 1), hi: env(s, 2) })) }],
      series: [
        { name: 'L_min, L_max', color, dash: '5 4', width: 1.2, points: m.steps.map((s) => ({ x: s.step, y: env(s, 0) })) },
        { name: 'L_max', color, dash: '5 4', width: 1.2, legend: false, points: m.steps.map((s) => ({ x: s.step, y: env(s, 3) })) },
      ],
    };
  }
  const e = m.config.lengthEnvelopes?.[task];
  if (!e) return null;
  return {
    bands: [{ name: '[L_low, L_high]', y0: e[1], y1: e[2], color }],
    areas: [],
    refs: [
      { name: `L_min = ${formatNumber(e[0])}`, y: e[0], color, dash: '5 4' },
      { name: `L_max = ${formatNumber(e[3])}`, y: e[3], color, dash: '5 4' },
    ],
    series: [],
  };
}

export function lengthSection({ m, tasks, colors }: Ctx): string {
  const envs = tasks.map((t) => lengthEnvelope(m, t));
  const svgs = tasks.map((t, i) =>
    lineChart({
      title: `Response length: ${t}`,
      xLabel: 'RL step',
      yLabel: 'mean tokens per response',
      series: [{ name: 'mean length', color: colors.get(t)!, points: taskSeries(m.steps, t, 'length') }, ...(envs[i]?.series ?? [])],
      bands: envs[i]?.bands,
      areas: envs[i]?.areas,
      refLines: envs[i]?.refs,
      yInclude: [0],
      xInteger: true,
      ...SMALL,
    }),
  );
  const missing = tasks.filter((_, i) => envs[i] === null);
  const note = m.config.lengthShaping === false ? '<p>Length shaping is off in this run: the envelopes are drawn for reference only and do not enter the reward.</p>' : '';
  const how = `The grey band is where the length term pays its full bonus and the dashed lines where it falls to zero; a task's line inside its band is healthy, one beyond a dashed line earns no length reward.${missing.length ? ` No envelope in the config for: ${missing.join(', ')}.` : ''}`;
  return note + figureGrid(svgs, how);
}

export function entropySection({ m, tasks, colors }: Ctx): string {
  const svgs = tasks.map((t) => {
    const band = m.config.entropyBands?.[t];
    return lineChart({
      title: `Entropy: ${t}`,
      xLabel: 'RL step',
      yLabel: 'nats per token',
      series: [
        { name: '−log π(sampled token)', color: colors.get(t)!, points: taskSeries(m.steps, t, 'entropy_neglogp') },
        { name: 'true entropy', color: colors.get(t)!, dash: '5 3', points: taskSeries(m.steps, t, 'entropy_true') },
      ],
      bands: band ? [{ name: `band [${formatNumber(band[0])}, ${formatNumber(band[1])}]`, y0: band[0], y1: band[1], color: '#777777' }] : [],
      yInclude: [0],
      xInteger: true,
      ...SMALL,
    });
  });
  const note = m.config.entropyShaping === false ? '<p>Entropy shaping is off in this run: the bands are drawn for reference only.</p>' : '';
  return note + figureGrid(svgs, 'Solid: the estimator the paper’s penalty uses (mean −log π of the sampled tokens); dashed: the exact entropy of the next-token distribution; inside the grey band [H_min, H_max] is healthy, below it the policy is collapsing, above it it is diffusing.');
}

export function advantageSection({ m, tasks, colors }: Ctx): string {
  const parts: string[] = [];
  const last = m.advantages.at(-1);
  if (last) {
    const vals = last.values;
    let lo = -4;
    let hi = 4;
    for (const v of vals) {
      if (v < lo) lo = Math.floor(v);
      if (v > hi) hi = Math.ceil(v);
    }
    // Bins 0.2 wide (40 over [−4, 4]) resolve the N(0,1) shape; capped at 200 bins for outliers.
    const hist = histogram(vals, lo, hi, Math.min(200, Math.round((hi - lo) / 0.2)));
    const svg = histogramChart({
      title: `Advantages at step ${last.step} (n = ${vals.length})`,
      xLabel: 'advantage',
      yLabel: 'density',
      hist,
      color: '#0072B2',
      barName: 'advantages (area 1)',
      curve: { name: 'N(0,1) density', points: densityCurve(normalPdf, lo, hi, 400) },
      ...MEDIUM,
    });
    parts.push(figure(svg, 'The bars are the last logged advantages normalised to area 1, the curve the standard normal density G²RPO maps onto; G²RPO bars follow the curve (bounded by about ±1.5 for groups of 8), GRPO bars pile up at a few values set by the group’s accuracy.'));
  } else parts.push('<p>No advantages records in this run.</p>');
  const w = smoothingWeight(m.steps.length);
  const perTask = (field: StepTaskField) => tasks.flatMap((t) => smoothedSeries(t, { color: colors.get(t)! }, taskSeries(m.steps, t, field), w));
  const ks = lineChart({ title: 'KS distance of advantages to N(0,1)', xLabel: 'RL step', yLabel: 'sup |F_n − Φ|', series: perTask('adv_ks'), yInclude: [0], xInteger: true, ...SMALL });
  const sq = lineChart({ title: 'Mean A² per task', xLabel: 'RL step', yLabel: 'mean of advantage²', series: perTask('adv_sq_mean'), refLines: [{ name: 'mean A² = 1', y: 1, color: '#000000' }], yInclude: [0], xInteger: true, ...SMALL });
  parts.push(
    grid([
      figure(ks, `The Kolmogorov–Smirnov distance of each task’s advantages to the standard normal; low and equal across tasks means every task hands the policy the same shape of signal. ${smoothingNote(w)}`),
      figure(sq, `The average squared advantage of each task, a proxy for how hard it pushes the gradient; lines near the dashed 1 and close together mean equal scale across tasks. ${smoothingNote(w)}`),
    ]),
  );
  return parts.join('\n');
}

export function shareSection({ m, tasks, colors }: Ctx): string {
  const equal = 1 / tasks.length;
  const w = smoothingWeight(m.steps.length);
  const shares = lineChart({
    title: 'Gradient-norm share per task',
    xLabel: 'RL step',
    yLabel: 'share of the summed per-task gradient norms',
    series: tasks.flatMap((t) => smoothedSeries(t, { color: colors.get(t)! }, taskSeries(m.steps, t, 'grad_norm_share'), w)),
    refLines: [{ name: `equal share 1/${tasks.length} = ${formatNumber(equal)}`, y: equal, color: '#000000' }],
    yInclude: [0],
    xInteger: true,
    ...MEDIUM,
  });
  const cv = lineChart({
    title: 'Share dispersion across tasks',
    xLabel: 'RL step',
    yLabel: 'coefficient of variation',
    series: smoothedSeries('std/mean of shares', neutralStyle(0), stepSeries(m.steps, (s) => shareDispersion(stepShares(s, tasks))), w),
    yInclude: [0],
    xInteger: true,
    ...SMALL,
  });
  const howShares = `Each line is the norm of the policy gradient from one task’s responses over the sum of those norms; equity is every line on the dashed 1/${tasks.length}, and one line far above it means that task dominates the update. ${smoothingNote(w)}`;
  const howCv = `Over the tasks with kept groups that step: 0 means all tasks pull equally hard; ${formatNumber(Math.sqrt(tasks.length - 1))} (√(T − 1)) means one task has all of it. ${smoothingNote(w)}`;
  return grid([figure(shares, howShares), figure(cv, howCv)], true);
}

export function optimizerSection({ m }: Ctx): string {
  const clip = lineChart({
    title: 'Clip fractions',
    xLabel: 'RL step',
    yLabel: 'fraction of tokens clipped',
    series: [
      { name: 'total', ...neutralStyle(0), points: stepSeries(m.steps, (s) => s.clip_frac) },
      { name: 'low side (A < 0)', ...neutralStyle(1), points: stepSeries(m.steps, (s) => s.clip_frac_low) },
      { name: 'high side (A > 0)', ...neutralStyle(2), points: stepSeries(m.steps, (s) => s.clip_frac_high) },
    ],
    yInclude: [0],
    xInteger: true,
    ...SMALL,
  });
  const klSeries: LineSeries[] = [{ name: 'approx KL (rollout policy)', ...neutralStyle(0), points: stepSeries(m.steps, (s) => s.approx_kl) }];
  if (m.steps.some((s) => s.kl_ref !== undefined)) klSeries.push({ name: 'KL to warm start (k3)', ...neutralStyle(1), points: stepSeries(m.steps, (s) => s.kl_ref) });
  const kl = lineChart({ title: 'Policy drift', xLabel: 'RL step', yLabel: 'KL (nats)', series: klSeries, yInclude: [0], xInteger: true, ...SMALL });
  return grid([
    figure(clip, 'The share of response tokens whose probability ratio hit the PPO clip; a few percent is normal, tens of percent mean the updates are too large for the clip range.'),
    figure(kl, 'How far each update moved the policy from the one that sampled the rollouts (and, if logged, from the warm start); a steady small value is healthy, spikes go with clip-fraction spikes.'),
  ]);
}

export function timingSection({ m }: Ctx): string {
  const totals = new Map<string, number>();
  for (const s of m.steps) for (const [k, v] of Object.entries(s.phase_ms)) totals.set(k, (totals.get(k) ?? 0) + (v ?? 0));
  if (totals.size === 0) return '<p>No phase timings logged.</p>';
  const phases = [...totals.keys()];
  const all = [...totals.values()].reduce((a, b) => a + b, 0);
  const svg = barChart({ title: 'Time per phase, whole run', xLabel: 'phase', yLabel: 'seconds', groups: phases, groupColors: phases.map(() => '#777777'), series: [{ name: 'total seconds', values: phases.map((p) => totals.get(p)! / 1000) }], ...MEDIUM });
  const rows: Cell[][] = phases.map((p) => [p, { num: formatNumber(totals.get(p)! / 1000, 4) }, { num: formatNumber(totals.get(p)! / Math.max(1, m.steps.length), 4) }, { num: all > 0 ? `${formatNumber((100 * totals.get(p)!) / all, 3)} %` : '—' }]);
  return figure(svg, 'Where the wall time of the RL steps went; rollout (sampling with the cache) usually dominates on CPU, and a phase that grows step after step is a leak worth finding.') + table(['phase', 'total s', 'mean ms / step', 'share'], rows);
}
