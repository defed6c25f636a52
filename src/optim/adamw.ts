/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled Weight Decay Regularization",
 * ICLR 2019, Algorithm 2), with the exact update order of PyTorch's `torch.optim.AdamW`
 * (https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html), per parameter p with gradient g:
 *
 *   t ← t + 1
 *   p ← p · (1 − lr·λ)                          decoupled decay, applied BEFORE the Adam step
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
 *
 * ε is added to the bias-corrected √v̂, as in PyTorch (not as ε̂ to the uncorrected √v, the "efficient"
 * form of Kingma & Ba §2 that some codes use), so the first step moves each coordinate by
 * lr·g/(|g| + ε) ≈ lr·sign(g).
 *
 * What it is not: AMSGrad, `maximize`, or a fused/foreach kernel. Parameters whose grad is null are
 * skipped entirely (no decay, no step count), as in PyTorch.
 *
 * Numerics (stated): moments are stored in the parameter's own precision (Float32Array for float32
 * parameters, as PyTorch keeps `exp_avg`/`exp_avg_sq` in the parameter's dtype; Float64Array for
 * float64). Each element's update is computed in float64 and rounded once when stored, so a float32
 * run agrees with PyTorch's float32 kernels to rounding (≈1 ulp per step), not bit for bit.
 * Non-finite gradients propagate (as in PyTorch): guard with `clipGradNorm`'s non-finite policy.
 */
import { namedParams, type FloatArray, type ParamLike, type Params } from './types.js';

/** Hyper-parameters of AdamW; each defaults to PyTorch's value. */
export interface AdamWOptions {
  /** Learning rate (before the schedule's factor, see `step`). PyTorch default 1e-3. */
  readonly lr?: number;
  /** (β1, β2), the decay rates of the first and second moments, each in [0, 1). Default (0.9, 0.999). */
  readonly betas?: readonly [number, number];
  /** Added to √v̂ in the denominator; guards division by zero. Default 1e-8. */
  readonly eps?: number;
  /** Decoupled decay rate λ (p ← p·(1 − lr·λ)). PyTorch's AdamW default 0.01. */
  readonly weightDecay?: number;
}

/** A parameter group: its own options override the optimizer's defaults (e.g. weightDecay 0 for biases). */
export interface AdamWGroup extends AdamWOptions {
  readonly params: Params;
}

export const ADAMW_DEFAULTS = Object.freeze({
  lr: 1e-3,
  betas: Object.freeze([0.9, 0.999]) as readonly [number, number],
  eps: 1e-8,
  weightDecay: 0.01,
});

/** A group after defaults are applied and everything is validated. */
export interface ResolvedAdamWGroup {
  readonly names: readonly string[];
  readonly params: readonly ParamLike[];
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
}

interface ParamState {
  step: number;
  expAvg: FloatArray;
  expAvgSq: FloatArray;
}

/** The checkpointable state: `<name>.exp_avg`, `<name>.exp_avg_sq` (arrays), `<name>.step` (number). */
export type AdamWStateDict = Record<string, FloatArray | number>;

const SUFFIXES = ['exp_avg', 'exp_avg_sq', 'step'] as const;

export class AdamW {
  readonly groups: readonly ResolvedAdamWGroup[];
  private readonly state = new Map<string, ParamState>();

  /**
   * @param params named or positional parameters (one group), or a list of groups. Positional
   *   parameters are named by their running index over all groups ("0", "1", …), like PyTorch's state.
   * @param defaults options for every group that does not set its own.
   */
  constructor(params: Params | readonly AdamWGroup[], defaults: AdamWOptions = {}) {
    const groupList = isGroupList(params) ? params : [{ params }];
    if (groupList.length === 0) throw new Error('AdamW: params: empty parameter list');
    const seenNames = new Set<string>();
    const seenParams = new Set<ParamLike>();
    let running = 0;
    this.groups = groupList.map((g, gi) => {
      const lr = g.lr ?? defaults.lr ?? ADAMW_DEFAULTS.lr;
      const [beta1, beta2] = g.betas ?? defaults.betas ?? ADAMW_DEFAULTS.betas;
      const eps = g.eps ?? defaults.eps ?? ADAMW_DEFAULTS.eps;
      const weightDecay = g.weightDecay ?? defaults.weightDecay ?? ADAMW_DEFAULTS.weightDecay;
      const where = `AdamW: groups[${gi}]`;
      checkFinite(lr >= 0, where, 'lr', lr, 'a finite number ≥ 0');
      checkFinite(beta1 >= 0 && beta1 < 1, where, 'betas[0]', beta1, 'in [0, 1)');
      checkFinite(beta2 >= 0 && beta2 < 1, where, 'betas[1]', beta2, 'in [0, 1)');
      checkFinite(eps >= 0, where, 'eps', eps, 'a finite number ≥ 0');
      checkFinite(weightDecay >= 0, where, 'weightDecay', weightDecay, 'a finite number ≥ 0');
      const named = Array.isArray(g.params)
        ? (g.params as readonly ParamLike[]).map((p): [string, ParamLike] => [String(running++), p])
        : namedParams(g.params);
      const names: string[] = [];
      const list: ParamLike[] = [];
      for (const [name, p] of named) {
        if (seenNames.has(name)) throw new Error(`AdamW: params["${name}"]: name appears twice`);
        if (seenParams.has(p)) throw new Error(`AdamW: params["${name}"]: parameter appears in more than one place`);
        const numel = p.shape.reduce((a, b) => a * b, 1);
        if (p.data.length !== numel) {
          throw new Error(
            `AdamW: params["${name}"]: shape [${p.shape.join(',')}] has ${numel} elements but data.length is ${p.data.length}`,
          );
        }
        seenNames.add(name);
        seenParams.add(p);
        names.push(name);
        list.push(p);
      }
      return Object.freeze({ names, params: list, lr, beta1, beta2, eps, weightDecay });
    });
  }

  /**
   * One AdamW step over every parameter that has a gradient.
   * @param lrScale multiplies each group's lr for this step: the value of an LR schedule (a factor of
   *   the base lr, like PyTorch's LambdaLR), 1 by default.
   */
  step(lrScale = 1): void {
    checkFinite(lrScale >= 0, 'AdamW.step', 'lrScale', lrScale, 'a finite number ≥ 0');
    for (const g of this.groups) {
      const lr = g.lr * lrScale;
      for (let k = 0; k < g.params.length; k++) {
        const p = g.params[k];
        if (p.grad === null) continue;
        const name = g.names[k];
        const grad = p.grad.data;
        if (grad.length !== p.data.length) {
          throw new Error(`AdamW.step: params["${name}"].grad has ${grad.length} elements, expected ${p.data.length}`);
        }
        let s = this.state.get(name);
        if (s === undefined) {
          s = { step: 0, expAvg: zerosLike(p.data), expAvgSq: zerosLike(p.data) };
          this.state.set(name, s);
        }
        s.step += 1;
        adamwUpdate(p.data, grad, s, lr, g.beta1, g.beta2, g.eps, g.weightDecay);
      }
    }
  }

  /** Drops every gradient (grad ← null), PyTorch's `zero_grad(set_to_none=True)`. */
  zeroGrad(): void {
    for (const g of this.groups) for (const p of g.params) p.grad = null;
  }

  /** The step count of a parameter (0 before its first update). */
  stepCount(name: string): number {
    return this.state.get(name)?.step ?? 0;
  }

  /**
   * A copy of the state: for every parameter that has been updated, `<name>.exp_avg` and
   * `<name>.exp_avg_sq` (same array type as the parameter) and `<name>.step`. Parameters never updated
   * have no entries (as in PyTorch). Hyper-parameters are not included: they come from the constructor.
   */
  stateDict(): AdamWStateDict {
    const out: AdamWStateDict = Object.create(null);
    for (const g of this.groups) {
      for (const name of g.names) {
        const s = this.state.get(name);
        if (s === undefined) continue;
        out[`${name}.exp_avg`] = s.expAvg.slice();
        out[`${name}.exp_avg_sq`] = s.expAvgSq.slice();
        out[`${name}.step`] = s.step;
      }
    }
    return out;
  }

  /**
   * Restores a `stateDict()` (copying it). All-or-nothing: everything is validated before any state
   * changes. A parameter with no entries starts fresh; partial entries, unknown keys, a wrong array
   * type or length, or a step that is not an integer ≥ 0 are errors.
   */
  loadStateDict(sd: AdamWStateDict): void {
    const next = new Map<string, ParamState>();
    const used = new Set<string>();
    for (const g of this.groups) {
      for (let k = 0; k < g.names.length; k++) {
        const name = g.names[k];
        const data = g.params[k].data;
        const keys = SUFFIXES.map((suf) => `${name}.${suf}`);
        const present = keys.filter((key) => Object.prototype.hasOwnProperty.call(sd, key));
        if (present.length === 0) continue;
        if (present.length !== keys.length) {
          const missing = keys.filter((key) => !present.includes(key));
          throw new Error(`AdamW.loadStateDict: "${missing[0]}" is missing (the state of "${name}" is partial)`);
        }
        for (const key of keys) used.add(key);
        const expAvg = checkMoment(sd[keys[0]], keys[0], data);
        const expAvgSq = checkMoment(sd[keys[1]], keys[1], data);
        const step = sd[keys[2]];
        if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
          throw new Error(`AdamW.loadStateDict: "${keys[2]}" is ${describe(step)}, expected an integer ≥ 0`);
        }
        next.set(name, { step, expAvg: expAvg.slice(), expAvgSq: expAvgSq.slice() });
      }
    }
    for (const key of Object.keys(sd)) {
      if (!used.has(key)) throw new Error(`AdamW.loadStateDict: unexpected key "${key}" (no such parameter state)`);
    }
    this.state.clear();
    for (const [name, s] of next) this.state.set(name, s);
  }
}

/**
 * The per-element AdamW update, in float64, each stored value rounded once to the array's precision.
 * Kept beside the class as the one place the formula lives.
 */
function adamwUpdate(
  p: FloatArray,
  g: FloatArray,
  s: ParamState,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  weightDecay: number,
): void {
  const decay = 1 - lr * weightDecay;
  const bc1 = 1 - beta1 ** s.step;
  const bc2Sqrt = Math.sqrt(1 - beta2 ** s.step);
  const stepSize = lr / bc1;
  const m = s.expAvg;
  const v = s.expAvgSq;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i];
    const mi = beta1 * m[i] + (1 - beta1) * gi;
    const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    // PyTorch reads m and v back after storing them (in the parameter's dtype); so do we, so that a
    // float32 run uses the float32-rounded moments like PyTorch does.
    const denom = Math.sqrt(v[i]) / bc2Sqrt + eps;
    p[i] = p[i] * decay - (stepSize * m[i]) / denom;
  }
}

function isGroupList(x: Params | readonly AdamWGroup[]): x is readonly AdamWGroup[] {
  if (!Array.isArray(x) || x.length === 0) return Array.isArray(x);
  const groups = (x as readonly object[]).filter((e) => typeof e === 'object' && e !== null && 'params' in e).length;
  if (groups !== 0 && groups !== x.length) {
    throw new Error('AdamW: params: mixes parameter groups ({params, …}) with bare parameters');
  }
  return groups !== 0;
}

function zerosLike(a: FloatArray): FloatArray {
  return a instanceof Float32Array ? new Float32Array(a.length) : new Float64Array(a.length);
}

function checkMoment(x: FloatArray | number | undefined, key: string, data: FloatArray): FloatArray {
  const want = data instanceof Float32Array ? 'Float32Array' : 'Float64Array';
  const ok = data instanceof Float32Array ? x instanceof Float32Array : x instanceof Float64Array;
  if (!ok) throw new Error(`AdamW.loadStateDict: "${key}" is ${describe(x)}, expected a ${want} (the parameter's precision)`);
  const arr = x as FloatArray;
  if (arr.length !== data.length) {
    throw new Error(`AdamW.loadStateDict: "${key}" has ${arr.length} elements, expected ${data.length}`);
  }
  return arr;
}

function checkFinite(ok: boolean, where: string, field: string, value: number, want: string): void {
  if (!(typeof value === 'number' && Number.isFinite(value) && ok)) {
    throw new Error(`${where}: ${field} is ${describe(value)}, expected ${want}`);
  }
}

function describe(x: unknown): string {
  if (x === undefined) return 'undefined';
  if (x === null) return 'null';
  if (typeof x === 'number') return String(x);
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name}`;
  return `a ${typeof x}`;
}
