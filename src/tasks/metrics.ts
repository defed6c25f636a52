/**
 * The accuracy measures behind the families' reward topologies, as pure functions: box IoU (dense,
 * continuous), character error rate (partial), relaxed relative accuracy over thresholds (graded).
 * Exact match needs no function. Not here: parsing (format.ts) or which family uses which (the family
 * files). References: ChartQA (Masry et al. 2022) for relaxed accuracy; the mean over thresholds
 * 0.50:0.05:0.95 follows the paper's chart reward (shared g2rpo-spec, task list of issue 4).
 */
import { InputError } from '../rl/errors.js';

/** A box in inclusive pixel coordinates: it covers columns x0..x1 and rows y0..y1 (x0 ≤ x1, y0 ≤ y1). */
export interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

function checkBox(field: string, b: Box): void {
  for (const k of ['x0', 'y0', 'x1', 'y1'] as const) {
    if (!Number.isInteger(b[k])) throw new InputError(`${field}.${k}`, `not an integer (${String(b[k])})`);
  }
  if (b.x0 > b.x1 || b.y0 > b.y1) throw new InputError(field, `needs x0 ≤ x1 and y0 ≤ y1 (got ${b.x0} ${b.y0} ${b.x1} ${b.y1})`);
}

/** Pixel count of an inclusive box: a one-pixel box has area 1, so no IoU ever divides by 0. */
export function boxArea(b: Box): number {
  return (b.x1 - b.x0 + 1) * (b.y1 - b.y0 + 1);
}

/**
 * Intersection over union of the two boxes' pixel sets, in [0, 1]; 1 iff the boxes are equal. All
 * counts are small integers, so the only rounding is the final division.
 */
export function boxIoU(a: Box, b: Box): number {
  checkBox('a', a);
  checkBox('b', b);
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0) + 1;
  const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0) + 1;
  const inter = w > 0 && h > 0 ? w * h : 0;
  return inter / (boxArea(a) + boxArea(b) - inter);
}

/** Levenshtein distance (unit insert, delete, substitute), by the two-row dynamic programme. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** max(0, 1 − CER) with CER = editDistance(predicted, truth) / |truth|; the truth must be non-empty. */
export function charAccuracy(predicted: string, truth: string): number {
  if (truth.length === 0) throw new InputError('truth', 'empty string (the character error rate divides by its length)');
  return Math.max(0, 1 - editDistance(predicted, truth) / truth.length);
}

/** The thresholds t = 0.50, 0.55, …, 0.95, kept as integer percents so the comparisons are exact. */
export const RELAXED_THRESHOLD_PERCENTS: readonly number[] = [50, 55, 60, 65, 70, 75, 80, 85, 90, 95];

/**
 * Mean over t of [ |p − v| / |v| ≤ 1 − t ], the ChartQA-style mean relative accuracy, for a non-zero
 * truth v. The test is done as 100·|p − v| ≤ (100 − 100t)·|v|, which is exact for integers (all values
 * here are below 2⁵³/100): in floats, 1/10 ≤ 1 − 0.9 is false (1 − 0.9 = 0.09999999999999998), so the
 * naive form would deny an answer off by exactly 10% the t = 0.90 point it has earned.
 */
export function relaxedAccuracy(predicted: number, truth: number): number {
  if (!Number.isFinite(predicted)) throw new InputError('predicted', `not a finite number (${String(predicted)})`);
  if (!Number.isFinite(truth) || truth === 0) {
    throw new InputError('truth', `must be finite and non-zero (the relative error divides by it; got ${String(truth)})`);
  }
  const err100 = 100 * Math.abs(predicted - truth);
  let hits = 0;
  for (const t of RELAXED_THRESHOLD_PERCENTS) if (err100 <= (100 - t) * Math.abs(truth)) hits++;
  return hits / RELAXED_THRESHOLD_PERCENTS.length;
}
