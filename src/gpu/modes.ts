/**
 * The gpu.js backend modes this project can run, in the order `auto` prefers them, and the parsing of a
 * backend choice (from an option, or from the G2RPO_BACKEND environment variable, which only factory.ts
 * reads).
 *
 *   webgpu      WGSL compute shaders through Dawn (npm `webgpu`); readback is asynchronous only
 *   headlessgl  GLSL ES 1.0 fragment shaders through the `gl` package (ANGLE over the system's OpenGL)
 *   webasm      WebAssembly with f32x4 SIMD on the CPU (worker threads only under the async contract)
 *   cpu         gpu.js's JavaScript transpilation: always available, the slowest
 *
 * The tensor-level choice has two levels (issue 5): the pure-TypeScript reference backend of src/tensor,
 * or gpu.js in one of the modes above. As a string: `cpu` | `gpujs` (= `gpujs:auto`) | `gpujs:<mode>`.
 *
 * Not here: probing whether a mode can run (probe.ts), choosing one (factory.ts).
 */

/** Best first: the order `auto` tries. */
export const GPU_MODES = ['webgpu', 'headlessgl', 'webasm', 'cpu'] as const;
export type GpuMode = (typeof GPU_MODES)[number];
export type GpuModeChoice = GpuMode | 'auto';

/** The whole tensor-backend choice: the TypeScript reference, or gpu.js in a mode. */
export type BackendChoice = { readonly kind: 'reference' } | { readonly kind: 'gpujs'; readonly mode: GpuModeChoice };

export function isGpuModeChoice(v: string): v is GpuModeChoice {
  return v === 'auto' || (GPU_MODES as readonly string[]).includes(v);
}

/** A gpu.js mode name, or throws an Error naming the accepted ones; `where` says who supplied it. */
export function parseModeChoice(value: string, where: string): GpuModeChoice {
  const v = value.trim().toLowerCase();
  if (isGpuModeChoice(v)) return v;
  throw new Error(`gpu backend: ${where} '${value}' is not a gpu.js mode (auto, ${GPU_MODES.join(', ')})`);
}

/** `cpu` | `gpujs` | `gpujs:<mode>` (case-insensitive), or throws an Error listing the accepted forms. */
export function parseBackendChoice(value: string, where: string): BackendChoice {
  const v = value.trim().toLowerCase();
  if (v === 'cpu') return { kind: 'reference' };
  if (v === 'gpujs') return { kind: 'gpujs', mode: 'auto' };
  if (v.startsWith('gpujs:')) {
    const mode = v.slice('gpujs:'.length);
    if (isGpuModeChoice(mode)) return { kind: 'gpujs', mode };
  }
  throw new Error(
    `gpu backend: ${where} '${value}' is not a backend (cpu, gpujs, gpujs:auto, ${GPU_MODES.map((m) => `gpujs:${m}`).join(', ')})`,
  );
}
