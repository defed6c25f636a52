/**
 * Reads and validates `runs/<name>/metrics.jsonl`, the contract between the trainer and the report
 * (docs/report.md § The input; the schema agreed with src/train): one JSON object per line, each with a
 * `type` (config, step, advantages, eval, sft, summary).
 *
 * What it is not: a writer (src/train writes the file) or a schema for the summary's inner fields (the
 * summary is free-form; the report shows whatever it holds). Validation is strict on types — a wrong
 * type is an InputError naming the file, the line and the field, e.g.
 * `metrics.jsonl line 7: tasks.reading.reward: expected a number or null, got "high"` — and lenient on
 * the one failure a killed run produces: a last line cut off mid-write is skipped with a warning.
 * Unknown record types are skipped with a warning too, so a newer trainer's extra records do not break
 * an older report.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../rl/errors.js';

export type Num = number | null;

export interface ConfigRecord {
  readonly type: 'config';
  readonly name: string;
  readonly tasks: readonly string[];
  readonly seed?: number;
  readonly preset?: string;
  readonly estimator?: string;
  readonly taskStage?: string | null;
  readonly steps?: number;
  readonly promptsPerStep?: number;
  readonly groupSize?: number;
  readonly lengthShaping?: boolean;
  readonly entropyShaping?: boolean;
  /** task → [L_min, L_low, L_high, L_max] */
  readonly lengthEnvelopes?: Readonly<Record<string, readonly number[]>>;
  /** task → [H_min, H_max] */
  readonly entropyBands?: Readonly<Record<string, readonly number[]>>;
  readonly [extra: string]: unknown;
}

export const STEP_TASK_FIELDS = ['n', 'reward', 'accuracy', 'format_rate', 'length', 'entropy_neglogp', 'entropy_true', 'adv_mean', 'adv_sq_mean', 'adv_ks', 'grad_norm_share'] as const;
export type StepTaskField = (typeof STEP_TASK_FIELDS)[number];
export type StepTask = Readonly<Record<StepTaskField, Num>> & {
  readonly length_envelope?: readonly number[];
  readonly entropy_penalty?: Num;
  /** Groups of this task kept by the online filter (a trainer extra; 0 means its share is 0 by the filter). */
  readonly kept_groups?: Num;
};

export const STEP_FIELDS = ['time_s', 'loss', 'clip_frac', 'clip_frac_low', 'clip_frac_high', 'approx_kl', 'grad_norm', 'lr', 'kept_groups', 'dropped_groups'] as const;
export type StepRecord = Readonly<Record<(typeof STEP_FIELDS)[number], Num>> & {
  readonly type: 'step';
  readonly step: number;
  readonly phase_ms: Readonly<Record<string, Num>>;
  readonly kl_ref?: Num;
  readonly tasks: Readonly<Record<string, StepTask>>;
};

export interface AdvantagesRecord {
  readonly type: 'advantages';
  readonly step: number;
  readonly values: readonly number[];
}

export const EVAL_FIELDS = ['greedy_reward', 'greedy_accuracy', 'sampled_reward', 'sampled_accuracy', 'n'] as const;
export type EvalTask = Readonly<Record<(typeof EVAL_FIELDS)[number], Num>>;
export interface EvalRecord {
  readonly type: 'eval';
  readonly step: number;
  readonly tasks: Readonly<Record<string, EvalTask>>;
}

export interface SftRecord {
  readonly type: 'sft';
  readonly step: number;
  readonly loss: Num;
}

export type SummaryRecord = { readonly type: 'summary' } & Readonly<Record<string, unknown>>;

export interface RunMetrics {
  readonly runDir: string;
  readonly config: ConfigRecord;
  /** Sorted by step; a repeated step (a resumed run that re-logged it) keeps the later line. */
  readonly steps: readonly StepRecord[];
  readonly advantages: readonly AdvantagesRecord[];
  readonly evals: readonly EvalRecord[];
  readonly sft: readonly SftRecord[];
  readonly summary: SummaryRecord | null;
  /** Things skipped or repaired, in words, for the report to show. */
  readonly warnings: readonly string[];
}

type Obj = Record<string, unknown>;

/** Per-line checker: every error names the line and the dotted field path. */
class Line {
  constructor(
    readonly where: string,
    readonly raw: Obj,
  ) {}
  fail(field: string, problem: string): never {
    throw new InputError(`${this.where}: ${field}`, problem);
  }
  static show(v: unknown): string {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
  }
  obj(v: unknown, field: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, `expected an object, got ${Line.show(v)}`);
    return v as Obj;
  }
  num(v: unknown, field: string): Num {
    if (v === null) return null;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, `expected a number or null, got ${Line.show(v)}`);
    return v as number;
  }
  int(v: unknown, field: string, min: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) this.fail(field, `expected an integer ≥ ${min}, got ${Line.show(v)}`);
    return v as number;
  }
  str(v: unknown, field: string): string {
    if (typeof v !== 'string') this.fail(field, `expected a string, got ${Line.show(v)}`);
    return v as string;
  }
  numbers(v: unknown, field: string, length?: number): number[] {
    if (!Array.isArray(v)) this.fail(field, `expected an array of numbers, got ${Line.show(v)}`);
    const a = v as unknown[];
    if (length !== undefined && a.length !== length) this.fail(field, `expected ${length} numbers, got ${a.length}`);
    return a.map((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) this.fail(`${field}[${i}]`, `expected a finite number, got ${Line.show(x)}`);
      return x as number;
    });
  }
  /** Required fields, each a number or null. */
  fields<K extends string>(o: Obj, keys: readonly K[], prefix: string): Record<K, Num> {
    const out = {} as Record<K, Num>;
    for (const k of keys) {
      if (!(k in o)) this.fail(`${prefix}${k}`, 'missing (write null when undefined)');
      out[k] = this.num(o[k], `${prefix}${k}`);
    }
    return out;
  }
}

function parseConfig(l: Line): ConfigRecord {
  const o = l.raw;
  const name = l.str(o.name, 'name');
  if (!Array.isArray(o.tasks) || o.tasks.length === 0) l.fail('tasks', `expected a non-empty array of task names, got ${Line.show(o.tasks)}`);
  const tasks = (o.tasks as unknown[]).map((t, i) => l.str(t, `tasks[${i}]`));
  if (new Set(tasks).size !== tasks.length) l.fail('tasks', `repeated task name in ${Line.show(tasks)}`);
  for (const k of ['seed', 'steps', 'promptsPerStep', 'groupSize'] as const) if (k in o) l.num(o[k], k);
  for (const k of ['preset', 'estimator'] as const) if (k in o) l.str(o[k], k);
  if ('taskStage' in o && o.taskStage !== null) l.str(o.taskStage, 'taskStage');
  for (const k of ['lengthShaping', 'entropyShaping'] as const) if (k in o && typeof o[k] !== 'boolean') l.fail(k, `expected true or false, got ${Line.show(o[k])}`);
  for (const [k, len] of [['lengthEnvelopes', 4], ['entropyBands', 2]] as const) {
    if (!(k in o) || o[k] === null) continue;
    const m = l.obj(o[k], k);
    for (const [t, v] of Object.entries(m)) l.numbers(v, `${k}.${t}`, len);
  }
  return { ...o, type: 'config', name, tasks } as ConfigRecord;
}

function parseStep(l: Line, known: ReadonlySet<string>): StepRecord {
  const o = l.raw;
  const step = l.int(o.step, 'step', 1);
  const top = l.fields(o, STEP_FIELDS, '');
  const phase = l.obj(o.phase_ms, 'phase_ms');
  const phase_ms: Record<string, Num> = {};
  for (const [k, v] of Object.entries(phase)) phase_ms[k] = l.num(v, `phase_ms.${k}`);
  const tasks: Record<string, StepTask> = {};
  for (const [t, v] of Object.entries(l.obj(o.tasks, 'tasks'))) {
    if (!known.has(t)) l.fail(`tasks.${t}`, `task not listed in the config's tasks (${[...known].join(', ')})`);
    const to = l.obj(v, `tasks.${t}`);
    const rec: Record<string, unknown> = l.fields(to, STEP_TASK_FIELDS, `tasks.${t}.`);
    if ('length_envelope' in to && to.length_envelope !== null) rec.length_envelope = l.numbers(to.length_envelope, `tasks.${t}.length_envelope`, 4);
    if ('entropy_penalty' in to) rec.entropy_penalty = l.num(to.entropy_penalty, `tasks.${t}.entropy_penalty`);
    if ('kept_groups' in to) rec.kept_groups = l.num(to.kept_groups, `tasks.${t}.kept_groups`);
    tasks[t] = rec as StepTask;
  }
  const out: Record<string, unknown> = { type: 'step', step, ...top, phase_ms, tasks };
  if ('kl_ref' in o) out.kl_ref = l.num(o.kl_ref, 'kl_ref');
  return out as StepRecord;
}

function parseEval(l: Line, known: ReadonlySet<string>): EvalRecord {
  const step = l.int(l.raw.step, 'step', 0);
  const tasks: Record<string, EvalTask> = {};
  for (const [t, v] of Object.entries(l.obj(l.raw.tasks, 'tasks'))) {
    if (!known.has(t)) l.fail(`tasks.${t}`, `task not listed in the config's tasks (${[...known].join(', ')})`);
    tasks[t] = l.fields(l.obj(v, `tasks.${t}`), EVAL_FIELDS, `tasks.${t}.`);
  }
  return { type: 'eval', step, tasks };
}

/** Parses metrics.jsonl text; `file` names it in errors and warnings. */
export function parseMetrics(text: string, file = 'metrics.jsonl', runDir = '.'): RunMetrics {
  const lines = text.split('\n');
  // The index of the last line with content: only it may be a torn write.
  let last = lines.length - 1;
  while (last >= 0 && lines[last].trim() === '') last--;
  const warnings: string[] = [];
  let config: ConfigRecord | null = null;
  const steps = new Map<number, StepRecord>();
  const advantages: AdvantagesRecord[] = [];
  const evals = new Map<number, EvalRecord>();
  const sft: SftRecord[] = [];
  let summary: SummaryRecord | null = null;
  for (let i = 0; i <= last; i++) {
    const text = lines[i].trim();
    if (text === '') continue;
    const where = `${file} line ${i + 1}`;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      if (i === last && i > 0) {
        warnings.push(`${where}: the last line is not complete JSON (${text.length} characters; a run killed mid-write?) and was skipped.`);
        break;
      }
      throw new InputError(where, `not valid JSON (${(e as Error).message})`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError(where, `expected a JSON object, got ${Line.show(raw)}`);
    const l = new Line(where, raw as Obj);
    const type = l.str(l.raw.type, 'type');
    if (config === null && type !== 'config') l.fail('type', `the first record must be the config, got ${Line.show(type)}`);
    if (summary !== null && type !== 'summary') warnings.push(`${where}: a ${type} record after the summary (the summary should be the last line).`);
    const known = new Set(config?.tasks ?? []);
    switch (type) {
      case 'config':
        if (config !== null) l.fail('type', 'a second config record (one run per file)');
        config = parseConfig(l);
        break;
      case 'step': {
        const s = parseStep(l, known);
        if (steps.has(s.step)) warnings.push(`${where}: step ${s.step} logged twice (a resumed run?); the later line is used.`);
        steps.set(s.step, s);
        break;
      }
      case 'advantages':
        advantages.push({ type: 'advantages', step: l.int(l.raw.step, 'step', 0), values: l.numbers(l.raw.values, 'values') });
        break;
      case 'eval': {
        const e = parseEval(l, known);
        if (evals.has(e.step)) warnings.push(`${where}: evaluation at step ${e.step} logged twice; the later line is used.`);
        evals.set(e.step, e);
        break;
      }
      case 'sft':
        sft.push({ type: 'sft', step: l.int(l.raw.step, 'step', 0), loss: l.num(l.raw.loss, 'loss') });
        break;
      case 'summary':
        summary = l.raw as SummaryRecord;
        break;
      default:
        warnings.push(`${where}: unknown record type ${Line.show(type)} skipped.`);
    }
  }
  if (config === null) throw new InputError(file, 'no records (an empty file: did the run start?)');
  if (summary === null) warnings.push(`${file}: no summary record (the run did not finish?); verdicts are missing.`);
  const byStep = <T extends { step: number }>(a: T, b: T) => a.step - b.step;
  return {
    runDir,
    config,
    steps: [...steps.values()].sort(byStep),
    advantages: advantages.sort(byStep),
    evals: [...evals.values()].sort(byStep),
    sft: sft.sort(byStep),
    summary,
    warnings,
  };
}

/** Reads `runDir/metrics.jsonl`; errors name the file (relative to the run directory), line and field. */
export function readMetrics(runDir: string): RunMetrics {
  const path = join(runDir, 'metrics.jsonl');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError('runDir', `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseMetrics(text, `${basename(runDir)}/metrics.jsonl`, runDir);
}
