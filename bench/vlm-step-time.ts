// Not a spec (no timed unit tests): a manual measurement of one training step (forward, backward, AdamW)
// of a preset, mirroring the anchor's step (shared/anchors/torch_vlm_step.py): random image and tokens,
// cross-entropy over all text positions, median of the steps after two warm-up steps.
// Run: npx tsx bench/vlm-step-time.ts [preset=vlm-tiny] [B=32] [steps=7]
import { Rng, crossEntropy, rand } from '../src/tensor/index.js';
import { AdamW } from '../src/optim/index.js';
import { VLM, getPreset, imageTokens } from '../src/vlm/index.js';

const cfg = getPreset(process.argv[2] ?? 'vlm-tiny');
const B = Number(process.argv[3] ?? 32);
const steps = Number(process.argv[4] ?? 7);
const T = cfg.maxTextLen;
const rng = new Rng(0);
const model = new VLM(cfg, { seed: 0 });
const opt = new AdamW(model.parameterDict(), { lr: 1e-3 });
const img = rand([B, cfg.channels, cfg.imageSize, cfg.imageSize], rng);
const tokens = Array.from({ length: B * T }, () => rng.int(cfg.vocabSize));
const target = Array.from({ length: B * T }, () => rng.int(cfg.vocabSize));

function step(): number {
  opt.zeroGrad();
  const loss = crossEntropy(model.forward(img, tokens, [B, T]), target);
  loss.backward();
  opt.step();
  return loss.item();
}
const times: number[] = [];
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  const l = step();
  times.push(performance.now() - t0);
  if (i === 0) console.log(`first loss ${l.toFixed(4)} (ln V = ${Math.log(cfg.vocabSize).toFixed(4)})`);
}
const warm = times.slice(2).sort((a, b) => a - b);
const med = warm[Math.floor(warm.length / 2)];
console.log(JSON.stringify({ config: cfg.name, params: model.numParameters(), P: imageTokens(cfg), B, T, step_ms: +med.toFixed(1), text_tokens_per_s: +((B * T) / (med / 1000)).toFixed(0), all_ms: times.map((t) => +t.toFixed(0)) }));
