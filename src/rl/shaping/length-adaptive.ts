/**
 * The adaptive length envelope: the paper calls the length shaping "dynamic" without giving a rule; this
 * is ours. Each task's trapezoid follows running statistics of the lengths of its CORRECT responses,
 * inside set bounds, with minimum widths and a maximum move per update, so it can drift but never jump.
 *
 * Not here: scoring lengths with an envelope (`length.ts`; feed it `adaptiveEnvelopes(state)`).
 * Reference: docs/shaping.md "Adaptive envelope" (the update equations, stated exactly);
 * proofs/shaping.md §3 (ordering invariant, bounds, max move, no move without data, monotone response).
 *
 * One update, per task τ with k ≥ 1 correct lengths x_1..x_k in the batch (β = decay):
 *   m = mean(x), s² = mean((x − m)²)                      batch mean and population variance
 *   μ ← β·μ + (1 − β)·m,  v ← β·v + (1 − β)·s²,  σ = √v   exponential moving averages
 *   h = max(a·σ, minPlateau/2),  r = max(b·σ, minRamp)   half plateau, ramp
 *   T = (μ − h − r, μ − h, μ + h, μ + h + r)             target thresholds
 *   T'_i = clamp(T_i, lo_i, hi_i)                        bounds, keeping the minimum gaps (see `slots`)
 *   E_i ← clamp(T'_i, E_i − maxMove, E_i + maxMove)      each threshold moves at most maxMove
 * A task with no correct response in the batch keeps its state exactly (no move).
 */
import { InputError } from '../errors.js';
import type { Id } from '../advantages/types.js';
import { checkFiniteArray, checkIds, checkKeys, checkNumber, showId } from './check.js';
import { type LengthEnvelope, validateEnvelope } from './length.js';

export interface LengthBounds {
  readonly lo: number;
  readonly hi: number;
}

export interface AdaptiveLengthConfig {
  /** β ∈ [0, 1): weight of the old statistics in each EMA step. 0.9 ≈ a memory of ten batches. */
  readonly decay: number;
  /** a > 0: the plateau is μ ± a·σ. 1 puts about two thirds of normal-ish correct lengths on it. */
  readonly plateauStd: number;
  /** b > 0: each ramp is b·σ wide, so the bonus reaches 0 at μ ± (a + b)·σ. */
  readonly rampStd: number;
  /** Minimum plateau width L_high − L_low ≥ 0 in tokens, so a task whose answers all have one length keeps a target. */
  readonly minPlateau: number;
  /** Minimum ramp width > 0 in tokens; it is what keeps L_min < L_low and L_high < L_max strict. */
  readonly minRamp: number;
  /** Largest move of any threshold in one update, in tokens (0 < maxMove ≤ hi − lo). */
  readonly maxMove: number;
  /** Every threshold stays in [lo, hi]; 0 and the original run's 4096-token response cap by default. */
  readonly bounds: LengthBounds;
  /** Per-task bounds overriding `bounds` (e.g. a perception task that must never grow past 512). */
  readonly taskBounds?: ReadonlyMap<Id, LengthBounds>;
}

/** Defaults (ours; the paper has no rule). Sources and reasons in docs/shaping.md. */
export const DEFAULT_ADAPTIVE_LENGTH_CONFIG: AdaptiveLengthConfig = {
  decay: 0.9,
  plateauStd: 1,
  rampStd: 2,
  minPlateau: 0,
  minRamp: 16,
  maxMove: 32,
  bounds: { lo: 0, hi: 4096 },
};

export interface AdaptiveTaskState {
  /** EMA of the mean correct length. */
  readonly mean: number;
  /** EMA of the within-batch (population) variance of correct lengths. */
  readonly variance: number;
  /** Number of updates that saw at least one correct response of this task. */
  readonly updates: number;
  readonly envelope: LengthEnvelope;
}

/** All the state there is: no hidden globals. Immutable; `updateAdaptiveLength` returns a new one. */
export interface AdaptiveLengthState {
  readonly config: AdaptiveLengthConfig;
  readonly tasks: ReadonlyMap<Id, AdaptiveTaskState>;
}

/**
 * The feasible interval of each threshold inside [lo, hi] given the minimum gaps (minRamp, minPlateau,
 * minRamp): threshold i must leave room for the gaps before and after it. Clamping a target that already
 * has those gaps into these intervals keeps them (proofs/shaping.md §3, Lemma 3.2).
 */
function slots(b: LengthBounds, c: AdaptiveLengthConfig): { lo: number[]; hi: number[] } {
  const lo1 = b.lo;
  const lo2 = lo1 + c.minRamp;
  const lo3 = lo2 + c.minPlateau;
  const lo4 = lo3 + c.minRamp;
  const hi4 = b.hi;
  const hi3 = hi4 - c.minRamp;
  const hi2 = hi3 - c.minPlateau;
  const hi1 = hi2 - c.minRamp;
  return { lo: [lo1, lo2, lo3, lo4], hi: [hi1, hi2, hi3, hi4] };
}

function validateBounds(b: LengthBounds, field: string, c: AdaptiveLengthConfig): LengthBounds {
  if (b === null || typeof b !== 'object') throw new InputError(field, 'expected {lo, hi}');
  checkKeys(field, b, ['lo', 'hi']);
  const lo = checkNumber(`${field}.lo`, b.lo, { min: 0 });
  const hi = checkNumber(`${field}.hi`, b.hi, { max: 2 ** 40 });
  // Strictness in float64 needs the minimum ramp to be far above one ulp of the largest threshold:
  // with minRamp ≥ hi·2⁻⁴⁰ it is at least 2¹¹ ulps, so no rounding can close a gap (proofs §3).
  if (!(c.minRamp >= Math.max(hi, 1) * 2 ** -40)) {
    throw new InputError('config.minRamp', `too small for bounds up to ${hi} (need ≥ ${Math.max(hi, 1) * 2 ** -40})`);
  }
  const s = slots({ lo, hi }, c);
  for (let i = 0; i < 4; i++) {
    if (!(s.lo[i] <= s.hi[i])) {
      throw new InputError(field, `[${lo}, ${hi}] is narrower than minPlateau + 2·minRamp = ${c.minPlateau + 2 * c.minRamp}`);
    }
  }
  if (!(c.maxMove <= hi - lo)) throw new InputError('config.maxMove', `must be ≤ hi − lo = ${hi - lo} (got ${c.maxMove})`);
  return b;
}

/** Fills in defaults and validates once; every error names the config field. */
export function resolveAdaptiveLengthConfig(partial: Partial<AdaptiveLengthConfig> = {}): AdaptiveLengthConfig {
  checkKeys('config', partial, Object.keys(DEFAULT_ADAPTIVE_LENGTH_CONFIG).concat('taskBounds'));
  const c: AdaptiveLengthConfig = { ...DEFAULT_ADAPTIVE_LENGTH_CONFIG, ...partial };
  checkNumber('config.decay', c.decay, { min: 0 });
  if (!(c.decay < 1)) throw new InputError('config.decay', `must be < 1, or nothing would ever move (got ${c.decay})`);
  checkNumber('config.plateauStd', c.plateauStd, { min: 0, minExclusive: true });
  checkNumber('config.rampStd', c.rampStd, { min: 0, minExclusive: true });
  checkNumber('config.minPlateau', c.minPlateau, { min: 0 });
  checkNumber('config.minRamp', c.minRamp, { min: 0, minExclusive: true });
  checkNumber('config.maxMove', c.maxMove, { min: 0, minExclusive: true });
  validateBounds(c.bounds, 'config.bounds', c);
  if (c.taskBounds !== undefined) {
    if (!(c.taskBounds instanceof Map)) throw new InputError('config.taskBounds', 'expected a Map from task id to {lo, hi}');
    for (const [id, b] of c.taskBounds) validateBounds(b, `config.taskBounds[${showId(id)}]`, c);
  }
  return c;
}

function boundsFor(c: AdaptiveLengthConfig, task: Id): LengthBounds {
  return c.taskBounds?.get(task) ?? c.bounds;
}

/**
 * Starts every task at its given envelope, which must already satisfy the bounds and minimum widths.
 * The statistics start where that envelope's plateau says: μ₀ = (L_low + L_high)/2, σ₀ = (L_high − L_low)/(2a),
 * so the first batch is blended into a prior rather than taken whole (one batch of one correct answer
 * would otherwise set σ = 0).
 */
export function initAdaptiveLength(
  initial: ReadonlyMap<Id, LengthEnvelope>,
  config: Partial<AdaptiveLengthConfig> = {},
): AdaptiveLengthState {
  const c = resolveAdaptiveLengthConfig(config);
  if (!(initial instanceof Map)) throw new InputError('initial', 'expected a Map from task id to envelope');
  if (initial.size === 0) throw new InputError('initial', 'no tasks');
  const tasks = new Map<Id, AdaptiveTaskState>();
  for (const [id, env] of initial) {
    const field = `initial[${showId(id)}]`;
    validateEnvelope(env, field);
    const b = boundsFor(c, id);
    if (env.lMin < b.lo || env.lMax > b.hi) throw new InputError(field, `outside bounds [${b.lo}, ${b.hi}]`);
    // Widths are compared with a few ulps of slack: an envelope built as lLow = lMin + minRamp, or saved
    // from an earlier state, can be short of the minimum by a rounding.
    const slack = Math.max(b.hi, 1) * 2 ** -49;
    if (env.lLow - env.lMin < c.minRamp - slack || env.lMax - env.lHigh < c.minRamp - slack) {
      throw new InputError(field, `a ramp is narrower than config.minRamp = ${c.minRamp}`);
    }
    if (env.lHigh - env.lLow < c.minPlateau - slack) {
      throw new InputError(field, `plateau narrower than config.minPlateau = ${c.minPlateau}`);
    }
    const sigma = (env.lHigh - env.lLow) / (2 * c.plateauStd);
    tasks.set(id, {
      mean: (env.lLow + env.lHigh) / 2,
      variance: sigma * sigma,
      updates: 0,
      envelope: { lMin: env.lMin, lLow: env.lLow, lHigh: env.lHigh, lMax: env.lMax },
    });
  }
  return { config: c, tasks };
}

export interface AdaptiveLengthBatch {
  readonly lengths: ArrayLike<number>;
  /** Task id per response; absent means every response is task 0. */
  readonly tasks?: readonly Id[];
  /** Per response: true/1 if the answer was correct, false/0 otherwise. */
  readonly correct: ArrayLike<number | boolean>;
}

/** Mean and population variance of x, computed on x − x₀ so integer lengths give shift-exact results. */
function meanVar(x: readonly number[]): { mean: number; variance: number } {
  const x0 = x[0];
  let sum = 0;
  for (const v of x) sum += v - x0;
  const md = sum / x.length;
  let ss = 0;
  for (const v of x) {
    const d = v - x0 - md;
    ss += d * d;
  }
  return { mean: x0 + md, variance: ss / x.length };
}

/** The target envelope from the statistics, clamped into the bounds with the minimum gaps kept. */
export function targetEnvelope(
  mean: number,
  variance: number,
  bounds: LengthBounds,
  c: AdaptiveLengthConfig,
): LengthEnvelope {
  const sigma = Math.sqrt(variance);
  const h = Math.max(c.plateauStd * sigma, c.minPlateau / 2);
  const r = Math.max(c.rampStd * sigma, c.minRamp);
  const low = mean - h;
  const high = mean + h;
  const t = [low - r, low, high, high + r];
  const s = slots(bounds, c);
  const k = t.map((v, i) => Math.min(Math.max(v, s.lo[i]), s.hi[i]));
  return { lMin: k[0], lLow: k[1], lHigh: k[2], lMax: k[3] };
}

/** One threshold's rate-limited step toward its target: median(p − M, t, p + M). */
function step(p: number, t: number, maxMove: number): number {
  return Math.min(Math.max(t, p - maxMove), p + maxMove);
}

/**
 * One update from a batch (call it after scoring the batch with the current envelopes). Returns a new
 * state; the argument is not modified. A task in the batch without state is an error.
 */
export function updateAdaptiveLength(state: AdaptiveLengthState, batch: AdaptiveLengthBatch): AdaptiveLengthState {
  checkKeys('batch', batch, ['lengths', 'tasks', 'correct']);
  checkFiniteArray('batch.lengths', batch.lengths);
  const n = batch.lengths.length;
  if (batch.tasks !== undefined) checkIds('batch.tasks', batch.tasks, n);
  const correct = batch.correct;
  if (correct === undefined || correct === null || correct.length !== n) {
    throw new InputError('batch.correct', `length ${correct?.length}, expected ${n}`);
  }
  const byTask = new Map<Id, number[]>();
  for (let i = 0; i < n; i++) {
    const L = batch.lengths[i];
    if (L < 0) throw new InputError(`batch.lengths[${i}]`, `a token length must be ≥ 0 (got ${L})`);
    const task = batch.tasks === undefined ? 0 : batch.tasks[i];
    if (!state.tasks.has(task)) throw new InputError(`batch.tasks[${i}]`, `no adaptive length state for task ${showId(task)}`);
    const ok = correct[i];
    if (ok !== true && ok !== false && ok !== 0 && ok !== 1) {
      throw new InputError(`batch.correct[${i}]`, `expected true/false or 1/0 (got ${String(ok)})`);
    }
    if (ok === true || ok === 1) {
      let xs = byTask.get(task);
      if (xs === undefined) byTask.set(task, (xs = []));
      xs.push(L);
    }
  }

  const c = state.config;
  const beta = c.decay;
  const next = new Map(state.tasks);
  for (const [task, xs] of byTask) {
    const prev = state.tasks.get(task)!;
    const { mean: m, variance: s2 } = meanVar(xs);
    const mean = beta * prev.mean + (1 - beta) * m;
    const variance = beta * prev.variance + (1 - beta) * s2;
    const t = targetEnvelope(mean, variance, boundsFor(c, task), c);
    const e = prev.envelope;
    next.set(task, {
      mean,
      variance,
      updates: prev.updates + 1,
      envelope: {
        lMin: step(e.lMin, t.lMin, c.maxMove),
        lLow: step(e.lLow, t.lLow, c.maxMove),
        lHigh: step(e.lHigh, t.lHigh, c.maxMove),
        lMax: step(e.lMax, t.lMax, c.maxMove),
      },
    });
  }
  return { config: c, tasks: next };
}

/** The current envelopes, ready for `lengthScores(lengths, tasks, { envelopes })`. */
export function adaptiveEnvelopes(state: AdaptiveLengthState): ReadonlyMap<Id, LengthEnvelope> {
  const out = new Map<Id, LengthEnvelope>();
  for (const [id, s] of state.tasks) out.set(id, s.envelope);
  return out;
}
