/**
 * Held-out evaluation: the fixed eval-split examples (data.ts `evalSet`) answered
 *
 *   greedily   temperature 0: the policy's mode, one response per example;
 *   sampled    temperature 1 (the rollout temperature), `samples` responses per example, averaged: an
 *              estimate of the policy's EXPECTED reward on that example, which is what RL maximises.
 *
 * The sampler's stream is derived from the seed only (not the step): common random numbers, so the
 * evaluations at step 0 and at the end use the same uniform draws, and an unchanged policy gives exactly
 * the same sampled rewards (a paired comparison sees only what the model changed). The same seed and
 * model give the same numbers in every run and after a resume.
 *
 * The reward here is the task reward WITHOUT the length term (0.9·accuracy + 0.1·format + structure), so
 * runs with and without length shaping are compared on one scale. Per-example rewards (greedy, and the
 * sampled mean) are kept for the learning test (summary.ts).
 *
 * Not here: the test itself, the schedule of evaluations (trainer.ts).
 */
import { Rng, Tensor } from '../tensor/index.js';
import { EOS, TASKS, reward, type Example, type TaskName } from '../tasks/index.js';
import { generate, type VLM } from '../vlm/index.js';
import { deriveSeed, imageBatch } from './data.js';

export interface TaskEval {
  readonly greedy_reward: number;
  readonly greedy_accuracy: number;
  readonly sampled_reward: number;
  readonly sampled_accuracy: number;
  readonly n: number;
}

export interface EvalResult {
  readonly tasks: Record<string, TaskEval>;
  /** Per task, per eval example (evalSet order): the greedy reward, and the mean sampled reward. */
  readonly perExample: { readonly greedy: Record<string, number[]>; readonly sampled: Record<string, number[]> };
}

export interface EvalOptions {
  readonly seed: number;
  readonly maxNewTokens: number;
  readonly tasks: readonly TaskName[];
  /** Sampled responses per example (≥ 1). */
  readonly samples: number;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Reward and accuracy of each response; response i answers examples[i mod examples.length]. */
function scoreAll(examples: readonly Example<unknown>[], tokens: readonly (readonly number[])[]): { reward: number[]; accuracy: number[] } {
  const scores = tokens.map((t, i) => {
    const e = examples[i % examples.length];
    return TASKS[e.task].score(t, e);
  });
  return { reward: scores.map((s) => reward(s)), accuracy: scores.map((s) => s.accuracy) };
}

/** The images K times over: (K·N, 3, 32, 32), copy k of example i at row k·N + i. */
function tile(images: Tensor, K: number): Tensor {
  const one = images.data;
  const out = new Float32Array(one.length * K);
  for (let k = 0; k < K; k++) out.set(one, k * one.length);
  return new Tensor(out, [images.shape[0] * K, 3, 32, 32]);
}

export function evaluate(model: VLM, examples: readonly Example<unknown>[], o: EvalOptions): EvalResult {
  const N = examples.length;
  const images = imageBatch(examples);
  const prompts = examples.map((e) => e.prompt);
  const greedyTokens = generate(model, images, prompts, { maxNewTokens: o.maxNewTokens, temperature: 0, eosId: EOS }).tokens;
  const sampledTokens = generate(model, tile(images, o.samples), Array.from({ length: o.samples }, () => prompts).flat(), {
    maxNewTokens: o.maxNewTokens,
    temperature: 1,
    eosId: EOS,
    rng: new Rng(deriveSeed(o.seed, 'eval-sample')),
  }).tokens;
  const greedy = scoreAll(examples, greedyTokens);
  const sampled = scoreAll(examples, sampledTokens);
  const sampledMean = (values: number[], i: number) => mean(Array.from({ length: o.samples }, (_, k) => values[k * N + i]));

  const tasks: Record<string, TaskEval> = {};
  const perGreedy: Record<string, number[]> = {};
  const perSampled: Record<string, number[]> = {};
  for (const task of o.tasks) {
    const idx = examples.flatMap((e, i) => (e.task === task ? [i] : []));
    perGreedy[task] = idx.map((i) => greedy.reward[i]);
    perSampled[task] = idx.map((i) => sampledMean(sampled.reward, i));
    tasks[task] = {
      greedy_reward: mean(perGreedy[task]),
      greedy_accuracy: mean(idx.map((i) => greedy.accuracy[i])),
      sampled_reward: mean(perSampled[task]),
      sampled_accuracy: mean(idx.map((i) => sampledMean(sampled.accuracy, i))),
      n: idx.length,
    };
  }
  return { tasks, perExample: { greedy: perGreedy, sampled: perSampled } };
}
