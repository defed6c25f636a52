/**
 * Bad input to the advantage estimators: each case must throw InputError whose `field` names the exact
 * field (`rewards[2]`, `std.eps`, the unknown key …) and whose message is `field: problem`. Good input of
 * every accepted shape must pass. Table-driven: one row per bad input.
 *
 * Not here: the arithmetic (grpo-family.spec.ts, g2rpo.spec.ts, conformance.spec.ts).
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/rl/errors.js';
import {
  computeAdvantages,
  g2rpoAdvantages,
  grpoAdvantages,
  validateEstimatorOptions,
  validateRewardBatch,
  type EstimatorOptions,
  type RewardBatch,
} from '../../../src/rl/advantages/index.js';

const good = { rewards: [0, 1, 1, 0], groups: ['p0', 'p0', 1, 1], tasks: ['math', 'math', 'ocr', 'ocr'] };

/** Calls f and returns the InputError it throws (fails the test if it throws nothing or something else). */
function inputErrorOf(f: () => unknown): InputError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(InputError);
  const err = caught as InputError;
  expect(err.message).toBe(`${err.field}: ${err.problem}`);
  return err;
}

const badBatches: [string, unknown, string, RegExp?][] = [
  ['not an object', 42, 'batch'],
  ['null', null, 'batch'],
  ['an array', [1, 2], 'batch'],
  ['rewards missing', { groups: [0] }, 'rewards', /missing/],
  ['rewards empty', { rewards: [], groups: [] }, 'rewards', /empty/],
  ['rewards not an array', { rewards: '0,1', groups: [0, 0] }, 'rewards'],
  ['a NaN reward', { rewards: [0, 1, NaN], groups: [0, 0, 0] }, 'rewards[2]', /finite/],
  ['an infinite reward', { rewards: [Infinity, 1], groups: [0, 0] }, 'rewards[0]', /finite/],
  ['a string reward', { rewards: [0, '1'], groups: [0, 0] }, 'rewards[1]', /finite/],
  ['a NaN in a Float64Array', { rewards: Float64Array.of(1, NaN), groups: [0, 0] }, 'rewards[1]'],
  ['groups missing', { rewards: [0, 1] }, 'groups', /missing/],
  ['groups shorter', { rewards: [0, 1, 2], groups: [0, 0] }, 'groups', /length 2 does not match rewards length 3/],
  ['groups longer', { rewards: [0], groups: [0, 0] }, 'groups', /length/],
  ['a null group id', { rewards: [0, 1], groups: [0, null] }, 'groups[1]', /string or a finite number/],
  ['a NaN group id', { rewards: [0, 1], groups: [NaN, 0] }, 'groups[0]'],
  ['an object group id', { rewards: [0, 1], groups: [0, {}] }, 'groups[1]'],
  ['groups a typed array', { rewards: [0, 1], groups: Int32Array.of(0, 0) }, 'groups'],
  ['tasks of another length', { rewards: [0, 1], groups: [0, 0], tasks: ['a'] }, 'tasks', /length 1/],
  ['a boolean task id', { rewards: [0, 1], groups: [0, 0], tasks: [true, 'a'] }, 'tasks[0]'],
  ['an infinite task id', { rewards: [0, 1], groups: [0, 0], tasks: ['a', -Infinity] }, 'tasks[1]'],
  ['components not an array', { rewards: [0, 1], groups: [0, 0], components: 3 }, 'components'],
  ['components empty', { rewards: [0, 1], groups: [0, 0], components: [] }, 'components', /empty/],
  ['a component too short', { rewards: [0, 1], groups: [0, 0], components: [[0, 1], [1]] }, 'components[1]', /length 1/],
  ['a NaN in a component', { rewards: [0, 1], groups: [0, 0], components: [[0, NaN]] }, 'components[0][1]'],
  ['an unknown field (task for tasks)', { rewards: [0, 1], groups: [0, 0], task: ['a', 'a'] }, 'task', /unknown field/],
];

const badOptions: [string, unknown, string, RegExp?][] = [
  ['not an object', 'grpo', 'options'],
  ['no estimator', {}, 'estimator'],
  ['an unknown estimator', { estimator: 'ppo' }, 'estimator', /grpo, dr_grpo, rloo, ema_grpo, gdpo, g2rpo/],
  ['an unknown key', { estimator: 'g2rpo', taskstage: 'ot' }, 'taskstage', /unknown option for estimator g2rpo/],
  ['a key of another estimator', { estimator: 'g2rpo', scale: 'group' }, 'scale', /unknown option/],
  ['std on Dr. GRPO (it has no std)', { estimator: 'dr_grpo', std: 'verl' }, 'std', /unknown option/],
  ['a bad scale', { estimator: 'grpo', scale: 'global' }, 'scale', /group, batch, none/],
  ['an unknown std preset', { estimator: 'grpo', std: 'openrlhf' }, 'std', /verl, easyr1, trl/],
  ['std.ddof 2', { estimator: 'grpo', std: { ddof: 2, eps: 0, epsPlacement: 'std' } }, 'std.ddof'],
  ['std.eps negative', { estimator: 'grpo', std: { ddof: 1, eps: -1e-6, epsPlacement: 'std' } }, 'std.eps'],
  ['std.eps NaN', { estimator: 'gdpo', std: { ddof: 1, eps: NaN, epsPlacement: 'std' } }, 'std.eps'],
  ['std.epsPlacement', { estimator: 'grpo', std: { ddof: 1, eps: 0, epsPlacement: 'mean' } }, 'std.epsPlacement'],
  ['an unknown std key', { estimator: 'grpo', std: { ddof: 1, eps: 0, epsPlacement: 'std', unbiased: true } }, 'std.unbiased'],
  ['a bad singleton policy', { estimator: 'rloo', singleton: 'drop' }, 'singleton', /zero, error/],
  ['alpha above 1', { estimator: 'ema_grpo', alpha: 1.5 }, 'alpha'],
  ['alpha NaN', { estimator: 'ema_grpo', alpha: NaN }, 'alpha'],
  ['eps negative', { estimator: 'ema_grpo', eps: -1 }, 'eps'],
  ['state a plain object', { estimator: 'ema_grpo', state: { math: 1 } }, 'state', /Map/],
  ['a NaN in the state', { estimator: 'ema_grpo', state: new Map([['math', NaN]]) }, 'state["math"]'],
  ['whiten.eps negative', { estimator: 'gdpo', whiten: { ddof: 1, eps: -1, epsPlacement: 'variance' } }, 'whiten.eps'],
  ['whiten a preset name', { estimator: 'gdpo', whiten: 'verl' }, 'whiten'],
  ['tokenLengths not an array', { estimator: 'gdpo', tokenLengths: 5 }, 'tokenLengths'],
  ['a bad taskStage', { estimator: 'g2rpo', taskStage: 'both' }, 'taskStage', /ot, none, scale/],
  ['excludeDegenerate a string', { estimator: 'g2rpo', excludeDegenerate: 'yes' }, 'excludeDegenerate'],
  ['a bad precision', { estimator: 'g2rpo', precision: 'float16' }, 'precision'],
  ['published-float32 with the scale stage', { estimator: 'g2rpo', precision: 'published-float32', taskStage: 'scale' }, 'precision', /no 'scale'/],
];

describe('validation: bad reward batches throw InputError naming the field', () => {
  for (const [name, batch, field, problem] of badBatches) {
    it(`${name} → ${field}`, () => {
      for (const f of [() => validateRewardBatch(batch), () => computeAdvantages(batch as RewardBatch, { estimator: 'g2rpo' })]) {
        const err = inputErrorOf(f);
        expect(err.field).toBe(field);
        if (problem !== undefined) expect(err.problem).toMatch(problem);
      }
    });
  }

  it('GDPO token lengths: wrong length, a fraction, a negative, all zero', () => {
    const cases: [unknown, string][] = [
      [[1, 2, 3], 'tokenLengths'],
      [[1, 1.5, 1, 1], 'tokenLengths[1]'],
      [[1, 1, -2, 1], 'tokenLengths[2]'],
      [[0, 0, 0, 0], 'tokenLengths'],
    ];
    for (const [tokenLengths, field] of cases) {
      const err = inputErrorOf(() => computeAdvantages(good, { estimator: 'gdpo', tokenLengths } as EstimatorOptions));
      expect(err.field).toBe(field);
    }
  });
});

describe('validation: bad options throw InputError naming the key', () => {
  for (const [name, options, field, problem] of badOptions) {
    it(`${name} → ${field}`, () => {
      for (const f of [() => validateEstimatorOptions(options), () => computeAdvantages(good, options as EstimatorOptions)]) {
        const err = inputErrorOf(f);
        expect(err.field).toBe(field);
        if (problem !== undefined) expect(err.problem).toMatch(problem);
      }
    });
  }

  it('the per-estimator functions validate too, and reject another estimator’s name', () => {
    expect(inputErrorOf(() => grpoAdvantages(good, { scale: 'x' } as never)).field).toBe('scale');
    expect(inputErrorOf(() => grpoAdvantages(good, { estimator: 'rloo' } as never)).field).toBe('estimator');
    expect(inputErrorOf(() => g2rpoAdvantages({ ...good, rewards: [0, 1, NaN, 0] })).field).toBe('rewards[2]');
  });
});

describe('validation: good input of every accepted shape passes', () => {
  it('plain arrays, typed arrays, mixed string/number ids, −0 and "" as ids, components, no tasks', () => {
    const batches: RewardBatch[] = [
      good,
      { rewards: Float64Array.of(0, 1, 2), groups: [1, '1', -0] },
      { rewards: Float32Array.of(0.5, 1), groups: ['', ''], tasks: [0, 0] },
      { rewards: [1, 2, 3, 4], groups: [0, 0, 1, 1], components: [[1, 0, 1, 1], Float64Array.of(0, 0, 1, 0)] },
    ];
    for (const b of batches) {
      expect(validateRewardBatch(b)).toBe(b); // no copy
      for (const options of [
        { estimator: 'grpo', scale: 'batch', std: { ddof: 0, eps: 0, epsPlacement: 'variance' } },
        { estimator: 'dr_grpo', singleton: 'zero' },
        { estimator: 'rloo' },
        { estimator: 'ema_grpo', alpha: 0, eps: 0, state: new Map() },
        { estimator: 'gdpo', std: 'trl', whiten: { ddof: 0, eps: 1e-8, epsPlacement: 'variance' } },
        { estimator: 'g2rpo', taskStage: 'scale', excludeDegenerate: true, precision: 'float64' },
        { estimator: 'g2rpo', taskStage: undefined }, // an explicit undefined means the default
      ] as EstimatorOptions[]) {
        expect(validateEstimatorOptions(options)).toBe(options);
        expect(computeAdvantages(b, options).length).toBe(b.rewards.length);
      }
    }
  });
});
