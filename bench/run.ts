/**
 * `npm run bench -- [suite ...] [--json]`: runs the named benchmark suites (all when none is named) and
 * prints a table per suite under a machine header, or with `--json` one JSON object per line
 * (`suite`, `name`, `n`, `median_ms`, the suite's extra columns, and the machine).
 *
 * Suites are registered in SUITES, loaded only when they run .
 * Every suite verifies its outputs before timing them; a failed check stops the run with exit 1.
 */
import { machine } from './lib/machine.js';
import { makeReporter } from './lib/report.js';
import type { Suite } from './lib/suite.js';

const SUITES: Record<string, { readonly about: string; readonly load: () => Promise<Suite> }> = {
  advantages: {
    about: 'G²RPO advantages at n = 4096 and 1,048,576 vs Float64Array.sort',
    load: async () => (await import('./advantages.js')).advantagesSuite,
  },
  tensor: {
    about: 'matmul 128–1024 vs tfjs-cpu / tfjs-wasm (GFLOP/s); vlm-tiny training step vs PyTorch (tokens/s)',
    load: async () => (await import('./tensor.js')).tensorSuite,
  },
  gpu: {
    about: 'gpu.js matmul GFLOP/s per backend, transfers, seam, attention fwd/bwd',
    load: async () => (await import('./gpu.js')).gpuSuite,
  },
};

const USAGE = `Usage: npm run bench -- [suite ...] [--json]

Suites (default: all):
${Object.entries(SUITES)
  .map(([name, s]) => `  ${name.padEnd(12)}${s.about}`)
  .join('\n')}

  --json   one JSON object per line instead of tables
`;

async function main(argv: readonly string[]): Promise<number> {
  let json = false;
  const names: string[] = [];
  for (const arg of argv) {
    if (arg === '--json') json = true;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE);
      return 0;
    } else if (arg in SUITES) {
      if (!names.includes(arg)) names.push(arg);
    } else {
      process.stderr.write(`bench: ${arg}: unknown ${arg.startsWith('-') ? 'option' : 'suite'} (suites: ${Object.keys(SUITES).join(', ')})\n`);
      return 2;
    }
  }
  const report = makeReporter(json, machine());
  for (const name of names.length > 0 ? names : Object.keys(SUITES)) {
    const suite = await SUITES[name].load();
    report.begin(suite.name, suite.title);
    await suite.run(report);
    report.end();
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
