/**
 * Test support for the policy-loss specs (not a spec itself): random batches and options for
 * fast-check, a guard that keeps random points away from the loss's kinks, central differences, a
 * tolerance check that reports the worst error, and an independent reference loss written directly
 * from the peers' formulas (verl compute_policy_loss_vanilla + agg_loss, TRL's δ and GSPO ratio), kept
 * deliberately different in shape from src/ (max/min composition, sum-then-divide per mode).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { PolicyLossOptions, TokenBatch } from '../../../src/rl/loss/index.js';

export interface RandomCase {
  readonly batch: TokenBatch & {
    readonly logProbs: Float64Array;
    readonly oldLogProbs: Float64Array;
    readonly refLogProbs: Float64Array;
  };
  readonly options: Partial<PolicyLossOptions>;
  /** A random direction for directional derivatives; B·T. */
  readonly direction: Float64Array;
}

/**
 * Uniform on [min, max] on a grid of 2³⁰ points. Not fc.double: its bias towards tiny values and the
 * interval ends would put almost every ratio at 1 and every advantage near 0, far from the clip regions.
 */
const f64 = (min: number, max: number) =>
  fc.noBias(fc.integer({ min: 0, max: 2 ** 30 })).map((i) => min + ((max - min) * i) / 2 ** 30);

/** Batches of B ≤ 4 responses with T ≤ 6 slots; log-ratios in [−1.5, 1.5] so every branch occurs. */
export function batchArb(opts: { perResponseAdvantages?: boolean; allOptions?: boolean } = {}): fc.Arbitrary<RandomCase> {
  return fc
    .record({ B: fc.integer({ min: 1, max: 4 }), T: fc.integer({ min: 1, max: 6 }) })
    .chain(({ B, T }) => {
      const n = B * T;
      const arr = <V>(a: fc.Arbitrary<V>, len: number) => fc.array(a, { minLength: len, maxLength: len });
      return fc.record({
        B: fc.constant(B),
        T: fc.constant(T),
        old: arr(f64(-4, -0.01), n),
        shift: arr(f64(-1.5, 1.5), n),
        ref: arr(f64(-4, -0.01), n),
        mask: arr(fc.integer({ min: 0, max: 4 }).map((v) => (v === 0 ? 0 : 1)), n),
        perResponse: opts.perResponseAdvantages === undefined ? fc.boolean() : fc.constant(opts.perResponseAdvantages),
        advTok: arr(fc.oneof({ weight: 5, arbitrary: f64(-3, 3) }, { weight: 1, arbitrary: fc.constant(0) }), n),
        advResp: arr(fc.oneof({ weight: 5, arbitrary: f64(-3, 3) }, { weight: 1, arbitrary: fc.constant(0) }), B),
        truncated: arr(fc.boolean(), B),
        direction: arr(f64(-1, 1), n),
        options: opts.allOptions === false ? fc.constant({}) : optionsArb(),
      });
    })
    .map((r) => {
      const n = r.B * r.T;
      const logProbs = new Float64Array(n);
      for (let k = 0; k < n; k++) logProbs[k] = r.old[k] + r.shift[k];
      return {
        batch: {
          shape: [r.B, r.T] as const,
          logProbs,
          oldLogProbs: Float64Array.from(r.old),
          refLogProbs: Float64Array.from(r.ref),
          advantages: Float64Array.from(r.perResponse ? r.advResp : r.advTok),
          mask: Uint8Array.from(r.mask),
          truncated: r.truncated,
        },
        options: r.options,
        direction: Float64Array.from(r.direction),
      };
    });
}

export function optionsArb(): fc.Arbitrary<Partial<PolicyLossOptions>> {
  return fc.record({
    clipLow: fc.constantFrom(0.2, 0.1),
    clipHigh: fc.constantFrom(0.3, 0.28),
    dualClip: fc.constantFrom(null, 3, 1.2),
    delta: fc.constantFrom(null, 2, 1.2),
    ratioLevel: fc.constantFrom('token' as const, 'sequence' as const),
    logRatioClamp: fc.constantFrom(20, 1, null),
    aggregation: fc.constantFrom(
      'token-mean' as const,
      'seq-mean-token-mean' as const,
      'seq-mean-token-sum' as const,
      'seq-mean-token-sum-norm' as const,
    ),
    normConstant: fc.constantFrom(undefined, 7),
    tokenCount: fc.constantFrom(undefined, 50),
    sequenceCount: fc.constantFrom(undefined, 9),
    klEstimator: fc.constantFrom('k1' as const, 'abs' as const, 'k2' as const, 'k3' as const),
    klBeta: fc.constantFrom(0, 0.05, 1),
    k3Clamp: fc.constantFrom(10, null, 0.5),
    maskTruncated: fc.boolean(),
  });
}

/**
 * True when every kink of the loss is at least `margin` away (in log-ratio, or in KL value for the k3
 * clamp) from the point, so that a finite-difference step of size ≤ margin/10 stays on one smooth piece.
 */
export function awayFromKinks(c: RandomCase, margin: number): boolean {
  const o = { ...DEFAULTS, ...c.options };
  const [B, T] = c.batch.shape;
  const eff = effectiveMask(c.batch, o.maskTruncated);
  const logBounds = [Math.log(1 - o.clipLow), Math.log(1 + o.clipHigh)];
  if (o.dualClip !== null) logBounds.push(Math.log(o.dualClip));
  if (o.delta !== null) logBounds.push(Math.log(o.delta));
  const logRatios: number[] = [];
  for (let b = 0; b < B; b++) {
    let s = 0;
    let cnt = 0;
    for (let t = 0; t < T; t++) {
      const k = b * T + t;
      if (!eff[k]) continue;
      const x = c.batch.logProbs[k] - c.batch.oldLogProbs[k];
      if (o.ratioLevel === 'token') logRatios.push(x);
      s += x;
      cnt++;
    }
    if (o.ratioLevel === 'sequence' && cnt > 0) logRatios.push(s / cnt);
  }
  for (const x of logRatios) {
    let xc = x;
    if (o.logRatioClamp !== null) {
      if (Math.abs(Math.abs(x) - o.logRatioClamp) < margin) return false;
      xc = Math.min(Math.max(x, -o.logRatioClamp), o.logRatioClamp);
    }
    for (const lb of logBounds) if (Math.abs(xc - lb) < margin) return false;
  }
  if ((o.klBeta ?? 0) > 0) {
    for (let k = 0; k < B * T; k++) {
      if (!eff[k]) continue;
      const x = c.batch.logProbs[k] - c.batch.refLogProbs[k];
      if (o.klEstimator === 'abs' && Math.abs(x) < margin) return false;
      // k3 value changes by at most |1 − e^(−x)|·Δx ≤ e^5.5·Δx here; compare in value with a scaled margin
      if (o.klEstimator === 'k3' && o.k3Clamp !== null) {
        const v = Math.exp(-x) + x - 1;
        if (Math.abs(v - o.k3Clamp) < margin * (1 + Math.abs(1 - Math.exp(-x)))) return false;
      }
    }
  }
  return true;
}

const DEFAULTS = {
  clipLow: 0.2,
  clipHigh: 0.3,
  dualClip: 3 as number | null,
  delta: null as number | null,
  ratioLevel: 'token' as 'token' | 'sequence',
  logRatioClamp: 20 as number | null,
  aggregation: 'token-mean' as PolicyLossOptions['aggregation'],
  normConstant: undefined as number | undefined,
  tokenCount: undefined as number | undefined,
  sequenceCount: undefined as number | undefined,
  klEstimator: 'k3' as PolicyLossOptions['klEstimator'],
  klBeta: 0,
  k3Clamp: 10 as number | null,
  maskTruncated: false,
};

export function effectiveMask(batch: TokenBatch, maskTruncated: boolean | undefined): boolean[] {
  const [B, T] = batch.shape;
  const out: boolean[] = [];
  for (let b = 0; b < B; b++) {
    const tr = batch.truncated !== undefined && (batch.truncated[b] === true || batch.truncated[b] === 1);
    for (let t = 0; t < T; t++) out.push(batch.mask[b * T + t] === 1 && !(maskTruncated === true && tr));
  }
  return out;
}

/**
 * The loss written the way verl and TRL write it, as a slow independent spec of the value:
 * ratio = exp(clamp(logp − old)), pg = max(−A·min(r, δ), −A·clamp(r, 1−εl, 1+εh)), then
 * where(A < 0, min(pg, −A·c), pg); KL per verl's kl_penalty (k3 = ratio − log ratio − 1 on ref − logp);
 * per-token total pg + β·kl, aggregated per mode by sum-then-divide.
 */
export function referenceLoss(batch: TokenBatch, options: Partial<PolicyLossOptions>): number {
  const o = { ...DEFAULTS, ...options };
  const [B, T] = batch.shape;
  const m = effectiveMask(batch, o.maskTruncated);
  const A = (k: number): number =>
    batch.advantages.length === B * T ? batch.advantages[k] : batch.advantages[Math.floor(k / T)];
  const clampX = (x: number) => (o.logRatioClamp === null ? x : Math.min(Math.max(x, -o.logRatioClamp), o.logRatioClamp));
  const seqLogRatio: number[] = [];
  for (let b = 0; b < B; b++) {
    let s = 0;
    let cnt = 0;
    for (let t = 0; t < T; t++) {
      if (!m[b * T + t]) continue;
      s += batch.logProbs[b * T + t] - batch.oldLogProbs[b * T + t];
      cnt++;
    }
    seqLogRatio.push(s / Math.max(cnt, 1));
  }
  const tokenLoss: number[] = [];
  for (let k = 0; k < B * T; k++) {
    if (!m[k]) {
      tokenLoss.push(0);
      continue;
    }
    const x = o.ratioLevel === 'token' ? batch.logProbs[k] - batch.oldLogProbs[k] : seqLogRatio[Math.floor(k / T)];
    const r = Math.exp(clampX(x));
    const a = A(k);
    const u = o.delta === null ? r : Math.min(r, o.delta);
    const pg0 = Math.max(-a * u, -a * Math.min(Math.max(r, 1 - o.clipLow), 1 + o.clipHigh));
    const pg = a < 0 && o.dualClip !== null ? Math.min(pg0, -a * o.dualClip) : pg0;
    let kl = 0;
    if (o.klBeta > 0 && batch.refLogProbs !== undefined) {
      const d = batch.logProbs[k] - batch.refLogProbs[k];
      switch (o.klEstimator) {
        case 'k1':
          kl = d;
          break;
        case 'abs':
          kl = Math.abs(d);
          break;
        case 'k2':
          kl = 0.5 * d * d;
          break;
        case 'k3': {
          const z = -d; // verl: kl = ref − logp; exp(kl) − kl − 1
          kl = Math.exp(z) - z - 1;
          if (o.k3Clamp !== null) kl = Math.min(kl, o.k3Clamp);
          break;
        }
      }
    }
    tokenLoss.push(pg + o.klBeta * kl);
  }
  const S = o.sequenceCount ?? B;
  let total = 0;
  let tokens = 0;
  const rowSums: number[] = [];
  const rowCounts: number[] = [];
  for (let b = 0; b < B; b++) {
    let s = 0;
    let c = 0;
    for (let t = 0; t < T; t++) {
      if (!m[b * T + t]) continue;
      s += tokenLoss[b * T + t];
      c++;
    }
    rowSums.push(s);
    rowCounts.push(c);
    total += s;
    tokens += c;
  }
  switch (o.aggregation) {
    case 'token-mean':
      return total / Math.max(o.tokenCount ?? tokens, 1);
    case 'seq-mean-token-mean':
      return rowSums.reduce((acc, s, b) => acc + s / Math.max(rowCounts[b], 1), 0) / S;
    case 'seq-mean-token-sum':
      return total / S;
    case 'seq-mean-token-sum-norm':
      return total / (S * (o.normConstant ?? T));
  }
}

/** ⟨∇f, u⟩ by central differences: (f(x + h·u) − f(x − h·u)) / 2h. */
export function directionalFd(f: (x: Float64Array) => number, x: Float64Array, u: Float64Array, h: number): number {
  const xp = x.map((v, k) => v + h * u[k]);
  const xm = x.map((v, k) => v - h * u[k]);
  return (f(xp) - f(xm)) / (2 * h);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

/**
 * |actual − expected| ≤ atol + rtol·|expected| elementwise; NaN matches only NaN. A failure names the
 * worst absolute and relative error and the first failing index.
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol: number,
  rtol: number,
  label = '',
): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  let worstAbs = 0;
  let worstRel = 0;
  let firstBad = -1;
  for (let k = 0; k < expected.length; k++) {
    const a = actual[k];
    const e = expected[k];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (!(Number.isNaN(e) && Number.isNaN(a)) && firstBad < 0) firstBad = k;
      continue;
    }
    const err = Math.abs(a - e);
    worstAbs = Math.max(worstAbs, err);
    if (e !== 0) worstRel = Math.max(worstRel, err / Math.abs(e));
    if (!(err <= atol + rtol * Math.abs(e)) && firstBad < 0) firstBad = k;
  }
  if (firstBad >= 0) {
    throw new Error(
      `${label} mismatch at index ${firstBad}: actual ${actual[firstBad]}, expected ${expected[firstBad]}; ` +
        `worst abs ${worstAbs.toExponential(3)}, worst rel ${worstRel.toExponential(3)} (atol ${atol}, rtol ${rtol})`,
    );
  }
}
