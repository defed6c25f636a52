/**
 * `g2rpo train`: the flags become a `TrainConfigInput`, validated once by `resolveConfig` (and, with
 * --resume, the checkpoint by `checkResumable`) before any work; the tensor backend (--backend, else
 * G2RPO_BACKEND, else the reference: backend-option.ts) is resolved before any work too and named in the
 * run header; then `train` runs with a progress bar on stderr and the summary's verdicts are printed on
 * stdout. Bad flags, config or a backend that cannot run here: one line on stderr, exit 2.
 *
 * Not here: the trainer (src/train), flag parsing (args.ts). Reference: issue 4; docs/training.md.
 */
import { InputError } from '../rl/errors.js';
import { ESTIMATORS } from '../rl/advantages/index.js';
import { DEFAULTS, QUICK, TASK_STAGES, defaultRunName, resolveConfig, type TrainConfig, type TrainConfigInput } from '../train/config.js';
import { train } from '../train/trainer.js';
import { PRESET_NAMES } from '../vlm/index.js';
import { formatFlags, parseArgs, type FlagSpec, type ParsedArgs } from './args.js';
import { BACKEND_FLAGS, callSummary, resolveBackendFlags, withBackend, withHeader, type ChosenBackend } from './backend-option.js';
import { EXIT_OK, EXIT_USAGE, type Command, type CommandIO } from './command.js';

export const TRAIN_FLAGS: readonly FlagSpec[] = [
  { name: 'name', kind: 'string', meta: 'NAME', help: 'run folder name (default: <estimator>[-<task stage>]-<preset>-s<seed>, e.g. g2rpo-ot-vlm-nano-s0)' },
  { name: 'out', kind: 'string', meta: 'DIR', help: `parent folder of runs (default ${DEFAULTS.outDir}/)` },
  { name: 'steps', kind: 'string', meta: 'N', help: `RL steps (default ${DEFAULTS.steps})` },
  { name: 'seed', kind: 'string', meta: 'N', help: `seed of everything (default ${DEFAULTS.seed})` },
  { name: 'preset', kind: 'string', values: PRESET_NAMES, meta: PRESET_NAMES.join('|'), help: `model (default ${DEFAULTS.preset})` },
  { name: 'tasks', kind: 'string', meta: 'a,b,c', help: 'task families (default all six)' },
  { name: 'estimator', kind: 'string', values: ESTIMATORS, meta: 'NAME', help: `advantages: ${ESTIMATORS.join(', ')} (default ${DEFAULTS.estimator})` },
  { name: 'task-stage', kind: 'string', values: TASK_STAGES, meta: TASK_STAGES.join('|'), help: `g2rpo stage 2 (default ${DEFAULTS.taskStage})` },
  { name: 'no-length-shaping', kind: 'boolean', help: 'no length term in the reward' },
  { name: 'no-entropy-shaping', kind: 'boolean', help: 'no entropy band penalty in the loss' },
  { name: 'prompts', kind: 'string', meta: 'P', help: `prompts per step (default ${DEFAULTS.promptsPerStep})` },
  { name: 'group-size', kind: 'string', meta: 'G', help: `rollouts per prompt (default ${DEFAULTS.groupSize})` },
  { name: 'mini-batches', kind: 'string', meta: 'M', help: `optimizer steps per RL step (default ${DEFAULTS.miniBatches})` },
  { name: 'lr', kind: 'string', meta: 'X', help: `RL learning rate (default ${DEFAULTS.lr})` },
  { name: 'kl-beta', kind: 'string', meta: 'X', help: `k3 KL to the warm start, 0 = off (default ${DEFAULTS.klBeta})` },
  { name: 'sft-steps', kind: 'string', meta: 'N', help: `warm-start SFT steps (default ${DEFAULTS.sft.steps})` },
  { name: 'eval-every', kind: 'string', meta: 'K', help: `held-out evaluation every K steps (default ${DEFAULTS.evalEvery})` },
  { name: 'eval-examples', kind: 'string', meta: 'N', help: `held-out examples per task (default ${DEFAULTS.evalExamples})` },
  { name: 'eval-samples', kind: 'string', meta: 'K', help: `sampled responses per held-out example (default ${DEFAULTS.evalSamples})` },
  { name: 'resume', kind: 'boolean', help: 'continue the run from its last checkpoint' },
  { name: 'quick', kind: 'boolean', help: 'a short configuration (CI; under a minute)' },
  { name: 'stop-after', kind: 'string', meta: 'N', help: 'stop after step N as if killed (tests --resume)' },
  ...BACKEND_FLAGS,
];

function usage(): string {
  return [
    'Usage: g2rpo train [options]',
    '',
    'Warm start by SFT (cached in <out>/.cache/), then RL with G²RPO (or another estimator) on the',
    'synthetic visual tasks; writes <out>/<name>/metrics.jsonl, checkpoints/ and report.html.',
    '',
    'Options:',
    formatFlags(TRAIN_FLAGS),
    '',
    'Examples:',
    '  npm run train',
    '  npm run train -- --quick',
    '  npm run train -- --estimator grpo --name grpo-run',
    '  npm run train -- --tasks math,counting --steps 20 --no-entropy-shaping',
    '  npm run train -- --name my-run --resume',
    '  xvfb-run -a npm run train -- --quick --backend gpujs:headlessgl',
    '',
  ].join('\n');
}

function int(flag: string, text: string): number {
  const x = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(x)) throw new InputError(`--${flag}`, `not an integer (got ${JSON.stringify(text)})`);
  return x;
}

function real(flag: string, text: string): number {
  const x = Number(text);
  if (text.trim() === '' || !Number.isFinite(x)) throw new InputError(`--${flag}`, `not a finite number (got ${JSON.stringify(text)})`);
  return x;
}

/** The config input the flags describe (not yet validated: resolveConfig does that). */
export function configInputFromFlags(args: ParsedArgs): TrainConfigInput {
  const f = args.flags;
  const s = (k: string): string | undefined => {
    const v = f.get(k);
    return typeof v === 'string' ? v : undefined;
  };
  const opt = <T>(k: string, parse: (flag: string, text: string) => T): T | undefined => {
    const v = s(k);
    return v === undefined ? undefined : parse(k, v);
  };
  const quick = f.has('quick');
  const base: TrainConfigInput = quick ? QUICK : {};
  const sftSteps = opt('sft-steps', int);
  const flags: TrainConfigInput = {
    name: s('name'),
    outDir: s('out'),
    steps: opt('steps', int),
    seed: opt('seed', int),
    preset: s('preset') as TrainConfig['preset'] | undefined,
    tasks: opt('tasks', (_k, v) => v.split(',').map((t) => t.trim())) as TrainConfig['tasks'] | undefined,
    estimator: s('estimator') as TrainConfig['estimator'] | undefined,
    taskStage: s('task-stage') as TrainConfig['taskStage'] | undefined,
    lengthShaping: f.has('no-length-shaping') ? false : undefined,
    entropyShaping: f.has('no-entropy-shaping') ? false : undefined,
    promptsPerStep: opt('prompts', int),
    groupSize: opt('group-size', int),
    miniBatches: opt('mini-batches', int),
    lr: opt('lr', real),
    klBeta: opt('kl-beta', real),
    evalEvery: opt('eval-every', int),
    evalExamples: opt('eval-examples', int),
    evalSamples: opt('eval-samples', int),
  };
  // Flags override the --quick base field by field; a flag not given must not erase the base's value.
  const given = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as TrainConfigInput;
  const input: TrainConfigInput = {
    ...base,
    ...given,
    sft: { ...(base.sft ?? {}), ...(sftSteps === undefined ? {} : { steps: sftSteps }) },
  };
  if (quick && input.name === undefined) {
    // A quick run gets its own folder, so it never replaces a full run of the same method.
    const r = resolveConfig({ ...input, name: undefined });
    return { ...input, name: `${defaultRunName(r)}-quick` };
  }
  return input;
}

/** One line per task: warm start → final held-out reward, sampled (primary) and greedy, with p-values. */
export function verdictLines(summary: Record<string, unknown>): string[] {
  type V = { warm_start: number; final: number; p_value: number; improved: boolean };
  const lt = summary.learning_test as { tasks: Record<string, V & { greedy: V }>; improved: number; improved_greedy: number; of: number; test: string };
  const show = (v: V) => `${v.warm_start.toFixed(3)} → ${v.final.toFixed(3)} p = ${v.p_value.toFixed(4)} ${(v.improved ? 'improved' : 'n.s.').padEnd(8)}`;
  const lines = Object.entries(lt.tasks).map(([t, v]) => `  ${t.padEnd(10)} sampled ${show(v)}   greedy ${show(v.greedy)}`.trimEnd());
  return [
    `held-out reward, warm start → final (${lt.test}, α = 0.05):`,
    ...lines,
    `  ${lt.improved} of ${lt.of} families improved (sampled reward); ${lt.improved_greedy} of ${lt.of} by greedy reward`,
  ];
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'warm start by SFT, then RL with G²RPO on the synthetic visual tasks',
  async run(argv: readonly string[], io: CommandIO): Promise<number> {
    let config: TrainConfig;
    let args: ParsedArgs;
    let chosen: ChosenBackend;
    try {
      args = parseArgs(argv, TRAIN_FLAGS);
      if (args.help) {
        io.writeStdout(usage());
        return EXIT_OK;
      }
      if (args.positionals.length > 0) throw new InputError(args.positionals[0], 'unexpected argument (see --help)');
      config = resolveConfig(configInputFromFlags(args));
      // Last of the checks, so a bad flag costs no backend start-up (a GL context, compiled kernels).
      chosen = await resolveBackendFlags(args);
    } catch (e) {
      if (e instanceof InputError) {
        io.writeStderr(`g2rpo train: ${e.message}\n`);
        return EXIT_USAGE;
      }
      throw e;
    }
    const stopAfter = args.flags.get('stop-after');
    try {
      const result = await withBackend(chosen.backend, async () => {
        const r = await train(config, {
          resume: args.flags.has('resume'),
          stopAfter: typeof stopAfter === 'string' ? int('stop-after', stopAfter) : undefined,
          io: { log: withHeader(io.writeStderr, chosen.header), isTTY: process.stderr.isTTY === true },
          meta: { backend: chosen.description },
        });
        const calls = callSummary(chosen.backend);
        if (calls !== null) io.writeStderr(`${calls}\n`);
        return r;
      });
      io.writeStdout(`run: ${result.dir}\nbackend: ${chosen.description}\n`);
      if (result.summary !== null) {
        const t = result.summary.timing as { wall_s: number };
        io.writeStdout(`${verdictLines(result.summary).join('\n')}\nwall time ${t.wall_s.toFixed(1)} s\n`);
      }
      io.writeStdout(`report.html: ${result.report}\n`);
      return EXIT_OK;
    } catch (e) {
      if (e instanceof InputError) {
        io.writeStderr(`g2rpo train: ${e.message}\n`);
        return EXIT_USAGE;
      }
      throw e;
    }
  },
};
