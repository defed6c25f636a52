// A tiny run end to end: every metrics.jsonl line conforms to the schema (docs/training.md § File
// format), in the documented order; and a run stopped after step 1 (plus a stray half-written line, as a
// kill mid-write leaves) and resumed ends with metrics IDENTICAL to an uninterrupted run, time fields
// aside — with the KL term and EMA-GRPO's running state in play, so every piece of state must survive.
import { appendFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig, type TrainConfigInput } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';

const out = mkdtempSync(join(tmpdir(), 'g2rpo-train-'));

const TINY: TrainConfigInput = {
  outDir: out,
  tasks: ['counting', 'spatial'],
  steps: 3,
  promptsPerStep: 2,
  groupSize: 4,
  evalEvery: 2,
  evalExamples: 3,
  maxNewTokens: 12,
  sft: { steps: 3, batchSize: 4 },
};

type Line = Record<string, unknown> & { type: string };

function lines(dir: string): Line[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
}

const isNum = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x);
const isNumOrNull = (x: unknown): boolean => x === null || isNum(x);

function expectKeys(o: unknown, keys: readonly string[], check: (x: unknown) => boolean, where: string): void {
  for (const k of keys) {
    const v = (o as Record<string, unknown>)[k];
    if (!check(v)) throw new Error(`${where}.${k} = ${JSON.stringify(v)} fails its type`);
  }
}

/** The schema of /tmp/shared-specs/metrics-schema.md, as copied into docs/training.md. */
function checkSchema(ls: Line[], tasks: readonly string[], steps: number, evalEvery: number): void {
  expect(ls[0].type).toBe('config');
  expect(ls[ls.length - 1].type).toBe('summary');
  const c = ls[0];
  expectKeys(c, ['name', 'preset', 'estimator', 'taskStage'], (x) => typeof x === 'string', 'config');
  expectKeys(c, ['seed', 'steps', 'promptsPerStep', 'groupSize'], isNum, 'config');
  expectKeys(c, ['lengthShaping', 'entropyShaping'], (x) => typeof x === 'boolean', 'config');
  expect(c.tasks).toEqual(tasks);
  for (const t of tasks) {
    expect((c.lengthEnvelopes as Record<string, number[]>)[t]).toHaveLength(4);
    expect((c.entropyBands as Record<string, number[]>)[t]).toHaveLength(2);
  }
  const stepLines = ls.filter((l) => l.type === 'step');
  expect(stepLines.map((l) => l.step)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
  for (const s of stepLines) {
    const w = `step ${s.step}`;
    expectKeys(s, ['time_s', 'lr', 'kept_groups', 'dropped_groups'], isNum, w);
    expectKeys(s, ['loss', 'clip_frac', 'clip_frac_low', 'clip_frac_high', 'approx_kl', 'grad_norm'], isNumOrNull, w);
    expectKeys(s.phase_ms, ['rollout', 'score', 'advantages', 'update'], isNum, `${w}.phase_ms`);
    const st = s.tasks as Record<string, Record<string, unknown>>;
    expect(Object.keys(st)).toEqual(tasks);
    let shareSum = 0;
    let shares = 0;
    for (const t of tasks) {
      expectKeys(st[t], ['n'], (x) => Number.isInteger(x), `${w}.${t}`);
      expectKeys(
        st[t],
        ['reward', 'accuracy', 'format_rate', 'length', 'entropy_neglogp', 'entropy_true', 'adv_mean', 'adv_sq_mean', 'adv_ks', 'grad_norm_share'],
        isNumOrNull,
        `${w}.${t}`,
      );
      if (st[t].grad_norm_share !== null) {
        shareSum += st[t].grad_norm_share as number;
        shares++;
      }
    }
    if (shares > 0) expect(shareSum).toBeCloseTo(1, 12);
  }
  for (const a of ls.filter((l) => l.type === 'advantages')) {
    expect(Array.isArray(a.values) && (a.values as unknown[]).every(isNum) && (a.values as unknown[]).length <= 4096).toBe(true);
  }
  const evals = ls.filter((l) => l.type === 'eval');
  const evalSteps = [0, ...Array.from({ length: steps }, (_, i) => i + 1).filter((s) => s % evalEvery === 0 || s === steps)];
  expect(evals.map((e) => e.step)).toEqual(evalSteps);
  for (const e of evals) {
    for (const t of tasks) {
      expectKeys((e.tasks as Record<string, unknown>)[t], ['greedy_reward', 'greedy_accuracy', 'sampled_reward', 'sampled_accuracy', 'n'], isNum, `eval ${e.step}.${t}`);
    }
  }
  for (const s of ls.filter((l) => l.type === 'sft')) expectKeys(s, ['step', 'loss'], isNum, 'sft');
  type Verdict = { warm_start: number; final: number; p_value: number; improved: boolean };
  const summary = ls[ls.length - 1] as unknown as { learning_test: { tasks: Record<string, Verdict & { greedy: Verdict }> } };
  const lastEval = evals[evals.length - 1].tasks as Record<string, { greedy_reward: number; sampled_reward: number }>;
  const warmEval = evals[0].tasks as Record<string, { greedy_reward: number; sampled_reward: number }>;
  for (const t of tasks) {
    const v = summary.learning_test.tasks[t];
    for (const x of [v, v.greedy]) {
      expect(x.p_value).toBeGreaterThan(0);
      expect(x.p_value).toBeLessThanOrEqual(1);
      expect(typeof x.improved).toBe('boolean');
    }
    // the summary's means are the eval lines' (greedy and sampled), step 0 vs the last evaluation
    expect(v.warm_start).toBeCloseTo(warmEval[t].sampled_reward, 12);
    expect(v.final).toBeCloseTo(lastEval[t].sampled_reward, 12);
    expect(v.greedy.warm_start).toBeCloseTo(warmEval[t].greedy_reward, 12);
    expect(v.greedy.final).toBeCloseTo(lastEval[t].greedy_reward, 12);
  }
}

/** Lines with the time fields removed (wall-clock numbers differ between any two runs). */
function timeless(ls: Line[]): unknown[] {
  return ls.map((l) => {
    const { time_s: _t, phase_ms: _p, eval_ms: _e, timing: _g, ...rest } = l;
    if (rest.type === 'config') delete rest.name;
    return rest;
  });
}

describe('train (tiny configuration)', () => {
  it('writes schema-conformant metrics, checkpoints, and a summary with the learning test', async () => {
    const c = resolveConfig({ ...TINY, name: 'schema' });
    const r = await train(c, { report: false });
    checkSchema(lines(r.dir), c.tasks, c.steps, c.evalEvery);
    expect(existsSync(join(r.dir, 'checkpoints', 'latest.safetensors'))).toBe(true);
    expect(existsSync(join(r.dir, 'checkpoints', 'final.safetensors'))).toBe(true);
    expect(r.summary?.type).toBe('summary');
  });

  it('resume after a stop (and a torn line) ends identical to an uninterrupted run, time fields aside', async () => {
    // KL on (a reference model) and EMA-GRPO (state carried across steps): both must survive the stop.
    const base = { ...TINY, klBeta: 0.05, estimator: 'ema_grpo', filterGroups: false } as const;
    const straight = await train(resolveConfig({ ...base, name: 'straight' }), { report: false });
    const c = resolveConfig({ ...base, name: 'stopped' });
    const first = await train(c, { stopAfter: 1, report: false });
    expect(first.summary).toBeNull();
    expect(lines(first.dir).filter((l) => l.type === 'step')).toHaveLength(1);
    appendFileSync(join(first.dir, 'metrics.jsonl'), '{"type":"step","step":2,"loss":0.1'); // killed mid-write
    const resumed = await train(c, { resume: true, report: false });
    const a = lines(straight.dir);
    const b = lines(resumed.dir);
    checkSchema(b, c.tasks, c.steps, c.evalEvery);
    expect(b.some((l) => l.kl_ref !== undefined)).toBe(true);
    expect(timeless(b)).toEqual(timeless(a));
  });
});
