/**
 * Runs the PyTorch anchor (../shared/anchors/torch_vlm_step.py beside the checkout: one vlm-tiny training
 * step, forward + backward + AdamW, best of 1 and 2 threads) in a child process and reads its JSON line.
 *
 * Which Python: the first of `python3` (PATH; may be a pyenv Python without torch) and `/usr/bin/python3`
 * (Debian's, where `python3-torch` installs) for which `-c 'import torch'` succeeds. When none does, or
 * the anchor is missing or fails, the result says why and the bench skips the PyTorch row.
 *
 * Not here: our step (step.ts), the table (bench/tensor.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PYTHON_CANDIDATES: readonly string[] = ['python3', '/usr/bin/python3'];

/** The anchor script, resolved from this file (bench/tensor/ → the checkout → its sibling shared/). */
export const ANCHOR_PATH = fileURLToPath(new URL('../../../shared/anchors/torch_vlm_step.py', import.meta.url));

/** The anchor's JSON line. */
export interface TorchStep {
  readonly config: string;
  readonly params: number;
  readonly threads: number;
  readonly step_ms: number;
  readonly text_tokens_per_s: number;
}

/** What the Python found runs on: torch's version, its BLAS, and its 512² float32 matmul throughput. */
export interface TorchProbe {
  readonly python: string;
  readonly torch: string;
  /** The BLAS shared libraries mapped in the process after a matmul (real paths), e.g. Debian's reference libblas. */
  readonly blas: string;
  /** GFLOP/s of a 512×512 float32 matmul on 1 thread, median of 5 after a warm-up. */
  readonly matmul512_gflops: number;
}

export type TorchResult =
  | { readonly ok: true; readonly probe: TorchProbe; readonly step: TorchStep }
  | { readonly ok: false; readonly reason: string };

/**
 * The last line of `stdout` that is a JSON object with the anchor's fields (string config, positive
 * finite numbers for the rest); null when there is none. Lines before it (warnings) are ignored.
 */
export function parseTorchLine(stdout: string): TorchStep | null {
  const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    let v: unknown;
    try {
      v = JSON.parse(lines[i]);
    } catch {
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    const o = v as Record<string, unknown>;
    const positive = (k: string): boolean => typeof o[k] === 'number' && Number.isFinite(o[k]) && (o[k] as number) > 0;
    if (typeof o.config === 'string' && ['params', 'threads', 'step_ms', 'text_tokens_per_s'].every(positive)) {
      return { config: o.config, params: o.params as number, threads: o.threads as number, step_ms: o.step_ms as number, text_tokens_per_s: o.text_tokens_per_s as number };
    }
  }
  return null;
}

/**
 * Prints one JSON line: torch's version, the BLAS library loaded in the process, and a 512² matmul's
 * GFLOP/s on one thread. The BLAS decides the anchor's speed: Debian's python3-torch is built against the
 * generic BLAS interface and loads whatever libblas.so.3 points to; with the reference BLAS (libblas3, no
 * libopenblas installed) its GEMM runs at the speed of a plain loop, and the step ratio says little.
 */
const PROBE = `
import json, os, time, torch
torch.set_num_threads(1)
a, b = torch.randn(512, 512), torch.randn(512, 512)
a @ b
ts = []
for _ in range(5):
    t0 = time.perf_counter(); a @ b; ts.append(time.perf_counter() - t0)
libs = sorted({os.path.realpath(l.split()[-1]) for l in open("/proc/self/maps") if ("blas" in l or "mkl" in l) and ".so" in l})
print(json.dumps({"torch": torch.__version__, "blas": " ".join(libs) or "linked into torch", "matmul512_gflops": 2 * 512**3 / sorted(ts)[2] / 1e9}))
`;

/** The first candidate Python that imports torch, probed (PROBE); or why none did. */
export function findTorchPython(candidates: readonly string[] = PYTHON_CANDIDATES): TorchProbe | { reason: string } {
  const tried: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', PROBE], { encoding: 'utf8', timeout: 120_000 });
    if (r.status === 0) {
      const line = r.stdout.trim().split('\n').pop() ?? '';
      try {
        const o = JSON.parse(line) as { torch: string; blas: string; matmul512_gflops: number };
        return { python, torch: String(o.torch), blas: String(o.blas), matmul512_gflops: Number(o.matmul512_gflops) };
      } catch {
        tried.push(`${python}: unreadable probe output ${JSON.stringify(line.slice(0, 100))}`);
        continue;
      }
    }
    const why = r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
    tried.push(`${python}: ${why}`);
  }
  return { reason: `no Python with torch (${tried.join('; ')})` };
}

/** Runs the anchor once (it does its own warm-up and median of 15 steps); never throws. */
export function runTorchAnchor(anchor = ANCHOR_PATH): TorchResult {
  if (!existsSync(anchor)) return { ok: false, reason: `anchor not found at ${anchor}` };
  const found = findTorchPython();
  if ('reason' in found) return { ok: false, reason: found.reason };
  const r = spawnSync(found.python, [anchor], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
    return { ok: false, reason: `${found.python} ${anchor} failed: ${why}` };
  }
  const step = parseTorchLine(r.stdout);
  if (step === null) return { ok: false, reason: `no JSON result line in the anchor's output: ${JSON.stringify(r.stdout.slice(-200))}` };
  return { ok: true, probe: found, step };
}
