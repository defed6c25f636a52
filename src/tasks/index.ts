/**
 * The task suite: six procedurally drawn visual task families with their prompts, reference traces
 * and rewards, over one small token vocabulary. Knows no model; imports only src/rl.
 * Reference: issue 4 (task list), shared g2rpo-spec §4 (reward), docs/tasks.md.
 */
export { SeededRng, pick, randInt, sample, shuffled, type Rng } from './rng.js';
export * from './vocab.js';
export { parseInteger, parseIntegerList, parseLetters, parseResponse, parseYesNo, type ParsedResponse } from './format.js';
export { boxArea, boxIoU, charAccuracy, editDistance, relaxedAccuracy, RELAXED_THRESHOLD_PERCENTS, type Box } from './metrics.js';
export { checkExampleTask, reward, rewardTerms, rewards, scoreResponse } from './score.js';
export { contentKey, drawInSplit, splitOfKey } from './split.js';
export { COLOURS, imageToAscii } from './canvas.js';
export { GLYPH_CHARS, glyph } from './font.js';
export { grounding, boxTokens } from './grounding.js';
export { reading } from './reading.js';
export { counting } from './counting.js';
export { chart } from './chart.js';
export { spatial } from './spatial.js';
export { math } from './math.js';
export { TASKS, getTask, isTaskName } from './registry.js';
export * from './types.js';
