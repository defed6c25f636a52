/**
 * `g2rpo advantages`: reward batches in on standard input, advantages out on standard output, one line
 * per input, in order. A thin shell over `computeAdvantages` (src/rl/advantages/index.ts): the flags
 * become an `EstimatorOptions`, each input record a `RewardBatch`; all arithmetic and all batch checks
 * are the library's, so the command and the library cannot disagree.
 *
 * All or nothing: every record is parsed, validated and computed before the first byte is written, so a
 * bad line 900 leaves stdout empty (a pipeline never sees half an answer), exit 2, and one stderr line
 * `g2rpo advantages: line 900: rewards[4]: not a finite number (got Infinity)`.
 *
 * Not here: the estimators, flag parsing (args.ts), splitting stdin into records (json-input.ts).
 * Reference: issue 2 (CLI section); docs/porting.md shows how porters use it.
 */
import { computeAdvantages, EMA_DEFAULT_ALPHA, ESTIMATORS, validateEstimatorOptions } from '../rl/advantages/index.js';
import type { EmaStdState, EstimatorName, EstimatorOptions, RewardBatch } from '../rl/advantages/index.js';
import { InputError } from '../rl/errors.js';
import { formatFlags, parseArgs, type FlagSpec } from './args.js';
import { EXIT_OK, EXIT_USAGE, type Command, type CommandIO } from './command.js';
import { LineError, parseJsonInputs, type InputRecord } from './json-input.js';

/** A flag that sets one estimator option; `appliesTo` lists the estimators that have that option. */
interface OptionFlag extends FlagSpec {
  readonly key: string;
  readonly appliesTo: readonly EstimatorName[];
  /** Turns the flag's text into the option value (default: the text itself, or true). */
  readonly parse?: (text: string) => unknown;
}

function parseNumber(text: string): number {
  const x = Number(text);
  // Number('') is 0 and Number('1e999') is Infinity: neither is what the user meant.
  if (text.trim() === '' || !Number.isFinite(x)) throw new InputError('value', `not a finite number (got ${JSON.stringify(text)})`);
  return x;
}

const ESTIMATOR_FLAG: FlagSpec = {
  name: 'estimator',
  kind: 'string',
  values: ESTIMATORS,
  meta: ESTIMATORS.join('|'),
  help: 'advantage estimator (default g2rpo)',
};

const OPTION_FLAGS: readonly OptionFlag[] = [
  {
    name: 'task-stage', key: 'taskStage', kind: 'string', values: ['ot', 'none', 'scale'], meta: 'ot|none|scale',
    appliesTo: ['g2rpo'], help: 'g2rpo stage 2: ot (released code; default), none (paper App. B), scale',
  },
  {
    name: 'exclude-degenerate', key: 'excludeDegenerate', kind: 'boolean', appliesTo: ['g2rpo'],
    help: 'g2rpo: all-equal groups get exactly 0 and stay out of stage 2',
  },
  {
    name: 'precision', key: 'precision', kind: 'string', values: ['float64', 'published-float32'],
    meta: 'float64|published-float32', appliesTo: ['g2rpo'],
    help: "g2rpo: float64, exact ties (default); or the released code's float32",
  },
  {
    name: 'scale', key: 'scale', kind: 'string', values: ['group', 'batch', 'none'], meta: 'group|batch|none',
    appliesTo: ['grpo'], help: 'grpo divisor: group std (default), batch std (TRL), none (dr_grpo)',
  },
  {
    name: 'std', key: 'std', kind: 'string', values: ['verl', 'easyr1', 'trl'], meta: 'verl|easyr1|trl',
    appliesTo: ['grpo', 'gdpo'], help: 'verl, easyr1: (r-m)/(std+1e-6) (default); trl: +1e-4; std with n-1',
  },
  {
    name: 'singleton', key: 'singleton', kind: 'string', values: ['zero', 'error'], meta: 'zero|error',
    appliesTo: ['grpo', 'dr_grpo', 'rloo', 'ema_grpo', 'gdpo'],
    help: 'a group of one response: advantage 0 (default) or reject the input',
  },
  {
    name: 'alpha', key: 'alpha', kind: 'string', meta: 'NUMBER', appliesTo: ['ema_grpo'], parse: parseNumber,
    help: `ema_grpo: weight of the old running std per task (default ${EMA_DEFAULT_ALPHA})`,
  },
  {
    name: 'eps', key: 'eps', kind: 'string', meta: 'NUMBER', appliesTo: ['ema_grpo'], parse: parseNumber,
    help: 'ema_grpo: added to the running std (default 1e-6)',
  },
];

const FLAGS: readonly FlagSpec[] = [ESTIMATOR_FLAG, ...OPTION_FLAGS];
/** --help is handled by parseArgs itself; this entry only puts it in the usage text. */
const HELP_FLAG: FlagSpec = { name: 'help', kind: 'boolean', help: 'this text (also -h)' };

export const ADVANTAGES_USAGE = `Usage: g2rpo advantages [options] < batches.jsonl

Reads reward batches on standard input, writes their advantages, one line per batch, in order:
  in:  {"rewards": number[], "groups": (string|number)[], "tasks"?: (string|number)[],
        "components"?: number[][]}
  out: {"advantages": number[]}
Input is ONE JSON object (it may span several lines) or JSON Lines (one object per line; blank
lines are skipped, and counted in line numbers). A golden-file record {"input": {...},
"expected": [...]} is accepted too: "input" is used, "expected" ignored (compare it yourself).
Numbers are printed so that they parse back to the same float64. Ids are compared by value:
1 and "1" are different groups. Without "tasks" the batch is one task. With --estimator
ema_grpo the lines are consecutive training steps: the running per-task std carries from one
line to the next, starting empty.

Options:
${formatFlags([...FLAGS, HELP_FLAG])}

Bad input (not JSON, a missing field, a length mismatch, a non-finite reward, empty rewards,
an option that does not apply to the estimator) exits 2 with one line on stderr naming the line
and the field, and writes nothing to stdout.

Examples:
  echo '{"rewards":[0,0,0,0,1],"groups":[0,0,0,0,0]}' | g2rpo advantages
  g2rpo advantages --task-stage scale --exclude-degenerate < batches.jsonl > advantages.jsonl
  g2rpo advantages --estimator grpo --scale batch --std trl < batches.jsonl
  g2rpo advantages < ../shared/conformance/advantages/g2rpo.jsonl
(from a checkout without the bin installed: npx tsx src/cli.ts advantages ...)
`;

/** Builds the estimator options from the parsed flags; an option the estimator lacks is an error. */
export function optionsFromFlags(flags: ReadonlyMap<string, string | true>): EstimatorOptions {
  const estimator = (flags.get('estimator') ?? 'g2rpo') as EstimatorName;
  const options: Record<string, unknown> = { estimator };
  for (const f of OPTION_FLAGS) {
    const given = flags.get(f.name);
    if (given === undefined) continue;
    if (!f.appliesTo.includes(estimator)) {
      const own = OPTION_FLAGS.filter((g) => g.appliesTo.includes(estimator)).map((g) => `--${g.name}`);
      throw new InputError(
        `--${f.name}`,
        `does not apply to --estimator ${estimator} (it applies to ${f.appliesTo.join(', ')}; ` +
          `${estimator} takes ${own.length > 0 ? own.join(', ') : 'no options'})`,
      );
    }
    try {
      options[f.key] = given === true ? true : f.parse !== undefined ? f.parse(given) : given;
    } catch (e) {
      if (e instanceof InputError) throw new InputError(`--${f.name}`, e.problem);
      throw e;
    }
  }
  // The running std of EMA-GRPO lives across the lines of one run (computeAdvantages updates it in place).
  if (estimator === 'ema_grpo') options.state = new Map() as EmaStdState;
  // Range checks and combinations (e.g. --alpha 2, published-float32 with --task-stage scale) are the
  // library's; done here so they are reported against the flag, before any input is read.
  try {
    return validateEstimatorOptions(options);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const flag = OPTION_FLAGS.find((f) => f.key === e.field);
    throw new InputError(flag === undefined ? e.field : `--${flag.name}`, e.problem);
  }
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? 'an object' : JSON.stringify(x);
}

/**
 * The batch a record carries and the prefix its field names get: a plain batch, or a golden-file record
 * {"input": batch, "expected": [...]} (then fields read `input.rewards[4]`).
 */
function batchOf(record: InputRecord): { batch: unknown; prefix: string } {
  const v = record.value;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new LineError(record.line, 'input', `must be a JSON object {"rewards", "groups", "tasks"?} (got ${describe(v)})`);
  }
  if (!('input' in v)) return { batch: v, prefix: '' };
  for (const key of Object.keys(v)) {
    if (key !== 'input' && key !== 'expected') {
      throw new LineError(record.line, key, 'unknown field of a golden-file record (expected input, expected)');
    }
  }
  return { batch: (v as { input: unknown }).input, prefix: 'input.' };
}

/** Validates and computes every record; throws LineError at the first bad one. Returns the output lines. */
export function advantagesOfRecords(records: readonly InputRecord[], options: EstimatorOptions): string[] {
  const out: string[] = [];
  for (const record of records) {
    const { batch, prefix } = batchOf(record);
    let advantages: Float64Array;
    try {
      // computeAdvantages validates the batch itself (InputError naming the field), hence the cast.
      advantages = computeAdvantages(batch as RewardBatch, options);
    } catch (e) {
      if (e instanceof InputError) {
        // The library names a non-object batch 'batch'; here it is the record's `input` field.
        const field = e.field === 'batch' ? prefix.slice(0, -1) || 'input' : prefix + e.field;
        throw new LineError(record.line, field, e.problem);
      }
      throw e;
    }
    // JSON would print NaN or ±Infinity as null: a non-finite advantage is a bug, not something to hide.
    const bad = advantages.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`line ${record.line}: the estimator returned ${advantages[bad]} at [${bad}]`);
    // JSON.stringify prints the shortest decimal that parses back to the same double (ECMA-262
    // Number::toString), so the output round-trips exactly. −0 prints as 0, which equals it.
    out.push(`{"advantages":${JSON.stringify(Array.from(advantages))}}`);
  }
  return out;
}

async function run(argv: readonly string[], io: CommandIO): Promise<number> {
  const fail = (message: string): number => {
    io.writeStderr(`g2rpo advantages: ${message}\n`);
    return EXIT_USAGE;
  };
  let options: EstimatorOptions;
  try {
    const args = parseArgs(argv, FLAGS);
    if (args.help) {
      io.writeStdout(ADVANTAGES_USAGE);
      return EXIT_OK;
    }
    if (args.positionals.length > 0) {
      return fail(`${args.positionals[0]}: unexpected argument (input is read from standard input; see --help)`);
    }
    options = optionsFromFlags(args.flags);
  } catch (e) {
    if (e instanceof InputError) return fail(e.message);
    throw e;
  }
  if (io.stdinIsTTY) return fail('standard input: nothing piped in (see --help for the input format)');
  let lines: string[];
  try {
    lines = advantagesOfRecords(parseJsonInputs(await io.readStdin()), options);
  } catch (e) {
    if (e instanceof LineError) return fail(e.message);
    throw e;
  }
  io.writeStdout(lines.join('\n') + '\n');
  return EXIT_OK;
}

export const advantagesCommand: Command = {
  name: 'advantages',
  summary: 'advantages of reward batches (JSON or JSON Lines on stdin) under GRPO-family estimators or G²RPO',
  run,
};
