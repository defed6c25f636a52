// Choosing a backend (src/gpu/factory.ts): option over environment, G2RPO_BACKEND parsed in one place,
// explicit modes that cannot run throw an Error that says why (and what to do), fallback only when asked
// and logged once, auto reports its choice, and webgpu is refused by the synchronous seam with a reason.
// The "no display" message needs a process without DISPLAY, so that one runs in a child process.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { GpuBackend } from '../../src/gpu/backend.js';
import { BACKEND_ENV, createGpuBackend, createGpuRuntime, resolveMode, selectBackend } from '../../src/gpu/factory.js';
import { parseBackendChoice } from '../../src/gpu/modes.js';
import { explainDawnLoadError, requiredVersions } from '../../src/gpu/probe.js';
import { cpuBackend } from '../../src/tensor/cpu/backend.js';
import { BACKENDS } from './support.js';

const saved = process.env[BACKEND_ENV];
afterEach(() => {
  if (saved === undefined) delete process.env[BACKEND_ENV];
  else process.env[BACKEND_ENV] = saved;
});

const available = (mode: string): boolean => BACKENDS.some((b) => b.mode === mode && b.skip === null);
const headless = available('headlessgl');

describe('backend choice strings', () => {
  it('parses cpu, gpujs and gpujs:<mode>, and names the accepted forms otherwise', () => {
    expect(parseBackendChoice('cpu', 'x')).toEqual({ kind: 'reference' });
    expect(parseBackendChoice(' GPUJS ', 'x')).toEqual({ kind: 'gpujs', mode: 'auto' });
    expect(parseBackendChoice('gpujs:webasm', 'x')).toEqual({ kind: 'gpujs', mode: 'webasm' });
    expect(() => parseBackendChoice('gpujs:metal', `${BACKEND_ENV}=`)).toThrow(/G2RPO_BACKEND= 'gpujs:metal' is not a backend \(cpu, gpujs, gpujs:auto, gpujs:webgpu/);
    expect(() => parseBackendChoice('webgl', 'backend')).toThrow(/not a backend/);
  });
});

describe('createGpuBackend / selectBackend', () => {
  it('webgpu behind the synchronous seam throws, saying why (Dawn did not load here, or readback is async)', async () => {
    await expect(createGpuBackend({ mode: 'webgpu' })).rejects.toThrow(/^webgpu: (the Dawn binary needs|the `webgpu` package|found an adapter, but the tensor seam is synchronous)/);
  });

  it('fallback: true goes on down the order and logs the reason once per process', async () => {
    const lines: string[] = [];
    const log = (l: string): void => void lines.push(l);
    const a = await resolveMode({ mode: 'webgpu', fallback: true, log }, true);
    const b = await resolveMode({ mode: 'webgpu', fallback: true, log }, true);
    expect(a.mode).toBe(headless ? 'headlessgl' : 'webasm');
    expect(b.mode).toBe(a.mode);
    expect(a.skipped.map((s) => s.mode)).toEqual(headless ? ['webgpu'] : ['webgpu', 'headlessgl']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^gpu backend: falling back to ${a.mode}: webgpu: `));
  });

  it('auto picks the best available mode (webgpu > headlessgl > webasm > cpu) and reports it', async () => {
    const r = await resolveMode({ mode: 'auto', log: () => {} }, true);
    expect(r.mode).toBe(headless ? 'headlessgl' : 'webasm');
    expect(r.device.length).toBeGreaterThan(0);
    expect(r.skipped[0].mode).toBe('webgpu');
  });

  it('the option wins over G2RPO_BACKEND; without an option the variable decides', async () => {
    process.env[BACKEND_ENV] = 'gpujs:cpu';
    const fromEnv = await createGpuBackend();
    expect(fromEnv.name).toBe('gpujs:cpu');
    fromEnv.destroy();
    const fromOption = await createGpuBackend({ mode: 'webasm' });
    expect(fromOption.name).toBe('gpujs:webasm');
    fromOption.destroy();

    process.env[BACKEND_ENV] = 'cpu';
    expect(await selectBackend()).toBe(cpuBackend);
    const gpu = await selectBackend({ backend: 'gpujs:webasm' });
    expect(gpu).toBeInstanceOf(GpuBackend);
    expect(gpu.name).toBe('gpujs:webasm');
    (gpu as GpuBackend).destroy();

    process.env[BACKEND_ENV] = 'tpu';
    await expect(selectBackend()).rejects.toThrow(/G2RPO_BACKEND= 'tpu' is not a backend/);
  });

  it('createGpuRuntime accepts webasm threads (the async contract); the seam refuses them', async () => {
    const { runtime, mode } = await createGpuRuntime({ mode: 'webasm', threads: true });
    expect(mode).toBe('webasm');
    expect(runtime.async).toBe(true);
    runtime.destroy();
    await expect(createGpuBackend({ mode: 'webasm', threads: true })).rejects.toThrow(/threads need the async contract/);
  });

  it('headlessgl without a display says to run under xvfb-run (child process with DISPLAY unset)', () => {
    const env = { ...process.env };
    delete env.DISPLAY;
    const script = "import('./src/gpu/factory.ts').then((f) => f.createGpuBackend({ mode: 'headlessgl' })).then(() => console.log('ok'), (e) => console.log(e.message))";
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { env, encoding: 'utf8', cwd: process.cwd() }).trim();
    expect(out).toBe("headlessgl: no display — run under xvfb-run -a (an X server with GLX; Mesa's software rasterizer is enough)");
  });
});

describe('explaining a Dawn load failure', () => {
  it('reads the highest GLIBC and GLIBCXX versions a binary asks for', () => {
    const fake = 'xxGLIBC_2.17\0GLIBC_2.38\0GLIBC_2.4\0GLIBCXX_3.4.29\0GLIBCXX_3.4.32\0GLIBCXX_3.4.9';
    expect(requiredVersions(fake)).toEqual({ glibc: '2.38', glibcxx: '3.4.32' });
  });

  it('turns the loader message into what to install, and names a missing package', () => {
    expect(explainDawnLoadError("/lib/libstdc++.so.6: version `GLIBCXX_3.4.32' not found")).toMatch(/^webgpu: the Dawn binary needs .*GLIBCXX_3\.4\.32.* \(this system has (glibc [0-9.]+|no glibc)/);
    expect(explainDawnLoadError("Cannot find package 'webgpu' imported from x")).toBe('webgpu: the `webgpu` package is not installed (npm install webgpu)');
  });
});
