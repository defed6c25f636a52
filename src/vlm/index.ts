/**
 * The compact VLM: config and presets, the model (vision encoder → projector → prefix-LM decoder) with
 * its KV cache, sampling, and teacher-forced log-probs. Built on src/nn.
 *
 * Not here: tasks, rewards, the trainer (src/tasks, src/train).
 */
export { type VlmConfig, type PresetName, type PosInit, type PrefixMode, PRESETS, PRESET_NAMES, POS_INITS, PREFIX_MODES, getPreset, imageTokens, checkVlmConfig } from './presets.js';
export { VLM, DecoderCache, cloneVlm, type VlmOptions } from './model.js';
export {
  generate,
  tokenLogProbs,
  sampleFromLogits,
  topPFilter,
  type GenerateOptions,
  type GenerateResult,
  type SampledToken,
  type TokenLogProbs,
} from './sample.js';
