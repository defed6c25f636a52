/**
 * Gradient check by a random directional derivative, in float64 (JAX/PyTorch gradcheck style).
 *
 * For y = f(x₁, …, x_k), a random cotangent v (shape of y) and, for each input i, a random direction u_i:
 *   analytic_i = ⟨∂⟨v, y⟩/∂x_i, u_i⟩  from backward(v),
 *   numeric_i  = (φ_i(h) − φ_i(−h)) / 2h  with φ_i(t) = ⟨v, f(…, x_i + t·u_i, …)⟩ (central differences).
 *
 * Tolerance, justified: the central difference has truncation error h²/6·|φ‴| and rounding error about
 * κ·ε·S/h, where S = Σ_j |v_j·y_j| is the size of the terms summed into φ, ε = 2.2e-16 and κ a modest
 * condition factor (≲ 100 for the ops here). With h = 1e-6 that is ≲ 1e-12·|φ‴| + 2e-8·S, so we accept
 *   |analytic − numeric| ≤ tol·(S + |numeric|),  tol = 1e-7,
 * a factor ~5 above the worst expected rounding, while a wrong derivative (a missing term, a sign, a
 * factor 2) is off by O(S). Inputs must lie where f is smooth: callers draw them from the op's domain.
 *
 * Not here: choosing inputs (the specs draw them per op). Used by spec/tensor and by the nn specs.
 */
import { Tensor } from './tensor.js';
import { noGrad } from './autograd.js';
import { Rng } from './rng.js';
import { fromStorage, randn } from './creation.js';
import { contiguousData } from './ops/view.js';

export interface GradcheckOptions {
  /** Seed of the random directions (default 0). */
  readonly seed?: number;
  /** Finite-difference step (default 1e-6). */
  readonly h?: number;
  /** Relative tolerance against S + |numeric| (default 1e-7; see the header). */
  readonly tol?: number;
}

export interface GradcheckInputReport {
  readonly input: number;
  readonly analytic: number;
  readonly numeric: number;
  readonly error: number;
  /** tol·(S + |numeric|): the error allowed. */
  readonly allowed: number;
}

export interface GradcheckReport {
  readonly ok: boolean;
  readonly inputs: readonly GradcheckInputReport[];
  /** The first failing input's report, formatted, or '' when ok. */
  readonly message: string;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Check the gradient of f with respect to every input of `inputs` (float64 tensors) that has requiresGrad;
 * the others are held constant. f must be deterministic.
 */
export function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckReport {
  const h = opts.h ?? 1e-6;
  const tol = opts.tol ?? 1e-7;
  const rng = new Rng(opts.seed ?? 0);
  for (const [i, x] of inputs.entries()) {
    if (x.dtype !== 'float64') throw new Error(`gradcheck: inputs[${i}] is ${x.dtype}; check gradients in float64`);
  }
  const xs = inputs.map((x) => fromStorage(contiguousData(x).slice(), x.shape, { requiresGrad: x.requiresGrad }));
  const y = f(...xs);
  const v = randn(y.shape, rng, { dtype: 'float64' });
  const y0 = contiguousData(y).slice();
  let S = 0;
  for (let j = 0; j < y0.length; j++) S += Math.abs(v.data[j] * y0[j]);
  if (y.requiresGrad) y.backward(v);

  const reports: GradcheckInputReport[] = [];
  for (const [i, x] of xs.entries()) {
    if (!x.requiresGrad) continue;
    const u = randn(x.shape, rng, { dtype: 'float64' }).data;
    const analytic = x.grad === null ? 0 : dot(x.grad.data, u);
    const phi = (t: number): number =>
      noGrad(() => {
        const shifted = x.data.map((xv, k) => xv + t * u[k]);
        const args = xs.map((z, k) => (k === i ? fromStorage(shifted, x.shape) : z.detach()));
        return dot(v.data, contiguousData(f(...args)));
      });
    const numeric = (phi(h) - phi(-h)) / (2 * h);
    const error = Math.abs(analytic - numeric);
    reports.push({ input: i, analytic, numeric, error, allowed: tol * (S + Math.abs(numeric)) });
  }
  const bad = reports.find((r) => !(r.error <= r.allowed));
  const message = bad
    ? `gradcheck: input ${bad.input}: analytic ${bad.analytic} vs numeric ${bad.numeric} (error ${bad.error.toExponential(2)} > allowed ${bad.allowed.toExponential(2)})`
    : '';
  return { ok: bad === undefined, inputs: reports, message };
}
