/**
 * The tensor backend of `g2rpo train` and `g2rpo compare`: `--backend cpu|gpujs|gpujs:MODE` (default: the
 * G2RPO_BACKEND environment variable, which only src/gpu/factory.ts reads; unset: cpu, the TypeScript
 * reference), `--backend-fallback` and `--backend-offload auto|all`. Resolved by the factory BEFORE any
 * work: a mode that cannot run here is a usage error (exit 2) with the factory's own reason, e.g.
 *
 *   g2rpo train: --backend: headlessgl: no display — run under xvfb-run -a (…)
 *
 * unless --backend-fallback asks to go on down webgpu > headlessgl > webasm > cpu (the factory then says
 * on stderr what it skipped and why). The backend is installed with the tensor core's setBackend for the
 * run and the reference put back afterwards (`withBackend`).
 *
 * The backend is NOT part of the run's configuration: the warm-start cache key and checkpoint
 * compatibility stay as they were, so a run can be resumed, or its warm start reused, on another backend
 * (the numbers agree within float32 rounding: docs/gpu.md § Training on a gpu.js backend).
 *
 * Not here: choosing and probing modes (src/gpu/factory.ts, probe.ts); the kernels (src/gpu).
 */
import { BACKEND_ENV, GpuBackend, GPU_MODES, selectBackend } from '../gpu/index.js';
import { InputError } from '../rl/errors.js';
import { cpuBackend, setBackend, type Backend } from '../tensor/index.js';
import type { FlagSpec, ParsedArgs } from './args.js';

export const BACKEND_VALUES: readonly string[] = ['cpu', 'gpujs', 'gpujs:auto', ...GPU_MODES.map((m) => `gpujs:${m}`)];
const OFFLOAD_VALUES = ['auto', 'all'] as const;

export const BACKEND_FLAGS: readonly FlagSpec[] = [
  {
    name: 'backend',
    kind: 'string',
    values: BACKEND_VALUES,
    meta: 'cpu|gpujs|gpujs:MODE',
    help: `tensor backend; MODE: ${GPU_MODES.join(', ')} (default $${BACKEND_ENV}, else cpu)`,
  },
  { name: 'backend-fallback', kind: 'boolean', help: 'a gpu.js mode that cannot run falls back to the next that can' },
  {
    name: 'backend-offload',
    kind: 'string',
    values: OFFLOAD_VALUES,
    meta: OFFLOAD_VALUES.join('|'),
    help: 'gpu.js: measured thresholds (auto, default) or every call it can (all)',
  },
];

export interface ChosenBackend {
  readonly backend: Backend;
  /** One line for the run header, e.g. `gpujs:webasm on WebAssembly f32x4 SIMD (…), offload all`. */
  readonly description: string;
  /** The run header: the factory's notes (auto's choice, a fallback's reasons), then `backend: …`. */
  readonly header: string;
}

/**
 * The backend the flags (or G2RPO_BACKEND) ask for, resolved now. Throws an InputError naming where the
 * choice came from (`--backend` or `G2RPO_BACKEND`) with the factory's reason when it cannot run. The
 * factory's notes are kept for the run header rather than printed now, so that a run the trainer then
 * refuses (e.g. --resume without a checkpoint) still prints one line.
 */
export async function resolveBackendFlags(args: ParsedArgs): Promise<ChosenBackend> {
  const notes: string[] = [];
  const flag = args.flags.get('backend');
  const offload = args.flags.get('backend-offload');
  const source = typeof flag === 'string' ? '--backend' : BACKEND_ENV;
  let backend: Backend;
  try {
    backend = await selectBackend({
      backend: typeof flag === 'string' ? flag : undefined,
      fallback: args.flags.has('backend-fallback'),
      offload: offload === 'all' ? 'all' : 'auto',
      log: (line) => void notes.push(line),
    });
  } catch (e) {
    // The factory's reasons are one line each; a loader message could carry a newline, the CLI may not.
    const reason = (e as Error).message.replace(/^gpu backend: /, '').replace(/\s*\n\s*/g, ' ');
    throw new InputError(source, reason);
  }
  const description = describeBackend(backend);
  return { backend, description, header: [...notes, `backend: ${description}`].map((l) => `${l}\n`).join('') };
}

/** What ran: the reference, or gpu.js's mode, device and offload policy. */
export function describeBackend(b: Backend): string {
  if (!(b instanceof GpuBackend)) return b === cpuBackend ? 'cpu (the TypeScript reference)' : b.name;
  const o = b.offload;
  const all = o.gemm === 0 && o.softmax === 0 && o.layerNorm === 0 && o.unary === 0 && o.binary === 0;
  return `${b.name} on ${b.device}, offload ${all ? 'all' : 'auto (measured thresholds, docs/gpu.md)'}`;
}

/** Per kernel, how many calls went to the device and to the CPU reference (gpu.js backends only). */
export function callSummary(b: Backend): string | null {
  if (!(b instanceof GpuBackend)) return null;
  let device = 0;
  let cpu = 0;
  for (const [k, n] of b.calls) {
    if (k.startsWith('device:')) device += n;
    else cpu += n;
  }
  return `${b.name}: ${device} kernel calls on the device, ${cpu} on the CPU reference`;
}

/**
 * Runs `fn` with `b` under the tensor seam, then puts the reference back and frees a gpu.js backend's
 * kernels and context, whatever `fn` did.
 */
export async function withBackend<T>(b: Backend, fn: () => Promise<T>): Promise<T> {
  setBackend(b);
  try {
    return await fn();
  } finally {
    setBackend(cpuBackend);
    if (b instanceof GpuBackend) b.destroy();
  }
}

/**
 * `log` with `header` written before its first line: the run header appears when the run starts, so a
 * run refused by the trainer's own checks (e.g. --resume without a checkpoint) still prints one line.
 */
export function withHeader(log: (text: string) => void, header: string): (text: string) => void {
  let written = false;
  return (text) => {
    if (!written) {
      written = true;
      log(header);
    }
    log(text);
  };
}
