/**
 * The trainer's configuration: one typed, readonly object, validated ONCE by `resolveConfig` before any
 * work starts (a typo in a task, estimator or preset, a non-positive size, an out-of-range probability
 * fails here with an `InputError` naming the field — not twenty minutes into a run). Every default has
 * its reason beside it; `QUICK` is the short configuration CI runs.
 *
 * Not here: the checkpoint check of `--resume` (checkpoint.ts, `checkResumable`, also run before any
 * work), the CLI flags (src/cli/train.ts). Reference: issue 4; shared g2rpo-spec §4 (the published
 * loss and filter settings); docs/training.md (every option).
 */
import { InputError } from '../rl/errors.js';
import { ESTIMATORS } from '../rl/advantages/index.js';
import type { EstimatorName, TaskStage } from '../rl/advantages/index.js';
import { TASK_NAMES, type TaskName } from '../tasks/index.js';
import { PRESET_NAMES, type PresetName } from '../vlm/index.js';

export const TASK_STAGES: readonly TaskStage[] = ['ot', 'none', 'scale'];
export const ENTROPY_ESTIMATORS = ['neg-logp', 'entropy'] as const;
export type EntropyEstimatorName = (typeof ENTROPY_ESTIMATORS)[number];

/** Supervised warm start on the tasks' reference traces (sft.ts). */
export interface SftConfig {
  readonly steps: number;
  readonly batchSize: number;
  readonly lr: number;
}

export interface TrainConfig {
  /** Run name: the folder `<outDir>/<name>/`. */
  readonly name: string;
  /** Parent folder of runs; the warm-start cache lives in `<outDir>/.cache/`. */
  readonly outDir: string;
  readonly seed: number;
  readonly preset: PresetName;
  readonly tasks: readonly TaskName[];
  readonly estimator: EstimatorName;
  /** G²RPO stage 2 (ignored by the other estimators, recorded anyway). */
  readonly taskStage: TaskStage;
  readonly lengthShaping: boolean;
  readonly entropyShaping: boolean;
  /** RL steps (one rollout + one PPO update round each). */
  readonly steps: number;
  /** P prompts per step, spread over the tasks in turn. */
  readonly promptsPerStep: number;
  /** G rollouts per prompt. */
  readonly groupSize: number;
  /** The step's kept responses are split into this many mini-batches, one optimizer step each. */
  readonly miniBatches: number;
  /** Passes over the step's mini-batches. */
  readonly ppoEpochs: number;
  readonly lr: number;
  /** Linear LR warmup over the first RL steps (a constant LR after it). */
  readonly warmupSteps: number;
  readonly weightDecay: number;
  /** Global gradient-norm clip per optimizer step. */
  readonly gradClip: number;
  readonly clipLow: number;
  readonly clipHigh: number;
  /** Dual clip c > 1 for negative advantages, or null. */
  readonly dualClip: number | null;
  /** β of the k3 KL penalty to the warm-start model; 0 = off (no reference forward at all). */
  readonly klBeta: number;
  readonly temperature: number;
  readonly topP: number;
  readonly maxNewTokens: number;
  /** Weight of the length trapezoid in the reward. */
  readonly lengthWeight: number;
  /** λ of the entropy band penalty. */
  readonly entropyLambda: number;
  readonly entropyEstimator: EntropyEstimatorName;
  /** Online filtering of all-right / all-wrong groups (src/rl/filter.ts). */
  readonly filterGroups: boolean;
  /** Held-out evaluation every K RL steps (and always at step 0 and at the end). */
  readonly evalEvery: number;
  /** Held-out examples per task (the same ones at every evaluation). */
  readonly evalExamples: number;
  /** Sampled responses per held-out example (their mean reward estimates the policy's expected reward). */
  readonly evalSamples: number;
  /** Write the resumable checkpoint every K steps (and at every evaluation and at the end). */
  readonly checkpointEvery: number;
  readonly sft: SftConfig;
}

/**
 * Defaults of `npm run train`. Measured on the 2-core machine (docs/training.md has the figures): the
 * whole run, warm start included, fits in the 10-minute budget of issue 4 and shows learning on most
 * families.
 */
export const DEFAULTS: TrainConfig = {
  name: '', // filled in by resolveConfig from estimator, preset and seed when left empty
  outDir: 'runs',
  seed: 0, // seed 0 is a seed like any other (defaults use ??, never truthiness)
  preset: 'vlm-nano', // the preset sized for RL on 2 CPU cores (src/vlm/presets.ts)
  tasks: TASK_NAMES, // all six families: the multi-domain setting the paper is about
  estimator: 'g2rpo', // the method under study
  taskStage: 'ot', // the released code's stage 2 (shared g2rpo-spec §2)
  lengthShaping: true, // both shaping mechanisms on: what issue 4 asks the default run to show
  entropyShaping: true,
  steps: 200, // with the per-step cost measured (docs/training.md), the whole run stays under 10 minutes
  promptsPerStep: 12, // 2 prompts per task per step: every task in every step, so shares are defined
  groupSize: 8, // the published G (8 rollouts per prompt)
  miniBatches: 2, // the published 512/128 ratio is 4; 2 keeps a second, slightly off-policy update per step
  ppoEpochs: 1, // one pass, as the released code
  lr: 5e-4, // tiny model, few steps: far above the published 2e-6 for a 4B model; 1e-3 collapsed a task (docs/training.md)
  warmupSteps: 5, // a short linear warmup: AdamW's first steps are sign steps of size lr
  weightDecay: 0, // a few hundred optimizer steps: decay would only pull toward 0 (the released code uses 1e-2 over far more data)
  gradClip: 1.0, // verl's default max grad norm
  clipLow: 0.2, // released code (clip-higher 0.2 / 0.3, dual clip 3)
  clipHigh: 0.3,
  dualClip: 3.0,
  klBeta: 0, // KL off, as the released code (0.01 when on there)
  temperature: 1.0, // published rollout temperature
  topP: 1.0,
  maxNewTokens: 24, // every reference trace fits in 16 tokens; 24 leaves room to ramble (and be penalised)
  lengthWeight: 0.1, // the released code's suggestion, taken from the accuracy weight (g2rpo-spec §4)
  entropyLambda: 0.02, // released code
  entropyEstimator: 'neg-logp', // paper Eq. 10 and the released code: mean −log π(sampled token)
  filterGroups: true, // released code: keep 0.01 < mean accuracy < 0.99
  evalEvery: 50, // 5 evaluations (0, 50, …, 200) of ~4.5 s each
  evalExamples: 64, // per task: 64 paired examples give the learning test its power (docs/training.md)
  evalSamples: 4, // 4 samples per example: the per-example expected reward to ±0.3 instead of ±0.6 (one sample)
  checkpointEvery: 1, // a checkpoint is ~2 MB and a few ms: every step, so a kill loses at most one step
  sft: { steps: 200, batchSize: 16, lr: 3e-3 }, // ~20 s; short on purpose: format learned, accuracy left for RL; batch 16 learns ~1.7× faster per second than 48
};

/** `--quick`: the short configuration CI runs (well under a minute on 2 cores). */
export const QUICK: Partial<TrainConfig> = {
  steps: 3,
  promptsPerStep: 6,
  groupSize: 4,
  evalEvery: 3,
  evalExamples: 4,
  evalSamples: 2,
  maxNewTokens: 20,
  // From 20 SFT steps nearly every group is all-wrong, so the published filter would drop them all and the
  // smoke run would never update the model: off here, so `--quick` exercises the whole step.
  filterGroups: false,
  sft: { steps: 20, batchSize: 24, lr: 3e-3 },
};

/** A partial configuration as the CLI or a test gives it; `sft` may be partial too. */
export type TrainConfigInput = Partial<Omit<TrainConfig, 'sft'>> & { readonly sft?: Partial<SftConfig> };

const KEYS = Object.keys(DEFAULTS) as (keyof TrainConfig)[];

function positiveInt(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
    throw new InputError(field, `must be a positive integer (got ${JSON.stringify(v)})`);
  }
  return v;
}

function nonNegativeInt(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new InputError(field, `must be an integer ≥ 0 (got ${JSON.stringify(v)})`);
  }
  return v;
}

function number(field: string, v: unknown, ok: (x: number) => boolean, want: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new InputError(field, `must be ${want} (got ${JSON.stringify(v)})`);
  return v;
}

function bool(field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new InputError(field, `must be true or false (got ${JSON.stringify(v)})`);
  return v;
}

function oneOf<T extends string>(field: string, v: unknown, valid: readonly T[]): T {
  if (typeof v !== 'string' || !(valid as readonly string[]).includes(v)) {
    throw new InputError(field, `unknown value ${JSON.stringify(v)} (valid: ${valid.join(', ')})`);
  }
  return v as T;
}

/** The run name an unnamed run gets: estimator (and stage), preset, seed. */
export function defaultRunName(c: Pick<TrainConfig, 'estimator' | 'taskStage' | 'preset' | 'seed'>): string {
  const method = c.estimator === 'g2rpo' ? `g2rpo-${c.taskStage}` : c.estimator;
  return `${method}-${c.preset}-s${c.seed}`;
}

/**
 * Defaults filled in, every field checked; throws `InputError(field, problem)` on the first bad one.
 * Unknown keys are errors too (a misspelt option would otherwise be silently ignored).
 */
export function resolveConfig(input: TrainConfigInput = {}): TrainConfig {
  if (input === null || typeof input !== 'object') throw new InputError('config', 'expected an object');
  for (const k of Object.keys(input)) {
    if (!(KEYS as string[]).includes(k)) throw new InputError(k, `unknown option (known: ${KEYS.join(', ')})`);
  }
  const c = { ...DEFAULTS, ...stripUndefined(input), sft: { ...DEFAULTS.sft, ...stripUndefined(input.sft ?? {}) } };
  for (const k of Object.keys(input.sft ?? {})) {
    if (!(Object.keys(DEFAULTS.sft) as string[]).includes(k)) throw new InputError(`sft.${k}`, 'unknown option (known: steps, batchSize, lr)');
  }

  const seed = c.seed;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) throw new InputError('seed', `must be an integer ≥ 0 (got ${JSON.stringify(seed)})`);
  const preset = oneOf('preset', c.preset, PRESET_NAMES);
  if (!Array.isArray(c.tasks) || c.tasks.length === 0) throw new InputError('tasks', 'must list at least one task');
  const tasks = c.tasks.map((t, i) => oneOf(`tasks[${i}]`, t, TASK_NAMES));
  const dup = tasks.find((t, i) => tasks.indexOf(t) !== i);
  if (dup !== undefined) throw new InputError('tasks', `${dup} is listed twice`);
  const estimator = oneOf('estimator', c.estimator, ESTIMATORS);
  const taskStage = oneOf('taskStage', c.taskStage, TASK_STAGES);
  if (typeof c.outDir !== 'string' || c.outDir === '') throw new InputError('outDir', 'must be a non-empty path');
  const name = c.name === '' ? defaultRunName({ estimator, taskStage, preset, seed }) : c.name;
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) {
    throw new InputError('name', `must be letters, digits, '.', '_' or '-', not starting with '.' (got ${JSON.stringify(name)})`);
  }

  const resolved: TrainConfig = {
    name,
    outDir: c.outDir,
    seed,
    preset,
    tasks,
    estimator,
    taskStage,
    lengthShaping: bool('lengthShaping', c.lengthShaping),
    entropyShaping: bool('entropyShaping', c.entropyShaping),
    steps: positiveInt('steps', c.steps),
    promptsPerStep: positiveInt('promptsPerStep', c.promptsPerStep),
    groupSize: positiveInt('groupSize', c.groupSize),
    miniBatches: positiveInt('miniBatches', c.miniBatches),
    ppoEpochs: positiveInt('ppoEpochs', c.ppoEpochs),
    lr: number('lr', c.lr, (x) => x > 0, 'a positive number'),
    warmupSteps: nonNegativeInt('warmupSteps', c.warmupSteps),
    weightDecay: number('weightDecay', c.weightDecay, (x) => x >= 0, 'a number ≥ 0'),
    gradClip: number('gradClip', c.gradClip, (x) => x > 0, 'a positive number'),
    clipLow: number('clipLow', c.clipLow, (x) => x > 0 && x < 1, 'in (0, 1)'),
    clipHigh: number('clipHigh', c.clipHigh, (x) => x > 0, 'a positive number'),
    dualClip: c.dualClip === null ? null : number('dualClip', c.dualClip, (x) => x > 1, 'a number > 1 (or null: off)'),
    klBeta: number('klBeta', c.klBeta, (x) => x >= 0, 'a number ≥ 0'),
    temperature: number('temperature', c.temperature, (x) => x > 0, 'a positive number (rollouts are sampled)'),
    topP: number('topP', c.topP, (x) => x > 0 && x <= 1, 'in (0, 1]'),
    maxNewTokens: positiveInt('maxNewTokens', c.maxNewTokens),
    lengthWeight: number('lengthWeight', c.lengthWeight, (x) => x >= 0, 'a number ≥ 0'),
    entropyLambda: number('entropyLambda', c.entropyLambda, (x) => x >= 0, 'a number ≥ 0'),
    entropyEstimator: oneOf('entropyEstimator', c.entropyEstimator, ENTROPY_ESTIMATORS),
    filterGroups: bool('filterGroups', c.filterGroups),
    evalEvery: positiveInt('evalEvery', c.evalEvery),
    evalExamples: positiveInt('evalExamples', c.evalExamples),
    evalSamples: positiveInt('evalSamples', c.evalSamples),
    checkpointEvery: positiveInt('checkpointEvery', c.checkpointEvery),
    sft: {
      steps: nonNegativeInt('sft.steps', c.sft.steps),
      batchSize: positiveInt('sft.batchSize', c.sft.batchSize),
      lr: number('sft.lr', c.sft.lr, (x) => x > 0, 'a positive number'),
    },
  };
  if (resolved.groupSize < 2) {
    throw new InputError('groupSize', `must be at least 2 (a group of one has no baseline; got ${resolved.groupSize})`);
  }
  if (resolved.miniBatches > resolved.promptsPerStep * resolved.groupSize) {
    throw new InputError('miniBatches', `${resolved.miniBatches} mini-batches for ${resolved.promptsPerStep * resolved.groupSize} responses per step`);
  }
  return Object.freeze({ ...resolved, tasks: Object.freeze(resolved.tasks.slice()), sft: Object.freeze(resolved.sft) });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The fields that decide the numbers of a run (all but name and outDir): resuming must not change them. */
export function numericConfig(c: TrainConfig): Omit<TrainConfig, 'name' | 'outDir'> {
  const { name: _n, outDir: _o, ...rest } = c;
  return rest;
}
