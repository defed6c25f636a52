// Shared helpers for the gpu.js specs: the backends this machine can run (each spec file runs on every
// one of them and prints the skipped ones with the reason), seeded float32 data, and the float32 error
// bounds every parity test is checked against.
//
// Tiers (tinygrad's): spec/gpu/factory.spec.ts needs no backend; the kernel specs run on every backend
// available; a spec that needs one feature (kernel maps) says which backend it runs on.
import { afterAll, describe, expect } from 'vitest';
import { GPU_MODES, type GpuMode } from '../../src/gpu/modes.js';
import { probe } from '../../src/gpu/probe.js';
import { GpuRuntime } from '../../src/gpu/runtime.js';
import { Rng } from '../../src/tensor/rng.js';

export interface BackendUnderTest {
  readonly mode: GpuMode;
  /** Why this backend cannot run here, or null when it can. */
  readonly skip: string | null;
}

export const BACKENDS: readonly BackendUnderTest[] = await Promise.all(
  GPU_MODES.map(async (mode) => {
    const p = await probe(mode);
    return { mode, skip: p.ok ? null : p.reason };
  }),
);

/** Prints, once per spec file, which backends it skips and why (the issue asks for it in the test log). */
export function reportSkipped(file: string): void {
  for (const b of BACKENDS) if (b.skip) console.log(`[${file}] skipping ${b.mode}: ${b.skip}`);
}

const runtimes = new Map<GpuMode, GpuRuntime>();

/** One runtime per backend per spec file, so compiled kernels are reused across its tests. */
export function runtimeFor(mode: GpuMode): GpuRuntime {
  let rt = runtimes.get(mode);
  if (!rt) {
    rt = new GpuRuntime(mode);
    runtimes.set(mode, rt);
  }
  return rt;
}

/** describe.each over the backends, registering the runtimes' cleanup. */
export function eachBackend(file: string, body: (b: BackendUnderTest) => void): void {
  reportSkipped(file);
  afterAll(() => {
    for (const rt of runtimes.values()) rt.destroy();
    runtimes.clear();
  });
  describe.each(BACKENDS.map((b) => ({ ...b, name: b.mode })))('gpujs:$name', (b) => body(b));
}

/** n standard normals (seeded) rounded to float32, optionally mapped (e.g. to a positive domain). */
export function normals(n: number, seed: number, map: (z: number) => number = (z) => z): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = map(rng.normal());
  return out;
}

// ── float32 error bounds ──────────────────────────────────────────────────────────────────────────────

/** Unit roundoff of float32 (half an ulp of 1). */
export const U = 2 ** -24;

/** γ_n = n·u/(1 − n·u): a quantity rounded n times in float32 is within γ_n·|value| (Higham §3.1). */
export function gamma(n: number): number {
  return (n * U) / (1 - n * U);
}

/**
 * Relative error allowances of GL's operations beyond +, −, × (which round once, ≤ u): GLSL ES 3.00
 * §4.5.1 allows 2.5 ulp for division and for sqrt, and (3 + 2|x|) ulp for exp(x), log and pow. WebGL 1
 * promises nothing, so these are the documented figures we hold it to; one ulp is 2u.
 */
export const ULP = 2 * U;
export const DIV = 2.5 * ULP;
export const SQRT = 2.5 * ULP;
export const expErr = (x: number): number => (3 + 2 * Math.abs(x)) * ULP;

/**
 * |got − ref| ≤ bound elementwise (NaN matches only NaN); on failure reports the worst absolute error,
 * the worst error/bound ratio, and the first failing index, as the house tolerance helper does.
 */
export function expectWithin(label: string, got: ArrayLike<number>, ref: ArrayLike<number>, bound: ArrayLike<number> | number): void {
  expect(got.length, `${label}: length`).toBe(ref.length);
  let worst = 0;
  let worstRatio = 0;
  let first = -1;
  for (let i = 0; i < ref.length; i++) {
    const g = got[i];
    const r = ref[i];
    const b = typeof bound === 'number' ? bound : bound[i];
    if (Number.isNaN(g) || Number.isNaN(r)) {
      if (!(Number.isNaN(g) && Number.isNaN(r)) && first < 0) first = i;
      continue;
    }
    const d = Math.abs(g - r);
    worst = Math.max(worst, d);
    worstRatio = Math.max(worstRatio, b > 0 ? d / b : d > 0 ? Infinity : 0);
    if (!(d <= b) && first < 0) first = i;
  }
  if (first >= 0) {
    const b = typeof bound === 'number' ? bound : bound[first];
    expect.fail(
      `${label}: first failure at [${first}]: got ${got[first]}, reference ${ref[first]}, bound ${b.toExponential(2)}; ` +
        `worst |err| ${worst.toExponential(2)}, worst err/bound ${worstRatio.toPrecision(3)}`,
    );
  }
}

/** Elementwise |x|. */
export function abs(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, Math.abs);
}

/** Awaits a possibly-async device result (webgpu) and reads it back. */
export async function host(rt: GpuRuntime, v: unknown, count: number): Promise<Float32Array> {
  const d = await v;
  const h = await rt.read(d as never, count);
  const copy = Float32Array.from(h);
  rt.release(d as never);
  return copy;
}
