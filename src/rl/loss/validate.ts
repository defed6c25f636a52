/**
 * Input checks of the policy loss: the batch layout and the options, validated once, each failure an
 * InputError naming the field (`logProbs[5]: not a finite number (NaN)`). Not the math.
 *
 * What is checked where: the mask everywhere (only 0 and 1); per-token values only where the mask is 1
 * (padding may hold anything, e.g. −Infinity log-probs, and is never read); per-response values
 * (advantages of length B, truncated flags) everywhere.
 */
import { InputError } from '../errors.js';
import {
  AGGREGATIONS,
  DEFAULT_POLICY_LOSS_OPTIONS,
  KL_ESTIMATORS,
  RATIO_LEVELS,
  type PolicyLossOptions,
  type TokenBatch,
} from './types.js';

/** A validated batch: the effective mask (after truncation masking) and advantages spread to tokens. */
export interface CheckedBatch {
  readonly B: number;
  readonly T: number;
  readonly logProbs: ArrayLike<number>;
  readonly oldLogProbs: ArrayLike<number>;
  /** Effective mask (B·T): the input mask with truncated responses zeroed when maskTruncated is on. */
  readonly mask: Uint8Array;
  /** Per-token advantages (B·T); per-response input is broadcast here. */
  readonly advantages: Float64Array;
  readonly refLogProbs: ArrayLike<number> | undefined;
  readonly entropy: ArrayLike<number> | undefined;
}

export function checkBatch(batch: TokenBatch, maskTruncated: boolean): CheckedBatch {
  const [B, T] = checkShape(batch.shape);
  const n = B * T;
  const dims = `B·T = ${B}·${T} = ${n}`;
  checkLength('logProbs', batch.logProbs, n, dims);
  checkLength('oldLogProbs', batch.oldLogProbs, n, dims);
  checkLength('mask', batch.mask, n, dims);
  if (batch.refLogProbs !== undefined) checkLength('refLogProbs', batch.refLogProbs, n, dims);
  if (batch.entropy !== undefined) checkLength('entropy', batch.entropy, n, dims);

  const inputMask = batch.mask;
  for (let k = 0; k < n; k++) {
    const m = inputMask[k];
    if (m !== 0 && m !== 1) throw new InputError(`mask[${k}]`, `must be 0 or 1, got ${String(m)}`);
  }

  let truncated: Uint8Array | undefined;
  if (batch.truncated !== undefined) {
    checkLength('truncated', batch.truncated, B, `B = ${B}`);
    truncated = new Uint8Array(B);
    for (let b = 0; b < B; b++) {
      const v = batch.truncated[b];
      if (v === true || v === 1) truncated[b] = 1;
      else if (v !== false && v !== 0) {
        throw new InputError(`truncated[${b}]`, `must be a boolean or 0/1, got ${String(v)}`);
      }
    }
  }

  // Values are checked where the input mask is 1 (before truncation masking: a NaN in a truncated
  // response is still a bug upstream worth reporting).
  for (let k = 0; k < n; k++) {
    if (inputMask[k] !== 1) continue;
    checkFinite('logProbs', batch.logProbs, k);
    checkFinite('oldLogProbs', batch.oldLogProbs, k);
    if (batch.refLogProbs !== undefined) checkFinite('refLogProbs', batch.refLogProbs, k);
    if (batch.entropy !== undefined) checkFinite('entropy', batch.entropy, k);
  }

  const advantages = spreadAdvantages(batch.advantages, B, T, inputMask);

  const mask = new Uint8Array(n);
  for (let b = 0; b < B; b++) {
    if (maskTruncated && truncated !== undefined && truncated[b] === 1) continue;
    for (let t = 0; t < T; t++) mask[b * T + t] = inputMask[b * T + t];
  }
  return {
    B,
    T,
    logProbs: batch.logProbs,
    oldLogProbs: batch.oldLogProbs,
    mask,
    advantages,
    refLogProbs: batch.refLogProbs,
    entropy: batch.entropy,
  };
}

function checkShape(shape: readonly [number, number] | undefined): [number, number] {
  if (shape === undefined || shape === null || shape.length !== 2) {
    throw new InputError('shape', 'expected [B, T]');
  }
  const [B, T] = shape;
  if (!Number.isSafeInteger(B) || B < 0) throw new InputError('shape', `B must be a non-negative integer, got ${B}`);
  if (!Number.isSafeInteger(T) || T < 0) throw new InputError('shape', `T must be a non-negative integer, got ${T}`);
  if (B === 0) throw new InputError('shape', 'empty batch (B = 0)');
  if (T === 0) throw new InputError('shape', 'responses have no token slots (T = 0)');
  return [B, T];
}

function checkLength(field: string, a: ArrayLike<unknown> | undefined, n: number, what: string): void {
  if (a === undefined || a === null || typeof a.length !== 'number') throw new InputError(field, 'missing');
  if (a.length !== n) throw new InputError(field, `length ${a.length}, expected ${what}`);
}

function checkFinite(field: string, a: ArrayLike<number>, k: number): void {
  const v = a[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new InputError(`${field}[${k}]`, `not a finite number (${String(v)})`);
  }
}

/** Length B·T: per token (checked where masked in). Length B: per response, broadcast (all checked). */
function spreadAdvantages(a: ArrayLike<number>, B: number, T: number, mask: ArrayLike<number>): Float64Array {
  if (a === undefined || a === null || typeof a.length !== 'number') throw new InputError('advantages', 'missing');
  const out = new Float64Array(B * T);
  if (a.length === B * T) {
    for (let k = 0; k < B * T; k++) {
      if (mask[k] !== 1) continue;
      checkFinite('advantages', a, k);
      out[k] = a[k];
    }
  } else if (a.length === B) {
    for (let b = 0; b < B; b++) {
      checkFinite('advantages', a, b);
      for (let t = 0; t < T; t++) if (mask[b * T + t] === 1) out[b * T + t] = a[b];
    }
  } else {
    throw new InputError(
      'advantages',
      `length ${a.length}, expected B·T = ${B * T} (per token) or B = ${B} (per response)`,
    );
  }
  return out;
}

/** Fills defaults and checks every option; unknown modes and out-of-range numbers name the option. */
export function resolveOptions(partial: Partial<PolicyLossOptions> = {}): PolicyLossOptions {
  // `??` (not ||) so that explicit zeros (clipLow: 0, klBeta: 0) are kept.
  const o: PolicyLossOptions = {
    clipLow: partial.clipLow ?? DEFAULT_POLICY_LOSS_OPTIONS.clipLow,
    clipHigh: partial.clipHigh ?? DEFAULT_POLICY_LOSS_OPTIONS.clipHigh,
    dualClip: partial.dualClip === undefined ? DEFAULT_POLICY_LOSS_OPTIONS.dualClip : partial.dualClip,
    delta: partial.delta === undefined ? DEFAULT_POLICY_LOSS_OPTIONS.delta : partial.delta,
    ratioLevel: partial.ratioLevel ?? DEFAULT_POLICY_LOSS_OPTIONS.ratioLevel,
    logRatioClamp:
      partial.logRatioClamp === undefined ? DEFAULT_POLICY_LOSS_OPTIONS.logRatioClamp : partial.logRatioClamp,
    aggregation: partial.aggregation ?? DEFAULT_POLICY_LOSS_OPTIONS.aggregation,
    normConstant: partial.normConstant,
    tokenCount: partial.tokenCount,
    sequenceCount: partial.sequenceCount,
    klEstimator: partial.klEstimator ?? DEFAULT_POLICY_LOSS_OPTIONS.klEstimator,
    klBeta: partial.klBeta ?? DEFAULT_POLICY_LOSS_OPTIONS.klBeta,
    k3Clamp: partial.k3Clamp === undefined ? DEFAULT_POLICY_LOSS_OPTIONS.k3Clamp : partial.k3Clamp,
    maskTruncated: partial.maskTruncated ?? DEFAULT_POLICY_LOSS_OPTIONS.maskTruncated,
  };
  oneOf('aggregation', o.aggregation, AGGREGATIONS);
  oneOf('ratioLevel', o.ratioLevel, RATIO_LEVELS);
  oneOf('klEstimator', o.klEstimator, KL_ESTIMATORS);
  inRange('clipLow', o.clipLow, 0, 1, 'in [0, 1] (the lower bound 1 − ε_low must stay ≥ 0)');
  inRange('clipHigh', o.clipHigh, 0, Infinity, '≥ 0');
  // verl asserts clip_ratio_c > 1; the same bound keeps δ from capping ratios below 1.
  if (o.dualClip !== null) above('dualClip', o.dualClip, 1);
  if (o.delta !== null) above('delta', o.delta, 1);
  if (o.logRatioClamp !== null) above('logRatioClamp', o.logRatioClamp, 0);
  if (o.k3Clamp !== null) above('k3Clamp', o.k3Clamp, 0);
  inRange('klBeta', o.klBeta, 0, Infinity, '≥ 0');
  if (o.normConstant !== undefined) above('normConstant', o.normConstant, 0);
  if (o.tokenCount !== undefined) above('tokenCount', o.tokenCount, 0);
  if (o.sequenceCount !== undefined) above('sequenceCount', o.sequenceCount, 0);
  if (typeof o.maskTruncated !== 'boolean') throw new InputError('maskTruncated', 'must be a boolean');
  return o;
}

function oneOf<T extends string>(field: string, v: unknown, allowed: readonly T[]): void {
  if (!allowed.includes(v as T)) {
    throw new InputError(field, `unknown value '${String(v)}' (expected ${allowed.join(' | ')})`);
  }
}

function inRange(field: string, v: unknown, lo: number, hi: number, what: string): void {
  if (typeof v !== 'number' || Number.isNaN(v) || v < lo || v > hi) {
    throw new InputError(field, `must be ${what}, got ${String(v)}`);
  }
}

function above(field: string, v: unknown, lo: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= lo) {
    throw new InputError(field, `must be a finite number > ${lo}, got ${String(v)}`);
  }
}
