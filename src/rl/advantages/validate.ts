/**
 * Validation of reward batches and estimator options: each bad input throws `InputError` naming the
 * field (`rewards[3]`, `groups`, `std.eps`, an unknown key …) and the problem, so the CLI can print one
 * clear line. Both functions return their argument, typed, without copying (a 4096-response batch costs
 * one pass over its arrays).
 *
 * Not here: any arithmetic. Unknown keys are rejected on purpose: a typo such as `task` for `tasks`
 * would otherwise silently make the whole batch one task.
 */
import { InputError } from '../errors.js';
import type { EstimatorName, EstimatorOptions, Id, RewardBatch, StdConvention } from './types.js';

const BATCH_KEYS = ['rewards', 'groups', 'tasks', 'components'] as const;

/** The option keys each estimator accepts (besides `estimator`). */
export const OPTION_KEYS: Readonly<Record<EstimatorName, readonly string[]>> = {
  grpo: ['scale', 'std', 'singleton'],
  dr_grpo: ['singleton'],
  rloo: ['singleton'],
  ema_grpo: ['alpha', 'eps', 'state', 'singleton'],
  gdpo: ['std', 'whiten', 'tokenLengths', 'singleton'],
  g2rpo: ['taskStage', 'excludeDegenerate', 'precision'],
};

export const ESTIMATORS = Object.keys(OPTION_KEYS) as EstimatorName[];

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isArrayLike(x: unknown): x is ArrayLike<unknown> {
  return Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));
}

function describe(x: unknown): string {
  if (typeof x === 'number') return String(x);
  if (typeof x === 'string') return JSON.stringify(x);
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x;
}

/** Checks an array of finite numbers of length n (n undefined: any non-empty length). */
function checkNumbers(x: unknown, field: string, n: number | undefined): ArrayLike<number> {
  if (!isArrayLike(x)) throw new InputError(field, `must be an array of numbers (got ${describe(x)})`);
  if (n === undefined && x.length === 0) throw new InputError(field, 'empty (a batch needs at least one response)');
  if (n !== undefined && x.length !== n) {
    throw new InputError(field, `length ${x.length} does not match rewards length ${n}`);
  }
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InputError(`${field}[${i}]`, `not a finite number (got ${describe(v)})`);
    }
  }
  return x as ArrayLike<number>;
}

function checkIds(x: unknown, field: string, n: number): readonly Id[] {
  if (!Array.isArray(x)) throw new InputError(field, `must be an array of strings or numbers (got ${describe(x)})`);
  if (x.length !== n) throw new InputError(field, `length ${x.length} does not match rewards length ${n}`);
  for (let i = 0; i < n; i++) {
    const v: unknown = x[i];
    if (typeof v === 'string') continue;
    if (typeof v === 'number' && Number.isFinite(v)) continue;
    throw new InputError(`${field}[${i}]`, `must be a string or a finite number (got ${describe(v)})`);
  }
  return x as Id[];
}

/**
 * Checks a reward batch: rewards a non-empty array of finite numbers; groups (and tasks, if given) of
 * the same length with string or finite-number entries; components (if given) a non-empty list of
 * arrays of length n of finite numbers; no other keys. With `options`, also the per-response data the
 * options carry (GDPO `tokenLengths`).
 */
export function validateRewardBatch(batch: unknown, options?: EstimatorOptions): RewardBatch {
  if (!isObject(batch)) throw new InputError('batch', `must be an object (got ${describe(batch)})`);
  for (const key of Object.keys(batch)) {
    if (!(BATCH_KEYS as readonly string[]).includes(key)) {
      throw new InputError(key, `unknown field (expected ${BATCH_KEYS.join(', ')})`);
    }
  }
  if (batch.rewards === undefined) throw new InputError('rewards', 'missing');
  const rewards = checkNumbers(batch.rewards, 'rewards', undefined);
  const n = rewards.length;
  if (batch.groups === undefined) throw new InputError('groups', 'missing');
  checkIds(batch.groups, 'groups', n);
  if (batch.tasks !== undefined) checkIds(batch.tasks, 'tasks', n);
  if (batch.components !== undefined) {
    const comps = batch.components;
    if (!Array.isArray(comps)) {
      throw new InputError('components', `must be an array of arrays (got ${describe(comps)})`);
    }
    if (comps.length === 0) throw new InputError('components', 'empty (give at least one component or leave it out)');
    for (let k = 0; k < comps.length; k++) checkNumbers(comps[k], `components[${k}]`, n);
  }
  if (options !== undefined && options.estimator === 'gdpo' && options.tokenLengths !== undefined) {
    const len = checkNumbers(options.tokenLengths, 'tokenLengths', n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const v = len[i];
      if (v < 0 || !Number.isInteger(v)) {
        throw new InputError(`tokenLengths[${i}]`, `must be a non-negative integer (got ${v})`);
      }
      total += v;
    }
    if (total === 0) throw new InputError('tokenLengths', 'all zero (no token to whiten over)');
  }
  return batch as unknown as RewardBatch;
}

function checkEnum<T extends string>(x: unknown, field: string, allowed: readonly T[]): void {
  if (x === undefined) return;
  if (typeof x !== 'string' || !(allowed as readonly string[]).includes(x)) {
    throw new InputError(field, `must be one of ${allowed.join(', ')} (got ${describe(x)})`);
  }
}

function checkStdConvention(x: unknown, field: string): void {
  if (!isObject(x)) {
    throw new InputError(field, `must be a preset name or {ddof, eps, epsPlacement} (got ${describe(x)})`);
  }
  for (const key of Object.keys(x)) {
    if (key !== 'ddof' && key !== 'eps' && key !== 'epsPlacement') {
      throw new InputError(`${field}.${key}`, 'unknown key');
    }
  }
  const c = x as Partial<StdConvention>;
  if (c.ddof !== 0 && c.ddof !== 1) throw new InputError(`${field}.ddof`, `must be 0 or 1 (got ${describe(c.ddof)})`);
  if (typeof c.eps !== 'number' || !Number.isFinite(c.eps) || c.eps < 0) {
    throw new InputError(`${field}.eps`, `must be a finite number ≥ 0 (got ${describe(c.eps)})`);
  }
  if (c.epsPlacement !== 'std' && c.epsPlacement !== 'variance') {
    throw new InputError(`${field}.epsPlacement`, `must be std or variance (got ${describe(c.epsPlacement)})`);
  }
}

function checkStd(x: unknown, field: string): void {
  if (x === undefined) return;
  if (typeof x === 'string') checkEnum(x, field, ['verl', 'easyr1', 'trl']);
  else checkStdConvention(x, field);
}

/**
 * Checks estimator options: a known `estimator`, only that estimator's keys, and each value in range.
 * Returns the options object itself, typed.
 */
export function validateEstimatorOptions(options: unknown): EstimatorOptions {
  if (!isObject(options)) throw new InputError('options', `must be an object (got ${describe(options)})`);
  const name = options.estimator;
  if (typeof name !== 'string' || !(ESTIMATORS as string[]).includes(name)) {
    throw new InputError('estimator', `must be one of ${ESTIMATORS.join(', ')} (got ${describe(name)})`);
  }
  const est = name as EstimatorName;
  const allowed = OPTION_KEYS[est];
  for (const key of Object.keys(options)) {
    if (key !== 'estimator' && !allowed.includes(key)) {
      throw new InputError(key, `unknown option for estimator ${est} (allowed: ${allowed.join(', ') || 'none'})`);
    }
  }
  const o = options;
  checkEnum(o.singleton, 'singleton', ['zero', 'error']);
  switch (est) {
    case 'grpo':
      checkEnum(o.scale, 'scale', ['group', 'batch', 'none']);
      checkStd(o.std, 'std');
      break;
    case 'dr_grpo':
    case 'rloo':
      break;
    case 'ema_grpo':
      if (o.alpha !== undefined && !(typeof o.alpha === 'number' && o.alpha >= 0 && o.alpha <= 1)) {
        throw new InputError('alpha', `must be a number in [0, 1] (got ${describe(o.alpha)})`);
      }
      if (o.eps !== undefined && !(typeof o.eps === 'number' && Number.isFinite(o.eps) && o.eps >= 0)) {
        throw new InputError('eps', `must be a finite number ≥ 0 (got ${describe(o.eps)})`);
      }
      if (o.state !== undefined) {
        if (!(o.state instanceof Map)) {
          throw new InputError('state', `must be a Map from task id to std (got ${describe(o.state)})`);
        }
        for (const [k, v] of o.state) {
          if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
            throw new InputError(`state[${JSON.stringify(k)}]`, `must be a finite std ≥ 0 (got ${describe(v)})`);
          }
        }
      }
      break;
    case 'gdpo':
      checkStd(o.std, 'std');
      if (o.whiten !== undefined) checkStdConvention(o.whiten, 'whiten');
      if (o.tokenLengths !== undefined && !isArrayLike(o.tokenLengths)) {
        const got = describe(o.tokenLengths);
        throw new InputError('tokenLengths', `must be an array of non-negative integers (got ${got})`);
      }
      break;
    case 'g2rpo':
      checkEnum(o.taskStage, 'taskStage', ['ot', 'none', 'scale']);
      checkEnum(o.precision, 'precision', ['float64', 'published-float32']);
      if (o.excludeDegenerate !== undefined && typeof o.excludeDegenerate !== 'boolean') {
        throw new InputError('excludeDegenerate', `must be true or false (got ${describe(o.excludeDegenerate)})`);
      }
      // The released code has no `scale` stage: there is no published rounding to reproduce for it.
      if (o.precision === 'published-float32' && o.taskStage === 'scale') {
        const problem = "published-float32 reproduces the released code, which has no 'scale' task stage";
        throw new InputError('precision', problem);
      }
      break;
    default:
      return unreachable(est);
  }
  return options as unknown as EstimatorOptions;
}

function unreachable(x: never): never {
  throw new Error(`unreachable: ${String(x)}`);
}

/** Validates the options of one named estimator, as the per-estimator functions receive them. */
export function validateParams<N extends EstimatorName>(
  name: N,
  params: object,
): Extract<EstimatorOptions, { estimator: N }> {
  const given = (params as { estimator?: unknown }).estimator;
  if (given !== undefined && given !== name) {
    throw new InputError('estimator', `${describe(given)} given to the ${name} estimator`);
  }
  validateEstimatorOptions({ ...params, estimator: name });
  return { ...params, estimator: name } as Extract<EstimatorOptions, { estimator: N }>;
}
