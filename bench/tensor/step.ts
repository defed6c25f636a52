/**
 * One training step of the bench model vlm-tiny on our stack, as the PyTorch anchor
 * (shared/anchors/torch_vlm_step.py) does it: a fixed random batch (B = 32 images 3×32×32 uniform in
 * [0, 1), 32 random text ids and 32 random targets per row, vocabulary 64), cross-entropy over all text
 * positions (mean), backward, AdamW (lr 1e-3, PyTorch's other defaults), gradients dropped before each
 * step (the anchor's `opt.zero_grad()`).
 *
 * Verified before timing: the model has the anchor's parameter count (counted from the config by the
 * anchor's module list, so a wrong preset or block layout fails); the first loss and every gradient are
 * finite; and after the timed steps the loss on the same batch is below the first one (AdamW on a fixed
 * batch must descend: a wrong gradient sign or a step that is not applied fails this).
 *
 * Timing: per step, forward (zero_grad + model + loss), backward, and optimizer (AdamW) separately, the
 * median of each over the timed steps (the medians need not add up to the step's median exactly).
 *
 * Not here: the PyTorch side (torch.ts), the table (bench/tensor.ts).
 */
import { performance } from 'node:perf_hooks';
import { AdamW } from '../../src/optim/index.js';
import { Rng, crossEntropy, noGrad, rand } from '../../src/tensor/index.js';
import { VLM, getPreset, imageTokens, type VlmConfig } from '../../src/vlm/index.js';
import { median } from '../lib/timing.js';

export const STEP_PRESET = 'vlm-tiny';
export const STEP_BATCH = 32;

/**
 * Parameters of the anchor's TinyVLM for a config, module by module: patch Linear, vpos, the blocks
 * (TransformerEncoderLayer: 2 LayerNorms, in_proj 3·d² + 3·d, out_proj d² + d, linear1/linear2),
 * proj Linear, tok Embedding, tpos, final LayerNorm, head Linear.
 */
export function anchorParamCount(c: VlmConfig): number {
  const d = c.dModel;
  const P = imageTokens(c);
  const linear = (i: number, o: number): number => i * o + o;
  const block = 2 * (2 * d) + linear(d, 3 * d) + linear(d, d) + linear(d, c.mlpHidden) + linear(c.mlpHidden, d);
  return (
    linear(c.channels * c.patchSize ** 2, d) + P * d + c.visionLayers * block + linear(d, d) +
    c.vocabSize * d + (P + c.maxTextLen) * d + c.decoderLayers * block + 2 * d + linear(d, c.vocabSize)
  );
}

export interface StepTiming {
  readonly config: string;
  readonly params: number;
  readonly batch: number;
  readonly textTokens: number;
  readonly step_ms: number;
  readonly forward_ms: number;
  readonly backward_ms: number;
  readonly optimizer_ms: number;
  readonly runs: number;
  readonly firstLoss: number;
  readonly finalLoss: number;
}

/** vlm-tiny with its optimizer and fixed batch, and one training step on the current backend. */
export interface VlmStep {
  readonly config: string;
  readonly model: VLM;
  readonly params: number;
  readonly batch: number;
  readonly textTokens: number;
  /** One step (zero_grad, forward, loss, backward, AdamW); returns the loss before the update. */
  step(): number;
  /** The last step's phases, ms. */
  readonly lap: { forward: number; backward: number; optimizer: number };
  /** The loss on the fixed batch now, without a step (no grad). */
  loss(): number;
}

/**
 * Builds vlm-tiny (seeded), checks its parameter count against the anchor's layout, and returns its step.
 * Exported for bench/gpu/step.ts, which runs the same step on each gpu.js backend.
 */
export function makeVlmStep(seed = 0): VlmStep {
  const cfg = getPreset(STEP_PRESET);
  const B = STEP_BATCH;
  const T = cfg.maxTextLen;
  const rng = new Rng(seed);
  const model = new VLM(cfg, { seed });
  const params = model.numParameters();
  const expected = anchorParamCount(cfg);
  if (params !== expected) throw new Error(`verify: ${cfg.name} has ${params} parameters, the anchor's layout ${expected}`);
  const opt = new AdamW(model.parameterDict(), { lr: 1e-3 });
  const images = rand([B, cfg.channels, cfg.imageSize, cfg.imageSize], rng); // (B, 3, 32, 32)
  const tokens = Int32Array.from({ length: B * T }, () => rng.int(cfg.vocabSize)); // (B, T)
  const targets = Int32Array.from({ length: B * T }, () => rng.int(cfg.vocabSize)); // (B, T)

  const lap = { forward: 0, backward: 0, optimizer: 0 };
  const step = (): number => {
    const t0 = performance.now();
    opt.zeroGrad();
    const loss = crossEntropy(model.forward(images, tokens, [B, T]), targets);
    const t1 = performance.now();
    loss.backward();
    const t2 = performance.now();
    opt.step();
    const t3 = performance.now();
    lap.forward = t1 - t0;
    lap.backward = t2 - t1;
    lap.optimizer = t3 - t2;
    return loss.item();
  };
  const loss = (): number => noGrad(() => crossEntropy(model.forward(images, tokens, [B, T]), targets).item());
  return { config: cfg.name, model, params, batch: B, textTokens: B * T, step, lap, loss };
}

/** Builds vlm-tiny, verifies one step, times `runs` more (a count from the first step's time). */
export function timeVlmStep(seed = 0): StepTiming {
  const { config, model, params, batch, textTokens, step, lap, loss } = makeVlmStep(seed);

  const t0 = performance.now();
  const firstLoss = step(); // verification + warm-up
  const firstMs = performance.now() - t0;
  if (!Number.isFinite(firstLoss)) throw new Error(`verify: first loss is ${firstLoss}`);
  for (const [name, p] of model.namedParameters()) {
    if (p.grad === null) throw new Error(`verify: parameter ${name} got no gradient`);
    if (!p.grad.data.every(Number.isFinite)) throw new Error(`verify: gradient of ${name} is not finite`);
  }
  step(); // second warm-up: the first step also allocated the optimizer state
  // ≈ 20 s of timed steps on a loaded 2-core machine, at least 3, at most 9.
  const runs = Math.max(3, Math.min(9, Math.floor(20_000 / firstMs)));
  const samples = { step: [] as number[], forward: [] as number[], backward: [] as number[], optimizer: [] as number[] };
  for (let r = 0; r < runs; r++) {
    const s0 = performance.now();
    step();
    samples.step.push(performance.now() - s0);
    samples.forward.push(lap.forward);
    samples.backward.push(lap.backward);
    samples.optimizer.push(lap.optimizer);
  }
  const finalLoss = loss();
  if (!(finalLoss < firstLoss)) throw new Error(`verify: loss did not descend on a fixed batch (${firstLoss} → ${finalLoss} after ${runs + 2} steps)`);
  const med = (xs: number[]): number => median(Float64Array.from(xs).sort());
  return {
    config,
    params,
    batch,
    textTokens,
    step_ms: med(samples.step),
    forward_ms: med(samples.forward),
    backward_ms: med(samples.backward),
    optimizer_ms: med(samples.optimizer),
    runs,
    firstLoss,
    finalLoss,
  };
}
