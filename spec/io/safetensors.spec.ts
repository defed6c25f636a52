// safetensors: golden bytes derived by hand, the reference writer's layout, bit-exact round trips of
// every dtype, and a clean, named error for every class of corrupt file.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  int64ToNumbers,
  loadSafetensors,
  numbersToInt64,
  saveSafetensors,
  type SafetensorsDtype,
  type TensorData,
  type TensorRecord,
} from '../../src/io/safetensors.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const ascii = (b: Uint8Array): string => new TextDecoder().decode(b);
const bytesOf = (a: TensorData): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** A file from a header string (padded with spaces to a multiple of 8 unless told) and raw data bytes. */
function build(header: string, data: Uint8Array = new Uint8Array(0), pad = true): Uint8Array {
  const h = utf8(header);
  const n = pad ? Math.ceil(h.length / 8) * 8 : h.length;
  const out = new Uint8Array(8 + n + data.length).fill(0x20, 8, 8 + n);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(h, 8);
  out.set(data, 8 + n);
  return out;
}
function headerOf(file: Uint8Array): string {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  return ascii(file.subarray(8, 8 + n));
}

describe('saveSafetensors: layout', () => {
  it('golden file, derived by hand: one F32 tensor "w" = [1, −2]', () => {
    // header JSON: {"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}
    //   {=1 "w"=3 :=1 {=1 "dtype"=7 :=1 "F32"=5 ,=1 "shape"=7 :=1 [2]=3 ,=1 "data_offsets"=14 :=1 [0,8]=5 }}=2
    //   = 54 bytes, padded with 2 spaces to 56 = 0x38
    // data: 1.0f = 0x3F800000, −2.0f = 0xC0000000, little-endian
    const file = saveSafetensors({ w: { dtype: 'F32', shape: [2], data: Float32Array.of(1, -2) } });
    const expected = [
      0x38, 0, 0, 0, 0, 0, 0, 0,
      ...utf8('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'), 0x20, 0x20,
      0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0,
    ];
    expect(expected.length).toBe(72);
    expect(Array.from(file)).toEqual(expected);
    const back = loadSafetensors(file);
    expect(back.metadata).toBeNull();
    expect(back.tensors.w.dtype).toBe('F32');
    expect(back.tensors.w.shape).toEqual([2]);
    expect(Array.from(back.tensors.w.data as Float32Array)).toEqual([1, -2]);
  });

  it('matches the reference writer’s own test vectors (huggingface/safetensors, tensor.rs tests)', () => {
    const six = Float32Array.of(0, 1, 2, 3, 4, 5);
    // test_serialization: 64-byte JSON, already a multiple of 8, so no padding
    const a = saveSafetensors({ 'attn.0': { dtype: 'F32', shape: [1, 2, 3], data: six } });
    expect(a.length).toBe(8 + 64 + 24);
    expect(a[0]).toBe(64);
    expect(headerOf(a)).toBe('{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}');
    expect(Buffer.compare(a.subarray(72), bytesOf(six))).toBe(0);
    // test_serialization_forced_alignement: 65-byte JSON + 7 spaces = 72
    const b = saveSafetensors({ attn0: { dtype: 'F32', shape: [1, 1, 2, 3], data: six } });
    expect(b[0]).toBe(72);
    expect(headerOf(b)).toBe('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}' + ' '.repeat(7));
    // test_empty: "{}" + 6 spaces; with metadata {"framework": "pt"}: 35 bytes + 5 spaces
    expect(Array.from(saveSafetensors({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d, 32, 32, 32, 32, 32, 32]);
    const m = saveSafetensors({}, { framework: 'pt' });
    expect(m.length).toBe(48);
    expect(headerOf(m)).toBe('{"__metadata__":{"framework":"pt"}}     ');
  });

  it('orders tensors by dtype alignment (largest first), then name; offsets contiguous from 0', () => {
    const file = saveSafetensors(
      {
        a: { dtype: 'U8', shape: [3], data: Uint8Array.of(1, 2, 3) },
        b: { dtype: 'F64', shape: [1], data: Float64Array.of(1) },
        e: { dtype: 'F32', shape: [1], data: Float32Array.of(2) },
        c: { dtype: 'F32', shape: [2], data: Float32Array.of(3, 4) },
        d: { dtype: 'I64', shape: [], data: BigInt64Array.of(5n) },
        f: { dtype: 'BF16', shape: [1], data: Uint16Array.of(0x3f80) },
      },
      { z: '1', a: '2' },
    );
    expect(headerOf(file).trimEnd()).toBe(
      '{"__metadata__":{"a":"2","z":"1"},' +
        '"d":{"dtype":"I64","shape":[],"data_offsets":[0,8]},' +
        '"b":{"dtype":"F64","shape":[1],"data_offsets":[8,16]},' +
        '"c":{"dtype":"F32","shape":[2],"data_offsets":[16,24]},' +
        '"e":{"dtype":"F32","shape":[1],"data_offsets":[24,28]},' +
        '"f":{"dtype":"BF16","shape":[1],"data_offsets":[28,30]},' +
        '"a":{"dtype":"U8","shape":[3],"data_offsets":[30,33]}}',
    );
  });

  it('names sort by UTF-8 bytes (Rust’s order), not UTF-16 code units', () => {
    // U+FF01 (EF BC 81) < U+1F600 (F0 9F 98 80) in UTF-8, but '\u{1F600}' < '\uFF01' in UTF-16 (D83D < FF01)
    const t = (): TensorRecord => ({ dtype: 'U8', shape: [1], data: Uint8Array.of(0) });
    const h = headerOf(saveSafetensors({ '\u{1F600}': t(), '\uFF01': t() }));
    expect(h.indexOf('\uFF01')).toBeLessThan(h.indexOf('\u{1F600}'));
    expect('\u{1F600}' < '\uFF01').toBe(true); // the JS order would be the other one
  });

  it('every tensor starts at a file offset that is a multiple of its element size (property)', () => {
    const dtypes: SafetensorsDtype[] = ['U8', 'I16', 'F16', 'I32', 'F32', 'F64', 'I64'];
    fc.assert(
      fc.property(fc.array(fc.record({ name: fc.string({ maxLength: 6 }), d: fc.constantFrom(...dtypes), n: fc.nat(5) }), { maxLength: 8 }), (specs) => {
        const tensors: Record<string, TensorRecord> = {};
        for (const { name, d, n } of specs) tensors[`t${name}`] = { dtype: d, shape: [n], data: zeros(d, n) };
        const file = saveSafetensors(tensors);
        const n = Number(new DataView(file.buffer).getBigUint64(0, true));
        expect(n % 8).toBe(0);
        const header = JSON.parse(headerOf(file)) as Record<string, { dtype: SafetensorsDtype; data_offsets: [number, number] }>;
        for (const e of Object.values(header)) expect((8 + n + e.data_offsets[0]) % SIZE[e.dtype]).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});

const SIZE: Record<SafetensorsDtype, number> = { BOOL: 1, U8: 1, I8: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8 };
const STORE: Record<SafetensorsDtype, { new (n: number): TensorData }> = {
  BOOL: Uint8Array, U8: Uint8Array, I8: Int8Array, I16: Int16Array, U16: Uint16Array, F16: Uint16Array, BF16: Uint16Array,
  I32: Int32Array, U32: Uint32Array, F32: Float32Array, F64: Float64Array, I64: BigInt64Array, U64: BigUint64Array,
};
function zeros(d: SafetensorsDtype, n: number): TensorData {
  return new STORE[d](n);
}
/** A tensor of dtype d whose bytes are exactly `raw` (for halves: raw bit patterns in a Uint16Array). */
function fromBytes(d: SafetensorsDtype, raw: Uint8Array): TensorData {
  const a = zeros(d, raw.length / SIZE[d]);
  bytesOf(a).set(raw);
  return a;
}

describe('round trips', () => {
  it('are bit-exact for special values: ±0, subnormals, ±Inf, NaN payloads (signalling too), integer extremes', () => {
    const f32 = new Float32Array(8);
    new Uint32Array(f32.buffer).set([0x00000000, 0x80000000, 0x00000001, 0x807fffff, 0x7f800000, 0xff800000, 0x7fc00001, 0xff800123]);
    const f64 = new Float64Array(6);
    new BigUint64Array(f64.buffer).set([0x8000000000000000n, 0x0000000000000001n, 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000abcn, 0x7ff0000000000001n]);
    const tensors: Record<string, TensorRecord> = {
      f32: { dtype: 'F32', shape: [2, 4], data: f32 },
      f64: { dtype: 'F64', shape: [3, 2], data: f64 },
      i64: { dtype: 'I64', shape: [3], data: BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n, -1n) },
      u64: { dtype: 'U64', shape: [2], data: BigUint64Array.of(0n, 2n ** 64n - 1n) },
      i32: { dtype: 'I32', shape: [2], data: Int32Array.of(-(2 ** 31), 2 ** 31 - 1) },
      u32: { dtype: 'U32', shape: [1], data: Uint32Array.of(2 ** 32 - 1) },
      i16: { dtype: 'I16', shape: [2], data: Int16Array.of(-32768, 32767) },
      u16: { dtype: 'U16', shape: [1], data: Uint16Array.of(65535) },
      i8: { dtype: 'I8', shape: [2], data: Int8Array.of(-128, 127) },
      u8: { dtype: 'U8', shape: [4], data: Uint8Array.of(0, 1, 128, 255) },
      bool: { dtype: 'BOOL', shape: [2], data: Uint8Array.of(0, 1) },
      f16: { dtype: 'F16', shape: [6], data: Uint16Array.of(0x0000, 0x8000, 0x0001, 0x7c00, 0x7e01, 0xfc01) },
      bf16: { dtype: 'BF16', shape: [4], data: Uint16Array.of(0x8000, 0x0001, 0xff80, 0x7fc1) },
      scalar: { dtype: 'F32', shape: [], data: Float32Array.of(-0) },
      empty: { dtype: 'F64', shape: [0, 3], data: new Float64Array(0) },
    };
    const file = saveSafetensors(tensors, { note: 'ünïcode ✓', '': 'empty key' });
    const back = loadSafetensors(file);
    expect(back.metadata).toEqual({ note: 'ünïcode ✓', '': 'empty key' });
    for (const [name, t] of Object.entries(tensors)) {
      const got = back.tensors[name];
      expect(got.dtype, name).toBe(t.dtype);
      expect(got.shape, name).toEqual(t.shape);
      if (t.dtype === 'F16' || t.dtype === 'BF16') {
        expect(got.data, name).toBeInstanceOf(Float32Array); // widened exactly; bytes compared via re-save below
      } else {
        expect(got.data.constructor, name).toBe(t.data.constructor);
        expect(Buffer.compare(bytesOf(got.data), bytesOf(t.data)), name).toBe(0);
      }
    }
    const f16 = back.tensors.f16.data as Float32Array;
    expect([Object.is(f16[1], -0), f16[2], f16[3]]).toEqual([true, 2 ** -24, Infinity]);
    expect(Number.isNaN(f16[4]) && Number.isNaN(f16[5])).toBe(true);
    // saving what we loaded (halves as Float32Array) reproduces the file byte for byte
    expect(Buffer.compare(saveSafetensors(back.tensors, back.metadata!), file)).toBe(0);
  });

  it('load ∘ save is the identity on random tensors of every dtype, and save ∘ load on the bytes (property)', () => {
    const dtypes = Object.keys(SIZE) as SafetensorsDtype[];
    const tensorArb = fc.record({ d: fc.constantFrom(...dtypes), shape: fc.array(fc.nat(3), { maxLength: 3 }) }).chain(({ d, shape }) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const byte = d === 'BOOL' ? fc.integer({ min: 0, max: 1 }) : fc.integer({ min: 0, max: 255 });
      return fc.array(byte, { minLength: n * SIZE[d], maxLength: n * SIZE[d] }).map((raw) => ({ dtype: d, shape, data: fromBytes(d, Uint8Array.from(raw)) }));
    });
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 5 }).filter((s) => s !== '__metadata__'), tensorArb, { maxKeys: 6 }), (tensors) => {
        const file = saveSafetensors(tensors);
        const back = loadSafetensors(file);
        expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(tensors).sort());
        for (const [name, t] of Object.entries(tensors)) {
          expect(back.tensors[name].shape).toEqual(t.shape);
          if (t.dtype !== 'F16' && t.dtype !== 'BF16') expect(Buffer.compare(bytesOf(back.tensors[name].data), bytesOf(t.data))).toBe(0);
        }
        expect(Buffer.compare(saveSafetensors(back.tensors), file)).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('F16/BF16 from a Float32Array are rounded to nearest even on save', () => {
    // 1 + 2⁻¹¹ is halfway between the F16 neighbours 1 and 1 + 2⁻¹⁰: ties to even → 1 (0x3C00).
    // 1 + 3·2⁻¹¹ is halfway between 1 + 2⁻¹⁰ (odd mantissa) and 1 + 2⁻⁹: → 1 + 2⁻⁹ (0x3C02).
    const file = saveSafetensors({ h: { dtype: 'F16', shape: [3], data: Float32Array.of(1 + 2 ** -11, 1 + 3 * 2 ** -11, 70000) } });
    expect(Array.from(loadSafetensors(file).tensors.h.data as Float32Array)).toEqual([1, 1 + 2 ** -9, Infinity]);
    const bf = saveSafetensors({ b: { dtype: 'BF16', shape: [2], data: Float32Array.of(1 + 2 ** -8, 1 + 2 ** -7 + 2 ** -8) } });
    expect(Array.from(loadSafetensors(bf).tensors.b.data as Float32Array)).toEqual([1, 1 + 2 ** -6]);
  });

  it('odd names survive: quotes, backslashes, unicode, "__proto__", digits', () => {
    const names = ['a"b', 'c\\d', 'é.ü', '__proto__', '0', 'x\ny'];
    const tensors = Object.fromEntries(names.map((n, i) => [n, { dtype: 'I32', shape: [1], data: Int32Array.of(i) } as TensorRecord]));
    const back = loadSafetensors(saveSafetensors(tensors)).tensors;
    expect(Object.keys(back).sort()).toEqual([...names].sort());
    names.forEach((n, i) => expect((back[n].data as Int32Array)[0]).toBe(i));
    expect(Object.getPrototypeOf(back)).toBeNull();
  });

  it('int64ToNumbers / numbersToInt64 convert exactly or refuse', () => {
    expect(Array.from(int64ToNumbers(BigInt64Array.of(-3n, 2n ** 53n - 1n)))).toEqual([-3, 2 ** 53 - 1]);
    expect(() => int64ToNumbers(BigInt64Array.of(0n, 2n ** 53n), 'ids')).toThrow('int64ToNumbers: ids[1] = 9007199254740992 is beyond ±(2^53 − 1)');
    expect(numbersToInt64([1, -2])).toEqual(BigInt64Array.of(1n, -2n));
    expect(() => numbersToInt64([1, 2.5], 'ids')).toThrow('numbersToInt64: ids[1] is 2.5, expected a safe integer');
  });
});

describe('loadSafetensors: every corruption fails cleanly, naming the field', () => {
  // b: F32 [1] at [0,4], w: F32 [2] at [4,12]; header JSON 108 bytes → 112 padded; file 8 + 112 + 12 = 132 bytes
  const good = (): Uint8Array => saveSafetensors({ w: { dtype: 'F32', shape: [2], data: Float32Array.of(1, -2) }, b: { dtype: 'F32', shape: [1], data: Float32Array.of(3) } });
  const F32x2 = new Uint8Array(8);
  const cases: Array<[string, () => Uint8Array, string]> = [
    ['file shorter than 8 bytes', () => good().subarray(0, 5), 'file is 5 bytes, shorter than the 8-byte header length field'],
    ['header length beyond the file', () => {
      const f = good();
      new DataView(f.buffer).setBigUint64(0, 1000n, true);
      return f;
    }, 'header length 1000 is beyond the 124 bytes after the length field'],
    ['header length 2⁶⁴ − 1', () => {
      const f = good();
      new DataView(f.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
      return f;
    }, 'header length 18446744073709551615 is beyond'],
    ['truncated in the header', () => good().subarray(0, 30), 'header length 112 is beyond the 22 bytes'],
    ['truncated in the data', () => good().subarray(0, 8 + 112 + 10), 'tensor "w" data_offsets [4,12] run past the 10-byte data buffer (truncated file?)'],
    ['trailing data', () => Uint8Array.from([...good(), 1, 2, 3]), '3 bytes after the last tensor\'s data (trailing data'],
    ['invalid UTF-8', () => {
      const f = build('{"w":1}');
      f[10] = 0xff; // the "w"
      return f;
    }, 'header is not valid UTF-8'],
    ['not JSON', () => build('{"w": {"dtype": "F32",'), 'header is not valid JSON'],
    ['not an object', () => build('[1, 2]'), "header must start with '{', found \"[1, 2]"],
    ['a byte-order mark', () => build('\uFEFF{}'), "header must start with '{'"],
    ['unknown dtype', () => build('{"w":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}', F32x2), 'tensor "w" dtype "F33" is unknown'],
    ['unsupported dtype', () => build('{"w":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}}', F32x2), 'tensor "w" dtype "F8_E4M3" is not supported here'],
    ['missing dtype', () => build('{"w":{"shape":[2],"data_offsets":[0,8]}}', F32x2), 'tensor "w" has no dtype'],
    ['unknown field', () => build('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"strides":[1]}}', F32x2), 'tensor "w" has unknown field "strides"'],
    ['entry not an object', () => build('{"w":[0,8]}', F32x2), 'tensor "w" must be an object'],
    ['fractional shape', () => build('{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}', F32x2), 'tensor "w" shape [2.5] must hold integers ≥ 0'],
    ['negative shape', () => build('{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}', F32x2), 'tensor "w" shape [-2]'],
    ['shape not an array', () => build('{"w":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}', F32x2), 'tensor "w" shape is "2", expected an array'],
    ['overflowing shape', () => build('{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}', F32x2), 'tensor "w" shape [4294967296,4294967296] must hold integers ≥ 0 with a safe-integer product'],
    ['offsets of the wrong form', () => build('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}}', F32x2), 'tensor "w" data_offsets is [0], expected [begin, end]'],
    ['negative offsets', () => build('{"w":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}', F32x2), 'tensor "w" data_offsets is [-8,0], expected [begin, end] integers ≥ 0'],
    ['offsets reversed', () => build('{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}', F32x2), 'tensor "w" data_offsets [8,0] end before they begin'],
    ['span ≠ dtype × shape', () => build('{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', F32x2), 'tensor "w" data_offsets [0,8] span 8 bytes, expected 12 (F32 × shape [3])'],
    ['offsets past the data', () => build('{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}', F32x2), 'tensor "w" data_offsets [8,16] run past the 8-byte data buffer'],
    ['overlapping tensors', () => build('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', F32x2), 'tensor "b" data_offsets [4,8] overlap tensor "a" [0,8]'],
    ['a gap between tensors', () => build('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[6,8]}}', F32x2), 'data bytes [4,6) belong to no tensor (gap before tensor "b")'],
    ['a duplicate name (JSON keeps the last)', () => build('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', F32x2), 'data bytes [0,4) belong to no tensor'],
    ['metadata not an object', () => build('{"__metadata__":"pt"}'), '__metadata__ must be an object of strings'],
    ['metadata value not a string', () => build('{"__metadata__":{"epoch":3}}'), '__metadata__["epoch"] is 3, expected a string'],
    ['BOOL byte other than 0/1', () => build('{"m":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}}', Uint8Array.of(1, 2)), 'tensor "m": BOOL element 1 is 2, expected 0 or 1'],
  ];
  for (const [what, make, message] of cases) {
    it(`${what} → ${message}`, () => {
      expect(() => loadSafetensors(make())).toThrow(`loadSafetensors: ${message}`);
    });
  }

  it('unpadded headers from other writers load fine (padding is the writer’s choice, not required)', () => {
    const f = build('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', bytesOf(Float32Array.of(1, -2)), false);
    expect(Array.from(loadSafetensors(f).tensors.w.data as Float32Array)).toEqual([1, -2]);
  });

  it('random byte corruption never crashes with anything but a named Error (property)', () => {
    const file = saveSafetensors({ w: { dtype: 'F32', shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) }, i: { dtype: 'I64', shape: [1], data: BigInt64Array.of(7n) } }, { a: 'b' });
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.nat(file.length - 1), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }), fc.nat(file.length), (edits, cut) => {
        const f = file.slice(0, Math.max(cut, file.length - 3));
        for (const { at, value } of edits) if (at < f.length) f[at] = value;
        try {
          loadSafetensors(f);
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect((e as Error).message).toMatch(/^loadSafetensors: /);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('loadSafetensors: against expected names, dtypes and shapes', () => {
  const file = saveSafetensors({ 'blocks.0.attn.wq': { dtype: 'F32', shape: [4, 4], data: new Float32Array(16) }, bias: { dtype: 'F32', shape: [4], data: new Float32Array(4) } });
  it('accepts the exact set', () => {
    const back = loadSafetensors(file, { 'blocks.0.attn.wq': { dtype: 'F32', shape: [4, 4] }, bias: { dtype: 'F32', shape: [4] } });
    expect(Object.keys(back.tensors).sort()).toEqual(['bias', 'blocks.0.attn.wq']);
  });
  it('wrong shape', () => {
    expect(() => loadSafetensors(file, { 'blocks.0.attn.wq': { dtype: 'F32', shape: [8, 4] }, bias: { dtype: 'F32', shape: [4] } })).toThrow(
      'loadSafetensors: tensor "blocks.0.attn.wq" has shape [4,4], expected [8,4]',
    );
    expect(() => loadSafetensors(file, { 'blocks.0.attn.wq': { dtype: 'F32', shape: [16] }, bias: { dtype: 'F32', shape: [4] } })).toThrow('has shape [4,4], expected [16]');
  });
  it('wrong dtype', () => {
    expect(() => loadSafetensors(file, { 'blocks.0.attn.wq': { dtype: 'F32', shape: [4, 4] }, bias: { dtype: 'F64', shape: [4] } })).toThrow(
      'loadSafetensors: tensor "bias" has dtype F32, expected F64',
    );
  });
  it('missing name', () => {
    expect(() => loadSafetensors(file, { 'blocks.0.attn.wq': { dtype: 'F32', shape: [4, 4] }, bias: { dtype: 'F32', shape: [4] }, 'ln.g': { dtype: 'F32', shape: [4] } })).toThrow(
      'loadSafetensors: tensor "ln.g" is missing (expected F32 [4])',
    );
  });
  it('unexpected name', () => {
    expect(() => loadSafetensors(file, { 'blocks.0.attn.wq': { dtype: 'F32', shape: [4, 4] } })).toThrow('loadSafetensors: tensor "bias" is unexpected');
  });
});

describe('saveSafetensors: bad input is named', () => {
  const cases: Array<[string, Record<string, TensorRecord>, string]> = [
    ['array type ≠ dtype', { w: { dtype: 'F32', shape: [1], data: Float64Array.of(1) } }, 'tensor "w": data is a Float64Array, expected a Float32Array for dtype F32'],
    ['length ≠ Π shape', { w: { dtype: 'I32', shape: [2, 2], data: new Int32Array(3) } }, 'tensor "w": data has 3 elements, expected 4 for shape [2,2]'],
    ['unknown dtype', { w: { dtype: 'F128' as SafetensorsDtype, shape: [1], data: new Float64Array(1) } }, 'tensor "w": dtype "F128" is not one of'],
    ['bad shape', { w: { dtype: 'U8', shape: [-1], data: new Uint8Array(0) } }, 'tensor "w": shape [-1] must hold integers ≥ 0'],
    ['reserved name', { __metadata__: { dtype: 'U8', shape: [0], data: new Uint8Array(0) } }, 'tensor name "__metadata__" is reserved'],
    ['BOOL not 0/1', { m: { dtype: 'BOOL', shape: [1], data: Uint8Array.of(5) } }, 'tensor "m": BOOL element 0 is 5'],
    ['F16 from Float64Array', { h: { dtype: 'F16', shape: [1], data: Float64Array.of(1) } }, 'tensor "h": data is a Float64Array, expected a Float32Array (rounded to nearest even) or Uint16Array (bit patterns) for dtype F16'],
  ];
  for (const [what, tensors, message] of cases) {
    it(what, () => expect(() => saveSafetensors(tensors)).toThrow(`saveSafetensors: ${message}`));
  }
  it('metadata values must be strings', () => {
    expect(() => saveSafetensors({}, { epoch: 3 } as never)).toThrow('saveSafetensors: metadata["epoch"] is a number, expected a string');
  });
});
