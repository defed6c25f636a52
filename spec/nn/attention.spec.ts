// Attention values against a loop-by-loop reference (heads split as PyTorch's MultiheadAttention: head h
// owns columns h·hd … h·hd + hd − 1), the masks' exact entries, and KV-cache decoding against the full
// forward (one position at a time and in chunks of several).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, Tensor, noGrad } from '../../src/tensor/index.js';
import { KVCache, MultiHeadAttention, causalMask, maskRows, prefixLmMask } from '../../src/nn/index.js';
import { TOL, expectClose } from '../tensor/helpers.js';
import { TinyGpt, input64 } from './support.js';

/** out = x·Wᵀ + b for one row. */
function affine(x: ArrayLike<number>, w: Tensor, b: Tensor): number[] {
  const [O, I] = w.shape;
  return Array.from({ length: O }, (_, o) => {
    let s = b.data[o];
    for (let i = 0; i < I; i++) s += w.data[o * I + i] * x[i];
    return s;
  });
}

/** Multi-head attention written out with loops (float64), mask (T, T) additive. */
function referenceAttention(a: MultiHeadAttention, x: Tensor, mask: Tensor | null): number[] {
  const [B, T, C] = x.shape;
  const H = a.nHeads;
  const hd = C / H;
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    const rows = Array.from({ length: T }, (_, t) => x.data.subarray((b * T + t) * C, (b * T + t + 1) * C));
    const q = rows.map((r) => affine(r, a.wq.weight, a.wq.bias!));
    const k = rows.map((r) => affine(r, a.wk.weight, a.wk.bias!));
    const v = rows.map((r) => affine(r, a.wv.weight, a.wv.bias!));
    for (let i = 0; i < T; i++) {
      const y = new Array<number>(C).fill(0);
      for (let h = 0; h < H; h++) {
        const s = Array.from({ length: T }, (_, j) => {
          let dot = 0;
          for (let c = h * hd; c < (h + 1) * hd; c++) dot += q[i][c] * k[j][c];
          return dot / Math.sqrt(hd) + (mask ? mask.data[i * T + j] : 0);
        });
        const m = Math.max(...s);
        const e = s.map((z) => Math.exp(z - m));
        const Z = e.reduce((p, z) => p + z, 0);
        for (let j = 0; j < T; j++) for (let c = h * hd; c < (h + 1) * hd; c++) y[c] += (e[j] / Z) * v[j][c];
      }
      out.push(...affine(y, a.wo.weight, a.wo.bias!));
    }
  }
  return out;
}

describe('attention values', () => {
  it('equals the loop reference under no mask, causal and prefix-LM masks (float64, tolerance 1e-12: a few dozen roundings)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.constantFrom(1, 2, 3), fc.nat(1000), (B, T, H, seed) => {
        const rng = new Rng(seed);
        const a = new MultiHeadAttention(2 * H, H, { rng, dtype: 'float64' });
        for (const l of [a.wq, a.wk, a.wv, a.wo]) for (let i = 0; i < l.bias!.size; i++) l.bias!.data[i] = 0.3 * rng.normal();
        const x = input64([B, T, 2 * H], rng, false);
        const P = Math.floor(T / 2);
        for (const mask of [null, causalMask(T, 'float64'), prefixLmMask(P, T - P, 'float64')]) {
          expectClose(a.forward(x, mask).data, referenceAttention(a, x, mask), TOL.float64);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('a key masked with −∞ has no influence on any output (changing its value changes nothing)', () => {
    const rng = new Rng(4);
    const a = new MultiHeadAttention(6, 3, { rng, dtype: 'float64' });
    const x = input64([1, 5, 6], rng, false);
    const y0 = Array.from(a.forward(x, causalMask(5, 'float64')).data);
    const x2 = new Tensor(x.data.slice(), x.shape);
    for (let c = 0; c < 6; c++) x2.data[4 * 6 + c] += 10; // the last position: masked for rows 0–3
    const y1 = Array.from(a.forward(x2, causalMask(5, 'float64')).data);
    expect(y1.slice(0, 4 * 6)).toEqual(y0.slice(0, 4 * 6)); // bit-identical: exp(−∞) = 0 exactly
    expect(y1.slice(4 * 6)).not.toEqual(y0.slice(4 * 6));
  });
});

describe('masks', () => {
  it('prefixLmMask is the anchor\'s: mask[:, P:] = −inf; mask[P:, P:] = triu(−inf, 1)', () => {
    const P = 3;
    const T = 4;
    const m = prefixLmMask(P, T);
    for (let i = 0; i < P + T; i++) {
      for (let j = 0; j < P + T; j++) {
        let want = 0;
        if (j >= P) want = -Infinity; // mask[:, P:] = −inf
        if (i >= P && j >= P) want = j - P > i - P ? -Infinity : 0; // mask[P:, P:] = triu(full(−inf), 1)
        expect(m.data[i * (P + T) + j]).toBe(want);
      }
    }
    expect(Array.from(causalMask(3).data)).toEqual([0, -Infinity, -Infinity, 0, 0, -Infinity, 0, 0, 0]);
  });

  it('maskRows(m, s, e) is rows s‥e−1, columns 0‥e−1', () => {
    const m = prefixLmMask(2, 3);
    const r = maskRows(m, 3, 5);
    expect(r.shape).toEqual([2, 5]);
    expect(r.toArray()).toEqual([0, 0, 0, 0, -Infinity, 0, 0, 0, 0, 0]);
  });

  it('maskRows refuses a piece that splits the bidirectional prefix (its keys would be missing, not masked)', () => {
    expect(() => maskRows(prefixLmMask(2, 3), 0, 1)).toThrow('maskRows: row 0 attends to position 1 ≥ 1, which is not fed yet');
    expect(maskRows(prefixLmMask(2, 3), 0, 2).shape).toEqual([2, 2]);
  });
});

describe('KV cache', () => {
  it('attention decoded in random chunks through a cache equals the full forward (float64, 1e-12)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 5 }), fc.nat(1000), (B, chunks, seed) => {
        const rng = new Rng(seed);
        const T = chunks.reduce((s, c) => s + c, 0);
        const a = new MultiHeadAttention(8, 2, { rng, dtype: 'float64' });
        const x = input64([B, T, 8], rng, false);
        const P = chunks.length > 1 ? chunks[0] : 0; // a bidirectional prefix is fed in one piece (the first)
        const mask = prefixLmMask(P, T - P, 'float64');
        const full = a.forward(x, mask);
        const cache = new KVCache();
        let at = 0;
        for (const n of chunks) {
          const y = a.forward(x.slice(1, at, at + n), maskRows(mask, at, at + n), cache);
          expectClose(y.data, full.slice(1, at, at + n).contiguous().data, TOL.float64);
          at += n;
        }
        expect(cache.length).toBe(T);
      }),
      { numRuns: 50 },
    );
  });

  it('a 2-layer float32 GPT decoded one token at a time equals its full causal forward', () => {
    // The cached path does the same arithmetic per row: gemm accumulates each dot product in double in
    // the same order whatever the number of rows, and the full forward's extra (masked) keys add exact
    // zeros. So the two agree to float32 rounding at worst; TOL.float32 (1e-5 abs + 1e-5 rel) allows that.
    const m = new TinyGpt({ vocab: 13, maxLen: 10, dModel: 16, nHeads: 4, nLayers: 2 }, 3);
    const rng = new Rng(9);
    const B = 3;
    const T = 10;
    const ids = Array.from({ length: B * T }, () => rng.int(13));
    noGrad(() => {
      const full = m.forward(ids, B, T); // (B, T, V)
      const caches = [new KVCache(), new KVCache()];
      for (let t = 0; t < T; t++) {
        const step = m.forward(Array.from({ length: B }, (_, b) => ids[b * T + t]), B, 1, caches); // (B, 1, V)
        expectClose(step.data, full.slice(1, t, t + 1).contiguous().data, TOL.float32);
      }
    });
  });

  it('selectRows keeps the chosen batch rows of the cache, in the given order', () => {
    const rng = new Rng(1);
    const a = new MultiHeadAttention(4, 2, { rng, dtype: 'float64' });
    const x = input64([3, 4, 4], rng, false);
    const mask = causalMask(4, 'float64');
    const full = a.forward(x, mask); // (3, 4, 4)
    const row = (t: Tensor, b: number, pos: number) => Array.from(t.slice(0, b, b + 1).slice(1, pos, pos + 1).contiguous().data);
    const cache = new KVCache();
    noGrad(() => a.forward(x.slice(1, 0, 3), maskRows(mask, 0, 3), cache));
    cache.selectRows([2, 0]);
    expect(() => noGrad(() => a.forward(x.slice(1, 3, 4), maskRows(mask, 3, 4), cache))).toThrow('KVCache.append: keys [3, 2, 1, 2]');
    const xs = new Tensor(Float64Array.from([...row(x, 2, 3), ...row(x, 0, 3)]), [2, 1, 4]); // position 3 of rows 2, 0
    const y = noGrad(() => a.forward(xs, maskRows(mask, 3, 4), cache));
    expectClose(y.data, [...row(full, 2, 3), ...row(full, 0, 3)], TOL.float64);
  });
});
