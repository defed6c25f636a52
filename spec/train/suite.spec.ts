// The shaping constants are sized for this task suite: every reference trace sits on its family's length
// plateau (f = 1), a response cut at the trainer's 24-token cap earns no length bonus, skipping a
// reasoning family's thinking costs half the bonus, and the envelopes and bands are valid for src/rl.
import { describe, expect, it } from 'vitest';
import { trapezoid, validateEnvelope } from '../../src/rl/shaping/index.js';
import { DEFAULTS } from '../../src/train/config.js';
import { ENTROPY_BANDS, LENGTH_ENVELOPES } from '../../src/train/suite.js';
import { SeededRng, TASKS, TASK_NAMES, formatResponse } from '../../src/tasks/index.js';

describe('length envelopes of the suite', () => {
  for (const name of TASK_NAMES) {
    it(`${name}: 500 reference traces (train and eval) all lie on the plateau`, () => {
      const env = validateEnvelope(LENGTH_ENVELOPES[name]);
      const rng = new SeededRng(11);
      const off: number[] = [];
      for (let i = 0; i < 500; i++) {
        const e = TASKS[name].generate(rng, i % 2 === 0 ? 'train' : 'eval');
        if (trapezoid(e.trace.length, env) !== 1) off.push(e.trace.length);
      }
      expect(off).toEqual([]);
    });
  }

  it('a response cut at the default cap earns nothing, for every family', () => {
    for (const name of TASK_NAMES) expect(trapezoid(DEFAULTS.maxNewTokens, LENGTH_ENVELOPES[name])).toBe(0);
  });

  it('math without its thinking (7 tokens) earns half the bonus: (7 − 5)/(9 − 5)', () => {
    const bare = formatResponse([], ['1', '4']);
    expect(bare.length).toBe(7);
    expect(trapezoid(bare.length, LENGTH_ENVELOPES.math)).toBe(0.5);
  });

  it('perception plateaus end where the answer ends; reasoning plateaus leave room to think', () => {
    const width = (t: (typeof TASK_NAMES)[number]) => LENGTH_ENVELOPES[t].lMax - LENGTH_ENVELOPES[t].lHigh;
    for (const p of ['grounding', 'reading', 'chart'] as const) {
      for (const r of ['counting', 'spatial', 'math'] as const) expect(width(p)).toBeLessThan(width(r));
    }
  });
});

describe('entropy bands of the suite', () => {
  it('are non-empty intervals of non-negative nats', () => {
    for (const name of TASK_NAMES) {
      const b = ENTROPY_BANDS[name];
      expect(b.hMin).toBeGreaterThanOrEqual(0);
      expect(b.hMax).toBeGreaterThan(b.hMin);
    }
  });
});
