/**
 * `g2rpo advantages` as users run it: a child process (`node --import tsx src/cli.ts advantages`), its
 * stdin, stdout, stderr and exit code. Checks the golden files (every case of every
 * ../shared/conformance/advantages/*.jsonl, one process per file), each bad-input class (exit 2, one
 * stderr line naming line and field, empty stdout), --help, a pretty-printed single object, and the bin.
 *
 * Not here: the flag parser and input splitting in isolation (args.spec.ts, in-process). Spawns are kept
 * few (each costs ~0.3 s) and the independent ones run concurrently.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { computeAdvantages } from '../../src/rl/advantages/index.js';
import type { EstimatorOptions, RewardBatch } from '../../src/rl/advantages/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CONFORMANCE = resolve(ROOT, '../shared/conformance/advantages');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <script> <args>` from the repo root with `stdin` piped in. */
function run(script: string, args: readonly string[], stdin: string): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      process.execPath,
      script === 'bin/g2rpo.js' ? [script, ...args] : ['--import', 'tsx', script, ...args],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') reject(error);
        else resolvePromise({ code: error === null ? 0 : (error.code as number), stdout, stderr });
      },
    );
    child.stdin?.end(stdin);
  });
}

const cli = (args: readonly string[], stdin = ''): Promise<Result> => run('src/cli.ts', ['advantages', ...args], stdin);

interface GoldenCase {
  input: RewardBatch;
  expected: number[];
}

/** Which flags (and library options) each golden file was made with; a new file must be added here. */
const GOLDEN_OPTIONS: Record<string, { flags: string[]; options: EstimatorOptions }> = {
  'g2rpo.jsonl': { flags: [], options: { estimator: 'g2rpo' } },
  'g2rpo-exclude-degenerate.jsonl': { flags: ['--exclude-degenerate'], options: { estimator: 'g2rpo', excludeDegenerate: true } },
  'g2rpo-task-stage-none.jsonl': { flags: ['--task-stage', 'none'], options: { estimator: 'g2rpo', taskStage: 'none' } },
  'g2rpo-task-stage-scale.jsonl': { flags: ['--task-stage', 'scale'], options: { estimator: 'g2rpo', taskStage: 'scale' } },
  'grpo.jsonl': { flags: ['--estimator', 'grpo'], options: { estimator: 'grpo' } },
};

function goldenFiles(): string[] {
  // Fail, not skip: a missing shared folder would otherwise turn the conformance check into a no-op.
  if (!existsSync(CONFORMANCE)) throw new Error(`conformance folder missing: ${CONFORMANCE}`);
  const files = readdirSync(CONFORMANCE).filter((f) => f.endsWith('.jsonl')).sort();
  if (files.length === 0) throw new Error(`no *.jsonl in ${CONFORMANCE}`);
  return files;
}

function parseOutput(stdout: string): number[][] {
  expect(stdout.endsWith('\n')).toBe(true);
  return stdout
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const record = JSON.parse(line) as { advantages: number[] };
      expect(Object.keys(record)).toEqual(['advantages']);
      return record.advantages;
    });
}

/** One stderr line, `g2rpo advantages: <where>: …`, nothing on stdout, exit 2. */
function expectBadInput(r: Result, where: string): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.endsWith('\n')).toBe(true);
  expect(r.stderr.slice(0, -1)).not.toContain('\n');
  expect(r.stderr.startsWith(`g2rpo advantages: ${where}`)).toBe(true);
}

describe('conformance: every golden case through the CLI, one process per file', () => {
  const files = goldenFiles();

  it('every golden file has known options', () => {
    for (const f of files) expect(GOLDEN_OPTIONS[f], `add ${f} to GOLDEN_OPTIONS`).toBeDefined();
  });

  describe.concurrent.each(files)('%s', (file) => {
    it('each output is within 1e-9 of expected (the README tolerance)', async () => {
      const text = readFileSync(join(CONFORMANCE, file), 'utf8');
      const cases = text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as GoldenCase);
      expect(cases.length).toBeGreaterThan(0);
      // g2rpo.jsonl goes in as plain batches, the others as golden records {input, expected}: both forms.
      const stdin = file === 'g2rpo.jsonl' ? cases.map((c) => JSON.stringify(c.input)).join('\n') + '\n' : text;
      const r = await cli(GOLDEN_OPTIONS[file].flags, stdin);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const got = parseOutput(r.stdout);
      expect(got.length).toBe(cases.length);
      // |got − expected| ≤ 1e-9 absolute, as the conformance README states; report the worst case.
      let worst = { err: 0, at: '' };
      for (let c = 0; c < cases.length; c++) {
        expect(got[c].length, `case ${c + 1} length`).toBe(cases[c].expected.length);
        for (let i = 0; i < got[c].length; i++) {
          const err = Math.abs(got[c][i] - cases[c].expected[i]);
          if (!(err <= worst.err)) worst = { err, at: `case ${c + 1} (line ${c + 1}) index ${i}` };
        }
      }
      expect(worst.err, `worst |error| at ${worst.at}`).toBeLessThanOrEqual(1e-9);
    });
  });

  it('printed numbers round-trip: the CLI output equals the library bit for bit (g2rpo.jsonl)', async () => {
    const cases = readFileSync(join(CONFORMANCE, 'g2rpo.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as GoldenCase);
    const r = await cli([], cases.map((c) => JSON.stringify(c)).join('\n'));
    const got = parseOutput(r.stdout);
    cases.forEach((c, k) => {
      const lib = Array.from(computeAdvantages(c.input, { estimator: 'g2rpo' }));
      // Object.is would tell −0 from 0; JSON has no −0, so compare with === (which equates them).
      const firstDiff = lib.findIndex((v, i) => v !== got[k][i]);
      expect(firstDiff, `case ${k + 1}`).toBe(-1);
    });
  });
});

describe.concurrent('bad input: exit 2, one stderr line naming line and field, nothing on stdout', () => {
  const good = '{"rewards":[1,0],"groups":[0,0]}';

  it('not JSON (after a good line)', async () => {
    expectBadInput(await cli([], `${good}\n{"rewards": [1, 2}\n`), 'line 2: input: not valid JSON');
  });
  it('a missing field', async () => {
    expectBadInput(await cli([], `${good}\n{"rewards":[1,2]}\n`), 'line 2: groups: missing');
  });
  it('a length mismatch', async () => {
    expectBadInput(
      await cli([], '{"rewards":[1,2,3],"groups":[0,0,0],"tasks":["a","b"]}'),
      'line 1: tasks: length 2 does not match rewards length 3',
    );
  });
  it('a non-finite reward: 1e999 parses to Infinity (after a blank line, which still counts)', async () => {
    expectBadInput(await cli([], `${good}\n\n{"rewards":[0,1e999],"groups":[0,0]}\n`), 'line 3: rewards[1]: not a finite number');
  });
  it('empty rewards', async () => {
    expectBadInput(await cli([], '{"rewards":[],"groups":[]}'), 'line 1: rewards: empty');
  });
  it('an unknown field in a batch (a typo must not silently drop the tasks)', async () => {
    expectBadInput(await cli([], '{"rewards":[1,0],"groups":[0,0],"task":[0,0]}'), 'line 1: task: unknown field');
  });
  it('an option that does not apply to the estimator', async () => {
    expectBadInput(await cli(['--scale', 'batch'], good), '--scale: does not apply to --estimator g2rpo');
  });
  it('an unknown flag', async () => {
    expectBadInput(await cli(['--task_stage', 'ot'], good), '--task_stage: unknown option');
  });
  it('empty standard input', async () => {
    expectBadInput(await cli([], '\n  \n'), 'standard input: empty');
  });
  it('a golden record whose input is broken names input.<field>', async () => {
    expectBadInput(await cli([], '{"input":{"rewards":[1,"x"],"groups":[0,0]},"expected":[0,0]}'), 'line 1: input.rewards[1]:');
  });
});

describe.concurrent('usage and input forms', () => {
  it('--help prints usage with examples to stdout, exit 0, without reading stdin', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Usage: g2rpo advantages/);
    for (const flag of ['--estimator', '--task-stage', '--exclude-degenerate', '--scale', '--std', '--precision']) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toContain('Examples:');
  });

  it('one pretty-printed object (over several lines) is one input', async () => {
    const batch = { rewards: [0.1, 0.1, 0.1, 0.2, 1.0, 1, 0], groups: [0, 0, 0, 0, 0, 'b', 'b'], tasks: [0, 0, 0, 0, 0, 1, 1] };
    const r = await cli([], `\n${JSON.stringify(batch, null, 2)}\n`);
    expect(r.code).toBe(0);
    const got = parseOutput(r.stdout);
    expect(got).toEqual([Array.from(computeAdvantages(batch, { estimator: 'g2rpo' }))]);
  });

  it('the bin entry (bin/g2rpo.js) runs the same command; no command → usage on stderr, exit 2', async () => {
    const [viaBin, bare] = await Promise.all([
      run('bin/g2rpo.js', ['advantages'], '{"rewards":[0,0,0,0,1],"groups":[0,0,0,0,0]}'),
      run('bin/g2rpo.js', [], ''),
    ]);
    expect(viaBin.code).toBe(0);
    // Paper Fig. 2: [0,0,0,0,1] → [−0.320 ×4, 1.282] (Φ⁻¹(0.9) = 1.2815515655446004 ± 1 ulp).
    const [adv] = parseOutput(viaBin.stdout);
    expect(adv[4]).toBeCloseTo(1.2815515655446, 12);
    expect(adv[0]).toBeCloseTo(-1.2815515655446 / 4, 12);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('Usage: g2rpo <command>');
  });
});
