// Quick matmul throughput probe (not a spec): `npx tsx spec/tensor/matmul-gflops.ts [sizes…]`.
// Checks the result against dot products first, warms up, then prints the median GFLOP/s of the forward
// product C = A·B and of the two backward products dC·Bᵀ and Aᵀ·dC (strided operands, no transposes made),
// beside the naive i-k-j loop as a baseline measured in the same run. The tfjs comparison lives in bench/.
import { Rng, randn, matmul, getBackend } from '../src/tensor/index.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function time(fn: () => void, reps: number): number {
  fn(); // warm-up (JIT)
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

function naive(n: number, a: Float32Array, b: Float32Array, c: Float32Array): void {
  c.fill(0);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const av = a[i * n + k];
      for (let j = 0; j < n; j++) c[i * n + j] += av * b[k * n + j];
    }
  }
}

const sizes = process.argv.slice(2).map(Number);
const rng = new Rng(0);
for (const n of sizes.length > 0 ? sizes : [128, 256, 512, 1024]) {
  const A = randn([n, n], rng);
  const B = randn([n, n], rng);
  const C = matmul(A, B);
  for (let t = 0; t < 16; t++) {
    const i = rng.int(n);
    const j = rng.int(n);
    let s = 0;
    for (let k = 0; k < n; k++) s += A.data[i * n + k] * B.data[k * n + j];
    if (Math.abs(s - C.data[i * n + j]) > 1e-4 * Math.sqrt(n)) throw new Error(`wrong product at n=${n} (${i}, ${j})`);
  }
  const reps = n >= 1024 ? 3 : n >= 512 ? 5 : 15;
  const flops = 2 * n * n * n;
  const be = getBackend();
  const out = new Float32Array(n * n);
  const a = A.data as Float32Array;
  const b = B.data as Float32Array;
  const fwd = time(() => matmul(A, B), reps);
  const abt = time(() => { out.fill(0); be.gemm(n, n, n, a, 0, n, 1, b, 0, 1, n, out, 0, n); }, reps);
  const atb = time(() => { out.fill(0); be.gemm(n, n, n, a, 0, 1, n, b, 0, n, 1, out, 0, n); }, reps);
  const base = n <= 512 ? time(() => naive(n, a, b, out), reps) : NaN;
  const g = (ms: number): string => (flops / ms / 1e6).toFixed(2);
  console.log(`n=${n}: A·B ${g(fwd)} GFLOP/s (${fwd.toFixed(1)} ms) | A·Bᵀ ${g(abt)} | Aᵀ·B ${g(atb)} | naive i-k-j ${Number.isNaN(base) ? 'skipped' : g(base)} GFLOP/s`);
}
