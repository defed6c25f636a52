/**
 * A tiny SVG chart library for the reports: line charts (several series, legend, shaded horizontal bands,
 * shaded areas between two curves, dashed reference lines), a histogram with an overlaid density curve,
 * and a bar chart grouped by task. Each returns one self-contained `<svg>` string.
 *
 * What it is not: interactive, animated, or general. No scripts, no external fonts, no ids (so charts can
 * be pasted into one page without clashes). Every piece of text goes through `esc`; a full legend name
 * that had to be shortened is kept in a `<title>` (the browser's tooltip). Missing values (null, or
 * non-finite numbers) break a line rather than drop to zero; a point with no neighbour is drawn as a dot,
 * so a one-step run still shows its value. Axis ranges come from `niceTicks` (ticks.ts).
 */
import { esc } from './html.js';
import type { Histogram } from './stats.js';
import { formatNumber, formatTick, linearScale, niceTicks, type Ticks } from './ticks.js';

export interface Point {
  readonly x: number;
  readonly y: number | null;
}
export interface LineSeries {
  readonly name: string;
  readonly color: string;
  readonly points: readonly Point[];
  readonly dash?: string;
  readonly width?: number;
  readonly opacity?: number;
  /** Listed in the legend (default true); raw curves under a smoothed one set false. */
  readonly legend?: boolean;
  /** A dot at every point (sparse series such as evaluations). */
  readonly markers?: boolean;
  /** Join the line across missing values (for a smoothed curve, defined through gaps); default: break. */
  readonly connect?: boolean;
}
/** A shaded range between two curves (e.g. a length envelope that moves with the step). */
export interface Area {
  readonly name: string;
  readonly color: string;
  readonly points: readonly { readonly x: number; readonly lo: number | null; readonly hi: number | null }[];
  readonly opacity?: number;
}
/** A shaded horizontal range over the whole x axis. */
export interface Band {
  readonly name: string;
  readonly y0: number;
  readonly y1: number;
  readonly color: string;
  readonly opacity?: number;
}
export interface RefLine {
  readonly name: string;
  readonly y: number;
  readonly color: string;
  readonly dash?: string;
}
export interface Frame {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
}
export interface LineChartOptions extends Frame {
  readonly series: readonly LineSeries[];
  readonly bands?: readonly Band[];
  readonly areas?: readonly Area[];
  readonly refLines?: readonly RefLine[];
  /** Values the y axis must include (e.g. 0, or 1 for a probability). */
  readonly yInclude?: readonly number[];
  /** Integer x ticks only (steps). */
  readonly xInteger?: boolean;
}

/** Legend text is 11 px; ~6.6 px per character of DejaVu Sans / system-ui at that size. */
const LEGEND_CHAR_PX = 6.6;
const LEGEND_CHARS = 26;
const M = { top: 30, bottom: 44, left: 66, right: 14 };

const fin = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v);
const px = (v: number) => v.toFixed(1);

function span(values: readonly number[], include: readonly number[] = []): [number, number] | null {
  const all = [...values, ...include].filter(fin);
  if (all.length === 0) return null;
  let lo = all[0];
  let hi = all[0];
  for (const v of all) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** Nice ticks; with `integer`, never a step below 1 (a step axis has no step 1.5). */
export function axisTicks(lo: number, hi: number, target: number, integer = false): Ticks {
  const t = niceTicks(lo, hi, target);
  if (!integer || t.step >= 1) return t;
  const a = Math.floor(t.lo);
  const b = Math.ceil(t.hi);
  const values = Array.from({ length: b - a + 1 }, (_, i) => a + i);
  return { lo: a, hi: b, step: 1, mantissa: 1, exponent: 0, values };
}

interface Plot {
  readonly x: (v: number) => number;
  readonly y: (v: number) => number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  readonly xt: Ticks | null;
  readonly yt: Ticks;
}

/** The frame: title, grid, axes with ticks and labels. `xt` null = categorical x (bar chart draws its own). */
function frame(f: Frame, plot: Plot, width: number, height: number, body: string, legend: string): string {
  const { left, right, top, bottom, xt, yt } = plot;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(f.title)}">`);
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${left}" y="18" font-size="14" font-weight="600" fill="#222">${esc(f.title)}</text>`);
  for (const v of yt.values) {
    const y = px(plot.y(v));
    parts.push(`<line x1="${left}" x2="${right}" y1="${y}" y2="${y}" stroke="#e6e6e6" stroke-width="1"/>`);
    parts.push(`<text x="${left - 6}" y="${y}" dy="0.32em" text-anchor="end" font-size="11" fill="#444">${esc(formatTick(v, yt))}</text>`);
  }
  if (xt) {
    for (const v of xt.values) {
      const x = px(plot.x(v));
      parts.push(`<line x1="${x}" x2="${x}" y1="${bottom}" y2="${bottom + 4}" stroke="#666" stroke-width="1"/>`);
      parts.push(`<text x="${x}" y="${bottom + 16}" text-anchor="middle" font-size="11" fill="#444">${esc(formatTick(v, xt))}</text>`);
    }
  }
  parts.push(body);
  parts.push(`<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" stroke="#666" stroke-width="1"/>`);
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" stroke="#666" stroke-width="1"/>`);
  parts.push(`<text x="${px((left + right) / 2)}" y="${height - 8}" text-anchor="middle" font-size="12" fill="#222">${esc(f.xLabel)}</text>`);
  const yMid = px((top + bottom) / 2);
  parts.push(`<text x="14" y="${yMid}" transform="rotate(-90 14 ${yMid})" text-anchor="middle" font-size="12" fill="#222">${esc(f.yLabel)}</text>`);
  parts.push(legend);
  parts.push('</svg>');
  return parts.join('\n');
}

/** Width reserved right of the plot for the legend: swatch, gap, the longest (shortened) name. */
function legendWidth(names: readonly string[]): number {
  if (names.length === 0) return 0;
  const chars = Math.min(LEGEND_CHARS, Math.max(...names.map((n) => n.length)));
  return Math.ceil(28 + LEGEND_CHAR_PX * chars + 12);
}

type Swatch = { kind: 'line'; color: string; dash?: string; width?: number } | { kind: 'box'; color: string; opacity: number } | { kind: 'none' };

function legendBlock(entries: readonly { name: string; swatch: Swatch }[], x: number, top: number): string {
  return entries
    .map((e, i) => {
      const y = top + 6 + i * 17;
      const sw =
        e.swatch.kind === 'none'
          ? ''
          : e.swatch.kind === 'line'
          ? `<line x1="${x}" x2="${x + 22}" y1="${y}" y2="${y}" stroke="${esc(e.swatch.color)}" stroke-width="${e.swatch.width ?? 2}"${e.swatch.dash ? ` stroke-dasharray="${esc(e.swatch.dash)}"` : ''}/>`
          : `<rect x="${x}" y="${y - 5}" width="22" height="10" fill="${esc(e.swatch.color)}" fill-opacity="${e.swatch.opacity}" stroke="${esc(e.swatch.color)}" stroke-width="0.5"/>`;
      const short = e.name.length > LEGEND_CHARS ? `${e.name.slice(0, LEGEND_CHARS - 1)}…` : e.name;
      return `<g>${short === e.name ? '' : `<title>${esc(e.name)}</title>`}${sw}<text x="${e.swatch.kind === 'none' ? x : x + 28}" y="${y}" dy="0.32em" font-size="11" fill="#222">${esc(short)}</text></g>`;
    })
    .join('\n');
}

/** Path data for one curve, broken at missing values; isolated points are returned for dots. */
function polyline(points: readonly Point[], sx: (v: number) => number, sy: (v: number) => number): { d: string; dots: [number, number][] } {
  const runs: [number, number][][] = [];
  let run: [number, number][] = [];
  for (const p of points) {
    if (!fin(p.x) || !fin(p.y)) {
      if (run.length) runs.push(run);
      run = [];
      continue;
    }
    run.push([sx(p.x), sy(p.y)]);
  }
  if (run.length) runs.push(run);
  const d = runs
    .filter((r) => r.length > 1)
    .map((r) => r.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${px(x)} ${px(y)}`).join(''))
    .join('');
  return { d, dots: runs.filter((r) => r.length === 1).map((r) => r[0]) };
}

function noData(plot: Plot): string {
  return `<text x="${px((plot.left + plot.right) / 2)}" y="${px((plot.top + plot.bottom) / 2)}" text-anchor="middle" font-size="13" fill="#888">no data</text>`;
}

/** A line chart: shaded bands and areas underneath, reference lines, then the series; legend on the right. */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 620;
  const height = o.height ?? 300;
  const bands = o.bands ?? [];
  const areas = o.areas ?? [];
  const refs = o.refLines ?? [];
  const xs = [...o.series.flatMap((s) => s.points.map((p) => p.x)), ...areas.flatMap((a) => a.points.map((p) => p.x))];
  const ys = [
    ...o.series.flatMap((s) => s.points.map((p) => p.y ?? NaN)),
    ...areas.flatMap((a) => a.points.flatMap((p) => [p.lo ?? NaN, p.hi ?? NaN])),
    ...bands.flatMap((b) => [b.y0, b.y1]),
    ...refs.map((r) => r.y),
  ];
  const xSpan = span(xs) ?? [0, 1];
  const ySpan = span(ys, o.yInclude) ?? [0, 1];
  const hasData = o.series.some((s) => s.points.some((p) => fin(p.x) && fin(p.y)));
  const legendEntries = [
    ...o.series.filter((s) => s.legend !== false).map((s) => ({ name: s.name, swatch: { kind: 'line', color: s.color, dash: s.dash, width: s.width } as Swatch })),
    ...areas.map((a) => ({ name: a.name, swatch: { kind: 'box', color: a.color, opacity: a.opacity ?? 0.18 } as Swatch })),
    ...bands.map((b) => ({ name: b.name, swatch: { kind: 'box', color: b.color, opacity: b.opacity ?? 0.18 } as Swatch })),
    ...refs.map((r) => ({ name: r.name, swatch: { kind: 'line', color: r.color, dash: r.dash ?? '5 4', width: 1.2 } as Swatch })),
  ];
  const right = width - M.right - legendWidth(legendEntries.map((e) => e.name));
  const xt = axisTicks(xSpan[0], xSpan[1], Math.max(2, Math.round((right - M.left) / 80)), o.xInteger);
  const yt = axisTicks(ySpan[0], ySpan[1], 5);
  const plot: Plot = {
    x: linearScale(xt.lo, xt.hi, M.left, right),
    y: linearScale(yt.lo, yt.hi, height - M.bottom, M.top),
    left: M.left,
    right,
    top: M.top,
    bottom: height - M.bottom,
    xt,
    yt,
  };
  const clampY = (v: number) => Math.min(yt.hi, Math.max(yt.lo, v));
  const body: string[] = [];
  for (const b of bands) {
    const y0 = plot.y(clampY(Math.max(b.y0, b.y1)));
    const y1 = plot.y(clampY(Math.min(b.y0, b.y1)));
    body.push(`<rect x="${px(plot.left)}" y="${px(y0)}" width="${px(right - plot.left)}" height="${px(Math.max(0, y1 - y0))}" fill="${esc(b.color)}" fill-opacity="${b.opacity ?? 0.18}"/>`);
  }
  for (const a of areas) body.push(areaPath(a, plot));
  for (const r of refs) {
    const y = px(plot.y(clampY(r.y)));
    body.push(`<line x1="${plot.left}" x2="${px(right)}" y1="${y}" y2="${y}" stroke="${esc(r.color)}" stroke-width="1.2" stroke-dasharray="${esc(r.dash ?? '5 4')}"/>`);
  }
  for (const s of o.series) {
    const pts = s.connect ? s.points.filter((p) => fin(p.x) && fin(p.y)) : s.points;
    const { d, dots } = polyline(pts, plot.x, plot.y);
    const style = `stroke="${esc(s.color)}" stroke-width="${s.width ?? 2}"${s.dash ? ` stroke-dasharray="${esc(s.dash)}"` : ''}${s.opacity !== undefined ? ` stroke-opacity="${s.opacity}"` : ''}`;
    if (d) body.push(`<path d="${d}" fill="none" ${style} stroke-linejoin="round"/>`);
    const marks = s.markers ? s.points.filter((p) => fin(p.x) && fin(p.y)).map((p) => [plot.x(p.x), plot.y(p.y as number)] as [number, number]) : dots;
    // Dots of a dashed series are hollow, so two series of one task (e.g. both entropy estimators) stay apart.
    const dot = s.dash ? `fill="#ffffff" stroke="${esc(s.color)}" stroke-width="1.2"` : `fill="${esc(s.color)}"`;
    for (const [x, y] of marks) body.push(`<circle cx="${px(x)}" cy="${px(y)}" r="2.8" ${dot}${s.opacity !== undefined ? ` fill-opacity="${s.opacity}"` : ''}/>`);
  }
  if (!hasData) body.push(noData(plot));
  return frame(o, plot, width, height, body.join('\n'), legendBlock(legendEntries, right + 12, M.top));
}

/** The region between lo and hi, one closed polygon per run of points where both are present. */
function areaPath(a: Area, plot: Plot): string {
  const runs: { x: number; lo: number; hi: number }[][] = [];
  let run: { x: number; lo: number; hi: number }[] = [];
  for (const p of a.points) {
    if (fin(p.x) && fin(p.lo) && fin(p.hi)) run.push({ x: p.x, lo: p.lo, hi: p.hi });
    else if (run.length) {
      runs.push(run);
      run = [];
    }
  }
  if (run.length) runs.push(run);
  // A run of one point (a one-step run) is widened by ±2 px so that it stays visible.
  const d = runs
    .map((r) => {
      const xs = r.length === 1 ? [plot.x(r[0].x) - 2, plot.x(r[0].x) + 2] : r.map((p) => plot.x(p.x));
      const pts = r.length === 1 ? [r[0], r[0]] : r;
      const upper = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(xs[i])} ${px(plot.y(p.hi))}`).join('');
      const lower = pts.map((p, i) => `L${px(xs[i])} ${px(plot.y(p.lo))}`).reverse().join('');
      return `${upper}${lower}Z`;
    })
    .join('');
  return d ? `<path d="${d}" fill="${esc(a.color)}" fill-opacity="${a.opacity ?? 0.18}" stroke="none"/>` : '';
}

/** Points of a density sampled at n + 1 equally spaced x over [lo, hi], for the histogram's curve. */
export function densityCurve(pdf: (x: number) => number, lo: number, hi: number, n = 200): Point[] {
  return Array.from({ length: n + 1 }, (_, i) => {
    const x = i === n ? hi : lo + ((hi - lo) * i) / n;
    return { x, y: pdf(x) };
  });
}

export interface HistogramOptions extends Frame {
  readonly hist: Histogram;
  readonly color: string;
  readonly barName: string;
  readonly curve?: { readonly name: string; readonly points: readonly Point[]; readonly color?: string };
}

/** Bars of a density-normalised histogram, with an optional density curve drawn on the same y axis. */
export function histogramChart(o: HistogramOptions): string {
  const width = o.width ?? 620;
  const height = o.height ?? 300;
  const { edges, density } = o.hist;
  const curve = o.curve?.points ?? [];
  const xSpan = span([...edges, ...curve.map((p) => p.x)]) ?? [0, 1];
  const ySpan = span([...density, ...curve.map((p) => p.y ?? NaN)], [0]) ?? [0, 1];
  const entries: { name: string; swatch: Swatch }[] = [{ name: o.barName, swatch: { kind: 'box', color: o.color, opacity: 0.45 } }];
  if (o.curve) entries.push({ name: o.curve.name, swatch: { kind: 'line', color: o.curve.color ?? '#000000' } });
  const right = width - M.right - legendWidth(entries.map((e) => e.name));
  const xt = axisTicks(xSpan[0], xSpan[1], 8);
  const yt = axisTicks(ySpan[0], ySpan[1], 5);
  const plot: Plot = { x: linearScale(xt.lo, xt.hi, M.left, right), y: linearScale(yt.lo, yt.hi, height - M.bottom, M.top), left: M.left, right, top: M.top, bottom: height - M.bottom, xt, yt };
  const body: string[] = [];
  density.forEach((h, i) => {
    if (!(h > 0)) return;
    const x0 = plot.x(edges[i]);
    const x1 = plot.x(edges[i + 1]);
    const y = plot.y(h);
    body.push(`<rect x="${px(x0)}" y="${px(y)}" width="${px(Math.max(0.5, x1 - x0))}" height="${px(Math.max(0, plot.bottom - y))}" fill="${esc(o.color)}" fill-opacity="0.45" stroke="#ffffff" stroke-width="0.5"/>`);
  });
  if (o.curve) {
    const { d } = polyline(curve, plot.x, plot.y);
    if (d) body.push(`<path d="${d}" fill="none" stroke="${esc(o.curve.color ?? '#000000')}" stroke-width="2"/>`);
  }
  if (o.hist.n === 0) body.push(noData(plot));
  return frame(o, plot, width, height, body.join('\n'), legendBlock(entries, right + 12, M.top));
}

export interface BarSeries {
  readonly name: string;
  /** A short label printed under each bar (e.g. "A", "B"), when several series share a group. */
  readonly short?: string;
  readonly values: readonly (number | null)[];
  /** solid fill, light fill, or outline only: how series differ when colour encodes the group. */
  readonly style?: 'solid' | 'light' | 'outline';
}
export interface BarChartOptions extends Frame {
  /** Category names on the x axis (tasks). */
  readonly groups: readonly string[];
  /** One colour per group: a bar takes its task's colour, series differ by style and label. */
  readonly groupColors: readonly string[];
  readonly series: readonly BarSeries[];
  readonly yInclude?: readonly number[];
}

const FILL = { solid: 1, light: 0.35, outline: 0 } as const;

/** Bars grouped by category, each bar labelled with its value; missing values print "n/a". */
export function barChart(o: BarChartOptions): string {
  const width = o.width ?? 620;
  const height = o.height ?? 300;
  const shortRow = o.series.some((s) => s.short) ? 14 : 0;
  const ys = o.series.flatMap((s) => s.values.map((v) => v ?? NaN));
  const ySpan = span(ys, [0, ...(o.yInclude ?? [])]) ?? [0, 1];
  // Lettered series are told apart by the letter under each bar, so their legend is a key without swatch.
  const entries = o.series.map((s) => ({ name: s.short ? `${s.short}: ${s.name}` : s.name, swatch: (s.short ? { kind: 'none' } : { kind: 'box', color: '#555555', opacity: FILL[s.style ?? 'solid'] || 0.02 }) as Swatch }));
  const right = width - M.right - legendWidth(entries.map((e) => e.name));
  const yt = axisTicks(ySpan[0], ySpan[1], 5);
  const bottom = height - M.bottom - shortRow;
  const plot: Plot = { x: (v) => v, y: linearScale(yt.lo, yt.hi, bottom, M.top), left: M.left, right, top: M.top, bottom, xt: null, yt };
  const groupW = (right - M.left) / Math.max(1, o.groups.length);
  const barW = Math.max(2, Math.min(36, (groupW * 0.8) / Math.max(1, o.series.length)));
  const zero = plot.y(Math.min(yt.hi, Math.max(yt.lo, 0)));
  const body: string[] = [];
  o.groups.forEach((g, gi) => {
    const color = esc(o.groupColors[gi] ?? '#555555');
    const x0 = M.left + gi * groupW + (groupW - barW * o.series.length) / 2;
    o.series.forEach((s, si) => {
      const x = x0 + si * barW;
      const v = s.values[gi];
      const cx = px(x + barW / 2);
      if (s.short) body.push(`<text x="${cx}" y="${px(bottom + 12)}" text-anchor="middle" font-size="10" fill="#444">${esc(s.short)}</text>`);
      if (!fin(v)) {
        body.push(`<text x="${cx}" y="${px(zero - 4)}" text-anchor="middle" font-size="9" fill="#888">n/a</text>`);
        return;
      }
      const y = plot.y(v);
      const top = Math.min(y, zero);
      const fill = FILL[s.style ?? 'solid'];
      body.push(`<rect x="${px(x + 1)}" y="${px(top)}" width="${px(barW - 2)}" height="${px(Math.max(0.5, Math.abs(zero - y)))}" fill="${color}" fill-opacity="${fill}" stroke="${color}" stroke-width="1.5"><title>${esc(`${g} · ${s.name}: ${formatNumber(v)}`)}</title></rect>`);
      if (o.groups.length * o.series.length <= 40) {
        const ty = v >= 0 ? top - 3 : top + Math.abs(zero - y) + 10;
        body.push(`<text x="${cx}" y="${px(ty)}" text-anchor="middle" font-size="9" fill="#333">${esc(formatNumber(v, 2))}</text>`);
      }
    });
    body.push(`<text x="${px(M.left + (gi + 0.5) * groupW)}" y="${px(bottom + shortRow + 16)}" text-anchor="middle" font-size="11" fill="#222">${esc(g)}</text>`);
  });
  body.push(`<line x1="${M.left}" x2="${px(right)}" y1="${px(zero)}" y2="${px(zero)}" stroke="#666" stroke-width="1"/>`);
  return frame(o, plot, width, height, body.join('\n'), legendBlock(entries, right + 12, M.top));
}
