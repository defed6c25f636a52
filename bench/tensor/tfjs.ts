/**
 * The TensorFlow.js peers of the `tensor` bench: `@tensorflow/tfjs-core` 4.x with its pure-JavaScript
 * CPU backend (`tfjs-backend-cpu`, the like-for-like peer of our pure-TypeScript kernels) and its WASM
 * backend (`tfjs-backend-wasm`, XNNPACK kernels, SIMD when the runtime has it: the fast peer).
 *
 * One timed call is `tf.matMul(a, b)` followed by `dataSync()` (the result readable from JavaScript, as
 * ours is) and the output's disposal; the operands are uploaded once, untimed. The WASM backend runs in
 * the threads tfjs picks: in Node without cross-origin isolation that is one thread (reported).
 *
 * Not here: the bench (bench/tensor.ts), checking results (verify.ts). Dev dependencies of the bench
 * only; nothing in src/ imports tfjs.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfWasm from '@tensorflow/tfjs-backend-wasm';

export type PeerBackend = 'cpu' | 'wasm';

export interface BoundMatmul {
  /** One product of the bound operands, read back into a Float32Array. */
  run(): Float32Array;
  dispose(): void;
}

/**
 * Makes `backend` the active tfjs backend and uploads a and b (row-major n×n float32). tfjs has one
 * active backend at a time: dispose this before binding the other backend.
 */
export async function bindMatmul(backend: PeerBackend, a: Float32Array, b: Float32Array, n: number): Promise<BoundMatmul> {
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs: backend "${backend}" failed to initialise`);
  await tf.ready();
  const ta = tf.tensor2d(a, [n, n], 'float32');
  const tb = tf.tensor2d(b, [n, n], 'float32');
  return {
    run(): Float32Array {
      const c = tf.matMul(ta, tb);
      const data = c.dataSync() as Float32Array;
      c.dispose();
      return data;
    },
    dispose(): void {
      ta.dispose();
      tb.dispose();
    },
  };
}

/** The tfjs version and how the WASM backend runs here (after it has been initialised once). */
export async function describePeers(): Promise<string> {
  await tf.setBackend('wasm');
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = tfWasm.getThreadsCount();
  return `tfjs-core ${tf.version_core}; tfjs-wasm: SIMD ${simd ? 'on' : 'off'}, ${threads} thread${threads === 1 ? '' : 's'}`;
}
