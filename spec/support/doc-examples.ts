// The harness behind the docs specs: every ```ts block of a page that is immediately followed by a
// ```text block is an example; it is written to a temporary file with its `./src/...` imports made
// absolute, imported in-process (no child process: fast), and what it prints must equal the text block.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** Pairs of (code, expected output): a ```ts block immediately followed by a ```text block. */
export function docExamples(md: string): { code: string; output: string }[] {
  const blocks = [...md.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], body: m[2], end: m.index! + m[0].length, start: m.index! }));
  const out: { code: string; output: string }[] = [];
  for (let i = 0; i + 1 < blocks.length; i++) {
    const [a, b] = [blocks[i], blocks[i + 1]];
    if (a.lang === 'ts' && b.lang === 'text' && md.slice(a.end, b.start).trim() === '') out.push({ code: a.body, output: b.body });
  }
  return out;
}

/** Registers one test per example of `page` (a path relative to the repo), after checking their count. */
export function describeDocExamples(page: string, expectedCount: number, what: string): void {
  const md = readFileSync(join(repoRoot, page), 'utf8');
  describe(`${page} examples`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'docs-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const found = docExamples(md);

    it(`the page has its examples (${what})`, () => {
      expect(found.length).toBe(expectedCount);
    });

    found.forEach(({ code, output }, k) => {
      it(`example ${k + 1} prints what the page shows`, async () => {
        const file = join(dir, `example-${k}.ts`);
        writeFileSync(file, code.replaceAll("from './src/", `from '${join(repoRoot, 'src')}/`));
        const lines: string[] = [];
        const log = console.log;
        console.log = (...args: unknown[]) => void lines.push(format(...args));
        try {
          await import(/* @vite-ignore */ file);
        } finally {
          console.log = log;
        }
        expect(lines.join('\n') + '\n').toBe(output);
      });
    });
  });
}
