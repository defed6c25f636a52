/**
 * The module layer on the tensor core: Module (named parameters, train/eval, state dicts), the layers of a
 * pre-LN transformer, additive masks, the KV cache, and safetensors save/load of a module's parameters.
 *
 * Not here: optimisers (src/optim), the VLM (src/vlm).
 */
export { Module, ModuleList, newParameter, checkSameSpec } from './module.js';
export { Linear, Embedding, LayerNorm, MLP, type LinearOptions, type EmbeddingOptions, type LayerNormOptions, type MlpOptions } from './layers.js';
export { MultiHeadAttention, KVCache, type AttentionOptions } from './attention.js';
export { TransformerBlock, checkBlockConfig, type BlockConfig } from './block.js';
export { causalMask, prefixLmMask, maskRows } from './masks.js';
export { uniformInit, normalInit, constantInit, linearBound, xavierBound } from './init.js';
export { moduleTensors, moduleSpecs, loadModuleTensors, moduleToBytes, moduleFromBytes, saveModule, loadModule } from './serialize.js';
