/**
 * The package entry: the RL objectives (`src/rl`, also `g2rpo/rl`). Everything else has its own entry
 * point (`g2rpo/tensor`, `g2rpo/optim`, `g2rpo/io`, `g2rpo/tasks`, `g2rpo/nn`, `g2rpo/vlm`, `g2rpo/report`,
 * `g2rpo/gpu`; package.json "exports"), kept apart so a porter who wants only the math pulls in only the math.
 */
export * from './rl/index.js';
