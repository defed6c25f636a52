// The check the gpu suite's `step` table makes before timing a backend (bench/gpu/step-verify.ts): it must
// accept a backend that computes the same step in another (correct) float32 order, and reject one whose
// kernel is wrong. Both sides are run on the real vlm-tiny step through the tensor seam (no GPU needed:
// the backends here are the CPU reference with gemm rearranged or broken), plus the tolerance arithmetic
// on small hand-made snapshots.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GRAD_TOL, LOSS_RTOL, type StepSnapshot, checkLoss, checkStep, gradientError, snapshotStep } from '../../../bench/gpu/step-verify.js';
import { makeVlmStep } from '../../../bench/tensor/step.js';
import { type Backend, cpuBackend, setBackend } from '../../../src/tensor/index.js';

const snap = (loss: number, grads: Record<string, number[]>): StepSnapshot => ({
  loss,
  grads: Object.entries(grads).map(([n, g]) => [n, Float64Array.from(g)] as const),
});

describe('checkLoss / gradientError (tolerance arithmetic)', () => {
  it('a loss within LOSS_RTOL passes, one just outside throws', () => {
    expect(checkLoss('x', 'loss', 4 * (1 + 0.5 * LOSS_RTOL), 4)).toBeCloseTo(0.5 * LOSS_RTOL, 12);
    expect(() => checkLoss('x', 'loss', 4 * (1 + 2 * LOSS_RTOL), 4)).toThrow(/x: loss 4.0000\d+, reference 4 \(relative error 2.00e-5/);
    expect(() => checkLoss('x', 'loss', NaN, 4)).toThrow(/relative error NaN/);
  });

  it('floors a zero-in-exact-arithmetic gradient by its share of the whole: noise there passes, an error of 1e-3 elsewhere does not', () => {
    const w = Array.from({ length: 100 }, (_, i) => Math.sin(i + 1)); // ‖w‖ ≈ 7
    const bias = [1e-9, -1e-9, 2e-9, 0];
    const ref = snap(4, { w, bias });
    // bias noise of 1e-8 per entry: ≈ 8× its own norm (would fail without the floor), ≈ 3e-9 of the floor ‖g‖·√(4/104) ≈ 1.4
    const noisy = snap(4, { w, bias: [1e-8, -1e-8, 1e-8, 1e-8] });
    const e = gradientError(noisy, ref);
    expect(e.name).toBe('bias');
    expect(e.error).toBeLessThan(GRAD_TOL);
    let own = 0;
    let diff = 0;
    noisy.grads[1][1].forEach((x, j) => {
      diff += (x - ref.grads[1][1][j]) ** 2;
      own += ref.grads[1][1][j] ** 2;
    });
    expect(Math.sqrt(diff / own)).toBeGreaterThan(1); // relative to its own norm alone it would fail
    // one entry of w off by 1e-3·‖w‖: ≈ 5e-4 of its floored norm ‖w‖ + 1.4
    const off = snap(4, { w: w.map((x, i) => (i === 7 ? x + 1e-3 * 7 : x)), bias });
    expect(() => checkStep('y', off, ref)).toThrow(/y: gradient of w off by/);
  });

  it('a NaN gradient or a renamed parameter fails', () => {
    const ref = snap(4, { a: [1, 2] });
    expect(gradientError(snap(4, { a: [1, NaN] }), ref).error).toBe(Infinity);
    expect(() => gradientError(snap(4, { b: [1, 2] }), ref)).toThrow(/gradient 0 is b/);
  });
});

/** The reference with every gemm of K ≥ 2 summed as two halves of K: correct, but rounded differently. */
const splitK: Backend = {
  ...cpuBackend,
  name: 'split-K',
  gemm(M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs) {
    const h = K >> 1;
    cpuBackend.gemm(M, N, h, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs);
    cpuBackend.gemm(M, N, K - h, a, aOff + h * aCs, aRs, aCs, b, bOff + h * bRs, bRs, bCs, c, cOff, cRs);
  },
};

/** The reference with the last term of every inner product of K ≥ 64 dropped: a wrong kernel. */
const dropTerm: Backend = {
  ...cpuBackend,
  name: 'drop-term',
  gemm(M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs) {
    cpuBackend.gemm(M, N, K >= 64 ? K - 1 : K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs);
  },
};

describe('checkStep on the vlm-tiny step (both sides)', () => {
  let ref: StepSnapshot;
  const firstStep = (be: Backend): StepSnapshot => {
    setBackend(be);
    return snapshotStep(makeVlmStep(0));
  };
  beforeAll(() => {
    ref = firstStep(cpuBackend);
  });
  afterEach(() => setBackend(cpuBackend));

  it('accepts the same step summed in another order (the gradients do differ, within tolerance)', () => {
    const r = checkStep('split-K', firstStep(splitK), ref);
    expect(r.grad).toBeGreaterThan(0);
    expect(r.grad).toBeLessThanOrEqual(GRAD_TOL);
  });

  it('rejects a gemm that drops one term of 64 or more', () => {
    expect(() => checkStep('drop-term', firstStep(dropTerm), ref)).toThrow(/verify: drop-term: (first loss|gradient of)/);
  });
});
