/**
 * Benchmark suite `tensor` (issue 3, "Performance"), two tables:
 *
 *   1. matmul n = 128, 256, 512, 1024 (square, float32): ours vs tfjs-cpu (pure JS) and tfjs-wasm (SIMD),
 *      GFLOP/s from the median call, each product verified first (tensor/matmul.ts); plus ours with the
 *      JavaScript micro-kernel (`ours, JS kernel`, bit-identical). Target: ours ≥ 3× tfjs-cpu at every n.
 *   2. one training step (forward, backward, AdamW) of vlm-tiny at batch 32 (tensor/step.ts), text
 *      tokens/s = 32·32 / step time, beside the PyTorch anchor run in the same invocation
 *      (tensor/torch.ts). Target: ours ≥ 1/25 of PyTorch's tokens/s.
 *
 * `ratio_to_*` columns are ours ÷ the peer in throughput (GFLOP/s or tokens/s): > 1 means ours is faster.
 * Step rows carry n = text tokens per step (B·T = 32·32) and `config`. The second table is opened with
 * report.end() / report.begin() inside `run` (same suite name in the JSON lines).
 * Targets are reported (met / MISSED), not enforced; a failed verification stops the run.
 *
 * Not here: the kernels (src/tensor), the runner and its helpers (bench/run.ts, bench/lib).
 */
import { gemmPoolReady, gemmPoolStats, getGemmThreads } from '../src/tensor/index.js';
import type { Suite } from './lib/suite.js';
import { benchMatmul, gflops } from './tensor/matmul.js';
import { timeVlmStep } from './tensor/step.js';
import { describePeers } from './tensor/tfjs.js';
import { runTorchAnchor } from './tensor/torch.js';

const SIZES = [128, 256, 512, 1024] as const;
const MATMUL_TARGET = 3; // ours ÷ tfjs-cpu
const STEP_TARGET = 1 / 25; // ours ÷ PyTorch, tokens/s

const fmt = (x: number): string => x.toPrecision(3);

export const tensorSuite: Suite = {
  name: 'tensor',
  title: `matmul (square float32) vs tfjs-cpu / tfjs-wasm, GFLOP/s; our gemm threads ${getGemmThreads()}, micro-kernel ${gemmPoolStats().kernel}`,
  async run(report) {
    // Start the gemm pool's workers before timing, so no timed call runs single-threaded while they boot.
    const pooled = await gemmPoolReady();
    if (!pooled && getGemmThreads() > 1) report.note(`gemm pool workers did not start: every product ran single-threaded (see the warning above)`);
    const missed: string[] = [];
    let worst = 0;
    let ours512 = NaN;
    for (const n of SIZES) {
      const r = await benchMatmul(n, n);
      worst = Math.max(worst, r.worstRatio);
      const ours = gflops(n, r.ours.median_ms);
      const cpu = gflops(n, r.peers.cpu.median_ms);
      const wasm = gflops(n, r.peers.wasm.median_ms);
      if (n === 512) ours512 = ours;
      report.row({
        name: 'matmul ours', n, median_ms: r.ours.median_ms, gflops: ours,
        ratio_to_tfjs_cpu: ours / cpu, ratio_to_tfjs_wasm: ours / wasm, runs: r.ours.runs,
      });
      if (r.oursJs !== null) {
        const js = gflops(n, r.oursJs.median_ms);
        report.row({ name: 'matmul ours, JS kernel', n, median_ms: r.oursJs.median_ms, gflops: js, ratio_to_tfjs_cpu: js / cpu, ratio_to_tfjs_wasm: js / wasm, runs: r.oursJs.runs });
      }
      report.row({ name: 'matmul tfjs-cpu', n, median_ms: r.peers.cpu.median_ms, gflops: cpu, runs: r.peers.cpu.runs });
      report.row({ name: 'matmul tfjs-wasm', n, median_ms: r.peers.wasm.median_ms, gflops: wasm, runs: r.peers.wasm.runs });
      if (ours / cpu < MATMUL_TARGET) missed.push(`n=${n}: ${fmt(ours / cpu)}×`);
    }
    report.note(`peers: ${await describePeers()}; a peer's call includes dataSync() (the result readable from JS, as ours)`);
    report.note(
      `verified before timing: every product at 69 entries vs float64, and every entry of each peer vs ours, ` +
        `within γ_n·Σ|a||b| (worst error used ${fmt(100 * worst)}% of its bound)`,
    );
    report.note(`target ours ≥ ${MATMUL_TARGET}× tfjs-cpu at every n: ${missed.length === 0 ? 'met' : `MISSED (${missed.join(', ')})`}`);
    report.end();

    // Second table: the training step, ours then PyTorch (never concurrently: they share the cores).
    report.begin('tensor', 'one vlm-tiny training step (forward + backward + AdamW), batch 32, text tokens/s');
    const s = timeVlmStep(0);
    const tps = s.textTokens / (s.step_ms / 1000);
    const torch = runTorchAnchor();
    let ratio: number | undefined;
    if (torch.ok) {
      if (torch.step.params !== s.params) {
        throw new Error(`verify: PyTorch's ${torch.step.config} has ${torch.step.params} parameters, ours ${s.params}: not the same model`);
      }
      ratio = tps / torch.step.text_tokens_per_s;
    }
    report.row({
      name: `${s.config} step ours`, n: s.textTokens, config: `${s.config} B=${s.batch}`, median_ms: s.step_ms, tokens_per_s: tps,
      ...(ratio === undefined ? {} : { ratio_to_torch: ratio }),
      forward_ms: s.forward_ms, backward_ms: s.backward_ms, optimizer_ms: s.optimizer_ms, runs: s.runs,
    });
    if (torch.ok) {
      report.row({
        name: `${torch.step.config} step torch`, n: s.textTokens, config: `${torch.step.config} B=${s.batch}`,
        median_ms: torch.step.step_ms, tokens_per_s: torch.step.text_tokens_per_s, threads: torch.step.threads, runs: 15,
      });
      const p = torch.probe;
      report.note(`PyTorch ${p.torch} via ${p.python}, the anchor's best of 1 and 2 threads (${torch.step.threads}); BLAS loaded: ${p.blas}`);
      report.note(
        `PyTorch's own 512² matmul here: ${fmt(p.matmul512_gflops)} GFLOP/s on 1 thread (ours above: ${fmt(ours512)})` +
          // Debian's netlib reference BLAS lives in …/blas/libblas.so.3; OpenBLAS and MKL elsewhere.
          (/\/blas\/libblas\.so/.test(p.blas) ? ': the reference BLAS, not OpenBLAS or MKL, so this PyTorch step is far slower than the 50–140 ms the issue expects' : ''),
      );
    } else {
      report.note(`PyTorch row skipped: ${torch.reason}`);
    }
    report.note(
      `verified before timing: ${s.params} parameters (the anchor's layout), finite loss and gradients; ` +
        `loss on the fixed batch ${s.firstLoss.toFixed(4)} → ${s.finalLoss.toFixed(4)} after ${s.runs + 2} steps`,
    );
    report.note(
      ratio === undefined
        ? `target ours ≥ 1/25 of PyTorch's tokens/s: not measured (no PyTorch)`
        : `target ours ≥ 1/25 of PyTorch's tokens/s: ${ratio >= STEP_TARGET ? 'met' : 'MISSED'} (1/${fmt(1 / ratio)})`,
    );
  },
};
