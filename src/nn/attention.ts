/**
 * Multi-head scaled dot-product attention with an arbitrary additive mask and a key/value cache.
 *
 * Shape legend: B batch, T query positions, Tk key positions (= cached + T), C model width, H heads,
 * hd = C/H. Projections wq, wk, wv, wo are separate Linears (d → d); PyTorch's MultiheadAttention keeps
 * the first three stacked as in_proj_weight = cat(wq.weight, wk.weight, wv.weight) (3d, d) with
 * in_proj_bias = cat(biases), so the parameter count is the same (3d² + 3d + d² + d) and the mapping is a
 * concatenation. The initialisation mirrors MultiheadAttention's (init.ts): the xavier bound of the
 * stacked (3d, d) matrix for wq/wk/wv, nn.Linear's bound for wo, zero biases.
 *
 * KV cache: with a cache, the keys and values of the new positions are appended to it and the queries
 * attend over everything cached. Decoding a sequence in pieces through a cache gives the full forward's
 * result for those rows, provided the mask passed with each piece is the full mask's rows for those
 * positions (masks.ts `maskRows`): the masked-out columns contribute exp(−∞) = 0 in the full forward.
 *
 * Not here: the mask shapes themselves (masks.ts), dropout (none; the anchor uses dropout = 0).
 * Reference: Vaswani et al. 2017 §3.2; torch.nn.MultiheadAttention; nanoGPT CausalSelfAttention.
 */
import { type DType, type Rng, Tensor, allocStorage, concat } from '../tensor/index.js';
import { Module } from './module.js';
import { Linear } from './layers.js';
import { linearBound, xavierBound } from './init.js';

export interface AttentionOptions {
  readonly rng: Rng;
  readonly dtype?: DType;
}

/** Keys and values of the positions seen so far, for one attention layer: each (B, H, L, hd), contiguous. */
export class KVCache {
  k: Tensor | null = null;
  v: Tensor | null = null;

  /** Number of cached positions L. */
  get length(): number {
    return this.k === null ? 0 : this.k.shape[2];
  }

  /** Append (B, H, T, hd) keys and values; returns the whole (B, H, L + T, hd) keys and values. */
  append(k: Tensor, v: Tensor): [Tensor, Tensor] {
    if (this.k === null || this.v === null) {
      this.k = k.contiguous();
      this.v = v.contiguous();
    } else {
      const [B, H, , hd] = this.k.shape;
      if (k.shape[0] !== B || k.shape[1] !== H || k.shape[3] !== hd || k.dtype !== this.k.dtype) {
        throw new Error(`KVCache.append: keys [${k.shape.join(', ')}] ${k.dtype} do not extend the cache [${this.k.shape.join(', ')}] ${this.k.dtype}`);
      }
      this.k = concat([this.k, k], 2); // (B, H, L + T, hd)
      this.v = concat([this.v, v], 2);
    }
    return [this.k, this.v];
  }

  /**
   * Keep only the batch rows `rows` (in that order): used by sampling to drop finished sequences. Copies;
   * only for caches built without gradient (under noGrad).
   */
  selectRows(rows: readonly number[]): void {
    this.k = selectBatch(this.k, rows);
    this.v = selectBatch(this.v, rows);
  }
}

function selectBatch(t: Tensor | null, rows: readonly number[]): Tensor | null {
  if (t === null) return null;
  if (t.requiresGrad) throw new Error('KVCache.selectRows: the cache is part of a graph; select rows only in a cache built under noGrad');
  const [B, ...rest] = t.shape;
  const n = t.size / B;
  const src = t.data;
  const out = allocStorage(t.dtype, rows.length * n);
  rows.forEach((r, i) => {
    if (!Number.isInteger(r) || r < 0 || r >= B) throw new Error(`KVCache.selectRows: row ${r} is not in [0, ${B})`);
    out.set(src.subarray(r * n, (r + 1) * n), i * n);
  });
  return new Tensor(out, [rows.length, ...rest]);
}

export class MultiHeadAttention extends Module {
  readonly wq: Linear;
  readonly wk: Linear;
  readonly wv: Linear;
  readonly wo: Linear;
  readonly headDim: number;

  constructor(
    readonly dModel: number,
    readonly nHeads: number,
    opts: AttentionOptions,
  ) {
    super();
    if (!Number.isInteger(nHeads) || nHeads < 1 || !Number.isInteger(dModel) || dModel % nHeads !== 0) {
      throw new Error(`MultiHeadAttention: dModel ${dModel} must be a positive multiple of nHeads ${nHeads}`);
    }
    this.headDim = dModel / nHeads;
    const inProj = { rng: opts.rng, dtype: opts.dtype, weightBound: xavierBound(dModel, 3 * dModel), biasBound: 0 };
    this.wq = this.registerModule('wq', new Linear(dModel, dModel, inProj));
    this.wk = this.registerModule('wk', new Linear(dModel, dModel, inProj));
    this.wv = this.registerModule('wv', new Linear(dModel, dModel, inProj));
    const outProj = { rng: opts.rng, dtype: opts.dtype, weightBound: linearBound(dModel), biasBound: 0 };
    this.wo = this.registerModule('wo', new Linear(dModel, dModel, outProj));
  }

  /** (B, T, C) → (B, H, T, hd), a view. */
  private heads(x: Tensor, B: number, T: number): Tensor {
    return x.reshape([B, T, this.nHeads, this.headDim]).permute([0, 2, 1, 3]); // (B, H, T, hd)
  }

  /**
   * x (B, T, C) → (B, T, C). `mask`: additive, of x's dtype, shape (T, Tk) or anything that broadcasts to
   * (B, H, T, Tk); null attends everywhere. `cache`: append this call's keys/values and attend over all.
   */
  forward(x: Tensor, mask: Tensor | null, cache?: KVCache): Tensor {
    const where = `MultiHeadAttention(d=${this.dModel}, heads=${this.nHeads})`;
    if (x.ndim !== 3 || x.shape[2] !== this.dModel) {
      throw new Error(`${where}: input shape [${x.shape.join(', ')}], expected (B, T, ${this.dModel})`);
    }
    const [B, T, C] = x.shape;
    const q = this.heads(this.wq.forward(x), B, T).mul(1 / Math.sqrt(this.headDim)); // (B, H, T, hd)
    let k = this.heads(this.wk.forward(x), B, T); // (B, H, T, hd)
    let v = this.heads(this.wv.forward(x), B, T);
    if (cache !== undefined) [k, v] = cache.append(k, v); // (B, H, Tk, hd)
    const Tk = k.shape[2];
    let att = q.matmul(k.transpose()); // (B, H, T, Tk)
    if (mask !== null) {
      const ok = mask.ndim >= 2 && mask.shape[mask.ndim - 2] === T && mask.shape[mask.ndim - 1] === Tk;
      if (!ok) throw new Error(`${where}: mask shape [${mask.shape.join(', ')}], expected (…, ${T}, ${Tk}) for ${T} queries over ${Tk} keys`);
      if (mask.dtype !== x.dtype) throw new Error(`${where}: mask dtype ${mask.dtype}, expected ${x.dtype}`);
      att = att.add(mask);
    }
    const y = att.softmax(-1).matmul(v); // (B, H, T, hd)
    return this.wo.forward(y.transpose(1, 2).reshape([B, T, C])); // (B, T, H, hd) → (B, T, C)
  }
}
