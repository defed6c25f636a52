// Cross-language checks: Python reads our files, and we read a file Python wrote.
//  - with the `safetensors` package (the reference reader) when `python3 -c "import safetensors"` works;
//  - always (when numpy is there) with an independent reader/writer written below from the format notes
//    in ~20 lines of Python: struct for the length, json for the header, numpy for the little-endian data.
// Each check is skipped, with the reason printed, when its Python module is missing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSafetensors, saveSafetensors, saveSafetensorsFile, type TensorRecord } from '../../src/io/safetensors.js';

function python(code: string, args: string[] = []): { ok: boolean; out: string; err: string } {
  const r = spawnSync('python3', ['-c', code, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr ?? '') + (r.error?.message ?? '') };
}
const hasModule = (m: string): { ok: boolean; why: string } => {
  const r = python(`import ${m}`);
  return { ok: r.ok, why: r.ok ? '' : `python3 cannot import ${m}: ${r.err.trim().split('\n').at(-1)}` };
};
const numpy = hasModule('numpy');
const reference = hasModule('safetensors');
if (!numpy.ok) console.log(`[skip] numpy cross-check: ${numpy.why}`);
if (!reference.ok) console.log(`[skip] reference-reader check: ${reference.why}`);

const dir = mkdtempSync(join(tmpdir(), 'safetensors-py-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Values Python prints as text, one per element: repr of the float64 (or int), 'nan', 'inf', '-inf'.
const PRINT = `
def show(a):
    out = []
    for x in a.reshape(-1).tolist():
        if isinstance(x, float) and x != x: out.append('nan')
        elif isinstance(x, float) and x in (float('inf'), float('-inf')): out.append('inf' if x > 0 else '-inf')
        else: out.append(repr(x))
    return out
`;
const READ_INDEPENDENT = `
import json, struct, sys
import numpy as np
${PRINT}
raw = open(sys.argv[1], 'rb').read()
(n,) = struct.unpack('<Q', raw[:8])
header = json.loads(raw[8:8 + n].decode('utf-8'))
data = raw[8 + n:]
np_dtype = {'F64': '<f8', 'F32': '<f4', 'F16': '<f2', 'I64': '<i8', 'I32': '<i4', 'U8': 'u1', 'BOOL': 'u1'}
res = {'__metadata__': header.pop('__metadata__', None)}
for name, info in header.items():
    b, e = info['data_offsets']
    if info['dtype'] == 'BF16':
        a = (np.frombuffer(data[b:e], dtype='<u2').astype(np.uint32) << 16).view(np.float32)
    else:
        a = np.frombuffer(data[b:e], dtype=np_dtype[info['dtype']])
    a = a.reshape(info['shape'])
    res[name] = {'dtype': info['dtype'], 'shape': list(a.shape), 'values': show(a)}
print(json.dumps(res))
`;

/** Python prints repr(float) (shortest round-trip) or the int; compare as numbers, −0 kept. */
function samePrinted(py: string, ours: number | bigint): boolean {
  if (typeof ours === 'bigint') return py === ours.toString();
  if (Number.isNaN(ours)) return py === 'nan';
  if (ours === Infinity) return py === 'inf';
  if (ours === -Infinity) return py === '-inf';
  return Object.is(Number(py), ours);
}

const TENSORS: Record<string, TensorRecord> = {
  'w.f64': { dtype: 'F64', shape: [2, 3], data: Float64Array.of(0.1, -0, 5e-324, Infinity, -Infinity, NaN) },
  'w.f32': { dtype: 'F32', shape: [4], data: Float32Array.of(1, -2, 1e-45, 3.4028234663852886e38) },
  half: { dtype: 'F16', shape: [3], data: Float32Array.of(65504, 2 ** -24, -0.5) },
  brain: { dtype: 'BF16', shape: [2], data: Float32Array.of(1.5, -3) },
  ids: { dtype: 'I64', shape: [3], data: BigInt64Array.of(-(2n ** 63n), 0n, 2n ** 63n - 1n) },
  steps: { dtype: 'I32', shape: [], data: Int32Array.of(-7) },
  bytes: { dtype: 'U8', shape: [2, 2], data: Uint8Array.of(0, 1, 254, 255) },
  mask: { dtype: 'BOOL', shape: [2], data: Uint8Array.of(1, 0) },
};

describe('Python reads our files', () => {
  it.skipIf(!numpy.ok)('an independent struct/json/numpy reader sees our names, dtypes, shapes, values and metadata', () => {
    const path = join(dir, 'ours.safetensors');
    saveSafetensorsFile(path, TENSORS, { format: 'pt', note: 'G²RPO ✓' });
    const r = python(READ_INDEPENDENT, [path]);
    expect(r.err).toBe('');
    const got = JSON.parse(r.out) as Record<string, { dtype: string; shape: number[]; values: string[] }> & { __metadata__: Record<string, string> };
    expect(got.__metadata__).toEqual({ format: 'pt', note: 'G²RPO ✓' });
    const ours = loadSafetensors(readFileSync(path)).tensors;
    for (const [name, t] of Object.entries(TENSORS)) {
      expect(got[name].dtype, name).toBe(t.dtype);
      expect(got[name].shape, name).toEqual(t.shape);
      const mine = Array.from(ours[name].data as ArrayLike<number | bigint>);
      got[name].values.forEach((v, i) => expect(samePrinted(v, mine[i]), `${name}[${i}]: python ${v}, ours ${String(mine[i])}`).toBe(true));
    }
  });

  it.skipIf(!reference.ok)('the reference `safetensors` package loads our file with the same values', () => {
    const path = join(dir, 'ours-ref.safetensors');
    saveSafetensorsFile(path, TENSORS, { format: 'pt' });
    const r = python(
      `import json, sys\nfrom safetensors.numpy import load_file\nfrom safetensors import safe_open\n${PRINT}\n` +
        `t = load_file(sys.argv[1])\nm = safe_open(sys.argv[1], 'np').metadata()\n` +
        `print(json.dumps({'__metadata__': m, **{k: {'shape': list(v.shape), 'values': show(v.astype('float32') if v.dtype.name == 'bfloat16' else v)} for k, v in t.items()}}))`,
      [path],
    );
    expect(r.err).toBe('');
    const got = JSON.parse(r.out) as Record<string, { shape: number[]; values: string[] }>;
    const ours = loadSafetensors(readFileSync(path)).tensors;
    for (const [name, t] of Object.entries(TENSORS)) {
      expect(got[name].shape, name).toEqual(t.shape);
      const mine = Array.from(ours[name].data as ArrayLike<number | bigint>);
      got[name].values.forEach((v, i) => expect(samePrinted(v, mine[i]), `${name}[${i}]`).toBe(true));
    }
  });
});

describe('we read a file Python wrote', () => {
  it.skipIf(!numpy.ok)('an unpadded header in insertion order (not the reference order), written with json + numpy', () => {
    const path = join(dir, 'python.safetensors');
    const r = python(
      `import json, struct, sys\nimport numpy as np\n${PRINT}\n` +
        `arrs = {'z': np.array([[1.5, -0.0], [2**-1074, -np.inf]], dtype='<f8'), 'a': np.arange(6, dtype='<i4').reshape(3, 2) - 3, 'h': np.array([0.1, 1e4], dtype='<f2')}\n` +
        `header, off, blobs = {'__metadata__': {'by': 'numpy'}}, 0, []\n` +
        `for k, v in arrs.items():\n    b = v.tobytes(); header[k] = {'dtype': {'float64': 'F64', 'int32': 'I32', 'float16': 'F16'}[v.dtype.name], 'shape': list(v.shape), 'data_offsets': [off, off + len(b)]}; off += len(b); blobs.append(b)\n` +
        `h = json.dumps(header).encode()\nopen(sys.argv[1], 'wb').write(struct.pack('<Q', len(h)) + h + b''.join(blobs))\n` +
        `print(json.dumps({k: show(v.astype(np.float64) if v.dtype.name == 'float16' else v) for k, v in arrs.items()}))`,
      [path],
    );
    expect(r.err).toBe('');
    const values = JSON.parse(r.out) as Record<string, string[]>;
    const back = loadSafetensors(readFileSync(path), { z: { dtype: 'F64', shape: [2, 2] }, a: { dtype: 'I32', shape: [3, 2] }, h: { dtype: 'F16', shape: [2] } });
    expect(back.metadata).toEqual({ by: 'numpy' });
    for (const [name, printed] of Object.entries(values)) {
      const mine = Array.from(back.tensors[name].data as ArrayLike<number>);
      printed.forEach((v, i) => expect(samePrinted(v, mine[i]), `${name}[${i}]: python ${v}, ours ${mine[i]}`).toBe(true));
    }
  });
});

describe('file size', () => {
  it.skipIf(!numpy.ok)('Python sees 8 + N + Σ tensor bytes, N from the length field', () => {
    const bytes = saveSafetensors(TENSORS);
    const path = join(dir, 'size.safetensors');
    writeFileSync(path, bytes);
    const r = python('import os, struct, sys\nraw = open(sys.argv[1], "rb").read()\nprint(len(raw), struct.unpack("<Q", raw[:8])[0])', [path]);
    const [len, n] = r.out.trim().split(' ').map(Number);
    expect(len).toBe(bytes.length);
    const dataBytes = Object.values(TENSORS).reduce((s, t) => s + t.data.length * ({ F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, U8: 1, BOOL: 1 } as Record<string, number>)[t.dtype], 0);
    expect(8 + n + dataBytes).toBe(len);
  });
});
