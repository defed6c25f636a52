/**
 * The threaded entry to the CPU gemm: C += A·B with C's rows cut into chunks that the main thread and a
 * persistent pool of worker_threads claim from one shared counter, synchronously (autograd calls gemm
 * synchronously).
 *
 *   main:   pack all of B once into a SharedArrayBuffer (the arena) and copy A and C there; wake the
 *           workers (Atomics.notify); claim chunks and compute them in place on the caller's arrays;
 *           when none is left, wait for the workers still inside (Atomics.wait, allowed on Node's main
 *           thread) and copy the chunks they did back into C.
 *   worker: sleeps in Atomics.wait; claims chunks and runs the same kernel (gemm.ts, from its source
 *           text: gemm-worker.ts) on the arena.
 * Claiming (not a fixed split) matters on this shared 2-core machine: a worker the OS does not schedule
 * in time simply gets fewer chunks, down to none, instead of holding the main thread up.
 *
 * Deterministic: every element of C gets exactly the arithmetic of the single-threaded kernel (gemm.ts
 * says why the row range does not enter it), so results are bit-identical for any thread count and any
 * claiming order; the thread count never changes numerics. Checked by spec/tensor/gemm-parallel.spec.ts.
 *
 * Only big products go to the pool: M·N·K ≥ PARALLEL_MIN_MNK and M > MIN_CHUNK_ROWS (two chunks at
 * least). Smaller ones call the kernel directly, with no overhead but that test.
 *
 * Threads: `setGemmThreads(n)`; the default is the environment variable G2RPO_THREADS (a positive
 * integer; read here and nowhere else), else all available cores (os.availableParallelism()); never
 * more than the available cores. The pool holds threads − 1 workers (the main thread computes too). It
 * starts on the first big product without blocking: products run single-threaded until the workers
 * report ready (~30 ms; `gemmPoolReady()` awaits that). Workers are unref'd (the pool never keeps the
 * process alive) and get no execArgv (a parent's `--import tsx` would make each worker boot a loader
 * it does not need). `shutdownGemmPool()` stops them; the next big product starts a fresh pool. If
 * workers cannot start, gemm runs single-threaded and says why once (console.warn).
 *
 * Not here: the arithmetic (gemm.ts), the worker's side and the protocol's details (gemm-worker.ts).
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { Storage } from '../tensor.js';
import { type GemmKernel, gemmWasm, gemmWasmUnavailable, mainKernel, makeGemmKernel } from './gemm.js';
import { type ArenaMessage, BOOTSTRAP, LAYOUT as L, type WorkerData, gemmWorkerLoop } from './gemm-worker.js';

/**
 * Products with M·N·K below this stay on the calling thread. Measured here (2 threads, load ≈ 1.1,
 * median of 41): 2^18 runs 0.78–0.92× as fast as one thread, 2^18.6–2^18.8 1.05–1.23×, 2^19 0.93–1.15×,
 * 2^20 1.36×, 2^24 1.5×, 2^27 1.86×: one thread needs ~0.1 ms at 2^19, and the pool's fixed costs (the
 * copies, a futex wake-up, waiting for a worker's last chunk) are tens of µs.
 */
export const PARALLEL_MIN_MNK = 2 ** 19;
/** Fewest rows in a chunk: each chunk copies its B slices into the kernel's panel buffer once more. */
export const MIN_CHUNK_ROWS = 32;
/** Most rows in a chunk: MC, one packed block of A. */
const MAX_CHUNK_ROWS = 64;
/** Chunks are cut at multiples of the micro-tile height, so no chunk but the last has a ragged edge. */
const ROW_ALIGN = 4;
/** Workers not ready this long after starting are given up (they boot in ~30 ms). */
const BOOT_TIMEOUT_MS = 20_000;

// ---- configuration ----

let configured: number | null = null;

/** G2RPO_THREADS, if set: the default thread count (a positive integer). */
function threadsFromEnv(): number | null {
  const raw = process.env.G2RPO_THREADS;
  if (raw === undefined || raw === '') return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`G2RPO_THREADS: must be a positive integer, got "${raw}"`);
  return n;
}

/** Threads a big product uses: the configured count (default G2RPO_THREADS, else all cores), at most the cores. */
export function getGemmThreads(): number {
  const want = configured ?? threadsFromEnv() ?? availableParallelism();
  return Math.max(1, Math.min(want, availableParallelism()));
}

/**
 * Sets the thread count for big products (1: single-threaded; null: back to the default). Never changes
 * results. A pool with fewer workers than now wanted is stopped (a fresh one starts on the next big
 * product); a bigger one stays and lets only threads − 1 of its workers help.
 */
export function setGemmThreads(n: number | null): void {
  if (n !== null && (!Number.isInteger(n) || n < 1)) throw new Error(`setGemmThreads: n must be a positive integer or null, got ${n}`);
  configured = n;
  disabled = null; // an explicit request retries workers that failed before
  if (pool !== null && pool.workers.length < getGemmThreads() - 1) void shutdownGemmPool();
}

// ---- which micro-kernel (both give bit-identical results; gemm.ts says why) ----

let simd = gemmWasm !== null;
let kernel: GemmKernel = mainKernel;
let jsKernel: GemmKernel | null = null;

/**
 * Whether products run the WebAssembly SIMD micro-kernel (the default where it compiles) or the
 * JavaScript one (for benchmarks comparing the two; results are identical). Asking for SIMD where it
 * did not compile throws with the engine's reason. Restarts the workers on the next big product.
 */
export function setGemmSimd(on: boolean): void {
  if (on && gemmWasm === null) throw new Error(`setGemmSimd: the WebAssembly SIMD kernel does not compile here (${gemmWasmUnavailable})`);
  if (on === simd) return;
  simd = on;
  kernel = on ? mainKernel : (jsKernel ??= makeGemmKernel(null));
  void shutdownGemmPool();
}

// ---- the pool ----

interface Pool {
  readonly workers: Worker[];
  readonly ports: MessagePort[]; // main's ends of the workers' channels
  readonly ctl: Int32Array;
  readonly par: Float64Array;
  readonly deadline: number; // Date.now() after which a worker still booting counts as failed
  ready: boolean;
  arena: SharedArrayBuffer;
  f32: Float32Array;
  f64: Float64Array;
  gen: number;
}

let pool: Pool | null = null;
/** Why workers are off (after a failed start); null while they may be used. */
let disabled: string | null = null;
const warned = new Set<string>();
let parallelCalls = 0;
let workerChunks = 0;
/** Test switch (setMainThreadShare). */
let mainShares = true;
/** Job ids, never reused: a kernel's cached B slice is never mistaken for another job's. */
let jobs = 0;

function fallBack(reason: string): void {
  disabled = reason;
  const line = `gemm: worker threads unavailable (${reason}); running single-threaded`;
  if (!warned.has(line)) {
    warned.add(line);
    console.warn(line);
  }
}

export interface GemmPoolStats {
  /** What getGemmThreads() returns now. */
  readonly threads: number;
  /** Workers started and ready (0 before the first big product, after shutdown, or when unavailable). */
  readonly workers: number;
  /** Products that went to the pool since the process started. */
  readonly parallelCalls: number;
  /** Row chunks of those products that workers computed (the others ran on the main thread). */
  readonly workerChunks: number;
  /** Why workers are off, or null. */
  readonly disabled: string | null;
  /** The micro-kernel products run: 'wasm-simd' or 'js' (see setGemmSimd). */
  readonly kernel: 'wasm-simd' | 'js';
  /** Why the SIMD kernel cannot run here, or null. */
  readonly simdUnavailable: string | null;
}

/** The pool's counters, for tests and benches. */
export function gemmPoolStats(): GemmPoolStats {
  const workers = pool !== null && pool.ready ? pool.workers.length : 0;
  return { threads: getGemmThreads(), workers, parallelCalls, workerChunks, disabled, kernel: simd ? 'wasm-simd' : 'js', simdUnavailable: gemmWasmUnavailable };
}

/**
 * For tests only: with `false` the main thread claims no chunk and sleeps until the workers have done
 * them all, so a test sees the workers' results alone (normally the main thread shares the work, and on
 * a busy machine may do every chunk itself). Returns the previous setting.
 */
export function setMainThreadShare(on: boolean): boolean {
  const was = mainShares;
  mainShares = on;
  return was;
}

/** Stops the workers; resolves when they have exited. The next big product starts a fresh pool. */
export async function shutdownGemmPool(): Promise<void> {
  const p = pool;
  pool = null;
  if (p === null) return;
  Atomics.store(p.ctl, L.STOP, 1);
  Atomics.store(p.ctl, L.JOB, ++jobs);
  Atomics.notify(p.ctl, L.JOB);
  for (const port of p.ports) port.close();
  await Promise.all(p.workers.map((w) => w.terminate()));
}

/** Starts `n` workers without waiting for them; null (and a warning) if a Worker cannot be made. */
function startPool(n: number): Pool | null {
  const ctl = new Int32Array(new SharedArrayBuffer((L.INTS + n) * 4));
  const par = new Float64Array(new SharedArrayBuffer(L.PARS * 8));
  const workers: Worker[] = [];
  const ports: MessagePort[] = [];
  try {
    for (let slot = 0; slot < n; slot++) {
      const { port1, port2 } = new MessageChannel();
      const data: WorkerData = {
        ctl, par, port: port2, slot, layout: L,
        kernelSource: makeGemmKernel.toString(),
        wasm: simd ? gemmWasm : null,
        loopSource: gemmWorkerLoop.toString(),
      };
      const w = new Worker(BOOTSTRAP, { eval: true, workerData: data, transferList: [port2], execArgv: [] });
      w.unref();
      // Without a listener an error in a worker would crash the process; here it only retires the pool.
      w.on('error', (e) => {
        if (pool !== null && pool.workers.includes(w)) {
          void shutdownGemmPool();
          fallBack(`a worker failed: ${e.message}`);
        }
      });
      workers.push(w);
      ports.push(port1);
    }
  } catch (e) {
    for (const w of workers) void w.terminate();
    for (const port of ports) port.close();
    fallBack(`cannot start a worker: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  }
  const arena = new SharedArrayBuffer(0);
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  return { workers, ports, ctl, par, deadline, ready: false, arena, f32: new Float32Array(arena), f64: new Float64Array(arena), gen: 0 };
}

/** Whether every worker has booted; a failed or overdue boot retires the pool (with the reason). */
function checkReady(p: Pool): boolean {
  if (p.ready) return true;
  let booting = false;
  for (let slot = 0; slot < p.workers.length; slot++) {
    const state = Atomics.load(p.ctl, L.STATES + slot);
    if (state === L.BOOT_FAILED) {
      const why = String(receiveMessageOnPort(p.ports[slot])?.message).split('\n')[0];
      void shutdownGemmPool();
      fallBack(`worker boot failed: ${why}`);
      return false;
    }
    if (state === L.BOOTING) booting = true;
  }
  if (booting && Date.now() > p.deadline) {
    void shutdownGemmPool();
    fallBack(`no worker ready ${BOOT_TIMEOUT_MS} ms after start`);
    return false;
  }
  p.ready = !booting;
  return p.ready;
}

/** The pool when it should and can take a product now (starting it if needed), else null. */
function usablePool(): Pool | null {
  const threads = getGemmThreads();
  if (disabled !== null || threads < 2) return null;
  if (pool !== null && pool.workers.length < threads - 1) void shutdownGemmPool();
  pool ??= startPool(threads - 1);
  return pool !== null && checkReady(pool) ? pool : null;
}

/**
 * Starts the pool if it is not running and resolves once its workers are ready: true, or false when
 * products will run single-threaded (one thread configured, or workers unavailable: see the warning).
 */
export async function gemmPoolReady(): Promise<boolean> {
  if (disabled !== null || getGemmThreads() < 2) return false;
  usablePool();
  for (;;) {
    const p = pool;
    if (p === null) return false;
    if (checkReady(p)) return true;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

// ---- one product ----

/** C += A·B (see Backend.gemm for the stride convention), using the pool for big products. */
export function gemm(
  M: number, N: number, K: number,
  a: Storage, aOff: number, aRs: number, aCs: number,
  b: Storage, bOff: number, bRs: number, bCs: number,
  c: Storage, cOff: number, cRs: number,
): void {
  const big = M * N * K >= PARALLEL_MIN_MNK && M > MIN_CHUNK_ROWS && a.constructor === c.constructor && b.constructor === c.constructor;
  const p = big ? usablePool() : null;
  if (p === null) {
    kernel.gemm(M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs);
    return;
  }
  runParallel(p, kernel, M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs);
  parallelCalls++;
}

/** Grows the arena to at least `bytes`, telling every worker about the new buffer. */
function ensureArena(p: Pool, bytes: number): void {
  if (p.arena.byteLength >= bytes) return;
  const size = Math.ceil((bytes * 1.25) / 8) * 8; // headroom: slowly growing shapes do not reallocate every call
  p.arena = new SharedArrayBuffer(size);
  p.f32 = new Float32Array(p.arena);
  p.f64 = new Float64Array(p.arena);
  p.gen++;
  const msg: ArenaMessage = { gen: p.gen, buffer: p.arena };
  for (const port of p.ports) port.postMessage(msg);
}

/**
 * dst[dOff..] ← the rows×cols block of src at off (strides rs, cs), keeping the contiguous axis
 * contiguous (then each run is one memcpy); returns the copy's [rs, cs].
 */
function copyBlock(src: Storage, off: number, rs: number, cs: number, rows: number, cols: number, dst: Storage, dOff: number): [number, number] {
  if (cs === 1) {
    for (let i = 0; i < rows; i++) dst.set(src.subarray(off + i * rs, off + i * rs + cols), dOff + i * cols);
    return [cols, 1];
  }
  if (rs === 1) {
    for (let k = 0; k < cols; k++) dst.set(src.subarray(off + k * cs, off + k * cs + rows), dOff + k * rows);
    return [1, rows];
  }
  for (let i = 0; i < rows; i++) for (let k = 0; k < cols; k++) dst[dOff + i * cols + k] = src[off + i * rs + k * cs];
  return [cols, 1];
}

/** C's rows×n block at cOff (row stride cRs) ← the contiguous rows×n block at src[sOff..]. */
function copyRowsBack(src: Storage, sOff: number, rows: number, n: number, c: Storage, cOff: number, cRs: number): void {
  for (let i = 0; i < rows; i++) c.set(src.subarray(sOff + i * n, sOff + (i + 1) * n), cOff + i * cRs);
}

/** Byte offsets rounded up to 8, so every region can be viewed as float64 as well as float32. */
const align8 = (bytes: number): number => Math.ceil(bytes / 8) * 8;

/**
 * Chunk height for M rows on T threads: about four chunks per thread, so a thread the machine does not
 * schedule leaves little for the others to wait on, within [MIN_CHUNK_ROWS, MAX_CHUNK_ROWS].
 */
function chunkRows(M: number, T: number): number {
  const ideal = Math.ceil(M / (4 * T) / ROW_ALIGN) * ROW_ALIGN;
  return Math.max(MIN_CHUNK_ROWS, Math.min(MAX_CHUNK_ROWS, ideal));
}

function runParallel(
  p: Pool, kernel: GemmKernel,
  M: number, N: number, K: number,
  a: Storage, aOff: number, aRs: number, aCs: number,
  b: Storage, bOff: number, bRs: number, bCs: number,
  c: Storage, cOff: number, cRs: number,
): void {
  const helpers = Math.min(p.workers.length, getGemmThreads() - 1);
  const rows = chunkRows(M, helpers + 1);
  const chunks = Math.ceil(M / rows);
  const el = c.BYTES_PER_ELEMENT;
  // Arena: packed B (float64), then copies of all of A and C in C's dtype (a worker may claim any chunk).
  const aAt = align8(kernel.packedBLength(K, N) * 8);
  const cAt = align8(aAt + M * K * el);
  ensureArena(p, cAt + M * N * el);
  const view: Storage = el === 4 ? p.f32 : p.f64;
  kernel.packB(K, N, b, bOff, bRs, bCs, p.f64, 0);
  const [wRs, wCs] = copyBlock(a, aOff, aRs, aCs, M, K, view, aAt / el);
  copyBlock(c, cOff, cRs, 1, M, N, view, cAt / el);
  const job = ++jobs;
  p.par.set([M, N, K, el === 4 ? 0 : 1, aAt / el, wRs, wCs, cAt / el, rows, chunks, job, helpers]);
  const ctl = p.ctl;
  Atomics.store(ctl, L.NEXT, 0);
  Atomics.store(ctl, L.GEN, p.gen);
  Atomics.store(ctl, L.OPEN, job);
  Atomics.store(ctl, L.JOB, job);
  Atomics.notify(ctl, L.JOB);

  const mine = new Uint8Array(chunks);
  if (mainShares) {
    for (let i = Atomics.add(ctl, L.NEXT, 1); i < chunks; i = Atomics.add(ctl, L.NEXT, 1)) {
      mine[i] = 1;
      const r0 = i * rows;
      kernel.gemmPacked(Math.min(rows, M - r0), N, K, a, aOff + r0 * aRs, aRs, aCs, p.f64, 0, job, c, cOff + r0 * cRs, cRs);
    }
  } else {
    while (Atomics.load(ctl, L.NEXT) < chunks) Atomics.wait(ctl, L.STOP, 0, 1); // 1 ms naps (STOP stays 0)
  }
  Atomics.store(ctl, L.OPEN, 0); // a worker waking from now on leaves without touching anything
  for (let active = Atomics.load(ctl, L.ACTIVE); active !== 0; active = Atomics.load(ctl, L.ACTIVE)) {
    Atomics.wait(ctl, L.ACTIVE, active);
  }
  if (Atomics.load(ctl, L.FAILED) !== 0) {
    const why = String(p.ports.map((port) => receiveMessageOnPort(port)?.message).find((m) => m !== undefined));
    // A bug, not a resource problem: C is partly updated, so the product cannot be redone here.
    void shutdownGemmPool();
    fallBack(`a worker's product failed: ${why.split('\n')[0]}`);
    throw new Error(`gemm: a worker's product failed: ${why}`);
  }
  for (let i = 0; i < chunks; i++) {
    if (mine[i] === 1) continue;
    workerChunks++;
    const r0 = i * rows;
    copyRowsBack(view, cAt / el + r0 * N, Math.min(rows, M - r0), N, c, cOff + r0 * cRs, cRs);
  }
}
