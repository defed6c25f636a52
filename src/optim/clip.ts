/**
 * Gradient clipping by global norm, as `torch.nn.utils.clip_grad_norm_` (norm_type 2):
 *
 *   total = √(Σ_params Σ_i g_i²)        accumulated in float64, whatever the gradients' precision
 *   scale = maxNorm / (total + 1e-6)     every gradient is multiplied by it, only if scale < 1
 *
 * and the total (pre-clipping) norm is returned, for logging.
 *
 * Why float64: float32 squares overflow at |g| ≈ 1.8e19 (g² > 3.4e38) and a float32 running sum loses
 * the small terms of a large model; float64 holds the square of any float32 exactly enough and sums
 * 10⁹ terms with relative error ≲ 1e-7. (Float64 gradients above ~1e154 would still overflow; they are
 * reported as a non-finite norm.)
 *
 * The 1e-6 is PyTorch's: it keeps the scale finite when total = 0 and makes the clipped norm land a hair
 * below maxNorm (maxNorm·total/(total + 1e-6)).
 *
 * Non-finite total (a NaN or ±Inf gradient, or overflow), by `nonFinite`:
 *   'error' (default): throw, naming the first parameter with a non-finite gradient;
 *   'skip': leave every gradient untouched and return the non-finite total, so the caller skips the
 *           optimizer step (the usual mixed-precision "skip this step" policy).
 * PyTorch's default (error_if_nonfinite=False) instead multiplies every gradient by NaN; we do not offer
 * that, since it silently destroys the step.
 *
 * What it is not: clipping by value, or a per-parameter norm.
 */
import { namedParams, type Params } from './types.js';

export type NonFinitePolicy = 'error' | 'skip';

export interface ClipOptions {
  /** What to do when the total norm is NaN or ±Inf; 'error' by default. */
  readonly nonFinite?: NonFinitePolicy;
}

/** PyTorch's guard in the scale's denominator. */
export const CLIP_EPS = 1e-6;

/**
 * Scales all gradients in place so that their global L2 norm is at most ≈ maxNorm; returns the norm
 * before clipping. Parameters whose grad is null are skipped. maxNorm = Infinity only measures.
 */
export function clipGradNorm(params: Params, maxNorm: number, options: ClipOptions = {}): number {
  const nonFinite = options.nonFinite ?? 'error';
  if (nonFinite !== 'error' && nonFinite !== 'skip') {
    throw new Error(`clipGradNorm: options.nonFinite is "${String(nonFinite)}", expected "error" or "skip"`);
  }
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm) || maxNorm < 0) {
    throw new Error(`clipGradNorm: maxNorm is ${String(maxNorm)}, expected a number ≥ 0 (Infinity: measure only)`);
  }
  const named = namedParams(params);
  const total = gradNorm(named.map(([, p]) => p));
  if (!Number.isFinite(total)) {
    if (nonFinite === 'skip') return total;
    const culprit = named.find(([, p]) => p.grad !== null && !allFinite(p.grad.data));
    const where = culprit === undefined ? 'the sum of squares overflowed float64' : `params["${culprit[0]}"].grad is not finite`;
    throw new Error(`clipGradNorm: total norm is ${total}: ${where}`);
  }
  const scale = maxNorm / (total + CLIP_EPS);
  if (scale < 1) {
    for (const [, p] of named) {
      if (p.grad === null) continue;
      const g = p.grad.data;
      for (let i = 0; i < g.length; i++) g[i] *= scale;
    }
  }
  return total;
}

/** The global L2 norm of the gradients (float64 accumulation), without clipping; NaN/Inf pass through. */
export function gradNorm(params: Params): number {
  let sumSq = 0;
  for (const [, p] of namedParams(params)) {
    if (p.grad === null) continue;
    const g = p.grad.data;
    for (let i = 0; i < g.length; i++) sumSq += g[i] * g[i];
  }
  return Math.sqrt(sumSq);
}

function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}
