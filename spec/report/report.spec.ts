// One run's report.html (src/report/run-report.ts) built from synthetic metrics.jsonl files: written
// atomically, well formed, offline, every section present, every chart captioned, all text escaped, and
// it survives missing values, a single step, constant series, huge values and a torn last line.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReport, RUN_SECTIONS } from '../../src/report/index.js';
import { smoothedSeries } from '../../src/report/run-charts.js';
import { ema } from '../../src/report/stats.js';
import { fixtureText, writeRun, type FixtureOptions } from './fixture.js';
import { htmlProblems, sectionIds } from './html-check.js';

const dir = mkdtempSync(join(tmpdir(), 'report-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function build(o: FixtureOptions, transform?: (t: string) => string): string {
  const path = buildReport(writeRun(dir, o, transform));
  return readFileSync(path, 'utf8');
}

/** Every structural promise of the page, for any input. */
function expectSound(html: string): void {
  expect(htmlProblems(html)).toEqual([]);
  const ids = sectionIds(html);
  for (const id of RUN_SECTIONS) expect(ids).toContain(id);
  // every chart sits in a figure with a "how to read it" caption
  const figures = [...html.matchAll(/<figure>([\s\S]*?)<\/figure>/g)].map((m) => m[1]);
  const svgsInFigures = figures.reduce((a, f) => a + (f.match(/<svg /g) ?? []).length, 0);
  expect(svgsInFigures).toBe((html.match(/<svg /g) ?? []).length);
  for (const f of figures) expect(f).toMatch(/<figcaption><b>How to read it:<\/b> [^<]{20,}<\/figcaption>$/);
  // every chart has a title and two axis labels (x under the plot, y rotated)
  for (const svg of html.match(/<svg [\s\S]*?<\/svg>/g) ?? []) {
    expect(svg).toMatch(/font-weight="600" fill="#222">[^<]+</);
    expect(svg).toMatch(/transform="rotate\(-90/);
  }
}

describe('buildReport', () => {
  it('writes runDir/report.html atomically (no temp file left) and returns its path', () => {
    const runDir = writeRun(dir, { name: 'atomic' });
    const path = buildReport(runDir);
    expect(path).toBe(join(runDir, 'report.html'));
    expect(readdirSync(runDir).sort()).toEqual(['metrics.jsonl', 'report.html']);
  });

  it('a full run: well formed, offline, all sections, every chart captioned, verdicts from the summary', () => {
    const html = build({ name: 'full', steps: 30 });
    expectSound(html);
    // fixture verdicts: improved unless task index % 3 = 2 (counting, math)
    expect(html).toContain('Learning test (from the summary: one-sided paired sign-flip test of per-example greedy rewards): held-out reward improved over the warm start on 4 of 6 tasks (grounding: yes, reading: yes, counting: no, chart: yes, spatial: yes, math: no)');
    expect(html).toContain('<h3>summary: learning_test.tasks</h3>');
    // the summary's wall_s (fixture: 2.5 s per step · 30 + 7), not the last step's time_s (75)
    expect(html).toContain('wall time 82 s (1 min 22 s)');
    // the six families' colours appear (one palette across charts)
    for (const c of ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00']) expect(html).toContain(`stroke="${c}"`);
    expect(sectionIds(html)).not.toContain('warnings');
  });

  it('is deterministic: the same metrics give the same bytes', () => {
    const a = build({ name: 'det-a', steps: 5 });
    const b = build({ name: 'det-b', steps: 5 });
    expect(a.replaceAll('det-a', 'X')).toBe(b.replaceAll('det-b', 'X'));
  });

  it('a task named <script> and a run name with quotes and tags are printed as text, never as markup', () => {
    const evil = '<script>alert(1)</script>';
    const html = build({ name: 'x"><img src=y onerror=alert(2)>', tasks: ['reading', evil], steps: 6 });
    expectSound(html);
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('x&quot;&gt;&lt;img src=y onerror=alert(2)&gt;');
  });

  it('missing values (a task absent every other step) keep the page sound', () => {
    const html = build({ name: 'gappy', gappy: 'chart', steps: 12 });
    expectSound(html);
  });

  it('a single RL step, one eval before and one after', () => {
    const html = build({ name: 'one', steps: 1 });
    expectSound(html);
    expect(html).toContain('1 RL steps logged of 1');
  });

  it('constant series everywhere (flat lines, identical advantages)', () => {
    expectSound(build({ name: 'flat', constant: true, steps: 8 }));
  });

  it('huge values (rewards, lengths, entropies, advantages × 1e250)', () => {
    const html = build({ name: 'huge', scale: 1e250, steps: 6 });
    expectSound(html);
    expect(html).toMatch(/e250/);
  });

  it('per-step (adaptive) length envelopes are drawn as a moving band', () => {
    const html = build({ name: 'adaptive', adaptiveEnvelope: true, steps: 6 });
    expectSound(html);
    expect(html).toContain('>[L_low, L_high]<');
  });

  it('noisy per-step curves (reward, KS, mean A², shares and their dispersion) are faint under a bold EMA, said in each caption', () => {
    const html = build({ name: 'smoothed', steps: 40 });
    const sectionHtml = (id: string) => html.slice(html.indexOf(`<section id="${id}">`), html.indexOf('</section>', html.indexOf(`<section id="${id}">`)));
    const faint = (s: string) => (s.match(/<path [^>]*stroke-opacity="0.3"/g) ?? []).length;
    const notes = (s: string) => (s.match(/Bold lines are an exponential moving average \(weight 0\.75, about 4 steps\) of the faint per-step values\./g) ?? []).length;
    // one faint curve per task per chart: rewards 1 chart, advantages 2 (KS, mean A²), grad-share 1 + the dispersion's 1
    expect([faint(sectionHtml('rewards')), faint(sectionHtml('advantages')), faint(sectionHtml('grad-share'))]).toEqual([6, 12, 7]);
    expect([notes(sectionHtml('rewards')), notes(sectionHtml('advantages')), notes(sectionHtml('grad-share'))]).toEqual([1, 2, 2]);
    // the per-task entropy and length panels are left raw (one task each, readable as they are)
    expect([faint(sectionHtml('entropy')), faint(sectionHtml('length'))]).toEqual([0, 0]);
  });

  it('smoothedSeries: the faint per-step values, out of the legend, under their debiased EMA joined across gaps', () => {
    const raw = [1, null, 3, 5].map((y, x) => ({ x, y }));
    const [faintLine, bold] = smoothedSeries('t', { color: '#123456', dash: '4 2' }, raw, 0.5);
    expect(faintLine).toMatchObject({ name: 't (raw)', color: '#123456', points: raw, opacity: 0.3, legend: false });
    expect(faintLine.dash).toBeUndefined();
    expect(bold).toMatchObject({ name: 't', color: '#123456', dash: '4 2', connect: true });
    expect(bold.points.map((p) => p.y)).toEqual(ema([1, null, 3, 5], 0.5));
    expect(bold.points.map((p) => p.x)).toEqual([0, 1, 2, 3]);
  });

  it('a killed run (torn last line, no summary) still gets a report that says what was skipped', () => {
    const html = build({ name: 'killed', steps: 5, summary: false }, (t) => t.trimEnd().slice(0, -25));
    expectSound(html);
    expect(sectionIds(html)).toContain('warnings');
    expect(html).toMatch(/line \d+: the last line is not complete JSON/);
    expect(html).toContain('No summary record');
  });

  it('the task stage is shown for G²RPO only (other estimators ignore it)', () => {
    expect(build({ name: 'g2', steps: 2, taskStage: 'scale' })).toContain('estimator g2rpo (task stage scale)');
    const grpo = build({ name: 'gr', steps: 2, estimator: 'grpo', taskStage: 'ot' });
    expect(grpo).toContain('estimator grpo ·');
    expect(grpo).not.toContain('task stage ot');
  });

  it('shaping switched off is said in the length and entropy sections', () => {
    const html = build({ name: 'noshape', lengthShaping: false, entropyShaping: false, steps: 3 });
    expect(html).toContain('Length shaping is off in this run');
    expect(html).toContain('Entropy shaping is off in this run');
  });

  it('a schema error fails before anything is written', () => {
    const runDir = writeRun(dir, { name: 'bad', steps: 2 }, (t) => t.replace('"grad_norm":1.2', '"grad_norm":"big"'));
    expect(() => buildReport(runDir)).toThrow(/bad\/metrics.jsonl line \d+: grad_norm: expected a number or null, got "big"/);
    expect(existsSync(join(runDir, 'report.html'))).toBe(false);
  });

  it('the well-formedness check itself fails on the faults it is there to catch', () => {
    expect(htmlProblems('<svg><g></svg>')).toEqual(['</svg> at 8 closes <g>', 'unclosed: svg']);
    expect(htmlProblems('<p>a < b</p>')[0]).toMatch(/stray '<'/);
    expect(htmlProblems('<p>a & b</p>')[0]).toMatch(/bare '&'/);
    expect(htmlProblems('<p>a > b</p>')[0]).toMatch(/raw '>'/);
    expect(htmlProblems('<p>NaN</p>')).toEqual(['contains NaN at 3']);
    expect(htmlProblems('<rect onload="x"/>')[0]).toMatch(/event handler/);
    expect(htmlProblems('<a href="https://example.com/x">x</a>')).toEqual(['network URLs: https://example.com/x']);
  });

  it('the fixture itself follows the schema line by line (sanity of the test data)', () => {
    const lines = fixtureText({ steps: 2 }).trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(lines[0].type).toBe('config');
    expect(lines.at(-1)!.type).toBe('summary');
  });
});
