/**
 * Rollout: G sampled responses for each of the step's prompts, with the sampling policy's per-token
 * log-probs (the PPO "old" log-probs) and true entropies, in one batched, KV-cached `generate` call.
 *
 * Layout: response r = p·G + j is rollout j of prompt p; its group id is p (unique within the step) and
 * its task is the prompt's task. Nothing is scored here (score.ts).
 *
 * Not here: the sampler (src/vlm/sample.ts), rewards (score.ts).
 */
import { Rng, Tensor } from '../tensor/index.js';
import { EOS, IMAGE_LENGTH, type Example, type TaskName } from '../tasks/index.js';
import { generate, type VLM } from '../vlm/index.js';
import { imageBatch } from './data.js';

export interface Rollout {
  /** The step's prompts (P). */
  readonly examples: readonly Example<unknown>[];
  readonly groupSize: number;
  /** Per response (P·G): its prompt index, which is its group id. */
  readonly group: readonly number[];
  readonly task: readonly TaskName[];
  /** Sampled ids, ending with <eos> unless cut at maxNewTokens. */
  readonly tokens: readonly (readonly number[])[];
  /** log π_old(y_t) at temperature 1 (src/vlm/sample.ts header). */
  readonly logProbs: readonly Float64Array[];
  /** True entropy of π_old at each sampled position. */
  readonly entropies: readonly Float64Array[];
  readonly finished: readonly boolean[];
}

export interface RolloutOptions {
  readonly groupSize: number;
  readonly maxNewTokens: number;
  readonly temperature: number;
  readonly topP: number;
}

/** Repeat each example's image G times: (P·G, 3, 32, 32), row p·G + j = image of prompt p. */
function repeatImages(examples: readonly Example<unknown>[], G: number): Tensor {
  const one = imageBatch(examples).data;
  const out = new Float32Array(examples.length * G * IMAGE_LENGTH);
  for (let p = 0; p < examples.length; p++) {
    const img = one.subarray(p * IMAGE_LENGTH, (p + 1) * IMAGE_LENGTH);
    for (let j = 0; j < G; j++) out.set(img, (p * G + j) * IMAGE_LENGTH);
  }
  return new Tensor(out, [examples.length * G, 3, 32, 32]);
}

/** G responses per prompt from `model`, drawing from `rng` (its state advances). */
export function rollout(model: VLM, examples: readonly Example<unknown>[], rng: Rng, o: RolloutOptions): Rollout {
  const G = o.groupSize;
  const group: number[] = [];
  const task: TaskName[] = [];
  const prompts: number[][] = [];
  examples.forEach((e, p) => {
    for (let j = 0; j < G; j++) {
      group.push(p);
      task.push(e.task);
      prompts.push(e.prompt);
    }
  });
  const res = generate(model, repeatImages(examples, G), prompts, {
    maxNewTokens: o.maxNewTokens,
    temperature: o.temperature,
    topP: o.topP,
    rng,
    eosId: EOS,
  });
  return { examples, groupSize: G, group, task, tokens: res.tokens, logProbs: res.logProbs, entropies: res.entropies, finished: res.finished };
}

/** The example a response answers. */
export function exampleOf(r: Rollout, i: number): Example<unknown> {
  return r.examples[r.group[i]];
}
