// Shared helpers for the nn specs: a gradient check of a module's parameters (in place, float64), and a
// tiny GPT built from the nn modules for the training, memory and cache specs.
import { expect } from 'vitest';
import { type DType, Rng, Tensor, crossEntropy, fromStorage, gradcheck, noGrad, randn } from '../../src/tensor/index.js';
import { Embedding, LayerNorm, Linear, Module, ModuleList, TransformerBlock, causalMask, maskRows, newParameter } from '../../src/nn/index.js';
import type { KVCache } from '../../src/nn/index.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/**
 * Check ∂⟨v, f()⟩/∂p for every parameter p of `m` along a random direction u, by central differences with
 * p perturbed in place (the module reads its own parameters, so they cannot be passed as inputs to the
 * core's gradcheck). Same step and tolerance as the core's gradcheck (src/tensor/gradcheck.ts, where they
 * are justified): h = 1e-6, |analytic − numeric| ≤ 1e-7·(S + |numeric|), S = Σ|v·y|. A wrong derivative
 * is off by O(S); float64 rounding gives ≲ 2e-8·S.
 */
export function expectParamGrads(m: Module, f: () => Tensor, seed = 0): void {
  const rng = new Rng(seed);
  const h = 1e-6;
  const tol = 1e-7;
  m.zeroGrad();
  const y = f();
  const v = randn(y.shape, rng, { dtype: 'float64' });
  const y0 = y.contiguous().data;
  let S = 0;
  for (let j = 0; j < y0.length; j++) S += Math.abs(v.data[j] * y0[j]);
  y.backward(v);
  for (const [name, p] of m.namedParameters()) {
    expect(p.dtype).toBe('float64');
    const u = randn(p.shape, rng, { dtype: 'float64' }).data;
    const analytic = p.grad === null ? 0 : dot(p.grad.data, u);
    const base = p.data.slice();
    const phi = (t: number): number =>
      noGrad(() => {
        for (let k = 0; k < base.length; k++) p.data[k] = base[k] + t * u[k];
        return dot(v.data, f().contiguous().data);
      });
    const numeric = (phi(h) - phi(-h)) / (2 * h);
    p.data.set(base);
    const err = Math.abs(analytic - numeric);
    if (!(err <= tol * (S + Math.abs(numeric)))) {
      expect.fail(`parameter ${name}: analytic ${analytic} vs numeric ${numeric} (error ${err.toExponential(2)}, allowed ${(tol * (S + Math.abs(numeric))).toExponential(2)})`);
    }
  }
  m.zeroGrad();
}

/** The core's gradcheck of f with respect to `inputs` (the module's own parameter grads are dropped after). */
export function expectInputGrads(m: Module, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], seed = 0): void {
  const r = gradcheck(f, inputs, { seed });
  m.zeroGrad();
  if (!r.ok) expect.fail(r.message);
}

/** A float64 N(0, 1) leaf. */
export function input64(shape: number[], rng: Rng, requiresGrad = true): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = rng.normal();
  return fromStorage(s, shape, { requiresGrad });
}

export interface TinyGptConfig {
  readonly vocab: number;
  readonly maxLen: number;
  readonly dModel: number;
  readonly nHeads: number;
  readonly nLayers: number;
}

/** A GPT of the nn modules: token + learned position embeddings, pre-LN blocks (causal), LN, head. */
export class TinyGpt extends Module {
  readonly tok: Embedding;
  readonly pos: Tensor;
  readonly blocks: ModuleList<TransformerBlock>;
  readonly norm: LayerNorm;
  readonly head: Linear;
  readonly mask: Tensor;

  constructor(readonly cfg: TinyGptConfig, seed = 0, dtype: DType = 'float32') {
    super();
    const rng = new Rng(seed);
    const d = cfg.dModel;
    this.tok = this.registerModule('tok', new Embedding(cfg.vocab, d, { rng, dtype }));
    this.pos = this.registerParameter('pos', newParameter([cfg.maxLen, d], dtype, (s) => {
      for (let i = 0; i < s.length; i++) s[i] = 0.1 * rng.normal();
    }));
    const block = { dModel: d, nHeads: cfg.nHeads, mlpHidden: 4 * d, lnEps: 1e-5, gelu: 'none' as const };
    this.blocks = this.registerModule('blocks', new ModuleList(Array.from({ length: cfg.nLayers }, () => new TransformerBlock(block, { rng, dtype }))));
    this.norm = this.registerModule('norm', new LayerNorm(d, { dtype }));
    this.head = this.registerModule('head', new Linear(d, cfg.vocab, { rng, dtype }));
    this.mask = causalMask(cfg.maxLen, dtype);
  }

  /** ids (B·T) → logits (B, T, V); with caches, positions continue after what they hold. */
  forward(ids: ArrayLike<number>, B: number, T: number, caches?: KVCache[]): Tensor {
    const past = caches?.[0].length ?? 0;
    let x = this.tok.forward(ids, [B, T]).add(this.pos.slice(0, past, past + T)); // (B, T, C)
    const mask = maskRows(this.mask, past, past + T);
    this.blocks.items.forEach((b, i) => {
      x = b.forward(x, mask, caches?.[i]);
    });
    return this.head.forward(this.norm.forward(x));
  }

  /** Mean next-token cross-entropy over a (B, T) batch of sequences. */
  loss(seqs: readonly (readonly number[])[]): Tensor {
    const B = seqs.length;
    const T = seqs[0].length - 1;
    const inp = seqs.flatMap((s) => s.slice(0, T));
    const tgt = seqs.flatMap((s) => s.slice(1));
    return crossEntropy(this.forward(inp, B, T), tgt);
  }
}
