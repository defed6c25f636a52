/**
 * The standard normal quantile function Φ⁻¹ (probit), in float64.
 *
 * Algorithm AS 241 (Wichura 1988, PPND16): three rational approximations, one for the centre
 * |p − 0.5| ≤ 0.425 and two for the tails in r = √(−log min(p, 1 − p)). Wichura states ~1e-16 relative
 * accuracy; measured against independently derived 60-digit values (spec/rl/normal.spec.ts, 1,477 p from
 * 1e-300 to 1 − 2⁻⁵³) the worst is 7.5e-16 relative (6 ulp) and 2.1e-14 absolute, well inside the 1e-12
 * absolute the spec asks for on (1e-300, 1 − 1e-16).
 *
 * Also here: `normalCdf`, Φ in float64 (series near 0, Laplace's continued fraction in the tails), used by
 * the Kolmogorov–Smirnov property of `ot`. Not here: anything at more than float64 precision (the tests
 * derive their reference values with spec/rl/reference/make_normal_reference.py). Proof notes:
 * proofs/normal-quantile.md.
 */

const A = [
  3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125,
  45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727,
];
const B = [
  1, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077, 21213.794301586595867,
  39307.89580009271061, 28729.085735721942674, 5226.495278852854561,
];
const C = [
  1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504,
  1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833, 7.7454501427834140764e-4,
];
const D = [
  1, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455, 0.14810397642748007459,
  0.0151986665636164571966, 5.475938084995344946e-4, 1.05075007164441684324e-9,
];
const E = [
  6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123,
  0.026532189526576123093, 0.0012426609473880784386, 2.71155556874348757815e-5,
  2.01033439929228813265e-7,
];
const F = [
  1, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525,
  7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7,
  2.04426310338993978564e-15,
];

/** Evaluates the polynomial with coefficients c (lowest degree first) at x, by Horner's rule. */
function poly(c: readonly number[], x: number): number {
  let acc = c[c.length - 1];
  for (let i = c.length - 2; i >= 0; i--) acc = acc * x + c[i];
  return acc;
}

/**
 * Φ⁻¹(p): the x with P(Z ≤ x) = p for Z ~ N(0, 1). Returns −Infinity at 0, +Infinity at 1 and NaN
 * outside [0, 1] or for NaN, like scipy.special.ndtri.
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * poly(A, r)) / poly(B, r);
  }
  // Tail: work with the smaller of p and 1 − p; 1 − p is exact here for p > 0.5 (Sterbenz).
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  const x = r <= 5 ? poly(C, r - 1.6) / poly(D, r - 1.6) : poly(E, r - 5) / poly(F, r - 5);
  return q < 0 ? -x : x;
}

const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π), the double nearest

/**
 * φ(t) = exp(−t²/2)/√(2π) to a few ulp RELATIVE even for t near 38, where exp(−t²/2) is ~1e-320:
 * rounding t² alone would cost a relative error of t²/2 · 2⁻⁵³ ≈ 1e-13. So t = h + l with h a multiple of
 * 1/16 (h² exact in float64) and exp(−t²/2) = exp(−h²/2) · exp(−l(t + h)/2), whose second exponent is
 * small (|l| ≤ 1/32) and so carries only a small absolute error.
 */
function normalPdf(t: number): number {
  const h = Math.round(t * 16) / 16;
  const l = t - h; // exact (Sterbenz)
  return INV_SQRT_2PI * Math.exp((-h * h) / 2) * Math.exp((-l * (t + h)) / 2);
}

/**
 * Φ(x) = P(Z ≤ x) for Z ~ N(0, 1), in float64. Absolute error ≤ ~2e-16 everywhere and relative error
 * ≤ ~1e-15 for x ≤ 0 (lower tail down to the underflow near x = −38.5), as measured against the
 * high-precision reference in spec/rl/normal.spec.ts. NaN gives NaN; ±Infinity give 1 and 0.
 *
 * |x| ≤ 1: Φ(x) = 1/2 + φ(x)·Σₙ x^(2n+1)/(2n+1)!! (all terms share the sign of x; the cancellation in
 * 1/2 − … costs at most a factor 1/2 / Φ(−1) ≈ 3 in relative error).
 * |x| > 1: the lower tail Φ(−t) = φ(t)/(t + 1/(t + 2/(t + 3/(t + …)))) (Laplace's continued fraction,
 * t = |x|), evaluated backwards — all terms positive, so no cancellation — with N = ⌈20 + 400/t²⌉ terms,
 * enough for truncation error below 1e-17 relative for every t ≥ 1 (363 terms are needed at t = 1, 99
 * at t = 2, 24 at t = 5); the upper tail is 1 − that.
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const t = Math.abs(x);
  if (t <= 1) {
    let term = x;
    let sum = x;
    for (let n = 1; Math.abs(term) > 2 ** -54 * Math.abs(sum); n++) {
      term *= (x * x) / (2 * n + 1);
      sum += term;
    }
    return 0.5 + normalPdf(t) * sum;
  }
  // Φ(−40) ≈ 4e-350 is below the smallest subnormal; returning early also keeps t·16 finite.
  if (t > 40) return x < 0 ? 0 : 1;
  const terms = Math.ceil(20 + 400 / (t * t));
  let f = t;
  for (let k = terms; k >= 1; k--) f = t + k / f;
  const lower = normalPdf(t) / f;
  return x < 0 ? lower : 1 - lower;
}
