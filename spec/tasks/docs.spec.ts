// Runs every `ts` example of docs/tasks.md and compares what it prints with the `text` block that
// follows it, so the page (its pictures included) cannot drift from the code. Same harness as
// spec/rl/shaping/docs.spec.ts: each example is written to a temporary file with its `./src/...`
// imports made absolute, then imported in-process.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const page = readFileSync(join(root, 'docs/tasks.md'), 'utf8');

/** Pairs of (code, expected output): a ```ts block immediately followed by a ```text block. */
function examples(md: string): { code: string; output: string }[] {
  const blocks = [...md.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], body: m[2], end: m.index! + m[0].length, start: m.index! }));
  const out: { code: string; output: string }[] = [];
  for (let i = 0; i + 1 < blocks.length; i++) {
    const [a, b] = [blocks[i], blocks[i + 1]];
    if (a.lang === 'ts' && b.lang === 'text' && md.slice(a.end, b.start).trim() === '') out.push({ code: a.body, output: b.body });
  }
  return out;
}

describe('docs/tasks.md examples', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tasks-docs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const found = examples(page);

  it('the page has its examples (the quick start, one picture per family, the vocabulary)', () => {
    expect(found.length).toBe(8);
  });

  found.forEach(({ code, output }, k) => {
    it(`example ${k + 1} prints what the page shows`, async () => {
      const file = join(dir, `example-${k}.ts`);
      writeFileSync(file, code.replaceAll("from './src/", `from '${join(root, 'src')}/`));
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
