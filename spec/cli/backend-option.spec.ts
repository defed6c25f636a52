// The backend flags of `g2rpo train` and `g2rpo compare` (src/cli/backend-option.ts), through the commands'
// CommandIO: a backend that cannot run here is a usage error (exit 2, one line with the factory's reason,
// nothing on stdout, no run folder) whether it came from --backend or from G2RPO_BACKEND; with
// --backend-fallback the run goes on the next mode and says so; the run header and stdout name what ran;
// the reference backend is back afterwards. webgpu serves as the mode that cannot run: Dawn does not load
// on this machine, and where it does, the synchronous seam refuses it (spec/gpu/factory.spec.ts).
// The numbers on a gpu.js backend are spec/gpu/train-parity.spec.ts's business.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.js';
import { BACKEND_FLAGS, describeBackend, resolveBackendFlags, withHeader } from '../../src/cli/backend-option.js';
import { compareCommand } from '../../src/cli/compare.js';
import { trainCommand } from '../../src/cli/train.js';
import { BACKEND_ENV, GpuBackend } from '../../src/gpu/index.js';
import { cpuBackend, getBackend } from '../../src/tensor/index.js';
import { captureIO } from '../support/capture-io.js';

const out = mkdtempSync(join(tmpdir(), 'g2rpo-cli-backend-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const saved = process.env[BACKEND_ENV];
afterEach(() => {
  if (saved === undefined) delete process.env[BACKEND_ENV];
  else process.env[BACKEND_ENV] = saved;
});

const io = captureIO;

/** One RL step of a model small enough that nothing crosses the measured offload thresholds. */
const TINY = ['--out', out, '--tasks', 'math,spatial', '--steps', '1', '--prompts', '2', '--group-size', '2', '--sft-steps', '2', '--eval-examples', '1', '--eval-samples', '1'];

describe('--backend, --backend-fallback, --backend-offload', () => {
  it('train and compare list the three flags in --help', async () => {
    for (const cmd of [trainCommand, compareCommand]) {
      const x = io();
      expect(await cmd.run(['--help'], x)).toBe(0);
      for (const f of BACKEND_FLAGS) expect(x.stdout).toContain(`--${f.name}`);
    }
  });

  it('an unknown backend name: exit 2 naming the accepted ones', async () => {
    const x = io();
    expect(await trainCommand.run(['--backend', 'tpu'], x)).toBe(2);
    expect(x.stderr).toBe('g2rpo train: --backend: must be one of cpu, gpujs, gpujs:auto, gpujs:webgpu, gpujs:headlessgl, gpujs:webasm, gpujs:cpu (got "tpu")\n');
  });

  it('a mode that cannot run: exit 2 before any work, one line with the factory\'s reason (--backend or G2RPO_BACKEND)', async () => {
    const flag = io();
    expect(await trainCommand.run([...TINY, '--name', 'never', '--backend', 'gpujs:webgpu'], flag)).toBe(2);
    expect(flag.stderr).toMatch(/^g2rpo train: --backend: webgpu: (the Dawn binary needs|the `webgpu` package|found an adapter, but the tensor seam is synchronous)/);
    expect(flag.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(flag.stdout).toBe('');
    expect(existsSync(join(out, 'never'))).toBe(false);
    expect(existsSync(join(out, '.cache'))).toBe(false); // not even the warm start

    process.env[BACKEND_ENV] = 'gpujs:webgpu';
    const env = io();
    expect(await compareCommand.run([...TINY, '--name', 'never-cmp'], env)).toBe(2);
    expect(env.stderr).toMatch(/^g2rpo compare: G2RPO_BACKEND: webgpu: /);
    expect(env.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(existsSync(join(out, 'never-cmp-grpo'))).toBe(false);
  });

  it('--backend-fallback: the run goes on the next mode, says so, names it in the header and on stdout; the reference is back after', async () => {
    const x = io();
    expect(await trainCommand.run([...TINY, '--name', 'fallback', '--backend', 'gpujs:webgpu', '--backend-fallback'], x)).toBe(0);
    const lines = x.stderr.split('\n');
    expect(lines[0]).toMatch(/^gpu backend: falling back to (headlessgl|webasm): webgpu: /);
    expect(lines[1]).toMatch(/^backend: gpujs:(headlessgl|webasm) on .+, offload auto \(measured thresholds, docs\/gpu\.md\)$/);
    // The header precedes the trainer's first line (the warm start's progress).
    expect(lines[2]).toMatch(/^warm start/);
    expect(x.stderr).toMatch(/^gpujs:(headlessgl|webasm): \d+ kernel calls on the device, \d+ on the CPU reference$/m);
    expect(x.stdout).toMatch(/^backend: gpujs:(headlessgl|webasm) on /m);
    expect(getBackend()).toBe(cpuBackend);
  });

  it('a run the trainer itself refuses still prints one line: the header, auto\'s note included, waits for the run', async () => {
    const x = io();
    expect(await trainCommand.run([...TINY, '--name', 'no-checkpoint', '--resume', '--backend', 'gpujs'], x)).toBe(2);
    expect(x.stderr).toMatch(/^g2rpo train: resume: no checkpoint at /);
    expect(x.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(getBackend()).toBe(cpuBackend);
  });

  it('the default (no flag, no G2RPO_BACKEND) is the reference, and the run header says so', async () => {
    delete process.env[BACKEND_ENV];
    const x = io();
    expect(await trainCommand.run([...TINY, '--name', 'default'], x)).toBe(0);
    expect(x.stderr.split('\n')[0]).toBe('backend: cpu (the TypeScript reference)');
    expect(x.stdout).toContain('\nbackend: cpu (the TypeScript reference)\n');
    // …and the config line of metrics.jsonl records it.
    const config = JSON.parse(readFileSync(join(out, 'default', 'metrics.jsonl'), 'utf8').split('\n')[0]) as Record<string, unknown>;
    expect(config.type).toBe('config');
    expect(config.backend).toBe('cpu (the TypeScript reference)');
  });

  it('--backend-offload all sends every call the kernels cover to the device', async () => {
    const b = await resolveBackendFlags(parseArgs(['--backend', 'gpujs:cpu', '--backend-offload', 'all'], BACKEND_FLAGS));
    expect(b.backend).toBeInstanceOf(GpuBackend);
    expect((b.backend as GpuBackend).offload.gemm).toBe(0);
    expect(b.description).toMatch(/^gpujs:cpu on JavaScript on .+, offload all$/);
    (b.backend as GpuBackend).destroy();
    expect(describeBackend(cpuBackend)).toBe('cpu (the TypeScript reference)');
  });

  it('withHeader writes the header once, before the first line, and never when nothing is logged', () => {
    let text = '';
    const log = withHeader((t) => void (text += t), 'H\n');
    expect(text).toBe('');
    log('a\n');
    log('b\n');
    expect(text).toBe('H\na\nb\n');
  });
});
