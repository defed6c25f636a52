/**
 * The normal-score map `ot`: one-dimensional optimal transport of n values onto N(0, 1).
 *
 * Rank k (1-based, ascending) gets the quantile q_k = Φ⁻¹((k − 0.5)/n); a block of exactly equal values
 * gets the mean of its ranks' quantiles. Spec: shared g2rpo-spec §1; proofs/ot-normal-scores.md.
 *
 * Exactness rules kept here (the published code breaks them through float noise):
 * - q_{n+1−k} = −q_k bit for bit (only the lower half is computed, the upper half is its negation),
 *   and the middle rank of an odd n is exactly 0;
 * - a tie block symmetric about the middle (first + last rank = n + 1) gets exactly 0, so all-equal
 *   input gives all zeros.
 */
import { normalQuantile } from './normal.js';

const scoreCache = new Map<number, Float64Array>();

/**
 * The n normal scores q_1 < … < q_n (cached per n; do not modify the returned array).
 * n ≤ 1 gives [0] or [] since a single value carries no ranking information.
 */
export function normalScores(n: number): Float64Array {
  let q = scoreCache.get(n);
  if (q !== undefined) return q;
  q = new Float64Array(Math.max(n, 0));
  if (n > 1) {
    for (let k = 1; 2 * k <= n; k++) {
      const v = normalQuantile((k - 0.5) / n);
      q[k - 1] = v;
      q[n - k] = -v;
    }
    // odd n: the middle entry stays exactly 0
  }
  scoreCache.set(n, q);
  return q;
}

/**
 * Applies `ot` to the values picked by `index` (values[index[0..m)]) and writes each result to
 * out[index[j]]. `index` is reordered in place (sorted by value). This is the kernel G²RPO calls on
 * groups and tasks without copying them out.
 */
export function otInto(
  values: ArrayLike<number>,
  index: Int32Array | number[],
  out: Float64Array,
  m: number = index.length,
): void {
  if (m <= 1) {
    if (m === 1) out[index[0]] = 0;
    return;
  }
  sortIndexByValue(values, index, m);
  const q = normalScores(m);
  let start = 0;
  while (start < m) {
    const v = values[index[start]];
    let end = start + 1;
    while (end < m && values[index[end]] === v) end++;
    // ranks start+1 … end (1-based); a block symmetric about the middle is exactly 0
    let a: number;
    if (end - start === 1) a = q[start];
    else if (start + 1 + end === m + 1) a = 0;
    else {
      let sum = 0;
      for (let k = start; k < end; k++) sum += q[k];
      a = sum / (end - start);
    }
    for (let k = start; k < end; k++) out[index[k]] = a;
    start = end;
  }
}

/** The normal-score map of `values` (n ≤ 1 gives zeros). Inputs must be finite (not checked here). */
export function ot(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[i] = i;
  otInto(values, index, out, n);
  return out;
}

/** Sorts index[0..m) by values[index[·]] ascending; insertion sort for small m (groups of 8). */
function sortIndexByValue(values: ArrayLike<number>, index: Int32Array | number[], m: number): void {
  if (m <= 32) {
    for (let i = 1; i < m; i++) {
      const idx = index[i];
      const v = values[idx];
      let j = i - 1;
      while (j >= 0 && values[index[j]] > v) {
        index[j + 1] = index[j];
        j--;
      }
      index[j + 1] = idx;
    }
    return;
  }
  const sub = index instanceof Int32Array ? index.subarray(0, m) : index;
  if (sub instanceof Int32Array) sub.sort((x, y) => values[x] - values[y]);
  else {
    const head = sub.slice(0, m).sort((x, y) => values[x] - values[y]);
    for (let i = 0; i < m; i++) sub[i] = head[i];
  }
}
