/**
 * Can a gpu.js mode run here, and if not, why: one probe per mode, each answering with the device it
 * found (adapter, renderer) or a reason that names the mode and says what to do about it.
 *
 *   webgpu      the `webgpu` package (Dawn) must load — its linux-x64 binary needs glibc ≥ 2.38 and
 *               libstdc++ with GLIBCXX_3.4.32 — and an adapter must answer (a Vulkan driver: libvulkan1
 *               plus the driver's ICD). When Dawn loads we install `navigator.gpu` (Node has no navigator),
 *               which is what gpu.js looks for.
 *   headlessgl  the `gl` native module must load and create a context; on Linux that needs an X display
 *               (`xvfb-run -a` is enough: Mesa's software rasterizer then does the work) and float textures.
 *   webasm      WebAssembly with SIMD (every Node ≥ 16.4).
 *   cpu         always.
 *
 * Probes are cached per process (loading Dawn or creating a GL context twice buys nothing). Not here:
 * choosing between modes and the fallback policy (factory.ts).
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { GpuMode } from './modes.js';

export type Probe =
  | { readonly mode: GpuMode; readonly ok: true; readonly device: string }
  | { readonly mode: GpuMode; readonly ok: false; readonly reason: string };

const require = createRequire(import.meta.url);
const cache = new Map<GpuMode, Promise<Probe>>();

export function probe(mode: GpuMode): Promise<Probe> {
  let p = cache.get(mode);
  if (!p) {
    p = PROBES[mode]().catch((e: unknown): Probe => ({ mode, ok: false, reason: `${mode}: probe failed: ${message(e)}` }));
    cache.set(mode, p);
  }
  return p;
}

const PROBES: Record<GpuMode, () => Promise<Probe>> = {
  webgpu: probeWebgpu,
  headlessgl: probeHeadlessgl,
  webasm: async () => probeWebasm(),
  cpu: async () => ({ mode: 'cpu', ok: true, device: `JavaScript on ${cpuModel()}` }),
};

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The C library this process runs on, e.g. "glibc 2.36" (from Node's diagnostic report). */
export function systemLibc(): string {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ? `glibc ${header.glibcVersionRuntime}` : 'no glibc (musl or not Linux)';
}

function cpuModel(): string {
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    // not Linux: fall through
  }
  return `${process.arch} CPU`;
}

// ── webgpu ────────────────────────────────────────────────────────────────────────────────────────────

interface DawnModule {
  create(flags: string[]): { requestAdapter(): Promise<DawnAdapter | null> };
  globals: Record<string, unknown>;
}
interface DawnAdapter {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
}

/** The highest GLIBC_x.y and GLIBCXX_3.4.z versions a shared object's symbol table asks for. */
export function requiredVersions(binary: string): { glibc: string | null; glibcxx: string | null } {
  const newer = (a: number[], b: number[]): boolean => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
    return false;
  };
  const max = (re: RegExp): string | null => {
    let best: number[] | null = null;
    for (const m of binary.matchAll(re)) {
      const v = m[1].split('.').map(Number);
      if (best === null || newer(v, best)) best = v;
    }
    return best ? best.join('.') : null;
  };
  return { glibc: max(/GLIBC_([0-9]+\.[0-9]+(?:\.[0-9]+)?)/g), glibcxx: max(/GLIBCXX_([0-9]+\.[0-9]+\.[0-9]+)/g) };
}

/**
 * Why the Dawn binary did not load, in words a user can act on. When the loader names the binary, its
 * symbol versions say what it needs (the loader itself stops at the first missing one).
 */
export function explainDawnLoadError(msg: string): string {
  const first = msg.split('\n')[0];
  if (/GLIBC(XX)?_[0-9.]+/.test(msg)) {
    const path = /required by ([^)]+)\)/.exec(msg)?.[1];
    let needs = first;
    if (path) {
      try {
        const req = requiredVersions(readFileSync(path).toString('latin1'));
        needs = [req.glibc && `glibc ${req.glibc}`, req.glibcxx && `libstdc++ GLIBCXX_${req.glibcxx}`].filter((s) => s).join(' and ');
      } catch {
        // unreadable: keep the loader's words
      }
    }
    return `webgpu: the Dawn binary needs ${needs} (this system has ${systemLibc()}); use a distribution with glibc ≥ 2.38 (Debian 13, Ubuntu 24.04) [loader: ${first}]`;
  }
  if (/Cannot find (module|package) 'webgpu'|ERR_MODULE_NOT_FOUND/.test(msg)) {
    return 'webgpu: the `webgpu` package is not installed (npm install webgpu)';
  }
  return `webgpu: the Dawn binary did not load: ${first}`;
}

let dawn: DawnModule | null = null;
let installedNavigator = false;

async function probeWebgpu(): Promise<Probe> {
  if (process.platform !== 'linux' && process.platform !== 'darwin' && process.platform !== 'win32') {
    return { mode: 'webgpu', ok: false, reason: `webgpu: the \`webgpu\` package has no Dawn binary for ${process.platform}` };
  }
  try {
    // A variable specifier keeps TypeScript from requiring the package's types (it is an optional
    // transitive dependency through gpu.js, and may be absent).
    const name = 'webgpu';
    dawn = (await import(name)) as DawnModule;
  } catch (e) {
    return { mode: 'webgpu', ok: false, reason: explainDawnLoadError(message(e)) };
  }
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (!g.navigator?.gpu) {
    Object.assign(globalThis, dawn.globals);
    const gpu = dawn.create([]);
    if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    else g.navigator = { gpu };
    installedNavigator = true;
  }
  const gpu = g.navigator?.gpu as { requestAdapter(): Promise<DawnAdapter | null> };
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    return {
      mode: 'webgpu',
      ok: false,
      reason:
        'webgpu: Dawn loaded but no adapter answered — install the Vulkan loader (libvulkan1) and your driver\'s ' +
        'ICD (/usr/share/vulkan/icd.d/*.json; for NVIDIA it ships with the driver), then check with `vulkaninfo --summary`',
    };
  }
  const info = adapter.info ?? {};
  const name = [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(' / ');
  return { mode: 'webgpu', ok: true, device: `Dawn adapter ${name || '(no adapter info)'}` };
}

/**
 * Drops the `navigator.gpu` we installed: Dawn keeps the process alive while it is referenced
 * (webgpu README, "Lifetime").
 */
export function releaseWebgpu(): void {
  if (!installedNavigator) return;
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator) delete g.navigator.gpu;
  installedNavigator = false;
  cache.delete('webgpu');
}

// ── headlessgl ────────────────────────────────────────────────────────────────────────────────────────

interface StackGl {
  getParameter(p: number): unknown;
  getExtension(name: string): { destroy?: () => void } | null;
  RENDERER: number;
  VERSION: number;
  MAX_TEXTURE_SIZE: number;
}

/** The GL driver library this process loaded (ANGLE hides the renderer string behind 'ANGLE'). */
function glDriver(): string {
  try {
    const libs = readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .map((l) => l.trim().split(/\s+/).pop() ?? '')
      .filter((p) => /(_dri\.so|libGLX_|libnvidia-glcore|libEGL_)/.test(p));
    const names = [...new Set(libs.map((p) => p.split('/').pop()))];
    if (names.some((n) => n?.startsWith('swrast_dri'))) return 'Mesa swrast_dri (llvmpipe software rasterizer)';
    if (names.some((n) => /nvidia/i.test(n ?? ''))) return `NVIDIA GL driver (${names.join(', ')})`;
    if (names.length > 0) return names.join(', ');
  } catch {
    // not Linux
  }
  return 'system OpenGL';
}

async function probeHeadlessgl(): Promise<Probe> {
  let create: (w: number, h: number, opts?: object) => StackGl | null;
  try {
    create = require('gl') as typeof create;
  } catch (e) {
    return {
      mode: 'headlessgl',
      ok: false,
      reason: `headlessgl: the \`gl\` native module did not load (${message(e).split('\n')[0]}) — install its build dependencies and rebuild it (npm rebuild gl)`,
    };
  }
  let ctx = create(2, 2, { preserveDrawingBuffer: true });
  if (!ctx && process.env.DISPLAY) {
    // Seen once under a loaded Xvfb with several test workers starting at the same moment: the first
    // context fails and the next succeeds. One retry keeps that from silently skipping a backend.
    await new Promise((resolve) => setTimeout(resolve, 250));
    ctx = create(2, 2, { preserveDrawingBuffer: true });
  }
  if (!ctx) {
    const display = process.env.DISPLAY;
    const reason =
      process.platform === 'linux' && !display
        ? 'headlessgl: no display — run under xvfb-run -a (an X server with GLX; Mesa\'s software rasterizer is enough)'
        : `headlessgl: the gl package could not create a context${display ? ` on DISPLAY=${display}` : ''}`;
    return { mode: 'headlessgl', ok: false, reason };
  }
  try {
    if (!ctx.getExtension('OES_texture_float')) {
      return { mode: 'headlessgl', ok: false, reason: 'headlessgl: the context has no OES_texture_float (single precision needs float textures)' };
    }
    const version = String(ctx.getParameter(ctx.VERSION));
    return { mode: 'headlessgl', ok: true, device: `${version}, ANGLE over ${glDriver()}` };
  } finally {
    ctx.getExtension('STACKGL_destroy_context')?.destroy?.();
  }
}

// ── webasm ────────────────────────────────────────────────────────────────────────────────────────────

// (module (func (result v128) (v128.const i32x4 0 0 0 0))): validates only where SIMD is supported.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x0b,
]);

function probeWebasm(): Probe {
  // Typed by src/tensor/cpu/webassembly.d.ts; a runtime may still lack the global.
  const wasm = typeof WebAssembly === 'undefined' ? undefined : WebAssembly;
  if (!wasm) return { mode: 'webasm', ok: false, reason: 'webasm: this runtime has no WebAssembly' };
  if (!wasm.validate(SIMD_PROBE)) {
    return { mode: 'webasm', ok: false, reason: 'webasm: this runtime\'s WebAssembly has no SIMD (Node ≥ 16.4 has it)' };
  }
  const threads = typeof SharedArrayBuffer === 'function' ? 'worker threads under async' : 'no threads';
  return { mode: 'webasm', ok: true, device: `WebAssembly f32x4 SIMD (${threads}) on ${cpuModel()}` };
}
