/**
 * One RL step as a pipeline of small, separately testable steps, each timed:
 *
 *   prompts     P train-split examples, tasks in turn (data.ts)
 *   rollout     G samples per prompt with old log-probs and entropies (rollout.ts)
 *   score       rewards per task (+ length shaping) (score.ts)
 *   advantages  online filter, then the estimator over the kept responses (advantage.ts)
 *   update      PPO mini-batches with the clipped loss, KL and entropy shaping (update.ts)
 *   metrics     the step record of metrics.jsonl (metrics.ts)
 *
 * The state it advances (model, optimizer, the two RNG streams, EMA-GRPO's stds) is passed in; nothing
 * is kept here. Not here: evaluation, checkpoints, the loop (trainer.ts).
 */
import type { EmaStdState } from '../rl/advantages/index.js';
import type { AdamW } from '../optim/index.js';
import type { Rng } from '../tensor/index.js';
import type { SeededRng } from '../tasks/index.js';
import type { VLM } from '../vlm/index.js';
import { filterAndAdvantages } from './advantage.js';
import type { TrainConfig } from './config.js';
import { drawExamples, stepTasks } from './data.js';
import { num, taskMetrics } from './metrics.js';
import { rollout } from './rollout.js';
import { scoreRollout } from './score.js';
import { bandMap, envelopeMap } from './suite.js';
import { ppoUpdate, type UpdateMetrics } from './update.js';

export interface StepState {
  readonly model: VLM;
  /** The frozen warm-start model for the KL term, or null when klBeta = 0. */
  readonly ref: VLM | null;
  readonly opt: AdamW;
  readonly dataRng: SeededRng;
  readonly sampleRng: Rng;
  readonly emaState: EmaStdState;
}

export interface StepRecords {
  /** The `step` line without its time fields (time_s, phase_ms), which the caller adds. */
  readonly step: Record<string, unknown>;
  /** The `advantages` line. */
  readonly advantages: Record<string, unknown>;
  readonly phaseMs: Record<string, number>;
  /** Mean reward per task, for the progress line. */
  readonly rewards: Record<string, number | null>;
}

/** At most this many advantages go into an `advantages` line (schema: "a sample of at most 4096"). */
export const MAX_ADVANTAGE_VALUES = 4096;

/** The LR factor of RL step `step` (1-based): linear warmup over `warmupSteps`, then constant. */
export function lrFactor(step: number, warmupSteps: number): number {
  return step < warmupSteps ? step / warmupSteps : 1;
}

export function rlStep(c: TrainConfig, s: StepState, step: number): StepRecords {
  const phaseMs: Record<string, number> = {};
  const time = <T>(phase: string, fn: () => T): T => {
    const t0 = performance.now();
    const out = fn();
    phaseMs[phase] = performance.now() - t0;
    return out;
  };
  const examples = time('prompts', () => drawExamples(s.dataRng, stepTasks(c.tasks, step, c.promptsPerStep)));
  const r = time('rollout', () =>
    rollout(s.model, examples, s.sampleRng, { groupSize: c.groupSize, maxNewTokens: c.maxNewTokens, temperature: c.temperature, topP: c.topP }),
  );
  const scored = time('score', () => scoreRollout(r, c));
  const adv = time('advantages', () => filterAndAdvantages(r, scored, { ...c, emaState: s.emaState }));
  const lrScale = lrFactor(step, c.warmupSteps);
  const bands = bandMap(c.tasks);
  const u: UpdateMetrics | null = time('update', () =>
    adv.kept.length === 0
      ? null
      : ppoUpdate(s.model, s.ref, s.opt, r, adv.advantages, adv.kept, c.tasks, {
          miniBatches: c.miniBatches,
          ppoEpochs: c.ppoEpochs,
          loss: { clipLow: c.clipLow, clipHigh: c.clipHigh, dualClip: c.dualClip },
          klBeta: c.klBeta,
          entropyShaping: c.entropyShaping,
          entropyLambda: c.entropyLambda,
          entropyEstimator: c.entropyEstimator,
          bands,
          gradClip: c.gradClip,
          lrScale,
        }),
  );
  const tasks = time('metrics', () =>
    taskMetrics(r, scored, adv, u, { tasks: c.tasks, lengthShaping: c.lengthShaping, entropyShaping: c.entropyShaping, envelopes: envelopeMap(c.tasks), bands }),
  );
  const keptAdv = Array.from(adv.kept, (i) => adv.advantages[i]);
  const stride = Math.max(1, Math.ceil(keptAdv.length / MAX_ADVANTAGE_VALUES));
  return {
    step: {
      type: 'step',
      step,
      loss: num(u?.loss),
      clip_frac: num(u?.clipFrac),
      clip_frac_low: num(u?.clipFracLow),
      clip_frac_high: num(u?.clipFracHigh),
      approx_kl: num(u?.approxKl),
      ...(s.ref !== null ? { kl_ref: num(u?.klRef) } : {}),
      grad_norm: num(u?.gradNorm),
      lr: c.lr * lrScale,
      kept_groups: adv.keptGroups,
      dropped_groups: adv.droppedGroups,
      optimizer_steps: u?.optimizerSteps ?? 0,
      tasks,
    },
    advantages: { type: 'advantages', step, values: keptAdv.filter((_, k) => k % stride === 0) },
    phaseMs,
    rewards: Object.fromEntries(Object.entries(tasks).map(([t, m]) => [t, m.reward])),
  };
}
