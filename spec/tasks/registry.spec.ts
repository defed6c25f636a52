import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/rl/errors.js';
import { TASKS, getTask, isTaskName } from '../../src/tasks/registry.js';
import { TASK_NAMES } from '../../src/tasks/types.js';

describe('task registry', () => {
  it('holds the six families under their own names', () => {
    expect(Object.keys(TASKS).sort()).toEqual([...TASK_NAMES].sort());
    expect(TASK_NAMES).toEqual(['grounding', 'reading', 'counting', 'chart', 'spatial', 'math']);
    for (const n of TASK_NAMES) {
      expect(TASKS[n].name).toBe(n);
      expect(getTask(n)).toBe(TASKS[n]);
    }
  });

  it('an unknown name throws an InputError naming it and listing the valid ones', () => {
    let err: unknown;
    try {
      getTask('ocr');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toBe('task');
    expect((err as Error).message).toBe('task: unknown task "ocr" (valid: grounding, reading, counting, chart, spatial, math)');
    expect(() => getTask('Math')).toThrow(/unknown task "Math"/); // names are case-sensitive
    expect(isTaskName('toString')).toBe(false); // no prototype keys
    expect(() => getTask('constructor')).toThrow(InputError);
  });
});
