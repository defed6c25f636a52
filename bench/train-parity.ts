/**
 * `npx tsx bench/train-parity.ts [--steps N] [--modes m,…] [--size bench|spec]` (headlessgl needs
 * `xvfb-run -a` in front): issue 5's end-to-end check at full length. The trainer runs N RL steps (default
 * 20, QUICK's sizes) on the CPU reference, then on each gpu.js mode that can sit behind the synchronous
 * tensor seam, with offload 'all', from the same cached warm start; prints per mode whether the sampled
 * tokens matched, how many exact fields were compared, per continuous metric the largest absolute and
 * relative difference and the worst |diff| / tolerance (train-parity-support.ts states the tolerances),
 * how that worst ratio grows over the steps, and the wall time per step against the reference.
 *
 * Exit 1 when a mode fails the comparison (the spec, spec/gpu/train-parity.spec.ts, asserts the same on
 * fewer steps). Not here: the comparison rules (spec/gpu/train-parity-support.ts).
 */
import { GpuBackend } from '../src/gpu/backend.js';
import { GPU_MODES, type GpuMode } from '../src/gpu/modes.js';
import { probe } from '../src/gpu/probe.js';
import { GpuRuntime } from '../src/gpu/runtime.js';
import { cpuBackend } from '../src/tensor/index.js';
import { RTOL, compareRuns, parityConfig, runOn, tempOutDir, type ParityRun } from '../spec/gpu/train-parity-support.js';
import { machine, machineHeader } from './lib/machine.js';

const USAGE = `Usage: npx tsx bench/train-parity.ts [--steps N] [--modes ${GPU_MODES.join(',')}] [--size bench|spec]
  (headlessgl needs an X display: xvfb-run -a npx tsx bench/train-parity.ts)
`;

interface Options {
  steps: number;
  modes: GpuMode[];
  size: 'bench' | 'spec';
}

function parse(argv: readonly string[]): Options | string {
  const o: Options = { steps: 20, modes: [...GPU_MODES], size: 'bench' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--help' || flag === '-h') return USAGE;
    if (value === undefined) return `train-parity: ${flag}: unknown option or missing value\n${USAGE}`;
    i++;
    if (flag === '--steps' && /^[1-9]\d*$/.test(value)) o.steps = Number(value);
    else if (flag === '--size' && (value === 'bench' || value === 'spec')) o.size = value;
    else if (flag === '--modes' && value.split(',').every((m) => (GPU_MODES as readonly string[]).includes(m))) o.modes = value.split(',') as GpuMode[];
    else return `train-parity: ${flag} ${value}: not accepted\n${USAGE}`;
  }
  return o;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const e = (x: number): string => (x === 0 ? '0' : x.toExponential(1));
const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function table(rows: readonly (readonly string[])[]): string {
  const w = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((c, j) => (j === 0 ? c.padEnd(w[j]) : c.padStart(w[j]))).join('  ')).join('\n');
}

function report(mode: GpuMode, ref: ParityRun, run: ParityRun, be: GpuBackend, steps: number): boolean {
  const c = compareRuns(ref, run);
  const responses = c.phases.reduce((a, p) => a + p.responses, 0);
  const differing = c.phases.reduce((a, p) => a + p.differing, 0);
  const count = (where: string) => [...be.calls].filter(([k]) => k.startsWith(where)).reduce((a, [, n]) => a + n, 0);
  const lines = [
    `── gpujs:${mode} (${be.device})`,
    `tokens: ${differing === 0 ? 'identical' : `${differing} of ${responses} responses differ, first in ${c.firstDivergence}`} (${responses} responses: ${steps} rollouts and ${c.phases.length - steps} evaluations)`,
    `steps compared: ${c.stepsCompared} of ${steps}; exact fields compared: ${c.exactCompared}; failures: ${c.failures.length}`,
    ...c.failures.slice(0, 10).map((f) => `  ${f}`),
    '',
    table([
      ['continuous metric (RTOL = 1e-5 of its scale)', 'values', 'max |diff|', 'max rel', 'worst diff/tol', 'at'],
      ...[...c.continuous].map(([k, s]) => [k, String(s.n), e(s.maxAbs), e(s.maxRel), s.worstRatio.toFixed(4), s.worstAt]),
    ]),
    '',
    `worst diff/tol by step: ${c.worstRatioByStep.map((r, i) => `${i + 1}:${r.toFixed(3)}`).join(' ')}`,
    `time per RL step (median): ${sec(median(run.stepMs))} vs ${sec(median(ref.stepMs))} on the CPU reference (${(median(run.stepMs) / median(ref.stepMs)).toFixed(1)}× slower); ` +
      `evaluation ${run.evalMs.map(sec).join(', ')} vs ${ref.evalMs.map(sec).join(', ')}`,
    `seam calls: ${count('device:')} on the device, ${count('cpu:')} on the CPU (${[...be.calls].map(([k, n]) => `${k} ${n}`).join(', ')}); ` +
      `${be.rt.stats.launches} launches, ${be.rt.stats.compiled} kernels compiled`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return c.failures.length === 0;
}

async function main(argv: readonly string[]): Promise<number> {
  const o = parse(argv);
  if (typeof o === 'string') {
    (o === USAGE ? process.stdout : process.stderr).write(o);
    return o === USAGE ? 0 : 2;
  }
  process.stdout.write(`${machineHeader(machine())}\ntrainer parity, ${o.steps} RL steps, '${o.size}' sizes (spec/gpu/train-parity-support.ts), RTOL ${RTOL}\n\n`);
  const out = tempOutDir();
  let ok = true;
  try {
    const t0 = performance.now();
    const ref = await runOn(cpuBackend, parityConfig(out.dir, 'ref', o.steps, o.size));
    process.stdout.write(`CPU reference: ${sec(performance.now() - t0)} (warm start included), median step ${sec(median(ref.stepMs))}\n\n`);
    for (const mode of o.modes) {
      const p = await probe(mode);
      const why = !p.ok ? p.reason : mode === 'webgpu' ? 'webgpu: the tensor seam is synchronous and WebGPU readback is asynchronous only' : null;
      if (why !== null || !p.ok) {
        process.stdout.write(`── gpujs:${mode}: skipped: ${why}\n\n`);
        continue;
      }
      const be = new GpuBackend(new GpuRuntime(mode), p.device, 'all');
      try {
        const t1 = performance.now();
        const run = await runOn(be, parityConfig(out.dir, `gpujs-${mode}`, o.steps, o.size));
        process.stdout.write(`(gpujs:${mode} run: ${sec(performance.now() - t1)})\n`);
        ok = report(mode, ref, run, be, o.steps) && ok;
      } finally {
        be.destroy();
      }
    }
  } finally {
    out.remove();
  }
  return ok ? 0 : 1;
}

// process.exit: a GL context or gpu.js worker can keep the event loop alive after the last run.
main(process.argv.slice(2)).then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
