/**
 * The optimizer stack: AdamW, gradient clipping by global norm, LR schedules, over the minimal
 * `ParamLike` interface (no dependency on the tensor class). Checkpoint the optimizer with
 * `AdamW.stateDict()` and `src/io/safetensors.ts`.
 */
export { AdamW, ADAMW_DEFAULTS } from './adamw.js';
export type { AdamWGroup, AdamWOptions, AdamWStateDict, ResolvedAdamWGroup } from './adamw.js';
export { clipGradNorm, gradNorm, CLIP_EPS } from './clip.js';
export type { ClipOptions, NonFinitePolicy } from './clip.js';
export { constantSchedule, warmupCosineSchedule, warmupCosineFactor } from './schedule.js';
export type { ConstantScheduleOptions, LrSchedule, WarmupCosineOptions } from './schedule.js';
export { namedParams } from './types.js';
export type { FloatArray, ParamLike, Params } from './types.js';
