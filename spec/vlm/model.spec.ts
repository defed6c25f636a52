// The compact VLM: the vlm-tiny preset has exactly the anchor's parameter count (counted by hand from
// torch's modules), presets and config validation, the prefix-LM mask's effect on the logits, gradients
// of the whole model in float64, and prefill/extend through the KV cache against the full forward.
import { describe, expect, it } from 'vitest';
import { Rng, Tensor, noGrad } from '../../src/tensor/index.js';
import { VLM, cloneVlm, getPreset, PRESET_NAMES, checkVlmConfig, imageTokens } from '../../src/vlm/index.js';
import { TOL, expectClose } from '../tensor/helpers.js';
import { expectParamGrads } from '../nn/support.js';
import { SMALL, images, randomIds } from './support.js';

describe('vlm-tiny mirrors the anchor (shared/anchors/torch_vlm_step.py)', () => {
  it('has the anchor\'s parameter count, 859,200, computed from torch\'s modules by hand', () => {
    const d = 128, M = 512, V = 64, P = 16, T = 32, patchDim = 8 * 8 * 3;
    // nn.TransformerEncoderLayer(d, 4, M, norm_first=True): self_attn.in_proj (3d×d + 3d), out_proj (d×d + d),
    // norm1 and norm2 (2d each), linear1 (d×M + M), linear2 (M×d + d).
    const layer = 3 * d * d + 3 * d + (d * d + d) + 2 * d + 2 * d + (d * M + M) + (M * d + d);
    const anchor =
      patchDim * d + d + // patch = nn.Linear(192, d)
      P * d + // vpos (1, P, d)
      2 * layer + // vision: 2 layers
      d * d + d + // proj
      V * d + // tok = nn.Embedding(V, d)
      (P + T) * d + // tpos (1, P + T, d)
      2 * layer + // decoder: 2 layers
      2 * d + // norm
      d * V + V; // head
    expect(anchor).toBe(859_200);
    const m = new VLM(getPreset('vlm-tiny'));
    expect(m.numParameters()).toBe(anchor);
    expect(imageTokens(m.config)).toBe(16);
  });

  it('names parameters after the anchor\'s modules, own parameters first (torch order)', () => {
    const names = new VLM(getPreset('vlm-tiny')).namedParameters().map(([n]) => n);
    expect(names.slice(0, 4)).toEqual(['vpos', 'tpos', 'patch.weight', 'patch.bias']);
    expect(names).toContain('vision.1.attn.wq.weight');
    expect(names).toContain('decoder.1.mlp.fc2.bias');
    expect(names.slice(-4)).toEqual(['norm.weight', 'norm.bias', 'head.weight', 'head.bias']);
    expect(names).toHaveLength(2 + 2 + 2 * 16 + 2 + 1 + 2 * 16 + 2 + 2);
  });
});

describe('presets and config validation', () => {
  it('getPreset rejects an unknown name, listing the valid ones', () => {
    expect(PRESET_NAMES).toEqual(['vlm-tiny', 'vlm-nano']);
    expect(() => getPreset('vlm-huge')).toThrow('getPreset: unknown preset "vlm-huge" (valid: vlm-tiny, vlm-nano)');
    expect(() => getPreset('toString')).toThrow('unknown preset "toString"');
  });
  it('vlm-nano is the 2-core training config: d 64, 4 heads, MLP 256, 1 vision and 2 decoder blocks, 48 text tokens', () => {
    const c = getPreset('vlm-nano');
    expect(c).toMatchObject({ dModel: 64, nHeads: 4, mlpHidden: 256, visionLayers: 1, decoderLayers: 2, maxTextLen: 48, vocabSize: 64 });
    // Smaller than vlm-tiny by about 4× in parameters (widths halve; one vision block fewer).
    const nano = new VLM(c).numParameters();
    expect(nano).toBeLessThan(859_200 / 3.5);
  });
  it('checkVlmConfig names the bad field', () => {
    expect(() => checkVlmConfig({ ...SMALL, patchSize: 5 })).toThrow('VlmConfig "small-test": patchSize 5 does not divide imageSize 16');
    expect(() => checkVlmConfig({ ...SMALL, nHeads: 3 })).toThrow('dModel 16 is not a multiple of nHeads 3');
    expect(() => checkVlmConfig({ ...SMALL, vocabSize: 0 })).toThrow('vocabSize must be a positive integer, got 0');
    expect(() => checkVlmConfig({ ...SMALL, posInit: 'sincos' as never })).toThrow("posInit must be one of zeros, normal, got 'sincos'");
    expect(() => checkVlmConfig({ ...SMALL, pixelStd: 0 })).toThrow('pixelStd must be a finite number > 0, got 0');
    expect(() => checkVlmConfig({ ...SMALL, pixelMean: NaN })).toThrow('pixelMean must be a finite number, got NaN');
  });
  it('normalises pixels as (x − pixelMean) / pixelStd before the patch embedding', () => {
    const rng = new Rng(3);
    const normalised = new VLM(SMALL, { seed: 1, dtype: 'float64' });
    const raw = new VLM({ ...SMALL, pixelMean: 0, pixelStd: 1 }, { seed: 1, dtype: 'float64' });
    const x = images(2, SMALL, rng, 'float64');
    const y = new Tensor(Float64Array.from(x.data, (v) => (v - SMALL.pixelMean) / SMALL.pixelStd), x.shape);
    noGrad(() => expectClose(normalised.encodeImages(x).data, raw.encodeImages(y).data, { atol: 1e-12, rtol: 0 })); // one rounding of x − m per pixel
    // …and the normalisation matters: the same raw pixels through the un-normalised model differ.
    const [unnormalised, withNorm] = noGrad(() => [raw.encodeImages(x).data, normalised.encodeImages(x).data]);
    expect(Math.max(...Array.from(unnormalised, (v, i) => Math.abs(v - withNorm[i])))).toBeGreaterThan(1e-3);
  });
  it('position embeddings start at zero in vlm-tiny (the anchor) and N(0, 1) in vlm-nano', () => {
    const rms = (t: { data: ArrayLike<number> }) => Math.sqrt(Array.from(t.data).reduce((a, x) => a + x * x, 0) / t.data.length);
    const tiny = new VLM(getPreset('vlm-tiny'));
    expect(rms(tiny.vpos)).toBe(0);
    expect(rms(tiny.tpos)).toBe(0);
    const nano = new VLM(getPreset('vlm-nano'));
    // 16·64 and 64·64 N(0, 1) draws: the sample rms is within 0.1 of 1 (≈ 4.5 standard errors of 1/√(2n)).
    expect(Math.abs(rms(nano.vpos) - 1)).toBeLessThan(0.1);
    expect(Math.abs(rms(nano.tpos) - 1)).toBeLessThan(0.1);
  });
});

describe('forward', () => {
  const rng = new Rng(0);
  const m = new VLM(SMALL, { seed: 1 });
  const B = 2;
  const T = 6;
  const img = images(B, SMALL, rng);
  const ids = randomIds(B * T, SMALL.vocabSize, rng);

  it('returns (B, T, V) logits for the text positions; rejects bad images, ids and lengths', () => {
    expect(noGrad(() => m.forward(img, ids, [B, T])).shape).toEqual([B, T, SMALL.vocabSize]);
    expect(() => m.forward(images(B, { ...SMALL, imageSize: 8 }, rng), ids, [B, T])).toThrow('VLM(small-test): images shape [2, 3, 8, 8], expected (B, 3, 16, 16)');
    expect(() => m.forward(img, [...ids.slice(1), 10], [B, T])).toThrow('Embedding(10×16): ids[11] = 10 is not a token id in [0, 10)');
    expect(() => m.forward(img, randomIds(B * 13, 10, rng), [B, 13])).toThrow('VLM(small-test): 13 text positions exceed maxTextLen 12');
    expect(() => m.forward(img, ids, [B, T - 1])).toThrow('12 token ids for shape [2, 5]');
  });

  it('text position t depends on text only up to t; with 2 decoder layers this also shows image tokens ignore text', () => {
    // If image rows attended to text, a later text token would change the image rows of layer 1, which
    // every text position reads in layer 2: earlier logits would move. They must stay bit-identical.
    const base = noGrad(() => m.forward(img, ids, [B, T])).toArray();
    for (const t of [1, 3, 5]) {
      const changed = ids.slice();
      changed[t] = (changed[t] + 1) % SMALL.vocabSize; // row 0, position t
      const out = noGrad(() => m.forward(img, changed, [B, T])).toArray();
      const V = SMALL.vocabSize;
      expect(out.slice(0, t * V)).toEqual(base.slice(0, t * V)); // row 0, positions < t: unchanged
      expect(out.slice(t * V, (t + 1) * V)).not.toEqual(base.slice(t * V, (t + 1) * V));
      expect(out.slice(T * V)).toEqual(base.slice(T * V)); // row 1 untouched
    }
  });

  it('every text position depends on the image', () => {
    const base = noGrad(() => m.forward(img, ids, [B, T])).toArray();
    const img2 = new Tensor(img.data.slice(), img.shape);
    img2.data[5] += 0.5; // one pixel of image 0
    const out = noGrad(() => m.forward(img2, ids, [B, T])).toArray();
    const V = SMALL.vocabSize;
    for (let t = 0; t < T; t++) expect(out.slice(t * V, (t + 1) * V)).not.toEqual(base.slice(t * V, (t + 1) * V));
  });

  it("prefix 'image+prompt': prompt positions see the whole prompt, response positions are causal, rows keep their own prefix", () => {
    const pm = new VLM({ ...SMALL, prefix: 'image+prompt' }, { seed: 1 });
    const lens = [3, 2]; // row 0: 3 prompt tokens, row 1: 2
    const V = SMALL.vocabSize;
    const base = noGrad(() => pm.forward(img, ids, [B, T], lens)).toArray();
    const moved = (out: number[], row: number, t: number) => out.slice((row * T + t) * V, (row * T + t + 1) * V).some((v, i) => v !== base[(row * T + t) * V + i]);
    // Change the last prompt token of row 0 (position 2): positions 0 and 1 see it (bidirectional prefix).
    const a = ids.slice();
    a[2] = (a[2] + 1) % V;
    const outA = noGrad(() => pm.forward(img, a, [B, T], lens)).toArray();
    for (let t = 0; t < T; t++) expect(moved(outA, 0, t)).toBe(true);
    // Change response token 4 of row 0: positions < 4 stay bit-identical (causal response, prefix blind to it).
    const b = ids.slice();
    b[4] = (b[4] + 1) % V;
    const outB = noGrad(() => pm.forward(img, b, [B, T], lens)).toArray();
    for (let t = 0; t < T; t++) expect(moved(outB, 0, t)).toBe(t >= 4);
    // Row 1's prefix is 2 long: its position 2 is response, so changing it leaves positions 0 and 1 alone.
    const c = ids.slice();
    c[T + 2] = (c[T + 2] + 1) % V;
    const outC = noGrad(() => pm.forward(img, c, [B, T], lens)).toArray();
    for (let t = 0; t < T; t++) expect(moved(outC, 1, t)).toBe(t >= 2);
    expect(() => pm.forward(img, ids, [B, T])).toThrow("VLM(small-test): forward needs promptLens (the prompt length of each row) under prefix 'image+prompt'");
    expect(() => pm.forward(img, ids, [B, T], [3])).toThrow('1 promptLens for 2 rows');
    expect(() => pm.forward(img, ids, [B, T], [3, 7])).toThrow('promptLens[1] = 7, expected an integer in [1, 6]');
  });
});

describe('gradients and the KV cache (float64)', () => {
  const cfg = { ...SMALL, visionLayers: 1, dModel: 8, mlpHidden: 12, maxTextLen: 5 };

  it('the whole model\'s parameter gradients match finite differences (patches, concat, slices, both masks)', () => {
    const rng = new Rng(3);
    const m = new VLM(cfg, { seed: 2, dtype: 'float64' });
    // Position embeddings and LayerNorms start at 0 and 1; move every parameter so gradients are generic.
    for (const p of m.parameters()) for (let i = 0; i < p.size; i++) p.data[i] += 0.2 * rng.normal();
    const img = images(2, cfg, rng, 'float64');
    const ids = randomIds(2 * 4, cfg.vocabSize, rng);
    expectParamGrads(m, () => m.forward(img, ids, [2, 4]), 3);
  });

  it('prefill then extend (one and several tokens) equals the full forward (1e-12: float64 rounding of reordered sums)', () => {
    const rng = new Rng(4);
    const m = new VLM(cfg, { seed: 5, dtype: 'float64' });
    for (const p of m.parameters()) for (let i = 0; i < p.size; i++) p.data[i] += 0.2 * rng.normal();
    const B = 3;
    const T = 5;
    const img = images(B, cfg, rng, 'float64');
    const ids = randomIds(B * T, cfg.vocabSize, rng);
    const cols = (t0: number, t1: number) => Array.from({ length: B }, (_, b) => ids.slice(b * T + t0, b * T + t1)).flat();
    noGrad(() => {
      const full = m.forward(img, ids, [B, T]);
      const want = (t0: number, t1: number) => full.slice(1, t0, t1).contiguous().data;
      const cache = m.newCache();
      expectClose(m.prefill(img, cols(0, 2), [B, 2], cache).data, want(0, 2), TOL.float64);
      expect(cache.length).toBe(imageTokens(cfg) + 2);
      expectClose(m.extend(cols(2, 3), [B, 1], cache).data, want(2, 3), TOL.float64);
      expectClose(m.extend(cols(3, 5), [B, 2], cache).data, want(3, 5), TOL.float64);
      expect(() => m.extend(cols(0, 1), [B, 1], cache)).toThrow('6 text positions exceed maxTextLen 5');
      expect(() => m.prefill(img, cols(0, 1), [B, 1], cache)).toThrow('VLM.prefill: the cache already holds 9 positions');
      expect(() => m.extend(cols(0, 1), [B, 1], m.newCache())).toThrow('VLM.extend: the cache is empty');
    });
  });

  it('cloneVlm copies the weights into a frozen model with identical outputs', () => {
    const rng = new Rng(6);
    const m = new VLM(cfg, { seed: 7 });
    for (const p of m.parameters()) for (let i = 0; i < p.size; i++) p.data[i] += 0.1 * rng.normal();
    const c = cloneVlm(m);
    expect(c.parameters().every((p) => !p.requiresGrad)).toBe(true);
    const img = images(1, cfg, rng);
    const ids = randomIds(3, cfg.vocabSize, rng);
    expect(noGrad(() => c.forward(img, ids, [1, 3])).toArray()).toEqual(noGrad(() => m.forward(img, ids, [1, 3])).toArray());
    expect(c.forward(img, ids, [1, 3]).requiresGrad).toBe(false);
  });
});
