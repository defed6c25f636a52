// Keeps proofs/ and spec/ tied together (style.md §4): every proof file is named in the title of some
// test, and every spec file a proof cites exists.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const proofs = readdirSync(join(root, 'proofs')).filter((f) => f.endsWith('.md') && f !== 'README.md');

function specFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? specFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}
const specs = specFiles(join(root, 'spec')).filter((f) => !f.endsWith('proofs-index.spec.ts'));
const specText = specs.map((f) => readFileSync(f, 'utf8')).join('\n');

describe('proofs ↔ specs', () => {
  it('there are proofs to check', () => expect(proofs.length).toBeGreaterThanOrEqual(8));

  it.each(proofs)('proofs/%s is named by at least one spec', (file) => {
    expect(specText.includes(`proofs/${file}`), `no spec mentions proofs/${file}`).toBe(true);
  });

  it.each(proofs)('every spec file cited in proofs/%s exists', (file) => {
    const text = readFileSync(join(root, 'proofs', file), 'utf8');
    const cited = new Set(text.match(/spec\/[\w\-/]+\.spec\.ts/g) ?? []);
    const missing = [...cited].filter((p) => !existsSync(join(root, p)));
    expect(missing, `${relative(root, join(root, 'proofs', file))} cites missing files`).toEqual([]);
  });
});
