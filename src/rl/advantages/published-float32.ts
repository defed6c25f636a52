/**
 * A float32 model of the released PyTorch G²RPO code's rounding (precision 'published-float32'), kept
 * so tests can show the defect of shared g2rpo-spec §5 next to our exact float64 path.
 *
 * What is reproduced (each step rounded to float32 with Math.fround, as a float32 tensor would be):
 *   - rewards (and components) are float32: r ← fround(r);
 *   - quantiles the way torch.distributions.Normal(0, 1).icdf forms them from a float32 tensor:
 *       p_k = fround((k − 0.5) / n),  y_k = fround(2 p_k − 1),
 *       e_k = erfinv(y_k) rounded to float32,  q_k = fround(e_k · fround(√2));
 *     so q_{n+1−k} = −q_k holds only where p_k and p_{n+1−k} happen to round symmetrically;
 *   - a tie block's value = fround(float32 running sum of its quantiles / block size), with no
 *     "symmetric block is 0" rule: an all-equal group's stage-1 value is a tiny non-zero number that
 *     depends on n;
 *   - stage-1 component sums in float32; stage 2 (`ot`) ranks the float32 stage-1 values by exact
 *     equality and applies the same float32 map, so mathematically-zero values of different groups
 *     are ordered by their rounding noise.
 * This follows the released code's map (a 1-D OT helper: float32 ranks, p = (rank − 0.5)/N,
 * √2·erfinv(2p − 1), ties averaged by scatter_add of the quantiles over torch.unique's inverse indices,
 * divided by the counts), applied per group and then per task.
 * What is NOT reproduced bit for bit: torch's own float32 erfinv (ours is Φ⁻¹ in float64 rounded once to
 * float32, within about an ulp of torch's) and the order of scatter_add (left to right in rank order
 * here, as on CPU; CUDA adds atomically, in no fixed order, so there even the noise is not
 * reproducible). The effect shown — noise instead of exact zeros, and ties broken by it — does not
 * depend on those last bits. Also not reproduced: the released code keys groups by str(id), so its
 * group 1 and group "1" are one group; ids are compared by value here in both precisions.
 *
 * Not here: the `scale` task stage (ours; the released code has none), validation.
 */
import { normalQuantile } from '../normal.js';

const F32_SQRT2 = Math.fround(Math.SQRT2);
const scoreCache = new Map<number, Float64Array>();

/** erfinv(y) rounded to float32, for float32 y in (−1, 1): erfinv(y) = Φ⁻¹((1 + y)/2)/√2. */
function erfinvFloat32(y: number): number {
  // (1 + y)/2 is exact in float64 for a float32 y of this range.
  return Math.fround(normalQuantile((1 + y) / 2) / Math.SQRT2);
}

/** The float32 quantiles q_1 … q_n of the model above (cached; do not modify). n ≤ 1: [0] or []. */
export function normalScoresFloat32(n: number): Float64Array {
  let q = scoreCache.get(n);
  if (q !== undefined) return q;
  q = new Float64Array(Math.max(n, 0));
  if (n > 1) {
    for (let k = 1; k <= n; k++) {
      const p = Math.fround((k - 0.5) / n); // float64 division then one rounding = the float32 quotient
      const y = Math.fround(2 * p - 1);
      q[k - 1] = Math.fround(erfinvFloat32(y) * F32_SQRT2);
    }
  }
  scoreCache.set(n, q);
  return q;
}

/**
 * The float32 `ot` model: out[index[j]] for the values values[index[0..m)], which must already be
 * float32 numbers. Ties are exactly equal values. `index` is reordered (sorted by value).
 */
export function otFloat32Into(values: ArrayLike<number>, index: Int32Array, m: number, out: Float64Array): void {
  if (m <= 1) {
    if (m === 1) out[index[0]] = 0;
    return;
  }
  const sub = index.subarray(0, m);
  sub.sort((a, b) => values[a] - values[b] || a - b);
  const q = normalScoresFloat32(m);
  let start = 0;
  while (start < m) {
    const v = values[sub[start]];
    let end = start + 1;
    while (end < m && values[sub[end]] === v) end++;
    let a: number;
    if (end - start === 1) a = q[start];
    else {
      let sum = 0;
      for (let k = start; k < end; k++) sum = Math.fround(sum + q[k]);
      a = Math.fround(sum / (end - start));
    }
    for (let k = start; k < end; k++) out[sub[k]] = a;
    start = end;
  }
}
