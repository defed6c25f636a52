// Attention forward and backward on the device (scores, masked softmax, and the five products, kept
// device-resident between kernels) against the float64 reference, on every backend available: causal
// and additive masks, T < S (a KV cache), T = 1, odd head widths. Bounds: attentionBounds in bounds.ts,
// a stage-by-stage first-order float32 analysis.
import fc from 'fast-check';
import { it } from 'vitest';
import { type AttentionShape, attentionBackward, attentionForward, attentionReference } from '../../src/gpu/kernels/attention.js';
import { attentionBounds } from './bounds.js';
import { eachBackend, expectWithin, host, normals, runtimeFor } from './support.js';

eachBackend('attention.spec', ({ mode, skip }) => {
  it.skipIf(skip !== null)('forward (out, P) and backward (dQ, dK, dV) match the float64 reference', async () => {
    const rt = runtimeFor(mode);
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          BH: fc.integer({ min: 1, max: 3 }),
          T: fc.integer({ min: 1, max: 7 }),
          extra: fc.integer({ min: 0, max: 4 }),
          dh: fc.integer({ min: 1, max: 9 }),
          causal: fc.boolean(),
          additive: fc.boolean(),
          seed: fc.nat(),
        }),
        async ({ BH, T, extra, dh, causal, additive, seed }) => {
          const S = T + extra;
          const a: AttentionShape = {
            BH, T, S, dh,
            scale: 1 / Math.sqrt(dh),
            mask: causal || additive ? { T, causal, additive: additive ? normals(T * S, seed + 9, (z) => (z > 1.2 ? -Infinity : 0.5 * z)) : null } : null,
          };
          const q = normals(BH * T * dh, seed);
          const k = normals(BH * S * dh, seed + 1);
          const v = normals(BH * S * dh, seed + 2);
          const dO = normals(BH * T * dh, seed + 3);
          const ref = attentionReference(a, q, k, v, dO);
          const bound = attentionBounds(a, q, k, v, dO);
          const f = await attentionForward(rt, a, q, k, v);
          const g = await attentionBackward(rt, a, q, k, v, f.probs, dO);
          const label = `${mode} attention BH=${BH} T=${T} S=${S} dh=${dh} causal=${causal} additive=${additive}`;
          expectWithin(`${label} out`, await host(rt, f.out, BH * T * dh), ref.out, bound.out);
          expectWithin(`${label} P`, await host(rt, f.probs, BH * T * S), ref.probs, bound.probs);
          expectWithin(`${label} dQ`, await host(rt, g.dq, BH * T * dh), ref.dq, bound.dq);
          expectWithin(`${label} dK`, await host(rt, g.dk, BH * S * dh), ref.dk, bound.dk);
          expectWithin(`${label} dV`, await host(rt, g.dv, BH * S * dh), ref.dv, bound.dv);
        },
      ),
      { numRuns: mode === 'headlessgl' ? 4 : 15 },
    );
  });
});
