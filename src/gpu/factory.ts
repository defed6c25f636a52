/**
 * Choosing a backend: the one place that reads the G2RPO_BACKEND environment variable.
 *
 *   G2RPO_BACKEND=cpu               the pure-TypeScript reference backend of src/tensor (the default)
 *   G2RPO_BACKEND=gpujs             gpu.js, best mode available (= gpujs:auto)
 *   G2RPO_BACKEND=gpujs:<mode>      gpu.js in one mode: webgpu | headlessgl | webasm | cpu
 *
 * An option always wins over the environment. `auto` tries webgpu > headlessgl > webasm > cpu and
 * reports what it chose and why it skipped the others. An explicit mode that cannot run throws an Error
 * saying why (e.g. "webgpu: the Dawn binary needs glibc 2.38 …", "headlessgl: no display — run under
 * xvfb-run -a"); with `fallback: true` it goes on down the same order instead, logging each reason once
 * per process.
 *
 * Two products: `createGpuBackend` (the synchronous tensor seam, so never webgpu: its readback is
 * asynchronous only) and `createGpuRuntime` (the kernels with their async contract: any mode; what the
 * bench and device-resident code use). `selectBackend` is the tensor-level choice, reference or gpu.js.
 *
 * Not here: the probes (probe.ts), the seam adapter (backend.ts).
 */
import type { Backend } from '../tensor/backend.js';
import { cpuBackend } from '../tensor/cpu/backend.js';
import { GpuBackend, type Offload } from './backend.js';
import { type BackendChoice, GPU_MODES, type GpuMode, type GpuModeChoice, parseBackendChoice, parseModeChoice } from './modes.js';
import { probe, releaseWebgpu } from './probe.js';
import { GpuRuntime } from './runtime.js';

export const BACKEND_ENV = 'G2RPO_BACKEND';

/** The backend the environment asks for (unset or empty: the reference). Read nowhere else. */
function backendFromEnv(): BackendChoice {
  const v = process.env[BACKEND_ENV];
  return v === undefined || v.trim() === '' ? { kind: 'reference' } : parseBackendChoice(v, `${BACKEND_ENV}=`);
}

export interface GpuOptions {
  /** Default: the mode in G2RPO_BACKEND when it names one (gpujs:<mode>), else 'auto'. */
  readonly mode?: GpuModeChoice;
  /** An explicit mode that cannot run: false (default) throws, true falls back down the auto order. */
  readonly fallback?: boolean;
  /** Where a fallback or auto's choice is reported (default console.warn); each line once per process. */
  readonly log?: (line: string) => void;
  /** webasm: run kernels on worker threads (async contract; createGpuRuntime only). */
  readonly threads?: boolean;
}

export interface Resolved {
  readonly mode: GpuMode;
  /** Adapter / renderer / CPU the mode runs on. */
  readonly device: string;
  /** Modes tried first and why they could not run. */
  readonly skipped: readonly { readonly mode: GpuMode; readonly reason: string }[];
}

const logged = new Set<string>();

function logOnce(log: (line: string) => void, line: string): void {
  if (logged.has(line)) return;
  logged.add(line);
  log(line);
}

function modeFromOptions(opts: GpuOptions): GpuModeChoice {
  if (opts.mode !== undefined) return parseModeChoice(opts.mode, 'mode');
  const env = backendFromEnv();
  return env.kind === 'gpujs' ? env.mode : 'auto';
}

/**
 * The mode to run: the one asked for, or (auto, fallback) the first that can. `sync`: the caller needs
 * synchronous answers, which webgpu cannot give.
 */
export async function resolveMode(opts: GpuOptions, sync: boolean): Promise<Resolved> {
  const choice = modeFromOptions(opts);
  const log = opts.log ?? ((line: string) => console.warn(line));
  const order: readonly GpuMode[] = choice === 'auto' ? GPU_MODES : GPU_MODES.slice(GPU_MODES.indexOf(choice));
  const skipped: { mode: GpuMode; reason: string }[] = [];
  for (const mode of order) {
    const p = await probe(mode);
    let reason = p.ok ? null : p.reason;
    if (p.ok && mode === 'webgpu' && sync) {
      reason = 'webgpu: found an adapter, but the tensor seam is synchronous and WebGPU readback is asynchronous only (use createGpuRuntime, or see docs/gpu.md for the async seam it needs)';
    }
    if (p.ok && reason === null) {
      if (skipped.length > 0) {
        const why = skipped.map((s) => s.reason).join('; ');
        logOnce(log, choice === 'auto' ? `gpu backend: auto chose ${mode} (${p.device}); skipped ${why}` : `gpu backend: falling back to ${mode}: ${why}`);
      }
      return { mode, device: p.device, skipped };
    }
    skipped.push({ mode, reason: reason ?? `${mode}: cannot run` });
    if (choice !== 'auto' && !opts.fallback) throw new Error(skipped[0].reason);
  }
  // cpu always probes ok, so only a synchronous webgpu-only request gets here.
  throw new Error(skipped.map((s) => s.reason).join('; '));
}

/** gpu.js kernels in the resolved mode, with the async contract (any mode, webgpu included). */
export async function createGpuRuntime(opts: GpuOptions = {}): Promise<{ runtime: GpuRuntime } & Resolved> {
  const r = await resolveMode(opts, false);
  return { runtime: new GpuRuntime(r.mode, { threads: opts.threads }), ...r };
}

export interface GpuBackendOptions extends GpuOptions {
  /** Which calls go to the device: measured thresholds ('auto', default), everything ('all'), or custom. */
  readonly offload?: Offload | 'auto' | 'all';
}

/** The tensor seam on gpu.js, in the resolved mode (never webgpu: see the header). */
export async function createGpuBackend(opts: GpuBackendOptions = {}): Promise<GpuBackend> {
  if (opts.threads) throw new Error('gpu backend: threads need the async contract; the tensor seam is synchronous');
  const r = await resolveMode(opts, true);
  return new GpuBackend(new GpuRuntime(r.mode), r.device, opts.offload ?? 'auto');
}

/**
 * The tensor backend: `backend` ('cpu' | 'gpujs' | 'gpujs:<mode>') or else G2RPO_BACKEND, else the
 * reference. Pass the result to the tensor core's setBackend.
 */
export async function selectBackend(opts: GpuBackendOptions & { readonly backend?: string } = {}): Promise<Backend> {
  const choice = opts.backend !== undefined ? parseBackendChoice(opts.backend, 'backend') : backendFromEnv();
  if (choice.kind === 'reference') return cpuBackend;
  return createGpuBackend({ ...opts, mode: opts.mode ?? choice.mode });
}

/** Drops what a webgpu probe installed (Dawn keeps the process alive while navigator.gpu is referenced). */
export function releaseGpu(): void {
  releaseWebgpu();
}
