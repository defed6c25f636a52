/**
 * Where the trainer's examples come from: the per-step prompts (train split, tasks taken in turn from one
 * seeded stream whose state the checkpoint saves), the fixed held-out set (eval split, the same examples
 * at every evaluation and in every run of a seed), image batching, and the derivation of independent
 * seeds from the run seed.
 *
 * Not here: the task generators (src/tasks), sampling from the model (rollout.ts).
 */
import { Tensor } from '../tensor/index.js';
import { IMAGE_CHANNELS, IMAGE_LENGTH, IMAGE_SIZE, SeededRng, TASKS, type Example, type TaskName } from '../tasks/index.js';

/**
 * An independent 32-bit seed for one purpose (`'sft'`, `'eval'`, `'rollout'`…) of a run seed: FNV-1a of
 * the text, then murmur3's finaliser. Different labels give unrelated streams, so adding a stream never
 * shifts another one (as drawing them all from one generator would).
 */
export function deriveSeed(seed: number, ...labels: readonly (string | number)[]): number {
  const text = `${seed}/${labels.join('/')}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Images of `examples` as one (B, 3, 32, 32) float32 tensor, in order. */
export function imageBatch(examples: readonly Example<unknown>[]): Tensor {
  const data = new Float32Array(examples.length * IMAGE_LENGTH);
  examples.forEach((e, i) => data.set(e.image, i * IMAGE_LENGTH));
  return new Tensor(data, [examples.length, IMAGE_CHANNELS, IMAGE_SIZE, IMAGE_SIZE]);
}

/**
 * The tasks of one step's P prompts: task ((step − 1)·P + i) mod T for prompt i, so the tasks are taken
 * in turn across steps and every task gets ⌊P/T⌋ or ⌈P/T⌉ prompts per step.
 */
export function stepTasks(tasks: readonly TaskName[], step: number, prompts: number): TaskName[] {
  return Array.from({ length: prompts }, (_, i) => tasks[((step - 1) * prompts + i) % tasks.length]);
}

/** Train-split examples for those tasks, drawn in order from `rng` (its state advances). */
export function drawExamples(rng: SeededRng, tasks: readonly TaskName[]): Example<unknown>[] {
  return tasks.map((t) => TASKS[t].generate(rng, 'train'));
}

/**
 * The held-out set: `perTask` eval-split examples of each task, task by task, from a stream of its own
 * (deriveSeed(seed, 'eval', task)), so the set of one task does not depend on which other tasks run.
 */
export function evalSet(seed: number, tasks: readonly TaskName[], perTask: number): Example<unknown>[] {
  return tasks.flatMap((t) => {
    const rng = new SeededRng(deriveSeed(seed, 'eval', t));
    return Array.from({ length: perTask }, () => TASKS[t].generate(rng, 'eval'));
  });
}
