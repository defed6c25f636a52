// F16 / BF16 ⇄ F32 bit conversions: exhaustive over the 16-bit patterns, and rounding checked against
// an independent nearest-value search (not the integer tricks of src/io/half.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bf16ToF32Bits, decodeHalf, encodeHalf, f16ToF32Bits, f32ToBf16Bits, f32ToF16Bits } from '../../src/io/half.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const bitsOf = (x: number): number => ((f32[0] = x), u32[0]);
const valueOf = (bits: number): number => ((u32[0] = bits), f32[0]);

/** binary16 by its definition: (−1)^s · 2^(e−15) · (1 + m/1024), subnormals 2^−14 · m/1024. */
function f16Value(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0x1f) return m === 0 ? s * Infinity : NaN;
  return e === 0 ? s * 2 ** -14 * (m / 1024) : s * 2 ** (e - 15) * (1 + m / 1024);
}
function bf16Value(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 7) & 0xff;
  const m = h & 0x7f;
  if (e === 0xff) return m === 0 ? s * Infinity : NaN;
  return e === 0 ? s * 2 ** -126 * (m / 128) : s * 2 ** (e - 127) * (1 + m / 128);
}

/** Nearest in a sorted table of non-negative values (index = bit pattern), ties to the even pattern. */
function nearest(table: readonly number[], x: number): number {
  let lo = 0;
  let hi = table.length - 1;
  if (x >= table[hi]) return hi;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (table[mid] <= x) lo = mid;
    else hi = mid;
  }
  const dl = x - table[lo];
  const dh = table[hi] - x;
  return dl < dh ? lo : dh < dl ? hi : lo % 2 === 0 ? lo : hi;
}
// non-negative binary16 values 0x0000…0x7bff, plus 0x7c00 standing for 2¹⁶ (where rounding goes to Inf)
const F16_TABLE = Array.from({ length: 0x7c01 }, (_, h) => (h === 0x7c00 ? 65536 : f16Value(h)));

describe('binary16 / bfloat16 codec', () => {
  it('F16 → F32 is exact for all 65536 patterns (against the definition), NaN payloads kept', () => {
    for (let h = 0; h < 0x10000; h++) {
      const bits = f16ToF32Bits(h);
      const v = f16Value(h);
      if (Number.isNaN(v)) {
        expect(bits & 0x7f800000).toBe(0x7f800000);
        expect(bits & 0x7fffff).toBe((h & 0x3ff) << 13);
        expect(bits >>> 31).toBe(h >>> 15);
      } else if (bits !== bitsOf(v)) {
        expect.fail(`0x${h.toString(16)} → 0x${bits.toString(16)}, expected 0x${bitsOf(v).toString(16)} (${v})`);
      }
    }
  });

  it('BF16 → F32 is exact for all 65536 patterns (against the definition)', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = bf16Value(h);
      const got = valueOf(bf16ToF32Bits(h));
      if (Number.isNaN(v)) expect(got).toBeNaN();
      else if (!Object.is(got, v)) expect.fail(`0x${h.toString(16)} → ${got}, expected ${v}`);
    }
  });

  it('16 → 32 → 16 bits is the identity for every F16 and BF16 pattern (so file round trips are bit-exact)', () => {
    const all = Uint16Array.from({ length: 0x10000 }, (_, i) => i);
    expect(encodeHalf(decodeHalf(all, 'F16'), 'F16')).toEqual(all);
    expect(encodeHalf(decodeHalf(all, 'BF16'), 'BF16')).toEqual(all);
  });

  it('F32 → F16 rounds to nearest, ties to even: every midpoint, its neighbours, and random floats', () => {
    const check = (x: number): void => {
      const bits = bitsOf(x);
      const h = f32ToF16Bits(bits);
      const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
      const want = sign | nearest(F16_TABLE, Math.abs(x)); // 0x7c00 (Inf) for |x| ≥ 65520
      if (h !== want) expect.fail(`${x} (0x${bits.toString(16)}) → 0x${h.toString(16)}, expected 0x${want.toString(16)}`);
    };
    for (let h = 0; h < 0x7c00; h++) {
      const mid = (F16_TABLE[h] + F16_TABLE[h + 1]) / 2; // exact in float32 (12 significant bits)
      for (const x of [mid, valueOf(bitsOf(mid) - 1), valueOf(bitsOf(mid) + 1), F16_TABLE[h]]) {
        check(x);
        check(-x);
      }
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (bits) => {
        if ((bits & 0x7f800000) !== 0x7f800000) check(valueOf(bits));
      }),
      { numRuns: 2000 },
    );
    for (const x of [65504, 65519.99, 65520, 1e10, Infinity, 2 ** -25, 2 ** -24, 1e-30, 0]) check(x);
  });

  it('F32 → BF16 rounds to nearest, ties to even (against a value-distance comparison)', () => {
    const check = (bits: number): void => {
      const x = valueOf(bits);
      const down = (bits & 0xffff0000) >>> 0; // truncation: the neighbour towards zero
      const up = down + 0x10000; // the neighbour away from zero (may be ±Inf's pattern)
      const dDown = Math.abs(x - valueOf(down));
      const upValue = (up & 0x7fffffff) === 0x7f800000 ? Math.sign(x) * 2 ** 128 : valueOf(up >>> 0);
      const dUp = Math.abs(upValue - x);
      const want = (dDown < dUp ? down : dUp < dDown ? up : (down >>> 16) % 2 === 0 ? down : up) >>> 16;
      const got = f32ToBf16Bits(bits);
      if (got !== want) expect.fail(`0x${bits.toString(16)} → 0x${got.toString(16)}, expected 0x${want.toString(16)}`);
    };
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7f80) === 0x7f80) continue; // Inf/NaN patterns
      for (const low of [0x8000, 0x7fff, 0x8001, 0x0000, 0xffff]) check(((h << 16) | low) >>> 0);
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (bits) => {
        if ((bits & 0x7f800000) !== 0x7f800000) check(bits);
      }),
      { numRuns: 2000 },
    );
  });

  it('a NaN never narrows to Inf, even when its payload lies only in the dropped bits', () => {
    for (const bits of [0x7f800001, 0xff800001, 0x7fc00000, 0x7f801000]) {
      expect(Number.isNaN(f16Value(f32ToF16Bits(bits)))).toBe(true);
      expect(Number.isNaN(bf16Value(f32ToBf16Bits(bits)))).toBe(true);
    }
    expect(f32ToF16Bits(0x7f800000)).toBe(0x7c00);
    expect(f32ToBf16Bits(0xff800000)).toBe(0xff80);
  });
});
