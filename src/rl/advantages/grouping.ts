/**
 * Groups the responses of a batch by (task id, group id) and groups the groups by task, as flat integer
 * arrays (CSR layout), so the estimators loop over plain indices with no per-response objects.
 *
 * Ids are compared by value with `===` semantics: 1 and "1" are different ids, and a group lives within
 * its task, so group "p0" of task "math" and group "p0" of task "ocr" are two groups (the key is the
 * pair). A batch without `tasks` is one task whose id is `DEFAULT_TASK_ID` ("").
 *
 * Not here: validation (validate.ts) or any statistics.
 */
import type { Id } from './types.js';

/** The task id of a batch that gives no `tasks` (used as the EMA-GRPO state key). */
export const DEFAULT_TASK_ID: Id = '';

/** Up to this many tasks, a task id is found by a linear scan of the ids seen so far. */
const SMALL_TASKS = 16;

export interface Grouping {
  /** Number of responses. */
  readonly n: number;
  readonly nGroups: number;
  readonly nTasks: number;
  /** (n) group index of response i; groups are numbered in order of first appearance. */
  readonly groupOf: Int32Array;
  /** (nGroups) task index of group g; tasks are numbered in order of first appearance. */
  readonly taskOfGroup: Int32Array;
  /** (nGroups + 1) members[groupStart[g] .. groupStart[g + 1]) are the responses of group g. */
  readonly groupStart: Int32Array;
  /** (n) response indices, group by group, in input order within a group. */
  readonly members: Int32Array;
  /** (nTasks + 1) taskGroups[taskGroupStart[t] .. taskGroupStart[t + 1]) are the groups of task t. */
  readonly taskGroupStart: Int32Array;
  /** (nGroups) group indices, task by task, in order of first appearance within a task. */
  readonly taskGroups: Int32Array;
  /** (nTasks) the id of each task. */
  readonly taskIds: readonly Id[];
}

/** Builds the grouping of a validated batch (groups and tasks of equal length n ≥ 0). */
export function groupBatch(groups: readonly Id[], tasks: readonly Id[] | undefined): Grouping {
  const n = groups.length;
  const groupOf = new Int32Array(n);
  const taskOfGroupAll = new Int32Array(n); // nGroups ≤ n; trimmed below
  // Groups with the same id in other tasks, chained: sameId[g] = the next such group, or −1.
  const sameId = new Int32Array(n);
  const taskIds: Id[] = [];
  const taskIndex = new Map<Id, number>(); // used once there are more than SMALL_TASKS tasks
  const firstGroupWithId = new Map<Id, number>();
  // Where each group's first response is; while every run of equal (task, group) opens a new group, the
  // groups are contiguous and these are the CSR offsets, so the counting sort below is skipped.
  const runStart = new Int32Array(n + 1);
  let contiguous = true;
  let nGroups = 0;
  // Responses usually come group by group: a response with the same (task, group) as the previous one
  // skips all lookups, so contiguous groups of 8 cost one Map lookup per group, not per response.
  let prevGroupId: Id | undefined;
  let prevTaskId: Id | undefined;
  let prevGroup = -1;
  for (let i = 0; i < n; i++) {
    const gid = groups[i];
    const tid = tasks === undefined ? DEFAULT_TASK_ID : tasks[i];
    if (gid === prevGroupId && tid === prevTaskId && prevGroup >= 0) {
      groupOf[i] = prevGroup;
      continue;
    }
    // task index: a linear scan while there are few tasks (cheaper than hashing), a Map beyond
    let t = -1;
    if (taskIds.length <= SMALL_TASKS) {
      for (let k = 0; k < taskIds.length; k++) {
        if (taskIds[k] === tid) {
          t = k;
          break;
        }
      }
    } else t = taskIndex.get(tid) ?? -1;
    if (t < 0) {
      t = taskIds.length;
      taskIds.push(tid);
      if (taskIds.length > SMALL_TASKS) {
        if (taskIndex.size === 0) for (let k = 0; k < taskIds.length; k++) taskIndex.set(taskIds[k], k);
        else taskIndex.set(tid, t);
      }
    }
    // group index: the first group with this id, then along the chain to the one of task t
    let g = firstGroupWithId.get(gid) ?? -1;
    let last = -1;
    while (g >= 0 && taskOfGroupAll[g] !== t) {
      last = g;
      g = sameId[g];
    }
    if (g >= 0) contiguous = false;
    else {
      g = nGroups++;
      runStart[g] = i;
      taskOfGroupAll[g] = t;
      sameId[g] = -1;
      if (last < 0) firstGroupWithId.set(gid, g);
      else sameId[last] = g;
    }
    groupOf[i] = g;
    prevGroupId = gid;
    prevTaskId = tid;
    prevGroup = g;
  }
  const taskOfGroup = taskOfGroupAll.subarray(0, nGroups);
  const nTasks = taskIds.length;

  let groupStart: Int32Array;
  const members = new Int32Array(n);
  if (contiguous) {
    runStart[nGroups] = n;
    groupStart = runStart.subarray(0, nGroups + 1);
    for (let i = 0; i < n; i++) members[i] = i;
  } else {
    // Counting sort of responses by group (stable: input order within a group).
    groupStart = new Int32Array(nGroups + 1);
    for (let i = 0; i < n; i++) groupStart[groupOf[i] + 1]++;
    for (let g = 0; g < nGroups; g++) groupStart[g + 1] += groupStart[g];
    const fill = groupStart.slice(0, nGroups);
    for (let i = 0; i < n; i++) members[fill[groupOf[i]]++] = i;
  }

  // Counting sort of groups by task.
  const taskGroupStart = new Int32Array(nTasks + 1);
  for (let g = 0; g < nGroups; g++) taskGroupStart[taskOfGroup[g] + 1]++;
  for (let t = 0; t < nTasks; t++) taskGroupStart[t + 1] += taskGroupStart[t];
  const tfill = taskGroupStart.slice(0, nTasks);
  const taskGroups = new Int32Array(nGroups);
  for (let g = 0; g < nGroups; g++) taskGroups[tfill[taskOfGroup[g]]++] = g;

  return { n, nGroups, nTasks, groupOf, taskOfGroup, groupStart, members, taskGroupStart, taskGroups, taskIds };
}

/** True when every value of group g is the same (a singleton group is constant). Exact comparison. */
export function groupIsConstant(values: ArrayLike<number>, grouping: Grouping, g: number): boolean {
  const { groupStart, members } = grouping;
  const start = groupStart[g];
  const end = groupStart[g + 1];
  const v = values[members[start]];
  for (let k = start + 1; k < end; k++) if (values[members[k]] !== v) return false;
  return true;
}
