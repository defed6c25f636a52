/**
 * The policy loss, public surface: `policyLoss` and its types, plus the pieces it is composed of (each
 * usable alone). Pure float64 functions over arrays; no tensor dependency. Guide: docs/loss.md.
 */
export { policyLoss } from './policy-loss.js';
export {
  AGGREGATIONS,
  DEFAULT_POLICY_LOSS_OPTIONS,
  KL_ESTIMATORS,
  RATIO_LEVELS,
  type Aggregation,
  type KlEstimator,
  type PolicyLossMetrics,
  type PolicyLossOptions,
  type PolicyLossResult,
  type RatioLevel,
  type TokenBatch,
} from './types.js';
export {
  branchDRatio,
  branchLoss,
  surrogateBranch,
  surrogateDRatio,
  surrogateLoss,
  type ClipParams,
  type SurrogateBranch,
} from './surrogate.js';
export { k3, klDerivative, klEstimatorFromName, klValue } from './kl.js';
export { aggregationWeights, weightedSum, type AggregationConfig } from './aggregate.js';
export { clampedExp, importanceRatios, type Ratios } from './ratio.js';
export { checkBatch, resolveOptions, type CheckedBatch } from './validate.js';
