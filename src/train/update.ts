/**
 * The PPO update of one RL step: the kept responses are dealt into mini-batches, and each mini-batch is
 * one optimizer step. Within a mini-batch the responses are processed task by task ("chunks"):
 *
 *   forward   lp = tokenLogProbs(model, chunk)                      (b, L) log π_θ, with gradient
 *   loss      policyLoss({lp, old = rollout log-probs, A, mask}, token-mean over the WHOLE mini-batch)
 *             + β·k3 KL to the warm-start model (optional)
 *             + entropy band penalty of the chunk's task (src/rl/shaping; the chunk is all of that task's
 *               tokens in the mini-batch, so the per-task mean is the mini-batch's)
 *   backward  lp.backward(d loss / d lp): the loss's analytic gradient w.r.t. the log-probs is pushed
 *             into the model through the log-prob tensor (and through the entropy tensor for the
 *             'entropy' estimator)
 *
 * Because token-mean is divided by the mini-batch's token count (policyLoss `tokenCount`), the chunk
 * gradients add up to exactly the gradient of the mini-batch loss, and each chunk's own gradient is the
 * gradient "from that task's responses alone". That is the gradient-norm share of the metrics: on the
 * FIRST mini-batch of the step (the on-policy one, ratio = 1), each chunk's surrogate gradient is
 * backpropagated on its own (the other tasks' gradient is zero by construction, not masked after the
 * fact) and its global L2 norm taken; shares are norms / Σ norms (gradShares).
 *
 * Not here: the loss math (src/rl/loss, src/rl/shaping), advantages (advantage.ts), the optimizer.
 */
import { policyLoss, type PolicyLossOptions } from '../rl/loss/index.js';
import { entropyPenalty, type EntropyBand } from '../rl/shaping/index.js';
import { AdamW, clipGradNorm, gradNorm } from '../optim/index.js';
import { Tensor, noGrad } from '../tensor/index.js';
import type { Example, TaskName } from '../tasks/index.js';
import { tokenLogProbs, type VLM } from '../vlm/index.js';
import type { EntropyEstimatorName } from './config.js';
import { imageBatch } from './data.js';
import type { Rollout } from './rollout.js';

export interface UpdateOptions {
  readonly miniBatches: number;
  readonly ppoEpochs: number;
  readonly loss: Partial<PolicyLossOptions>;
  readonly klBeta: number;
  readonly entropyShaping: boolean;
  readonly entropyLambda: number;
  readonly entropyEstimator: EntropyEstimatorName;
  readonly bands: ReadonlyMap<TaskName, EntropyBand>;
  readonly gradClip: number;
  /** Factor of the base lr for this step's optimizer steps (the schedule's value). */
  readonly lrScale: number;
}

export interface UpdateMetrics {
  /** Mean over optimizer steps of surrogate + KL + entropy penalty. */
  readonly loss: number;
  /** Token means over every mini-batch of every epoch (docs/loss.md definitions). */
  readonly clipFrac: number;
  readonly clipFracLow: number;
  readonly clipFracHigh: number;
  /** Token mean of k3(π_old ‖ π_θ) = r − 1 − log r (≥ 0). */
  readonly approxKl: number;
  /** Token mean of k3 to the warm-start model (only with klBeta > 0). */
  readonly klRef: number | null;
  /** Mean pre-clip global gradient norm over the optimizer steps. */
  readonly gradNorm: number;
  /** Per task present in the first mini-batch: the L2 norm of its surrogate gradient alone. */
  readonly taskGradNorms: ReadonlyMap<TaskName, number>;
  /** Per task: the entropy penalty (mean over the mini-batches where the task appears). */
  readonly entropyPenalty: ReadonlyMap<TaskName, number>;
  readonly optimizerSteps: number;
}

/**
 * Mini-batches of the kept responses: the k-th kept response of a task goes to mini-batch k mod M, so
 * every mini-batch holds about 1/M of every task's responses (each task is in the first mini-batch
 * whenever it has a kept response). Empty mini-batches are dropped. Deterministic, no shuffling.
 */
export function splitMiniBatches(kept: ArrayLike<number>, task: readonly TaskName[], M: number): number[][] {
  const out: number[][] = Array.from({ length: M }, () => []);
  const rank = new Map<TaskName, number>();
  for (let k = 0; k < kept.length; k++) {
    const i = kept[k];
    const r = rank.get(task[i]) ?? 0;
    rank.set(task[i], r + 1);
    out[r % M].push(i);
  }
  return out.filter((b) => b.length > 0).map((b) => b.sort((x, y) => x - y));
}

/** Shares norm_τ / Σ norms; an all-zero (or empty) set of norms has no shares (null). */
export function gradShares(norms: ReadonlyMap<TaskName, number>): Map<TaskName, number> | null {
  let total = 0;
  for (const v of norms.values()) total += v;
  if (!(total > 0)) return null;
  return new Map([...norms].map(([t, v]) => [t, v / total]));
}

/** One task's responses of a mini-batch, in the padded [b, L] layout of the loss. */
interface ChunkBatch {
  readonly task: TaskName;
  readonly rows: readonly number[];
  readonly L: number;
  readonly mask: Uint8Array;
  readonly oldLogProbs: Float64Array;
  readonly advantages: Float64Array;
}

function chunkBatch(r: Rollout, advantages: Float64Array, task: TaskName, rows: readonly number[]): ChunkBatch {
  const L = Math.max(...rows.map((i) => r.tokens[i].length));
  const mask = new Uint8Array(rows.length * L);
  const old = new Float64Array(rows.length * L);
  rows.forEach((i, b) => {
    r.logProbs[i].forEach((v, t) => {
      old[b * L + t] = v;
      mask[b * L + t] = 1;
    });
  });
  return { task, rows, L, mask, oldLogProbs: old, advantages: Float64Array.from(rows, (i) => advantages[i]) };
}

/** Inputs of tokenLogProbs for some responses of the rollout. */
function modelInputs(r: Rollout, rows: readonly number[]): { images: Tensor; prompts: number[][]; responses: number[][] } {
  const ex: Example<unknown>[] = rows.map((i) => r.examples[r.group[i]]);
  return { images: imageBatch(ex), prompts: ex.map((e) => e.prompt), responses: rows.map((i) => r.tokens[i].slice()) };
}

function f32(g: Float64Array, shape: readonly number[]): Tensor {
  return new Tensor(Float32Array.from(g), shape);
}

/** Running sums for the step's metrics (token-weighted). */
export class Totals {
  tokens = 0;
  clip = 0;
  low = 0;
  high = 0;
  kl = 0;
  klRef = 0;
  add(n: number, m: { clip: number; low: number; high: number; kl: number; klRef: number }): void {
    this.tokens += n;
    this.clip += n * m.clip;
    this.low += n * m.low;
    this.high += n * m.high;
    this.kl += n * m.kl;
    this.klRef += n * m.klRef;
  }
}

/**
 * One chunk: forward, the three loss terms and their gradients, backward. With `measure`, the surrogate's
 * gradient is backpropagated first and alone, and the global norm of what it put into the (previously
 * zeroed) gradients is returned; the other terms follow.
 */
function chunkStep(
  model: VLM,
  ref: VLM | null,
  r: Rollout,
  c: ChunkBatch,
  tokenCount: number,
  o: UpdateOptions,
  totals: Totals,
  measure: boolean,
): { loss: number; norm: number; penalty: number | null } {
  const shape: [number, number] = [c.rows.length, c.L];
  const inputs = modelInputs(r, c.rows);
  const out = tokenLogProbs(model, inputs.images, inputs.prompts, inputs.responses);
  const logProbs = Float64Array.from(out.logProbs.data);
  const common = { shape, logProbs, oldLogProbs: c.oldLogProbs, mask: c.mask };
  const lossOptions = { ...o.loss, tokenCount, klBeta: 0 };

  const pg = policyLoss({ ...common, advantages: c.advantages }, lossOptions);
  let loss = pg.loss;
  // Extra gradients on top of the surrogate's: w.r.t. the log-probs (KL, neg-logp entropy) and w.r.t.
  // the entropies ('entropy' estimator).
  let extraLp: Float64Array | null = null;
  let extraEnt: Float64Array | null = null;
  let klRef = 0;
  if (ref !== null) {
    const refLp = noGrad(() => tokenLogProbs(ref, inputs.images, inputs.prompts, inputs.responses));
    // Advantages 0 make the surrogate vanish: what is left is exactly β·aggregate(k3) and its gradient.
    const kl = policyLoss(
      { ...common, advantages: new Float64Array(c.rows.length), refLogProbs: Float64Array.from(refLp.logProbs.data) },
      { ...lossOptions, klBeta: o.klBeta },
    );
    loss += kl.loss;
    klRef = kl.metrics.kl ?? 0;
    if (o.klBeta > 0) extraLp = kl.gradLogProbs;
  }
  let penalty: number | null = null;
  if (o.entropyShaping) {
    const useTrue = o.entropyEstimator === 'entropy';
    const ent = entropyPenalty(
      {
        shape,
        values: useTrue ? Float64Array.from(out.entropies.data) : logProbs,
        mask: c.mask,
        tasks: c.rows.map(() => c.task),
        estimator: o.entropyEstimator,
      },
      { lambda: o.entropyLambda, bands: o.bands },
    );
    penalty = ent.penalty;
    loss += ent.penalty;
    if (ent.penalty > 0) {
      if (useTrue) extraEnt = ent.grad;
      else if (extraLp === null) extraLp = ent.grad;
      else for (let k = 0; k < extraLp.length; k++) extraLp[k] += ent.grad[k];
    }
  }

  const m = pg.metrics;
  totals.add(m.num_tokens, {
    clip: m['actor/pg_clipfrac'] || 0,
    low: m['clip_ratio/low_mean'] || 0,
    high: m['clip_ratio/high_mean'] || 0,
    kl: m['actor/ppo_kl_k3'] || 0,
    klRef,
  });

  let norm = 0;
  if (measure) {
    const params = model.parameters();
    const saved = params.map((p) => p.grad);
    for (const p of params) p.grad = null;
    out.logProbs.backward(f32(pg.gradLogProbs, shape), { retainGraph: extraLp !== null || extraEnt !== null });
    norm = gradNorm(params);
    // Put the earlier chunks' gradients back on top: g ← saved + this chunk's surrogate gradient.
    params.forEach((p, k) => {
      const s = saved[k];
      if (s === null) return;
      if (p.grad === null) p.grad = s;
      else {
        const d = p.grad.data;
        const a = s.data;
        for (let i = 0; i < d.length; i++) d[i] += a[i];
      }
    });
    if (extraLp !== null) out.logProbs.backward(f32(extraLp, shape), { retainGraph: extraEnt !== null });
  } else {
    const g = extraLp === null ? pg.gradLogProbs : pg.gradLogProbs.map((v, k) => v + extraLp![k]);
    out.logProbs.backward(f32(g, shape), { retainGraph: extraEnt !== null });
  }
  if (extraEnt !== null) out.entropies.backward(f32(extraEnt, shape));
  return { loss, norm, penalty };
}

export interface MiniBatchResult {
  /** Surrogate + KL + entropy penalty of the mini-batch. */
  readonly loss: number;
  /** With `measure`: per task of the mini-batch, the L2 norm of its surrogate gradient alone. */
  readonly norms: ReadonlyMap<TaskName, number>;
  readonly penalties: ReadonlyMap<TaskName, number>;
}

/**
 * The gradient of one mini-batch's loss, accumulated into the parameters' `.grad` (which the caller
 * zeroes before and steps after), chunk by chunk in the order of `tasks`.
 */
export function accumulateMiniBatch(
  model: VLM,
  ref: VLM | null,
  r: Rollout,
  advantages: Float64Array,
  rows: readonly number[],
  tasks: readonly TaskName[],
  o: UpdateOptions,
  measure: boolean,
  totals: Totals = new Totals(),
): MiniBatchResult {
  const tokenCount = rows.reduce((s, i) => s + r.tokens[i].length, 0);
  const norms = new Map<TaskName, number>();
  const penalties = new Map<TaskName, number>();
  let loss = 0;
  for (const task of tasks) {
    const taskRows = rows.filter((i) => r.task[i] === task);
    if (taskRows.length === 0) continue;
    const res = chunkStep(model, ref, r, chunkBatch(r, advantages, task, taskRows), tokenCount, o, totals, measure);
    loss += res.loss;
    if (measure) norms.set(task, res.norm);
    if (res.penalty !== null) penalties.set(task, res.penalty);
  }
  return { loss, norms, penalties };
}

/** The PPO epochs over the step's kept responses; the model's parameters are updated in place. */
export function ppoUpdate(
  model: VLM,
  ref: VLM | null,
  opt: AdamW,
  r: Rollout,
  advantages: Float64Array,
  kept: ArrayLike<number>,
  tasks: readonly TaskName[],
  o: UpdateOptions,
): UpdateMetrics {
  const batches = splitMiniBatches(kept, r.task, o.miniBatches);
  const totals = new Totals();
  let norms: ReadonlyMap<TaskName, number> = new Map();
  const penalties = new Map<TaskName, number[]>();
  let lossSum = 0;
  let normSum = 0;
  let steps = 0;
  const params = model.parameterDict();
  for (let epoch = 0; epoch < o.ppoEpochs; epoch++) {
    batches.forEach((rows, bi) => {
      const measure = epoch === 0 && bi === 0;
      opt.zeroGrad();
      const res = accumulateMiniBatch(model, ref, r, advantages, rows, tasks, o, measure, totals);
      if (measure) norms = res.norms;
      for (const [t, v] of res.penalties) penalties.set(t, [...(penalties.get(t) ?? []), v]);
      normSum += clipGradNorm(params, o.gradClip);
      opt.step(o.lrScale);
      opt.zeroGrad();
      lossSum += res.loss;
      steps++;
    });
  }
  const per = (x: number): number => (totals.tokens === 0 ? NaN : x / totals.tokens);
  return {
    loss: steps === 0 ? NaN : lossSum / steps,
    clipFrac: per(totals.clip),
    clipFracLow: per(totals.low),
    clipFracHigh: per(totals.high),
    approxKl: per(totals.kl),
    klRef: ref === null ? null : per(totals.klRef),
    gradNorm: steps === 0 ? NaN : normSum / steps,
    taskGradNorms: norms,
    entropyPenalty: new Map([...penalties].map(([t, v]) => [t, v.reduce((a, b) => a + b, 0) / v.length])),
    optimizerSteps: steps,
  };
}
