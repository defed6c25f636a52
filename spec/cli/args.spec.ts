/**
 * The pieces of the CLI in-process (no child process, so these are cheap): the flag parser, the split of
 * standard input into JSON records, the flag → estimator-option table checked against the library's
 * own option table, and the `advantages` command run against string IO (EMA state across lines,
 * all-or-nothing output).
 *
 * Not here: the real process (exit codes, pipes, the bin): advantages.spec.ts.
 */
import { describe, expect, it } from 'vitest';
import { ADVANTAGES_USAGE, advantagesCommand, advantagesOfRecords, optionsFromFlags } from '../../src/cli/advantages.js';
import { formatFlags, parseArgs, type FlagSpec } from '../../src/cli/args.js';
import type { CommandIO } from '../../src/cli/command.js';
import { LineError, parseJsonInputs } from '../../src/cli/json-input.js';
import { computeAdvantages, ESTIMATORS, OPTION_KEYS } from '../../src/rl/advantages/index.js';
import type { EmaStdState } from '../../src/rl/advantages/index.js';
import { InputError } from '../../src/rl/errors.js';

const SPECS: FlagSpec[] = [
  { name: 'mode', kind: 'string', values: ['a', 'b'], help: 'pick' },
  { name: 'free', kind: 'string', help: 'any' },
  { name: 'on', kind: 'boolean', help: 'switch' },
];

function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('parseArgs', () => {
  it('reads --name value, --name=value, booleans, -h, positionals and --', () => {
    const a = parseArgs(['--mode', 'b', '--free=-1.5', 'x', '--on', '-h', '--', '--mode'], SPECS);
    expect(Object.fromEntries(a.flags)).toEqual({ mode: 'b', free: '-1.5', on: true });
    expect(a.positionals).toEqual(['x', '--mode']);
    expect(a.help).toBe(true);
  });

  it('a negative number is a value, not a flag', () => {
    expect(parseArgs(['--free', '-2'], SPECS).flags.get('free')).toBe('-2');
  });

  it.each([
    [['--nope'], '--nope', 'unknown option'],
    [['-x'], '-x', 'unknown option'],
    [['--mode', 'c'], '--mode', 'must be one of a, b (got "c")'],
    [['--mode'], '--mode', 'needs a value'],
    [['--mode', '--on'], '--mode', 'needs a value'],
    [['--on=yes'], '--on', 'takes no value'],
    [['--on', '--on'], '--on', 'given more than once'],
  ])('%j → %s: %s', (argv, field, problem) => {
    const e = inputError(() => parseArgs(argv, SPECS));
    expect(e.field).toBe(field);
    expect(e.problem).toContain(problem);
  });

  it('formatFlags aligns the help column two spaces after the longest flag', () => {
    const lines = formatFlags(SPECS).split('\n');
    expect(lines).toEqual(['  --mode VALUE  pick', '  --free VALUE  any', '  --on          switch']);
  });

  it('formatFlags puts the help of a flag longer than the column on the next line', () => {
    const long: FlagSpec = { name: 'estimator', kind: 'string', meta: 'a|b|c|d|e|f|g|h|i|j|k', help: 'which' };
    expect(formatFlags([long, SPECS[2]], 20).split('\n')).toEqual(['  --estimator a|b|c|d|e|f|g|h|i|j|k', '        which', '  --on  switch']);
  });
});

describe('parseJsonInputs', () => {
  it('one pretty-printed document is one record at its first non-blank line', () => {
    expect(parseJsonInputs('\n\n{\n  "a": [1,\n 2]\n}\n')).toEqual([{ line: 3, value: { a: [1, 2] } }]);
  });

  it('JSON Lines: blank lines skipped but counted; CRLF and a BOM accepted', () => {
    const records = parseJsonInputs('\uFEFF{"a":1}\r\n\r\n  \n{"a":2}\r\n');
    expect(records).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 4, value: { a: 2 } },
    ]);
  });

  it('a broken line is named; a broken multi-line document is named at its first line', () => {
    const jsonl = inputError2(() => parseJsonInputs('{"a":1}\n{"a":\n'));
    expect([jsonl.line, jsonl.field]).toEqual([2, 'input']);
    const doc = inputError2(() => parseJsonInputs('\n{\n "a": [1,,2]\n}'));
    expect([doc.line, doc.field]).toEqual([2, 'input']);
    expect(doc.problem).toMatch(/^not valid JSON \(/);
    expect(doc.problem).not.toContain('\n');
  });

  it('empty or whitespace-only input is an error about the input as a whole', () => {
    for (const text of ['', '\n', ' \r\n\t\n']) {
      const e = inputError2(() => parseJsonInputs(text));
      expect([e.line, e.field]).toEqual([undefined, 'standard input']);
    }
  });
});

function inputError2(f: () => unknown): LineError {
  try {
    f();
  } catch (e) {
    if (e instanceof LineError) return e;
    throw e;
  }
  throw new Error('expected a LineError');
}

describe('flags → estimator options', () => {
  const optionFlags: [string, string, string][] = [
    ['task-stage', 'taskStage', 'none'],
    ['exclude-degenerate', 'excludeDegenerate', ''],
    ['precision', 'precision', 'published-float32'],
    ['scale', 'scale', 'batch'],
    ['std', 'std', 'trl'],
    ['singleton', 'singleton', 'error'],
    ['alpha', 'alpha', '0.5'],
    ['eps', 'eps', '0.001'],
  ];

  it('a flag applies to an estimator exactly when the library has that option for it (OPTION_KEYS)', () => {
    // The CLI keeps its own table (for messages naming flags); this keeps it from drifting from the library.
    for (const est of ESTIMATORS) {
      for (const [flag, key, value] of optionFlags) {
        const flags = new Map<string, string | true>([['estimator', est], [flag, value === '' ? true : value]]);
        if (OPTION_KEYS[est].includes(key)) {
          const o = optionsFromFlags(flags) as unknown as Record<string, unknown>;
          expect(o.estimator).toBe(est);
          expect(o[key]).toEqual(value === '' ? true : flag === 'alpha' || flag === 'eps' ? Number(value) : value);
        } else {
          const e = inputError(() => optionsFromFlags(flags));
          expect(e.field).toBe(`--${flag}`);
          expect(e.problem).toContain(`does not apply to --estimator ${est}`);
        }
      }
    }
  });

  it('the default estimator is g2rpo with no options', () => {
    expect(optionsFromFlags(new Map())).toEqual({ estimator: 'g2rpo' });
  });

  it('the library range checks are reported against the flag', () => {
    const e = inputError(() => optionsFromFlags(new Map([['estimator', 'ema_grpo'], ['alpha', '1.5']])));
    expect(e.field).toBe('--alpha');
    const f = inputError(() => optionsFromFlags(new Map([['precision', 'published-float32'], ['task-stage', 'scale']])));
    expect(f.field).toBe('--precision');
    const g = inputError(() => optionsFromFlags(new Map([['estimator', 'ema_grpo'], ['eps', '1e999']])));
    expect([g.field, g.problem]).toEqual(['--eps', 'not a finite number (got "1e999")']);
  });

  it('--help documents every flag', () => {
    for (const [flag] of optionFlags) expect(ADVANTAGES_USAGE).toContain(`--${flag}`);
  });
});

describe('the advantages command on string IO', () => {
  function io(stdin: string): CommandIO & { out: string; err: string } {
    const r = {
      out: '',
      err: '',
      stdinIsTTY: false,
      readStdin: () => Promise.resolve(stdin),
      writeStdout: (t: string) => void (r.out += t),
      writeStderr: (t: string) => void (r.err += t),
    };
    return r;
  }

  it('ema_grpo: the running per-task std carries from one line to the next', () => {
    // Step 1 has a wide reward spread, step 2 a narrow one: with the state carried, step 2 is divided by
    // 0.9·σ₁ + 0.1·σ₂ instead of σ₂ alone, so its advantages differ from step 2 run alone.
    const step1 = { rewards: [0, 10, 0, 10], groups: [0, 0, 1, 1] };
    const step2 = { rewards: [0, 1, 1, 0], groups: [0, 0, 1, 1] };
    const options = optionsFromFlags(new Map([['estimator', 'ema_grpo']]));
    const lines = advantagesOfRecords([{ line: 1, value: step1 }, { line: 2, value: step2 }], options);
    const state: EmaStdState = new Map();
    computeAdvantages(step1, { estimator: 'ema_grpo', state });
    const carried = Array.from(computeAdvantages(step2, { estimator: 'ema_grpo', state }));
    const alone = Array.from(computeAdvantages(step2, { estimator: 'ema_grpo' }));
    expect(JSON.parse(lines[1]).advantages).toEqual(carried);
    expect(carried).not.toEqual(alone);
  });

  it('each run starts a fresh EMA state (two runs of the same input agree)', async () => {
    const stdin = '{"rewards":[0,10,0,10],"groups":[0,0,1,1]}\n{"rewards":[0,1,1,0],"groups":[0,0,1,1]}\n';
    const a = io(stdin);
    const b = io(stdin);
    expect(await advantagesCommand.run(['--estimator', 'ema_grpo'], a)).toBe(0);
    expect(await advantagesCommand.run(['--estimator', 'ema_grpo'], b)).toBe(0);
    expect(a.out).toBe(b.out);
    expect(a.out.split('\n')).toHaveLength(3);
  });

  it('all or nothing: a bad last line leaves stdout empty', async () => {
    const good = '{"rewards":[1,0],"groups":[0,0]}\n';
    const r = io(good.repeat(50) + '{"rewards":[1,null],"groups":[0,0]}\n');
    expect(await advantagesCommand.run([], r)).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe('g2rpo advantages: line 51: rewards[1]: not a finite number (got null)\n');
  });

  it('a top-level value that is not an object, and an unexpected positional argument, are named', async () => {
    const arr = io('[1, 2]');
    expect(await advantagesCommand.run([], arr)).toBe(2);
    expect(arr.err).toMatch(/^g2rpo advantages: line 1: input: must be a JSON object .*\(got an array\)\n$/);
    const pos = io('{}');
    expect(await advantagesCommand.run(['batches.jsonl'], pos)).toBe(2);
    expect(pos.err).toMatch(/^g2rpo advantages: batches\.jsonl: unexpected argument/);
  });

  it('nothing piped in (a terminal) is an error, not a hang', async () => {
    const tty = { ...io(''), stdinIsTTY: true, readStdin: () => Promise.reject(new Error('must not read')) };
    let err = '';
    tty.writeStderr = (t: string) => void (err += t);
    expect(await advantagesCommand.run([], tty)).toBe(2);
    expect(err).toMatch(/standard input: nothing piped in/);
  });
});
