import { makeVlmStep } from './bench/tensor/step.ts';
import { setGemmSimd, gemmPoolReady } from './src/tensor/index.ts';
const s = makeVlmStep(0);
await gemmPoolReady();
for (const on of [true, false, true, false]) {
  setGemmSimd(on); s.step(); s.step();
  const xs = []; for (let i = 0; i < 4; i++) { const t0 = performance.now(); s.step(); xs.push(performance.now() - t0); }
  xs.sort((a, b) => a - b); console.log(on ? 'simd' : 'js  ', xs.map((x) => x.toFixed(0)).join(' '), JSON.stringify(s.lap, (k, v) => typeof v === 'number' ? Math.round(v) : v));
}
process.exit(0);
