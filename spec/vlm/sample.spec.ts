// Sampling with the KV cache and teacher-forced log-probs: determinism from the seed; generation's
// log-probs and entropies equal the teacher-forced ones for the same tokens (whatever temperature and
// top-p drew them: both are the temperature-1 policy's); top-p keeps to the nucleus; temperature 0 is
// argmax; eos ends a response; tokenLogProbs' gradients; argument errors.
import { describe, expect, it } from 'vitest';
import { Rng, type Tensor, noGrad } from '../../src/tensor/index.js';
import { VLM, generate, sampleFromLogits, tokenLogProbs, topPFilter, type GenerateResult, type PrefixMode } from '../../src/vlm/index.js';
import { TOL, expectClose } from '../tensor/helpers.js';
import { expectParamGrads } from '../nn/support.js';
import { SMALL, images, randomIds } from './support.js';

/** A SMALL model whose distributions are far from uniform (so top-p and argmax have something to cut). */
function model(seed: number, dtype: 'float32' | 'float64' = 'float32', prefix: PrefixMode = SMALL.prefix): VLM {
  const m = new VLM({ ...SMALL, prefix }, { seed, dtype });
  const rng = new Rng(seed + 100);
  for (const p of m.parameters()) for (let i = 0; i < p.size; i++) p.data[i] += 0.1 * rng.normal();
  // Sharper logits: mean entropy ≈ 1.2 nats of ln 10 = 2.3, so samples vary but the nucleus cuts.
  for (let i = 0; i < m.head.weight.size; i++) m.head.weight.data[i] *= 3;
  return m;
}

const prompts = [[1, 4, 2], [1, 3], [1, 4, 5], [2]]; // three different prompt lengths
const rng0 = new Rng(0);
const img32 = images(prompts.length, SMALL, rng0);
const img64 = images(prompts.length, SMALL, rng0, 'float64');

/** Teacher-forced logits of every response position, as plain rows (float64). */
function teacherLogits(m: VLM, img: Tensor, res: GenerateResult): number[][][] {
  return noGrad(() =>
    prompts.map((p, b) => {
      const seq = [...p, ...res.tokens[b].slice(0, -1)];
      const one = img.slice(0, b, b + 1).contiguous();
      const logits = m.forward(one, seq, [1, seq.length], [p.length]).toArray();
      const V = SMALL.vocabSize;
      return res.tokens[b].map((_, t) => logits.slice((p.length - 1 + t) * V, (p.length + t) * V));
    }),
  );
}

describe('generate', () => {
  it('is deterministic for a seed, and another seed gives other samples', () => {
    const m = model(1);
    const run = (seed: number) => generate(m, img32, prompts, { maxNewTokens: 8, temperature: 1, topP: 0.95, rng: new Rng(seed), eosId: 0 });
    const a = run(7);
    const b = run(7);
    expect(b.tokens).toEqual(a.tokens);
    expect(b.logProbs).toEqual(a.logProbs);
    expect(b.entropies).toEqual(a.entropies);
    expect(run(8).tokens).not.toEqual(a.tokens);
  });

  it.each(['image', 'image+prompt'] as const)('KV-cached log-probs and entropies equal teacher-forced ones (float64: 1e-12; float32: 1e-5), at τ = 0.7, top-p 0.9; prefix %s', (prefix) => {
    // The same sequences, fed once through the cache and once in one forward: equal up to the rounding of
    // reordered sums (exact zeros added for masked keys, gemm's order per row unchanged), so TOL.float64 in
    // float64; in float32 the logits carry float32 rounding (≈ 6e-8 relative, |logits| ≲ 30), well
    // inside TOL.float32 (1e-5 abs + 1e-5 rel). The tempered, truncated draw does not change what is stored.
    for (const dtype of ['float64', 'float32'] as const) {
      const m = model(2, dtype, prefix);
      const img = dtype === 'float64' ? img64 : img32;
      const res = generate(m, img, prompts, { maxNewTokens: 9, temperature: 0.7, topP: 0.9, rng: new Rng(3), eosId: 0 });
      const tf = tokenLogProbs(m, img, prompts, res.tokens);
      const L = tf.shape[1];
      expect(L).toBe(Math.max(...res.tokens.map((t) => t.length)));
      const tol = TOL[dtype];
      prompts.forEach((_, b) => {
        const n = res.tokens[b].length;
        expectClose(res.logProbs[b], tf.logProbs.data.subarray(b * L, b * L + n), tol);
        expectClose(res.entropies[b], tf.entropies.data.subarray(b * L, b * L + n), tol);
        expect(Array.from(tf.mask.subarray(b * L, (b + 1) * L))).toEqual(Array.from({ length: L }, (_, t) => (t < n ? 1 : 0)));
        expect(Array.from(tf.logProbs.data.subarray(b * L + n, (b + 1) * L)).every((v) => v === 0)).toBe(true);
      });
    }
  });

  it('stored log-probs are the untempered policy\'s and entropies are −Σ p log p of the full distribution', () => {
    const m = model(4, 'float64');
    const res = generate(m, img64, prompts, { maxNewTokens: 5, temperature: 2.5, rng: new Rng(1) });
    const rows = teacherLogits(m, img64, res);
    prompts.forEach((_, b) => {
      res.tokens[b].forEach((y, t) => {
        const l = rows[b][t];
        const mx = Math.max(...l);
        const lse = mx + Math.log(l.reduce((s, z) => s + Math.exp(z - mx), 0));
        const p = l.map((z) => Math.exp(z - lse));
        expect(res.logProbs[b][t]).toBeCloseTo(l[y] - lse, 10);
        expect(res.entropies[b][t]).toBeCloseTo(-p.reduce((s, q, j) => s + q * (l[j] - lse), 0), 10);
      });
    });
  });

  it('temperature 0 is greedy: each token is the argmax of its teacher-forced logits (no rng needed)', () => {
    const m = model(5, 'float64');
    const res = generate(m, img64, prompts, { maxNewTokens: 6, temperature: 0 });
    const rows = teacherLogits(m, img64, res);
    prompts.forEach((_, b) => res.tokens[b].forEach((y, t) => expect(y).toBe(rows[b][t].indexOf(Math.max(...rows[b][t])))));
    expect(generate(m, img64, prompts, { maxNewTokens: 6, temperature: 0 }).tokens).toEqual(res.tokens);
  });

  it('top-p: every sampled token lies in the nucleus of its position\'s tempered distribution', () => {
    const m = model(6, 'float64');
    const topP = 0.6;
    const temperature = 0.8;
    const big = generate(m, img64, prompts, { maxNewTokens: 8, temperature, topP, rng: new Rng(2) });
    const rows = teacherLogits(m, img64, big);
    let outside = 0;
    let nucleusSmaller = 0;
    prompts.forEach((_, b) => big.tokens[b].forEach((y, t) => {
      const l = rows[b][t];
      const mx = Math.max(...l);
      const q = Float64Array.from(l, (z) => Math.exp((z - mx) / temperature));
      const kept = topPFilter(q, topP);
      if (kept[y] === 0) outside++;
      if (kept.filter((v) => v > 0).length < l.length) nucleusSmaller++;
    }));
    expect(outside).toBe(0);
    expect(nucleusSmaller).toBeGreaterThan(0); // the nucleus did cut something, so the check had teeth
  });

  it('eosId ends a response (kept as its last token); others run to maxNewTokens', () => {
    const m = model(7);
    const res = generate(m, img32, prompts, { maxNewTokens: 10, temperature: 1, rng: new Rng(5), eosId: 3 });
    prompts.forEach((_, b) => {
      const t = res.tokens[b];
      const i = t.indexOf(3);
      expect(res.finished[b]).toBe(i >= 0);
      if (i >= 0) expect(i).toBe(t.length - 1);
      else expect(t.length).toBe(10);
      expect(res.logProbs[b].length).toBe(t.length);
    });
    expect(res.finished.some((f) => f)).toBe(true);
  });

  it('rejects bad arguments, naming them', () => {
    const m = model(8);
    expect(() => generate(m, img32, prompts, { maxNewTokens: 3 })).toThrow('generate: rng is required when temperature > 0');
    expect(() => generate(m, img32, prompts, { maxNewTokens: 3, temperature: 0, topP: 0 })).toThrow('generate: topP must be in (0, 1], got 0');
    expect(() => generate(m, img32, prompts, { maxNewTokens: 3, temperature: -1 })).toThrow('temperature must be a finite number ≥ 0, got -1');
    expect(() => generate(m, img32, prompts, { maxNewTokens: 0, temperature: 0 })).toThrow('maxNewTokens must be a positive integer, got 0');
    expect(() => generate(m, img32, prompts, { maxNewTokens: 11, temperature: 0 })).toThrow('generate: promptIds[0] has 3 tokens; with maxNewTokens 11 that needs 13 text positions, over maxTextLen 12');
    expect(() => generate(m, img32, [[1], [], [1], [1]], { maxNewTokens: 2, temperature: 0 })).toThrow('generate: promptIds[1] is empty');
    expect(() => generate(m, img32, prompts.slice(1), { maxNewTokens: 2, temperature: 0 })).toThrow('generate: images shape [4, 3, 16, 16] for 3 prompts');
    expect(() => generate(m, img32, prompts, { maxNewTokens: 2, temperature: 0, eosId: 10 })).toThrow('generate: eosId 10 is not a token id in [0, 10)');
    expect(() => tokenLogProbs(m, img32, prompts, [[1], [2]])).toThrow('tokenLogProbs: 2 responses for 4 prompts');
    expect(() => tokenLogProbs(m, img32, prompts, prompts.map(() => randomIds(11, 10, new Rng(0))))).toThrow('tokenLogProbs: 13 text positions needed, over maxTextLen 12');
  });
});

describe('sampleFromLogits and topPFilter', () => {
  it('topPFilter keeps the smallest most-likely set reaching topP (ties: lower id first)', () => {
    const p = Float64Array.from([0.15, 0.5, 0.05, 0.3]);
    expect(Array.from(topPFilter(p, 0.5))).toEqual([0, 0.5, 0, 0]); // 0.5 alone reaches 0.5
    expect(Array.from(topPFilter(p, 0.75))).toEqual([0, 0.5, 0, 0.3]);
    expect(Array.from(topPFilter(p, 0.81))).toEqual([0.15, 0.5, 0, 0.3]);
    expect(Array.from(topPFilter(p, 1))).toEqual([0.15, 0.5, 0.05, 0.3]);
    expect(Array.from(topPFilter(Float64Array.from([0.25, 0.25, 0.25, 0.25]), 0.3))).toEqual([0.25, 0.25, 0, 0]);
  });

  it('draws from the renormalised nucleus: 4000 draws of p = (0.5, 0.3, 0.15, 0.05) at top-p 0.75 give tokens 0/1 at 5/8, 3/8', () => {
    const logits = [0.5, 0.3, 0.15, 0.05].map(Math.log);
    const rng = new Rng(11);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[sampleFromLogits(logits, { temperature: 1, topP: 0.75, rng }).token]++;
    expect(counts[2] + counts[3]).toBe(0);
    // Binomial(4000, 5/8): standard deviation ≈ 30.6; allow 5 of them (a false failure ~6e-7).
    expect(Math.abs(counts[0] - 2500)).toBeLessThan(5 * 30.6);
  });

  it('temperature sharpens the draw but not the stored log-prob (always log softmax(logits))', () => {
    const logits = [2, 1, 0];
    const lse = Math.log(Math.exp(2) + Math.exp(1) + 1);
    const s = sampleFromLogits(logits, { temperature: 0, topP: 1 });
    expect(s.token).toBe(0);
    expect(s.logProb).toBeCloseTo(2 - lse, 14);
    const rng = new Rng(3);
    let zeros = 0;
    for (let i = 0; i < 2000; i++) zeros += sampleFromLogits(logits, { temperature: 0.25, topP: 1, rng }).token === 0 ? 1 : 0;
    // At τ = 0.25, p(0) = e⁸/(e⁸ + e⁴ + 1) = 0.982; at τ = 1 it would be 0.665. 2000 draws: sd ≈ 6.
    expect(zeros).toBeGreaterThan(0.982 * 2000 - 30);
  });
});

describe('tokenLogProbs', () => {
  it('its log-probs and entropies have correct parameter gradients (float64, finite differences)', () => {
    const cfg = { ...SMALL, visionLayers: 1, dModel: 8, mlpHidden: 12 };
    const m = new VLM(cfg, { seed: 3, dtype: 'float64' });
    const rng = new Rng(4);
    for (const p of m.parameters()) for (let i = 0; i < p.size; i++) p.data[i] += 0.2 * rng.normal();
    const img = images(3, cfg, rng, 'float64');
    const pr = [[1, 2], [3], [4, 5, 6]];
    const resp = [[7, 8, 0], [9], []];
    expectParamGrads(m, () => tokenLogProbs(m, img, pr, resp).logProbs, 4);
    expectParamGrads(m, () => tokenLogProbs(m, img, pr, resp).entropies, 5);
  });

  it('all-empty responses give (B, 0) tensors', () => {
    const r = tokenLogProbs(model(1), img32, prompts, prompts.map(() => []));
    expect(r.shape).toEqual([4, 0]);
    expect(r.logProbs.shape).toEqual([4, 0]);
  });
});
