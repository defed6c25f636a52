// compare.json's verdict rule: a G²RPO variant "equalises shares better than GRPO" iff its mean CV is
// lower; the difference is "clear" only beyond 2 standard errors of the difference; GRPO gets no verdict
// against itself; per-task eval differences are taken against GRPO's numbers.
import { describe, expect, it } from 'vitest';
import { compareRecord, type VariantResult } from '../../src/train/compare.js';

function variant(id: string, cv: number, se: number, final: number): VariantResult {
  const v = { warm_start: 0.5, final, mean_diff: final - 0.5, p_value: 0.01, improved: true };
  return {
    id,
    label: id,
    dir: `/runs/${id}`,
    share_cv_mean: cv,
    share_cv_se: se,
    share_cv_steps: 10,
    mean_share: { math: 0.5, chart: 0.5 },
    eval: { math: { ...v, greedy: { ...v, final: final - 0.1 } } },
    improved: 1,
    improved_greedy: 1,
    wall_s: 1,
  };
}

describe('compareRecord', () => {
  const rec = compareRecord(0, [variant('grpo', 0.5, 0.01, 0.7), variant('g2rpo-ot', 0.3, 0.01, 0.8), variant('g2rpo-scale', 0.52, 0.01, 0.6)]);
  const verdicts = rec.verdicts as Record<string, { equalises_shares_better_than_grpo: boolean; clear_difference: boolean; eval: Record<string, Record<string, number>> }>;

  it('lower mean CV is "better"; beyond 2·√(se₁² + se₂²) is a clear difference', () => {
    expect(Object.keys(verdicts)).toEqual(['g2rpo-ot', 'g2rpo-scale']);
    expect(verdicts['g2rpo-ot'].equalises_shares_better_than_grpo).toBe(true);
    expect(verdicts['g2rpo-ot'].clear_difference).toBe(true); // |0.2| > 2·0.01414
    expect(verdicts['g2rpo-scale'].equalises_shares_better_than_grpo).toBe(false);
    expect(verdicts['g2rpo-scale'].clear_difference).toBe(false); // |0.02| < 0.0283
    expect(rec.summary).toMatch(/g2rpo-scale: .*NOT more equal than GRPO \(within 2 standard errors: no clear difference\)/);
  });

  it('eval differences are against GRPO, sampled and greedy', () => {
    expect(verdicts['g2rpo-ot'].eval.math.sampled_vs_grpo).toBeCloseTo(0.1, 12);
    expect(verdicts['g2rpo-ot'].eval.math.greedy_vs_grpo).toBeCloseTo(0.1, 12);
    expect(verdicts['g2rpo-scale'].eval.math.sampled_vs_grpo).toBeCloseTo(-0.1, 12);
  });
});
