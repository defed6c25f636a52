// Online filtering: keep a group iff low < mean accuracy < high (proofs/shaping.md §6).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inputErrorField } from '../support/input-error.js';
import { DEFAULT_FILTER_BOUNDS, filterGroups } from '../../src/rl/filter.js';

type Id = string | number;

describe('filterGroups', () => {
  it('bounds are strict: a group whose mean equals low or high is dropped (proofs/shaping.md §6.1)', () => {
    // groups of 4, k correct: mean k/4 is exact, and low = 0.25, high = 0.75 are exact too
    const acc = [1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0];
    const groups = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];
    const r = filterGroups({ accuracy: acc, groups }, { low: 0.25, high: 0.75 });
    expect(Array.from(r.mask)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0]);
    // a non-strict filter (≤) would keep all three groups
    expect(r.total).toEqual({ kept: 1, dropped: 2 });
  });

  it('published bounds 0.01 / 0.99: 1 of 100 and 99 of 100 correct sit exactly on them and are dropped; 1 of 8 is kept (proofs/shaping.md §6.1)', () => {
    expect(DEFAULT_FILTER_BOUNDS).toEqual({ low: 0.01, high: 0.99 });
    const group = (k: number, n: number) => Array.from({ length: n }, (_, i) => (i < k ? 1 : 0));
    const acc = [...group(1, 100), ...group(99, 100), ...group(1, 8), ...group(0, 8), ...group(8, 8)];
    const groups = acc.map((_, i) => (i < 100 ? 'a' : i < 200 ? 'b' : i < 208 ? 'c' : i < 216 ? 'd' : 'e'));
    const r = filterGroups({ accuracy: acc, groups });
    // 1/100 and 99/100 round to the same doubles as the literals 0.01 and 0.99
    expect(r.total).toEqual({ kept: 1, dropped: 4 });
    expect(Array.from(r.kept)).toEqual([200, 201, 202, 203, 204, 205, 206, 207]);
  });

  it('mask = [low < mean of its (task, group) < high], kept = the mask\'s indices, counts add up (proofs/shaping.md §6.2)', () => {
    const idArb = fc.constantFrom<Id>(0, 1, '1', 'a', 2);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(0, 0.25, 0.5, 1, 0.3), idArb, idArb), { minLength: 1, maxLength: 40 }),
        fc.constantFrom([0.01, 0.99], [0.2, 0.8], [0, 1], [0.3, 0.5]),
        (rows, [low, high]) => {
          const accuracy = rows.map((r) => r[0]);
          const groups = rows.map((r) => r[1]);
          const tasks = rows.map((r) => r[2]);
          const res = filterGroups({ accuracy, groups, tasks }, { low, high });
          // reference keyed by JSON of the pair: 1 and "1" stay apart, as they must
          const key = (i: number) => JSON.stringify([tasks[i], groups[i]]);
          const sums = new Map<string, [number, number]>();
          rows.forEach((_, i) => {
            const [s, n] = sums.get(key(i)) ?? [0, 0];
            sums.set(key(i), [s + accuracy[i], n + 1]);
          });
          const keep = (k: string) => {
            const [s, n] = sums.get(k)!;
            return low < s / n && s / n < high;
          };
          const maskOk = rows.every((_, i) => res.mask[i] === (keep(key(i)) ? 1 : 0));
          const keptOk = JSON.stringify(Array.from(res.kept)) === JSON.stringify(rows.map((_, i) => i).filter((i) => res.mask[i] === 1));
          const nKept = [...sums.keys()].filter(keep).length;
          let perTaskSum = 0;
          for (const c of res.perTask.values()) perTaskSum += c.kept + c.dropped;
          return (
            maskOk &&
            keptOk &&
            res.total.kept === nKept &&
            res.total.kept + res.total.dropped === sums.size &&
            perTaskSum === sums.size &&
            res.perTask.size === new Set(tasks.map((t) => JSON.stringify(t))).size
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('ids compare by value: 1 and "1" are different groups, and a group id is per task', () => {
    // merged, [1, 1, 0, 0] would have mean 0.5 and be kept; as two groups both are degenerate
    const r = filterGroups({ accuracy: [1, 1, 0, 0], groups: [1, 1, '1', '1'] });
    expect(r.total).toEqual({ kept: 0, dropped: 2 });
    const s = filterGroups({ accuracy: [1, 1, 0, 0], groups: [7, 7, 7, 7], tasks: ['math', 'math', 'ocr', 'ocr'] });
    expect(s.perTask.get('math')).toEqual({ kept: 0, dropped: 1 });
    expect(s.perTask.get('ocr')).toEqual({ kept: 0, dropped: 1 });
    // tasks absent: one task, id 0
    expect([...filterGroups({ accuracy: [1, 0], groups: ['g', 'g'] }).perTask]).toEqual([[0, { kept: 1, dropped: 0 }]]);
  });

  it('rejects bad input with the field named', () => {
    const ok = { accuracy: [1, 0], groups: [0, 0] };
    expect(inputErrorField(() => filterGroups({ ...ok, accuracy: [] }))).toBe('batch.accuracy');
    expect(inputErrorField(() => filterGroups({ ...ok, accuracy: [1, Number.NaN] }))).toBe('batch.accuracy[1]');
    expect(inputErrorField(() => filterGroups({ ...ok, groups: [0] }))).toBe('batch.groups');
    expect(inputErrorField(() => filterGroups({ ...ok, groups: [0, Number.NaN] }))).toBe('batch.groups[1]');
    expect(inputErrorField(() => filterGroups({ ...ok, tasks: [0, {} as never] }))).toBe('batch.tasks[1]');
    expect(inputErrorField(() => filterGroups(ok, { low: 0.5, high: 0.5 }))).toBe('options.high');
    expect(inputErrorField(() => filterGroups(ok, { lo: 0.1 } as never))).toBe('options.lo');
  });
});
