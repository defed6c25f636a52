/**
 * Checks a float32 matrix product before it is timed (bench/tensor.ts), with the standard a-priori
 * error bound of a float32 inner product (Higham, "Accuracy and Stability of Numerical Algorithms",
 * 2nd ed., §3.1, eq. 3.5): for ANY order of summation (blocked, SIMD lanes, FMA or not),
 *
 *   |fl(Σ_k a_k·b_k) − Σ_k a_k·b_k| ≤ γ_K · Σ_k |a_k|·|b_k|,   γ_K = K·u / (1 − K·u),  u = 2⁻²⁴,
 *
 * so every correct float32 kernel lies inside it, whatever its loop order; a kernel that drops, repeats
 * or misplaces one term k is off by |a_k·b_k|, typically ≈ 0.6 for N(0, 1) entries, while the bound is
 * ≈ K²·u·0.64 ≈ 0.04 at K = 1024 and ≈ 6e-4 at K = 128 — so such a bug fails the check at every size.
 *
 * Two checks: `checkExact` (sampled entries against a float64 dot product: the float32 inputs promoted
 * exactly, each product exact in float64 since 24 + 24 ≤ 53 bits, the float64 sum's own error ≈ K·2⁻⁵³
 * relative, negligible beside γ_K), and `checkAgree` (every entry of two kernels within 2·γ_K·S, both
 * sides being within γ_K·S of the exact value, S = |A|·|B|).
 *
 * Not here: timing, the kernels themselves.
 */

/** Unit roundoff of float32 (round to nearest). */
export const U32 = 2 ** -24;

/** γ_K = K·u / (1 − K·u): the inner-product error constant for K terms (Higham eq. 3.5). */
export function gamma(k: number, u = U32): number {
  if (!(k * u < 1)) throw new Error(`gamma: K·u = ${k * u} ≥ 1, the bound does not apply`);
  return (k * u) / (1 - k * u);
}

/** Row-major M×K · K×N product, float64 exact (to ≈ K·2⁻⁵³) at (i, j), and Σ_k |a_ik|·|b_kj|. */
export function exactEntry(a: ArrayLike<number>, b: ArrayLike<number>, K: number, N: number, i: number, j: number): { value: number; absSum: number } {
  let value = 0;
  let absSum = 0;
  for (let k = 0; k < K; k++) {
    const p = a[i * K + k] * b[k * N + j];
    value += p;
    absSum += Math.abs(p);
  }
  return { value, absSum };
}

export interface CheckResult {
  /** The entry with the largest error-to-bound ratio. */
  readonly worstIndex: number;
  readonly worstError: number;
  readonly worstBound: number;
  /** Entries checked. */
  readonly checked: number;
}

function fail(what: string, r: CheckResult, n: number): never {
  const i = Math.floor(r.worstIndex / n);
  const j = r.worstIndex % n;
  throw new Error(`${what}: entry (${i}, ${j}) is off by ${r.worstError.toExponential(3)} > bound ${r.worstBound.toExponential(3)} (${r.checked} entries checked)`);
}

/**
 * Throws unless c (M×N, row-major) matches the float64 product of a (M×K) and b (K×N) within
 * γ_K·Σ|a||b| at the given entries (flat indices i·N + j). NaN fails.
 */
export function checkExact(
  what: string, a: ArrayLike<number>, b: ArrayLike<number>, c: ArrayLike<number>,
  M: number, N: number, K: number, entries: readonly number[],
): CheckResult {
  const g = gamma(K);
  let worst: CheckResult = { worstIndex: 0, worstError: 0, worstBound: 0, checked: entries.length };
  let worstRatio = -1;
  let bad = false;
  for (const e of entries) {
    if (!(e >= 0 && e < M * N)) throw new Error(`${what}: entry ${e} outside the ${M}×${N} product`);
    const { value, absSum } = exactEntry(a, b, K, N, Math.floor(e / N), e % N);
    const err = Math.abs(c[e] - value);
    const bound = g * absSum;
    const ratio = bound > 0 ? err / bound : err === 0 ? 0 : Infinity;
    if (!(ratio <= worstRatio) || Number.isNaN(ratio)) {
      worstRatio = Number.isNaN(ratio) ? Infinity : ratio;
      worst = { worstIndex: e, worstError: err, worstBound: bound, checked: entries.length };
    }
    if (!(err <= bound)) bad = true;
  }
  if (bad) fail(what, worst, N);
  return worst;
}

/**
 * Throws unless every entry of c1 and c2 (two kernels' M×N row-major products of the same operands) differs by
 * at most 2·γ_K·s, where s = |A|·|B| entrywise. `s` itself may be a float32 product: its own relative
 * error is ≤ γ_K, so the bound is widened by the factor (1 + γ_K)/(1 − γ_K) to stay a bound.
 */
export function checkAgree(what: string, c1: ArrayLike<number>, c2: ArrayLike<number>, s: ArrayLike<number>, N: number, K: number): CheckResult {
  if (c1.length !== c2.length || c1.length !== s.length) throw new Error(`${what}: lengths ${c1.length}, ${c2.length}, ${s.length} differ`);
  const g = gamma(K);
  const factor = (2 * g * (1 + g)) / (1 - g);
  let worst: CheckResult = { worstIndex: 0, worstError: 0, worstBound: 0, checked: c1.length };
  let worstRatio = -1;
  let bad = false;
  for (let e = 0; e < c1.length; e++) {
    const err = Math.abs(c1[e] - c2[e]);
    const bound = factor * s[e];
    const ratio = bound > 0 ? err / bound : err === 0 ? 0 : Infinity;
    if (!(ratio <= worstRatio) || Number.isNaN(ratio)) {
      worstRatio = Number.isNaN(ratio) ? Infinity : ratio;
      worst = { worstIndex: e, worstError: err, worstBound: bound, checked: c1.length };
    }
    if (!(err <= bound)) bad = true;
  }
  if (bad) fail(what, worst, N);
  return worst;
}

/**
 * Entries to check exactly: the four corners, the last row and column ends (where a blocked kernel's
 * remainder loops run), and `random` more drawn with `next()` ∈ [0, 1). Flat indices i·N + j.
 */
export function sampleEntries(M: number, N: number, random: number, next: () => number): number[] {
  const out = new Set<number>([0, N - 1, (M - 1) * N, M * N - 1, (M >> 1) * N + (N >> 1)]);
  while (out.size < Math.min(M * N, 5 + random)) out.add(Math.floor(next() * M) * N + Math.floor(next() * N));
  return [...out];
}
