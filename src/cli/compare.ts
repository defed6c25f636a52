/**
 * `g2rpo compare`: four runs (GRPO, G²RPO ot, G²RPO scale, G²RPO ot without shaping; src/train/compare.ts)
 * on the same seed, data and cached warm start, each a normal run folder `<out>/<compare>-<variant>/`,
 * then `<out>/<compare>/compare.json` with the verdicts and, when src/report is there, the side-by-side
 * report. Takes the train command's flags except those that pick the objective (the backend flags
 * included: one backend for all four runs, resolved before the first). --resume continues unfinished
 * variants and reuses finished ones.
 *
 * Not here: the runs (src/train/trainer.ts), the verdict arithmetic (src/train/compare.ts).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../io/atomic.js';
import { InputError } from '../rl/errors.js';
import { checkpointPath } from '../train/checkpoint.js';
import { VARIANTS, compareName, compareRecord, variantResult, type VariantResult } from '../train/compare.js';
import { resolveConfig, type TrainConfig } from '../train/config.js';
import { train, tryReport } from '../train/trainer.js';
import { formatFlags, parseArgs, type ParsedArgs } from './args.js';
import { callSummary, resolveBackendFlags, withBackend, type ChosenBackend } from './backend-option.js';
import { EXIT_OK, EXIT_USAGE, type Command, type CommandIO } from './command.js';
import { TRAIN_FLAGS, configInputFromFlags } from './train.js';

/** The objective is what compare varies: those flags are not accepted. */
const OBJECTIVE_FLAGS = new Set(['estimator', 'task-stage', 'no-length-shaping', 'no-entropy-shaping', 'stop-after']);
const COMPARE_FLAGS = TRAIN_FLAGS.filter((f) => !OBJECTIVE_FLAGS.has(f.name)).map((f) =>
  f.name === 'name' ? { ...f, help: 'compare folder name (default compare-<preset>-s<seed>); runs are <name>-<variant>' } : f,
);

function usage(): string {
  return [
    'Usage: g2rpo compare [options]',
    '',
    `Runs ${VARIANTS.map((v) => v.label).join(', ')}`,
    'on the same seed, data and warm start; writes <out>/<name>/compare.json (does G²RPO equalise per-task',
    "gradient-norm shares better than GRPO? what does each do to each task's held-out reward?) and compare.html.",
    '',
    'Options:',
    formatFlags(COMPARE_FLAGS),
    '',
    'Examples:',
    '  npm run compare',
    '  npm run compare -- --quick',
    '  npm run compare -- --quick --backend gpujs:webasm --backend-offload all',
    '',
  ].join('\n');
}

/** True when the run folder has a summary line: a finished run. */
function finished(dir: string): boolean {
  const p = join(dir, 'metrics.jsonl');
  return existsSync(p) && readFileSync(p, 'utf8').includes('{"type":"summary"');
}

export const compareCommand: Command = {
  name: 'compare',
  summary: 'GRPO vs G²RPO (ot, scale, no shaping) on one seed: gradient-norm equity and eval scores',
  async run(argv: readonly string[], io: CommandIO): Promise<number> {
    let configs: { id: string; label: string; config: TrainConfig }[];
    let base: TrainConfig;
    let resume: boolean;
    let chosen: ChosenBackend;
    try {
      const args: ParsedArgs = parseArgs(argv, COMPARE_FLAGS);
      if (args.help) {
        io.writeStdout(usage());
        return EXIT_OK;
      }
      if (args.positionals.length > 0) throw new InputError(args.positionals[0], 'unexpected argument (see --help)');
      const input = configInputFromFlags(args);
      base = resolveConfig({ ...input, name: undefined });
      const name = args.flags.has('name') ? (input.name as string) : `${compareName(base)}${args.flags.has('quick') ? '-quick' : ''}`;
      base = resolveConfig({ ...input, name });
      resume = args.flags.has('resume');
      // Every variant's config is validated before the first run starts.
      configs = VARIANTS.map((v) => ({ id: v.id, label: v.label, config: resolveConfig({ ...input, ...v.config, name: `${name}-${v.id}` }) }));
      // One backend for all four runs, resolved before the first starts (backend-option.ts).
      chosen = await resolveBackendFlags(args);
    } catch (e) {
      if (e instanceof InputError) {
        io.writeStderr(`g2rpo compare: ${e.message}\n`);
        return EXIT_USAGE;
      }
      throw e;
    }
    const results: VariantResult[] = [];
    try {
      io.writeStderr(chosen.header);
      await withBackend(chosen.backend, async () => {
        for (const v of configs) {
          const dir = join(v.config.outDir, v.config.name);
          if (resume && finished(dir)) {
            io.writeStderr(`${v.label}: finished run found in ${dir}, reused\n`);
          } else {
            io.writeStderr(`── ${v.label} → ${dir}\n`);
            await train(v.config, {
              resume: resume && existsSync(checkpointPath(v.config)),
              io: { log: io.writeStderr, isTTY: process.stderr.isTTY === true },
              meta: { backend: chosen.description },
            });
          }
          results.push(variantResult(VARIANTS.find((x) => x.id === v.id)!, dir));
        }
        const calls = callSummary(chosen.backend);
        if (calls !== null) io.writeStderr(`${calls}\n`);
      });
    } catch (e) {
      if (e instanceof InputError) {
        io.writeStderr(`g2rpo compare: ${e.message}\n`);
        return EXIT_USAGE;
      }
      throw e;
    }
    const outDir = join(base.outDir, base.name);
    mkdirSync(outDir, { recursive: true });
    const record = compareRecord(base.seed, results);
    writeFileAtomicSync(join(outDir, 'compare.json'), new TextEncoder().encode(`${JSON.stringify(record, null, 2)}\n`));
    const report = await tryReport('buildCompareReport', results.map((r) => r.dir), outDir);
    io.writeStdout(`${record.summary as string}\n(${record.caveat as string})\nbackend: ${chosen.description}\ncompare.json: ${join(outDir, 'compare.json')}\ncompare.html: ${report}\n`);
    return EXIT_OK;
  },
};
