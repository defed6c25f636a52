/**
 * HTML building blocks of the reports: escaping, the page shell with its inline stylesheet, sections,
 * figures with their "how to read it" captions, tables, and compact JSON for config values.
 *
 * What it is not: a template engine. Every function returns a string; every piece of text that comes
 * from data (run names, task names, config values) goes through `esc` exactly once, at the point where
 * it becomes HTML — so a task named `<script>` prints as text and never as markup. The page needs no
 * script and no network: styles are inline, charts are inline SVG.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and for quoted attribute values alike. */
export function esc(text: string | number | boolean | null | undefined): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #222; margin: 0 auto; max-width: 1320px; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
p.lead { color: #555; margin: 0 0 12px; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
details { margin: 8px 0; } details > summary { cursor: pointer; font-weight: 600; margin: 4px 0; }
th { background: #f5f5f5; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 8px 0 18px; } figcaption { color: #444; font-size: 13px; max-width: 900px; margin-top: 2px; }
figcaption b { color: #222; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 4px 18px; }
.grid.wide { grid-template-columns: repeat(auto-fill, minmax(580px, 1fr)); }
.grid figure { margin: 4px 0; }
.warn { background: #fff6e0; border: 1px solid #e6c36a; padding: 6px 10px; margin: 8px 0; }
.yes { color: #006d4f; font-weight: 600; } .no { color: #a33b00; font-weight: 600; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
code { background: #f3f3f3; padding: 0 3px; }
`;

/** A complete, self-contained HTML document. */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** A section with an id (tests and links find sections by it) and a heading. */
export function section(id: string, title: string, content: string): string {
  return `<section id="${esc(id)}">\n<h2>${esc(title)}</h2>\n${content}\n</section>\n`;
}

/** A chart with its caption: what is drawn, then one sentence on how to read it. */
export function figure(svg: string, howToRead: string): string {
  return `<figure>${svg}<figcaption><b>How to read it:</b> ${esc(howToRead)}</figcaption></figure>`;
}

/**
 * Several figures side by side: small (420 px) charts three to a row, `wide` (620 px) ones two, on a
 * window of 1300 px or more (the columns' minimum is a little under the charts' width, which scale down).
 */
export function grid(items: readonly string[], wide = false): string {
  return `<div class="grid${wide ? ' wide' : ''}">${items.join('\n')}</div>`;
}

/** Small multiples under one caption: the charts (bare SVG) in a grid, then how to read all of them. */
export function figureGrid(svgs: readonly string[], howToRead: string, wide = false): string {
  return `<figure>${grid(svgs, wide)}<figcaption><b>How to read it:</b> ${esc(howToRead)}</figcaption></figure>`;
}

export function paragraph(text: string, cls = ''): string {
  return cls ? `<p class="${esc(cls)}">${esc(text)}</p>` : `<p>${esc(text)}</p>`;
}

/** A cell: text (escaped), or a number right-aligned; `{ html }` passes pre-built, already escaped markup. */
export type Cell = string | number | null | { html: string } | { num: string };

function cell(c: Cell, tag: 'td' | 'th'): string {
  if (c === null) return `<${tag}>—</${tag}>`;
  if (typeof c === 'number') return `<${tag} class="num">${esc(String(c))}</${tag}>`;
  if (typeof c === 'string') return `<${tag}>${esc(c)}</${tag}>`;
  if ('num' in c) return `<${tag} class="num">${esc(c.num)}</${tag}>`;
  return `<${tag}>${c.html}</${tag}>`;
}

/** A table with one header row; the first cell of each body row is a row header. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const head = `<tr>${headers.map((h) => cell(h, 'th')).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c, i) => cell(c, i === 0 ? 'th' : 'td')).join('')}</tr>`).join('\n');
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** A yes/no verdict with a class for colour (the word is there too, so it reads without colour). */
export function verdict(ok: boolean): { html: string } {
  return { html: ok ? '<span class="yes">yes</span>' : '<span class="no">no</span>' };
}

/** A config value as short text: scalars as they are, arrays and objects as compact JSON. */
export function configText(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
