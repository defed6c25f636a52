/**
 * The warm start: supervised fine-tuning of a freshly initialised model on the tasks' reference traces
 * (teacher-forced token-mean NLL of `<thinking>…</thinking><answer>…</answer><eos>` after the prompt),
 * for a fixed, small number of steps: enough for the response format and some accuracy, short of what
 * SFT could reach, so RL has headroom. AdamW, warmup + cosine to 10 % of the lr, gradient clip 1.
 *
 * The result is cached in `<outDir>/.cache/` under a key of everything that decides its numbers (preset,
 * seed, tasks, the SFT config), so every run of `compare` — and every rerun — starts from the very same
 * weights without paying for SFT again. Written atomically: a killed SFT leaves no half cache file.
 *
 * Not here: RL (trainer.ts). Reference: issue 4 ("warm start by SFT … kept short so RL has headroom").
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensorsFile, saveSafetensorsFile } from '../io/safetensors.js';
import { loadModuleTensors, moduleTensors } from '../nn/index.js';
import { AdamW, clipGradNorm, warmupCosineSchedule } from '../optim/index.js';
import { SeededRng, type Example } from '../tasks/index.js';
import { VLM, getPreset, tokenLogProbs } from '../vlm/index.js';
import type { TrainConfig } from './config.js';
import { deriveSeed, drawExamples, imageBatch, stepTasks } from './data.js';

/** Bump when the SFT procedure changes, so stale caches are not reused. */
const SFT_VERSION = 4; // 2: vlm-nano position embeddings start N(0, 1); 3: vlm-nano normalises pixels; 4: spatial and counting traces name the colour first
const META_KEY = 'g2rpo.warmstart';

export interface SftPoint {
  readonly step: number;
  readonly loss: number;
}

export interface WarmStart {
  readonly path: string;
  readonly cached: boolean;
  readonly losses: readonly SftPoint[];
  /** Wall time of the SFT itself (0 when it came from the cache). */
  readonly ms: number;
}

type WarmStartKeyInput = Pick<TrainConfig, 'preset' | 'seed' | 'tasks' | 'sft' | 'outDir'>;

function hash32(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The cache file of a warm start: its name carries preset and seed, and a hash of everything else. */
export function warmStartPath(c: WarmStartKeyInput): string {
  const key = JSON.stringify({ v: SFT_VERSION, preset: c.preset, seed: c.seed, tasks: c.tasks, sft: c.sft });
  return join(c.outDir, '.cache', `warmstart-${c.preset}-s${c.seed}-${hash32(key)}.safetensors`);
}

/** A new model with the run's initialisation (seed = the run seed). */
export function initialModel(c: Pick<TrainConfig, 'preset' | 'seed'>): VLM {
  return new VLM(getPreset(c.preset), { seed: c.seed });
}

/**
 * `steps` SFT steps on `model` in place: token-mean NLL of each batch's traces after its prompts, AdamW
 * (no decay) with warmup (10 steps) and cosine decay to 10 % of `lr`, gradient clip 1. `nextBatch` gives
 * step s's examples. The warm start's recipe; bench/perception-toy.ts runs it on its toys too.
 */
export function sftSteps(
  model: VLM,
  o: { readonly steps: number; readonly lr: number; readonly nextBatch: (step: number) => Example<unknown>[] },
  onStep?: (step: number, loss: number) => void,
): SftPoint[] {
  const opt = new AdamW(model.parameterDict(), { lr: o.lr, weightDecay: 0 });
  const schedule = warmupCosineSchedule({ warmupSteps: Math.min(10, o.steps), totalSteps: o.steps, minRatio: 0.1 });
  const params = model.parameterDict();
  const losses: SftPoint[] = [];
  for (let step = 1; step <= o.steps; step++) {
    const examples = o.nextBatch(step);
    const out = tokenLogProbs(model, imageBatch(examples), examples.map((e) => e.prompt), examples.map((e) => e.trace));
    let tokens = 0;
    for (const m of out.mask) tokens += m;
    const loss = out.logProbs.sum().mul(-1 / tokens); // token-mean NLL of the traces
    loss.backward();
    clipGradNorm(params, 1.0);
    // The schedule's argument is the steps already taken; feeding it `step` (1-based) instead starts the
    // warmup at 1/W rather than HF's 0, so no SFT step is wasted, and ends exactly at the floor.
    opt.step(schedule(step));
    opt.zeroGrad();
    const l = loss.item();
    losses.push({ step, loss: l });
    onStep?.(step, l);
  }
  return losses;
}

/** Run the SFT and return the trained model and its loss curve. */
export function runSft(c: WarmStartKeyInput, onStep?: (step: number, loss: number) => void): { model: VLM; losses: SftPoint[] } {
  const model = initialModel(c);
  const { steps, batchSize, lr } = c.sft;
  const rng = new SeededRng(deriveSeed(c.seed, 'sft'));
  const nextBatch = (step: number) => drawExamples(rng, stepTasks(c.tasks, step, batchSize));
  return { model, losses: sftSteps(model, { steps, lr, nextBatch }, onStep) };
}

/**
 * The warm-start weights for this configuration: from the cache when present, else by SFT (then cached).
 * `onStep` reports SFT progress.
 */
export function warmStart(c: WarmStartKeyInput, onStep?: (step: number, loss: number) => void): WarmStart {
  const path = warmStartPath(c);
  if (existsSync(path)) {
    const meta = loadSafetensorsFile(path).metadata?.[META_KEY];
    if (meta !== undefined) return { path, cached: true, losses: (JSON.parse(meta) as { losses: SftPoint[] }).losses, ms: 0 };
  }
  const t0 = performance.now();
  const { model, losses } = runSft(c, onStep);
  mkdirSync(join(c.outDir, '.cache'), { recursive: true });
  saveSafetensorsFile(path, moduleTensors(model), { [META_KEY]: JSON.stringify({ version: SFT_VERSION, preset: c.preset, seed: c.seed, tasks: c.tasks, sft: c.sft, losses }) });
  return { path, cached: false, losses, ms: performance.now() - t0 };
}

/** A model with the warm-start weights of `path`. */
export function loadWarmStart(c: Pick<TrainConfig, 'preset' | 'seed'>, path: string): VLM {
  const model = initialModel(c);
  loadModuleTensors(model, loadSafetensorsFile(path).tensors);
  return model;
}
