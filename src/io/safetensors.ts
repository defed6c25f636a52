/**
 * The safetensors format (Hugging Face, https://github.com/huggingface/safetensors): read and write.
 *
 *   bytes 0‥8        N, the header length, unsigned 64-bit little-endian
 *   bytes 8‥8+N      the header: UTF-8 JSON object
 *                      { "__metadata__": {string: string},          (optional)
 *                        "<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, … }
 *                    padded with spaces to a multiple of 8 bytes by the reference writer
 *   bytes 8+N‥       the data buffer: each tensor's elements, row-major, little-endian, at
 *                    [begin, end) relative to the start of the data buffer
 *
 * Writer, as the reference Rust writer (`safetensors::tensor::serialize`): tensors sorted by dtype
 * alignment, largest first (the order of its `Dtype` enum, reversed), then by name (bytewise UTF-8),
 * laid out back to back from offset 0; `__metadata__` first in the header (its keys sorted here, since
 * the reference's hash-map order is unspecified); compact JSON; spaces to a multiple of 8, so every
 * tensor starts 8-byte aligned in the file.
 *
 * Reader: checks everything the reference reader checks and a little more, each error naming the field:
 * a length field beyond the file, a header over 100 MB (the reference's limit), invalid UTF-8 or JSON,
 * a header not starting with '{', unknown dtypes and fields, shapes and offsets that are not integers ≥ 0,
 * a byte span that is not dtype size × Π shape, offsets past the data, tensors that overlap or leave a
 * gap, bytes after the last tensor, BOOL bytes other than 0/1, and (if given) a mismatch with the
 * expected names, dtypes and shapes. Data is copied out, so the returned arrays are aligned and do not
 * alias the input. Duplicate names: JSON.parse keeps the last one; the dropped entry's bytes then
 * belong to no tensor, and the gap check reports it (unless both entries are identical).
 *
 * Element arrays: F32 Float32Array, F64 Float64Array, I8/U8/I16/U16/I32/U32 their typed arrays,
 * BOOL Uint8Array (0/1), I64/U64 BigInt64Array/BigUint64Array (see `int64ToNumbers`), F16/BF16
 * Float32Array on load (exact); on save either a Float32Array (rounded to nearest even) or a
 * Uint16Array of raw bit patterns. Bytes are copied, never converted through JS numbers, so every
 * round trip is bit-exact, NaN payloads included.
 *
 * What it is not: a lazy/mmap reader, or the sharded `*.safetensors.index.json` layout.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomicSync } from './atomic.js';
import { decodeHalf, encodeHalf } from './half.js';

export type SafetensorsDtype = 'BOOL' | 'U8' | 'I8' | 'I16' | 'U16' | 'F16' | 'BF16' | 'I32' | 'U32' | 'F32' | 'F64' | 'I64' | 'U64';

export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** A tensor to save, or one loaded. */
export interface TensorRecord {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/** What `loadSafetensors` checks a tensor against. */
export interface TensorSpec {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
}

export interface SafetensorsContents {
  /** By name, in file (offset) order; a null-prototype object, so any name is safe. */
  readonly tensors: Record<string, TensorRecord>;
  /** `__metadata__`, or null when the file has none. */
  readonly metadata: Record<string, string> | null;
}

type ArrayCtor = { new (buffer: ArrayBuffer): TensorData; readonly name: string };

/** rank: the reference's Dtype enum order (its alignment order); size in bytes; storage array. */
const DTYPES: Readonly<Record<SafetensorsDtype, { rank: number; size: number; array: ArrayCtor }>> = {
  BOOL: { rank: 0, size: 1, array: Uint8Array },
  U8: { rank: 1, size: 1, array: Uint8Array },
  I8: { rank: 2, size: 1, array: Int8Array },
  I16: { rank: 3, size: 2, array: Int16Array },
  U16: { rank: 4, size: 2, array: Uint16Array },
  F16: { rank: 5, size: 2, array: Uint16Array },
  BF16: { rank: 6, size: 2, array: Uint16Array },
  I32: { rank: 7, size: 4, array: Int32Array },
  U32: { rank: 8, size: 4, array: Uint32Array },
  F32: { rank: 9, size: 4, array: Float32Array },
  F64: { rank: 10, size: 8, array: Float64Array },
  I64: { rank: 11, size: 8, array: BigInt64Array },
  U64: { rank: 12, size: 8, array: BigUint64Array },
};

/** Dtypes of the format that this module does not handle (named in the error). */
const UNSUPPORTED = new Set(['F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64']);

/** The reference reader's limit on the header length. */
export const MAX_HEADER_BYTES = 100_000_000;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isDtype(x: unknown): x is SafetensorsDtype {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, x);
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function shapeStr(shape: readonly unknown[]): string {
  return `[${shape.join(',')}]`;
}

/** Π shape, or -1 when a shape entry is not an integer ≥ 0 or the product is not a safe integer. */
function numel(shape: readonly unknown[]): number {
  let n = 1;
  for (const d of shape) {
    if (!isCount(d)) return -1;
    n *= d;
    if (!Number.isSafeInteger(n)) return -1;
  }
  return n;
}

/** Bytewise comparison of the UTF-8 encodings (Rust's `str` order), not JS's UTF-16 order. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The bytes to write for one tensor, after checking that the array fits the dtype and shape. */
function tensorBytes(name: string, t: TensorRecord): Uint8Array {
  const where = `saveSafetensors: tensor "${name}"`;
  if (t === null || typeof t !== 'object') throw new Error(`${where}: is ${String(t)}, expected {dtype, shape, data}`);
  if (!isDtype(t.dtype)) throw new Error(`${where}: dtype "${String(t.dtype)}" is not one of ${Object.keys(DTYPES).join(', ')}`);
  if (!Array.isArray(t.shape)) throw new Error(`${where}: shape is ${String(t.shape)}, expected an array of integers ≥ 0`);
  const n = numel(t.shape);
  if (n < 0) throw new Error(`${where}: shape ${shapeStr(t.shape)} must hold integers ≥ 0 with a safe-integer product`);
  const info = DTYPES[t.dtype];
  const half = t.dtype === 'F16' || t.dtype === 'BF16';
  const ok = half ? t.data instanceof Float32Array || t.data instanceof Uint16Array : t.data instanceof info.array;
  if (!ok) {
    const want = half ? 'Float32Array (rounded to nearest even) or Uint16Array (bit patterns)' : info.array.name;
    const got = ArrayBuffer.isView(t.data) ? t.data.constructor.name : String(t.data);
    throw new Error(`${where}: data is a ${got}, expected a ${want} for dtype ${t.dtype}`);
  }
  if (t.data.length !== n) {
    throw new Error(`${where}: data has ${t.data.length} elements, expected ${n} for shape ${shapeStr(t.shape)}`);
  }
  if (t.dtype === 'BOOL') checkBool(t.data as Uint8Array, where);
  const data = half && t.data instanceof Float32Array ? encodeHalf(t.data, t.dtype as 'F16' | 'BF16') : t.data;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function checkBool(a: Uint8Array, where: string): void {
  for (let i = 0; i < a.length; i++) {
    if (a[i] > 1) throw new Error(`${where}: BOOL element ${i} is ${a[i]}, expected 0 or 1`);
  }
}

/** Serialises tensors (and optional string metadata) to the bytes of a .safetensors file. */
export function saveSafetensors(
  tensors: Readonly<Record<string, TensorRecord>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  if (!LITTLE_ENDIAN) throw new Error('saveSafetensors: big-endian hosts are not supported (the format is little-endian)');
  if (tensors === null || typeof tensors !== 'object') throw new Error('saveSafetensors: tensors must be an object of {dtype, shape, data}');
  const entries = Object.keys(tensors).map((name) => {
    if (name === '__metadata__') throw new Error('saveSafetensors: tensor name "__metadata__" is reserved for the metadata');
    const t = tensors[name];
    return { name, t, bytes: tensorBytes(name, t) };
  });
  entries.sort((a, b) => DTYPES[b.t.dtype].rank - DTYPES[a.t.dtype].rank || compareUtf8(a.name, b.name));

  const parts: string[] = [];
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object') throw new Error('saveSafetensors: metadata must be an object of strings');
    const keys = Object.keys(metadata).sort(compareUtf8);
    for (const k of keys) {
      if (typeof metadata[k] !== 'string') throw new Error(`saveSafetensors: metadata["${k}"] is a ${typeof metadata[k]}, expected a string`);
    }
    parts.push(`"__metadata__":{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`);
  }
  let offset = 0;
  for (const { name, t, bytes } of entries) {
    const end = offset + bytes.byteLength;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8; // the reference pads with spaces to a multiple of 8
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const { bytes } of entries) {
    out.set(bytes, pos);
    pos += bytes.byteLength;
  }
  return out;
}

interface HeaderEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

function fail(msg: string): never {
  throw new Error(`loadSafetensors: ${msg}`);
}

/** Parses and validates a .safetensors file; with `expected`, the file must hold exactly those tensors. */
export function loadSafetensors(bytes: Uint8Array, expected?: Readonly<Record<string, TensorSpec>>): SafetensorsContents {
  if (!LITTLE_ENDIAN) fail('big-endian hosts are not supported (the format is little-endian)');
  if (!(bytes instanceof Uint8Array)) fail('bytes must be a Uint8Array');
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length field (truncated?)`);
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n64 > BigInt(bytes.length - 8)) {
    fail(`header length ${n64} is beyond the ${bytes.length - 8} bytes after the length field (truncated file?)`);
  }
  const n = Number(n64);
  if (n > MAX_HEADER_BYTES) fail(`header length ${n} is over the ${MAX_HEADER_BYTES}-byte limit`);
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail('header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail(`header must start with '{', found ${JSON.stringify(text.slice(0, 8))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  // valid JSON starting with '{' is an object
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;

  let metadata: Record<string, string> | null = null;
  const entries: HeaderEntry[] = [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('__metadata__ must be an object of strings');
      metadata = Object.create(null) as Record<string, string>;
      for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
        if (typeof s !== 'string') fail(`__metadata__["${k}"] is ${JSON.stringify(s)}, expected a string`);
        metadata[k] = s as string;
      }
      continue;
    }
    entries.push(parseEntry(name, v, dataLen));
  }

  // Tensors must tile the data buffer exactly: sorted by offsets, each begins where the previous ended.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let prev: HeaderEntry | null = null;
  for (const e of entries) {
    if (e.begin < cursor) {
      fail(`tensor "${e.name}" data_offsets [${e.begin},${e.end}] overlap tensor "${prev!.name}" [${prev!.begin},${prev!.end}]`);
    }
    if (e.begin > cursor) fail(`data bytes [${cursor},${e.begin}) belong to no tensor (gap before tensor "${e.name}")`);
    cursor = e.end;
    prev = e;
  }
  if (cursor !== dataLen) fail(`${dataLen - cursor} bytes after the last tensor's data (trailing data; the data buffer is ${dataLen} bytes)`);

  if (expected !== undefined) checkExpected(entries, expected);

  const tensors = Object.create(null) as Record<string, TensorRecord>;
  for (const e of entries) {
    const copy = new Uint8Array(e.end - e.begin);
    copy.set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    let data: TensorData = new DTYPES[e.dtype].array(copy.buffer);
    if (e.dtype === 'F16' || e.dtype === 'BF16') data = decodeHalf(data as Uint16Array, e.dtype);
    if (e.dtype === 'BOOL') checkBool(data as Uint8Array, `loadSafetensors: tensor "${e.name}"`);
    tensors[e.name] = { dtype: e.dtype, shape: e.shape, data };
  }
  return { tensors, metadata };
}

function parseEntry(name: string, v: unknown, dataLen: number): HeaderEntry {
  const where = `tensor "${name}"`;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`${where} must be an object {dtype, shape, data_offsets}`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') fail(`${where} has unknown field "${k}"`);
  }
  const { dtype, shape, data_offsets: offs } = o;
  if (dtype === undefined) fail(`${where} has no dtype`);
  if (!isDtype(dtype)) {
    const why = typeof dtype === 'string' && UNSUPPORTED.has(dtype) ? 'is not supported here' : 'is unknown';
    fail(`${where} dtype ${JSON.stringify(dtype)} ${why} (supported: ${Object.keys(DTYPES).join(', ')})`);
  }
  if (!Array.isArray(shape)) fail(`${where} shape is ${JSON.stringify(shape)}, expected an array of integers ≥ 0`);
  const count = numel(shape as unknown[]);
  if (count < 0) fail(`${where} shape ${JSON.stringify(shape)} must hold integers ≥ 0 with a safe-integer product`);
  if (!Array.isArray(offs) || offs.length !== 2 || !isCount(offs[0]) || !isCount(offs[1])) {
    fail(`${where} data_offsets is ${JSON.stringify(offs)}, expected [begin, end] integers ≥ 0`);
  }
  const [begin, end] = offs as [number, number];
  if (end < begin) fail(`${where} data_offsets [${begin},${end}] end before they begin`);
  const want = count * DTYPES[dtype as SafetensorsDtype].size;
  if (end - begin !== want) {
    fail(`${where} data_offsets [${begin},${end}] span ${end - begin} bytes, expected ${want} (${dtype} × shape ${shapeStr(shape as number[])})`);
  }
  if (end > dataLen) fail(`${where} data_offsets [${begin},${end}] run past the ${dataLen}-byte data buffer (truncated file?)`);
  return { name, dtype: dtype as SafetensorsDtype, shape: (shape as number[]).slice(), begin, end };
}

function checkExpected(entries: readonly HeaderEntry[], expected: Readonly<Record<string, TensorSpec>>): void {
  const found = new Map(entries.map((e) => [e.name, e]));
  for (const name of Object.keys(expected)) {
    const e = found.get(name);
    const spec = expected[name];
    if (e === undefined) fail(`tensor "${name}" is missing (expected ${spec.dtype} ${shapeStr(spec.shape)})`);
    else if (e.dtype !== spec.dtype) fail(`tensor "${name}" has dtype ${e.dtype}, expected ${spec.dtype}`);
    else if (e.shape.length !== spec.shape.length || e.shape.some((d, i) => d !== spec.shape[i])) {
      fail(`tensor "${name}" has shape ${shapeStr(e.shape)}, expected ${shapeStr(spec.shape)}`);
    }
  }
  for (const e of entries) {
    if (!Object.prototype.hasOwnProperty.call(expected, e.name)) fail(`tensor "${e.name}" is unexpected (not among the ${Object.keys(expected).length} expected names)`);
  }
}

/** Writes a .safetensors file atomically (temp file in the same directory, fsync, rename). */
export function saveSafetensorsFile(
  path: string,
  tensors: Readonly<Record<string, TensorRecord>>,
  metadata?: Readonly<Record<string, string>>,
): void {
  writeFileAtomicSync(path, saveSafetensors(tensors, metadata));
}

/** Reads and validates a .safetensors file; errors name the path. */
export function loadSafetensorsFile(path: string, expected?: Readonly<Record<string, TensorSpec>>): SafetensorsContents {
  const bytes = readFileSync(path);
  try {
    return loadSafetensors(bytes, expected);
  } catch (e) {
    throw new Error(`loadSafetensorsFile: ${path}: ${(e as Error).message.replace(/^loadSafetensors: /, '')}`, { cause: e });
  }
}

/** I64/U64 elements as float64 numbers, each checked to be within ±(2⁵³ − 1) so none is rounded. */
export function int64ToNumbers(a: BigInt64Array | BigUint64Array, field = 'data'): Float64Array {
  const out = new Float64Array(a.length);
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x > max || x < -max) throw new Error(`int64ToNumbers: ${field}[${i}] = ${x} is beyond ±(2^53 − 1), not exactly a number`);
    out[i] = Number(x);
  }
  return out;
}

/** Integers (each a safe integer) → BigInt64Array, for saving as I64. */
export function numbersToInt64(values: ArrayLike<number>, field = 'values'): BigInt64Array {
  const out = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isSafeInteger(x)) throw new Error(`numbersToInt64: ${field}[${i}] is ${x}, expected a safe integer`);
    out[i] = BigInt(x);
  }
  return out;
}
