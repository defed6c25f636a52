/**
 * docs/api.md promises that its examples run as written and print what the page shows, and that its
 * export tables name real exports. This spec holds it to both:
 *
 * - every ```ts block is followed by a ```text block; each block is written to a temporary `.mts` file
 *   (ESM, so top-level await works) with its `./src/` and `../src/` imports made absolute, run as its
 *   own process with `node --import tsx` from the repository root, and its stdout must equal the text
 *   block exactly (and stderr must be empty: a warning on the way is a change of behaviour too). A child
 *   process rather than the in-process import of spec/rl/shaping/docs.spec.ts, so that each example runs
 *   as a reader runs it (`npx tsx example.ts`): its own module state (grad mode, backend, gemm pool), its
 *   real stdout, stderr and exit code;
 * - every name in the first column of a table under a `## \`src/…\`` heading whose kind is not a type is
 *   a runtime export of that module;
 * - the examples type-check under the project's strict tsconfig (tsx runs them without checking types);
 * - every public entry point has at least one example importing it.
 *
 * Not here: the behaviour the examples show (each module's own specs test that).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// Concurrent tests take `expect` from their context (vitest attributes assertions per test that way).
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const PAGE = readFileSync(join(ROOT, 'docs/api.md'), 'utf8');

interface Fence {
  readonly lang: string;
  readonly body: string;
  readonly start: number;
  readonly end: number;
}

interface Example {
  readonly code: string;
  /** The ```text block right after it (only blank lines between), or undefined when there is none. */
  readonly output: string | undefined;
  /** The line of the page where the ts block starts (1-based), for failure messages and titles. */
  readonly line: number;
}

function fences(md: string): Fence[] {
  return [...md.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1],
    body: m[2],
    start: m.index,
    end: m.index + m[0].length,
  }));
}

function examples(md: string): Example[] {
  const fs = fences(md);
  return fs.flatMap((f, i) => {
    if (f.lang !== 'ts') return [];
    const next = fs[i + 1];
    const adjacent = next !== undefined && next.lang === 'text' && md.slice(f.end, next.start).trim() === '';
    return [{ code: f.body, output: adjacent ? next.body : undefined, line: md.slice(0, f.start).split('\n').length }];
  });
}

/** `./src/x` or `../src/x` in an import specifier → the absolute path of the repository's src/x. */
function absolutise(code: string): string {
  return code.replace(/(from\s+|import\s+)(['"])\.{1,2}\/src\//g, `$1$2${ROOT}/src/`);
}

/**
 * At most `limit` example processes at once: each is a node + tsx start (~0.5 s of CPU) and this machine
 * has few cores shared with other work; more at once only makes each slower.
 */
function limiter(limit: number): <T>(job: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (job) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await job();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** Runs node with `args` from the repository root. */
function run(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

const found = examples(PAGE);
const dir = mkdtempSync(join(tmpdir(), 'api-doc-'));
const limit = limiter(Math.max(2, Math.min(4, availableParallelism())));

describe('docs/api.md examples', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every ts block has the text block it prints right under it', () => {
    expect(found.length).toBeGreaterThanOrEqual(10);
    expect(found.filter((e) => e.output === undefined).map((e) => `line ${e.line}`)).toEqual([]);
  });

  it('the examples import every entry point of the library', () => {
    const imported = new Set(found.flatMap((e) => [...e.code.matchAll(/from '\.\/(src\/[^']+)'/g)].map((m) => m[1])));
    for (const entry of ['src/index.js', 'src/tensor/index.js', 'src/nn/index.js', 'src/optim/index.js', 'src/io/safetensors.js', 'src/tasks/index.js', 'src/vlm/index.js']) {
      expect(imported, `no example imports ./${entry}`).toContain(entry);
    }
  });

  it.concurrent('the examples type-check under the project tsconfig', async ({ expect }) => {
    const tc = join(dir, 'typecheck');
    mkdirSync(tc);
    found.forEach((e, k) => writeFileSync(join(tc, `example-${k}.mts`), absolutise(e.code)));
    const config = {
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { noEmit: true, typeRoots: [join(ROOT, 'node_modules/@types')] },
      include: [join(tc, '*.mts')],
    };
    writeFileSync(join(tc, 'tsconfig.json'), JSON.stringify(config));
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const r = await limit(() => run([tsc, '-p', join(tc, 'tsconfig.json')]));
    // Paths are printed relative to the repository root. Errors in the src/ files the examples import
    // are their owners' to fix (and `npx tsc --noEmit` reports them); every other error is this page's,
    // including a broken config (TS5xxx, no path).
    const errors = r.stdout.split('\n').filter((l) => l.includes('error TS') && !l.startsWith('src/'));
    expect(errors).toEqual([]);
    // and tsc did run: a clean exit, or a failure that it explained (a crash would print nothing above)
    expect(r.stderr).toBe('');
    expect(r.code === 0 || r.stdout.includes('error TS'), `tsc exited ${r.code}:\n${r.stdout}`).toBe(true);
  });

  found.forEach((e, k) => {
    it.concurrent(`the example at line ${e.line} prints what the page shows`, async ({ expect }) => {
      const file = join(dir, `example-${k}.mts`);
      writeFileSync(file, absolutise(e.code));
      const r = await limit(() => run(['--import', 'tsx', file]));
      expect(r.stderr, `stderr of the example at line ${e.line}`).toBe('');
      expect(r.code, `exit code of the example at line ${e.line}`).toBe(0);
      expect(r.stdout).toBe(e.output);
    });
  });
});

/**
 * The module each `## \`src/…\`` section documents, and the runtime names its tables list: every
 * backticked name in a row's first cell, paired with the row's kinds (`const, function` for two names;
 * one kind for all of them). Types and interfaces have no runtime value and are skipped; a row that
 * mixes them with values must give one kind per name.
 */
function tableNames(md: string): { module: string; names: string[]; ambiguous: string[] }[] {
  const sections = md.split(/^## /m).slice(1);
  return sections.flatMap((s) => {
    const heading = /^`(src\/[^`]+\.ts)`/.exec(s);
    if (heading === null) return [];
    const names: string[] = [];
    const ambiguous: string[] = [];
    for (const row of s.split('\n')) {
      // | `name…`, `name…` | kind, kind | … |: cells[0] is the empty text before the first bar; `\|` is a
      // bar inside a cell
      const cells = row.split(/(?<!\\)\|/).map((c) => c.trim());
      if (cells.length < 4 || !cells[1].startsWith('`')) continue;
      const rowNames = [...cells[1].matchAll(/`([A-Za-z_$][\w$]*)/g)].map((m) => m[1]);
      const kinds = cells[2].split(',').map((k) => k.trim());
      const isType = (k: string): boolean => k === 'type' || k === 'interface';
      if (kinds.length === rowNames.length) rowNames.forEach((n, i) => isType(kinds[i]) || names.push(n));
      else if (kinds.length === 1) (isType(kinds[0]) ? [] : rowNames).forEach((n) => names.push(n));
      else if (kinds.some(isType)) ambiguous.push(row);
      else names.push(...rowNames);
    }
    return [{ module: heading[1], names, ambiguous }];
  });
}

describe('docs/api.md export tables', () => {
  const tables = tableNames(PAGE);

  it('has a section with a table for each entry point', () => {
    expect(tables.map((t) => t.module)).toEqual([
      'src/index.ts',
      'src/tensor/index.ts',
      'src/nn/index.ts',
      'src/optim/index.ts',
      'src/io/safetensors.ts',
      'src/tasks/index.ts',
      'src/vlm/index.ts',
    ]);
    for (const t of tables) expect(t.names.length, t.module).toBeGreaterThan(3);
  });

  it.each(tables.map((t) => [t.module, t] as const))('every value listed for %s is exported by it', async (_, t) => {
    const mod = (await import(/* @vite-ignore */ join(ROOT, t.module))) as Record<string, unknown>;
    expect(t.ambiguous, 'rows that mix types and values without one kind per name').toEqual([]);
    const missing = t.names.filter((n) => !(n in mod));
    expect(missing).toEqual([]);
  });
});
