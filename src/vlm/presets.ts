/**
 * The compact VLM's configuration and its two named presets.
 *
 *   vlm-tiny  the benchmark configuration, exactly the PyTorch anchor (shared/anchors/torch_vlm_step.py):
 *             32×32 RGB, 8×8 patches → 16 image tokens, d = 128, 4 heads, MLP 512, exact GELU, pre-LN,
 *             2 bidirectional vision blocks, linear projector, 2 decoder blocks over 16 + 32 positions,
 *             vocabulary 64; 859,200 parameters (spec/vlm/model.spec.ts counts them by hand).
 *   vlm-nano  the default for RL training on 2 CPU cores (reasons beside each field below); unlike the
 *             anchor, its position embeddings start random, pixels are normalised, and the prompt joins
 *             the image in the bidirectional prefix (`posInit`, `pixelMean`, `prefix`).
 *
 * Not here: the model (model.ts). Names are validated once by `getPreset`, configs by `checkVlmConfig`.
 */
import type { GeluApproximation } from '../tensor/index.js';

export interface VlmConfig {
  /** Preset name, recorded in checkpoints. */
  readonly name: string;
  /** Square image side in pixels (the task suite draws 32×32). */
  readonly imageSize: number;
  /** Image channels (RGB). */
  readonly channels: number;
  /** Square patch side; (imageSize/patchSize)² image tokens. */
  readonly patchSize: number;
  /** Model width d, shared by the vision encoder and the decoder (the anchor uses one width). */
  readonly dModel: number;
  readonly nHeads: number;
  readonly mlpHidden: number;
  /** Bidirectional pre-LN blocks over the image tokens. */
  readonly visionLayers: number;
  /** Decoder blocks over [image tokens + text] with the prefix-LM mask. */
  readonly decoderLayers: number;
  /** Text positions of the decoder (prompt + response); the learned positions cover image + text. */
  readonly maxTextLen: number;
  readonly vocabSize: number;
  /** LayerNorm eps; 1e-5 is PyTorch's default (the anchor's). */
  readonly lnEps: number;
  /** 'none': exact erf GELU, torch's activation="gelu" (the anchor's). */
  readonly gelu: GeluApproximation;
  /**
   * Initial position embeddings (vpos, tpos): 'zeros' as the anchor's nn.Parameter(torch.zeros(…)), or
   * 'normal' N(0, 1), the scale of the token embeddings (torch's nn.Embedding init). Zeros is a
   * symmetric saddle for training: image tokens of equal content stay identical, every patch's vpos
   * row gets the same gradient, and the model never learns where anything is (docs/training.md).
   */
  readonly posInit: PosInit;
  /**
   * Pixels enter as (x − pixelMean) / pixelStd, as an image processor's image_mean / image_std. The
   * anchor feeds raw pixels (0 and 1). For the task suite, mean = its background level makes an empty
   * patch exactly 0, so a patch's embedding is its ink alone (docs/training.md: counting learns ~2×
   * faster in SFT than with raw pixels).
   */
  readonly pixelMean: number;
  readonly pixelStd: number;
  /**
   * What attends bidirectionally in the decoder: 'image' (the anchor: image tokens see each other, all
   * text is causal) or 'image+prompt' (PaliGemma's prefix-LM: image and prompt tokens see each other,
   * the response is causal). The idea: with the prompt in the prefix, an image token can learn "am I the
   * colour asked about?" itself, instead of the response first fetching the colour word and then looking
   * it up. Measured, it makes no difference on this task suite (docs/training.md, "Three model choices").
   */
  readonly prefix: PrefixMode;
}

export const PREFIX_MODES = ['image', 'image+prompt'] as const;
export type PrefixMode = (typeof PREFIX_MODES)[number];

export const POS_INITS = ['zeros', 'normal'] as const;
export type PosInit = (typeof POS_INITS)[number];

export const PRESETS = {
  'vlm-tiny': {
    name: 'vlm-tiny',
    imageSize: 32,
    channels: 3,
    patchSize: 8,
    dModel: 128,
    nHeads: 4,
    mlpHidden: 512,
    visionLayers: 2,
    decoderLayers: 2,
    maxTextLen: 32,
    vocabSize: 64,
    lnEps: 1e-5,
    gelu: 'none',
    posInit: 'zeros', // the anchor's
    pixelMean: 0, // the anchor's raw pixels
    pixelStd: 1,
    prefix: 'image', // the anchor's mask
  },
  'vlm-nano': {
    name: 'vlm-nano',
    imageSize: 32, // the task suite's images
    channels: 3,
    patchSize: 8, // 16 image tokens: the task images hold a few shapes/glyphs at 5–10 px, ~1 per patch
    dModel: 64, // every linear layer costs d² per token: 1/4 of vlm-tiny's FLOPs, which RL on 2 cores needs
    nHeads: 4, // head width 16: several heads still look at different image regions at once
    mlpHidden: 256, // 4·d, the GPT/anchor ratio
    visionLayers: 1, // the images are simple synthetic scenes; one block mixes patches once
    decoderLayers: 2, // two attention layers: read the image, then compose (e.g. sum two digits read)
    maxTextLen: 48, // prompt + <thinking>…</thinking><answer>…</answer> of the longest task traces
    vocabSize: 64, // the task vocabulary (45 tokens) fits; same as vlm-tiny, so tokens are shared
    lnEps: 1e-5,
    gelu: 'none',
    posInit: 'normal', // zeros never learns positions here: a one-shape "which column" task stays at chance (docs/training.md)
    pixelMean: 0.05, // the task canvas's background level (src/tasks/canvas.ts BACKGROUND): empty patches are 0
    pixelStd: 0.5, // ink spans about 0.1…1.9
    prefix: 'image+prompt', // the question conditions the image tokens (see `prefix`)
  },
} as const satisfies Record<string, VlmConfig>;

export type PresetName = keyof typeof PRESETS;

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** The preset's config; an unknown name is an error that lists the valid ones. */
export function getPreset(name: string): VlmConfig {
  if (!Object.prototype.hasOwnProperty.call(PRESETS, name)) {
    throw new Error(`getPreset: unknown preset "${name}" (valid: ${PRESET_NAMES.join(', ')})`);
  }
  return PRESETS[name as PresetName];
}

/** Image tokens of a config: (imageSize / patchSize)². */
export function imageTokens(c: VlmConfig): number {
  return (c.imageSize / c.patchSize) ** 2;
}

/** Throws naming the first bad field. */
export function checkVlmConfig(c: VlmConfig): void {
  const where = `VlmConfig "${c.name}"`;
  const positive = ['imageSize', 'channels', 'patchSize', 'dModel', 'nHeads', 'mlpHidden', 'decoderLayers', 'maxTextLen', 'vocabSize'] as const;
  for (const k of positive) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`${where}: ${k} must be a positive integer, got ${c[k]}`);
  }
  if (!Number.isInteger(c.visionLayers) || c.visionLayers < 0) throw new Error(`${where}: visionLayers must be an integer ≥ 0, got ${c.visionLayers}`);
  if (c.imageSize % c.patchSize !== 0) throw new Error(`${where}: patchSize ${c.patchSize} does not divide imageSize ${c.imageSize}`);
  if (c.dModel % c.nHeads !== 0) throw new Error(`${where}: dModel ${c.dModel} is not a multiple of nHeads ${c.nHeads}`);
  if (!(c.lnEps >= 0) || !Number.isFinite(c.lnEps)) throw new Error(`${where}: lnEps must be a finite number ≥ 0, got ${c.lnEps}`);
  if (!Number.isFinite(c.pixelMean)) throw new Error(`${where}: pixelMean must be a finite number, got ${c.pixelMean}`);
  if (!(c.pixelStd > 0) || !Number.isFinite(c.pixelStd)) throw new Error(`${where}: pixelStd must be a finite number > 0, got ${c.pixelStd}`);
  if (!(PREFIX_MODES as readonly string[]).includes(c.prefix)) throw new Error(`${where}: prefix must be one of ${PREFIX_MODES.join(', ')}, got '${String(c.prefix)}'`);
  if (!(POS_INITS as readonly string[]).includes(c.posInit)) throw new Error(`${where}: posInit must be one of ${POS_INITS.join(', ')}, got '${String(c.posInit)}'`);
  if (c.gelu !== 'none' && c.gelu !== 'tanh') throw new Error(`${where}: gelu must be 'none' or 'tanh', got '${String(c.gelu)}'`);
}
