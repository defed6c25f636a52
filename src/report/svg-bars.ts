/**
 * The histogram (with an optional density curve) and the grouped bar chart of the reports, on the shared
 * frame of svg-frame.ts. Same rules as svg.ts: self-contained <svg> strings, text escaped, no ids.
 *
 * Not here: line charts (svg.ts).
 */
import { esc } from './html.js';
import type { Histogram } from './stats.js';
import { formatNumber, linearScale } from './ticks.js';
import { M, fin, px, span, axisTicks, type Plot, frame, legendWidth, type Swatch, legendBlock, polyline, noData, type Point, type Frame } from './svg-frame.js';

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
