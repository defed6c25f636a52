/**
 * Axis arithmetic for the report's charts: "nice" ticks (steps of 1, 2 or 5 × 10^k covering the data),
 * linear scales, and the number formats used on axes and in tables.
 *
 * What it is not: a general plotting library (no log scales, no dates, no zoom); only what the report
 * draws. Reference: the step rule is d3-array's `tickIncrement` (thresholds √50, √10, √2 on the ratio of
 * the raw step to its power of ten); the domain is then widened to whole steps (Heckbert, "Nice numbers
 * for graph labels", Graphics Gems 1990).
 *
 * Numerics that bite: a tick computed as `lo + i·step` drifts (0.1·3 = 0.30000000000000004) and then
 * prints as garbage; we compute each tick as (integer index × mantissa) / 10^(−exponent), one correctly
 * rounded division, so a tick is the double nearest its decimal. Spans near the float limit (±1e308)
 * overflow `max − min`, so the raw step is formed from halves.
 */
import { InputError } from '../rl/errors.js';

export interface Ticks {
  /** The nice domain: the first and last tick (or the data end, where a whole step would overflow). */
  readonly lo: number;
  readonly hi: number;
  /** The tick step: mantissa × 10^exponent with mantissa ∈ {1, 2, 5}. */
  readonly step: number;
  readonly mantissa: 1 | 2 | 5;
  readonly exponent: number;
  /** Ascending, equally spaced, each a multiple of step, all inside [lo, hi]. */
  readonly values: readonly number[];
}

/** 10^e as the correctly rounded double (Math.pow(10, e) is exact for 0 ≤ e ≤ 22, the range we divide by). */
function pow10(e: number): number {
  return 10 ** e;
}

/** k · mantissa · 10^exponent, rounded once. */
function tickAt(k: number, mantissa: number, exponent: number): number {
  const units = k * mantissa; // an integer, exact below 2^53
  if (units === 0) return 0; // never −0 (Math.floor(−0) is −0, and "−0" would print as a label)
  if (exponent >= 0) return units * pow10(exponent);
  // Dividing by an exact power of ten (≤ 1e22) rounds once; for smaller steps split the exponent.
  if (exponent >= -22) return units / pow10(-exponent);
  return units / pow10(22) / pow10(-exponent - 22);
}

/**
 * Nice ticks covering [min, max] with about `target` intervals (never fewer than 2 ticks).
 * A degenerate range (min = max) is widened: to [v − 1, v + 1] around 0, else by 10% of |v| each side,
 * so a constant series still gets a readable axis with its value inside.
 */
export function niceTicks(min: number, max: number, target = 5): Ticks {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new InputError('niceTicks', `range must be finite, got [${min}, ${max}]`);
  if (min > max) throw new InputError('niceTicks', `min ${min} > max ${max}`);
  if (!(target >= 1)) throw new InputError('niceTicks.target', `must be ≥ 1, got ${target}`);
  // A span below ~1e-12 of the magnitude is float noise around one value (and would need ~1e12 ticks
  // of a step the doubles cannot resolve): treat it as a constant at the midpoint.
  const magnitude = Math.max(Math.abs(min), Math.abs(max));
  if (max / 2 - min / 2 <= magnitude * 5e-13) min = max = min / 2 + max / 2;
  if (min === max) {
    // 10% of a subnormal rounds to 0 (or leaves v unchanged); fall back to ±1 there.
    let pad = Math.abs(min) * 0.1;
    if (!(pad > 0) || min - pad === min) pad = 1;
    // For |v| near the float limit v ± 10% overflows; clamp to the largest double.
    min = Math.max(min - pad, -Number.MAX_VALUE);
    max = Math.min(max + pad, Number.MAX_VALUE);
  }
  // max/n − min/n, not (max − min)/n: the latter overflows for spans beyond 1.8e308.
  const n = Math.max(1, Math.round(target));
  const raw = max / n - min / n;
  let exponent = Math.floor(Math.log10(raw));
  const ratio = raw / 10 ** exponent;
  let mantissa: 1 | 2 | 5;
  if (ratio >= Math.sqrt(50)) {
    mantissa = 1;
    exponent += 1;
  } else if (ratio >= Math.sqrt(10)) mantissa = 5;
  else if (ratio >= Math.sqrt(2)) mantissa = 2;
  else mantissa = 1;
  // log10 can be off by one ulp at exact powers of ten; the checks above keep ratio in [1, 10) anyway,
  // up to a factor that only changes which nice step is chosen, never correctness of the cover.
  const step = tickAt(1, mantissa, exponent);
  let kLo = Math.floor(min / step);
  let kHi = Math.ceil(max / step);
  // min/step can round across an integer (or underflow to −0 for a subnormal min): step out once more.
  if (tickAt(kLo, mantissa, exponent) > min) kLo--;
  if (tickAt(kHi, mantissa, exponent) < max) kHi++;
  const values: number[] = [];
  for (let k = kLo; k <= kHi; k++) {
    const v = tickAt(k, mantissa, exponent);
    if (Number.isFinite(v)) values.push(v);
  }
  // Near ±MAX_VALUE the outer whole step overflows; the axis then ends at the data.
  const lo = Number.isFinite(tickAt(kLo, mantissa, exponent)) ? tickAt(kLo, mantissa, exponent) : min;
  const hi = Number.isFinite(tickAt(kHi, mantissa, exponent)) ? tickAt(kHi, mantissa, exponent) : max;
  return { lo, hi, step, mantissa, exponent, values: values.filter((v) => v >= lo && v <= hi) };
}

/** A tick label: as many decimals as the step needs; exponent notation for very large or small steps; − for minus. */
export function formatTick(v: number, ticks: Pick<Ticks, 'exponent'>): string {
  if (v === 0) return '0';
  // A typographic minus (U+2212): the hyphen reads as a dash next to an axis.
  const text = ticks.exponent >= 6 || ticks.exponent <= -5 ? formatExp(v) : v.toFixed(Math.max(0, -ticks.exponent));
  return text.replace('-', '−');
}

function formatExp(v: number): string {
  // Shortest round-trip mantissa, then drop the '+' of the exponent: 1.5e+12 → 1.5e12.
  return v.toExponential().replace('e+', 'e');
}

/**
 * A number for tables and captions: `digits` significant digits, trailing zeros dropped, exponent notation
 * outside [1e-4, 1e6); null and non-finite values print as an em dash (the report never prints NaN).
 */
export function formatNumber(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return Number(v.toPrecision(digits)).toExponential().replace('e+', 'e');
  return String(Number(v.toPrecision(digits)));
}

/** A linear map from a data domain onto a pixel range; a zero-width domain maps everything to the middle. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  // Work on the halves so that d1 − d0 cannot overflow for domains near ±MAX_VALUE.
  const half = d1 / 2 - d0 / 2;
  if (!(half > 0)) return () => (r0 + r1) / 2;
  return (v) => r0 + ((v / 2 - d0 / 2) / half) * (r1 - r0);
}
