/**
 * The package entry: the RL objectives (`src/rl`). The tensor core, optimizer, safetensors, tasks and
 * model have their own entry points (`g2rpo/tensor`, `g2rpo/optim`, `g2rpo/io`, `g2rpo/tasks`), kept
 * apart so a porter who wants only the math pulls in only the math.
 */
export * from './rl/index.js';
