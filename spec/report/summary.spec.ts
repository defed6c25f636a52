// The free-form summary record (src/report/summary.ts): verdicts, test name and wall time are found by
// shape at any depth, and every other field is still shown.
import { describe, expect, it } from 'vitest';
import { parseMetrics } from '../../src/report/metrics.js';
import { flattenSummary, summaryHtml, verdicts, wallSeconds } from '../../src/report/summary.js';
import { fixtureRecords } from './fixture.js';

/** A 2-step fixture with its summary replaced. */
function withSummary(summary: Record<string, unknown> | null) {
  const recs = fixtureRecords({ steps: 2, tasks: ['math', 'reading'], summary: false });
  if (summary) recs.push({ type: 'summary', ...summary });
  return parseMetrics(recs.map((r) => JSON.stringify(r)).join('\n'));
}

describe('summary', () => {
  it('reads the trainer’s nesting: learning_test.tasks verdicts, the test name, timing.wall_s', () => {
    const m = withSummary({ learning_test: { test: 'sign-flip', alpha: 0.05, tasks: { math: { improved: true, p_value: 0.01 }, reading: { improved: false, p_value: 0.4 } } }, timing: { wall_s: 123.5 } });
    const v = verdicts(m.summary, m.config.tasks);
    expect([...v]).toEqual([['math', true], ['reading', false]]);
    expect(v.test).toBe('sign-flip');
    expect(wallSeconds(m)).toBe(123.5);
    const flat = flattenSummary(m.summary, m.config.tasks);
    expect([...flat.tables.keys()]).toEqual(['learning_test.tasks']);
    expect(flat.scalars.get('learning_test.alpha')).toBe(0.05);
  });

  it('a verdict nested in a row (the greedy one beside the sampled one) gets dotted columns, not JSON', () => {
    const greedy = { final: 0.7, p_value: 0.03, improved: true };
    const m = withSummary({ learning_test: { tasks: { math: { improved: false, greedy }, reading: { improved: true, greedy: { ...greedy, improved: false } } } } });
    const html = summaryHtml(m.summary, m.config.tasks);
    expect(html).toContain('<th>greedy.final</th><th>greedy.p_value</th><th>greedy.improved</th>');
    expect(html).not.toContain('&quot;final&quot;');
  });

  it('also reads a flat array of per-task objects and a wall time in milliseconds', () => {
    const m = withSummary({ wall_ms: 5000, verdicts: [{ task: 'math', improved: false }, { task: 'reading', improved: true }] });
    expect([...verdicts(m.summary, m.config.tasks)]).toEqual([['math', false], ['reading', true]]);
    expect(wallSeconds(m)).toBe(5);
  });

  it('without a summary the wall time is the last step’s time_s and there are no verdicts', () => {
    const m = withSummary(null);
    expect(wallSeconds(m)).toBe(m.steps.at(-1)!.time_s);
    expect(verdicts(m.summary, m.config.tasks).size).toBe(0);
    expect(summaryHtml(m.summary, m.config.tasks)).toContain('No summary record');
  });

  it('a task-keyed map of numbers is a one-column table; unknown fields are shown by dotted path, escaped', () => {
    const m = withSummary({ share: { mean_share: { math: 0.4, reading: 0.6 } }, note: '<b>x</b>', deep: { a: { b: { c: { d: { e: 1 } } } } } });
    const html = summaryHtml(m.summary, m.config.tasks);
    expect(html).toContain('<h3>summary: share.mean_share</h3>');
    expect(html).toMatch(/<th>math<\/th><td class="num">0.4<\/td>/);
    expect(html).toContain('<th>note</th><td>&lt;b&gt;x&lt;/b&gt;</td>');
    // nesting deeper than 4 levels prints as JSON rather than recursing forever
    expect(html).toContain('<th>deep.a.b.c.d</th><td>{&quot;e&quot;:1}</td>');
  });
});
