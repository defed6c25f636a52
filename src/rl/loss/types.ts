/**
 * The contract of the policy loss: the batch layout, the options (each default with where it comes from)
 * and the result. Types and defaults only; the math lives in surrogate.ts, kl.ts and aggregate.ts, the
 * composition in policy-loss.ts. Reference: shared g2rpo-spec §4; docs/loss.md; proofs/policy-loss.md.
 *
 * Shape legend: B responses, each padded to T token slots. Every per-token array is B·T long, row-major:
 * token t of response b sits at index k = b·T + t (the [B, T] layout of verl and TRL, flattened).
 */

/** verl's `loss_agg_mode` names; TRL's `loss_type` values map onto them (docs/loss.md). */
export type Aggregation =
  | 'token-mean'
  | 'seq-mean-token-mean'
  | 'seq-mean-token-sum'
  | 'seq-mean-token-sum-norm';

export const AGGREGATIONS: readonly Aggregation[] = [
  'token-mean',
  'seq-mean-token-mean',
  'seq-mean-token-sum',
  'seq-mean-token-sum-norm',
];

/** `token`: one ratio per token (PPO/GRPO). `sequence`: GSPO's length-normalised sequence ratio. */
export type RatioLevel = 'token' | 'sequence';

export const RATIO_LEVELS: readonly RatioLevel[] = ['token', 'sequence'];

/**
 * KL estimators of Schulman's note, as functions of x = log π(y) − log π_ref(y) for y drawn from π:
 * k1 = x, abs = |x|, k2 = x²/2, k3 = e^(−x) + x − 1 (verl: `kl`, `abs`, `mse`, `low_var_kl`).
 */
export type KlEstimator = 'k1' | 'abs' | 'k2' | 'k3';

export const KL_ESTIMATORS: readonly KlEstimator[] = ['k1', 'abs', 'k2', 'k3'];

/** One batch of B responses in the padded [B, T] layout (see the shape legend above). */
export interface TokenBatch {
  /** [B, T]: number of responses and token slots per response. */
  readonly shape: readonly [number, number];
  /** log π_θ(y_t | …) of the sampled tokens under the policy being trained; B·T. */
  readonly logProbs: ArrayLike<number>;
  /** log π_old of the same tokens (the policy that sampled them); B·T. */
  readonly oldLogProbs: ArrayLike<number>;
  /** Per token (B·T) or per response (B, broadcast to the response's tokens). With T = 1 both agree. */
  readonly advantages: ArrayLike<number>;
  /** 1 for a token that counts, 0 for padding (or any token to ignore); B·T. Only 0 and 1 are accepted. */
  readonly mask: ArrayLike<number>;
  /** log π_ref of the same tokens; B·T. Required when `klBeta > 0`; gives the `kl` metric when present. */
  readonly refLogProbs?: ArrayLike<number>;
  /** Per response: true (or 1) when the completion hit the length limit without an end token; B. */
  readonly truncated?: ArrayLike<boolean | number>;
  /** Per-token entropy of the policy's distribution (metrics only: it does not enter the loss); B·T. */
  readonly entropy?: ArrayLike<number>;
}

export interface PolicyLossOptions {
  /** ε_low: the ratio is clipped below at 1 − ε_low. 0.2: PPO, verl `clip_ratio_low`, released code. */
  readonly clipLow: number;
  /** ε_high: clipped above at 1 + ε_high. 0.3: the released code's clip-higher (DAPO used 0.28). */
  readonly clipHigh: number;
  /**
   * Dual clip c (> 1) for negative advantages: the token loss is at most −c·A. 3.0: verl `clip_ratio_c`
   * and the released code. null: off (TRL has no dual clip).
   */
  readonly dualClip: number | null;
  /**
   * TRL's `delta` (> 1): the unclipped branch uses min(r, δ), so with A < 0 the loss stops growing at
   * r = δ. null: off, TRL's default. INTELLECT-2 recommends δ > 1 + ε_high.
   */
  readonly delta: number | null;
  /** 'token' (PPO/GRPO, the released code) or 'sequence' (GSPO, TRL `importance_sampling_level`). */
  readonly ratioLevel: RatioLevel;
  /**
   * The log-ratio (token or sequence level) is clamped to ±this before exp, and its gradient is 0
   * beyond. 20: verl's vanilla loss (keeps exp finite: e^20 ≈ 4.9e8). null: no clamp (TRL).
   */
  readonly logRatioClamp: number | null;
  /** How token losses become one number. 'token-mean': the released code (verl's default). */
  readonly aggregation: Aggregation;
  /**
   * C of 'seq-mean-token-sum-norm' (Dr. GRPO's constant, TRL `max_completion_length`). Default: T.
   * Pass it explicitly when micro-batches are padded to different T (aggregate.ts).
   */
  readonly normConstant?: number;
  /**
   * 'token-mean' divides by this instead of the local number of unmasked tokens: pass the count of the
   * whole (global) batch to make micro-batch gradients add up exactly (TRL `dapo`'s num_items_in_batch).
   */
  readonly tokenCount?: number;
  /** The 'seq-mean-*' modes divide by this instead of B (pass the global number of responses). */
  readonly sequenceCount?: number;
  /** KL estimator for the penalty to the reference policy. 'k3' (verl `low_var_kl`, released code). */
  readonly klEstimator: KlEstimator;
  /** β: loss += β·aggregate(KL). 0 = off (the released code's default; 0.01 when switched on there). */
  readonly klBeta: number;
  /**
   * k3 is clamped to at most this (gradient 0 above). 10: verl/EasyR1's low_var_kl. null: unclamped (TRL).
   * Applies to k3 only.
   */
  readonly k3Clamp: number | null;
  /** TRL's `mask_truncated_completions`: zero the mask of truncated responses. Default false (TRL). */
  readonly maskTruncated: boolean;
}

/** Defaults: the released training code's policy loss (spec §4), with TRL's defaults where it has none. */
export const DEFAULT_POLICY_LOSS_OPTIONS: PolicyLossOptions = {
  clipLow: 0.2,
  clipHigh: 0.3,
  dualClip: 3.0,
  delta: null,
  ratioLevel: 'token',
  logRatioClamp: 20,
  aggregation: 'token-mean',
  klEstimator: 'k3',
  klBeta: 0,
  k3Clamp: 10,
  maskTruncated: false,
};

/** Metrics under the names TRL and verl users know; docs/loss.md gives each exact definition. */
export interface PolicyLossMetrics {
  /** Aggregated surrogate loss (without the KL term). */
  readonly 'actor/pg_loss': number;
  /** Token fraction where the clipped branch is strictly larger: −A·clip(r) > −A·r. */
  readonly 'actor/pg_clipfrac': number;
  /** Token fraction with A < 0 where the dual clip binds (0 when the dual clip is off). */
  readonly 'actor/pg_clipfrac_lower': number;
  /** Token mean of old − new log-prob (k1 estimate of KL(π_old ‖ π_θ)). */
  readonly 'actor/ppo_kl': number;
  /** Token mean of the k3 estimate of KL(π_old ‖ π_θ): r − 1 − log r (ours; always ≥ 0). */
  readonly 'actor/ppo_kl_k3': number;
  /** TRL: token fraction with r < 1 − ε_low and A < 0. */
  readonly 'clip_ratio/low_mean': number;
  /** TRL: token fraction with r > 1 + ε_high and A > 0. */
  readonly 'clip_ratio/high_mean': number;
  /** TRL: low or high. */
  readonly 'clip_ratio/region_mean': number;
  /** Number of tokens that enter the loss (after truncation masking). */
  readonly num_tokens: number;
  /** verl: aggregate of the KL estimator (present with refLogProbs). */
  readonly 'actor/kl_loss'?: number;
  /** verl: β. */
  readonly 'actor/kl_coef'?: number;
  /** TRL: token mean of the KL estimator to the reference (present with refLogProbs). */
  readonly kl?: number;
  /** verl: entropy aggregated with the loss's aggregation mode (present with entropy). */
  readonly 'actor/entropy'?: number;
  /** TRL: token mean of the entropy (present with entropy). */
  readonly entropy?: number;
}

export interface PolicyLossResult {
  /** aggregate(surrogate) + β·aggregate(KL). */
  readonly loss: number;
  /** d loss / d logProbs, same [B, T] layout; exactly 0 wherever the (effective) mask is 0. */
  readonly gradLogProbs: Float64Array;
  readonly metrics: PolicyLossMetrics;
}
