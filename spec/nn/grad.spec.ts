// Module gradients against central finite differences in float64, for every parameter and the input:
// Linear, LayerNorm, MLP, multi-head attention under several additive masks (and with the mask itself as
// a differentiable input), and the pre-LN block. Tolerances: see expectParamGrads (support.ts) and the
// core's gradcheck header; both are the same justified bound.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Rng, Tensor } from '../../src/tensor/index.js';
import { LayerNorm, Linear, MLP, MultiHeadAttention, TransformerBlock, causalMask, prefixLmMask } from '../../src/nn/index.js';
import { expectInputGrads, expectParamGrads, input64 } from './support.js';

const RUNS = { numRuns: 25 };
const seedArb = fc.integer({ min: 0, max: 1_000_000 });

describe('module gradients (float64, finite differences)', () => {
  it('Linear with and without bias, over batch shapes of rank 1–3', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }), fc.boolean(), seedArb,
        (nin, nout, lead, bias, seed) => {
          const rng = new Rng(seed);
          const lin = new Linear(nin, nout, { rng, bias, dtype: 'float64' });
          const x = input64([...lead, nin], rng);
          expectParamGrads(lin, () => lin.forward(x.detach()), seed);
          expectInputGrads(lin, (v) => lin.forward(v), [x], seed);
        }),
      RUNS,
    );
  });

  it('LayerNorm (weight and bias perturbed away from 1 and 0)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), seedArb, (n, seed) => {
        const rng = new Rng(seed);
        const ln = new LayerNorm(n, { dtype: 'float64' });
        for (const p of ln.parameters()) for (let i = 0; i < p.size; i++) p.data[i] += 0.5 * rng.normal();
        const x = input64([2, 3, n], rng);
        expectParamGrads(ln, () => ln.forward(x.detach()), seed);
        expectInputGrads(ln, (v) => ln.forward(v), [x], seed);
      }),
      RUNS,
    );
  });

  it('MLP (Linear → exact GELU → Linear) and its tanh variant', () => {
    for (const gelu of ['none', 'tanh'] as const) {
      const rng = new Rng(3);
      const mlp = new MLP(4, 7, { rng, dtype: 'float64', gelu, outDim: 3 });
      const x = input64([2, 5, 4], rng);
      expectParamGrads(mlp, () => mlp.forward(x.detach()), 3);
      expectInputGrads(mlp, (v) => mlp.forward(v), [x], 3);
    }
  });

  it('attention with no mask, a causal mask, the prefix-LM mask and a random finite additive mask', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 6 }), fc.constantFrom(1, 2, 4), seedArb, (B, T, H, seed) => {
        const rng = new Rng(seed);
        const C = 2 * H;
        const attn = new MultiHeadAttention(C, H, { rng, dtype: 'float64' });
        const x = input64([B, T, C], rng);
        const P = Math.floor(T / 2);
        const masks: (Tensor | null)[] = [null, causalMask(T, 'float64'), prefixLmMask(P, T - P, 'float64'), input64([T, T], rng, false)];
        for (const mask of masks) {
          expectParamGrads(attn, () => attn.forward(x.detach(), mask), seed);
          expectInputGrads(attn, (v) => attn.forward(v, mask), [x], seed);
        }
      }),
      RUNS,
    );
  });

  it('attention: the gradient with respect to an arbitrary additive mask (per batch and head) is right', () => {
    const rng = new Rng(11);
    const attn = new MultiHeadAttention(6, 3, { rng, dtype: 'float64' });
    const x = input64([2, 4, 6], rng);
    const mask = input64([2, 3, 4, 4], rng); // (B, H, T, T): a different mask for every batch entry and head
    expectInputGrads(attn, (v, m) => attn.forward(v, m), [x, mask], 11);
  });

  it('pre-LN transformer block under the prefix-LM mask', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 2, max: 5 }), seedArb, (B, T, seed) => {
        const rng = new Rng(seed);
        const blk = new TransformerBlock({ dModel: 8, nHeads: 2, mlpHidden: 12, lnEps: 1e-5, gelu: 'none' }, { rng, dtype: 'float64' });
        // LayerNorm parameters start at 1 and 0; move them so their gradients are generic.
        for (const [n, p] of blk.namedParameters()) if (n.startsWith('ln')) for (let i = 0; i < p.size; i++) p.data[i] += 0.3 * rng.normal();
        const x = input64([B, T, 8], rng);
        const mask = prefixLmMask(1, T - 1, 'float64');
        expectParamGrads(blk, () => blk.forward(x.detach(), mask), seed);
        expectInputGrads(blk, (v) => blk.forward(v, mask), [x], seed);
      }),
      { numRuns: 15 },
    );
  });
});
