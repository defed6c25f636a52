/**
 * Learning-rate schedules as pure functions of the step, returning a FACTOR of the base lr (like
 * PyTorch's LambdaLR and Hugging Face's `get_*_schedule_with_warmup`): pass it to `AdamW.step(factor)`.
 *
 * - constant, with optional linear warmup (HF `get_constant_schedule_with_warmup`):
 *     f(t) = t / W for t < W, then 1.
 * - linear warmup + cosine decay to a floor (HF `get_cosine_schedule_with_warmup`, num_cycles = 0.5,
 *   with the floor of HF's `get_cosine_with_min_lr_schedule_with_warmup`, min_lr_rate = r):
 *     f(t) = t / W                                   for t < W
 *     f(t) = r + (1 − r) · ½ (1 + cos(π · p))       for t ≥ W, p = min(1, (t − W) / max(1, T − W))
 *
 * Step t is the number of optimizer steps already taken (0 for the first step), as in HF: so the very
 * first step of a warmup has factor 0 (HF does the same; the moments still accumulate on that step).
 *
 * One deliberate difference from HF: p is clamped to 1, so steps past T stay at the floor r. HF's
 * formula keeps going round the cosine and the lr rises again after T (f(1.2T) ≈ 0.095 with r = 0, W = 0).
 *
 * What it is not: a stateful scheduler object; nothing here mutates an optimizer.
 */

/** A schedule: step (integer ≥ 0) → factor of the base learning rate. */
export type LrSchedule = (step: number) => number;

export interface ConstantScheduleOptions {
  /** Linear warmup length W (integer ≥ 0); 0 = no warmup. */
  readonly warmupSteps?: number;
}

export interface WarmupCosineOptions {
  /** Linear warmup length W (integer ≥ 0). */
  readonly warmupSteps: number;
  /** T: the step at which the cosine reaches the floor (integer ≥ W). */
  readonly totalSteps: number;
  /** r: the floor as a fraction of the base lr, in [0, 1]; 0 by default (HF's plain cosine). */
  readonly minRatio?: number;
}

/** The constant schedule (with optional warmup) as a function of the step. */
export function constantSchedule(options: ConstantScheduleOptions = {}): LrSchedule {
  const warmup = options.warmupSteps ?? 0;
  checkCount('constantSchedule', 'warmupSteps', warmup);
  return (step: number): number => {
    checkCount('constantSchedule', 'step', step);
    return step < warmup ? step / warmup : 1;
  };
}

/** The warmup + cosine schedule; options are validated once, here. */
export function warmupCosineSchedule(options: WarmupCosineOptions): LrSchedule {
  const { warmupSteps, totalSteps } = options;
  const minRatio = options.minRatio ?? 0;
  checkCount('warmupCosineSchedule', 'warmupSteps', warmupSteps);
  checkCount('warmupCosineSchedule', 'totalSteps', totalSteps);
  if (totalSteps < warmupSteps) {
    throw new Error(`warmupCosineSchedule: totalSteps is ${totalSteps}, expected ≥ warmupSteps (${warmupSteps})`);
  }
  if (typeof minRatio !== 'number' || !(minRatio >= 0 && minRatio <= 1)) {
    throw new Error(`warmupCosineSchedule: minRatio is ${String(minRatio)}, expected a number in [0, 1]`);
  }
  return (step: number): number => {
    checkCount('warmupCosineSchedule', 'step', step);
    if (step < warmupSteps) return step / warmupSteps;
    const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
    return minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
}

/** One value of the warmup + cosine schedule (validates the options on every call). */
export function warmupCosineFactor(step: number, options: WarmupCosineOptions): number {
  return warmupCosineSchedule(options)(step);
}

function checkCount(where: string, field: string, x: number): void {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) {
    throw new Error(`${where}: ${field} is ${String(x)}, expected an integer ≥ 0`);
  }
}
