// A small well-formedness check for the generated pages, strict where our output should be strict:
// every `<` opens a known-shaped tag (so unescaped text cannot hide), tags balance (HTML void elements and
// SVG self-closing tags excepted), every `&` starts an entity, no raw `>` in text, attribute values are
// double-quoted without `<` or `>`. Also the content rules of the reports: no script, no event handler
// attributes, no network URL (only the SVG namespace), no NaN / undefined / Infinity anywhere.
const VOID = new Set(['meta', 'link', 'br', 'hr', 'img', 'input', 'area', 'base', 'col', 'embed', 'source', 'track', 'wbr']);
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:="[^"<>]*")?)*)\s*(\/?)>/y;
const ENTITY = /^&(amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);/;

export function htmlProblems(html: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let i = 0;
  const doctype = '<!DOCTYPE html>';
  if (html.startsWith(doctype)) i = doctype.length;
  while (i < html.length) {
    const c = html[i];
    if (c === '<') {
      TAG.lastIndex = i;
      const m = TAG.exec(html);
      if (!m) {
        problems.push(`stray '<' at ${i}: ${JSON.stringify(html.slice(i, i + 30))}`);
        i++;
        continue;
      }
      const [all, close, rawName, attrs, selfClose] = m;
      const name = rawName.toLowerCase();
      if (/\son[a-z]+=/i.test(attrs)) problems.push(`event handler attribute on <${name}> at ${i}`);
      if (close) {
        const top = stack.pop();
        if (top !== name) problems.push(`</${name}> at ${i} closes <${top ?? 'nothing'}>`);
      } else if (!selfClose && !VOID.has(name)) stack.push(name);
      i += all.length;
      if (name === 'style' && !close) {
        // Raw text up to </style>: CSS is ours, not data.
        const end = html.indexOf('</style>', i);
        i = end < 0 ? html.length : end;
      }
      continue;
    }
    if (c === '&' && !ENTITY.test(html.slice(i, i + 12))) problems.push(`bare '&' at ${i}: ${JSON.stringify(html.slice(i, i + 20))}`);
    if (c === '>') problems.push(`raw '>' in text at ${i}: ${JSON.stringify(html.slice(Math.max(0, i - 20), i + 5))}`);
    i++;
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(' > ')}`);
  if (/<script/i.test(html)) problems.push('contains a <script');
  for (const bad of ['NaN', 'undefined', 'Infinity']) if (html.includes(bad)) problems.push(`contains ${bad} at ${html.indexOf(bad)}`);
  const urls = [...html.matchAll(/(?:https?:)?\/\/[a-zA-Z0-9.-]+\.[a-z]{2,}[^\s"'<>]*/g)].map((m) => m[0]).filter((u) => u !== 'http://www.w3.org/2000/svg');
  if (urls.length) problems.push(`network URLs: ${urls.slice(0, 3).join(', ')}`);
  return problems;
}

/** The ids of the <section>/<header> elements, in order. */
export function sectionIds(html: string): string[] {
  return [...html.matchAll(/<(?:section|header) id="([^"]*)"/g)].map((m) => m[1]);
}
