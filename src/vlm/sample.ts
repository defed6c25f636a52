/**
 * Sampling from the VLM with the KV cache, and teacher-forced log-probs for the PPO update.
 *
 * What the numbers are (one definition for both functions, so PPO's first ratio is 1):
 *   logProb  log π(y_t | image, prompt, y_<t): the POLICY's log-probability, the log-softmax of the raw
 *            logits at temperature 1 over the full vocabulary, not the tempered or top-p-truncated
 *            distribution that the token was actually drawn from. This is what verl/TRL store as
 *            old_log_probs when the rollout temperature is 1, and what the importance ratio needs.
 *   entropy  −Σ_v π(v) log π(v) of that same full temperature-1 distribution (the true entropy, not
 *            the sampled token's surprisal −log π(y_t)).
 * Sampling itself draws from softmax(logits/τ) restricted to the top-p nucleus (the smallest set of most
 * likely tokens whose tempered mass reaches topP, ties broken by lower id), one uniform draw per token
 * from the caller's seeded Rng; τ = 0 is greedy (argmax, lowest id on ties) and draws nothing.
 *
 * Batching: prompts of different lengths are decoded in groups of equal prompt length (in order of each
 * length's first appearance), rows in input order; each step draws one uniform per unfinished row of
 * the group. Finished rows (that sampled eosId) are dropped from the cache. So the same seed, model and
 * inputs give the same tokens.
 *
 * Not here: rewards, advantages, the loss. Reference: Holtzman et al. 2020 (nucleus sampling);
 * HF generate's temperature/top-p order (temperature first, then the nucleus).
 */
import { Rng, Tensor, allocStorage, categorical, gather, noGrad, tensor } from '../tensor/index.js';
import type { VLM } from './model.js';

export interface GenerateOptions {
  /** Most tokens sampled per response (the response ends earlier at eosId). */
  readonly maxNewTokens: number;
  /** Softmax temperature τ ≥ 0 (default 1); 0 = greedy. */
  readonly temperature?: number;
  /** Nucleus mass in (0, 1] (default 1 = no truncation). */
  readonly topP?: number;
  /** Required when temperature > 0. */
  readonly rng?: Rng;
  /** A response ends after sampling this id (which is kept in its tokens and log-probs). */
  readonly eosId?: number;
}

export interface GenerateResult {
  /** Per response, the sampled ids (ending with eosId when it was sampled). */
  readonly tokens: number[][];
  /** Per response, log π(y_t | …) at temperature 1 of each sampled token (see the header). */
  readonly logProbs: Float64Array[];
  /** Per response, the entropy of π (temperature 1, full vocabulary) at each sampled position. */
  readonly entropies: Float64Array[];
  /** Per response, whether it ended by sampling eosId (false: cut at maxNewTokens). */
  readonly finished: boolean[];
}

export interface SampledToken {
  readonly token: number;
  readonly logProb: number;
  readonly entropy: number;
}

/**
 * Zero out every probability outside the top-p nucleus: keep tokens in decreasing probability (ties:
 * lower id first) while the mass before them is < topP·Σp. Not renormalised (categorical does that).
 */
export function topPFilter(probs: Float64Array, topP: number): Float64Array {
  if (topP >= 1) return probs;
  let total = 0;
  for (let i = 0; i < probs.length; i++) total += probs[i];
  const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a] || a - b);
  const out = new Float64Array(probs.length);
  let before = 0;
  for (const i of order) {
    if (before >= topP * total) break;
    out[i] = probs[i];
    before += probs[i];
  }
  return out;
}

function checkSampling(where: string, temperature: number, topP: number, rng: Rng | undefined): void {
  if (!(temperature >= 0) || !Number.isFinite(temperature)) throw new Error(`${where}: temperature must be a finite number ≥ 0, got ${temperature}`);
  if (!(topP > 0 && topP <= 1)) throw new Error(`${where}: topP must be in (0, 1], got ${topP}`);
  if (temperature > 0 && rng === undefined) throw new Error(`${where}: rng is required when temperature > 0 (seeded sampling only)`);
}

/**
 * One token from one row of logits (length V): the choice (temperature/top-p as in the header) and the
 * policy's log-prob and entropy at temperature 1, computed in float64.
 */
export function sampleFromLogits(
  logits: ArrayLike<number>,
  opts: { readonly temperature: number; readonly topP: number; readonly rng?: Rng },
): SampledToken {
  const V = logits.length;
  let m = -Infinity;
  let arg = 0;
  for (let j = 0; j < V; j++) {
    if (!Number.isFinite(logits[j])) throw new Error(`sampleFromLogits: logits[${j}] = ${logits[j]} is not finite`);
    if (logits[j] > m) {
      m = logits[j];
      arg = j;
    }
  }
  let s = 0;
  for (let j = 0; j < V; j++) s += Math.exp(logits[j] - m);
  const lse = m + Math.log(s);
  let entropy = 0;
  for (let j = 0; j < V; j++) {
    const lp = logits[j] - lse;
    entropy -= Math.exp(lp) * lp;
  }
  let token = arg;
  if (opts.temperature > 0) {
    const q = new Float64Array(V);
    for (let j = 0; j < V; j++) q[j] = Math.exp((logits[j] - m) / opts.temperature); // max term is 1: no overflow
    token = categorical(topPFilter(q, opts.topP), opts.rng!);
  }
  return { token, logProb: logits[token] - lse, entropy };
}

/** Rows `rows` of a (B, …) tensor, copied (no gradient). */
function takeRows(t: Tensor, rows: readonly number[]): Tensor {
  const n = t.size / t.shape[0];
  const src = t.contiguous().data;
  const out = allocStorage(t.dtype, rows.length * n);
  rows.forEach((r, i) => out.set(src.subarray(r * n, (r + 1) * n), i * n));
  return new Tensor(out, [rows.length, ...t.shape.slice(1)]);
}

function checkIds(where: string, ids: readonly number[], V: number): void {
  ids.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v >= V) throw new Error(`${where}[${i}] = ${v} is not a token id in [0, ${V})`);
  });
}

/** Sample responses for `images` (B, 3, H, W) after `promptIds` (B prompts, each ≥ 1 token) with the KV cache. */
export function generate(model: VLM, images: Tensor, promptIds: readonly (readonly number[])[], opts: GenerateOptions): GenerateResult {
  const temperature = opts.temperature ?? 1;
  const topP = opts.topP ?? 1;
  const { maxNewTokens, rng, eosId } = opts;
  const V = model.config.vocabSize;
  checkSampling('generate', temperature, topP, rng);
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw new Error(`generate: maxNewTokens must be a positive integer, got ${maxNewTokens}`);
  if (eosId !== undefined && !(Number.isInteger(eosId) && eosId >= 0 && eosId < V)) throw new Error(`generate: eosId ${eosId} is not a token id in [0, ${V})`);
  const B = promptIds.length;
  if (B === 0) throw new Error('generate: promptIds is empty');
  if (images.ndim !== 4 || images.shape[0] !== B) throw new Error(`generate: images shape [${images.shape.join(', ')}] for ${B} prompts`);
  promptIds.forEach((p, b) => {
    if (p.length < 1) throw new Error(`generate: promptIds[${b}] is empty (a prompt needs at least one token, e.g. <bos>)`);
    checkIds(`generate: promptIds[${b}]`, p, V);
    // The last sampled token is never fed back, so the decoder sees prompt + maxNewTokens − 1 positions.
    if (p.length + maxNewTokens - 1 > model.config.maxTextLen) {
      throw new Error(`generate: promptIds[${b}] has ${p.length} tokens; with maxNewTokens ${maxNewTokens} that needs ${p.length + maxNewTokens - 1} text positions, over maxTextLen ${model.config.maxTextLen}`);
    }
  });

  const tokens: number[][] = promptIds.map(() => []);
  const logProbs: number[][] = promptIds.map(() => []);
  const entropies: number[][] = promptIds.map(() => []);
  const finished = promptIds.map(() => false);
  const groups = new Map<number, number[]>();
  promptIds.forEach((p, b) => {
    const g = groups.get(p.length);
    if (g === undefined) groups.set(p.length, [b]);
    else g.push(b);
  });

  noGrad(() => {
    for (const [Tp, rows] of groups) {
      const cache = model.newCache();
      let logits = model.prefill(takeRows(images, rows), rows.flatMap((b) => promptIds[b]), [rows.length, Tp], cache);
      let active = rows; // original row index of each cache row
      let last = Tp - 1; // position (within the fed block) of the logits to sample from
      for (let step = 0; step < maxNewTokens; step++) {
        const data = logits.data;
        const T = logits.shape[1];
        const next: number[] = [];
        const keep: number[] = [];
        active.forEach((b, i) => {
          const o = (i * T + last) * V;
          const s = sampleFromLogits(data.subarray(o, o + V), { temperature, topP, rng });
          tokens[b].push(s.token);
          logProbs[b].push(s.logProb);
          entropies[b].push(s.entropy);
          if (s.token === eosId) finished[b] = true;
          else {
            keep.push(i);
            next.push(s.token);
          }
        });
        if (keep.length === 0 || step === maxNewTokens - 1) break;
        if (keep.length < active.length) {
          cache.selectRows(keep);
          active = keep.map((i) => active[i]);
        }
        logits = model.extend(next, [active.length, 1], cache);
        last = 0;
      }
    }
  });
  return { tokens, logProbs: logProbs.map((a) => Float64Array.from(a)), entropies: entropies.map((a) => Float64Array.from(a)), finished };
}

export interface TokenLogProbs {
  /** [B, L]: responses and token slots (L = the longest response). */
  readonly shape: readonly [number, number];
  /** (B, L) log π(y_t | …) at temperature 1 (header), differentiable; 0 at padding slots. */
  readonly logProbs: Tensor;
  /** (B, L) entropy of π at each response position, differentiable; 0 at padding slots. */
  readonly entropies: Tensor;
  /** B·L, 1 at real tokens, 0 at padding (the src/rl TokenBatch layout: k = b·L + t). */
  readonly mask: Uint8Array;
}

/**
 * Teacher-forced log-probs and entropies of `responseIds` after `promptIds` for `images`, with gradient
 * (unless called under noGrad): one batched forward over prompt ++ response (right-padded; padding after
 * a row's last token cannot change its earlier positions under the causal mask).
 */
export function tokenLogProbs(
  model: VLM,
  images: Tensor,
  promptIds: readonly (readonly number[])[],
  responseIds: readonly (readonly number[])[],
): TokenLogProbs {
  const V = model.config.vocabSize;
  const B = promptIds.length;
  if (B === 0) throw new Error('tokenLogProbs: promptIds is empty');
  if (responseIds.length !== B) throw new Error(`tokenLogProbs: ${responseIds.length} responses for ${B} prompts`);
  if (images.ndim !== 4 || images.shape[0] !== B) throw new Error(`tokenLogProbs: images shape [${images.shape.join(', ')}] for ${B} prompts`);
  let L = 0;
  let Lin = 0; // fed positions: prompt + response minus its last token (never an input)
  promptIds.forEach((p, b) => {
    if (p.length < 1) throw new Error(`tokenLogProbs: promptIds[${b}] is empty (a prompt needs at least one token, e.g. <bos>)`);
    checkIds(`tokenLogProbs: promptIds[${b}]`, p, V);
    checkIds(`tokenLogProbs: responseIds[${b}]`, responseIds[b], V);
    L = Math.max(L, responseIds[b].length);
    Lin = Math.max(Lin, p.length + Math.max(responseIds[b].length - 1, 0));
  });
  if (Lin > model.config.maxTextLen) throw new Error(`tokenLogProbs: ${Lin} text positions needed, over maxTextLen ${model.config.maxTextLen}`);
  const mask = new Uint8Array(B * L);
  if (L === 0) {
    const empty = tensor([], [B, 0], { dtype: model.dtype });
    return { shape: [B, 0], logProbs: empty, entropies: empty, mask };
  }
  const input = new Int32Array(B * Lin); // padding id 0: any valid id, it only feeds later positions
  const target = new Int32Array(B * Lin); // the next token at each fed position (0 where unused)
  const slot = new Int32Array(B * L); // fed position whose logits predict response token t
  promptIds.forEach((p, b) => {
    const r = responseIds[b];
    const seq = [...p, ...r.slice(0, Math.max(r.length - 1, 0))];
    input.set(seq, b * Lin);
    r.forEach((y, t) => {
      target[b * Lin + p.length - 1 + t] = y;
      slot[b * L + t] = p.length - 1 + t;
      mask[b * L + t] = 1;
    });
  });
  const promptLens = promptIds.map((p) => p.length); // the prefix of each row under prefix 'image+prompt'
  const logp = model.forward(images, input, [B, Lin], promptLens).logSoftmax(-1); // (B, Lin, V)
  const picked = gather(logp, target).reshape([B, Lin]); // (B, Lin): log π of each next token
  const ent = logp.exp().mul(logp).sum(-1).neg(); // (B, Lin): −Σ p log p
  const m = tensor(mask, [B, L], { dtype: model.dtype });
  return {
    shape: [B, L],
    logProbs: gather(picked, slot).mul(m), // (B, L)
    entropies: gather(ent, slot).mul(m), // (B, L)
    mask,
  };
}
