/**
 * Standard-deviation conventions (ddof, eps and where eps goes), the peers' presets, and the per-group
 * mean / variance / z-score kernels the GRPO family shares.
 *
 * The peers disagree on the std (style.md "two GRPO implementations disagree on the standard deviation"):
 *   verl / EasyR1  (r − mean)/(std + 1e-6), torch.std (unbiased, n − 1)
 *   TRL            (r − mean)/(std + 1e-4), torch.std (unbiased, n − 1)
 *   released G²RPO code's GDPO whitening   (x − mean)/(std + 1e-6), population std over tokens
 *   verl masked_whiten                     (x − mean)/√(var + 1e-8), unbiased var
 * proofs/grpo-family.md §0 has the table and the consequences; §9 the scaling that keeps rewards of
 * 1e-280 … 1e282 finite.
 *
 * Not here: grouping (grouping.ts) or any estimator.
 */
import { InputError } from '../errors.js';
import type { Grouping } from './grouping.js';
import type { Id, SingletonPolicy, StdConvention, StdPreset } from './types.js';

/** The named conventions. Frozen: callers get the same objects back from `resolveStd`. */
export const STD_PRESETS: Readonly<Record<StdPreset, StdConvention>> = Object.freeze({
  verl: Object.freeze({ ddof: 1, eps: 1e-6, epsPlacement: 'std' }),
  easyr1: Object.freeze({ ddof: 1, eps: 1e-6, epsPlacement: 'std' }),
  trl: Object.freeze({ ddof: 1, eps: 1e-4, epsPlacement: 'std' }),
} as const);

/** The convention a preset name stands for; a convention object is returned as is. Default `verl`. */
export function resolveStd(std: StdPreset | StdConvention | undefined): StdConvention {
  if (std === undefined) return STD_PRESETS.verl;
  if (typeof std === 'string') {
    const c = STD_PRESETS[std];
    if (c === undefined) throw new InputError('std', `unknown preset "${std}" (verl, easyr1, trl)`);
    return c;
  }
  return std;
}

/*
 * Scaling. Every statistic below works on v·sc, sc a power of two chosen from the largest |v|, so that
 * rewards of 1e300 do not overflow the sum or the squares (to NaN) and rewards of 1e-300 do not underflow
 * the squares (to a std of 0). Multiplying by a power of two is exact, so for ordinary rewards the
 * results are bit for bit those of the unscaled formulas, and a z-score (r − m)/(std + eps) is computed
 * as (r·sc − m')/(std' + eps·sc) with primes in scaled units: the same number, without the overflow.
 */

/** A power of two sc with max|v|·sc in [0.5, 1), clamped to 2^±1000 (1 when every value is 0). */
export function scaleOf(values: ArrayLike<number>, members: Int32Array, start: number, end: number): number {
  let max = 0;
  for (let k = start; k < end; k++) {
    const a = Math.abs(values[members[k]]);
    if (a > max) max = a;
  }
  return powerOfTwoScale(max);
}

/** As scaleOf, over all of `values`. */
export function scaleAll(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > max) max = a;
  }
  return powerOfTwoScale(max);
}

function powerOfTwoScale(max: number): number {
  if (max === 0) return 1;
  // log2 may round across a power of two; any nearby power works, the point is the order of magnitude.
  const e = Math.min(Math.max(-Math.floor(Math.log2(max)) - 1, -1000), 1000);
  return 2 ** e;
}

/**
 * The divisor of a z-score, in scaled units, given the scaled variance: std' + eps·sc (`std` placement)
 * or √(var' + eps·sc²) (`variance`). A variance of NaN (n − ddof ≤ 0) gives NaN; callers handle
 * singletons before asking. eps·sc² may overflow for tiny groups: the divisor is then ∞ and the z-score 0,
 * where the exact one is below 1e-290.
 */
export function divisorOf(variance: number, c: StdConvention, sc = 1): number {
  if (c.epsPlacement === 'std') return Math.sqrt(variance) + c.eps * sc;
  return c.eps === 0 ? Math.sqrt(variance) : Math.sqrt(variance + c.eps * sc * sc);
}

/**
 * Mean of v·sc over values[members[start..end)], with one correction pass: m = m₀ + Σ(v·sc − m₀)/n, m₀ the
 * plain sum / n. Why: near-tied rewards (1 ± 1e-12) leave numerators r − mean of ~1e-12, where the
 * one-ulp error (2.2e-16) of a plain float mean is a 2e-4 relative error, and GRPO divides it by
 * std + 1e-6 ≈ 1e-6. The corrected mean is within a few ulps of the exact one (Chan, Golub & LeVeque 1983).
 */
export function meanOf(values: ArrayLike<number>, members: Int32Array, start: number, end: number, sc = 1): number {
  const count = end - start;
  let s = 0;
  for (let k = start; k < end; k++) s += values[members[k]] * sc;
  const m0 = s / count;
  let c = 0;
  for (let k = start; k < end; k++) c += values[members[k]] * sc - m0;
  return m0 + c / count;
}

/**
 * Σ (v·sc − mean)² / (count − ddof) over values[members[start..end)] (NaN when count − ddof ≤ 0), in the
 * corrected two-pass form Σd² − (Σd)²/count, which absorbs what is left of the mean's rounding error.
 */
export function varianceOf(
  values: ArrayLike<number>,
  members: Int32Array,
  start: number,
  end: number,
  mean: number,
  ddof: 0 | 1,
  sc = 1,
): number {
  const count = end - start;
  const dof = count - ddof;
  if (dof <= 0) return NaN;
  let ss = 0;
  let sd = 0;
  for (let k = start; k < end; k++) {
    const d = values[members[k]] * sc - mean;
    ss += d * d;
    sd += d;
  }
  return Math.max(ss - (sd * sd) / count, 0) / dof;
}

/** Variance of v·sc over all of `values` (the `batch` scale of TRL), NaN when n − ddof ≤ 0. */
export function varianceAll(values: ArrayLike<number>, ddof: 0 | 1, sc = 1): number {
  const n = values.length;
  if (n - ddof <= 0) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i] * sc;
  const m0 = s / n;
  let c = 0;
  for (let i = 0; i < n; i++) c += values[i] * sc - m0;
  const mean = m0 + c / n;
  let ss = 0;
  let sd = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] * sc - mean;
    ss += d * d;
    sd += d;
  }
  return Math.max(ss - (sd * sd) / n, 0) / (n - ddof);
}

/**
 * Throws when an advantage left float64 (Dr. GRPO and RLOO return r − baseline unscaled, which exceeds
 * 1.8e308 only for rewards near 9e307): an InputError naming the reward, never a silent ±Infinity.
 */
export function checkFinite(out: Float64Array, i: number): void {
  if (!Number.isFinite(out[i])) {
    const problem = `its advantage ${out[i]} overflows float64 (rewards near 1e308); rescale the rewards`;
    throw new InputError(`rewards[${i}]`, problem);
  }
}

/**
 * Applies the singleton policy to group g of one response: `zero` writes 0 and returns true (skip the
 * group), `error` throws. Returns false for groups of two or more.
 *
 * Why a policy at all: with ddof 1 a group of one has the std 0/0, which torch returns as NaN and then
 * spreads through the loss; its baseline is its own reward, so it carries no learning signal.
 */
export function handleSingleton(
  grouping: Grouping,
  g: number,
  policy: SingletonPolicy,
  groups: readonly Id[],
  tasks: readonly Id[] | undefined,
  out: Float64Array,
): boolean {
  const start = grouping.groupStart[g];
  if (grouping.groupStart[g + 1] - start !== 1) return false;
  const i = grouping.members[start];
  switch (policy) {
    case 'zero':
      out[i] = 0;
      return true;
    case 'error': {
      const where = tasks === undefined ? '' : ` of task ${JSON.stringify(tasks[i])}`;
      throw new InputError(
        `groups[${i}]`,
        `group ${JSON.stringify(groups[i])}${where} has a single response (singleton policy 'error')`,
      );
    }
    default:
      return assertNever(policy);
  }
}

/** Exhaustiveness guard for switches over the option unions. */
export function assertNever(x: never): never {
  throw new Error(`unreachable: ${String(x)}`);
}
