/**
 * The resumable checkpoint: ONE safetensors file, written atomically (src/io), holding everything a run
 * needs to continue exactly as if it had never stopped:
 *
 *   tensors   model.<param>                        F32, the model's dotted parameter names
 *             optim.<param>.exp_avg / .exp_avg_sq   AdamW moments, same dtype as the parameter
 *   metadata  "g2rpo.checkpoint": JSON of CheckpointState — the step, the numeric config, the RNG
 *             states (the example stream's 32-bit state, the sampler's xoshiro128** words), AdamW's step
 *             counts, EMA-GRPO's running stds, the warm start's evaluation (for the final learning
 *             test), the wall time so far, and the byte length of metrics.jsonl at this step
 *             (a resume cuts the file back to it, dropping lines of a step that was killed midway).
 *
 * One file, so a kill can never leave weights of step k beside an optimizer of step k − 1. Float32 values
 * are copied bytewise, so the round trip is exact and a resumed run is bit-identical (spec/train).
 *
 * Not here: what a step does (trainer.ts), the warm-start cache (sft.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensorsFile, saveSafetensorsFile, type TensorRecord } from '../io/safetensors.js';
import { loadModuleTensors, moduleTensors } from '../nn/index.js';
import type { AdamW, AdamWStateDict } from '../optim/index.js';
import { InputError } from '../rl/errors.js';
import type { RngState } from '../tensor/index.js';
import type { VLM } from '../vlm/index.js';
import { numericConfig, type TrainConfig } from './config.js';
import type { EvalResult } from './evaluate.js';

export const CHECKPOINT_VERSION = 1;
const META_KEY = 'g2rpo.checkpoint';

export interface CheckpointState {
  readonly version: number;
  /** RL steps completed (0: warm start evaluated, no RL step yet). */
  readonly step: number;
  readonly config: Omit<TrainConfig, 'name' | 'outDir'>;
  readonly dataRngState: number;
  readonly sampleRngState: RngState;
  readonly emaState: readonly (readonly [string | number, number])[];
  readonly optimSteps: Readonly<Record<string, number>>;
  /** The warm start's evaluation (step 0), kept for the final learning test. */
  readonly warmEval: EvalResult;
  readonly elapsedMs: number;
  readonly metricsBytes: number;
}

export function runDir(c: Pick<TrainConfig, 'outDir' | 'name'>): string {
  return join(c.outDir, c.name);
}

export function checkpointPath(c: Pick<TrainConfig, 'outDir' | 'name'>): string {
  return join(runDir(c), 'checkpoints', 'latest.safetensors');
}

/** Model and optimizer tensors plus the state, atomically to `path`. */
export function saveCheckpoint(path: string, model: VLM, opt: AdamW, state: Omit<CheckpointState, 'version' | 'optimSteps'>): void {
  const tensors: Record<string, TensorRecord> = {};
  for (const [n, t] of Object.entries(moduleTensors(model))) tensors[`model.${n}`] = t;
  const optimSteps: Record<string, number> = {};
  const sd = opt.stateDict();
  for (const [name, p] of model.namedParameters()) {
    const step = sd[`${name}.step`];
    if (step === undefined) continue;
    optimSteps[name] = step as number;
    for (const suf of ['exp_avg', 'exp_avg_sq'] as const) {
      const a = sd[`${name}.${suf}`] as Float32Array | Float64Array;
      tensors[`optim.${name}.${suf}`] = { dtype: a instanceof Float32Array ? 'F32' : 'F64', shape: p.shape.slice(), data: a };
    }
  }
  const full: CheckpointState = { version: CHECKPOINT_VERSION, optimSteps, ...state };
  saveSafetensorsFile(path, tensors, { [META_KEY]: JSON.stringify(full) });
}

export interface LoadedCheckpoint {
  readonly state: CheckpointState;
  readonly tensors: Readonly<Record<string, TensorRecord>>;
}

/** Reads and parses a checkpoint; any problem is an InputError naming `field` and the path. */
export function readCheckpoint(path: string, field = 'resume'): LoadedCheckpoint {
  if (!existsSync(path)) throw new InputError(field, `no checkpoint at ${path} (nothing to resume; run without --resume)`);
  let file;
  try {
    file = loadSafetensorsFile(path);
  } catch (e) {
    throw new InputError(field, `cannot read checkpoint ${path}: ${(e as Error).message}`);
  }
  const text = file.metadata?.[META_KEY];
  if (text === undefined) throw new InputError(field, `${path} is a safetensors file without the "${META_KEY}" metadata (not a trainer checkpoint)`);
  let state: CheckpointState;
  try {
    state = JSON.parse(text) as CheckpointState;
  } catch (e) {
    throw new InputError(field, `${path}: checkpoint metadata is not JSON (${(e as Error).message})`);
  }
  if (state.version !== CHECKPOINT_VERSION) throw new InputError(field, `${path}: checkpoint version ${state.version}, this trainer reads ${CHECKPOINT_VERSION}`);
  if (!Number.isSafeInteger(state.step) || state.step < 0) throw new InputError(field, `${path}: bad step ${String(state.step)}`);
  return { state, tensors: file.tensors };
}

/**
 * The numeric configuration a checkpoint may be resumed with: the same, except `steps` (a run may be
 * extended; the LR schedule is constant after warmup, so the steps already taken do not depend on it).
 */
function resumeKey(c: Omit<TrainConfig, 'name' | 'outDir'>): string {
  const { steps: _s, ...rest } = c;
  return JSON.stringify(rest);
}

/** For `--resume`: the checkpoint exists, parses, and was written by a run of this configuration. */
export function checkResumable(config: TrainConfig): LoadedCheckpoint {
  const path = checkpointPath(config);
  const ck = readCheckpoint(path);
  const want = resumeKey(numericConfig(config));
  const have = resumeKey(ck.state.config);
  if (want !== have) {
    const a = JSON.parse(have) as Record<string, unknown>;
    const b = JSON.parse(want) as Record<string, unknown>;
    const diff = Object.keys(b).find((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
    throw new InputError('resume', `${path} was written with ${diff} = ${JSON.stringify(a[diff ?? ''])}, this run has ${JSON.stringify(b[diff ?? ''])}`);
  }
  if (ck.state.step > config.steps) throw new InputError('steps', `the checkpoint is at step ${ck.state.step}, past --steps ${config.steps}`);
  return ck;
}

/** Load a checkpoint's model and optimizer tensors (strict: names, shapes and dtypes must match). */
export function restoreCheckpoint(ck: LoadedCheckpoint, model: VLM, opt: AdamW): void {
  const modelTensors: Record<string, TensorRecord> = {};
  const sd: AdamWStateDict = {};
  for (const [key, t] of Object.entries(ck.tensors)) {
    if (key.startsWith('model.')) modelTensors[key.slice(6)] = t;
    else if (key.startsWith('optim.')) sd[key.slice(6)] = t.data as Float32Array | Float64Array;
    else throw new Error(`restoreCheckpoint: unexpected tensor "${key}"`);
  }
  for (const [name, step] of Object.entries(ck.state.optimSteps)) sd[`${name}.step`] = step;
  loadModuleTensors(model, modelTensors);
  opt.loadStateDict(sd);
}
