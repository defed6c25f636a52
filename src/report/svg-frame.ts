/**
 * What every chart of svg.ts / svg-bars.ts shares: the point and frame types, margins, the data span and
 * axis ticks, the frame (axes, grid, title, labels), the legend block, polylines with gaps, "no data".
 *
 * Not here: the charts themselves (svg.ts: lines; svg-bars.ts: histogram and bars).
 */
import { esc } from './html.js';
import { formatTick, niceTicks, type Ticks } from './ticks.js';

export interface Point {
  readonly x: number;
  readonly y: number | null;
}
export interface Frame {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
}

/** Legend text is 11 px; ~6.6 px per character of DejaVu Sans / system-ui at that size. */
const LEGEND_CHAR_PX = 6.6;
const LEGEND_CHARS = 26;
export const M = { top: 30, bottom: 44, left: 66, right: 14 };

export const fin = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v);
export const px = (v: number) => v.toFixed(1);

export function span(values: readonly number[], include: readonly number[] = []): [number, number] | null {
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

export interface Plot {
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
export function frame(f: Frame, plot: Plot, width: number, height: number, body: string, legend: string): string {
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
export function legendWidth(names: readonly string[]): number {
  if (names.length === 0) return 0;
  const chars = Math.min(LEGEND_CHARS, Math.max(...names.map((n) => n.length)));
  return Math.ceil(28 + LEGEND_CHAR_PX * chars + 12);
}

export type Swatch = { kind: 'line'; color: string; dash?: string; width?: number } | { kind: 'box'; color: string; opacity: number } | { kind: 'none' };

export function legendBlock(entries: readonly { name: string; swatch: Swatch }[], x: number, top: number): string {
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
export function polyline(points: readonly Point[], sx: (v: number) => number, sy: (v: number) => number): { d: string; dots: [number, number][] } {
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

export function noData(plot: Plot): string {
  return `<text x="${px((plot.left + plot.right) / 2)}" y="${px((plot.top + plot.bottom) / 2)}" text-anchor="middle" font-size="13" fill="#888">no data</text>`;
}
