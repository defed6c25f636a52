/**
 * Shaping terms of G²RPO training (paper Eqs. 9–10): the length trapezoid (fixed and adaptive
 * envelopes), a reward term, and the entropy band, a loss term. Pure float64 functions, no tensors.
 * Reference: shared g2rpo-spec §4; docs/shaping.md; proofs/shaping.md.
 */
export {
  DEFAULT_LENGTH_ENVELOPES,
  DEFAULT_LENGTH_WEIGHT,
  lengthBonuses,
  lengthScores,
  trapezoid,
  trapezoidMaxSlope,
  validateEnvelope,
  type LengthEnvelope,
  type LengthScoreOptions,
} from './length.js';
export {
  DEFAULT_ADAPTIVE_LENGTH_CONFIG,
  adaptiveEnvelopes,
  initAdaptiveLength,
  resolveAdaptiveLengthConfig,
  targetEnvelope,
  updateAdaptiveLength,
  type AdaptiveLengthBatch,
  type AdaptiveLengthConfig,
  type AdaptiveLengthState,
  type AdaptiveTaskState,
  type LengthBounds,
} from './length-adaptive.js';
export {
  DEFAULT_ENTROPY_BAND,
  DEFAULT_ENTROPY_LAMBDA,
  bandPenalty,
  entropyPenalty,
  publishedEntropyPenalty,
  tokenEntropy,
  type EntropyBand,
  type EntropyEstimator,
  type EntropyPenaltyInput,
  type EntropyPenaltyOptions,
  type EntropyPenaltyResult,
  type TaskEntropy,
} from './entropy.js';
