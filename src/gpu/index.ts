/**
 * gpu.js acceleration (issue 5): the tensor seam on gpu.js (`createGpuBackend`, `selectBackend`), the
 * kernels with their async contract and device-resident results (`createGpuRuntime` and the ops below),
 * and the probes that say which modes run here and why the others do not.
 *
 * Not here: the tensor core (src/tensor), which this plugs into through `setBackend`.
 */
export { GPU_MODES, type GpuMode, type GpuModeChoice, type BackendChoice, parseBackendChoice, parseModeChoice } from './modes.js';
export { probe, type Probe, systemLibc } from './probe.js';
export { BACKEND_ENV, createGpuBackend, createGpuRuntime, selectBackend, resolveMode, releaseGpu, type GpuOptions, type GpuBackendOptions, type Resolved } from './factory.js';
export { GpuBackend, DEFAULT_OFFLOAD, OFFLOAD_ALL, type Offload } from './backend.js';
export { GpuRuntime, type Dev, type Maybe, type TransferStats, andThen, sync } from './runtime.js';
export { matmul, matmulToHost, matmulReference, defaultMatmulVariant, type MatmulShape, type MatmulVariant } from './kernels/matmul.js';
export { softmax, softmaxBackward, maskedSoftmaxReference, MASK_NEG_INF, type SoftmaxMask } from './kernels/softmax.js';
export { layerNorm, layerNormBackward, type LayerNormForward, type LayerNormBackward } from './kernels/layernorm.js';
export { unary, unaryBackward, binary, isDeviceUnary, isDeviceBinary, type DeviceUnaryOp, type DeviceBinaryOp } from './kernels/elementwise.js';
export { rowSum, colSum, sum, rowSumReference, colSumReference } from './kernels/reduce.js';
export { attentionForward, attentionBackward, attentionReference, type AttentionShape } from './kernels/attention.js';
export { type Layout, rowMajor, transposed } from './kernels/types.js';
