// The checkpoint round trip: model weights, AdamW moments and step counts, RNG states and the rest of the
// state come back bit for bit, so the next optimizer step and the next draws are identical; a truncated
// file or a checkpoint of another configuration is refused with an InputError naming the problem.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AdamW } from '../../src/optim/index.js';
import { InputError } from '../../src/rl/errors.js';
import { Rng, Tensor } from '../../src/tensor/index.js';
import { SeededRng } from '../../src/tasks/index.js';
import { checkResumable, checkpointPath, readCheckpoint, restoreCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import { numericConfig, resolveConfig } from '../../src/train/config.js';
import { VLM, getPreset } from '../../src/vlm/index.js';

const out = mkdtempSync(join(tmpdir(), 'g2rpo-ckpt-'));

/** Give every parameter a gradient from `rng` and take one AdamW step. */
function step(model: VLM, opt: AdamW, rng: Rng): void {
  for (const p of model.parameters()) {
    const g = new Float32Array(p.size);
    for (let i = 0; i < g.length; i++) g[i] = rng.normal();
    p.grad = new Tensor(g, p.shape);
  }
  opt.step();
  opt.zeroGrad();
}

function params(model: VLM): Float32Array[] {
  return model.parameters().map((p) => Float32Array.from(p.data));
}

describe('checkpoint round trip', () => {
  const config = resolveConfig({ outDir: out, name: 'roundtrip', tasks: ['math', 'chart'] });
  const path = checkpointPath(config);
  mkdirSync(join(out, 'roundtrip', 'checkpoints'), { recursive: true });
  const model = new VLM(getPreset('vlm-nano'), { seed: 1 });
  const opt = new AdamW(model.parameterDict(), { lr: 1e-3 });
  const gradRng = new Rng(2);
  step(model, opt, gradRng);
  step(model, opt, gradRng);
  const dataRng = new SeededRng(9);
  dataRng.next();
  const sampleRng = new Rng(10);
  sampleRng.normal(); // leaves a cached Box–Muller spare in the state
  const warmEval = { tasks: { math: { greedy_reward: 0.6, greedy_accuracy: 0, sampled_reward: 0.5, sampled_accuracy: 0.1, n: 2 } }, perExample: { greedy: { math: [0.6, 0.6] }, sampled: { math: [0.5, 0.5] } } };
  saveCheckpoint(path, model, opt, {
    step: 7,
    config: numericConfig(config),
    dataRngState: dataRng.state,
    sampleRngState: sampleRng.getState(),
    emaState: [['math', 0.25]],
    warmEval,
    elapsedMs: 1234.5,
    metricsBytes: 999,
  });

  it('restores weights and optimizer exactly: the next step is bit-identical', () => {
    const ck = readCheckpoint(path);
    const fresh = new VLM(getPreset('vlm-nano'), { seed: 99 });
    const freshOpt = new AdamW(fresh.parameterDict(), { lr: 1e-3 });
    restoreCheckpoint(ck, fresh, freshOpt);
    expect(params(fresh)).toEqual(params(model));
    expect(freshOpt.stateDict()).toEqual(opt.stateDict());
    // One more identical step on both: equal only if moments AND step counts (bias correction) came back.
    step(model, opt, new Rng(3));
    step(fresh, freshOpt, new Rng(3));
    expect(params(fresh)).toEqual(params(model));
  });

  it('restores the RNG states, so both streams continue where they were', () => {
    const { state } = readCheckpoint(path);
    expect(state.step).toBe(7);
    expect(SeededRng.fromState(state.dataRngState).next()).toBe(dataRng.next());
    const restored = Rng.fromState(state.sampleRngState);
    expect([restored.normal(), restored.uniform()]).toEqual([sampleRng.normal(), sampleRng.uniform()]);
    expect(state.emaState).toEqual([['math', 0.25]]);
    expect(state.warmEval).toEqual(warmEval);
    expect(state.metricsBytes).toBe(999);
  });

  it('a truncated file is refused with an InputError naming resume and the path', () => {
    const bytes = readFileSync(path);
    const cut = join(out, 'cut.safetensors');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
    expect(() => readCheckpoint(cut)).toThrow(InputError);
    expect(() => readCheckpoint(cut)).toThrow(/^resume: cannot read checkpoint .*cut\.safetensors/);
  });

  it('resuming with another configuration names the differing field; more --steps is allowed', () => {
    const lrText = new RegExp(`^resume: .* was written with lr = ${String(config.lr).replace('.', '\\.')}, this run has 0\\.0001`);
    expect(() => checkResumable({ ...config, lr: 1e-4 })).toThrow(lrText);
    expect(() => checkResumable({ ...config, estimator: 'grpo' })).toThrow(/estimator = "g2rpo", this run has "grpo"/);
    expect(checkResumable({ ...config, steps: config.steps + 50 }).state.step).toBe(7);
    expect(() => checkResumable({ ...config, steps: 5 })).toThrow(/^steps: the checkpoint is at step 7, past --steps 5/);
  });
});
