/**
 * The compact VLM, the PyTorch anchor (shared/anchors/torch_vlm_step.py) on our modules:
 *
 *   image (B, 3, 32, 32) → (x − pixelMean)/pixelStd → 8×8 patches (B, P, 192) → patch Linear → + vpos → vision blocks (bidirectional)
 *     → proj Linear                                                            = image tokens (B, P, C)
 *   h = [image tokens ; tok(text ids)] + tpos                                  (B, P + T, C)
 *   decoder blocks with the prefix-LM mask: prefix 'image' (the anchor): image ↔ image, text → image +
 *     causal text; prefix 'image+prompt': image and prompt ↔ each other, response → all before it
 *   logits = head(norm(h[:, P:]))                                              (B, T, V), text positions only
 *
 * Parameter names are the anchor's module names (patch, vpos, vision.i…, proj, tok, tpos, decoder.i…,
 * norm, head); inside a block see src/nn/block.ts for the mapping onto TransformerEncoderLayer.
 * Position embeddings start at zero, as the anchor's nn.Parameter(torch.zeros(…)), or N(0, 1) (config.posInit).
 *
 * The prompt length of each row decides the mask under 'image+prompt', so `forward` takes it
 * (`promptLens`); `prefill` treats everything it is given as prompt.
 *
 * Incremental decoding: `prefill` runs the images and a prompt into a fresh DecoderCache, `extend` feeds
 * further tokens one or more at a time; both return the logits of the positions they fed, equal (to
 * rounding) to the rows of one full `forward`.
 *
 * Shape legend: B batch, P image tokens, T text positions fed, C width, V vocabulary.
 * Not here: sampling and teacher-forced log-probs (sample.ts), presets (presets.ts).
 */
import { type DType, type Indices, Rng, Tensor, concat, noGrad, patches } from '../tensor/index.js';
import {
  Embedding,
  KVCache,
  LayerNorm,
  Linear,
  Module,
  ModuleList,
  TransformerBlock,
  type BlockConfig,
  constantInit,
  normalInit,
  maskRows,
  newParameter,
  prefixLmMask,
} from '../nn/index.js';
import { type VlmConfig, checkVlmConfig, imageTokens } from './presets.js';

/** One KV cache per decoder block, plus the number of positions (image + text) already fed. */
export class DecoderCache {
  readonly layers: KVCache[];

  constructor(nLayers: number) {
    this.layers = Array.from({ length: nLayers }, () => new KVCache());
  }

  get length(): number {
    return this.layers[0]?.length ?? 0;
  }

  /** Keep batch rows `rows` only (sampling drops finished sequences); caches built under noGrad. */
  selectRows(rows: readonly number[]): void {
    for (const l of this.layers) l.selectRows(rows);
  }
}

export interface VlmOptions {
  /** Seed of the initialisation (default 0); ignored when `rng` is given. */
  readonly seed?: number;
  readonly rng?: Rng;
  /** float32 (training) or float64 (gradient and equality checks). */
  readonly dtype?: DType;
}

export class VLM extends Module {
  readonly config: VlmConfig;
  readonly dtype: DType;
  /** Image tokens P. */
  readonly nImageTokens: number;
  readonly patch: Linear;
  readonly vpos: Tensor; // (1, P, C)
  readonly vision: ModuleList<TransformerBlock>;
  readonly proj: Linear;
  readonly tok: Embedding;
  readonly tpos: Tensor; // (1, P + maxTextLen, C)
  readonly decoder: ModuleList<TransformerBlock>;
  readonly norm: LayerNorm;
  readonly head: Linear;
  /** The additive prefix-LM mask over all P + maxTextLen positions; calls use its top-left corner. */
  readonly mask: Tensor;

  constructor(config: VlmConfig, opts: VlmOptions = {}) {
    super();
    checkVlmConfig(config);
    this.config = config;
    const dtype = (this.dtype = opts.dtype ?? 'float32');
    const rng = opts.rng ?? new Rng(opts.seed ?? 0);
    const { dModel: C, patchSize: ps, channels, maxTextLen, vocabSize: V } = config;
    const P = (this.nImageTokens = imageTokens(config));
    const block: BlockConfig = { dModel: C, nHeads: config.nHeads, mlpHidden: config.mlpHidden, lnEps: config.lnEps, gelu: config.gelu };
    const blocks = (n: number) => new ModuleList(Array.from({ length: n }, () => new TransformerBlock(block, { rng, dtype })));
    // Registration order = the anchor's attribute order (and so the order of names and init draws).
    this.patch = this.registerModule('patch', new Linear(channels * ps * ps, C, { rng, dtype }));
    const posFill = config.posInit === 'zeros' ? constantInit(0) : normalInit(rng, 1);
    this.vpos = this.registerParameter('vpos', newParameter([1, P, C], dtype, posFill));
    this.vision = this.registerModule('vision', blocks(config.visionLayers));
    this.proj = this.registerModule('proj', new Linear(C, C, { rng, dtype }));
    this.tok = this.registerModule('tok', new Embedding(V, C, { rng, dtype }));
    this.tpos = this.registerParameter('tpos', newParameter([1, P + maxTextLen, C], dtype, posFill));
    this.decoder = this.registerModule('decoder', blocks(config.decoderLayers));
    this.norm = this.registerModule('norm', new LayerNorm(C, { eps: config.lnEps, dtype }));
    this.head = this.registerModule('head', new Linear(C, V, { rng, dtype }));
    this.mask = prefixLmMask(P, maxTextLen, dtype);
  }

  private checkImages(images: Tensor): void {
    const { channels: c, imageSize: s } = this.config;
    const ok = images.ndim === 4 && images.shape[1] === c && images.shape[2] === s && images.shape[3] === s;
    if (!ok) throw new Error(`VLM(${this.config.name}): images shape [${images.shape.join(', ')}], expected (B, ${c}, ${s}, ${s})`);
    if (images.dtype !== this.dtype) throw new Error(`VLM(${this.config.name}): images dtype ${images.dtype}, expected ${this.dtype}`);
  }

  /** Images (B, 3, H, W) → projected image tokens (B, P, C): the vision encoder and the projector. */
  encodeImages(images: Tensor): Tensor {
    this.checkImages(images);
    const { pixelMean, pixelStd } = this.config;
    const pixels = pixelMean === 0 && pixelStd === 1 ? images : images.sub(pixelMean).mul(1 / pixelStd);
    let v = this.patch.forward(patches(pixels, this.config.patchSize)).add(this.vpos); // (B, P, C)
    for (const blk of this.vision) v = blk.forward(v, null);
    return this.proj.forward(v); // (B, P, C)
  }

  /**
   * Logits (B, T, V) of every text position of `tokens` (B·T ids, row-major) after the images.
   * `promptLens[b]`: how many of row b's tokens are prompt; required under prefix 'image+prompt'.
   */
  forward(images: Tensor, tokens: Indices, shape: readonly [number, number], promptLens?: readonly number[]): Tensor {
    return this.decode(this.encodeImages(images), tokens, shape, undefined, promptLens);
  }

  newCache(): DecoderCache {
    return new DecoderCache(this.decoder.length);
  }

  /** Run images and a prompt (B·T ids) into an empty cache; logits (B, T, V) of the prompt positions. */
  prefill(images: Tensor, tokens: Indices, shape: readonly [number, number], cache: DecoderCache): Tensor {
    if (cache.length !== 0) throw new Error(`VLM.prefill: the cache already holds ${cache.length} positions; start from newCache()`);
    return this.decode(this.encodeImages(images), tokens, shape, cache, 'all');
  }

  /** Feed T more text positions per row after what `cache` holds; logits (B, T, V) of those positions. */
  extend(tokens: Indices, shape: readonly [number, number], cache: DecoderCache): Tensor {
    if (cache.length === 0) throw new Error('VLM.extend: the cache is empty; call prefill (images and prompt) first');
    return this.decode(null, tokens, shape, cache, undefined);
  }

  /** The decoder over [image tokens (when starting) ; text], from cache position `past` on. */
  private decode(
    img: Tensor | null,
    tokens: Indices,
    shape: readonly [number, number],
    cache: DecoderCache | undefined,
    promptLens: readonly number[] | 'all' | undefined,
  ): Tensor {
    const [B, T] = shape;
    const name = `VLM(${this.config.name})`;
    if (!Number.isInteger(B) || !Number.isInteger(T) || B < 1 || T < 1) throw new Error(`${name}: token shape [${B}, ${T}] must be positive integers`);
    if (tokens.length !== B * T) throw new Error(`${name}: ${tokens.length} token ids for shape [${B}, ${T}]`);
    const past = cache?.length ?? 0;
    const P = this.nImageTokens;
    const textPast = past === 0 ? 0 : past - P;
    if (textPast + T > this.config.maxTextLen) {
      throw new Error(`${name}: ${textPast + T} text positions exceed maxTextLen ${this.config.maxTextLen}`);
    }
    if (img !== null && img.shape[0] !== B) throw new Error(`${name}: ${img.shape[0]} images for ${B} token rows`);
    const cached = cache?.layers[0].k;
    if (cached && cached.shape[0] !== B) throw new Error(`${name}: ${B} token rows for a cache of ${cached.shape[0]} rows`);
    const text = this.tok.forward(tokens, [B, T]); // (B, T, C)
    let h = img === null ? text : concat([img, text], 1); // (B, L, C), L = T or P + T
    const L = h.shape[1];
    h = h.add(this.tpos.slice(1, past, past + L)); // (B, L, C)
    const mask = past === 0 ? this.startMask(B, T, promptLens) : maskRows(this.mask, past, past + L); // (…, L, past + L)
    this.decoder.items.forEach((blk, i) => {
      h = blk.forward(h, mask, cache?.layers[i]);
    });
    if (img !== null) h = h.slice(1, P, P + T); // (B, T, C): text positions only
    return this.head.forward(this.norm.forward(h)); // (B, T, V)
  }

  /**
   * The mask of a call that starts at position 0 (image + T text positions): the shared (L, L) corner
   * of `this.mask` under prefix 'image'; under 'image+prompt', (L, L) when every fed token is prompt
   * (prefill) and (B, 1, L, L), one prefix per row, when rows' prompts differ in length (forward).
   */
  private startMask(B: number, T: number, promptLens: readonly number[] | 'all' | undefined): Tensor {
    const P = this.nImageTokens;
    const L = P + T;
    if (this.config.prefix === 'image') return maskRows(this.mask, 0, L);
    if (promptLens === 'all') return prefixLmMask(L, 0, this.dtype);
    const name = `VLM(${this.config.name})`;
    if (promptLens === undefined) throw new Error(`${name}: forward needs promptLens (the prompt length of each row) under prefix 'image+prompt'`);
    if (promptLens.length !== B) throw new Error(`${name}: ${promptLens.length} promptLens for ${B} rows`);
    const rowMasks = new Map<number, Tensor>(); // one mask per distinct prompt length
    const rows = promptLens.map((n, b) => {
      if (!Number.isInteger(n) || n < 1 || n > T) throw new Error(`${name}: promptLens[${b}] = ${n}, expected an integer in [1, ${T}]`);
      let m = rowMasks.get(n);
      if (m === undefined) rowMasks.set(n, (m = prefixLmMask(P + n, T - n, this.dtype).reshape([1, 1, L, L])));
      return m;
    });
    return concat(rows, 0); // (B, 1, L, L)
  }
}

/** A frozen copy of `model` (same config and weights, no gradients): e.g. the KL reference policy. */
export function cloneVlm(model: VLM): VLM {
  const copy = new VLM(model.config, { dtype: model.dtype });
  noGrad(() => copy.loadStateDict(model.stateDict()));
  for (const p of copy.parameters()) p.requiresGrad = false;
  return copy;
}
