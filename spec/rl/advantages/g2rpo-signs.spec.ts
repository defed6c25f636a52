/**
 * Sign preservation of G²RPO (shared g2rpo-spec §2; proofs/g2rpo-task-stage.md §4): in the `none` and
 * `scale` task stages a response's advantage has the sign of its rank balance in its group; in the `ot`
 * stage (the released code) it does not, shown by fast-check and by the spec's worked example (50 groups
 * with 2 of 8 correct and 50 with 1 of 8: the wrong answers of the second kind end at +0.2515).
 *
 * Reference numbers are 40-digit mpmath values (proofs/g2rpo-task-stage.md §4 gives the script), not
 * outputs of this code. Not here: the other task-stage laws (g2rpo-properties.spec.ts), the float32
 * model (g2rpo-published-defects.spec.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeAdvantages } from '../../../src/rl/advantages/index.js';
import type { G2rpoParams, RewardBatch, TaskStage } from '../../../src/rl/advantages/types.js';
import { normalQuantile } from '../../../src/rl/normal.js';
import { batchCase, flatten, rankBalance } from '../arbitraries.js';

type Options = Omit<G2rpoParams, 'estimator'>;
type Impl = (batch: RewardBatch, options: Options) => Float64Array;
const g2rpo: Impl = (batch, options) => computeAdvantages(batch, { estimator: 'g2rpo', ...options });

/**
 * The law of §4a: sign(A_i) = sign(#below_i − #above_i) within i's group, with A_i exactly 0 when the
 * two counts are equal. `mode` is passed as given, so the same law can be run on `ot` to show it fails;
 * `strict` only rejects a reversal (A_i·balance < 0: below the group's middle with A > 0, or above with A < 0).
 */
const signLaw = (impl: Impl, mode: TaskStage, strict = false) =>
  fc.property(batchCase(), fc.boolean(), (c, exclude) => {
    const f = flatten(c);
    const a = impl(f.batch, { taskStage: mode, excludeDegenerate: exclude });
    for (let i = 0; i < f.n; i++) {
      const want = Math.sign(rankBalance(f, i));
      if (strict ? Math.sign(a[i]) === -want && want !== 0 : !(Math.sign(a[i]) === want)) {
        throw new Error(`response ${i} (reward ${f.batch.rewards[i]}, balance ${rankBalance(f, i)}): A = ${a[i]}`);
      }
    }
  });

/** One task: `g2` groups with 2 of 8 correct, then `g1` groups with 1 of 8 correct (binary rewards). */
function twoKinds(g2: number, g1: number): { rewards: number[]; groups: number[] } {
  const rewards: number[] = [];
  const groups: number[] = [];
  for (let g = 0; g < g2 + g1; g++) {
    const correct = g < g2 ? 2 : 1;
    for (let k = 0; k < 8; k++) {
      rewards.push(k < correct ? 1 : 0);
      groups.push(g);
    }
  }
  return { rewards, groups };
}

// 40-digit values (mpmath, proofs/g2rpo-task-stage.md §4): q_k = Φ⁻¹((k − ½)/n).
const REF = {
  /** n = 8, one correct: wrong = −q_8/7, right = q_8. */
  wrong1of8: -0.2191600777646494731,
  /** n = 8, two correct: wrong = −(q_7 + q_8)/6. */
  wrong2of8: -0.4035445172285703947,
  /** n = 800 pooled, block means of ranks 1–300, 301–650, 651–750, 751–800. */
  otWrong2: -1.010888878611191497,
  otWrong1: 0.2515112787708443494,
  otRight2: 1.169398036388112139,
  otRight1: 1.965958247495014257,
  /** scale: −(q_8/7) / √(((q_7 + q_8)²/12 + q_8²/7)/2). */
  scaleWrong1: -0.3412809035269807346,
};

describe('sign preservation (proofs/g2rpo-task-stage.md §4)', () => {
  for (const mode of ['none', 'scale'] as const) {
    it(`[${mode}] sign(A_i) = sign(#below − #above in its group), exactly 0 at balance, every topology (proofs/g2rpo-task-stage.md §4a)`, () => {
      fc.assert(signLaw(g2rpo, mode), { numRuns: 200 });
    });
  }

  it('[ot] the same law fails, even reduced to forbidding reversals (A_i·balance < 0): fast-check finds them (proofs/g2rpo-task-stage.md §4b)', () => {
    for (const strict of [false, true]) {
      const r = fc.check(signLaw(g2rpo, 'ot', strict), { numRuns: 200, seed: 20260411 });
      expect(r.failed).toBe(true);
      console.log(`[ot] sign flip (${strict ? 'strict' : 'any'}), shrunk counterexample:\n${JSON.stringify(r.counterexample)}\n${String(r.errorInstance)}`);
    }
  });

  it('the law catches the published float32 rounding in `none` mode: exact zeros become noise (proofs/g2rpo-task-stage.md §8)', () => {
    const published: Impl = (b, o) => g2rpo(b, { ...o, precision: 'published-float32' });
    expect(fc.check(signLaw(published, 'none'), { numRuns: 200, seed: 20260411 }).failed).toBe(true);
  });

  it('the sign is the rank balance, not sign(r − mean): [0, 1, 1, 1, 100] gives the 1s exactly 0, GRPO gives them −0.4416 (proofs/g2rpo-task-stage.md §4a)', () => {
    const batch = { rewards: [0, 1, 1, 1, 100], groups: [0, 0, 0, 0, 0] };
    for (const mode of ['none', 'scale', 'ot'] as const) {
      const a = g2rpo(batch, { taskStage: mode });
      for (const i of [1, 2, 3]) expect(a[i]).toBe(0); // ranks 2–4 of 5: a block symmetric about the middle
    }
    // GRPO: (1 − 20.6)/std, std = √((20.6² + 3·19.6² + 79.4²)/4) = √1970.3 = 44.388: −0.44156 (to 1e-5)
    const z = computeAdvantages(batch, { estimator: 'grpo' });
    expect(Math.abs(z[1] - -0.44156)).toBeLessThan(1e-5);
  });
});

describe('the spec’s sign flip: 50 groups with 2 of 8 correct and 50 with 1 of 8 (proofs/g2rpo-task-stage.md §4c)', () => {
  const batch = twoKinds(50, 50);
  const wrong2 = 2; // a wrong answer in a group with 2 correct (group 0)
  const right2 = 0;
  const wrong1 = 50 * 8 + 1; // a wrong answer in a group with 1 correct (group 50)
  const right1 = 50 * 8;

  it('[ot] the wrong answers of the 1-of-8 groups end at +0.2515112787708443 (to 1e-12), the other blocks as derived (proofs/g2rpo-task-stage.md §4c)', () => {
    // Block means of ≤ 350 scores ≤ 3.3 each: the float sum errs by ≤ 350·u·3.3 < 3e-13, Φ⁻¹ by ≤ 1e-15
    // relatively; 1e-12 covers both.
    const a = g2rpo(batch, { taskStage: 'ot' });
    expect(Math.abs(a[wrong1] - REF.otWrong1)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(a[wrong2] - REF.otWrong2)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(a[right2] - REF.otRight2)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(a[right1] - REF.otRight1)).toBeLessThanOrEqual(1e-12);
    expect(a[wrong1]).toBeGreaterThan(0); // a wrong answer, below its group's mean, pushed up
    for (let g = 50; g < 100; g++) for (let k = 1; k < 8; k++) expect(a[8 * g + k]).toBe(a[wrong1]); // one tie block
  });

  it('[ot] the derivation: by the mirror q_{801−k} = −q_k, ranks 301–500 cancel, so A = (1/350)·Σ_{k=501}^{650} Φ⁻¹((k − ½)/800) (proofs/g2rpo-task-stage.md §4c)', () => {
    let s = 0;
    for (let k = 501; k <= 650; k++) s += normalQuantile((k - 0.5) / 800);
    let all = 0;
    for (let k = 301; k <= 650; k++) all += normalQuantile((k - 0.5) / 800);
    expect(Math.abs(s / 350 - REF.otWrong1)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(all / 350 - REF.otWrong1)).toBeLessThanOrEqual(1e-12);
  });

  it('[none] and [scale] the same responses stay negative: −0.2191600777646495 and −0.3412809035269807 (to 1e-14) (proofs/g2rpo-task-stage.md §4c)', () => {
    // Stage 1 is a block mean of 7 scores (error < 8u·1.6); scale adds an rms over 800 squares (< 1e-13
    // relatively would already be loose): 1e-14 is the stated accuracy of both values here.
    const none = g2rpo(batch, { taskStage: 'none' });
    const scale = g2rpo(batch, { taskStage: 'scale' });
    expect(Math.abs(none[wrong1] - REF.wrong1of8)).toBeLessThanOrEqual(1e-14);
    expect(Math.abs(none[wrong2] - REF.wrong2of8)).toBeLessThanOrEqual(1e-14);
    expect(Math.abs(scale[wrong1] - REF.scaleWrong1)).toBeLessThanOrEqual(1e-14);
  });

  it('[ot] within a group the order is still kept: the flip moves the zero point, not the ranking (proofs/g2rpo-task-stage.md §4c)', () => {
    const a = g2rpo(batch, { taskStage: 'ot' });
    expect(a[right1]).toBeGreaterThan(a[wrong1]);
    expect(a[right2]).toBeGreaterThan(a[wrong2]);
  });
});
