/**
 * The check behind the gpu suite's `step` table (bench/gpu/step.ts): one vlm-tiny training step on a
 * backend must give the CPU reference's loss and gradients, within float32 tolerances stated here, before
 * that backend's step is timed. A failed check throws, which stops the bench (as the matmul check does).
 *
 * What is compared (both from the same seeded model and batch, bench/tensor/step.ts `makeVlmStep`):
 *   - the loss of the first step (before any update), and the loss of the second step (after one AdamW
 *     update, so it also sees the update the gradients produced): |Δ| ≤ LOSS_RTOL·|reference|;
 *   - every parameter's gradient from the first step: ‖Δg_p‖₂ ≤ GRAD_TOL·(‖g_p‖₂ + ‖g‖₂·√(n_p/N)), the
 *     tensor's own norm floored by its root-mean-square share of the whole gradient g (N entries).
 *
 * Why the floor: some gradients are zero in exact arithmetic — the attention key biases (softmax is
 * invariant to adding one constant to a row of scores, and q·b_k is such a constant), so what a float32
 * step leaves there is rounding noise, and two correct backends differ by 2–6× its own norm (measured).
 * A tensor's error is therefore measured against what its size would carry of the whole gradient when that
 * is larger than its own norm.
 *
 * Why these tolerances (float32, u = 2⁻²⁴ ≈ 6e-8): backends differ from the reference only by summation
 * order (gemm blocking, device reductions) and by GL's transcendentals (exp within (3 + 2|x|) ulp), each
 * a few u relative per operation. Measured here between the reference and gpu.js headlessgl / webasm /
 * cpu with every call on the device: loss equal to the last bit, the floored gradient error ≤ 5.3e-7
 * (≈ 9u). GRAD_TOL = 1e-4 and LOSS_RTOL = 1e-5 leave ≳ 100× room for other orders and longer chains;
 * a kernel that is wrong (a dropped term in one product, a wrong softmax) is off by 1e-3 or more
 * (spec/bench/gpu/step-verify.spec.ts shows both sides).
 *
 * Not here: timing, the table (step.ts); the step itself (bench/tensor/step.ts).
 */
import type { VlmStep } from '../tensor/step.js';

/** Relative tolerance of a loss (a float32 mean over 1024 positions, ≈ 4.3 here). */
export const LOSS_RTOL = 1e-5;
/** Tolerance of each parameter's gradient, relative to its floored norm (see the header). */
export const GRAD_TOL = 1e-4;

/** Loss and gradients of a first step. */
export interface StepSnapshot {
  readonly loss: number;
  /** Parameter name and its gradient, in the model's parameter order. */
  readonly grads: ReadonlyArray<readonly [string, Float64Array]>;
}

/**
 * Runs one step (the first on a fresh model: no update yet when the gradients are taken) and copies its
 * loss and gradients. Throws on a non-finite loss or gradient, or a parameter without one.
 */
export function snapshotStep(s: VlmStep): StepSnapshot {
  const loss = s.step();
  if (!Number.isFinite(loss)) throw new Error(`verify: first loss is ${loss}`);
  const grads: [string, Float64Array][] = [];
  for (const [name, p] of s.model.namedParameters()) {
    if (p.grad === null) throw new Error(`verify: parameter ${name} got no gradient`);
    const g = Float64Array.from(p.grad.data);
    if (!g.every(Number.isFinite)) throw new Error(`verify: gradient of ${name} is not finite`);
    grads.push([name, g]);
  }
  return { loss, grads };
}

/** Throws unless |got − ref| ≤ LOSS_RTOL·|ref|; returns the relative error. */
export function checkLoss(label: string, what: string, got: number, ref: number): number {
  const err = Math.abs(got - ref) / Math.abs(ref);
  if (!(err <= LOSS_RTOL)) throw new Error(`verify: ${label}: ${what} ${got}, reference ${ref} (relative error ${err.toExponential(2)} > ${LOSS_RTOL})`);
  return err;
}

/** The largest floored gradient error (see the header) and the parameter it is in. */
export function gradientError(got: StepSnapshot, ref: StepSnapshot): { readonly error: number; readonly name: string } {
  if (got.grads.length !== ref.grads.length) throw new Error(`verify: ${got.grads.length} gradients, reference ${ref.grads.length}`);
  let total = 0;
  let count = 0;
  for (const [, g] of ref.grads) {
    for (const x of g) total += x * x;
    count += g.length;
  }
  const norm = Math.sqrt(total);
  let worst = { error: 0, name: ref.grads.length > 0 ? ref.grads[0][0] : '' };
  for (let i = 0; i < ref.grads.length; i++) {
    const [name, r] = ref.grads[i];
    const [gotName, g] = got.grads[i];
    if (gotName !== name || g.length !== r.length) throw new Error(`verify: gradient ${i} is ${gotName} (${g.length}), reference ${name} (${r.length})`);
    let diff = 0;
    let own = 0;
    for (let j = 0; j < r.length; j++) {
      diff += (g[j] - r[j]) ** 2;
      own += r[j] ** 2;
    }
    const scale = Math.sqrt(own) + norm * Math.sqrt(r.length / count);
    const error = scale > 0 ? Math.sqrt(diff) / scale : diff === 0 ? 0 : Infinity;
    // `!(error <= worst)` also catches NaN.
    if (!(error <= worst.error)) worst = { error: Number.isNaN(error) ? Infinity : error, name };
  }
  return worst;
}

/** Throws unless the first step's loss and gradients match the reference's; returns the errors. */
export function checkStep(label: string, got: StepSnapshot, ref: StepSnapshot): { readonly loss: number; readonly grad: number; readonly gradName: string } {
  const loss = checkLoss(label, 'first loss', got.loss, ref.loss);
  const g = gradientError(got, ref);
  if (!(g.error <= GRAD_TOL)) throw new Error(`verify: ${label}: gradient of ${g.name} off by ${g.error.toExponential(2)} of its norm (tolerance ${GRAD_TOL})`);
  return { loss, grad: g.error, gradName: g.name };
}
