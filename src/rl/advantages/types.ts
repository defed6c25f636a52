/**
 * The contract of the advantage estimators: inputs, options (a discriminated union on `estimator`) and
 * the numeric conventions every estimator states in its signature rather than hides.
 */

/** A prompt-group or task id; JSON strings or numbers, compared by value (1 and "1" differ). */
export type Id = string | number;

/** One batch of scored responses: index i is response i. */
export interface RewardBatch {
  /** Scalar reward per response (the total when `components` is given). */
  readonly rewards: ArrayLike<number>;
  /** Prompt-group id per response; a group lives within its task (the key is the pair). */
  readonly groups: readonly Id[];
  /** Task id per response; absent means one task. */
  readonly tasks?: readonly Id[];
  /** Reward components (each of length n) for the multi-component estimators (GDPO, G²RPO). */
  readonly components?: readonly ArrayLike<number>[];
}

/** How a standard deviation is formed and where eps goes: (r − m)/(std + eps) or (r − m)/√(var + eps). */
export interface StdConvention {
  /** 1: unbiased (n − 1, torch.std's default, used by verl/EasyR1/TRL); 0: population. */
  readonly ddof: 0 | 1;
  readonly eps: number;
  readonly epsPlacement: 'std' | 'variance';
}

/** Named conventions of the peers: `verl`/`easyr1`: n − 1, +1e-6 on the std; `trl`: n − 1, +1e-4. */
export type StdPreset = 'verl' | 'easyr1' | 'trl';

/**
 * A group of one response has no baseline: `zero` gives it advantage 0 (the default, and what the
 * G²RPO `ot` map does), `error` rejects the batch.
 */
export type SingletonPolicy = 'zero' | 'error';

export type GrpoScale = 'group' | 'batch' | 'none';

/** G²RPO stage 2: `ot` (released code, default), `none` (paper App. B), `scale` (this project). */
export type TaskStage = 'ot' | 'none' | 'scale';

/** `float64` (ours, exact ties) or `published-float32` (reproduces the released code's rounding). */
export type Precision = 'float64' | 'published-float32';
