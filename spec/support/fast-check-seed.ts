/**
 * One fast-check seed for the whole suite, so CI draws the same cases on every run (same seed, same
 * numbers) and a red run can be replayed exactly. `FC_SEED=<int>` picks another seed; `FC_SEED=random`
 * draws a fresh one per property, for hunting new counterexamples locally. fast-check prints the seed
 * and shrink path of any failure either way.
 */
import fc from 'fast-check';

const DEFAULT_SEED = 20261124;
const raw = process.env.FC_SEED;

if (raw !== 'random') {
  const seed = raw === undefined || raw === '' ? DEFAULT_SEED : Number(raw);
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED: expected an integer or "random", got "${raw}"`);
  fc.configureGlobal({ seed });
}
