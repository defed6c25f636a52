/**
 * One colour per task, the same in every chart of every report (a run's and the comparison's), from the
 * Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), which stays distinguishable under the
 * common colour-vision deficiencies. Non-task series (clip fractions, KL, variants in the comparison)
 * are drawn in black and greys with dash patterns, so a colour in the report always means a task.
 *
 * What it is not: a theme. The six task families of src/tasks get fixed colours by name; any other task
 * name (a test fixture, a future family) takes the remaining colours in order of first appearance.
 */
import { TASK_NAMES } from '../tasks/types.js';

/** Okabe–Ito without yellow (#F0E442, too faint on white for thin lines), in the order assigned. */
export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000', '#F0E442'] as const;

/** Neutral inks for non-task series, with a dash pattern each so they separate without colour. */
export const NEUTRAL = [
  { color: '#000000', dash: '' },
  { color: '#555555', dash: '6 3' },
  { color: '#333333', dash: '2 3' },
  { color: '#777777', dash: '8 3 2 3' },
  { color: '#000000', dash: '1 5' },
  { color: '#999999', dash: '12 4' },
] as const;

export function neutralStyle(i: number): { color: string; dash: string } {
  return NEUTRAL[i % NEUTRAL.length];
}

/**
 * The colour of each task name: the six families in TASK_NAMES order get the first six colours; other
 * names take what is left, then cycle. Pass every task name the report will show, so the assignment of
 * unknown names is stable within one page.
 */
export function taskColors(tasks: readonly string[]): Map<string, string> {
  const colors = new Map<string, string>();
  TASK_NAMES.forEach((t, i) => colors.set(t, OKABE_ITO[i]));
  let next = TASK_NAMES.length;
  for (const t of tasks) {
    if (!colors.has(t)) colors.set(t, OKABE_ITO[next++ % OKABE_ITO.length]);
  }
  return colors;
}
