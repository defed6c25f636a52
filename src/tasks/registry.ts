/**
 * The six task families by name, and the lookup that fails loudly on a typo.
 */
import { InputError } from '../rl/errors.js';
import { chart } from './chart.js';
import { counting } from './counting.js';
import { grounding } from './grounding.js';
import { math } from './math.js';
import { reading } from './reading.js';
import { spatial } from './spatial.js';
import { TASK_NAMES, type TaskFamily, type TaskName } from './types.js';

export const TASKS: Readonly<Record<TaskName, TaskFamily<unknown>>> = { grounding, reading, counting, chart, spatial, math };

export function isTaskName(name: unknown): name is TaskName {
  return typeof name === 'string' && (TASK_NAMES as readonly string[]).includes(name);
}

/** The family of that name; an unknown name throws an InputError naming it and listing the valid ones. */
export function getTask(name: string): TaskFamily<unknown> {
  if (!isTaskName(name)) throw new InputError('task', `unknown task ${JSON.stringify(name)} (valid: ${TASK_NAMES.join(', ')})`);
  return TASKS[name];
}
