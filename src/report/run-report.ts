/**
 * One run's report: `runs/<name>/report.html`, built from its metrics.jsonl. The page opens offline — the
 * stylesheet and every chart are inline, there is no script — and each chart carries a one-sentence
 * "how to read it"; docs/report.md explains them at length.
 *
 * What it is not: a live dashboard (it is rebuilt from the file; rebuilding a finished run gives the same
 * bytes). Sections, by id: header, warnings (only if any), rewards, eval, length, entropy, advantages,
 * grad-share, optimizer, timing.
 */
import { join } from 'node:path';
import { writeFileAtomicSync } from '../io/atomic.js';
import { configText, esc, page, paragraph, section, table, type Cell } from './html.js';
import { readMetrics, type RunMetrics } from './metrics.js';
import { taskColors } from './palette.js';
import { advantageSection, entropySection, evalSection, lengthSection, optimizerSection, rewardSection, shareSection, timingSection, type Ctx } from './run-charts.js';
import { formatDuration, summaryHtml, verdicts, wallSeconds } from './summary.js';

/** The ids of the sections of a run report, in page order (warnings only when there are any). */
export const RUN_SECTIONS = ['header', 'rewards', 'eval', 'length', 'entropy', 'advantages', 'grad-share', 'optimizer', 'timing'] as const;

function headerSection(m: RunMetrics): string {
  const c = m.config;
  const tasks = c.tasks;
  const v = verdicts(m.summary, tasks);
  const improved = [...v.values()].filter(Boolean).length;
  const lines: string[] = [];
  lines.push(`<h1>G²RPO run: ${esc(c.name)}</h1>`);
  const what = [
    `estimator ${configText(c.estimator)}${c.estimator === 'g2rpo' && c.taskStage ? ` (task stage ${c.taskStage})` : ''}`,
    `preset ${configText(c.preset)}`,
    `${m.steps.length} RL steps logged${c.steps !== undefined ? ` of ${c.steps}` : ''}`,
    `seed ${configText(c.seed)}`,
    `wall time ${formatDuration(wallSeconds(m))}`,
  ];
  lines.push(paragraph(what.join(' · '), 'lead'));
  if (v.size > 0) {
    lines.push(paragraph(`Learning test (from the summary${v.test ? `: ${v.test}` : ''}): held-out reward improved over the warm start on ${improved} of ${v.size} tasks (${[...v].map(([t, ok]) => `${t}: ${ok ? 'yes' : 'no'}`).join(', ')}).`));
  }
  lines.push('<h3>Final verdicts</h3>');
  lines.push(summaryHtml(m.summary, tasks));
  const rows: Cell[][] = Object.entries(c)
    .filter(([k]) => k !== 'type')
    .map(([k, val]) => [k, configText(val)]);
  lines.push(`<details><summary>Configuration (${rows.length} fields)</summary>\n${table(['field', 'value'], rows)}\n</details>`);
  return `<header id="header">\n${lines.join('\n')}\n</header>\n`;
}

/** The whole page for validated metrics (pure: no file access). */
export function renderRunReport(m: RunMetrics): string {
  const tasks = m.config.tasks;
  const ctx: Ctx = { m, tasks, colors: taskColors(tasks) };
  const body: string[] = [headerSection(m)];
  if (m.warnings.length > 0) body.push(section('warnings', 'Warnings while reading metrics.jsonl', `<ul>${m.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`));
  body.push(section('rewards', 'Training reward per task', rewardSection(ctx)));
  body.push(section('eval', 'Held-out evaluation (step 0 = warm start)', evalSection(ctx)));
  body.push(section('length', 'Response length against its envelope', lengthSection(ctx)));
  body.push(section('entropy', 'Entropy against its band', entropySection(ctx)));
  body.push(section('advantages', 'Advantages against N(0,1)', advantageSection(ctx)));
  body.push(section('grad-share', 'Gradient-norm share per task', shareSection(ctx)));
  body.push(section('optimizer', 'Clipping and KL', optimizerSection(ctx)));
  body.push(section('timing', 'Time per phase', timingSection(ctx)));
  return page(`G²RPO run ${m.config.name}`, body.join('\n'));
}

/** Reads `runDir/metrics.jsonl`, writes `runDir/report.html` atomically (temp file + rename), returns its path. */
export function buildReport(runDir: string): string {
  const m = readMetrics(runDir);
  const out = join(runDir, 'report.html');
  writeFileAtomicSync(out, new TextEncoder().encode(renderRunReport(m)));
  return out;
}
