/**
 * How many warm-up and timed calls a benchmark gets, from the time of its first (verification) call,
 * so the whole `tensor` suite stays within a few minutes: a 0.5 ms product gets 25 timed calls, a
 * 5-second one (tfjs-cpu at n = 1024) 3 and no extra warm-up (its verification call already was one).
 *
 * Not here: the timing loop itself (bench/lib/timing.ts `measure`, which these options feed).
 */
import type { TimingOptions } from '../lib/timing.js';

export const MIN_RUNS = 3;
export const MAX_RUNS = 25;
/** Timed calls aim at this much time per (implementation, size). */
export const BUDGET_MS = 3000;
/** Extra warm-up calls aim at this much time, beyond the untimed first call. */
export const WARMUP_MS = 300;
export const MAX_WARMUP = 5;

export function runPlan(firstMs: number): Required<TimingOptions> {
  if (!(firstMs > 0) || !Number.isFinite(firstMs)) throw new Error(`runPlan: first call took ${firstMs} ms`);
  const runs = Math.max(MIN_RUNS, Math.min(MAX_RUNS, Math.floor(BUDGET_MS / firstMs)));
  const warmup = Math.max(0, Math.min(MAX_WARMUP, Math.floor(WARMUP_MS / firstMs)));
  // minTimeMs 0: the count alone decides, so a slow call is not repeated past the budget.
  return { warmup, minRuns: runs, maxRuns: runs, minTimeMs: 0 };
}
