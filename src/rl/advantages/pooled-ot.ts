/**
 * The `ot` normal-score map over a task's pooled stage-1 values (G²RPO stage 2), specialised for speed.
 *
 * An `ot` output depends only on the value's tie block, and a task's stage-1 values take few distinct
 * values: each is a block mean of the normal scores of its group's size (binary rewards in groups of 8
 * give at most 16 of them, distinct dense rewards give the 8 scores of n = 8). So instead of sorting all
 * m values, we count the distinct values in an open-addressing hash table (linear probing)
 * (O(m)), sort only the D distinct values (O(D log D)), give each its block's advantage from the
 * cumulative counts, and write each response's advantage through the slot it hashed to.
 *
 * The block rule and its arithmetic are those of `otInto` in ../ot.ts, in the same order, so the results
 * are identical bit for bit (spec/rl/advantages/g2rpo.spec.ts checks this against `ot`):
 *   a block of one gets its quantile; a block symmetric about the middle gets exactly 0; any other
 *   block gets (left-to-right sum of its quantiles) / size.
 * Ties are exact equality (−0 and +0 are one value, as with ===).
 *
 * Not here: stage 1 (plain `otInto` on groups of ~8, where insertion sort wins), float32 emulation.
 */
import { normalScores } from '../ot.js';

/** Reusable buffers, grown on demand, so a batch allocates them once. */
export interface PooledOtScratch {
  /** hash table: key per slot, count per slot, stamp per slot (slot used in this call iff stamp = gen) */
  keys: Float64Array;
  counts: Int32Array;
  stamps: Int32Array;
  /** advantage per slot */
  slotAdvantage: Float64Array;
  /** (m) slot of the j-th value */
  slotOf: Int32Array;
  /** distinct values, then sorted */
  distinct: Float64Array;
  gen: number;
}

export function makePooledOtScratch(): PooledOtScratch {
  return {
    keys: new Float64Array(0),
    counts: new Int32Array(0),
    stamps: new Int32Array(0),
    slotAdvantage: new Float64Array(0),
    slotOf: new Int32Array(0),
    distinct: new Float64Array(0),
    gen: 0,
  };
}

/**
 * Slot of a value: multiplicative hashing of fl(v·2²⁶) truncated to int32. Stage-1 values are block means
 * of normal scores (|v| < 6 per component for groups up to 10⁷), so v·2²⁶ fits an int32 and values
 * 1.5e-8 apart or more get different keys before mixing; closer values share a key and so a probe
 * sequence (equality is always checked on the value itself), and values beyond 2⁵ wrap modulo 2³²
 * (ToInt32): slower for many distinct huge values, never wrong. Reading the
 * double's bits through a typed-array view measured about 1.3× slower for the whole kernel.
 */
function hashSlot(v: number, shift: number): number {
  return Math.imul((v * 67108864) | 0, 0x9e3779b1) >>> shift;
}

/**
 * out[index[j]] = ot(values[index[0..m)])_j for j < m. Values must be finite. `index` is not modified.
 */
export function pooledOtInto(
  values: ArrayLike<number>,
  index: Int32Array,
  m: number,
  out: Float64Array,
  scratch: PooledOtScratch,
): void {
  if (m <= 1) {
    if (m === 1) out[index[0]] = 0;
    return;
  }
  // Table of 2^b ≥ 2m slots: load ≤ 1/2, so linear probing stays short.
  let cap = 16;
  let shift = 28; // cap = 2^(32 − shift)
  while (cap < 2 * m) {
    cap *= 2;
    shift--;
  }
  if (scratch.keys.length < cap) {
    scratch.keys = new Float64Array(cap);
    scratch.counts = new Int32Array(cap);
    scratch.stamps = new Int32Array(cap);
    scratch.slotAdvantage = new Float64Array(cap);
    scratch.gen = 0;
  }
  if (scratch.slotOf.length < m) {
    scratch.slotOf = new Int32Array(m);
    scratch.distinct = new Float64Array(m);
  }
  const { keys, counts, stamps, slotAdvantage, slotOf, distinct } = scratch;
  const mask = cap - 1;
  if (scratch.gen >= 0x3fffffff) {
    scratch.stamps.fill(0);
    scratch.gen = 0;
  }
  const gen = ++scratch.gen; // stamps from earlier calls no longer match: no clearing needed

  // 1. count the distinct values
  let d = 0;
  for (let j = 0; j < m; j++) {
    const v = values[index[j]] + 0; // + 0 maps −0 to +0, so both hash alike
    let h = hashSlot(v, shift);
    while (stamps[h] === gen && keys[h] !== v) h = (h + 1) & mask;
    if (stamps[h] !== gen) {
      stamps[h] = gen;
      keys[h] = v;
      counts[h] = 0;
      distinct[d++] = v;
    }
    counts[h]++;
    slotOf[j] = h;
  }

  // 2. sort the distinct values; walk them in order, each a tie block of counts[slot] ranks
  const sorted = distinct.subarray(0, d).sort();
  const q = normalScores(m);
  let start = 0;
  for (let k = 0; k < d; k++) {
    const v = sorted[k];
    let h = hashSlot(v, shift);
    while (keys[h] !== v) h = (h + 1) & mask;
    const end = start + counts[h];
    // ranks start+1 … end (1-based): the rule of otInto, same arithmetic in the same order
    let a: number;
    if (end - start === 1) a = q[start];
    else if (start + 1 + end === m + 1) a = 0;
    else {
      let sum = 0;
      for (let r = start; r < end; r++) sum += q[r];
      a = sum / (end - start);
    }
    slotAdvantage[h] = a;
    start = end;
  }

  // 3. write back through the slots
  for (let j = 0; j < m; j++) out[index[j]] = slotAdvantage[slotOf[j]];
}
