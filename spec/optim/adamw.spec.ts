// AdamW against hand-worked steps, an independent float64 re-derivation, and its defining properties
// (bias correction, decoupled decay, groups, null grads, checkpoint round trip).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdamW, ADAMW_DEFAULTS, type AdamWStateDict } from '../../src/optim/adamw.js';
import type { FloatArray, ParamLike } from '../../src/optim/types.js';
import { loadSafetensors, saveSafetensors, type TensorRecord } from '../../src/io/safetensors.js';

function param(data: FloatArray, shape: number[] = [data.length]): ParamLike {
  return { data, grad: null, shape };
}
function setGrad(p: ParamLike, g: number[]): void {
  p.grad = { data: p.data instanceof Float32Array ? Float32Array.from(g) : Float64Array.from(g) };
}

interface Hyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  wd: number;
}

/**
 * An independent float64 AdamW, written the way Loshchilov & Hutter's Algorithm 2 reads (decay first,
 * moments by lerp as PyTorch's kernel writes them, explicit m̂ and v̂, ε added to √v̂). Returns p after
 * every step.
 */
function referenceAdamW(p0: readonly number[], grads: readonly (readonly number[])[], h: Hyper): number[][] {
  const p = p0.slice();
  const m = p0.map(() => 0);
  const v = p0.map(() => 0);
  const out: number[][] = [];
  grads.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < p.length; i++) {
      p[i] -= h.lr * h.wd * p[i];
      m[i] += (1 - h.beta1) * (g[i] - m[i]);
      v[i] += (1 - h.beta2) * (g[i] * g[i] - v[i]);
      const mHat = m[i] / (1 - h.beta1 ** t);
      const vHat = v[i] / (1 - h.beta2 ** t);
      p[i] -= (h.lr * mHat) / (Math.sqrt(vHat) + h.eps);
    }
    out.push(p.slice());
  });
  return out;
}

/** A bound K on |m̂|/√v̂ at step t when β1 ≤ β2 (Cauchy–Schwarz over the moments' weights). */
function ratioBound(h: Hyper, t: number): number {
  return Math.sqrt(((1 - h.beta1) * (1 - h.beta2 ** t)) / ((1 - h.beta2) * (1 - h.beta1 ** t)));
}

// gradients on a grid of 1/1000 (or exactly 0), so v is either 0 with m = 0 or well above ε²
const gradArb = fc.integer({ min: -1000, max: 1000 }).map((k) => k / 1000);
const hyperArb = fc
  .record({
    lr: fc.constantFrom(1e-3, 1e-2, 0.1, 0.5),
    beta1: fc.constantFrom(0, 0.5, 0.9),
    beta2: fc.constantFrom(0.9, 0.99, 0.999),
    eps: fc.constantFrom(1e-8, 1e-6, 1e-3),
    wd: fc.constantFrom(0, 0.01, 0.1),
  })
  .filter((h) => h.beta1 <= h.beta2);
const caseArb = fc
  .record({ n: fc.integer({ min: 1, max: 6 }), steps: fc.integer({ min: 1, max: 8 }), h: hyperArb })
  .chain(({ n, steps, h }) =>
    fc.record({
      h: fc.constant(h),
      p0: fc.array(fc.integer({ min: -128, max: 128 }).map((k) => k / 64), { minLength: n, maxLength: n }), // float32-exact
      grads: fc.array(fc.array(gradArb, { minLength: n, maxLength: n }), { minLength: steps, maxLength: steps }),
    }),
  );

function run(kind: 'f32' | 'f64', p0: readonly number[], grads: readonly (readonly number[])[], h: Hyper): { p: ParamLike; opt: AdamW } {
  const p = param(kind === 'f32' ? Float32Array.from(p0) : Float64Array.from(p0));
  const opt = new AdamW({ w: p }, { lr: h.lr, betas: [h.beta1, h.beta2], eps: h.eps, weightDecay: h.wd });
  for (const g of grads) {
    setGrad(p, [...g]);
    opt.step();
  }
  return { p, opt };
}

describe('AdamW', () => {
  it('has PyTorch’s defaults (lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0.01)', () => {
    const opt = new AdamW([param(new Float64Array(1))]);
    const g = opt.groups[0];
    expect([g.lr, g.beta1, g.beta2, g.eps, g.weightDecay]).toEqual([1e-3, 0.9, 0.999, 1e-8, 0.01]);
    expect(ADAMW_DEFAULTS.betas).toEqual([0.9, 0.999]);
  });

  it('two steps worked by hand (float64)', () => {
    // lr 0.1, betas (0.9, 0.999), eps 1e-8, λ 0.01, p0 = 1, g1 = 0.5, g2 = −1.
    // step 1: p = 1·(1 − 0.1·0.01) = 0.999; m = 0.1·0.5 = 0.05; v = 0.001·0.25 = 0.00025;
    //         bc1 = 0.1, bc2 = 0.001; step size lr/bc1 = 1; √v/√bc2 = √0.25 = 0.5;
    //         p = 0.999 − 0.05/(0.5 + 1e-8) = 0.999 − 0.1/(1 + 2e-8)
    // step 2: p = p1·0.999; m = 0.9·0.05 − 0.1 = −0.055; v = 0.999·0.00025 + 0.001 = 0.00124975;
    //         bc1 = 1 − 0.81 = 0.19, bc2 = 1 − 0.998001 = 0.001999;
    //         p = p·0.999 + (0.1/0.19)·0.055/(√(0.00124975/0.001999) + 1e-8)
    const move1 = 0.1 / (1 + 2e-8);
    const p1 = 0.999 - move1;
    const move2 = ((0.1 / 0.19) * 0.055) / (Math.sqrt(0.00124975 / 0.001999) + 1e-8);
    const p2 = p1 * 0.999 + move2;
    const p = param(Float64Array.of(1));
    const opt = new AdamW({ w: p }, { lr: 0.1 });
    // Tolerance: 4 ulp of p, plus the cancellation in 1 − β2ᵗ, which the optimizer computes from the
    // binary β2 (error up to 2⁻⁵³ absolute, so relative 2⁻⁵³/0.002 ≈ 5.6e-14 at t = 2; half that after √):
    // 6e-14 of the move.
    const ulp = 2 ** -52;
    setGrad(p, [0.5]);
    opt.step();
    expect(Math.abs(p.data[0] - p1)).toBeLessThanOrEqual(4 * ulp * Math.abs(p1) + 6e-14 * move1);
    setGrad(p, [-1]);
    opt.step();
    expect(Math.abs(p.data[0] - p2)).toBeLessThanOrEqual(4 * ulp * Math.abs(p2) + 6e-14 * move2);
    expect(p1).toBeCloseTo(0.899000002, 12);
    const sd = opt.stateDict();
    expect(sd['w.step']).toBe(2);
    // m, v: a few roundings of numbers ≲ 0.1 (binary 0.9 and 0.999 are off by < 1e-16 too): 4 ulp of 0.1
    expect(Math.abs((sd['w.exp_avg'] as Float64Array)[0] + 0.055)).toBeLessThanOrEqual(4 * ulp * 0.1);
    expect(Math.abs((sd['w.exp_avg_sq'] as Float64Array)[0] - 0.00124975)).toBeLessThanOrEqual(4 * ulp * 0.00125);
  });

  it('float64 run matches the independent re-derivation over random trajectories', () => {
    fc.assert(
      fc.property(caseArb, ({ h, p0, grads }) => {
        const { p } = run('f64', p0, grads, h);
        const ref = referenceAdamW(p0, grads, h).at(-1)!;
        // Same maths, different rounding order (lerp vs affine, √(v/bc2) vs √v/√bc2): a few ulp (2.2e-16)
        // of |p| and of each step's move ≤ lr·K per step (1 − βᵗ, with its cancellation, is computed
        // identically by both); 1e-12·(|p| + lr·T·K) is a wide margin over T ≤ 8 steps.
        const T = grads.length;
        const K = Math.max(...grads.map((_, k) => ratioBound(h, k + 1)));
        for (let i = 0; i < p0.length; i++) {
          expect(Math.abs(p.data[i] - ref[i])).toBeLessThanOrEqual(1e-12 * (Math.abs(ref[i]) + h.lr * T * K));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('float32 parameters keep float32 moments and track the float64 reference within float32 rounding', () => {
    const u32 = 2 ** -24; // float32 unit roundoff
    let worst = 0;
    fc.assert(
      fc.property(caseArb, ({ h, p0, grads }) => {
        const { p, opt } = run('f32', p0, grads, h);
        expect(p.data).toBeInstanceOf(Float32Array);
        expect(opt.stateDict()['w.exp_avg']).toBeInstanceOf(Float32Array);
        expect(opt.stateDict()['w.exp_avg_sq']).toBeInstanceOf(Float32Array);
        const traj = referenceAdamW(p0, grads, h);
        const ref = traj.at(-1)!;
        // Per step, storing p, m and v in float32 rounds each by ≤ u32 relative; v's rounding errors add
        // up over T steps (β2 ≈ 1 barely contracts them), so the move m̂/(√v̂+ε) is off by ≲ 2T·u32 relative
        // and p by ≲ u32·max|p|. Summed over T steps: T·u32·(max|p| + 2T·lr·K); we allow 4× that.
        const T = grads.length;
        const K = Math.max(...grads.map((_, k) => ratioBound(h, k + 1)));
        const maxP = Math.max(...traj.flat().map(Math.abs), ...p0.map(Math.abs));
        const tol = 4 * T * u32 * (maxP + 2 * T * h.lr * K);
        for (let i = 0; i < p0.length; i++) {
          const err = Math.abs(p.data[i] - ref[i]);
          worst = Math.max(worst, err / tol);
          expect(err).toBeLessThanOrEqual(tol);
        }
      }),
      { numRuns: 200 },
    );
    expect(worst).toBeGreaterThan(0); // the float32 path really rounds (else this test checks nothing)
  });

  it('first step moves each coordinate by lr·g/(|g| + ε) ≈ lr·sign(g) (bias correction), whatever β1, β2', () => {
    fc.assert(
      fc.property(hyperArb, fc.array(gradArb, { minLength: 1, maxLength: 8 }), (h, g) => {
        const p = param(new Float64Array(g.length));
        const opt = new AdamW([p], { lr: h.lr, betas: [h.beta1, h.beta2], eps: h.eps, weightDecay: 0 });
        setGrad(p, g);
        opt.step();
        for (let i = 0; i < g.length; i++) {
          const exact = (-h.lr * g[i]) / (Math.abs(g[i]) + h.eps);
          // m̂ = g and √v̂ = |g| up to rounding (bias correction undoes (1 − β)): a few ulp of lr
          expect(Math.abs(p.data[i] - exact)).toBeLessThanOrEqual(1e-14 * h.lr);
          // and hence within lr·ε/|g| of −lr·sign(g)
          if (g[i] !== 0) expect(Math.abs(p.data[i] + h.lr * Math.sign(g[i]))).toBeLessThanOrEqual(h.lr * (h.eps / Math.abs(g[i]) + 1e-14));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('zero gradient: the decay alone shrinks p by exactly (1 − lr·λ) per step; Adam with L2 instead moves it by ≈ lr', () => {
    const lr = 0.01;
    const wd = 0.1;
    const p = param(Float64Array.of(2, -3, 0.5));
    const opt = new AdamW([p], { lr, weightDecay: wd });
    const expected = [2, -3, 0.5];
    for (let t = 0; t < 5; t++) {
      setGrad(p, [0, 0, 0]);
      opt.step();
      for (let i = 0; i < 3; i++) expected[i] *= 1 - lr * wd; // m = v = 0: the Adam move is 0/(0 + ε) = 0
    }
    expect(Array.from(p.data)).toEqual(expected); // bit for bit: the same multiplications
    // The other side: torch.optim.Adam's coupled L2 decay (g ← g + λp) normalises λp by √v̂, so with a
    // zero loss gradient the first step moves p by ≈ lr·sign(p) = 0.01, not by lr·λ·|p| = 0.001·|p|.
    const coupledFirstStep = [2, -3, 0.5].map((x) => {
      const g = wd * x;
      return x - (lr * g) / (Math.abs(g) + 1e-8);
    });
    expect(Math.abs(coupledFirstStep[0] - (2 - lr))).toBeLessThan(1e-9);
    expect(Math.abs(2 * (1 - lr * wd) - (2 - lr))).toBeGreaterThan(0.007); // the two rules really differ
  });

  it('decay is decoupled: after one step, p(λ) − p(0) = −lr·λ·p0 exactly in real arithmetic', () => {
    fc.assert(
      fc.property(caseArb, ({ h, p0, grads }) => {
        const withDecay = run('f64', p0, grads.slice(0, 1), { ...h, wd: 0.1 }).p.data;
        const without = run('f64', p0, grads.slice(0, 1), { ...h, wd: 0 }).p.data;
        for (let i = 0; i < p0.length; i++) {
          // both subtract the same Adam move from p0·(1 − lr·λ) and from p0: a few ulp of |p| + lr
          expect(Math.abs(withDecay[i] - without[i] + h.lr * 0.1 * p0[i])).toBeLessThanOrEqual(1e-14 * (Math.abs(p0[i]) + h.lr));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('a parameter whose grad is null is skipped: no decay, no step count', () => {
    const a = param(Float64Array.of(1, 2));
    const b = param(Float64Array.of(3));
    const opt = new AdamW({ a, b }, { lr: 0.1, weightDecay: 0.5 });
    setGrad(a, [1, 1]);
    opt.step();
    expect(Array.from(b.data)).toEqual([3]);
    expect(opt.stepCount('a')).toBe(1);
    expect(opt.stepCount('b')).toBe(0);
    expect(Object.keys(opt.stateDict()).sort()).toEqual(['a.exp_avg', 'a.exp_avg_sq', 'a.step']);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
    opt.step();
    expect(opt.stepCount('a')).toBe(1);
  });

  it('parameter groups: each group uses its own options (no decay for the bias group)', () => {
    const w = param(Float64Array.of(1));
    const bias = param(Float64Array.of(1));
    const opt = new AdamW(
      [
        { params: { w }, weightDecay: 0.1 },
        { params: { bias }, weightDecay: 0, lr: 0.5 },
      ],
      { lr: 0.2 },
    );
    setGrad(w, [0]);
    setGrad(bias, [0]);
    opt.step();
    expect(w.data[0]).toBe(1 - 0.2 * 0.1);
    expect(bias.data[0]).toBe(1);
    setGrad(bias, [3]);
    opt.step();
    // bias' second step with g = 3 after g = 0: m = 0.1·3, v = 0.001·9 at t = 2 → move 0.5·(0.3/0.19)/(√(0.009/0.001999) + ε)
    const move = (0.5 * (0.3 / 0.19)) / (Math.sqrt(0.009 / 0.001999) + 1e-8);
    // 4 ulp of p plus the cancellation in 1 − β2² (relative ≤ 2⁻⁵³/0.001999, see the hand-worked test)
    expect(Math.abs(bias.data[0] - (1 - move))).toBeLessThanOrEqual(4 * 2 ** -52 + 6e-14 * move);
    expect(opt.groups.map((g) => [g.lr, g.weightDecay])).toEqual([
      [0.2, 0.1],
      [0.5, 0],
    ]);
  });

  it('lrScale multiplies every group’s lr for that step', () => {
    const grads = [[0.3, -0.7], [0.1, 0.2], [-1, 0]];
    const a = param(Float64Array.of(1, -1));
    const b = param(Float64Array.of(1, -1));
    const optA = new AdamW([a], { lr: 0.1 });
    const optB = new AdamW([b], { lr: 0.05 });
    for (const g of grads) {
      setGrad(a, g);
      setGrad(b, g);
      optA.step(0.5); // 0.1·0.5 is exactly 0.05
      optB.step();
    }
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  it('state round trip through a safetensors file gives bit-identical continued trajectories', () => {
    const shapes: Record<string, number[]> = { 'blocks.0.w': [3, 2], 'blocks.0.b': [2] };
    const make = (kind: 'f32' | 'f64'): Record<string, ParamLike> =>
      Object.fromEntries(
        Object.entries(shapes).map(([name, shape]) => {
          const n = shape.reduce((x, y) => x * y, 1);
          const values = Array.from({ length: n }, (_, i) => (i - 2) / 8);
          return [name, param(kind === 'f32' ? Float32Array.from(values) : Float64Array.from(values), shape)];
        }),
      );
    const gradAt = (t: number, name: string, n: number): number[] =>
      Array.from({ length: n }, (_, i) => Math.sin(t * 1.7 + i * 0.3 + name.length));
    for (const kind of ['f32', 'f64'] as const) {
      const params = make(kind);
      const opt = new AdamW([{ params: { 'blocks.0.w': params['blocks.0.w'] } }, { params: { 'blocks.0.b': params['blocks.0.b'] }, weightDecay: 0 }], { lr: 0.05 });
      const stepAll = (o: AdamW, ps: Record<string, ParamLike>, t: number): void => {
        for (const [name, p] of Object.entries(ps)) setGrad(p, gradAt(t, name, p.data.length));
        o.step();
      };
      for (let t = 0; t < 5; t++) stepAll(opt, params, t);

      // checkpoint: parameters and optimizer state into one safetensors file (steps as F64 scalars)
      const sd = opt.stateDict();
      const dtype = kind === 'f32' ? 'F32' : 'F64';
      const tensors: Record<string, TensorRecord> = {};
      for (const [name, p] of Object.entries(params)) tensors[`param.${name}`] = { dtype, shape: p.shape, data: p.data };
      for (const [key, value] of Object.entries(sd)) {
        tensors[`optim.${key}`] = typeof value === 'number' ? { dtype: 'F64', shape: [], data: Float64Array.of(value) } : { dtype, shape: [value.length], data: value };
      }
      const loaded = loadSafetensors(saveSafetensors(tensors)).tensors;

      const params2 = make(kind);
      for (const [name, p] of Object.entries(params2)) p.data.set(loaded[`param.${name}`].data as FloatArray);
      const sd2: AdamWStateDict = {};
      for (const [key, t] of Object.entries(loaded)) {
        if (!key.startsWith('optim.')) continue;
        sd2[key.slice(6)] = t.shape.length === 0 ? (t.data as Float64Array)[0] : (t.data as FloatArray);
      }
      const opt2 = new AdamW([{ params: { 'blocks.0.w': params2['blocks.0.w'] } }, { params: { 'blocks.0.b': params2['blocks.0.b'] }, weightDecay: 0 }], { lr: 0.05 });
      opt2.loadStateDict(sd2);
      for (let t = 5; t < 10; t++) {
        stepAll(opt, params, t);
        stepAll(opt2, params2, t);
      }
      for (const name of Object.keys(shapes)) {
        const a = new Uint8Array(params[name].data.buffer);
        const b = new Uint8Array(params2[name].data.buffer);
        expect(Buffer.compare(a, b), `${kind} ${name}`).toBe(0);
      }
      expect(opt2.stepCount('blocks.0.w')).toBe(10);
      // the state dict is a copy: stepping did not change the checkpoint taken at step 5
      expect(sd['blocks.0.w.step']).toBe(5);
    }
  });

  it('rejects bad options and inputs, naming the field', () => {
    const p = (): ParamLike => param(new Float64Array(2));
    expect(() => new AdamW([p()], { lr: -1 })).toThrow('AdamW: groups[0]: lr is -1');
    expect(() => new AdamW([p()], { lr: NaN })).toThrow('lr is NaN');
    expect(() => new AdamW([p()], { betas: [0.9, 1] })).toThrow('betas[1] is 1, expected in [0, 1)');
    expect(() => new AdamW([p()], { betas: [-0.1, 0.9] })).toThrow('betas[0] is -0.1');
    expect(() => new AdamW([p()], { eps: -1e-8 })).toThrow('eps is -1e-8');
    expect(() => new AdamW([{ params: [p()] }, { params: [p()], weightDecay: Infinity }])).toThrow('groups[1]: weightDecay is Infinity');
    expect(() => new AdamW([])).toThrow('empty parameter list');
    const shared = p();
    expect(() => new AdamW([{ params: [shared] }, { params: [shared] }])).toThrow('params["1"]: parameter appears in more than one place');
    expect(() => new AdamW([{ params: { w: p() } }, { params: { w: p() } }])).toThrow('params["w"]: name appears twice');
    expect(() => new AdamW({ w: param(new Float64Array(5), [2, 3]) })).toThrow('params["w"]: shape [2,3] has 6 elements but data.length is 5');
    expect(() => new AdamW([p(), { params: [p()] }] as never)).toThrow('mixes parameter groups');
    const w = p();
    const opt = new AdamW({ w });
    w.grad = { data: new Float64Array(3) };
    expect(() => opt.step()).toThrow('AdamW.step: params["w"].grad has 3 elements, expected 2');
    expect(() => opt.step(-0.5)).toThrow('AdamW.step: lrScale is -0.5');
  });

  it('loadStateDict rejects unknown keys, partial state, wrong precision or length, bad steps, and changes nothing then', () => {
    const w = param(new Float32Array(2));
    const opt = new AdamW({ w });
    setGrad(w, [1, 2]);
    opt.step();
    const good = opt.stateDict();
    const bad = (patch: AdamWStateDict, drop?: string): AdamWStateDict => {
      const sd: AdamWStateDict = { ...good, ...patch };
      if (drop !== undefined) delete sd[drop];
      return sd;
    };
    expect(() => opt.loadStateDict(bad({ 'v.step': 1 }))).toThrow('unexpected key "v.step"');
    expect(() => opt.loadStateDict(bad({}, 'w.exp_avg_sq'))).toThrow('"w.exp_avg_sq" is missing');
    expect(() => opt.loadStateDict(bad({ 'w.exp_avg': new Float64Array(2) }))).toThrow('"w.exp_avg" is a Float64Array, expected a Float32Array');
    expect(() => opt.loadStateDict(bad({ 'w.exp_avg': new Float32Array(3) }))).toThrow('"w.exp_avg" has 3 elements, expected 2');
    expect(() => opt.loadStateDict(bad({ 'w.step': 1.5 }))).toThrow('"w.step" is 1.5, expected an integer ≥ 0');
    expect(() => opt.loadStateDict(bad({ 'w.step': new Float32Array(1) }))).toThrow('"w.step" is a Float32Array');
    expect(opt.stateDict()).toEqual(good); // failed loads left the state alone
    opt.loadStateDict({});
    expect(opt.stepCount('w')).toBe(0); // an empty dict is a fresh start
  });
});
