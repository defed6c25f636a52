// The side-by-side report (src/report/compare-report.ts): four synthetic variants (GRPO with one dominating
// task, G²RPO ot, G²RPO scale, G²RPO without shaping). The numbers in its sentences are recomputed here from
// the fixture's records by their definitions, and the page must state them without adjectives.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCompareReport, buildReport, COMPARE_SECTIONS } from '../../src/report/index.js';
import { shortVariantLabel } from '../../src/report/compare-report.js';
import { fixtureRecords, SIX, writeRun, type FixtureOptions } from './fixture.js';
import { htmlProblems, sectionIds } from './html-check.js';

const dir = mkdtempSync(join(tmpdir(), 'report-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STEPS = 20;
const variants: FixtureOptions[] = [
  { name: 'grpo', estimator: 'grpo', taskStage: null, dominant: 'reading', dominance: 4, steps: STEPS, finalShift: { reading: 0.1, math: -0.2 } },
  { name: 'g2rpo-ot', steps: STEPS },
  { name: 'g2rpo-scale', taskStage: 'scale', dominant: 'math', dominance: 1.5, steps: STEPS },
  { name: 'g2rpo-noshaping', lengthShaping: false, entropyShaping: false, steps: STEPS },
];

/** CV of the shares of each step, by definition: population standard deviation over mean. */
function cvByStep(o: FixtureOptions): number[] {
  return fixtureRecords(o)
    .filter((r) => r.type === 'step')
    .map((r) => {
      const xs = SIX.map((t) => (r.tasks as Record<string, { grad_norm_share: number }>)[t].grad_norm_share);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) / mean;
    });
}
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

let html = '';
let outPath = '';
beforeAll(() => {
  const runDirs = variants.map((v) => writeRun(dir, v));
  buildReport(runDirs[0]); // one run has its own report, which the comparison links to
  outPath = buildCompareReport(runDirs, join(dir, 'out'));
  html = readFileSync(outPath, 'utf8');
});

describe('buildCompareReport', () => {
  it('writes outDir/compare.html (creating outDir), well formed, offline, every section', () => {
    expect(outPath).toBe(join(dir, 'out', 'compare.html'));
    expect(htmlProblems(html)).toEqual([]);
    for (const id of COMPARE_SECTIONS) expect(sectionIds(html)).toContain(id);
  });

  it('labels each variant by run name, estimator, task stage (G²RPO only) and shaping', () => {
    expect(html).toContain('<th>A</th><td><a href="../grpo/report.html">grpo</a></td><td>grpo</td><td>(not used)</td>');
    for (const n of ['grpo', 'g2rpo-ot', 'g2rpo-scale', 'g2rpo-noshaping']) expect(html).toContain(`>${n}<`);
    expect(html).toContain('<th>D</th><td>g2rpo-noshaping</td><td>g2rpo</td><td>ot</td><td>off</td><td>off</td>');
    // a run with its own report is linked, relative to the comparison's folder
    expect(html).toContain('<a href="../grpo/report.html">grpo</a>');
  });

  it('the dispersion legend names each variant by estimator, stage and shaping, short enough to show whole', () => {
    const cvChart = html.slice(html.indexOf('Dispersion of gradient-norm shares across tasks'));
    const legend = [...cvChart.matchAll(/fill="#222">([A-D]: [^<]*)<\/text>/g)].map((m) => m[1]).slice(0, 4);
    expect(legend).toEqual(['A: grpo', 'B: g2rpo/ot', 'C: g2rpo/scale', 'D: g2rpo/ot, no shaping']);
    const one = (o: FixtureOptions) => shortVariantLabel({ config: { ...fixtureRecords(o)[0], name: 'x' } } as never);
    expect(one({ name: 'l', lengthShaping: false, steps: 1 })).toBe('g2rpo/ot, no length shaping');
    expect(one({ name: 'e', entropyShaping: false, steps: 1 })).toBe('g2rpo/ot, no entropy shaping');
  });

  it('states the share dispersion of each variant and against GRPO in numbers recomputed here', () => {
    const cv = variants.map(cvByStep);
    const means = cv.map(avg);
    // 3 significant digits, as printed
    const f = (x: number) => String(Number(x.toPrecision(3)));
    expect(html).toContain(`A ${f(means[0])}, B ${f(means[1])}, C ${f(means[2])}, D ${f(means[3])}.`);
    for (const [i, letter] of [[1, 'B'], [2, 'C'], [3, 'D']] as const) {
      const lower = cv[i].filter((c, s) => c < cv[0][s]).length;
      expect(html).toContain(`${letter} against A (GRPO): mean CV ${f(means[i])} vs ${f(means[0])}`);
      expect(html).toContain(`${letter} is lower at ${lower} of ${STEPS} steps logged by both.`);
    }
    // the dominated GRPO fixture really is more dispersed at every step (so the sentence is not vacuous)
    expect(cv[1].every((c, s) => c < cv[0][s])).toBe(true);
  });

  it('states per-task eval differences against GRPO: same data except the shifted final evals', () => {
    // B's final evals equal A's except reading (A +0.1) and math (A −0.2): B is higher on math only
    expect(html).toContain('B against A: final held-out greedy reward higher on 1 of 6 tasks (math); per task: grounding +0, reading -0.1, counting +0, chart +0, spatial +0, math +0.2.');
  });

  it('says what a single seed cannot show, and uses no adjectives for the comparison', () => {
    expect(html).toContain('One run per variant: these are single-seed numbers');
    const text = html.replace(/<[^>]*>/g, ' ');
    for (const word of ['better', 'worse', 'significant', 'clearly', 'dramatic', 'substantial', 'strongly', 'outperform', 'superior']) expect(text.toLowerCase()).not.toContain(word);
  });

  it('side-by-side charts share one y range (equal heights mean equal values)', () => {
    const perVariant = [...html.matchAll(/<svg [^>]*aria-label="[A-D]: shares per task">[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    expect(perVariant).toHaveLength(4);
    const topTick = (svg: string) => [...svg.matchAll(/text-anchor="end" font-size="11" fill="#444">([^<]*)</g)].map((m) => m[1]).at(-1);
    expect(new Set(perVariant.map(topTick)).size).toBe(1);
  });
});

describe('buildCompareReport, other inputs', () => {
  it('different seeds and no GRPO variant are said plainly', () => {
    const runs = [writeRun(dir, { name: 's1', seed: 1, steps: 4 }), writeRun(dir, { name: 's2', seed: 2, steps: 6 })];
    const page = readFileSync(buildCompareReport(runs, join(dir, 'out2')), 'utf8');
    expect(htmlProblems(page)).toEqual([]);
    expect(page).toContain('No variant uses the GRPO estimator');
    expect(page).toContain('do not share one seed (1, 2)');
    expect(page).toContain('different numbers of steps (A 4, B 6)');
  });

  it('a task whose groups were all filtered out (kept_groups 0, share 0) is left out of that step’s dispersion', () => {
    const a = { name: 'f-grpo', estimator: 'grpo', taskStage: null, steps: 6, dominant: 'reading' } as FixtureOptions;
    const b = { name: 'f-g2', steps: 6, filtered: 'math' } as FixtureOptions;
    const page = readFileSync(buildCompareReport([writeRun(dir, a), writeRun(dir, b)], join(dir, 'out4')), 'utf8');
    const cvs = fixtureRecords(b)
      .filter((r) => r.type === 'step')
      .map((r) => {
        const st = r.tasks as Record<string, { grad_norm_share: number; kept_groups: number }>;
        const xs = SIX.filter((t) => st[t].kept_groups > 0).map((t) => st[t].grad_norm_share);
        const mean = xs.reduce((p, q) => p + q, 0) / xs.length;
        return Math.sqrt(xs.reduce((p, q) => p + (q - mean) ** 2, 0) / xs.length) / mean;
      });
    expect(page).toContain(`B ${String(Number(avg(cvs).toPrecision(3)))}.`);
    // with the zero shares counted the number would differ (the test can tell the two rules apart)
    const naive = avg(cvByStep(b));
    expect(Number(avg(cvs).toPrecision(3))).not.toBe(Number(naive.toPrecision(3)));
  });

  it('runs without any update (every share null) say that the dispersion cannot be compared', () => {
    const noShares = (t: string) => t.replace(/"grad_norm_share":[-\d.e]+/g, '"grad_norm_share":null');
    const runs = [writeRun(dir, { name: 'n-grpo', estimator: 'grpo', steps: 3 }, noShares), writeRun(dir, { name: 'n-g2', steps: 3 }, noShares)];
    const page = readFileSync(buildCompareReport(runs, join(dir, 'out5')), 'utf8');
    expect(htmlProblems(page)).toEqual([]);
    expect(page).toContain('B against A (GRPO): no step has gradient-norm shares of at least two tasks in both runs');
    expect(page).toContain('(coefficient of variation across tasks, mean over steps; 0 = equal shares, 2.24 = one task has all): A —, B —.');
  });

  it('no runs is an InputError and writes nothing', () => {
    expect(() => buildCompareReport([], join(dir, 'out3'))).toThrow(/runDirs: no runs to compare/);
    expect(existsSync(join(dir, 'out3'))).toBe(false);
  });
});
