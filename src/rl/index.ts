/**
 * `src/rl`: the RL objectives of G²RPO as pure float64 functions over typed arrays — the normal-score
 * map, the advantage estimators, the policy loss, shaping, filtering and reward combination. Imports
 * nothing else in `src/`. Spec: shared g2rpo-spec; porting guide: docs/porting.md.
 */
export { InputError } from './errors.js';
export { normalCdf, normalQuantile } from './normal.js';
export { normalScores, ot, otInto } from './ot.js';
export * from './advantages/index.js';
export * from './loss/index.js';
export * from './shaping/index.js';
export * from './filter.js';
export * from './reward.js';
