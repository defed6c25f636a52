/**
 * A tiny SVG chart library for the reports: line charts (several series, legend, shaded horizontal bands,
 * shaded areas between two curves, dashed reference lines) here; a histogram with an overlaid density
 * curve and a bar chart grouped by task in svg-bars.ts (re-exported), on the shared frame of
 * svg-frame.ts. Each returns one self-contained `<svg>` string.
 *
 * What it is not: interactive, animated, or general. No scripts, no external fonts, no ids (so charts can
 * be pasted into one page without clashes). Every piece of text goes through `esc`; a full legend name
 * that had to be shortened is kept in a `<title>` (the browser's tooltip). Missing values (null, or
 * non-finite numbers) break a line rather than drop to zero; a point with no neighbour is drawn as a dot,
 * so a one-step run still shows its value. Axis ranges come from `niceTicks` (ticks.ts).
 */
import { esc } from './html.js';
import { linearScale } from './ticks.js';
import { M, fin, px, span, axisTicks, type Plot, frame, legendWidth, type Swatch, legendBlock, polyline, noData, type Point, type Frame } from './svg-frame.js';

export { axisTicks, type Frame, type Point } from './svg-frame.js';
export { barChart, densityCurve, histogramChart, type BarChartOptions, type BarSeries, type HistogramOptions } from './svg-bars.js';

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
