/**
 * The pure-TypeScript CPU backend: the reference implementation of the Backend interface, and the
 * "living definition" other backends (gpu.js, issue 5) are validated against.
 *
 * Not here: the kernels themselves (gemm.ts and its thread pool gemm-pool.ts, elementwise.ts, norm.ts).
 */
import type { Backend } from '../backend.js';
import { gemm } from './gemm-pool.js'; // the kernel of gemm.ts, with big products split across threads
import { binary, unary, unaryBackward } from './elementwise.js';
import { layerNorm, layerNormBackward, softmax, softmaxBackward } from './norm.js';

export const cpuBackend: Backend = {
  name: 'cpu',
  gemm,
  binary,
  unary,
  unaryBackward,
  softmax,
  softmaxBackward,
  layerNorm,
  layerNormBackward,
};
