// Shared helpers for the VLM specs: a small config (fast, same architecture), random images and prompts.
import { type DType, Rng, type Tensor, rand } from '../../src/tensor/index.js';
import type { VlmConfig } from '../../src/vlm/index.js';

/** The vlm-tiny architecture at toy sizes: 16×16 images → 4 image tokens, d = 16, 2 + 2 blocks. */
export const SMALL: VlmConfig = {
  name: 'small-test',
  imageSize: 16,
  channels: 3,
  patchSize: 8,
  dModel: 16,
  nHeads: 2,
  mlpHidden: 32,
  visionLayers: 2,
  decoderLayers: 2,
  maxTextLen: 12,
  vocabSize: 10,
  lnEps: 1e-5,
  gelu: 'none',
  posInit: 'normal', // nonzero positions, so gradient checks see them matter
  pixelMean: 0.25, // normalised pixels, so the path through the normalisation is exercised
  pixelStd: 0.5,
  prefix: 'image', // the anchor's; specs of 'image+prompt' override it
};

export function images(B: number, cfg: VlmConfig, rng: Rng, dtype: DType = 'float32'): Tensor {
  return rand([B, cfg.channels, cfg.imageSize, cfg.imageSize], rng, { dtype });
}

export function randomIds(n: number, V: number, rng: Rng): number[] {
  return Array.from({ length: n }, () => rng.int(V));
}
