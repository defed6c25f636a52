/**
 * IEEE 754 binary16 (F16) and bfloat16 (BF16) ⇄ binary32 conversion, on bit patterns.
 *
 * What it is: the codec safetensors' F16/BF16 tensors need (Node 20 has no Float16Array).
 * Widening (16 → 32 bits) is exact for every pattern; narrowing (32 → 16) rounds to nearest, ties to
 * even, overflowing to ±Inf and underflowing through the subnormals to ±0, like a hardware cast.
 * NaN payloads are kept (the top payload bits; a NaN never narrows to Inf), so any 16-bit pattern
 * survives 16 → 32 → 16 unchanged.
 *
 * Why bits and not numbers: reading a float32 NaN into a JS number may quiet or canonicalise it, so the
 * arrays are handled through Uint32Array views and integer arithmetic only.
 */

/** binary16 bits → binary32 bits (exact). */
export function f16ToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0; // ±Inf, NaN with its payload
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0; // bias 15 → 127
  if (mant === 0) return sign >>> 0; // ±0
  // subnormal: mant·2⁻²⁴; shift the leading 1 up to bit 10 to make it a normal binary32
  let e = 0;
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e++;
  }
  return (sign | ((113 - e) << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

/** binary32 bits → binary16 bits, round to nearest even. */
export function f32ToF16Bits(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const exp = (f >>> 23) & 0xff;
  const mant = f & 0x7fffff;
  if (exp === 0xff) {
    if (mant === 0) return sign | 0x7c00;
    const payload = mant >>> 13;
    return sign | 0x7c00 | (payload === 0 ? 0x200 : payload); // keep it a NaN
  }
  const e = exp - 112; // the binary16 biased exponent
  if (e >= 0x1f) return sign | 0x7c00; // ≥ 2¹⁶: beyond the largest finite binary16 even before rounding
  if (e <= 0) {
    // binary16 subnormal (or zero): the value in units of 2⁻²⁴ is m / 2^shift
    const shift = 14 - e;
    if (shift > 24) return sign; // < 2⁻²⁵: rounds to ±0 (binary32 subnormals land here too)
    const m = mant | 0x800000;
    const q = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (rem > half || (rem === half && (q & 1) === 1) ? q + 1 : q); // q + 1 may carry into the smallest normal: correct
  }
  const q = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  return sign | (rem > 0x1000 || (rem === 0x1000 && (q & 1) === 1) ? q + 1 : q); // a carry may reach 0x7c00 = Inf: correct
}

/** bfloat16 bits → binary32 bits (exact: bfloat16 is the top half of a binary32). */
export function bf16ToF32Bits(h: number): number {
  return (h << 16) >>> 0;
}

/** binary32 bits → bfloat16 bits, round to nearest even. */
export function f32ToBf16Bits(f: number): number {
  if ((f & 0x7f800000) === 0x7f800000 && (f & 0x7fffff) !== 0) {
    const top = f >>> 16;
    return (top & 0x7f) === 0 ? top | 0x40 : top; // a NaN whose payload sits in the dropped half stays NaN
  }
  // no NaN here, so f + 0x8000 < 2³²: the carry can at most turn the largest finite values into Inf
  return ((f + 0x7fff + ((f >>> 16) & 1)) >>> 16) & 0xffff;
}

export type HalfKind = 'F16' | 'BF16';

/** 16-bit patterns → Float32Array (exact). */
export function decodeHalf(bits: Uint16Array, kind: HalfKind): Float32Array {
  const out = new Float32Array(bits.length);
  const u = new Uint32Array(out.buffer);
  const widen = kind === 'F16' ? f16ToF32Bits : bf16ToF32Bits;
  for (let i = 0; i < bits.length; i++) u[i] = widen(bits[i]);
  return out;
}

/** Float32Array → 16-bit patterns (round to nearest even). */
export function encodeHalf(values: Float32Array, kind: HalfKind): Uint16Array {
  const u = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  const narrow = kind === 'F16' ? f32ToF16Bits : f32ToBf16Bits;
  for (let i = 0; i < u.length; i++) out[i] = narrow(u[i]);
  return out;
}
