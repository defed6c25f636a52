/**
 * docs/porting.md promises that its shell blocks run as written: this runs them, in order, in one bash
 * from the repository root, and compares what each prints with the `text` block right under it. The
 * blocks need python3 (standard library only); without it the test is skipped, saying so.
 *
 * Printed worst errors (`worst |error| 4.4e-16`) are compared by shape only: their last digits depend on
 * the Python version's float formatting of statistics.stdev, not on this project.
 * Not here: the CLI's own behaviour (advantages.spec.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DOC = resolve(ROOT, 'docs/porting.md');

function hasPython(): boolean {
  try {
    execFileSync('python3', ['-c', 'import statistics; statistics.NormalDist'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface Block {
  readonly code: string;
  /** The `text` block directly under it (only blank lines between), if any. */
  readonly expected?: string;
}

/** The fenced ```sh blocks of a Markdown text, each with the ```text block right after it. */
function shellBlocks(markdown: string): Block[] {
  const fence = /```(\w*)\n([\s\S]*?)```/g;
  const found: { lang: string; body: string; start: number; end: number }[] = [];
  for (let m = fence.exec(markdown); m !== null; m = fence.exec(markdown)) {
    found.push({ lang: m[1], body: m[2], start: m.index, end: m.index + m[0].length });
  }
  const blocks: Block[] = [];
  found.forEach((f, i) => {
    if (f.lang !== 'sh') return;
    const next = found[i + 1];
    const adjacent = next !== undefined && next.lang === 'text' && markdown.slice(f.end, next.start).trim() === '';
    blocks.push({ code: f.body, expected: adjacent ? next.body : undefined });
  });
  return blocks;
}

const shape = (text: string): string => text.replace(/worst \|error\| \d\.\de[+-]\d+/g, 'worst |error| #').trimEnd();

describe('docs/porting.md', () => {
  const blocks = shellBlocks(readFileSync(DOC, 'utf8'));

  it('has shell blocks with the output they print', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    expect(blocks.filter((b) => b.expected !== undefined).length).toBeGreaterThanOrEqual(4);
  });

  it.skipIf(!hasPython())('every shell block runs, in order, and prints what the page shows (needs python3)', () => {
    const marker = (i: number): string => `@@porting-doc block ${i}@@`;
    const script = [
      'set -eo pipefail',
      ...blocks.map((b, i) => `${b.code}\necho '${marker(i)}'`),
      'rm -rf "$PORT"',
    ].join('\n');
    const r = spawnSync('bash', ['-c', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    expect(r.status, `bash failed:\n${r.stderr}`).toBe(0);
    let rest = r.stdout;
    blocks.forEach((b, i) => {
      const at = rest.indexOf(`${marker(i)}\n`);
      expect(at, `block ${i + 1} did not finish:\n${r.stderr}`).toBeGreaterThanOrEqual(0);
      const printed = rest.slice(0, at);
      rest = rest.slice(at + marker(i).length + 1);
      if (b.expected !== undefined) expect(shape(printed), `output of shell block ${i + 1}`).toBe(shape(b.expected));
    });
  });
});
