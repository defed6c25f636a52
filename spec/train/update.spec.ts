// The PPO update's task chunks: chunk gradients add up to the gradient of the whole mini-batch loss; the
// measured per-task norm is the norm of that task's gradient alone (not polluted by the chunks before it);
// on a symmetric toy (two tasks with identical examples, responses and advantages) the two shares are
// equal exactly and sum to 1; mini-batches deal every task evenly.
import { describe, expect, it } from 'vitest';
import { gradNorm } from '../../src/optim/index.js';
import { policyLoss } from '../../src/rl/loss/index.js';
import { Tensor, noGrad } from '../../src/tensor/index.js';
import { SeededRng, TASKS, formatResponse, type Example, type TaskName } from '../../src/tasks/index.js';
import { imageBatch } from '../../src/train/data.js';
import type { Rollout } from '../../src/train/rollout.js';
import { accumulateMiniBatch, gradShares, splitMiniBatches, type UpdateOptions } from '../../src/train/update.js';
import { VLM, getPreset, tokenLogProbs } from '../../src/vlm/index.js';

const OPTIONS: UpdateOptions = {
  miniBatches: 1,
  ppoEpochs: 1,
  loss: {},
  klBeta: 0,
  entropyShaping: false,
  entropyLambda: 0.02,
  entropyEstimator: 'neg-logp',
  bands: new Map(),
  gradClip: 1,
  lrScale: 1,
};

/** A rollout of hand-made responses whose old log-probs are the model's own (ratio 1). */
function handRollout(model: VLM, examples: Example<unknown>[], responses: number[][][]): Rollout {
  const group: number[] = [];
  const task: TaskName[] = [];
  const tokens: number[][] = [];
  examples.forEach((e, p) =>
    responses[p].forEach((r) => {
      group.push(p);
      task.push(e.task);
      tokens.push(r);
    }),
  );
  const ex = group.map((p) => examples[p]);
  const lp = noGrad(() => tokenLogProbs(model, imageBatch(ex), ex.map((e) => e.prompt), tokens));
  const L = lp.shape[1];
  const logProbs = tokens.map((t, i) => Float64Array.from(lp.logProbs.data.subarray(i * L, i * L + t.length)));
  return {
    examples,
    groupSize: responses[0].length,
    group,
    task,
    tokens,
    logProbs,
    entropies: logProbs.map((a) => new Float64Array(a.length)),
    finished: tokens.map(() => true),
  };
}

function grads(model: VLM): Float32Array[] {
  return model.parameters().map((p) => Float32Array.from(p.grad?.data ?? new Float32Array(p.size)));
}

const model = new VLM(getPreset('vlm-nano'), { seed: 3 });
const rng = new SeededRng(4);
const math = TASKS.math.generate(rng, 'train') as Example<number>;
const spatial = TASKS.spatial.generate(rng, 'train') as Example<string>;
const wrongMath = formatResponse(['1', '+', '1'], ['2']);
const wrongSpatial = formatResponse([], ['yes']);

describe('accumulateMiniBatch', () => {
  const examples: Example<unknown>[] = [math, spatial];
  const r = handRollout(model, examples, [
    [math.trace, wrongMath, math.trace.slice(0, -3)],
    [spatial.trace, wrongSpatial, spatial.trace],
  ]);
  const adv = Float64Array.from([1.2, -0.4, -0.8, 0.5, -1, 0.5]);
  const rows = [0, 1, 2, 3, 4, 5];
  const tasks: TaskName[] = ['math', 'spatial'];

  it('chunk gradients add up to the gradient of the whole mini-batch loss (float32 tolerance)', () => {
    model.zeroGrad();
    const res = accumulateMiniBatch(model, null, r, adv, rows, tasks, OPTIONS, true);
    const chunked = grads(model);
    // The same loss in one piece: one forward over all six responses, token-mean over all their tokens.
    model.zeroGrad();
    const ex = r.group.map((p) => examples[p]);
    const out = tokenLogProbs(model, imageBatch(ex), ex.map((e) => e.prompt), r.tokens.map((t) => t.slice()));
    const [B, L] = out.shape;
    const old = new Float64Array(B * L);
    r.logProbs.forEach((a, b) => old.set(a, b * L));
    const whole = policyLoss({ shape: [B, L], logProbs: Float64Array.from(out.logProbs.data), oldLogProbs: old, advantages: adv, mask: out.mask });
    out.logProbs.backward(new Tensor(Float32Array.from(whole.gradLogProbs), [B, L]));
    const direct = grads(model);
    expect(res.loss).toBeCloseTo(whole.loss, 6); // float32 log-probs summed in two orders
    // Weight gradients sum over rows in a different order (per chunk, then across chunks): float32
    // rounding of a sum of ~50 terms, ≤ 1e-5 of the largest gradient entry.
    const scale = Math.max(...direct.map((g) => Math.max(...g.map(Math.abs))));
    let worst = 0;
    chunked.forEach((g, k) => g.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - direct[k][i])))));
    expect(worst).toBeLessThanOrEqual(1e-5 * scale);
  });

  it("a task's measured norm is the norm of its own gradient alone, bit for bit (the chunk before it excluded)", () => {
    model.zeroGrad();
    const res = accumulateMiniBatch(model, null, r, adv, rows, tasks, OPTIONS, true);
    // spatial's chunk came second, after math's gradient was already in .grad; recompute it alone.
    model.zeroGrad();
    const sp = [3, 4, 5];
    const ex = sp.map((i) => examples[r.group[i]]);
    const out = tokenLogProbs(model, imageBatch(ex), ex.map((e) => e.prompt), sp.map((i) => r.tokens[i].slice()));
    const [B, L] = out.shape;
    const old = new Float64Array(B * L);
    sp.forEach((i, b) => old.set(r.logProbs[i], b * L));
    const tokenCount = rows.reduce((s, i) => s + r.tokens[i].length, 0);
    const alone = policyLoss(
      { shape: [B, L], logProbs: Float64Array.from(out.logProbs.data), oldLogProbs: old, advantages: sp.map((i) => adv[i]), mask: out.mask },
      { tokenCount },
    );
    out.logProbs.backward(new Tensor(Float32Array.from(alone.gradLogProbs), [B, L]));
    expect(res.norms.get('spatial')).toBe(gradNorm(model.parameters()));
    expect(res.norms.get('math')).toBeGreaterThan(0);
    model.zeroGrad();
  });

  it('measuring does not change the accumulated gradient (float32 tolerance: summation order)', () => {
    model.zeroGrad();
    accumulateMiniBatch(model, null, r, adv, rows, tasks, OPTIONS, true);
    const measured = grads(model);
    model.zeroGrad();
    accumulateMiniBatch(model, null, r, adv, rows, tasks, OPTIONS, false);
    const plain = grads(model);
    const scale = Math.max(...plain.map((g) => Math.max(...g.map(Math.abs))));
    measured.forEach((g, k) => g.forEach((v, i) => expect(Math.abs(v - plain[k][i])).toBeLessThanOrEqual(1e-6 * scale)));
    model.zeroGrad();
  });

  it('symmetric toy: two tasks with identical examples, responses and advantages get shares exactly 1/2 each', () => {
    // The same math example under a second task label: the model sees identical inputs for both chunks.
    const twin = { ...math, task: 'counting' } as Example<unknown>;
    const sym = handRollout(model, [math, twin], [
      [math.trace, wrongMath],
      [math.trace, wrongMath],
    ]);
    model.zeroGrad();
    const res = accumulateMiniBatch(model, null, sym, Float64Array.from([1, -1, 1, -1]), [0, 1, 2, 3], ['math', 'counting'], OPTIONS, true);
    model.zeroGrad();
    expect(res.norms.get('math')).toBeGreaterThan(0);
    expect(res.norms.get('math')).toBe(res.norms.get('counting'));
    const shares = gradShares(res.norms)!;
    expect(shares.get('math')).toBe(0.5);
    expect(shares.get('counting')).toBe(0.5);
  });
});

describe('gradShares', () => {
  it('sums to 1 (to rounding) and is null when every norm is 0', () => {
    const s = gradShares(new Map<TaskName, number>([['math', 0.3], ['chart', 1.7], ['reading', 0], ['spatial', 0.11]]))!;
    expect([...s.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
    expect(s.get('reading')).toBe(0);
    expect(gradShares(new Map<TaskName, number>([['math', 0]]))).toBeNull();
    expect(gradShares(new Map())).toBeNull();
  });
});

describe('splitMiniBatches', () => {
  it("deals each task's kept responses round-robin, so every task with ≥ 1 kept response is in the first batch", () => {
    const task: TaskName[] = ['math', 'math', 'math', 'chart', 'chart', 'math', 'reading', 'chart'];
    const kept = [0, 1, 2, 3, 5, 6, 7];
    const b = splitMiniBatches(kept, task, 2);
    // math 0,1,2,5 → ranks 0,1,2,3 → batches 0,1,0,1; chart 3,7 → 0,1; reading 6 → 0
    expect(b).toEqual([
      [0, 2, 3, 6],
      [1, 5, 7],
    ]);
    expect(b.flat().sort((x, y) => x - y)).toEqual(kept);
    expect(splitMiniBatches([4], task, 3)).toEqual([[4]]); // empty mini-batches are dropped
  });
});
