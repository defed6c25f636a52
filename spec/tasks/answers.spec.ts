// Scores of hand-made responses: partial answers with their hand-computed accuracies, wrong schemas, and
// malformed templates, per family. Each expectation is worked out in its comment, not read off the code.
import { describe, expect, it } from 'vitest';
import { TASKS } from '../../src/tasks/registry.js';
import { SeededRng } from '../../src/tasks/rng.js';
import { reward } from '../../src/tasks/score.js';
import { TASK_NAMES, type Example, type TaskName } from '../../src/tasks/types.js';
import { encode, formatResponse } from '../../src/tasks/vocab.js';

const FAIL = { accuracy: 0, format: 0, structure: 0 };
const SCHEMA_FAIL = { accuracy: 0, format: 1, structure: 0 };

/** A generated example of the family with its ground truth replaced by a hand-picked one. */
function withAnswer<A>(name: TaskName, answer: A): Example<A> {
  return { ...(TASKS[name].generate(new SeededRng(0), 'train') as Example<A>), answer };
}
const answerOnly = (answer: string) => formatResponse([], answer.split(' ').filter((t) => t !== ''));
const raw = (text: string) => encode(text.split(' ').filter((t) => t !== ''));

describe('grounding: accuracy = IoU of inclusive pixel boxes', () => {
  const ex = withAnswer('grounding', { x0: 10, y0: 10, x1: 19, y1: 19 }); // 10×10 = 100 px
  const score = (a: string) => TASKS.grounding.score(answerOnly(a), ex);

  it('exact box → 1; shifted by 5 px → 50 / 150; nested 5×5 → 25 / 100; disjoint → 0 (still well-formed)', () => {
    expect(score('1 0 , 1 0 , 1 9 , 1 9')).toEqual({ accuracy: 1, format: 1, structure: 0.5 });
    // x 15..24: overlap columns 15..19 = 5 × 10 rows = 50; union 100 + 100 − 50 = 150.
    expect(score('1 5 , 1 0 , 2 4 , 1 9')).toEqual({ accuracy: 50 / 150, format: 1, structure: 0.5 });
    // 12..16 square: 25 px inside the 100: 25 / 100.
    expect(score('1 2 , 1 2 , 1 6 , 1 6').accuracy).toBe(0.25);
    expect(score('0 , 0 , 5 , 5')).toEqual({ accuracy: 0, format: 1, structure: 0.5 });
    expect(reward(score('0 , 0 , 5 , 5'))).toBeCloseTo(0.6, 15); // 0.1 + 0.5: well-formed but wrong
  });

  it('out-of-range, inverted, too few/many numbers or letters are schema failures', () => {
    expect(score('1 0 , 1 0 , 3 2 , 1 9')).toEqual(SCHEMA_FAIL); // 32 is outside 0–31
    expect(score('- 1 , 1 0 , 1 9 , 1 9')).toEqual(SCHEMA_FAIL); // negative
    expect(score('1 9 , 1 0 , 1 0 , 1 9')).toEqual(SCHEMA_FAIL); // x0 > x1
    expect(score('1 0 , 1 0 , 1 9')).toEqual(SCHEMA_FAIL);
    expect(score('1 0 , 1 0 , 1 9 , 1 9 , 1')).toEqual(SCHEMA_FAIL);
    expect(score('A , C , E , H')).toEqual(SCHEMA_FAIL); // letters where digits are expected
    expect(score('1 0 1 0 1 9 1 9')).toEqual(SCHEMA_FAIL); // no separators
    expect(reward(score('A , C , E , H'))).toBeCloseTo(0.1, 15);
  });
});

describe('reading: accuracy = max(0, 1 − CER)', () => {
  const ex = withAnswer('reading', 'HATE');
  const score = (a: string) => TASKS.reading.score(answerOnly(a), ex);

  it('one wrong letter of 4 → 0.75; one missing → 0.75; two wrong → 0.5; all wrong → 0', () => {
    expect(score('H A T E').accuracy).toBe(1);
    expect(score('H A L E')).toEqual({ accuracy: 0.75, format: 1, structure: 0.5 });
    expect(score('H A T').accuracy).toBe(0.75);
    expect(score('P A L E').accuracy).toBe(0.5);
    expect(score('X X X X').accuracy).toBe(0);
    expect(reward(score('H A L E'))).toBeCloseTo(0.9 * 0.75 + 0.1 + 0.5, 15);
  });

  it('digits, yes/no or an empty answer are schema failures', () => {
    expect(score('H 4 T E')).toEqual(SCHEMA_FAIL);
    expect(score('yes')).toEqual(SCHEMA_FAIL);
    expect(score('')).toEqual(SCHEMA_FAIL);
  });
});

describe('counting: exact match', () => {
  const ex = withAnswer('counting', 3);
  const score = (a: string) => TASKS.counting.score(answerOnly(a), ex);

  it('3 → 1; 2 or 4 → 0 (binary: no credit for being close)', () => {
    expect(score('3')).toEqual({ accuracy: 1, format: 1, structure: 0.5 });
    expect(score('2')).toEqual({ accuracy: 0, format: 1, structure: 0.5 });
    expect(score('4').accuracy).toBe(0);
  });

  it('non-canonical or non-integer answers are schema failures', () => {
    for (const bad of ['0 3', 'C', '3 , 3', '- 0', 'yes', '+ 3']) expect(score(bad), bad).toEqual(SCHEMA_FAIL);
  });

  it('the thinking part does not affect accuracy (only the answer is scored)', () => {
    expect(TASKS.counting.score(formatResponse(['1', ',', '2'], ['3']), ex).accuracy).toBe(1);
    expect(TASKS.counting.score(formatResponse(['yes', 'A'], ['3']), ex).accuracy).toBe(1);
  });
});

describe('chart: mean relative accuracy over thresholds 0.50…0.95', () => {
  const ex = withAnswer('chart', 10);
  const score = (a: string) => TASKS.chart.score(answerOnly(a), ex).accuracy;

  it('error 0 → 1; 0.1 → 0.9 (t ≤ 0.90); 0.3 → 0.5 (t ≤ 0.70); 0.5 → 0.1 (t = 0.50); 0.6 → 0', () => {
    expect(score('1 0')).toBe(1);
    expect(score('9')).toBe(0.9);
    expect(score('1 1')).toBe(0.9);
    expect(score('7')).toBe(0.5);
    expect(score('1 3')).toBe(0.5);
    expect(score('5')).toBe(0.1);
    expect(score('1 5')).toBe(0.1);
    expect(score('4')).toBe(0);
    expect(score('- 1 0')).toBe(0); // a negative number is a number, and 200% off
  });

  it('letters are a schema failure', () => {
    expect(TASKS.chart.score(answerOnly('T E X'), ex)).toEqual(SCHEMA_FAIL);
  });
});

describe('spatial: yes/no exact match', () => {
  const ex = withAnswer('spatial', 'no' as const);
  const score = (a: string) => TASKS.spatial.score(answerOnly(a), ex);

  it('no → 1, yes → 0; anything else fails the schema', () => {
    expect(score('no')).toEqual({ accuracy: 1, format: 1, structure: 0.5 });
    expect(score('yes')).toEqual({ accuracy: 0, format: 1, structure: 0.5 });
    for (const bad of ['left', 'yes no', '0', '']) expect(score(bad), bad).toEqual(SCHEMA_FAIL);
  });
});

describe('math: exact match on a possibly negative integer', () => {
  const ex = withAnswer('math', -3);
  const score = (a: string) => TASKS.math.score(formatResponse(['2', '-', '5'], a.split(' ')), ex);

  it('-3 → 1; 3 → 0 (well-formed); "3 -" and "- - 3" fail the schema', () => {
    expect(score('- 3')).toEqual({ accuracy: 1, format: 1, structure: 0.5 });
    expect(score('3')).toEqual({ accuracy: 0, format: 1, structure: 0.5 });
    expect(score('3 -')).toEqual(SCHEMA_FAIL);
    expect(score('- - 3')).toEqual(SCHEMA_FAIL);
  });
});

describe.each(TASK_NAMES)('%s: malformed responses', (name) => {
  const task = TASKS[name];
  const ex = task.generate(new SeededRng(9), 'train');
  // The correct answer's tokens, so only the template is wrong in each case below.
  const t = task.score(ex.trace, ex); // sanity: the trace is right
  const a = ex.trace.slice(ex.trace.indexOf(raw('<answer>')[0]) + 1, ex.trace.indexOf(raw('</answer>')[0]));
  const [TO, TC, AO, AC, EOS, PAD] = raw('<thinking> </thinking> <answer> </answer> <eos> <pad>');

  it('the reference trace is correct, and eos/pad after it change nothing', () => {
    expect(t.accuracy).toBe(1);
    expect(task.score([TO, TC, AO, ...a, AC], ex)).toEqual(t); // no eos (stopped by the length cap)
    expect(task.score([TO, TC, AO, ...a, AC, EOS, PAD, PAD], ex)).toEqual(t);
  });

  const cases: [string, () => number[]][] = [
    ['missing </answer>', () => [TO, TC, AO, ...a, EOS]],
    ['two answer blocks', () => [TO, TC, AO, ...a, AC, AO, ...a, AC, EOS]],
    ['answer before thinking', () => [AO, ...a, AC, TO, TC, EOS]],
    ['no tags at all', () => [...a, EOS]],
    ['garbage tokens', () => raw('red Q_MATH 7 , yes <eos> </thinking>')],
    ['garbage after the answer', () => [TO, TC, AO, ...a, AC, ...raw('yes')]],
    ['an empty response', () => []],
  ];
  for (const [what, make] of cases) {
    it(`${what} → format 0, structure 0, accuracy 0, reward 0`, () => {
      const s = task.score(make(), ex);
      expect(s).toEqual(FAIL);
      expect(reward(s)).toBe(0);
    });
  }

  it('an empty answer → format 1, structure 0, accuracy 0, reward 0.1', () => {
    const s = task.score([TO, TC, AO, AC, EOS], ex);
    expect(s).toEqual(SCHEMA_FAIL);
    expect(reward(s)).toBeCloseTo(0.1, 15);
  });

  it('ids beyond the vocabulary inside the answer → schema failure, not an exception', () => {
    expect(task.score([TO, TC, AO, 63, AC, EOS], ex)).toEqual(SCHEMA_FAIL);
  });
});
