/**
 * The small layers: Linear, Embedding, LayerNorm, and the transformer MLP (Linear → GELU → Linear).
 * Weights use PyTorch's layouts (Linear weight is (out, in), y = x·Wᵀ + b) and default initialisations
 * (init.ts), so a state dict maps one-to-one onto the torch modules'.
 *
 * Not here: attention (attention.ts), the block (block.ts). Every layer takes a seeded `Rng`: no hidden
 * randomness. Reference: torch.nn.Linear / Embedding / LayerNorm; nanoGPT's MLP.
 */
import { type DType, type GeluApproximation, type Indices, type Rng, Tensor, embedding, layerNorm } from '../tensor/index.js';
import { Module, newParameter } from './module.js';
import { constantInit, linearBound, normalInit, uniformInit } from './init.js';

export interface LinearOptions {
  readonly rng: Rng;
  /** Add a bias (default true, as nn.Linear). */
  readonly bias?: boolean;
  /** float32 (default: the training dtype) or float64 (gradient checks). */
  readonly dtype?: DType;
  /** U(−b, b) bound of the weight; default PyTorch's 1/√in. */
  readonly weightBound?: number;
  /** U(−b, b) bound of the bias; default PyTorch's 1/√in; 0 gives zeros (MultiheadAttention's biases). */
  readonly biasBound?: number;
}

function checkDim(where: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${where}: ${name} must be a positive integer, got ${v}`);
}

/** Last axis of x must be `want`. */
function checkLastDim(where: string, x: Tensor, want: number): void {
  const got = x.ndim === 0 ? undefined : x.shape[x.ndim - 1];
  if (got !== want) throw new Error(`${where}: input last dim ${got ?? 'none'} (shape [${x.shape.join(', ')}]), expected ${want}`);
}

export class Linear extends Module {
  readonly weight: Tensor; // (out, in)
  readonly bias: Tensor | null; // (out)

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions,
  ) {
    super();
    checkDim('Linear', 'inFeatures', inFeatures);
    checkDim('Linear', 'outFeatures', outFeatures);
    const dtype = opts.dtype ?? 'float32';
    // Draw order as torch: the whole weight, then the bias.
    this.weight = this.registerParameter('weight', newParameter([outFeatures, inFeatures], dtype, uniformInit(opts.rng, opts.weightBound ?? linearBound(inFeatures))));
    this.bias = (opts.bias ?? true)
      ? this.registerParameter('bias', newParameter([outFeatures], dtype, uniformInit(opts.rng, opts.biasBound ?? linearBound(inFeatures))))
      : null;
  }

  /** (..., in) → (..., out), or (in) → (out). The transposed weight is a strided view: gemm packs it, nothing is copied. */
  forward(x: Tensor): Tensor {
    checkLastDim(`Linear(${this.inFeatures}→${this.outFeatures})`, x, this.inFeatures);
    if (x.ndim === 1) return this.forward(x.unsqueeze(0)).squeeze(0); // (in) → (1, in) → (out), as torch
    const y = x.matmul(this.weight.transpose()); // (..., out)
    return this.bias === null ? y : y.add(this.bias);
  }
}

export interface EmbeddingOptions {
  readonly rng: Rng;
  readonly dtype?: DType;
  /** Standard deviation of the N(0, std²) init; default 1 (nn.Embedding). */
  readonly std?: number;
}

export class Embedding extends Module {
  readonly weight: Tensor; // (V, D)

  constructor(
    readonly numEmbeddings: number,
    readonly dim: number,
    opts: EmbeddingOptions,
  ) {
    super();
    checkDim('Embedding', 'numEmbeddings', numEmbeddings);
    checkDim('Embedding', 'dim', dim);
    this.weight = this.registerParameter('weight', newParameter([numEmbeddings, dim], opts.dtype ?? 'float32', normalInit(opts.rng, opts.std ?? 1)));
  }

  /** ids laid out as `shape` (default [ids.length]) → (...shape, D). */
  forward(ids: Indices, shape: readonly number[] = [ids.length]): Tensor {
    for (let i = 0; i < ids.length; i++) {
      const v = ids[i];
      if (!Number.isInteger(v) || v < 0 || v >= this.numEmbeddings) {
        throw new Error(`Embedding(${this.numEmbeddings}×${this.dim}): ids[${i}] = ${v} is not a token id in [0, ${this.numEmbeddings})`);
      }
    }
    return embedding(this.weight, ids, shape);
  }
}

export interface LayerNormOptions {
  readonly dtype?: DType;
  /** Added to the variance; default 1e-5 (nn.LayerNorm). */
  readonly eps?: number;
}

export class LayerNorm extends Module {
  readonly weight: Tensor; // (D), init 1
  readonly bias: Tensor; // (D), init 0
  readonly eps: number;

  constructor(
    readonly dim: number,
    opts: LayerNormOptions = {},
  ) {
    super();
    checkDim('LayerNorm', 'dim', dim);
    this.eps = opts.eps ?? 1e-5;
    if (!(this.eps >= 0) || !Number.isFinite(this.eps)) throw new Error(`LayerNorm: eps must be a finite number ≥ 0, got ${this.eps}`);
    const dtype = opts.dtype ?? 'float32';
    this.weight = this.registerParameter('weight', newParameter([dim], dtype, constantInit(1)));
    this.bias = this.registerParameter('bias', newParameter([dim], dtype, constantInit(0)));
  }

  /** Normalise the last axis: (..., D) → (..., D). */
  forward(x: Tensor): Tensor {
    checkLastDim(`LayerNorm(${this.dim})`, x, this.dim);
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

export interface MlpOptions {
  readonly rng: Rng;
  readonly dtype?: DType;
  /** 'none' = exact erf GELU (torch's activation="gelu", the anchor's); 'tanh' = GPT-2's approximation. */
  readonly gelu?: GeluApproximation;
}

/** fc2(GELU(fc1(x))): (..., in) → (..., hidden) → (..., out); out defaults to in (the transformer MLP). */
export class MLP extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly gelu: GeluApproximation;

  constructor(inDim: number, hidden: number, opts: MlpOptions & { readonly outDim?: number }) {
    super();
    const lin = { rng: opts.rng, dtype: opts.dtype };
    this.fc1 = this.registerModule('fc1', new Linear(inDim, hidden, lin));
    this.fc2 = this.registerModule('fc2', new Linear(hidden, opts.outDim ?? inDim, lin));
    this.gelu = opts.gelu ?? 'none';
  }

  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.fc1.forward(x).gelu(this.gelu));
  }
}
