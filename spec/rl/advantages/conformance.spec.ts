/**
 * Conformance: every golden case in ../shared/conformance/advantages/*.jsonl (outside the repository,
 * shared with the porters) goes through `computeAdvantages` with the options its file name stands for.
 *
 * Tolerance |got − expected| ≤ 1e-9, as the folder's README states: `expected` comes from an independent
 * float64 implementation whose summation order differs from ours. The worst error is printed. The
 * largest (≈ 2.2e-10, grpo.jsonl) is a near-tied group (rewards 1 ± 1e-12): numerators r − mean are
 * ~1e-12, so one ulp of the mean (2.2e-16) is a 2e-4 relative error before division by std + 1e-6.
 *
 * A missing folder or an unknown file fails the suite: it must never pass by running nothing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { computeAdvantages, type EstimatorOptions } from '../../../src/rl/advantages/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const folder = path.resolve(repoRoot, '..', 'shared', 'conformance', 'advantages');
const TOLERANCE = 1e-9;

/** What each file name stands for (the folder's README). */
const OPTIONS: Record<string, EstimatorOptions> = {
  'g2rpo.jsonl': { estimator: 'g2rpo', taskStage: 'ot' },
  'g2rpo-exclude-degenerate.jsonl': { estimator: 'g2rpo', taskStage: 'ot', excludeDegenerate: true },
  'g2rpo-task-stage-none.jsonl': { estimator: 'g2rpo', taskStage: 'none' },
  'g2rpo-task-stage-scale.jsonl': { estimator: 'g2rpo', taskStage: 'scale' },
  'grpo.jsonl': { estimator: 'grpo', std: 'verl' },
};

interface Case {
  input: { rewards: number[]; groups: (string | number)[]; tasks?: (string | number)[] };
  expected: number[];
}

describe('conformance: ../shared/conformance/advantages', () => {
  it('the folder exists and holds exactly the known files', () => {
    expect(existsSync(folder), `missing ${folder}`).toBe(true);
    const files = readdirSync(folder).filter((f) => f.endsWith('.jsonl')).sort();
    expect(files).toEqual(Object.keys(OPTIONS).sort());
  });

  for (const [file, options] of Object.entries(OPTIONS)) {
    it(`${file} passes with |got − expected| ≤ ${TOLERANCE}`, () => {
      const text = readFileSync(path.join(folder, file), 'utf8');
      const cases = text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Case);
      expect(cases.length).toBeGreaterThan(0);
      let worst = 0;
      let worstAt = '';
      for (let c = 0; c < cases.length; c++) {
        const { input, expected } = cases[c];
        const got = computeAdvantages(input, options);
        expect(got.length, `${file} line ${c + 1}: length`).toBe(expected.length);
        for (let i = 0; i < expected.length; i++) {
          // a NaN error counts as infinitely bad, so it cannot hide behind a later finite one
          const err = Number.isNaN(got[i]) ? Infinity : Math.abs(got[i] - expected[i]);
          if (err > worst) {
            worst = err;
            worstAt = `line ${c + 1}, response ${i}: got ${got[i]}, expected ${expected[i]}`;
          }
        }
      }
      console.log(`${file}: ${cases.length} cases, worst |error| = ${worst.toExponential(2)} (${worstAt})`);
      expect(worst, worstAt).toBeLessThanOrEqual(TOLERANCE);
    });
  }
});
