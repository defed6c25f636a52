// The README's quick starts run as written: the library example prints 12 advantages that match the
// library, and the CLI example prints exactly the line the README shows under it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const tsx = ['--import', 'tsx'];

describe('README quick starts', () => {
  it('the library example runs and prints one advantage per response', () => {
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'README has a ts block').toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'readme-'));
    try {
      const file = join(dir, 'example.ts');
      writeFileSync(file, block!.replace("'./src/index.js'", JSON.stringify(join(root, 'src/index.ts'))));
      const out = execFileSync(process.execPath, [...tsx, file], { cwd: root, encoding: 'utf8' }).trim();
      const values = out.split(' ').map(Number);
      expect(values).toHaveLength(12);
      // per task the G²RPO `ot` advantages sum to zero (8 math responses, 4 grounding), up to the 3-decimal print
      expect(Math.abs(values.slice(0, 8).reduce((a, b) => a + b))).toBeLessThan(5e-3);
      expect(Math.abs(values.slice(8).reduce((a, b) => a + b))).toBeLessThan(5e-3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the CLI example prints the line shown under it', () => {
    const m = /echo '(.*)' \| npx tsx src\/cli\.ts advantages\n# (.*)\n/.exec(readme);
    expect(m, 'README has the echo | advantages example').not.toBeNull();
    const out = execFileSync(process.execPath, [...tsx, 'src/cli.ts', 'advantages'], {
      cwd: root,
      input: m![1] + '\n',
      encoding: 'utf8',
    });
    expect(out.trim()).toBe(m![2]);
  });
});
