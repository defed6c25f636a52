// The `train` and `compare` commands through their CommandIO (no child process: src/cli.ts's command
// table is the lead's to extend): help lists every flag; bad flags and bad values exit 2 with one line
// naming the field before any work; a tiny run prints the learning test's verdicts; --stop-after then
// --resume finishes the run; compare writes compare.json with a verdict per G²RPO variant against GRPO.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareCommand } from '../../src/cli/compare.js';
import { parseArgs } from '../../src/cli/args.js';
import { TRAIN_FLAGS, configInputFromFlags, trainCommand } from '../../src/cli/train.js';
import { QUICK, resolveConfig } from '../../src/train/config.js';
import { VARIANTS } from '../../src/train/compare.js';
import { captureIO } from '../support/capture-io.js';

const out = mkdtempSync(join(tmpdir(), 'g2rpo-cli-'));

const io = captureIO;

/** Flags of a run small enough for a spec: 2 tasks, 2 steps, 2 SFT steps, 2 eval examples. */
const TINY = ['--out', out, '--tasks', 'math,spatial', '--steps', '2', '--prompts', '2', '--group-size', '2', '--sft-steps', '2', '--eval-examples', '2', '--eval-every', '1'];

describe('g2rpo train', () => {
  it('--help lists every flag and exits 0', async () => {
    const x = io();
    expect(await trainCommand.run(['--help'], x)).toBe(0);
    for (const f of TRAIN_FLAGS) expect(x.stdout).toContain(`--${f.name}`);
  });

  it('--quick is the QUICK configuration; a flag given beside it overrides only its own field', () => {
    const config = (argv: string[]) => resolveConfig(configInputFromFlags(parseArgs(argv, TRAIN_FLAGS)));
    const q = config(['--quick']);
    expect([q.steps, q.promptsPerStep, q.groupSize, q.evalExamples, q.sft.steps]).toEqual([QUICK.steps, QUICK.promptsPerStep, QUICK.groupSize, QUICK.evalExamples, QUICK.sft!.steps]);
    expect(q.name).toBe('g2rpo-ot-vlm-nano-s0-quick');
    const q5 = config(['--quick', '--steps', '5', '--sft-steps', '7']);
    expect([q5.steps, q5.promptsPerStep, q5.sft.steps, q5.sft.batchSize]).toEqual([5, QUICK.promptsPerStep, 7, QUICK.sft!.batchSize]);
  });

  it('a --quick run updates the model in every step (the smoke run exercises the whole step)', async () => {
    const x = io();
    expect(await trainCommand.run(['--quick', '--out', out, '--name', 'quick-run', '--eval-examples', '1'], x)).toBe(0);
    const steps = readFileSync(join(out, 'quick-run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; optimizer_steps?: number });
    const opt = steps.filter((r) => r.type === 'step').map((r) => r.optimizer_steps);
    expect(opt).toHaveLength(QUICK.steps!);
    for (const n of opt) expect(n).toBeGreaterThan(0);
  });

  const bad: [string[], RegExp][] = [
    [['--tasks', 'math,maths'], /^g2rpo train: tasks\[1\]: unknown value "maths" \(valid: grounding, reading/],
    [['--steps', '0'], /^g2rpo train: steps: must be a positive integer \(got 0\)/],
    [['--steps', 'ten'], /^g2rpo train: --steps: not an integer \(got "ten"\)/],
    [['--estimator', 'ppo'], /^g2rpo train: --estimator: must be one of grpo, /],
    [['--preset', 'vlm-huge'], /^g2rpo train: --preset: must be one of/],
    [['--group-size', '1'], /^g2rpo train: groupSize: must be at least 2/],
    [['--lr', 'fast'], /^g2rpo train: --lr: not a finite number/],
    [['--frobnicate'], /^g2rpo train: --frobnicate: unknown option/],
    [['--out', out, '--name', 'never-ran', '--resume'], /^g2rpo train: resume: no checkpoint at /],
  ];
  for (const [argv, message] of bad) {
    it(`${argv.join(' ')}: exit 2, one line naming the problem, nothing on stdout`, async () => {
      const x = io();
      expect(await trainCommand.run(argv, x)).toBe(2);
      expect(x.stderr).toMatch(message);
      expect(x.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(x.stdout).toBe('');
    });
  }

  it('a tiny run, stopped after step 1 and resumed, prints the verdicts; progress goes to stderr', async () => {
    const stop = io();
    expect(await trainCommand.run([...TINY, '--name', 'cli-run', '--stop-after', '1'], stop)).toBe(0);
    expect(stop.stdout).not.toContain('families improved');
    const x = io();
    expect(await trainCommand.run([...TINY, '--name', 'cli-run', '--resume'], x)).toBe(0);
    expect(x.stderr).toContain('resuming');
    expect(x.stderr).toMatch(/RL 2\/2/);
    expect(x.stdout).toMatch(/math +sampled \d\.\d{3} → \d\.\d{3} p = \d\.\d{4} (improved|n\.s\.) +greedy \d\.\d{3} → \d\.\d{3} p = \d\.\d{4}/);
    expect(x.stdout).toMatch(/\d of 2 families improved \(sampled reward\); \d of 2 by greedy reward/);
    expect(existsSync(join(out, 'cli-run', 'metrics.jsonl'))).toBe(true);
  });
});

describe('g2rpo compare', () => {
  it('rejects the flags that pick the objective', async () => {
    const x = io();
    expect(await compareCommand.run(['--estimator', 'grpo'], x)).toBe(2);
    expect(x.stderr).toMatch(/--estimator: unknown option/);
  });

  it('runs the four variants on one warm start and writes a verdict per G²RPO variant against GRPO', async () => {
    const x = io();
    expect(await compareCommand.run([...TINY, '--name', 'cmp', '--seed', '1'], x)).toBe(0); // seed 1: a warm start no other test made
    const record = JSON.parse(readFileSync(join(out, 'cmp', 'compare.json'), 'utf8')) as {
      variants: { id: string; share_cv_mean: number | null; eval: Record<string, unknown> }[];
      verdicts: Record<string, { equalises_shares_better_than_grpo: boolean | null }>;
    };
    expect(record.variants.map((v) => v.id)).toEqual(VARIANTS.map((v) => v.id));
    expect(Object.keys(record.verdicts)).toEqual(['g2rpo-ot', 'g2rpo-scale', 'g2rpo-ot-noshaping']);
    for (const v of record.variants) expect(Object.keys(v.eval)).toEqual(['math', 'spatial']);
    // One warm start for all four: the first run trains it, the other three find it in the cache.
    expect(x.stderr.match(/warm start: cached/g)).toHaveLength(3);
    // The four warm-start evaluations are therefore identical.
    const evals = VARIANTS.map((v) => readFileSync(join(out, `cmp-${v.id}`, 'metrics.jsonl'), 'utf8').split('\n').find((l) => l.startsWith('{"type":"eval","step":0'))!.replace(/"eval_ms":[^}]*/, ''));
    expect(new Set(evals).size).toBe(1);
    expect(x.stdout).toMatch(/G²RPO \(ot\): share CV/);
  });
});
