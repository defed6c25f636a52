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

/**
 * EMA-GRPO's running per-task std σ_τ, keyed by task id (a Map compares ids by value, so 1 and "1"
 * are different tasks). A task absent from the map has not been seen yet: its first σ_G is taken as is.
 * The state is explicit: `emaGrpoAdvantages` returns the updated copy, `computeAdvantages` updates the
 * map passed in `options.state` in place (documented there); nothing is kept between calls otherwise.
 */
export type EmaStdState = Map<Id, number>;

/** Options of each estimator. `estimator` is optional on the per-estimator functions, required in the union. */
export interface GrpoParams {
  readonly estimator?: 'grpo';
  /** `group` (default): per-group std; `batch`: std of all rewards of the batch (TRL); `none`: Dr. GRPO. */
  readonly scale?: GrpoScale;
  /** Default `verl`: ddof 1, eps 1e-6 added to the std. */
  readonly std?: StdPreset | StdConvention;
  /** Default `zero`. */
  readonly singleton?: SingletonPolicy;
}

export interface DrGrpoParams {
  readonly estimator?: 'dr_grpo';
  readonly singleton?: SingletonPolicy;
}

export interface RlooParams {
  readonly estimator?: 'rloo';
  readonly singleton?: SingletonPolicy;
}

export interface EmaGrpoParams {
  readonly estimator?: 'ema_grpo';
  /** Weight of the old σ_τ in σ_τ ← α σ_τ + (1 − α) σ_G; default 0.99 (a public EMA-GRPO code's decay). */
  readonly alpha?: number;
  /** Added to σ_τ in (r − mean_g)/(σ_τ + eps); default 1e-6 (the verl convention). */
  readonly eps?: number;
  /** Running stds before this batch; default: empty (every task new). */
  readonly state?: EmaStdState;
  readonly singleton?: SingletonPolicy;
}

export interface GdpoParams {
  readonly estimator?: 'gdpo';
  /** The per-group z-score of each component; default `verl`. */
  readonly std?: StdPreset | StdConvention;
  /**
   * The final whitening over the batch; default as the released G²RPO code's GDPO baseline: population
   * variance over valid tokens, (x − mean)/(std + 1e-6). verl's masked_whiten is {ddof 1, eps 1e-8, 'variance'}.
   */
  readonly whiten?: StdConvention;
  /**
   * Token count per response: whitening over tokens (each response weighs its length, as a response
   * mask does); default: every response weighs 1. Entries are non-negative integers, at least one > 0.
   */
  readonly tokenLengths?: ArrayLike<number>;
  readonly singleton?: SingletonPolicy;
}

export interface G2rpoParams {
  readonly estimator?: 'g2rpo';
  /** Default `ot`. */
  readonly taskStage?: TaskStage;
  /** Default false. */
  readonly excludeDegenerate?: boolean;
  /** Default `float64`. */
  readonly precision?: Precision;
}

/** The estimator and its options: a discriminated union on `estimator`. */
export type EstimatorOptions =
  | (GrpoParams & { readonly estimator: 'grpo' })
  | (DrGrpoParams & { readonly estimator: 'dr_grpo' })
  | (RlooParams & { readonly estimator: 'rloo' })
  | (EmaGrpoParams & { readonly estimator: 'ema_grpo' })
  | (GdpoParams & { readonly estimator: 'gdpo' })
  | (G2rpoParams & { readonly estimator: 'g2rpo' });

export type EstimatorName = EstimatorOptions['estimator'];
