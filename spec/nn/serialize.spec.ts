// Saving and loading a module's parameters as safetensors: bit-exact round trips (float32 and float64, NaN
// payloads and −0 included), strict loading that names the offending tensor, corrupted and truncated
// files failing cleanly without touching the module.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSafetensors, saveSafetensors } from '../../src/io/safetensors.js';
import { loadModule, moduleFromBytes, moduleSpecs, moduleTensors, moduleToBytes, saveModule } from '../../src/nn/index.js';
import { TinyGpt } from './support.js';

const cfg = { vocab: 7, maxLen: 5, dModel: 8, nHeads: 2, nLayers: 2 };
const dir = mkdtempSync(join(tmpdir(), 'nn-serialize-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every parameter's bytes, for bit-exact comparison (NaN payloads and −0 compare by bits). */
const bits = (m: TinyGpt): number[][] => m.parameters().map((p) => Array.from(new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength)));
const values = (m: TinyGpt): number[][] => m.parameters().map((p) => Array.from(p.data));

describe('save → load', () => {
  it('round-trips bit-exactly through a file (float32), special values included, with metadata', () => {
    const a = new TinyGpt(cfg, 1);
    const w = a.head.weight.data as Float32Array;
    new Uint32Array(w.buffer, w.byteOffset, 3).set([0x7fc01234, 0x80000000, 0x00000001]); // a NaN payload, −0, the smallest subnormal
    const path = join(dir, 'a.safetensors');
    saveModule(a, path, { preset: 'tiny-gpt' });
    const b = new TinyGpt(cfg, 2);
    expect(bits(b)).not.toEqual(bits(a));
    expect(loadModule(b, path)).toEqual({ preset: 'tiny-gpt' });
    expect(bits(b)).toEqual(bits(a));
  });

  it('round-trips float64 modules as F64, and the file holds the dotted names with their shapes', () => {
    const a = new TinyGpt(cfg, 3, 'float64');
    const bytes = moduleToBytes(a);
    const file = loadSafetensors(bytes);
    expect(Object.keys(file.tensors).sort()).toEqual(a.namedParameters().map(([n]) => n).sort());
    expect(file.tensors['blocks.1.attn.wq.weight']).toMatchObject({ dtype: 'F64', shape: [8, 8] });
    const b = new TinyGpt(cfg, 4, 'float64');
    moduleFromBytes(b, bytes);
    expect(bits(b)).toEqual(bits(a));
  });
});

describe('load rejects a mismatched or corrupted file, naming the problem, and leaves the module unchanged', () => {
  const target = () => new TinyGpt(cfg, 9);
  function expectRejected(bytes: Uint8Array, message: string): void {
    const m = target();
    const before = values(m);
    const path = join(dir, 'bad.safetensors');
    writeFileSync(path, bytes);
    expect(() => loadModule(m, path)).toThrow(message);
    expect(values(m)).toEqual(before);
  }
  const good = () => moduleTensors(new TinyGpt(cfg, 1));

  it('a wrong shape', () => {
    const t = good();
    t['head.weight'] = { dtype: 'F32', shape: [8, 7], data: new Float32Array(56) };
    expectRejected(saveSafetensors(t), 'tensor "head.weight" has shape [8,7], expected [7,8]');
  });
  it('a wrong dtype', () => {
    const t = good();
    t['norm.bias'] = { dtype: 'F64', shape: [8], data: new Float64Array(8) };
    expectRejected(saveSafetensors(t), 'tensor "norm.bias" has dtype F64, expected F32');
  });
  it('a missing and an unexpected name', () => {
    const t = good();
    delete t['blocks.0.mlp.fc2.bias'];
    expectRejected(saveSafetensors(t), 'tensor "blocks.0.mlp.fc2.bias" is missing (expected F32 [8])');
    const u = good();
    u['blocks.2.ln1.weight'] = { dtype: 'F32', shape: [8], data: new Float32Array(8) };
    expectRejected(saveSafetensors(u), 'tensor "blocks.2.ln1.weight" is unexpected');
  });
  it('a truncated file and a corrupted header', () => {
    const bytes = moduleToBytes(new TinyGpt(cfg, 1));
    expectRejected(bytes.subarray(0, bytes.length - 4), 'truncated');
    const corrupt = bytes.slice();
    corrupt[10] = 0xff; // inside the JSON header: no longer valid UTF-8
    expectRejected(corrupt, 'header is not valid UTF-8');
    expectRejected(new Uint8Array(3), 'shorter than the 8-byte header length field');
  });
  it('errors from a file name the path', () => {
    const path = join(dir, 'short.safetensors');
    writeFileSync(path, new Uint8Array(3));
    expect(() => loadModule(target(), path)).toThrow(`loadSafetensorsFile: ${path}:`);
  });
  it('moduleSpecs lists what a file must hold, and the saved file matches it', () => {
    const m = new TinyGpt(cfg, 1);
    const path = join(dir, 'spec.safetensors');
    saveModule(m, path);
    const file = loadSafetensors(readFileSync(path), moduleSpecs(m));
    expect(Object.keys(file.tensors)).toHaveLength(m.namedParameters().length);
  });
});
