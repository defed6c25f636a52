/**
 * The pre-LN transformer block and its typed config:
 *   x ← x + attn(ln1(x), mask)
 *   x ← x + mlp(ln2(x))
 * This is torch.nn.TransformerEncoderLayer(d, H, M, dropout=0, activation="gelu", norm_first=True),
 * the anchor's block (shared/anchors/torch_vlm_step.py), under nanoGPT names: ln1 = norm1,
 * attn = self_attn (wq|wk|wv = in_proj, wo = out_proj), ln2 = norm2, mlp.fc1 = linear1, mlp.fc2 = linear2.
 *
 * Not here: stacks of blocks and masks (the model builds those). Reference: Xiong et al. 2020 (pre-LN);
 * nanoGPT Block.
 */
import type { DType, GeluApproximation, Rng, Tensor } from '../tensor/index.js';
import { Module } from './module.js';
import { LayerNorm, MLP } from './layers.js';
import { type KVCache, MultiHeadAttention } from './attention.js';

export interface BlockConfig {
  /** Model width d. */
  readonly dModel: number;
  /** Attention heads; d must be a multiple. */
  readonly nHeads: number;
  /** MLP hidden width (4d in GPT-2 and in the anchor: 512 for d = 128). */
  readonly mlpHidden: number;
  /** LayerNorm eps: 1e-5, PyTorch's default and TransformerEncoderLayer's layer_norm_eps. */
  readonly lnEps: number;
  /** 'none' (exact erf GELU): torch's activation="gelu", which the anchor uses. */
  readonly gelu: GeluApproximation;
}

export function checkBlockConfig(where: string, c: BlockConfig): void {
  for (const k of ['dModel', 'nHeads', 'mlpHidden'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`${where}: ${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.dModel % c.nHeads !== 0) throw new Error(`${where}: dModel ${c.dModel} is not a multiple of nHeads ${c.nHeads}`);
  if (!(c.lnEps >= 0) || !Number.isFinite(c.lnEps)) throw new Error(`${where}: lnEps must be a finite number ≥ 0, got ${c.lnEps}`);
  if (c.gelu !== 'none' && c.gelu !== 'tanh') throw new Error(`${where}: gelu must be 'none' or 'tanh', got '${String(c.gelu)}'`);
}

export class TransformerBlock extends Module {
  readonly ln1: LayerNorm;
  readonly attn: MultiHeadAttention;
  readonly ln2: LayerNorm;
  readonly mlp: MLP;

  constructor(config: BlockConfig, opts: { readonly rng: Rng; readonly dtype?: DType }) {
    super();
    checkBlockConfig('TransformerBlock', config);
    const { dModel: d, lnEps: eps } = config;
    // Names in forward order. LayerNorms draw nothing, so the rng is consumed by attn then mlp: the
    // order in which torch's layer initialises self_attn and linear1/linear2.
    this.ln1 = this.registerModule('ln1', new LayerNorm(d, { eps, dtype: opts.dtype }));
    this.attn = this.registerModule('attn', new MultiHeadAttention(d, config.nHeads, opts));
    this.ln2 = this.registerModule('ln2', new LayerNorm(d, { eps, dtype: opts.dtype }));
    this.mlp = this.registerModule('mlp', new MLP(d, config.mlpHidden, { ...opts, gelu: config.gelu }));
  }

  /** (B, T, C) → (B, T, C). */
  forward(x: Tensor, mask: Tensor | null, cache?: KVCache): Tensor {
    x = x.add(this.attn.forward(this.ln1.forward(x), mask, cache));
    return x.add(this.mlp.forward(this.ln2.forward(x)));
  }
}
