/**
 * The tensor core's public surface: Tensor, factories, ops (with their gradients), autograd controls,
 * seeded randomness, the backend seam, ndarray interop and the gradient checker.
 *
 * Not here: modules, optimisers, serialisation (src/nn, src/optim, src/io build on this).
 */
export { Tensor, type DType, type Storage, type Operand, allocStorage } from './tensor.js';
export { type Shape, ShapeError, numel, contiguousStrides, broadcastShapes } from './shape.js';
export { tensor, fromStorage, zeros, ones, full, zerosLike, arange, randn, rand, type TensorOptions, type NestedArray } from './creation.js';
export { noGrad, isGradEnabled, zeroGrad } from './autograd.js';
// For writing a new fused op outside this folder (forward + backward in one place, as in ops/*.ts).
export { record, accumulateGrad, gradBuffer } from './autograd.js';
export { Rng, type RngState, categorical, categoricalFromLogits } from './rng.js';
export { type Backend, type UnaryOp, type BinaryOp, getBackend, setBackend } from './backend.js';
export { cpuBackend } from './cpu/backend.js';
export { add, sub, mul, div, pow, neg, exp, log, sqrt, tanh, sigmoid, relu, gelu, where, maskedFill, cast, type GeluApproximation } from './ops/elementwise.js';
export { sum, mean, max, logsumexp } from './ops/reduce.js';
export { matmul } from './ops/matmul.js';
export { softmax, logSoftmax, layerNorm, crossEntropy, type CrossEntropyOptions, type Indices } from './ops/nn.js';
export { embedding, gather, concat } from './ops/indexing.js';
export { reshape, permute, transpose, slice, expand, squeeze, unsqueeze, contiguous, patches } from './ops/view.js';
export { toNdarray, fromNdarray } from './ndarray.js';
export { gradcheck, type GradcheckOptions, type GradcheckReport } from './gradcheck.js';
export { getGemmThreads, gemmPoolReady, gemmPoolStats, setGemmSimd, setGemmThreads, shutdownGemmPool, type GemmPoolStats } from './cpu/gemm-pool.js';
