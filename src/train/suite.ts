/**
 * The shaping constants sized for THIS task suite (src/tasks), not for the paper's 4096-token responses:
 * per-task length envelopes around the measured reference-trace lengths, and per-task entropy bands.
 *
 * Length envelopes [L_min, L_low, L_high, L_max] in response tokens (the `<eos>` included), from the
 * trace lengths of 2000 generated examples per family (docs/tasks.md; counts in docs/training.md):
 *
 *   family     trace tokens   envelope           why
 *   grounding  12–16          [ 9, 12, 16, 20]   perception: the box IS the answer; nothing to think
 *   reading     7–10          [ 4,  7, 10, 14]   perception: short, tight ramps
 *   chart       6–7           [ 3,  6,  7, 11]   perception: one number
 *   counting    7–16          [ 4,  7, 16, 22]   reasoning: the colour, then a count-up that grows with the answer
 *   spatial     11            [ 5,  9, 12, 20]   reasoning: each colour and its cell, the two compared, first
 *   math        9–10          [ 5,  9, 12, 20]   reasoning: the expression read, then the sum
 *
 * Every reference trace lies on its plateau (f = 1; spec/train/suite.spec.ts checks 500 per family), a
 * response that skips a reasoning family's thinking lands on the rising ramp (math without `a + b`: 7
 * tokens, f = 0.5), and one cut at the 24-token cap earns nothing.
 *
 * Entropy bands [H_min, H_max] (nats, mean −log π(sampled token) over a task's response tokens): the
 * published band is [0.2, 0.6] for every task, sized for long free-text responses; ours are templates
 * where most tokens are forced (`<thinking>`, `</answer>`, `<eos>`), so a converged policy sits lower.
 * Ours: H_min = 0.05 for all (below it a task has stopped exploring: its groups become all-equal and are
 * filtered out), H_max 0.4 for the one-answer perception families and 0.5 for the families whose thinking
 * part has freedom. Measured (docs/training.md): in the default run's first 10 steps the tasks sit at
 * 0.38–1.00, above their bands but counting's, so early on the penalty pushes toward a sharper policy; over
 * its last 20 steps at 0.07–0.60, four tasks inside their bands, reading and math still above.
 *
 * Not here: the trapezoid and the penalty themselves (src/rl/shaping).
 */
import type { EntropyBand, LengthEnvelope } from '../rl/shaping/index.js';
import type { TaskName } from '../tasks/index.js';

const env = (lMin: number, lLow: number, lHigh: number, lMax: number): LengthEnvelope => ({ lMin, lLow, lHigh, lMax });

export const LENGTH_ENVELOPES: Readonly<Record<TaskName, LengthEnvelope>> = {
  grounding: env(9, 12, 16, 20),
  reading: env(4, 7, 10, 14),
  chart: env(3, 6, 7, 11),
  counting: env(4, 7, 16, 22),
  spatial: env(5, 9, 12, 20),
  math: env(5, 9, 12, 20),
};

export const ENTROPY_BANDS: Readonly<Record<TaskName, EntropyBand>> = {
  grounding: { hMin: 0.05, hMax: 0.4 },
  reading: { hMin: 0.05, hMax: 0.4 },
  chart: { hMin: 0.05, hMax: 0.4 },
  counting: { hMin: 0.05, hMax: 0.5 },
  spatial: { hMin: 0.05, hMax: 0.5 },
  math: { hMin: 0.05, hMax: 0.5 },
};

/** Envelopes of the run's tasks as the Map `lengthScores` takes. */
export function envelopeMap(tasks: readonly TaskName[]): Map<TaskName, LengthEnvelope> {
  return new Map(tasks.map((t) => [t, LENGTH_ENVELOPES[t]]));
}

/** Bands of the run's tasks as the Map `entropyPenalty` takes. */
export function bandMap(tasks: readonly TaskName[]): Map<TaskName, EntropyBand> {
  return new Map(tasks.map((t) => [t, ENTROPY_BANDS[t]]));
}
