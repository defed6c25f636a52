// The adaptive length envelope: the lemmas of proofs/shaping.md §3 as properties over random configs and
// random sequences of batches, plus the exact update equations of docs/shaping.md on a worked case.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inputErrorField } from '../../support/input-error.js';
import {
  DEFAULT_ADAPTIVE_LENGTH_CONFIG,
  DEFAULT_LENGTH_ENVELOPES,
  adaptiveEnvelopes,
  initAdaptiveLength,
  targetEnvelope,
  updateAdaptiveLength,
  type AdaptiveLengthConfig,
  type AdaptiveLengthState,
  type LengthEnvelope,
} from '../../../src/rl/shaping/index.js';

const real = (min: number, max: number) =>
  fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((k) => min + (max - min) * (k / (2 ** 31 - 1)));

interface Case {
  config: AdaptiveLengthConfig;
  initial: LengthEnvelope;
}

/** A random valid config and an initial envelope that satisfies its bounds and minimum widths. */
const caseArb: fc.Arbitrary<Case> = fc
  .record({
    decay: fc.oneof(fc.constant(0), real(0, 0.99)),
    plateauStd: real(0.1, 3),
    rampStd: real(0.1, 4),
    minPlateau: fc.oneof(fc.constant(0), real(0, 64)),
    minRamp: real(1, 64),
    maxMove: real(1, 400), // ≤ the smallest span, as the config requires
    lo: fc.oneof(fc.constant(0), real(0, 200)),
    span: real(400, 8000),
    // where the initial envelope sits: fractions of the free room
    f: fc.tuple(real(0, 1), real(0, 1), real(0, 1), real(0, 1)),
  })
  .map(({ lo, span, f, ...c }) => {
    const hi = lo + span;
    const free = span - 2 * c.minRamp - c.minPlateau; // ≥ 400 − 192 > 0
    const [a, b, d, e] = f.map((x) => (x * free) / 4);
    const lMin = lo + a;
    const lLow = lMin + c.minRamp + b;
    const lHigh = lLow + c.minPlateau + d;
    const lMax = lHigh + c.minRamp + e;
    // lo + span rounds, so hi − lo can fall an ulp short of span (e.g. 399.99999999999994 for 400): the
    // config requires maxMove ≤ hi − lo as computed, so clamp there.
    const maxMove = Math.min(c.maxMove, hi - lo);
    return { config: { ...c, maxMove, bounds: { lo, hi } }, initial: { lMin, lLow, lHigh, lMax } };
  });

/** Batches of one task 't': integer token lengths in [0, 10000] (past the bounds, to push on them). */
const batchArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 10000 }), fc.boolean()), { minLength: 1, maxLength: 12 });

function run(c: Case, batches: [number, boolean][][]): AdaptiveLengthState[] {
  let s = initAdaptiveLength(new Map([['t', c.initial]]), c.config);
  const states = [s];
  for (const b of batches) {
    s = updateAdaptiveLength(s, { lengths: b.map((r) => r[0]), tasks: b.map(() => 't'), correct: b.map((r) => r[1]) });
    states.push(s);
  }
  return states;
}

const env = (s: AdaptiveLengthState): LengthEnvelope => s.tasks.get('t')!.envelope;
const thresholds = (e: LengthEnvelope) => [e.lMin, e.lLow, e.lHigh, e.lMax];
// Gap and move checks carry 1e-9 tokens of slack: a handful of roundings of numbers below 2·16384 tokens,
// each at most ulp/2 = 3.6e-12, can eat that much of a gap over a run (proofs/shaping.md §3, floating point).
const TOL = 1e-9;

describe('adaptive length envelope', () => {
  const runs = { numRuns: 200 };
  const seq = fc.array(batchArb, { minLength: 1, maxLength: 25 });

  it('ordering L_min < L_low ≤ L_high < L_max and the minimum widths always hold (proofs/shaping.md §3.1)', () => {
    fc.assert(
      fc.property(caseArb, seq, (c, batches) =>
        run(c, batches).every((s) => {
          const e = env(s);
          return (
            e.lMin < e.lLow &&
            e.lLow <= e.lHigh &&
            e.lHigh < e.lMax &&
            e.lLow - e.lMin >= c.config.minRamp - TOL &&
            e.lHigh - e.lLow >= c.config.minPlateau - TOL &&
            e.lMax - e.lHigh >= c.config.minRamp - TOL
          );
        }),
      ),
      runs,
    );
  });

  it('every threshold stays inside the bounds [lo, hi], exactly (proofs/shaping.md §3.2)', () => {
    fc.assert(
      fc.property(caseArb, seq, (c, batches) =>
        run(c, batches).every((s) => thresholds(env(s)).every((x) => x >= c.config.bounds.lo && x <= c.config.bounds.hi)),
      ),
      runs,
    );
  });

  it('no threshold moves more than maxMove in one update (proofs/shaping.md §3.3)', () => {
    fc.assert(
      fc.property(caseArb, seq, (c, batches) => {
        const states = run(c, batches);
        for (let k = 1; k < states.length; k++) {
          const a = thresholds(env(states[k - 1]));
          const b = thresholds(env(states[k]));
          if (!a.every((x, i) => Math.abs(b[i] - x) <= c.config.maxMove + TOL)) return false;
        }
        return true;
      }),
      runs,
    );
  });

  it('a batch without correct responses of a task leaves its state untouched (proofs/shaping.md §3.4)', () => {
    fc.assert(
      fc.property(caseArb, seq, fc.array(fc.integer({ min: 0, max: 10000 }), { minLength: 1, maxLength: 10 }), (c, batches, wrong) => {
        const s = run(c, batches).at(-1)!;
        const t = updateAdaptiveLength(s, { lengths: wrong, tasks: wrong.map(() => 't'), correct: wrong.map(() => false) });
        return t.tasks.get('t') === s.tasks.get('t');
      }),
      runs,
    );
  });

  it('updating one task never moves another (proofs/shaping.md §3.4)', () => {
    const s = initAdaptiveLength(DEFAULT_LENGTH_ENVELOPES);
    const t = updateAdaptiveLength(s, { lengths: [900, 1000], tasks: ['math', 'math'], correct: [1, 1] });
    for (const [id, st] of s.tasks) if (id !== 'math') expect(t.tasks.get(id)).toBe(st);
    expect(t.tasks.get('math')).not.toEqual(s.tasks.get('math'));
  });

  it('monotone response: shifting the correct lengths up by δ ≥ 0 moves no threshold down (proofs/shaping.md §3.5)', () => {
    fc.assert(
      fc.property(
        caseArb,
        seq,
        fc.array(fc.integer({ min: 0, max: 6000 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 3000 }),
        (c, batches, xs, delta) => {
          const s = run(c, batches).at(-1)!;
          const up = (d: number) =>
            updateAdaptiveLength(s, { lengths: xs.map((x) => x + d), tasks: xs.map(() => 't'), correct: xs.map(() => 1) });
          const a = up(0).tasks.get('t')!;
          const b = up(delta).tasks.get('t')!;
          const ta = thresholds(a.envelope);
          const tb = thresholds(b.envelope);
          // integer lengths make the variance bit-for-bit shift-invariant, so this holds exactly
          return b.mean >= a.mean && b.variance === a.variance && tb.every((x, i) => x >= ta[i]);
        },
      ),
      runs,
    );
  });

  it('the mixture variance (adding β(1 − β)(m − μ)²) would break the monotone response; ours keeps it (proofs/shaping.md §3.5)', () => {
    // State μ = 500, v = 100², β = 0.9, a = 1, b = 2; one correct answer of length x.
    const c = { ...DEFAULT_ADAPTIVE_LENGTH_CONFIG, bounds: { lo: 0, hi: 100000 } };
    const oursMin = (x: number) => targetEnvelope(0.9 * 500 + 0.1 * x, 0.9 * 100 ** 2, c.bounds, c).lMin;
    const mixtureMin = (x: number) =>
      targetEnvelope(0.9 * 500 + 0.1 * x, 0.9 * 100 ** 2 + 0.09 * (x - 500) ** 2, c.bounds, c).lMin;
    // ours: μ − 3σ with σ = √9000 = 94.87: 215.4 at x = 500, 315.4 at x = 1500 (up)
    expect(oursMin(1500)).toBeGreaterThan(oursMin(500));
    expect(oursMin(1500) - oursMin(500)).toBeCloseTo(100, 10);
    // mixture: σ grows to √99000 = 314.6 at x = 1500, so L_min's target drops from 215.4 to 0 (clamped
    // from −343.9): a batch of LONGER correct answers would pull the envelope's start down
    expect(mixtureMin(500)).toBeCloseTo(500 - 3 * Math.sqrt(9000), 10);
    expect(mixtureMin(1500)).toBe(0);
  });

  it('deterministic: the same state and batch give the same new state; inputs are not modified (proofs/shaping.md §3.6)', () => {
    fc.assert(
      fc.property(caseArb, seq, (c, batches) => {
        const frozen = JSON.stringify(batches);
        const a = run(c, batches);
        const b = run(c, batches);
        return JSON.stringify(batches) === frozen && a.every((s, k) => JSON.stringify(thresholds(env(s))) === JSON.stringify(thresholds(env(b[k]))));
      }),
      { numRuns: 100 },
    );
  });

  it('worked case: the update equations of docs/shaping.md, first step and limit (proofs/shaping.md §3.7)', () => {
    // Task "math" starts at (64, 256, 1536, 3072): μ₀ = 896, σ₀ = 640 (a = 1). One batch of correct lengths
    // 400, 500, 600: m = 500, s² = 20000/3. β = 0.9:
    //   μ = 0.9·896 + 0.1·500 = 856.4,  v = 0.9·409600 + 0.1·20000/3 = 369306.66…,  σ = 607.7061…
    //   target = (856.4 − 3σ, 856.4 − σ, 856.4 + σ, 856.4 + 3σ) = (−966.7, 248.7, 1464.1, 2679.5),
    //   lMin clamped up to its slot's low end 0, then every threshold moves at most 32 toward its target:
    //   (32, 248.69…, 1504, 3040).
    let s = initAdaptiveLength(new Map([['math', DEFAULT_LENGTH_ENVELOPES.get('math')!]]));
    const batch = { lengths: [400, 500, 600], tasks: ['math', 'math', 'math'], correct: [true, true, true] };
    s = updateAdaptiveLength(s, batch);
    const st = s.tasks.get('math')!;
    const sigma1 = Math.sqrt(0.9 * 640 ** 2 + (0.1 * 20000) / 3);
    // 1e-12 relative: a few roundings on numbers of this size (u = 1.1e-16), with room to spare
    expect(st.mean).toBeCloseTo(856.4, 10);
    expect(Math.abs(Math.sqrt(st.variance) - sigma1) / sigma1).toBeLessThan(1e-12);
    expect(st.envelope.lMin).toBe(32); // target 0 (clamped), moved 32 down from 64
    expect(Math.abs(st.envelope.lLow - (856.4 - sigma1))).toBeLessThan(1e-9); // 7.3 from 256: reached
    expect(st.envelope.lHigh).toBe(1504); // target 1464.1, moved 32 down
    expect(st.envelope.lMax).toBe(3040); // target 2679.5, moved 32 down
    // Feeding the same batch forever: μ → 500, v → 20000/3 (σ = 81.65), and the envelope reaches
    // (500 − 3σ, 500 − σ, 500 + σ, 500 + 3σ) = (255.05, 418.35, 581.65, 744.95), since no bound binds.
    for (let k = 0; k < 400; k++) s = updateAdaptiveLength(s, batch);
    const sg = Math.sqrt(20000 / 3);
    const e = s.tasks.get('math')!.envelope;
    // 1e-6 tokens: the EMAs are within 0.9^400 ≈ 5e-19 (relative) of their limits; rounding dominates
    expect(Math.abs(e.lMin - (500 - 3 * sg))).toBeLessThan(1e-6);
    expect(Math.abs(e.lLow - (500 - sg))).toBeLessThan(1e-6);
    expect(Math.abs(e.lHigh - (500 + sg))).toBeLessThan(1e-6);
    expect(Math.abs(e.lMax - (500 + 3 * sg))).toBeLessThan(1e-6);
  });

  it('bounds keep the minimum gaps: correct answers at the cap give (hi − 2·minRamp, hi − minRamp, hi − minRamp, hi) (proofs/shaping.md §3.2)', () => {
    let s = initAdaptiveLength(new Map([['t', { lMin: 4000, lLow: 4040, lHigh: 4050, lMax: 4090 }]]), { decay: 0, maxMove: 4096 });
    s = updateAdaptiveLength(s, { lengths: [4096, 4096], tasks: ['t', 't'], correct: [1, 1] });
    expect(thresholds(env(s))).toEqual([4096 - 32, 4096 - 16, 4096 - 16, 4096]);
    // Clamping each threshold into [lo, hi] on its own (the obvious shortcut) would give
    // (4080, 4096, 4096, 4096): L_high = L_max, and a trapezoid with a vertical right side.
  });

  it('per-task bounds override the global ones', () => {
    const taskBounds = new Map([['ocr', { lo: 0, hi: 1000 }]]);
    let s = initAdaptiveLength(new Map([['ocr', DEFAULT_LENGTH_ENVELOPES.get('ocr')!]]), { taskBounds, maxMove: 600 });
    for (let k = 0; k < 50; k++) s = updateAdaptiveLength(s, { lengths: [3000], tasks: ['ocr'], correct: [1] });
    // pushed to the cap: (hi − 2·minRamp, hi − minRamp, hi − minRamp, hi) under ocr's own hi = 1000
    expect(thresholds(adaptiveEnvelopes(s).get('ocr')!)).toEqual([968, 984, 984, 1000]);
  });

  it('rejects bad config, initial envelopes and batches with the field named', () => {
    const init = new Map([['t', { lMin: 0, lLow: 100, lHigh: 200, lMax: 300 }]]);
    expect(inputErrorField(() => initAdaptiveLength(init, { decay: 1 }))).toBe('config.decay');
    expect(inputErrorField(() => initAdaptiveLength(init, { rampStd: 0 }))).toBe('config.rampStd');
    expect(inputErrorField(() => initAdaptiveLength(init, { minRamp: 0 }))).toBe('config.minRamp');
    expect(inputErrorField(() => initAdaptiveLength(init, { bounds: { lo: 0, hi: 20 } }))).toBe('config.bounds');
    expect(inputErrorField(() => initAdaptiveLength(init, { maxMove: 5000 }))).toBe('config.maxMove');
    expect(inputErrorField(() => initAdaptiveLength(init, { decy: 0.5 } as never))).toBe('config.decy');
    expect(inputErrorField(() => initAdaptiveLength(init, { bounds: { lo: 0, hi: 250 } }))).toBe('initial["t"]');
    expect(inputErrorField(() => initAdaptiveLength(init, { minRamp: 150 }))).toBe('initial["t"]');
    expect(inputErrorField(() => initAdaptiveLength(new Map()))).toBe('initial');
    const s = initAdaptiveLength(init);
    expect(inputErrorField(() => updateAdaptiveLength(s, { lengths: [1], tasks: ['u'], correct: [1] }))).toBe('batch.tasks[0]');
    expect(inputErrorField(() => updateAdaptiveLength(s, { lengths: [1], tasks: ['t'], correct: [0.5] }))).toBe('batch.correct[0]');
    expect(inputErrorField(() => updateAdaptiveLength(s, { lengths: [1, 2], tasks: ['t', 't'], correct: [1] }))).toBe('batch.correct');
    expect(inputErrorField(() => updateAdaptiveLength(s, { lengths: [-3], tasks: ['t'], correct: [1] }))).toBe('batch.lengths[0]');
    expect(inputErrorField(() => updateAdaptiveLength(s, { lengths: [Number.NaN], tasks: ['t'], correct: [1] }))).toBe('batch.lengths[0]');
  });

  it('defaults are the documented ones', () => {
    expect(DEFAULT_ADAPTIVE_LENGTH_CONFIG).toEqual({
      decay: 0.9,
      plateauStd: 1,
      rampStd: 2,
      minPlateau: 0,
      minRamp: 16,
      maxMove: 32,
      bounds: { lo: 0, hi: 4096 },
    });
  });
});
