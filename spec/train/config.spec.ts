// The trainer's configuration is validated once, before any work: every bad field is an InputError that
// names it; defaults keep seed 0; --resume fails early on a missing, unreadable or mismatched checkpoint,
// and nothing (no run folder, no warm-start cache) is created on the way.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/rl/errors.js';
import { checkResumable, checkpointPath } from '../../src/train/checkpoint.js';
import { DEFAULTS, QUICK, resolveConfig, type TrainConfigInput } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';

/** The InputError `fn` throws (fails the test when it throws anything else or nothing). */
function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError, nothing was thrown');
}

describe('resolveConfig', () => {
  it('fills the defaults, keeps seed 0 and names the run after estimator, preset and seed', () => {
    const c = resolveConfig();
    expect(c.seed).toBe(0);
    expect(c.name).toBe('g2rpo-ot-vlm-nano-s0');
    expect(c.tasks).toEqual(['grounding', 'reading', 'counting', 'chart', 'spatial', 'math']);
    expect(c.groupSize).toBe(8);
    expect(c.lengthShaping && c.entropyShaping).toBe(true);
    expect(Object.isFrozen(c) && Object.isFrozen(c.sft) && Object.isFrozen(c.tasks)).toBe(true);
    expect(resolveConfig({ estimator: 'grpo', seed: 3 }).name).toBe('grpo-vlm-nano-s3');
  });

  it('merges a partial sft config with the defaults', () => {
    const c = resolveConfig({ sft: { steps: 7 } });
    expect(c.sft).toEqual({ ...DEFAULTS.sft, steps: 7 });
    expect(resolveConfig({ ...QUICK }).steps).toBe(QUICK.steps);
  });

  const bad: [string, TrainConfigInput, string, RegExp][] = [
    ['unknown task', { tasks: ['math', 'maths'] as never }, 'tasks[1]', /unknown value "maths".*valid: grounding/],
    ['duplicate task', { tasks: ['math', 'math'] }, 'tasks', /math is listed twice/],
    ['no task', { tasks: [] }, 'tasks', /at least one/],
    ['unknown estimator', { estimator: 'ppo' as never }, 'estimator', /unknown value "ppo".*g2rpo/],
    ['unknown task stage', { taskStage: 'both' as never }, 'taskStage', /unknown value/],
    ['unknown preset', { preset: 'vlm-huge' as never }, 'preset', /valid: vlm-tiny, vlm-nano|valid: vlm-nano, vlm-tiny/],
    ['zero steps', { steps: 0 }, 'steps', /positive integer \(got 0\)/],
    ['fractional prompts', { promptsPerStep: 1.5 }, 'promptsPerStep', /positive integer/],
    ['negative group size', { groupSize: -8 }, 'groupSize', /positive integer/],
    ['group of one', { groupSize: 1 }, 'groupSize', /at least 2/],
    ['zero eval examples', { evalExamples: 0 }, 'evalExamples', /positive integer/],
    ['negative lr', { lr: -1e-3 }, 'lr', /positive number/],
    ['NaN lr', { lr: NaN }, 'lr', /positive number/],
    ['top-p 0', { topP: 0 }, 'topP', /\(0, 1\]/],
    ['temperature 0', { temperature: 0 }, 'temperature', /positive/],
    ['dual clip 1', { dualClip: 1 }, 'dualClip', /> 1/],
    ['negative seed', { seed: -1 }, 'seed', /integer ≥ 0/],
    ['sft steps −1', { sft: { steps: -1 } }, 'sft.steps', /integer ≥ 0/],
    ['sft batch 0', { sft: { batchSize: 0 } }, 'sft.batchSize', /positive integer/],
    ['unknown option', { stepz: 3 } as never, 'stepz', /unknown option/],
    ['unknown sft option', { sft: { step: 3 } } as never, 'sft.step', /unknown option/],
    ['bad name', { name: '../elsewhere' }, 'name', /letters, digits/],
    ['string size', { steps: '10' as never }, 'steps', /positive integer \(got "10"\)/],
    ['too many mini-batches', { promptsPerStep: 1, groupSize: 2, miniBatches: 3 }, 'miniBatches', /3 mini-batches for 2 responses/],
  ];
  for (const [what, input, field, message] of bad) {
    it(`rejects ${what}, naming the field ${field}`, () => {
      const e = inputError(() => resolveConfig(input));
      expect(e.field).toBe(field);
      expect(e.message).toMatch(message);
    });
  }
});

describe('--resume is checked before any work', () => {
  const out = mkdtempSync(join(tmpdir(), 'g2rpo-config-'));

  it('a missing checkpoint: InputError naming resume and the path; no folder, no cache created', async () => {
    const c = resolveConfig({ outDir: out, name: 'missing', ...QUICK });
    await expect(train(c, { resume: true, report: false })).rejects.toThrow(/^resume: no checkpoint at .*missing.*latest\.safetensors/);
    expect(existsSync(join(out, 'missing'))).toBe(false);
    expect(existsSync(join(out, '.cache'))).toBe(false);
  });

  it('an unreadable checkpoint: InputError naming resume, the path and the reader problem', () => {
    const c = resolveConfig({ outDir: out, name: 'garbage', ...QUICK });
    mkdirSync(join(out, 'garbage', 'checkpoints'), { recursive: true });
    writeFileSync(checkpointPath(c), 'this is not a safetensors file');
    const e = inputError(() => checkResumable(c));
    expect(e.field).toBe('resume');
    expect(e.message).toContain('cannot read checkpoint');
    expect(e.message).toContain(checkpointPath(c));
    expect(readdirSync(join(out, 'garbage'))).toEqual(['checkpoints']);
  });
});
