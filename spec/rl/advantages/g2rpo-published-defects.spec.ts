/**
 * The defects of the released G²RPO code (shared g2rpo-spec §5), each shown on both sides: what the
 * float32 model of the published code (`precision: 'published-float32'`, src/rl/advantages/
 * published-float32.ts) does, and what our float64 path does instead. One section per defect of
 * proofs/published-code-defects.md.
 *
 * Expected values are derived, not copied: the mathematical block means come from 40-digit mpmath
 * (proofs/published-code-defects.md gives the script) and the float32 results are compared with them
 * within a float32 error bound derived beside each check (u32 = 2⁻²⁴). The exact float32 noise values
 * are printed, not asserted: they are outputs of our model, whose erfinv may differ from torch's by an ulp.
 *
 * Not here: the fast-check laws (g2rpo-properties.spec.ts, whose broken-variant table also runs the
 * float32 model), the entropy shaping itself (spec/rl/shaping/entropy.spec.ts).
 */
import { describe, expect, it } from 'vitest';
import { computeAdvantages } from '../../../src/rl/advantages/index.js';
import type { RewardBatch, TaskStage } from '../../../src/rl/advantages/types.js';
import { normalScores } from '../../../src/rl/ot.js';
import {
  DEFAULT_ENTROPY_BAND,
  DEFAULT_ENTROPY_LAMBDA,
  entropyPenalty,
  publishedEntropyPenalty,
  type EntropyPenaltyInput,
} from '../../../src/rl/shaping/entropy.js';

const u32 = 2 ** -24;
const run = (b: RewardBatch, taskStage: TaskStage, published: boolean) =>
  computeAdvantages(b, { estimator: 'g2rpo', taskStage, precision: published ? 'published-float32' : 'float64' });

/** Groups of the given sizes, every reward equal to `value`, one task. */
function allEqualGroups(sizes: number[], value = 1): RewardBatch {
  const rewards: number[] = [];
  const groups: number[] = [];
  sizes.forEach((size, g) => {
    for (let k = 0; k < size; k++) {
      rewards.push(value);
      groups.push(g);
    }
  });
  return { rewards, groups };
}

/**
 * Float32 error bound for a block mean over ranks [start, start + size) of n scores: each float32 score
 * is within 2·u32 of q_k relatively (Φ⁻¹ rounded to float32, then the product by fround(√2)), the running
 * float32 sum adds ≤ (size − 1)·u32·Σ|q|, the division one more u32: (size + 2)·u32·Σ|q| / size.
 */
function float32Tol(n: number, start: number, size: number): number {
  const q = normalScores(n);
  let sumAbs = 0;
  for (let k = start; k < start + size; k++) sumAbs += Math.abs(q[k]);
  return ((size + 2) * u32 * sumAbs) / size;
}

// 40-digit mpmath block means of Φ⁻¹((k − ½)/n) (proofs/published-code-defects.md §1, §2).
const REF = {
  top6of70: 1.809533311251972329, // ranks 65–70 of 70
  bottom64of70: -0.1696437479298724059, // ranks 1–64 of 70
  otWrong1: 0.2515112787708443494, // ranks 301–650 of 800 (g2rpo-signs.spec.ts)
  q8of11: 0.4727891209922673423, // Φ⁻¹(15/22); ranks 4–7 of 11 average to −q8of11/4 (q_4 = −q_8, q_5 = −q_7, q_6 = 0)
};

describe('float-noise ties (proofs/published-code-defects.md §1)', () => {
  it('an all-equal group’s stage-1 value: exactly 0 in float64 for n = 1 … 16; published float32: non-zero noise for n = 5, 6, 8–14 (proofs/published-code-defects.md §1a)', () => {
    const noise: string[] = [];
    for (let n = 1; n <= 16; n++) {
      const b = allEqualGroups([n]);
      for (const v of run(b, 'none', false)) expect(v).toBe(0);
      const p = run(b, 'none', true);
      for (const v of p) expect(v).toBe(p[0]); // one value per group, but not 0
      // |Σ of n float32 scores| ≤ (n + 1)·u32·Σ|q| when the exact sum is 0 (the bound above, times n)
      expect(Math.abs(p[0])).toBeLessThanOrEqual(float32Tol(n, 0, n));
      if ([5, 6, 8, 9, 10, 11, 12, 13, 14].includes(n)) expect(p[0]).not.toBe(0);
      noise.push(`${n}: ${p[0]}`);
    }
    console.log(`published float32 stage-1 value of an all-equal group, by size:\n  ${noise.join('\n  ')}`);
  });

  it('one task, 8 all-correct groups of 8 and one of 6: float64 gives all 0; published gives the 6 ±1.8095 and the 64 ∓0.16964 (proofs/published-code-defects.md §1b)', () => {
    const b = allEqualGroups([6, 8, 8, 8, 8, 8, 8, 8, 8]);
    for (const v of run(b, 'ot', false)) expect(v).toBe(0); // mathematically-zero values: one symmetric block
    const p = run(b, 'ot', true);
    const [six, eight] = [p[0], p[6]];
    // The two noise values differ, so the group of 6 lands at one end of the ranking of 70: the top
    // (ranks 65–70) or, were the noises of opposite signs in torch, the bottom (ranks 1–6): same |A|.
    expect(Math.abs(Math.abs(six) - REF.top6of70)).toBeLessThanOrEqual(float32Tol(70, 64, 6));
    expect(Math.abs(Math.abs(eight) - -REF.bottom64of70)).toBeLessThanOrEqual(float32Tol(70, 0, 64));
    expect(Math.sign(six)).toBe(-Math.sign(eight));
    for (let i = 0; i < 6; i++) expect(p[i]).toBe(six);
    for (let i = 6; i < 70; i++) expect(p[i]).toBe(eight);
    console.log(`8×8 + 1×6 all-correct: published A(group of 6) = ${six}, A(groups of 8) = ${eight}; float64: 0`);
  });

  it('with learning signal in the task: float64 keeps all degenerate groups in one tie block; published splits them by size (proofs/published-code-defects.md §1c)', () => {
    // one task: a group with 1 of 8 correct, then all-equal groups of 8 (all wrong) and 6 (all correct)
    const b: RewardBatch = {
      rewards: [1, 0, 0, 0, 0, 0, 0, 0, ...Array(8).fill(0), ...Array(6).fill(1)],
      groups: [...Array(8).fill('mixed'), ...Array(8).fill('wrong'), ...Array(6).fill('right')],
    };
    const f64 = run(b, 'ot', false);
    const f32 = run(b, 'ot', true);
    // float64: the 14 zeros sit at ranks 8–21 of 22 (7 wrong answers below them at −q_8/7, 1 above):
    // one block, the mean of q_8 … q_21 of n = 22, within 2n·u·q_n (g2rpo-task-stage.md §2b).
    const q = normalScores(22);
    let want = 0;
    for (let k = 7; k < 21; k++) want += q[k];
    want /= 14;
    expect(f64[8]).toBe(f64[16]);
    expect(Math.abs(f64[8] - want)).toBeLessThanOrEqual(2 * 22 * 2 ** -53 * q[21]);
    // published: the all-wrong 8 and the all-right 6 get different advantages (−1.49e-8 vs +1.99e-8 noise)
    expect(f32[8]).not.toBe(f32[16]);
    console.log(`degenerate groups, float64: ${f64[8]} (both); published: ${f32[8]} (8 wrong), ${f32[16]} (6 right)`);
  });
  it('without any all-equal group (what online filtering leaves): a symmetric tie block and an odd middle rank, both exactly 0, are split by noise (proofs/published-code-defects.md §1d)', () => {
    // graded group: ranks 3–6 of 8 tie, symmetric → 0; odd group: the middle of 3 → 0; both carry signal
    const b: RewardBatch = { rewards: [0, 0, 0.5, 0.5, 0.5, 0.5, 1, 1, 0, 0.5, 1], groups: [...Array(8).fill('graded'), 'odd', 'odd', 'odd'] };
    const s32 = run(b, 'none', true);
    expect(run(b, 'none', false)[2]).toBe(0);
    expect(s32[2]).not.toBe(0); // float32 stage 1: the middle block is noise
    expect(s32[9]).toBe(0); // p = ½ is exact in float32: the odd middle stays 0
    const f64 = run(b, 'ot', false);
    const f32 = run(b, 'ot', true);
    // float64: the 5 zeros are ranks 4–8 of 11, symmetric about 6: exactly 0 (g2rpo-task-stage.md §6b)
    for (const i of [2, 3, 4, 5, 9]) expect(f64[i]).toBe(0);
    // published: the graded middle (noise < 0) takes ranks 4–7, the odd middle (0) rank 8
    expect(Math.abs(f32[9] - REF.q8of11)).toBeLessThanOrEqual(float32Tol(11, 7, 1));
    expect(Math.abs(f32[2] - -REF.q8of11 / 4)).toBeLessThanOrEqual(float32Tol(11, 3, 4));
    console.log(`stage-1 float32 noise of the graded middle block: ${s32[2]}; stage 2 published: ${f32[2]} (graded middle), ${f32[9]} (odd middle); float64: 0, 0`);
  });
});

describe('sign flips in the published code (proofs/published-code-defects.md §2)', () => {
  it('50 groups with 2 of 8 correct and 50 with 1 of 8: published float32 also puts the second kind’s wrong answers at +0.2515 (proofs/published-code-defects.md §2)', () => {
    const rewards: number[] = [];
    const groups: number[] = [];
    for (let g = 0; g < 100; g++) for (let k = 0; k < 8; k++) (rewards.push(k < (g < 50 ? 2 : 1) ? 1 : 0), groups.push(g));
    const p = run({ rewards, groups }, 'ot', true);
    // the block is ranks 301–650 of 800, plus the stage-1 float32 error moving nothing (ties stay ties)
    expect(Math.abs(p[50 * 8 + 1] - REF.otWrong1)).toBeLessThanOrEqual(float32Tol(800, 300, 350));
    expect(p[50 * 8 + 1]).toBeGreaterThan(0);
  });
});

describe('the entropy term’s constant for absent tasks (proofs/published-code-defects.md §3)', () => {
  it('six published domains, a micro-batch of math only, inside the band: published penalty 5·λ·H_min = 0.02, ours 0; same gradient (proofs/published-code-defects.md §3)', () => {
    const input: EntropyPenaltyInput = { values: [-0.4, -0.4, -0.3, -0.5], mask: [1, 1, 1, 1], tasks: ['math', 'math'], estimator: 'neg-logp' };
    const domains = ['grounding', 'spatial', 'general-vqa', 'math', 'chart', 'ocr'];
    const ours = entropyPenalty(input);
    const published = publishedEntropyPenalty(input, domains);
    expect(ours.penalty).toBe(0); // H_math = 0.4 lies in [0.2, 0.6]
    const want = 5 * DEFAULT_ENTROPY_LAMBDA * DEFAULT_ENTROPY_BAND.hMin; // 5 × 0.02 × 0.2
    expect(Math.abs(published.penalty - want)).toBeLessThanOrEqual(5 * 2 ** -53 * want); // a sum of 5 equal terms
    expect(Math.abs(want - 0.02)).toBeLessThanOrEqual(1e-17);
    expect(Array.from(published.grad)).toEqual(Array.from(ours.grad)); // a constant: no gradient
  });
});

describe('float32 rewards merge near ties (proofs/published-code-defects.md §4)', () => {
  it('rewards 1 + k·1e-12 (k = −1 … 2) all round to float32 1: published sees an all-equal group (0 advantage), float64 the full ranking ±1.15, ±0.32 (proofs/published-code-defects.md §4)', () => {
    const b: RewardBatch = { rewards: [1 - 1e-12, 1, 1 + 1e-12, 1 + 2e-12], groups: [0, 0, 0, 0] };
    const p = run(b, 'none', true);
    for (const v of p) expect(v).toBe(0); // n = 4: the float32 noise of an all-equal group happens to be 0
    const q = normalScores(4);
    expect(Array.from(run(b, 'none', false))).toEqual(Array.from(q)); // distinct rewards: a copy of the scores
  });
});
