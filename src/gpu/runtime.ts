/**
 * One gpu.js instance in one mode, with what every kernel file needs around it: a cache of compiled
 * kernels (gpu.js compiles per output size and argument shape, and a GLSL compile costs 50–500 ms on a
 * software rasterizer, so a kernel is built once per shape and kept), uploads and readbacks to and from
 * flat Float32Arrays, and counters of what crossed the host/device boundary.
 *
 * Device values ("Dev") are what a kernel returns with `pipeline: true`: a GL texture on headlessgl, a
 * storage-buffer handle on webgpu, a plain Float32Array on webasm and cpu (no device memory there). Every
 * kernel in src/gpu reads its arguments with flat 1-D indices, so any Dev, whatever the shape of the
 * kernel that produced it, is a valid argument of any other kernel.
 *
 * Calls may be asynchronous: webgpu readback is Promise-only, and webasm runs on worker threads only under
 * the async contract. `Maybe<T>` and `andThen` let one code path serve both; `sync` unwraps it for the
 * synchronous tensor seam and says why when it cannot.
 *
 * Not here: the kernels (kernels/*.ts), mode selection (factory.ts).
 */
import { GPU, type IGPUKernelSettings, type IKernelRunShortcut, type KernelVariable } from 'gpu.js';
import type { GpuMode } from './modes.js';

export type Maybe<T> = T | Promise<T>;

function isThenable<T>(v: Maybe<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/**
 * f(v), now when v is a value, later when it is a Promise. (Not named `then`: a module exporting `then`
 * is a thenable namespace, and `await import()` of it would call it.)
 */
export function andThen<T, U>(v: Maybe<T>, f: (t: T) => Maybe<U>): Maybe<U> {
  return isThenable(v) ? v.then(f) : f(v);
}

/** All values, now when none is a Promise. */
export function all<T>(vs: readonly Maybe<T>[]): Maybe<T[]> {
  return vs.some(isThenable) ? Promise.all(vs) : (vs as T[]);
}

/** The value of a call that must be synchronous (the tensor seam), or an Error naming who went async. */
export function sync<T>(v: Maybe<T>, who: string): T {
  if (isThenable(v)) {
    throw new Error(`${who}: this gpu.js mode answers asynchronously (webgpu, or webasm with threads); the synchronous tensor seam cannot wait for it`);
  }
  return v;
}

/** A device-resident result (texture, buffer handle) or, on webasm/cpu, a flat Float32Array. */
export type Dev = KernelVariable;

/**
 * What crossed the host/device boundary (GL and webgpu only: on webasm and cpu there is no device, and
 * gpu.js copies arguments into and results out of its own memory inside every call), and how many
 * kernels were built and launched.
 */
export interface TransferStats {
  uploads: number;
  uploadBytes: number;
  downloads: number;
  downloadBytes: number;
  compiled: number;
  launches: number;
}

export interface RuntimeOptions {
  /** webasm only: run kernels under the async contract, which splits large ones across worker threads. */
  readonly threads?: boolean;
}

/** Settings every kernel shares; the kernel files add output, constants, returnType. */
export interface KernelSpec {
  readonly output: readonly number[];
  readonly constants?: Readonly<Record<string, number>>;
  /** 4 for `Array(4)` (vec4) returns. */
  readonly components?: 1 | 4;
}

interface GlTexture {
  type: string;
  renderRawOutput(): Float32Array;
  delete(): void;
}

/** Compiled kernels kept per runtime (one per kernel and shape); the least recently used go first. */
const MAX_KERNELS = 256;

export class GpuRuntime {
  readonly mode: GpuMode;
  readonly gpu: GPU;
  readonly async: boolean;
  readonly stats: TransferStats = { uploads: 0, uploadBytes: 0, downloads: 0, downloadBytes: 0, compiled: 0, launches: 0 };
  private readonly kernels = new Map<string, IKernelRunShortcut>();

  constructor(mode: GpuMode, opts: RuntimeOptions = {}) {
    this.mode = mode;
    this.gpu = new GPU({ mode });
    // webgpu kernels always return Promises; webasm does when asked for threads.
    this.async = mode === 'webgpu' || (mode === 'webasm' && (opts.threads ?? false));
  }

  /** True where a kernel's output stays in device memory between kernels (a texture or a GPU buffer). */
  get resident(): boolean {
    return this.mode === 'headlessgl' || this.mode === 'webgpu';
  }

  /**
   * The kernel `name` for this spec, built on first use and cached. `source` is a plain function in the
   * gpu.js kernel language; every constant it reads must be in `spec.constants` (they are compiled in, so
   * loop bounds are static — GLSL ES 1.0 requires that).
   */
  kernel(name: string, source: (...args: never[]) => unknown, spec: KernelSpec): IKernelRunShortcut {
    return this.cached(name, spec, (settings) => this.gpu.createKernel(source as unknown as string, settings));
  }

  /**
   * A GL kernel map: besides its return value the kernel writes one more output per entry of `outputs`
   * (WEBGL_draw_buffers, up to 8 render targets), each a pass-through function of the same return type.
   * Only the GL backends have kernel maps.
   */
  kernelMap(name: string, outputs: Record<string, (v: number[]) => number[]>, source: (...args: never[]) => unknown, spec: KernelSpec): IKernelRunShortcut {
    if (this.mode !== 'headlessgl') throw new Error(`${name}: kernel maps need a GL backend, not ${this.mode}`);
    return this.cached(name, spec, (settings) =>
      this.gpu.createKernelMap(outputs, source as never, settings) as unknown as IKernelRunShortcut,
    );
  }

  private cached(name: string, spec: KernelSpec, build: (settings: IGPUKernelSettings) => IKernelRunShortcut): IKernelRunShortcut {
    const key = `${name}|${spec.output.join('x')}|${JSON.stringify(spec.constants ?? {})}`;
    let k = this.kernels.get(key);
    if (k) {
      // Least recently used first: re-inserting moves the key to the end of the Map's order.
      this.kernels.delete(key);
      this.kernels.set(key, k);
    } else {
      const components = spec.components ?? 1;
      const settings = {
        output: [...spec.output],
        constants: { ...(spec.constants ?? {}) },
        precision: 'single',
        tactic: 'precision', // highp everywhere on GL
        pipeline: true,
        // A new texture per call: results stay valid until released (the default reuses one texture, so a
        // second call would overwrite the first call's result while a later kernel still reads it).
        immutable: true,
        // Scalar GL outputs packed 4 per RGBA texel: a quarter of the readback, and `renderRawOutput`
        // then returns the values in order.
        optimizeFloatMemory: components === 1 && this.mode === 'headlessgl',
        // Loops are bounded by compiled-in constants; this only raises gpu.js's generic guard.
        loopMaxIterations: 1 << 24,
        asyncMode: this.async,
        ...(components === 4 ? { returnType: 'Array(4)' } : {}),
      } as IGPUKernelSettings;
      k = build(settings);
      this.kernels.set(key, k);
      this.stats.compiled++;
      // A seam that sees many shapes would otherwise keep every compiled program (and its GL resources).
      if (this.kernels.size > MAX_KERNELS) {
        const [oldest, old] = this.kernels.entries().next().value as [string, IKernelRunShortcut];
        this.kernels.delete(oldest);
        old.destroy?.();
      }
    }
    return k;
  }

  /**
   * Runs a kernel; returns its output: device-resident on GL and webgpu, and on webasm/cpu a flat
   * Float32Array (gpu.js shapes those results into nested rows, which later kernels could not read with
   * flat indices).
   */
  run(k: IKernelRunShortcut, args: readonly KernelVariable[]): Maybe<Dev> {
    this.stats.launches++;
    const out = (k as unknown as (...a: KernelVariable[]) => Maybe<Dev>)(...args);
    return andThen(out, (v) => {
      const inner = k.kernel as unknown as { constructor: { mode?: string }; fallbackReason?: string; output: number[]; returnType?: string };
      // webasm silently degrades to gpu.js's cpu backend for kernels it cannot take; we want to know.
      if (this.mode === 'webasm' && inner.constructor.mode === 'cpu') {
        throw new Error(`webasm: a kernel fell back to gpu.js cpu (${inner.fallbackReason ?? 'no reason given'})`);
      }
      if (this.resident || v instanceof Float32Array) return v;
      const count = inner.output.reduce((p, d) => p * d, 1) * (inner.returnType === 'Array(4)' ? 4 : 1);
      return flatten(v, count);
    });
  }

  /**
   * A host array as a kernel argument. On webasm/cpu the array itself (kernels copy it into their own
   * memory); on GL and webgpu a copy on the device, so that several kernels can read it for one upload.
   */
  upload(data: Float32Array): Maybe<Dev> {
    if (!this.resident) return data;
    this.stats.uploads++;
    this.stats.uploadBytes += data.byteLength;
    const k = this.kernel('upload', copyKernel, { output: [data.length] });
    return this.run(k, [data]);
  }

  /** The first `count` values of a kernel result (vec4 results: `count` floats, 4 per cell) as a Float32Array. */
  read(v: Dev, count: number): Maybe<Float32Array> {
    if (v instanceof Float32Array) return v.length === count ? v : v.subarray(0, count);
    if (this.resident) {
      this.stats.downloads++;
      this.stats.downloadBytes += 4 * count;
    }
    const tex = v as unknown as Partial<GlTexture> & { toArray?: () => Maybe<unknown> };
    if (typeof tex.renderRawOutput === 'function') {
      const raw = tex.renderRawOutput();
      // Plain float textures keep one value in the red channel of each RGBA texel.
      if (tex.type === 'ArrayTexture(1)' || tex.type === 'NumberTexture') {
        const out = new Float32Array(count);
        for (let i = 0; i < count; i++) out[i] = raw[4 * i];
        return out;
      }
      return raw.length === count ? raw : raw.subarray(0, count);
    }
    if (typeof tex.toArray === 'function') return andThen(tex.toArray(), (nested) => flatten(nested, count));
    return flatten(v, count);
  }

  /** Frees a device result (GL texture, GPU buffer); a host array is left to the garbage collector. */
  release(v: Dev | null | undefined): void {
    const d = v as { delete?: () => void } | null | undefined;
    if (d && !(v instanceof Float32Array) && typeof d.delete === 'function') d.delete();
  }

  /**
   * Waits until the device has finished every queued kernel (GL: gl.finish()). GL kernel calls return
   * as soon as the draw is queued, so timing without this measures the queueing, not the work; webgpu's
   * sync point is its (awaited) readback, and webasm/cpu calls are already synchronous.
   */
  finish(): void {
    if (this.mode !== 'headlessgl') return;
    (this.gpu as unknown as { context?: { finish(): void } | null }).context?.finish();
  }

  destroy(): void {
    for (const k of this.kernels.values()) k.destroy?.();
    this.kernels.clear();
    this.gpu.destroy();
  }
}

function copyKernel(this: { thread: { x: number } }, a: number[]): number {
  return a[this.thread.x];
}

/**
 * A gpu.js result (typed array, or nested arrays of rows) as `count` floats in row-major order. Rows that
 * are consecutive views of one buffer (webasm) become one view; anything else is copied.
 */
export function flatten(v: unknown, count: number): Float32Array {
  if (v instanceof Float32Array) return v.length === count ? v : v.subarray(0, count);
  const leaves: ArrayLike<number>[] = [];
  const walk = (x: unknown): void => {
    if (ArrayBuffer.isView(x)) leaves.push(x as unknown as ArrayLike<number>);
    else if (Array.isArray(x)) {
      if (x.length > 0 && typeof x[0] === 'number') leaves.push(x as number[]);
      else for (const y of x) walk(y);
    } else if (typeof x === 'number') leaves.push([x]);
  };
  walk(v);
  const first = leaves[0];
  if (first instanceof Float32Array) {
    const view = new Float32Array(first.buffer, first.byteOffset, Math.min(count, (first.buffer.byteLength - first.byteOffset) / 4));
    let at = 0;
    let contiguous = view.length === count;
    for (const l of leaves) {
      if (!contiguous) break;
      contiguous = l instanceof Float32Array && l.buffer === first.buffer && l.byteOffset === first.byteOffset + 4 * at;
      at += l.length;
    }
    if (contiguous) return view;
  }
  const out = new Float32Array(count);
  let at = 0;
  for (const l of leaves) {
    for (let i = 0; i < l.length && at < count; i++) out[at++] = l[i];
  }
  return out;
}
