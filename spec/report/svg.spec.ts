// The chart library (src/report/svg.ts) and the statistics it draws (src/report/stats.ts): well-formed,
// escaped SVG for the awkward inputs (missing values, one point, a constant, huge values, no data), the
// histogram's area and its density curve, and the palette.
import { describe, expect, it } from 'vitest';
import { normalCdf } from '../../src/rl/normal.js';
import { OKABE_ITO, taskColors } from '../../src/report/palette.js';
import { ema, histogram, normalPdf, shareDispersion } from '../../src/report/stats.js';
import { barChart, densityCurve, histogramChart, lineChart, type Point } from '../../src/report/svg.js';
import { gaussian, rng } from './fixture.js';
import { htmlProblems } from './html-check.js';

const frame = { title: 'T', xLabel: 'x', yLabel: 'y' };
const pts = (ys: (number | null)[]): Point[] => ys.map((y, i) => ({ x: i + 1, y }));
/** The `d` of every <path> with fill="none" (the drawn lines). */
const linePaths = (svg: string) => [...svg.matchAll(/<path d="([^"]*)" fill="none"/g)].map((m) => m[1]);
const circles = (svg: string) => (svg.match(/<circle /g) ?? []).length;

function wellFormed(svg: string): void {
  expect(htmlProblems(svg)).toEqual([]);
}

describe('lineChart', () => {
  it('breaks a line at null instead of dropping to zero, and draws an isolated point as a dot', () => {
    const svg = lineChart({ ...frame, series: [{ name: 's', color: '#000', points: pts([1, 2, null, 4, 5, null, 7]) }] });
    wellFormed(svg);
    const [d] = linePaths(svg);
    expect(d.match(/M/g)?.length).toBe(2); // [1, 2] and [4, 5]
    expect(circles(svg)).toBe(1); // the lone 7
  });

  it('`connect` joins across missing values (a smoothed curve)', () => {
    const svg = lineChart({ ...frame, series: [{ name: 's', color: '#000', connect: true, points: pts([1, null, 3, null, 5]) }] });
    const [d] = linePaths(svg);
    expect(d.match(/M/g)?.length).toBe(1);
    expect(d.match(/L/g)?.length).toBe(2);
  });

  it('a single step is one visible dot with finite coordinates', () => {
    const svg = lineChart({ ...frame, series: [{ name: 's', color: '#000', points: pts([0.42]) }], xInteger: true });
    wellFormed(svg);
    expect(linePaths(svg)).toEqual([]);
    expect(circles(svg)).toBe(1);
  });

  it('a constant series gets an axis around its value (ticks below and above it)', () => {
    const svg = lineChart({ ...frame, series: [{ name: 's', color: '#000', points: pts([3, 3, 3, 3]) }] });
    wellFormed(svg);
    const labels = [...svg.matchAll(/text-anchor="end" font-size="11" fill="#444">([^<]*)</g)].map((m) => Number(m[1].replace('−', '-')));
    expect(Math.min(...labels)).toBeLessThan(3);
    expect(Math.max(...labels)).toBeGreaterThan(3);
  });

  it('huge values (±1e300) and a band and reference line keep every coordinate finite', () => {
    const svg = lineChart({
      ...frame,
      series: [{ name: 's', color: '#000', points: pts([1e300, -1e300, 5e299]) }],
      bands: [{ name: 'b', y0: -1e299, y1: 1e299, color: '#777' }],
      refLines: [{ name: 'r', y: 0, color: '#000' }],
    });
    wellFormed(svg);
    const coords = [...svg.matchAll(/\s(?:x|y|x1|x2|y1|y2|cx|cy|width|height)="([^"]*)"/g)].map((m) => Number(m[1]));
    const pathNumbers = [...svg.matchAll(/ d="([^"]*)"/g)].flatMap((m) => m[1].split(/[MLZ ]/).filter(Boolean).map(Number));
    expect(coords.length).toBeGreaterThan(20);
    expect(pathNumbers.length).toBeGreaterThan(4);
    expect(pathNumbers.every(Number.isFinite)).toBe(true);
    expect(coords.every(Number.isFinite)).toBe(true);
  });

  it('no data at all prints "no data" rather than an empty or broken chart', () => {
    const svg = lineChart({ ...frame, series: [{ name: 's', color: '#000', points: pts([null, null]) }] });
    wellFormed(svg);
    expect(svg).toContain('>no data<');
  });

  it('escapes every text: title, axis labels, legend names (a long name keeps its full text in <title>)', () => {
    const evil = '<script>alert("x")</script> & \'q\'';
    const svg = lineChart({ title: evil, xLabel: evil, yLabel: evil, series: [{ name: evil, color: '#000', points: pts([1, 2]) }] });
    wellFormed(svg);
    expect(svg).not.toContain('<script');
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;');
  });

  it('an adaptive area with one point stays visible (widened to 4 px)', () => {
    const svg = lineChart({ ...frame, series: [{ name: 's', color: '#000', points: pts([5]) }], areas: [{ name: 'a', color: '#777', points: [{ x: 1, lo: 4, hi: 6 }] }] });
    wellFormed(svg);
    expect(svg).toMatch(/<path d="M[^"]*Z" fill="#777"/);
  });
});

describe('histogram and its density curve', () => {
  const z = gaussian(rng(7));
  const values = Array.from({ length: 4000 }, () => z());

  it('bars have total area 1 (density = count / (n · width))', () => {
    const h = histogram(values, -4, 4, 40);
    const area = h.density.reduce((a, d, i) => a + d * (h.edges[i + 1] - h.edges[i]), 0);
    // sum of 40 terms each rounded once: error ≤ 40 · 2.2e-16
    expect(Math.abs(area - 1)).toBeLessThan(1e-13);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(4000);
  });

  it('values outside the range land in the end bins, non-finite ones are skipped', () => {
    const h = histogram([-10, 0, 10, Number.NaN], -1, 1, 2);
    expect(h.counts).toEqual([1, 2]);
    expect(h.n).toBe(3);
  });

  it('the N(0,1) curve drawn over the bins integrates to Φ(4) − Φ(−4) ≈ 1', () => {
    const curve = densityCurve(normalPdf, -4, 4, 400);
    let integral = 0;
    for (let i = 1; i < curve.length; i++) integral += ((curve[i].x - curve[i - 1].x) * ((curve[i].y as number) + (curve[i - 1].y as number))) / 2;
    // trapezoid error ≤ (b − a)·h²/12·max|φ''| = 8 · 0.02² / 12 · 0.399 = 1.1e-4; the mass outside ±4 is 6.3e-5
    expect(Math.abs(integral - (normalCdf(4) - normalCdf(-4)))).toBeLessThan(1.1e-4);
    expect(Math.abs(integral - 1)).toBeLessThan(2e-4);
  });

  it('bars and curve share one y scale in the picture (pixel height / density is the same for both)', () => {
    const h = histogram(values, -4, 4, 40);
    const curve = densityCurve(normalPdf, -4, 4, 400);
    const svg = histogramChart({ ...frame, hist: h, color: '#0072B2', barName: 'bars', curve: { name: 'N(0,1)', points: curve } });
    wellFormed(svg);
    const rects = [...svg.matchAll(/<rect x="[^"]*" y="([^"]*)" width="[^"]*" height="([^"]*)" fill="#0072B2" fill-opacity="0.45" stroke="#ffffff"/g)].map((m) => ({ y: Number(m[1]), h: Number(m[2]) }));
    const bottom = rects[0].y + rects[0].h;
    const positive = h.density.filter((d) => d > 0);
    expect(rects.length).toBe(positive.length);
    const kBars = rects.map((r, i) => r.h / positive[i]).filter((_, i) => positive[i] > 0.05);
    const [d] = linePaths(svg);
    const ys = [...d.matchAll(/[ML][-\d.]+ ([-\d.]+)/g)].map((m) => Number(m[1]));
    expect(ys.length).toBe(curve.length);
    const kCurve = ys.map((y, i) => (bottom - y) / (curve[i].y as number)).filter((_, i) => (curve[i].y as number) > 0.05);
    const k = kBars[0];
    // coordinates are printed to 0.1 px (±0.05 px each end); over heights ≥ 0.05·k px that is < 1% relative
    for (const v of [...kBars, ...kCurve]) expect(Math.abs(v / k - 1)).toBeLessThan(0.01);
  });
});

describe('barChart', () => {
  it('groups by task, prints values, marks a missing value "n/a", handles negative bars, escapes names', () => {
    const svg = barChart({ ...frame, groups: ['a<b', 'c'], groupColors: ['#0072B2', '#E69F00'], series: [{ name: 'warm', values: [0.2, null], style: 'light' }, { name: 'final', short: 'B', values: [-0.1, 0.5] }] });
    wellFormed(svg);
    expect(svg).toContain('>a&lt;b<');
    expect(svg).toContain('>n/a<');
    expect((svg.match(/<rect [^>]*fill="#0072B2"/g) ?? []).length).toBe(2);
    expect(svg).toContain('>-0.1<');
  });
});

describe('stats', () => {
  it('EMA is debiased (starts at the first value) and holds through null', () => {
    expect(ema([2, 2, 2], 0.9)).toEqual([2, 2, 2].map(() => expect.closeTo(2, 12)));
    const e = ema([1, null, 3], 0.5);
    expect(e[1]).toBeNull();
    // s1 = 0.5, k=1 → 1; s2 = 0.25 + 1.5 = 1.75, k=2 → 1.75 / 0.75
    expect(e[2]).toBeCloseTo(1.75 / 0.75, 12);
  });

  it('share dispersion: 0 for equal shares, √(T − 1) when one task has everything, null below 2 tasks', () => {
    expect(shareDispersion([1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6])).toBeCloseTo(0, 12);
    expect(shareDispersion([1, 0, 0, 0, 0, 0])).toBeCloseTo(Math.sqrt(5), 12);
    expect(shareDispersion([1, null])).toBeNull();
  });
});

describe('palette', () => {
  it('the six families have fixed, distinct Okabe–Ito colours whatever the order they are listed in', () => {
    const a = taskColors(['math', 'grounding']);
    const b = taskColors(['grounding', 'reading', 'counting', 'chart', 'spatial', 'math']);
    expect(a.get('math')).toBe(b.get('math'));
    expect(new Set([...b.values()].slice(0, 6)).size).toBe(6);
    for (const c of b.values()) expect(OKABE_ITO).toContain(c);
  });

  it('unknown task names take the remaining colours, distinct from the six', () => {
    const c = taskColors(['<script>', 'other']);
    const six = ['grounding', 'reading', 'counting', 'chart', 'spatial', 'math'].map((t) => c.get(t));
    expect(six).not.toContain(c.get('<script>'));
    expect(c.get('<script>')).not.toBe(c.get('other'));
  });
});
