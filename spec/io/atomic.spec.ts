// Atomic file replacement and the safetensors file helpers built on it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomicSync } from '../../src/io/atomic.js';
import { loadSafetensorsFile, saveSafetensorsFile } from '../../src/io/safetensors.js';

const root = mkdtempSync(join(tmpdir(), 'atomic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => {
  const d = join(root, `d${n++}`);
  mkdirSync(d);
  return d;
};

describe('writeFileAtomicSync', () => {
  it('creates, then replaces, a file and leaves no temp file behind', () => {
    const d = freshDir();
    const p = join(d, 'ckpt.bin');
    writeFileAtomicSync(p, Uint8Array.of(1, 2, 3));
    expect(Array.from(readFileSync(p))).toEqual([1, 2, 3]);
    writeFileAtomicSync(p, Uint8Array.of(9));
    expect(Array.from(readFileSync(p))).toEqual([9]);
    expect(readdirSync(d)).toEqual(['ckpt.bin']);
  });

  it('writes a subarray view exactly (its own bytes, not the whole underlying buffer)', () => {
    const d = freshDir();
    const big = Uint8Array.from({ length: 100 }, (_, i) => i);
    writeFileAtomicSync(join(d, 'v'), big.subarray(10, 14));
    expect(Array.from(readFileSync(join(d, 'v')))).toEqual([10, 11, 12, 13]);
  });

  it('on failure (the target is a directory) throws, keeps the target, removes the temp file', () => {
    const d = freshDir();
    const target = join(d, 'taken');
    mkdirSync(target);
    writeFileSync(join(target, 'inside'), 'x');
    expect(() => writeFileAtomicSync(target, Uint8Array.of(1))).toThrow(/^writeFileAtomicSync: .*taken: /);
    expect(readdirSync(d)).toEqual(['taken']);
    expect(readFileSync(join(target, 'inside'), 'utf8')).toBe('x');
  });

  it('a missing directory is reported as such', () => {
    expect(() => writeFileAtomicSync(join(root, 'no', 'such', 'f'), Uint8Array.of(1))).toThrow(/writeFileAtomicSync: .*f: cannot create a temp file/);
  });

  it('a writer killed at a random moment leaves the old file or the new one, whole, never a torn one', async () => {
    const d = freshDir();
    const target = join(d, 'model.safetensors');
    const oldBytes = new Uint8Array(1 << 20).fill(1);
    writeFileSync(target, oldBytes);
    const newLen = 16 << 20;
    // a child that keeps rewriting the file with 16 MiB of 2s until killed
    const code = `import { writeFileAtomicSync } from ${JSON.stringify(new URL('../../src/io/atomic.ts', import.meta.url).pathname)};
      const b = new Uint8Array(${newLen}).fill(2); process.stdout.write('go\\n');
      for (;;) writeFileAtomicSync(${JSON.stringify(target)}, b);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((res) => child.stdout!.once('data', () => res()));
    for (let k = 0; k < 5; k++) {
      await new Promise((r) => setTimeout(r, 40));
      const seen = readFileSync(target);
      const whole = (seen.length === oldBytes.length && seen.every((b) => b === 1)) || (seen.length === newLen && seen.every((b) => b === 2));
      expect(whole, `read ${seen.length} bytes`).toBe(true);
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const seen = readFileSync(target);
    expect(seen.length === oldBytes.length || seen.length === newLen).toBe(true);
    // a killed writer may leave its temp file: named .model.safetensors.<pid>.<n>.tmp, so it can be found
    for (const f of readdirSync(d)) expect(f === 'model.safetensors' || /^\.model\.safetensors\.\d+\.\d+\.tmp$/.test(f)).toBe(true);
  });
});

describe('saveSafetensorsFile / loadSafetensorsFile', () => {
  it('round trip through a file', () => {
    const p = join(freshDir(), 'w.safetensors');
    saveSafetensorsFile(p, { w: { dtype: 'F64', shape: [2], data: Float64Array.of(0.5, -0) } }, { step: '3' });
    const back = loadSafetensorsFile(p, { w: { dtype: 'F64', shape: [2] } });
    expect(back.metadata).toEqual({ step: '3' });
    expect(Object.is((back.tensors.w.data as Float64Array)[1], -0)).toBe(true);
  });

  it('load errors name the file and the problem', () => {
    const p = join(freshDir(), 'bad.safetensors');
    writeFileSync(p, Uint8Array.of(1, 2, 3));
    expect(() => loadSafetensorsFile(p)).toThrow(`loadSafetensorsFile: ${p}: file is 3 bytes, shorter than the 8-byte header length field`);
    saveSafetensorsFile(p, { w: { dtype: 'F32', shape: [1], data: Float32Array.of(1) } });
    expect(() => loadSafetensorsFile(p, { w: { dtype: 'F32', shape: [2] } })).toThrow(`loadSafetensorsFile: ${p}: tensor "w" has shape [1], expected [2]`);
    expect(existsSync(p)).toBe(true);
  });
});
