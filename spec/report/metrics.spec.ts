// Reading metrics.jsonl (src/report/metrics.ts): a fixture written by the schema round-trips; bad lines fail
// with an InputError naming the file, line and field; a torn last line (a killed run) is skipped with a
// warning, a torn line anywhere else is an error.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/rl/errors.js';
import { parseMetrics, readMetrics } from '../../src/report/metrics.js';
import { fixtureRecords, fixtureText, SIX, writeRun } from './fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'report-metrics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The fixture's lines with line `i` (0-based) replaced by f(record). */
function edit(i: number, f: (r: Record<string, unknown>) => unknown): string {
  return fixtureRecords({ steps: 3 })
    .map((r, k) => (k === i ? JSON.stringify(f(structuredClone(r))) : JSON.stringify(r)))
    .join('\n');
}
/** Index of the first record of a type in the 3-step fixture. */
const first = (type: string) => fixtureRecords({ steps: 3 }).findIndex((r) => r.type === type);

function thrown(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError, nothing was thrown');
}

describe('readMetrics', () => {
  it('groups a schema-conforming file by type, steps in order, no warnings', () => {
    const m = readMetrics(writeRun(dir, { name: 'ok', steps: 10, evalEvery: 4 }));
    expect(m.config.tasks).toEqual(SIX);
    expect(m.steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(m.evals.map((e) => e.step)).toEqual([0, 4, 8, 10]);
    expect(m.advantages).toHaveLength(10);
    expect(m.sft).toHaveLength(5);
    expect(m.summary?.type).toBe('summary');
    expect(m.warnings).toEqual([]);
    expect(m.steps[0].tasks.reading.grad_norm_share).toBeTypeOf('number');
  });

  it('a last line cut off mid-write is skipped, and the warning names its line', () => {
    const text = fixtureText({ steps: 4, summary: false });
    const lines = text.trimEnd().split('\n');
    const torn = lines.slice(0, -1).join('\n') + '\n' + lines.at(-1)!.slice(0, 40);
    const m = parseMetrics(torn);
    expect(m.warnings[0]).toMatch(new RegExp(`line ${lines.length}: the last line is not complete JSON`));
    // the torn line was the final eval; the rest is intact
    expect(m.steps).toHaveLength(4);
    expect(m.evals.map((e) => e.step)).toEqual([0]);
  });

  it('a torn line that is not the last one is an error naming that line', () => {
    const lines = fixtureText({ steps: 3 }).trimEnd().split('\n');
    lines[4] = lines[4].slice(0, 30);
    const e = thrown(() => parseMetrics(lines.join('\n')));
    expect(e.field).toBe('metrics.jsonl line 5');
    expect(e.problem).toMatch(/not valid JSON/);
  });

  it('a wrong type names line and dotted field', () => {
    const i = first('step');
    const e = thrown(() => parseMetrics(edit(i, (r) => ({ ...r, tasks: { ...(r.tasks as object), reading: { ...(r.tasks as Record<string, object>).reading, reward: 'high' } } }))));
    expect(e.message).toBe(`metrics.jsonl line ${i + 1}: tasks.reading.reward: expected a number or null, got "high"`);
  });

  it('a missing per-task field is an error that says to write null', () => {
    const i = first('step');
    const e = thrown(() =>
      parseMetrics(
        edit(i, (r) => {
          delete (r.tasks as Record<string, Record<string, unknown>>).math.adv_ks;
          return r;
        }),
      ),
    );
    expect(e.message).toBe(`metrics.jsonl line ${i + 1}: tasks.math.adv_ks: missing (write null when undefined)`);
  });

  it('null is accepted wherever a number is (a task with no responses this step)', () => {
    const i = first('step');
    const m = parseMetrics(edit(i, (r) => ({ ...r, approx_kl: null, tasks: { ...(r.tasks as object), chart: { ...(r.tasks as Record<string, object>).chart, reward: null, grad_norm_share: null } } })));
    expect(m.steps[0].tasks.chart.reward).toBeNull();
    expect(m.steps[0].approx_kl).toBeNull();
  });

  it('checks the config: first record, task list, envelopes of 4 numbers, booleans', () => {
    expect(thrown(() => parseMetrics(edit(0, (r) => ({ ...r, type: 'step' })))).message).toBe('metrics.jsonl line 1: type: the first record must be the config, got "step"');
    expect(thrown(() => parseMetrics(edit(0, (r) => ({ ...r, tasks: [] })))).message).toMatch(/line 1: tasks: expected a non-empty array/);
    expect(thrown(() => parseMetrics(edit(0, (r) => ({ ...r, lengthEnvelopes: { math: [1, 2, 3] } })))).message).toBe('metrics.jsonl line 1: lengthEnvelopes.math: expected 4 numbers, got 3');
    expect(thrown(() => parseMetrics(edit(0, (r) => ({ ...r, lengthShaping: 'yes' })))).message).toBe('metrics.jsonl line 1: lengthShaping: expected true or false, got "yes"');
    const noConfig = fixtureText({ steps: 2 }).split('\n').slice(1).join('\n');
    expect(thrown(() => parseMetrics(noConfig)).message).toMatch(/line 1: type: the first record must be the config, got "sft"/);
  });

  it('a task absent from the config is an error; advantages must be finite numbers', () => {
    const i = first('step');
    expect(thrown(() => parseMetrics(edit(i, (r) => ({ ...r, tasks: { ...(r.tasks as object), poetry: {} } })))).message).toMatch(/tasks.poetry: task not listed in the config's tasks/);
    const a = first('advantages');
    expect(thrown(() => parseMetrics(edit(a, (r) => ({ ...r, values: [0.1, 'x'] })))).message).toBe(`metrics.jsonl line ${a + 1}: values[1]: expected a finite number, got "x"`);
  });

  it('unknown record types and a repeated step are warnings; the later repeated line wins', () => {
    const recs = fixtureRecords({ steps: 2 });
    const step2 = structuredClone(recs.find((r) => r.type === 'step' && r.step === 2)!);
    step2.loss = 123;
    const text = [...recs.slice(0, -1), { type: 'gpu', util: 1 }, step2, recs.at(-1)].map((r) => JSON.stringify(r)).join('\n');
    const m = parseMetrics(text);
    expect(m.warnings.some((w) => /unknown record type "gpu" skipped/.test(w))).toBe(true);
    expect(m.warnings.some((w) => /step 2 logged twice/.test(w))).toBe(true);
    expect(m.steps.find((s) => s.step === 2)?.loss).toBe(123);
  });

  it('an empty file or a missing run directory is an InputError', () => {
    expect(thrown(() => parseMetrics('\n\n')).problem).toMatch(/no records/);
    const e = thrown(() => readMetrics(join(dir, 'nope')));
    expect(e.field).toBe('runDir');
    expect(e.problem).toMatch(/cannot read .*metrics.jsonl \(ENOENT\)/);
  });

  it('a run without a summary (still running or killed) reads, with a warning', () => {
    const m = parseMetrics(fixtureText({ steps: 2, summary: false }));
    expect(m.summary).toBeNull();
    expect(m.warnings.some((w) => /no summary record/.test(w))).toBe(true);
  });
});
