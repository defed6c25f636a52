/**
 * Online filtering (DAPO-style dynamic sampling, as in the released code): keep a prompt group only if
 * low < mean accuracy of the group < high, both strict, defaults 0.01 and 0.99. A group that is all
 * right or all wrong has zero advantage under every group-relative estimator and only dilutes the batch.
 *
 * Groups are keyed by the pair (task, group), ids compared by value: 1 and "1" are different groups, and
 * group 7 of task "math" is not group 7 of task "ocr". Responses of a group need not be contiguous.
 * Not here: resampling to refill the batch (the trainer's job), or computing accuracy.
 * Reference: shared g2rpo-spec §4; proofs/shaping.md §6.
 */
import { InputError } from './errors.js';
import type { Id } from './advantages/types.js';
import { checkFiniteArray, checkIds, checkKeys, checkNumber } from './shaping/check.js';

export interface FilterBatch {
  /** Accuracy per response (0/1 or a graded score); the group mean is compared with the bounds. */
  readonly accuracy: ArrayLike<number>;
  readonly groups: readonly Id[];
  /** Task per response; absent means every response is task 0. */
  readonly tasks?: readonly Id[];
}

export interface FilterOptions {
  /** Exclusive lower bound on a group's mean accuracy (0.01 as published). */
  readonly low?: number;
  /** Exclusive upper bound (0.99 as published). */
  readonly high?: number;
}

export const DEFAULT_FILTER_BOUNDS = { low: 0.01, high: 0.99 } as const;

export interface GroupCounts {
  readonly kept: number;
  readonly dropped: number;
}

export interface FilterResult {
  /** Per response: 1 if its group is kept. */
  readonly mask: Uint8Array;
  /** Indices of the kept responses, ascending. */
  readonly kept: Int32Array;
  /** Group counts per task id (in order of first appearance). */
  readonly perTask: ReadonlyMap<Id, GroupCounts>;
  /** Group counts over the batch. */
  readonly total: GroupCounts;
}

export function filterGroups(batch: FilterBatch, options: FilterOptions = {}): FilterResult {
  checkKeys('batch', batch, ['accuracy', 'groups', 'tasks']);
  checkKeys('options', options, ['low', 'high']);
  checkFiniteArray('batch.accuracy', batch.accuracy);
  const n = batch.accuracy.length;
  checkIds('batch.groups', batch.groups, n);
  if (batch.tasks !== undefined) checkIds('batch.tasks', batch.tasks, n);
  const low = checkNumber('options.low', options.low ?? DEFAULT_FILTER_BOUNDS.low);
  const high = checkNumber('options.high', options.high ?? DEFAULT_FILTER_BOUNDS.high);
  if (!(low < high)) throw new InputError('options.high', `must be > low (${high} ≤ ${low}): nothing could be kept`);

  // task → group → [sum, count]; a nested Map keeps the pair's ids typed (no string concatenation
  // that would merge 1 with "1" or "a|b" with ["a", "b"])
  const stats = new Map<Id, Map<Id, { sum: number; count: number; keep: boolean }>>();
  const taskOf = (i: number): Id => (batch.tasks === undefined ? 0 : batch.tasks[i]);
  for (let i = 0; i < n; i++) {
    const task = taskOf(i);
    let byGroup = stats.get(task);
    if (byGroup === undefined) stats.set(task, (byGroup = new Map()));
    let g = byGroup.get(batch.groups[i]);
    if (g === undefined) byGroup.set(batch.groups[i], (g = { sum: 0, count: 0, keep: false }));
    g.sum += batch.accuracy[i];
    g.count++;
  }

  const perTask = new Map<Id, GroupCounts>();
  let keptGroups = 0;
  let droppedGroups = 0;
  for (const [task, byGroup] of stats) {
    let kept = 0;
    let dropped = 0;
    for (const g of byGroup.values()) {
      const mean = g.sum / g.count;
      g.keep = low < mean && mean < high;
      if (g.keep) kept++;
      else dropped++;
    }
    perTask.set(task, { kept, dropped });
    keptGroups += kept;
    droppedGroups += dropped;
  }

  const mask = new Uint8Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (stats.get(taskOf(i))!.get(batch.groups[i])!.keep) {
      mask[i] = 1;
      m++;
    }
  }
  const kept = new Int32Array(m);
  for (let i = 0, j = 0; i < n; i++) if (mask[i] === 1) kept[j++] = i;
  return { mask, kept, perTask, total: { kept: keptGroups, dropped: droppedGroups } };
}
