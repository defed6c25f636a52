// Aggregation modes as token weights, and when micro-batch accumulation reproduces the whole-batch
// gradient. Proofs: proofs/policy-loss.md §3.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aggregationWeights,
  policyLoss,
  type Aggregation,
  type PolicyLossOptions,
  type TokenBatch,
} from '../../../src/rl/loss/index.js';
import { batchArb, expectClose, type RandomCase } from './support.js';

const SEQ_MODES: Aggregation[] = ['seq-mean-token-mean', 'seq-mean-token-sum', 'seq-mean-token-sum-norm'];
const ALL_MODES: Aggregation[] = ['token-mean', ...SEQ_MODES];

// Two responses, T = 3: lengths n = (3, 1), N = 4.
const MASK = Uint8Array.from([1, 1, 1, 1, 0, 0]);

describe('aggregation weights (proofs/policy-loss.md §3)', () => {
  it.each([
    ['token-mean', {}, [1 / 4, 1 / 4, 1 / 4, 1 / 4, 0, 0]],
    ['seq-mean-token-mean', {}, [1 / 6, 1 / 6, 1 / 6, 1 / 2, 0, 0]],
    ['seq-mean-token-sum', {}, [1 / 2, 1 / 2, 1 / 2, 1 / 2, 0, 0]],
    ['seq-mean-token-sum-norm', {}, [1 / 6, 1 / 6, 1 / 6, 1 / 6, 0, 0]], // 1/(B·T)
    ['seq-mean-token-sum-norm', { normConstant: 10 }, [1 / 20, 1 / 20, 1 / 20, 1 / 20, 0, 0]],
    ['token-mean', { tokenCount: 8 }, [1 / 8, 1 / 8, 1 / 8, 1 / 8, 0, 0]],
    ['seq-mean-token-mean', { sequenceCount: 4 }, [1 / 12, 1 / 12, 1 / 12, 1 / 4, 0, 0]],
  ] as const)('%s %o → w = %o (proofs/policy-loss.md §3)', (mode, extra, expected) => {
    const w = aggregationWeights(MASK, 2, 3, { aggregation: mode, ...extra });
    // each weight is one or two roundings of a ratio of small integers
    expectClose(w, expected, 0, 4e-16, mode);
  });

  it("verl's seq-mean-token-sum-norm (Σ_b Σ_t ℓ·m / T, no 1/B) is ours with sequenceCount = 1 (proofs/policy-loss.md §3)", () => {
    // ratio 1, A = (1, −1) per response: token losses −1 ×3 and +1 ×1; verl: (−3 + 1)/3 = −2/3
    const batch: TokenBatch = {
      shape: [2, 3],
      logProbs: [-1, -1, -1, -1, 0, 0],
      oldLogProbs: [-1, -1, -1, -1, 0, 0],
      advantages: [1, -1],
      mask: MASK,
    };
    const verl = policyLoss(batch, { aggregation: 'seq-mean-token-sum-norm', sequenceCount: 1 }).loss;
    expect(verl).toBeCloseTo(-2 / 3, 15);
    const ours = policyLoss(batch, { aggregation: 'seq-mean-token-sum-norm' }).loss;
    expect(ours).toBeCloseTo(-1 / 3, 15); // TRL dr_grpo: Σ / (B · max_completion_length) = −2/(2·3)
  });
});

/** Rows [start, end) of a batch, same T. */
function rows(batch: TokenBatch, start: number, end: number): TokenBatch {
  const T = batch.shape[1];
  const sl = (a: ArrayLike<number>) => Array.from(a).slice(start * T, end * T);
  const perResp = batch.advantages.length === batch.shape[0] && T !== 1;
  return {
    shape: [end - start, T],
    logProbs: sl(batch.logProbs),
    oldLogProbs: sl(batch.oldLogProbs),
    mask: sl(batch.mask),
    advantages: perResp ? Array.from(batch.advantages).slice(start, end) : sl(batch.advantages),
    refLogProbs: batch.refLogProbs === undefined ? undefined : sl(batch.refLogProbs),
    truncated: batch.truncated === undefined ? undefined : Array.from(batch.truncated).slice(start, end),
  };
}

interface Micro {
  readonly batch: TokenBatch;
  readonly rows: number;
  readonly tokens: number;
}

/** Splits rows at the given cut points (sorted, inside (0, B)). */
function split(batch: TokenBatch, cuts: number[]): Micro[] {
  const bounds = [0, ...cuts, batch.shape[0]];
  const out: Micro[] = [];
  for (let j = 0; j + 1 < bounds.length; j++) {
    const mb = rows(batch, bounds[j], bounds[j + 1]);
    let tokens = 0;
    for (let k = 0; k < mb.mask.length; k++) tokens += mb.mask[k];
    out.push({ batch: mb, rows: bounds[j + 1] - bounds[j], tokens });
  }
  return out;
}

/** Σ_j scale_j · (gradient of micro-batch j), laid out as the whole batch (micro-batches are disjoint rows). */
function accumulate(micros: Micro[], opts: (m: Micro) => Partial<PolicyLossOptions>, scale: (m: Micro) => number) {
  const parts: number[] = [];
  let loss = 0;
  for (const m of micros) {
    const r = policyLoss(m.batch, opts(m));
    loss += scale(m) * r.loss;
    for (const g of r.gradLogProbs) parts.push(scale(m) * g);
  }
  return { loss, grad: Float64Array.from(parts) };
}

// The micro-batch tests use the effective mask directly (no truncation masking) so token counts are
// what the mask says. Every comparison sums the same terms with weights formed by different roundings:
// |Δ| ≤ a few ε relative per gradient entry; rtol 1e-13 leaves a wide margin, atol 1e-16 covers zeros.
const ATOL = 1e-16;
const RTOL = 1e-13;

const cutsArb = (B: number) =>
  fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, B - 1) }), { maxLength: Math.max(0, B - 1) }).map((c) =>
    c.filter((x) => x < B).sort((a, b) => a - b),
  );

function caseWithCuts(minB: number): fc.Arbitrary<{ c: RandomCase; cuts: number[] }> {
  return batchArb()
    .filter((c) => c.batch.shape[0] >= minB)
    .chain((c) => fc.record({ c: fc.constant(c), cuts: cutsArb(c.batch.shape[0]) }));
}

function noTruncation(c: RandomCase): Partial<PolicyLossOptions> {
  return { ...c.options, maskTruncated: false, tokenCount: undefined, sequenceCount: undefined };
}

describe('micro-batch accumulation (proofs/policy-loss.md §3)', () => {
  it('with global normalisers (tokenCount = N, sequenceCount = B, a common C) plain summation is exact in every mode (proofs/policy-loss.md §3)', () => {
    fc.assert(
      fc.property(caseWithCuts(1), ({ c, cuts }) => {
        const base = noTruncation(c);
        const whole = policyLoss(c.batch, base);
        const N = whole.metrics.num_tokens;
        const B = c.batch.shape[0];
        const global = { ...base, tokenCount: N === 0 ? undefined : N, sequenceCount: B, normConstant: 7 };
        const ref = policyLoss(c.batch, global);
        const acc = accumulate(split(c.batch, cuts), () => global, () => 1);
        expectClose(acc.grad, ref.gradLogProbs, ATOL, RTOL, `${base.aggregation}`);
        expect(Math.abs(acc.loss - ref.loss)).toBeLessThanOrEqual(1e-13 * (1 + Math.abs(ref.loss)));
      }),
      { numRuns: 200, seed: 21 },
    );
  });

  it("seq-mean-* modes: local normalisers + each micro-batch scaled by its share of rows B_j/B (verl's dynamic-batch weighting) is exact for any split (proofs/policy-loss.md §3)", () => {
    fc.assert(
      fc.property(caseWithCuts(1), fc.constantFrom(...SEQ_MODES), ({ c, cuts }, mode) => {
        const opts = { ...noTruncation(c), aggregation: mode, normConstant: 7 };
        const whole = policyLoss(c.batch, opts);
        const B = c.batch.shape[0];
        const acc = accumulate(split(c.batch, cuts), () => opts, (m) => m.rows / B);
        expectClose(acc.grad, whole.gradLogProbs, ATOL, RTOL, mode);
      }),
      { numRuns: 200, seed: 22 },
    );
  });

  it('token-mean: local normalisers + each micro-batch scaled by its share of tokens N_j/N is exact for any split (proofs/policy-loss.md §3)', () => {
    fc.assert(
      fc.property(caseWithCuts(1), ({ c, cuts }) => {
        const opts = { ...noTruncation(c), aggregation: 'token-mean' as const };
        const whole = policyLoss(c.batch, opts);
        const N = whole.metrics.num_tokens;
        fc.pre(N > 0);
        const acc = accumulate(split(c.batch, cuts), () => opts, (m) => m.tokens / N);
        expectClose(acc.grad, whole.gradLogProbs, ATOL, RTOL, 'token-mean');
      }),
      { numRuns: 200, seed: 23 },
    );
  });

  it('equal weighting 1/k (TRL grpo/bnpo/dr_grpo: loss / gradient_accumulation_steps) is exact for seq-mean-* when every micro-batch has the same number of rows (proofs/policy-loss.md §3)', () => {
    // k micro-batches of m rows each, k·m ≤ 4 = the largest B of batchArb
    const arb = fc
      .constantFrom([2, 1], [2, 2], [3, 1], [4, 1])
      .chain(([k, m]) =>
        fc.record({ k: fc.constant(k), m: fc.constant(m), c: batchArb().filter((c) => c.batch.shape[0] >= k * m) }),
      );
    fc.assert(
      fc.property(arb, fc.constantFrom(...SEQ_MODES), ({ k, m, c }, mode) => {
        const b = rows(c.batch, 0, k * m);
        const opts = { ...noTruncation(c), aggregation: mode, normConstant: 7 };
        const whole = policyLoss(b, opts);
        const cuts = Array.from({ length: k - 1 }, (_, j) => (j + 1) * m);
        const acc = accumulate(split(b, cuts), () => opts, () => 1 / k);
        expectClose(acc.grad, whole.gradLogProbs, ATOL, RTOL, mode);
      }),
      { numRuns: 150, seed: 24 },
    );
  });

  // Hand example for what fails: rows of lengths 1 and 3 (T = 3), ratio 1, A = (+1, −1) per response,
  // split into one row per micro-batch.
  const twoRows: TokenBatch = {
    shape: [2, 3],
    logProbs: [-1, 0, 0, -1, -1, -1],
    oldLogProbs: [-1, 0, 0, -1, -1, -1],
    advantages: [1, -1],
    mask: [1, 0, 0, 1, 1, 1],
  };

  it('token-mean with unequal token counts: equal (or row-share) weighting gives −1/2 and 1/6 where the whole batch gives −1/4 and 1/4 (proofs/policy-loss.md §3)', () => {
    const whole = policyLoss(twoRows, { aggregation: 'token-mean' });
    expectClose(whole.gradLogProbs, [-1 / 4, 0, 0, 1 / 4, 1 / 4, 1 / 4], 0, 1e-15, 'whole');
    const micros = split(twoRows, [1]);
    const equal = accumulate(micros, () => ({ aggregation: 'token-mean' }), () => 1 / 2);
    expectClose(equal.grad, [-1 / 2, 0, 0, 1 / 6, 1 / 6, 1 / 6], 0, 1e-15, 'equal weighting');
    // the same split with the global token count (TRL dapo, num_items_in_batch = 4) is exact again
    const dapo = accumulate(micros, () => ({ aggregation: 'token-mean', tokenCount: 4 }), () => 1);
    expectClose(dapo.grad, whole.gradLogProbs, 0, 1e-15, 'global tokenCount');
  });

  it('seq-mean-token-mean on the same split matches with equal weighting (proofs/policy-loss.md §3)', () => {
    const whole = policyLoss(twoRows, { aggregation: 'seq-mean-token-mean' });
    expectClose(whole.gradLogProbs, [-1 / 2, 0, 0, 1 / 6, 1 / 6, 1 / 6], 0, 1e-15, 'whole');
    const equal = accumulate(split(twoRows, [1]), () => ({ aggregation: 'seq-mean-token-mean' }), () => 1 / 2);
    expectClose(equal.grad, whole.gradLogProbs, 0, 1e-15, 'equal weighting');
  });

  it('seq-mean-* with equal weighting and unequal row counts does NOT match: rows (1 | 2) give 1/2 and 1/4 per row instead of 1/3 (proofs/policy-loss.md §3)', () => {
    // three one-token responses, A = 1 each, ratio 1: whole-batch seq-mean-token-sum gives −1/3 per token
    const b: TokenBatch = { shape: [3, 1], logProbs: [0, 0, 0], oldLogProbs: [0, 0, 0], advantages: [1, 1, 1], mask: [1, 1, 1] };
    const whole = policyLoss(b, { aggregation: 'seq-mean-token-sum' });
    expectClose(whole.gradLogProbs, [-1 / 3, -1 / 3, -1 / 3], 0, 1e-15, 'whole');
    const equal = accumulate(split(b, [1]), () => ({ aggregation: 'seq-mean-token-sum' }), () => 1 / 2);
    expectClose(equal.grad, [-1 / 2, -1 / 4, -1 / 4], 0, 1e-15, 'equal weighting');
  });

  it('seq-mean-token-sum-norm: micro-batches padded to their own T need an explicit normConstant (proofs/policy-loss.md §3)', () => {
    // whole batch padded to T = 3; micro-batch 1 re-padded to T = 1 (its only row has one token)
    const whole = policyLoss(twoRows, { aggregation: 'seq-mean-token-sum-norm' }); // C = 3: −1/6, +1/6
    const m1: TokenBatch = { shape: [1, 1], logProbs: [-1], oldLogProbs: [-1], advantages: [1], mask: [1] };
    const m2 = rows(twoRows, 1, 2);
    const run = (opts: Partial<PolicyLossOptions>) => [
      ...Array.from(policyLoss(m1, opts).gradLogProbs).map((g) => g / 2),
      0,
      0, // the whole batch's padding slots of row 0
      ...Array.from(policyLoss(m2, opts).gradLogProbs).map((g) => g / 2),
    ];
    const defaultC = run({ aggregation: 'seq-mean-token-sum-norm' });
    expect(defaultC[0]).toBeCloseTo(-1 / 2, 15); // C = T_1 = 1 instead of 3: three times too large
    expectClose(run({ aggregation: 'seq-mean-token-sum-norm', normConstant: 3 }), whole.gradLogProbs, 0, 1e-15, 'C = 3');
  });

  it('every mode promises exactness under global normalisers, and only token-mean breaks under row-share weighting (summary) (proofs/policy-loss.md §3)', () => {
    const micros = split(twoRows, [1]);
    for (const mode of ALL_MODES) {
      const whole = policyLoss(twoRows, { aggregation: mode });
      const rowShare = accumulate(micros, () => ({ aggregation: mode, normConstant: 3 }), (m) => m.rows / 2);
      const same = Array.from(rowShare.grad).every((g, k) => Math.abs(g - whole.gradLogProbs[k]) <= 1e-15);
      expect(same, mode).toBe(mode !== 'token-mean');
    }
  });
});
