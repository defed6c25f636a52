// The runnable example of docs/loss.md runs and prints what the page says it prints.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');

function blocks(): { code: string; output: string } {
  const md = readFileSync(join(root, 'docs/loss.md'), 'utf8');
  const at = md.indexOf('<!-- example:policy-loss -->');
  expect(at, 'marker in docs/loss.md').toBeGreaterThanOrEqual(0);
  const code = /```ts\n([\s\S]*?)```/.exec(md.slice(at));
  const output = /```text\n([\s\S]*?)```/.exec(md.slice(at));
  if (code === null || output === null) throw new Error('docs/loss.md: example or output block missing');
  return { code: code[1], output: output[1] };
}

describe('docs/loss.md example', () => {
  it('runs under tsx and prints the documented output (docs/loss.md)', () => {
    const { code, output } = blocks();
    // The page imports from the repository root; the copy runs from a temp dir, so point it at src/.
    const src = pathToFileURL(join(root, 'src/rl/loss/index.ts')).href;
    const rewritten = code.replace("'./src/rl/loss/index.js'", `'${src}'`);
    expect(rewritten).not.toBe(code);
    const dir = mkdtempSync(join(tmpdir(), 'loss-doc-'));
    try {
      const file = join(dir, 'example.mts');
      writeFileSync(file, rewritten);
      const stdout = execFileSync(join(root, 'node_modules/.bin/tsx'), [file], { encoding: 'utf8', cwd: root });
      expect(stdout).toBe(output);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
