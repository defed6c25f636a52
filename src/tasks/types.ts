/**
 * The shapes shared by the six task families: an example, a score, a family. Types only.
 */
import type { Rng } from './rng.js';

export const TASK_NAMES = ['grounding', 'reading', 'counting', 'chart', 'spatial', 'math'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

export const SPLITS = ['train', 'eval'] as const;
export type Split = (typeof SPLITS)[number];

/** Image side in pixels, channels, and the number of floats of one image (CHW). */
export const IMAGE_SIZE = 32;
export const IMAGE_CHANNELS = 3;
export const IMAGE_LENGTH = IMAGE_CHANNELS * IMAGE_SIZE * IMAGE_SIZE;

export interface Example<A = unknown> {
  readonly task: TaskName;
  /** 3×32×32, channel-major (CHW): value of channel c at row y, column x is image[c·1024 + y·32 + x], in [0, 1]. */
  readonly image: Float32Array;
  /** Token ids of the question, starting with <bos>. */
  readonly prompt: number[];
  /** The ground truth, in the family's answer type. */
  readonly answer: A;
  /** A reference response for supervised warm start: <thinking> … </thinking><answer> … </answer><eos>. */
  readonly trace: number[];
  /** 64-bit content key (16 hex digits) of image, prompt and answer; it decides the split (split.ts). */
  readonly key: string;
}

/** The three reward components of one response: accuracy ∈ [0, 1], format ∈ {0, 1}, structure ∈ {0, 0.5}. */
export interface Score {
  readonly accuracy: number;
  readonly format: number;
  readonly structure: number;
}

export interface TaskFamily<A = unknown> {
  readonly name: TaskName;
  /** One line on what is asked and how it is rewarded. */
  readonly description: string;
  /** Draws one example of the split; the same rng state gives the same example. */
  generate(rng: Rng, split: Split): Example<A>;
  /** The answer part's token ids → the family's answer type, or null when it does not fit the schema. */
  parseAnswer(answer: readonly number[]): A | null;
  /** Accuracy, format and structure of a response (the ids the model wrote after the prompt). */
  score(response: ArrayLike<number>, example: Example<A>): Score;
}
