/**
 * Entropy shaping (paper Eq. 10): a per-task band [H_min, H_max] on the policy's entropy, penalised
 * linearly outside it. It is a LOSS term (added to the policy loss and minimised), not a reward: it does
 * not go through the advantages. `entropyPenalty` returns the penalty and its gradient with respect to
 * each token's input value, so the caller adds `grad` to the policy loss's gradient w.r.t. the log-probs.
 *
 *   H_τ = mean over the task's unmasked tokens of h_t
 *         h_t = −log π(sampled token)   estimator 'neg-logp' (as published: a one-sample estimate)
 *         h_t = −Σ_v p_v log p_v        estimator 'entropy' (the true token entropy, from `tokenEntropy`)
 *   penalty = Σ_{τ present} λ·(max(0, H_τ − H_max) + max(0, H_min − H_τ))
 *
 * Not here: computing log-probs or distributions (the model's job), or the policy loss itself.
 * Reference: shared g2rpo-spec §4–§5; proofs/shaping.md §4–§5; docs/shaping.md.
 */
import { InputError } from '../errors.js';
import type { Id } from '../advantages/types.js';
import { checkIds, checkKeys, checkNumber, showId } from './check.js';

export interface EntropyBand {
  readonly hMin: number;
  readonly hMax: number;
}

/** The released code's band for every task (in nats), and its coefficient λ. */
export const DEFAULT_ENTROPY_BAND: EntropyBand = { hMin: 0.2, hMax: 0.6 };
export const DEFAULT_ENTROPY_LAMBDA = 0.02;

/**
 * The relative slack allowed on Σp = 1 for a probability row. It is there to catch a row of logits or of
 * unnormalised weights, not float32 noise: a float32 softmax over a 150k vocabulary sums to 1 within
 * about 1e-5 in practice (and V·6e-8 ≈ 9e-3 in the worst case of naive summation, hence 1e-2).
 */
const PROB_SUM_SLACK = 1e-2;

/**
 * The entropy −Σ p log p (nats) of one categorical distribution, from a row of logits (softmax taken
 * here) or of probabilities (renormalised by their sum, which must be within 1e-2 of 1).
 *
 * Logits: with m = max, e_j = exp(x_j − m), the argmax contributing 1 and `rest` the sum of the others,
 *   H = log1p(rest) + Σ_j e_j (m − x_j) / (1 + rest).
 * Both terms are sums of non-negative numbers, so H ≥ 0 holds exactly in float64 (the textbook
 * log Z − Σ p x form can come out −1e-17 for a peaked row), and log1p keeps the tiny entropies of peaked
 * rows accurate where log(1 + rest) would round rest < 1e-16 away. −Infinity logits (masked vocabulary
 * entries) are allowed and contribute 0; NaN, +Infinity and an all −Infinity row are errors.
 */
export function tokenEntropy(row: ArrayLike<number>, from: 'logits' | 'probs'): number {
  if (row === undefined || row === null || typeof row.length !== 'number' || row.length === 0) {
    throw new InputError('row', 'empty (expected one distribution)');
  }
  if (from === 'logits') return entropyFromLogits(row);
  if (from === 'probs') return entropyFromProbs(row);
  throw new InputError('from', `unknown option ${String(from)} (known: logits, probs)`);
}

function entropyFromLogits(x: ArrayLike<number>): number {
  let m = -Infinity;
  let arg = -1;
  for (let j = 0; j < x.length; j++) {
    const v = x[j];
    if (typeof v !== 'number' || Number.isNaN(v) || v === Infinity) {
      throw new InputError(`row[${j}]`, `not a logit (${String(v)}); only −Infinity is allowed as a mask`);
    }
    if (v > m) {
      m = v;
      arg = j;
    }
  }
  if (arg < 0) throw new InputError('row', 'every logit is −Infinity');
  let rest = 0;
  let w = 0;
  for (let j = 0; j < x.length; j++) {
    if (j === arg || x[j] === -Infinity) continue;
    const e = Math.exp(x[j] - m);
    rest += e;
    if (e > 0) w += e * (m - x[j]);
  }
  return Math.log1p(rest) + w / (1 + rest);
}

function entropyFromProbs(p: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < p.length; j++) {
    const v = p[j];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new InputError(`row[${j}]`, `not a probability (${String(v)})`);
    }
    s += v;
  }
  if (!(Math.abs(s - 1) <= PROB_SUM_SLACK)) {
    throw new InputError('row', `probabilities sum to ${s}, not 1 (logits? pass from: 'logits')`);
  }
  // H(p/s) = log s − (1/s) Σ p log p, with 0·log 0 = 0
  let t = 0;
  for (let j = 0; j < p.length; j++) if (p[j] > 0) t += p[j] * Math.log(p[j]);
  return Math.max(0, Math.log(s) - t / s);
}

export type EntropyEstimator = 'neg-logp' | 'entropy';

/**
 * Per-token inputs in the padded [B, T] row-major layout of the policy loss (`TokenBatch` in
 * `../loss/types.ts`): index b·T + t, so `grad` adds straight onto the loss's gradient w.r.t. `logProbs`.
 */
export interface EntropyPenaltyInput {
  /** [B, T]; optional: B defaults to tasks.length and T to values.length / B. Checked when given. */
  readonly shape?: readonly [number, number];
  /** (B·T) log π(sampled token) for 'neg-logp'; per-token entropies (nats) for 'entropy'. */
  readonly values: ArrayLike<number>;
  /** (B·T) 1 for a response token, 0 for padding/prompt; positions with 0 are not read. */
  readonly mask: ArrayLike<number>;
  /** (B) task id per response row. */
  readonly tasks: readonly Id[];
  readonly estimator: EntropyEstimator;
}

export interface EntropyPenaltyOptions {
  /** λ ≥ 0, 0.02 as published. */
  readonly lambda?: number;
  /** Band per task id; a task without an entry gets `defaultBand`. */
  readonly bands?: ReadonlyMap<Id, EntropyBand>;
  /** [0.2, 0.6] as published. */
  readonly defaultBand?: EntropyBand;
}

export interface TaskEntropy {
  /** Unmasked tokens of the task in the batch. */
  readonly tokens: number;
  /** H_τ (0 for an absent task in the published variant). */
  readonly entropy: number;
  readonly band: EntropyBand;
  /** +1 above the band, −1 below, 0 inside (boundaries included): dPenalty/dH_τ = λ·side. */
  readonly side: -1 | 0 | 1;
  readonly penalty: number;
}

export interface EntropyPenaltyResult {
  /** The loss term: the sum of the per-task penalties. */
  readonly penalty: number;
  readonly perTask: ReadonlyMap<Id, TaskEntropy>;
  /** (B·T) ∂penalty/∂values[i]: −λ·side/N_τ for 'neg-logp', +λ·side/N_τ for 'entropy'; 0 where masked. */
  readonly grad: Float64Array;
}

interface Resolved {
  readonly lambda: number;
  readonly band: (task: Id) => EntropyBand;
  readonly T: number;
}

function validateBand(b: EntropyBand, field: string): EntropyBand {
  if (b === null || typeof b !== 'object') throw new InputError(field, 'expected {hMin, hMax}');
  checkKeys(field, b, ['hMin', 'hMax']);
  checkNumber(`${field}.hMin`, b.hMin, { min: 0 });
  checkNumber(`${field}.hMax`, b.hMax);
  if (!(b.hMax >= b.hMin)) throw new InputError(`${field}.hMax`, `must be ≥ hMin (${b.hMax} < ${b.hMin})`);
  return b;
}

function resolve(input: EntropyPenaltyInput, options: EntropyPenaltyOptions): Resolved {
  checkKeys('input', input, ['shape', 'values', 'mask', 'tasks', 'estimator']);
  checkKeys('options', options, ['lambda', 'bands', 'defaultBand']);
  if (input.estimator !== 'neg-logp' && input.estimator !== 'entropy') {
    throw new InputError('input.estimator', `unknown option ${String(input.estimator)} (known: neg-logp, entropy)`);
  }
  const B = input.tasks?.length ?? 0;
  if (B === 0) throw new InputError('input.tasks', 'empty batch');
  checkIds('input.tasks', input.tasks, B);
  const { values, mask } = input;
  if (values === undefined || values === null || typeof values.length !== 'number') throw new InputError('input.values', 'missing');
  const T = values.length / B;
  if (!Number.isInteger(T) || T === 0) {
    throw new InputError('input.values', `length ${values.length} is not B·T with B = ${B} rows and T ≥ 1`);
  }
  if (input.shape !== undefined && (input.shape?.[0] !== B || input.shape?.[1] !== T)) {
    throw new InputError('input.shape', `[${input.shape}] disagrees with ${B} tasks and ${values.length} values`);
  }
  if (mask === undefined || mask === null || mask.length !== values.length) {
    throw new InputError('input.mask', `length ${mask?.length}, expected ${values.length} (B·T)`);
  }
  for (let i = 0; i < mask.length; i++) {
    const k = mask[i];
    if (k !== 0 && k !== 1) throw new InputError(`input.mask[${i}]`, `expected 0 or 1 (got ${String(k)})`);
    if (k === 1 && (typeof values[i] !== 'number' || !Number.isFinite(values[i]))) {
      throw new InputError(`input.values[${i}]`, `not a finite number (${String(values[i])}) at an unmasked token`);
    }
  }
  const lambda = checkNumber('options.lambda', options.lambda ?? DEFAULT_ENTROPY_LAMBDA, { min: 0 });
  const fallback = validateBand(options.defaultBand ?? DEFAULT_ENTROPY_BAND, 'options.defaultBand');
  const bands = options.bands;
  if (bands !== undefined) {
    if (!(bands instanceof Map)) throw new InputError('options.bands', 'expected a Map from task id to {hMin, hMax}');
    for (const [id, b] of bands) validateBand(b, `options.bands[${showId(id)}]`);
  }
  return { lambda, T, band: (task) => bands?.get(task) ?? fallback };
}

/** Per task: unmasked token count and the sum of h_t (h_t = −value for 'neg-logp'). */
function accumulate(input: EntropyPenaltyInput, T: number): Map<Id, { n: number; sum: number }> {
  const sign = input.estimator === 'neg-logp' ? -1 : 1;
  const acc = new Map<Id, { n: number; sum: number }>();
  for (let b = 0; b < input.tasks.length; b++) {
    const task = input.tasks[b];
    let a = acc.get(task);
    for (let t = b * T; t < (b + 1) * T; t++) {
      if (input.mask[t] !== 1) continue;
      if (a === undefined) acc.set(task, (a = { n: 0, sum: 0 }));
      a.n++;
      a.sum += sign * input.values[t];
    }
  }
  return acc;
}

/** The band term for one task: λ·(max(0, H − H_max) + max(0, H_min − H)) and the side it falls on. */
export function bandPenalty(h: number, band: EntropyBand, lambda: number): { penalty: number; side: -1 | 0 | 1 } {
  if (h > band.hMax) return { penalty: lambda * (h - band.hMax), side: 1 };
  if (h < band.hMin) return { penalty: lambda * (band.hMin - h), side: -1 };
  return { penalty: 0, side: 0 };
}

function finish(input: EntropyPenaltyInput, T: number, lambda: number, perTask: Map<Id, TaskEntropy>): EntropyPenaltyResult {
  let penalty = 0;
  for (const s of perTask.values()) penalty += s.penalty;
  const sign = input.estimator === 'neg-logp' ? -1 : 1; // dh_t/dvalue_t
  const grad = new Float64Array(input.values.length);
  for (let b = 0; b < input.tasks.length; b++) {
    const s = perTask.get(input.tasks[b]);
    if (s === undefined || s.side === 0 || s.tokens === 0) continue;
    const g = (sign * lambda * s.side) / s.tokens;
    for (let t = b * T; t < (b + 1) * T; t++) if (input.mask[t] === 1) grad[t] = g;
  }
  return { penalty, perTask, grad };
}

/**
 * The entropy band penalty over the tasks PRESENT in the batch (at least one unmasked token). A task with
 * no tokens contributes nothing: no penalty, no gradient (the published code adds λ·H_min; see below).
 */
export function entropyPenalty(input: EntropyPenaltyInput, options: EntropyPenaltyOptions = {}): EntropyPenaltyResult {
  const { lambda, T, band } = resolve(input, options);
  const perTask = new Map<Id, TaskEntropy>();
  for (const [task, { n, sum }] of accumulate(input, T)) {
    const h = sum / n;
    const bnd = band(task);
    perTask.set(task, { tokens: n, entropy: h, band: bnd, ...bandPenalty(h, bnd, lambda) });
  }
  return finish(input, T, lambda, perTask);
}

/**
 * The released code's behaviour, kept to show the difference: it loops over a FIXED list of domains and
 * takes the mean over an empty token set as 0 (a masked sum over a clamped count), so every domain absent
 * from the (micro-)batch adds λ·max(0, H_min − 0) = λ·H_min (0.2·λ = 0.004 with the defaults) to the loss,
 * a constant with no gradient. Tasks of the batch outside `domains` get no term. Reconstructed from the
 * spec's description (§5), not a line-by-line port.
 */
export function publishedEntropyPenalty(
  input: EntropyPenaltyInput,
  domains: readonly Id[],
  options: EntropyPenaltyOptions = {},
): EntropyPenaltyResult {
  const { lambda, T, band } = resolve(input, options);
  checkIds('domains', domains, domains?.length ?? 0);
  const acc = accumulate(input, T);
  const perTask = new Map<Id, TaskEntropy>();
  for (const task of domains) {
    const a = acc.get(task);
    const n = a?.n ?? 0;
    const h = n > 0 ? a!.sum / n : 0;
    const bnd = band(task);
    perTask.set(task, { tokens: n, entropy: h, band: bnd, ...bandPenalty(h, bnd, lambda) });
  }
  return finish(input, T, lambda, perTask);
}
