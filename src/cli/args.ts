/**
 * A small command-line flag parser for the `g2rpo` subcommands: `--name value`, `--name=value`, boolean
 * `--name`, `-h`/`--help`, and `--` to end the flags. Each flag is declared once in a table; anything
 * undeclared, repeated, missing its value or outside its allowed values is an `InputError` naming the flag,
 * so the command prints one clear line and exits 2.
 *
 * Not here: which flags apply to which estimator (src/cli/advantages.ts), reading standard input.
 * No dependency on purpose: the CLI must start fast (each spawn in the specs costs ~0.3 s already).
 */
import { InputError } from '../rl/errors.js';

export interface FlagSpec {
  /** Without the leading dashes, e.g. `task-stage`. */
  readonly name: string;
  /** `boolean` flags take no value (`--exclude-degenerate`); `string` flags take exactly one. */
  readonly kind: 'boolean' | 'string';
  /** Allowed values of a string flag; absent means any string (checked by the command). */
  readonly values?: readonly string[];
  /** Placeholder for the usage text, e.g. `ot|none|scale`. */
  readonly meta?: string;
  /** One line for the usage text. */
  readonly help: string;
}

export interface ParsedArgs {
  /** Flag name → value (`true` for a boolean flag). Only flags that were given are present. */
  readonly flags: ReadonlyMap<string, string | true>;
  readonly positionals: readonly string[];
  /** `--help` or `-h` was given (anywhere before `--`). */
  readonly help: boolean;
}

/** Parses argv (without the node, script and subcommand words) against the declared flags. */
export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) throw new InputError(arg, 'unknown option (flags are spelled --name; see --help)');
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (spec === undefined) throw new InputError(`--${name}`, 'unknown option (see --help)');
    if (flags.has(name)) throw new InputError(`--${name}`, 'given more than once');
    if (spec.kind === 'boolean') {
      if (eq >= 0) throw new InputError(`--${name}`, 'takes no value');
      flags.set(name, true);
      continue;
    }
    let value: string;
    if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      // A following word that starts with `--` is another flag, not this flag's value.
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) {
        throw new InputError(`--${name}`, `needs a value${spec.meta ? ` (${spec.meta})` : ''}`);
      }
      value = argv[++i];
    }
    if (spec.values !== undefined && !spec.values.includes(value)) {
      throw new InputError(`--${name}`, `must be one of ${spec.values.join(', ')} (got ${JSON.stringify(value)})`);
    }
    flags.set(name, value);
  }
  return { flags, positionals, help };
}

/**
 * The option lines of a usage text: `  --name META  help`, help aligned in one column; a flag too long
 * for the column (over `maxLeft` characters) gets its help on the next line, so lines stay under ~100.
 */
export function formatFlags(specs: readonly FlagSpec[], maxLeft = 30): string {
  const left = specs.map((s) => `  --${s.name}${s.kind === 'string' ? ` ${s.meta ?? 'VALUE'}` : ''}`);
  const width = Math.max(...left.map((l) => (l.length <= maxLeft ? l.length : 0))) + 2;
  return specs
    .map((s, i) => (left[i].length <= maxLeft ? `${left[i].padEnd(width)}${s.help}` : `${left[i]}\n${' '.repeat(width)}${s.help}`))
    .join('\n');
}
