/**
 * What runs inside each gemm worker thread (gemm-pool.ts starts them): a fixed bootstrap script, the
 * kernel factory of gemm.ts and the job loop below, all as source text.
 *
 * Why source text, not a worker module file: a `.ts` worker needs a TypeScript loader in the worker,
 * and on Node 20 `--import tsx` does not register in worker threads (tsx only hooks the main thread
 * there; measured: ERR_UNKNOWN_FILE_EXTENSION). Evaluating `makeGemmKernel.toString()` needs nothing,
 * boots in ~30 ms, and works the same under `npx tsx`, `node --import tsx` and vitest. So the kernel
 * factory and `gemmWorkerLoop` must stay self-contained (no imports, no free variables). The one thing a
 * transpiler adds is esbuild's `__name(fn, "fn")` (tsx compiles with keepNames), which the bootstrap
 * defines as the identity. The bootstrap runs a small product at boot, so a transform that breaks the
 * text fails the boot (and the pool falls back to one thread, saying why), never a real product.
 *
 * Protocol, over one shared control block (`ctl`, int32) and one parameter block (`par`, float64):
 *   main:   writes the job's parameters, NEXT := 0, OPEN := JOB := job id, notify JOB (all workers)
 *   worker: wakes on JOB; ACTIVE += 1; if OPEN is still that job (and fewer than `helpers` workers
 *           joined before it): take any newer arena from its port,
 *           then claim row chunks (i = NEXT++) until none is left, computing each on the arena;
 *           ACTIVE −= 1 (notify when it reaches 0)
 *   main:   claims chunks from the same counter (computing them on the caller's own arrays); when none
 *           is left, OPEN := 0, waits until ACTIVE = 0, and copies back every chunk it did not do.
 * A worker that wakes late finds OPEN changed and goes back to sleep, so a busy machine that does not
 * schedule a worker costs nothing but the copies: the main thread then does every chunk itself. A job's
 * parameters cannot change while a worker is inside it (ACTIVE > 0 holds the main thread back).
 * The arena (a SharedArrayBuffer: the packed B and copies of A and C) is sent by postMessage when it
 * grows; postMessage has queued it before JOB moves, so the worker takes it with receiveMessageOnPort.
 *
 * Not here: the pool, the split of rows, the copies (gemm-pool.ts); the arithmetic (gemm.ts).
 */
import type { MessagePort } from 'node:worker_threads';
import type { GemmKernel, GemmWasm } from './gemm.js';

/** Int32 indices in the control block, float64 indices in the parameter block, worker states. */
export const LAYOUT = {
  JOB: 0, // id of the latest job (workers sleep on it)
  OPEN: 1, // id of the job still taking helpers, 0 when none
  STOP: 2, // 1: workers exit
  GEN: 3, // arena generation the current job uses
  FAILED: 4, // 1 once a worker's product threw (the worker posts the error's text on its port)
  NEXT: 16, // next unclaimed chunk (own cache line: claimed by every thread)
  ACTIVE: 17, // workers inside the current job
  STATES: 32, // STATES + slot: that worker's boot state
  INTS: 32, // + one int32 per worker
  // par: M, N, K, dtype (0 float32, 1 float64), aOff, aRs, aCs, cOff, chunk rows, chunks, B key, helpers
  PARS: 12,
  BOOTING: 0,
  READY: 1,
  BOOT_FAILED: 2,
} as const;

export type Layout = typeof LAYOUT;

/** Everything a worker receives at start (workerData). */
export interface WorkerData {
  readonly ctl: Int32Array;
  readonly par: Float64Array;
  readonly port: MessagePort;
  readonly slot: number;
  readonly layout: Layout;
  readonly kernelSource: string;
  /** The compiled SIMD micro-kernel (a WebAssembly.Module clones into a worker), or null for the JavaScript one. */
  readonly wasm: GemmWasm | null;
  readonly loopSource: string;
}

/** The arena message: a new SharedArrayBuffer and its generation. */
export interface ArenaMessage {
  readonly gen: number;
  readonly buffer: SharedArrayBuffer;
}

/**
 * The worker's job loop (self-contained: it runs from its source text). Offsets and strides in `par` are
 * in elements of the arena view of the job's dtype; the packed B sits at the start of the float64 view,
 * the copy of C has row stride N.
 */
export function gemmWorkerLoop(
  kernel: GemmKernel,
  data: WorkerData,
  receive: (port: MessagePort) => { message: unknown } | undefined,
): void {
  const L = data.layout;
  const ctl = data.ctl;
  const par = data.par;
  let gen = -1;
  let f32: Float32Array = new Float32Array(0);
  let f64: Float64Array = new Float64Array(0);
  let seen = 0;
  Atomics.store(ctl, L.STATES + data.slot, L.READY);
  Atomics.notify(ctl, L.STATES + data.slot);
  for (;;) {
    Atomics.wait(ctl, L.JOB, seen);
    const job = Atomics.load(ctl, L.JOB);
    if (job === seen) continue; // woken without a new job
    seen = job;
    if (Atomics.load(ctl, L.STOP) !== 0) {
      data.port.close();
      return;
    }
    // At most `helpers` workers join (the thread count may be below the pool's size).
    const rank = Atomics.add(ctl, L.ACTIVE, 1);
    if (Atomics.load(ctl, L.OPEN) === job && rank < par[11]) {
      try {
        const want = Atomics.load(ctl, L.GEN);
        for (let tries = 0; gen !== want; tries++) {
          const m = receive(data.port);
          if (m === undefined) {
            if (tries > 1000) throw new Error(`arena generation ${want} never arrived`);
            Atomics.wait(ctl, L.STOP, 0, 1); // 1 ms (STOP is 0 here)
            continue;
          }
          const msg = m.message as ArenaMessage;
          gen = msg.gen;
          f32 = new Float32Array(msg.buffer);
          f64 = new Float64Array(msg.buffer);
        }
        const M = par[0], N = par[1], K = par[2];
        const view = par[3] === 0 ? f32 : f64;
        const aOff = par[4], aRs = par[5], aCs = par[6], cOff = par[7];
        const rows = par[8], chunks = par[9], key = par[10];
        for (let i = Atomics.add(ctl, L.NEXT, 1); i < chunks; i = Atomics.add(ctl, L.NEXT, 1)) {
          const r0 = i * rows;
          kernel.gemmPacked(Math.min(rows, M - r0), N, K, view, aOff + r0 * aRs, aRs, aCs, f64, 0, key, view, cOff + r0 * N, N);
        }
      } catch (e) {
        data.port.postMessage(String(e instanceof Error ? (e.stack ?? e.message) : e));
        Atomics.store(ctl, L.FAILED, 1);
      }
    }
    if (Atomics.sub(ctl, L.ACTIVE, 1) === 1) Atomics.notify(ctl, L.ACTIVE);
  }
}

/**
 * The worker's entry script (CommonJS, run with `eval: true`). It builds the kernel and the loop from
 * their source, checks the kernel on a 5×6·6×7 product against the plain triple loop in double (exact
 * here: small integers), and reports BOOT_FAILED with the reason on the port if anything throws.
 */
export const BOOTSTRAP = `'use strict';
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const L = workerData.layout;
const state = L.STATES + workerData.slot;
let kernel, loop;
try {
  const __name = (f) => f;
  const build = (src) => new Function('__name', '"use strict"; return (' + src + ');')(__name);
  kernel = build(workerData.kernelSource)(workerData.wasm);
  loop = build(workerData.loopSource);
  const M = 5, N = 7, K = 6;
  const a = Float64Array.from({ length: M * K }, (_, i) => (i % 7) - 3);
  const b = Float64Array.from({ length: K * N }, (_, i) => (i % 5) - 2);
  const c = new Float64Array(M * N);
  kernel.gemm(M, N, K, a, 0, K, 1, b, 0, N, 1, c, 0, N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
    if (c[i * N + j] !== s) throw new Error('kernel self-check failed at (' + i + ', ' + j + ')');
  }
} catch (e) {
  workerData.port.postMessage(String(e && e.stack || e));
  Atomics.store(workerData.ctl, state, L.BOOT_FAILED);
  Atomics.notify(workerData.ctl, state);
  kernel = undefined;
}
if (kernel !== undefined) loop(kernel, workerData, receiveMessageOnPort);
else workerData.port.close();
`;
