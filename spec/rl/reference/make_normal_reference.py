#!/usr/bin/env python3
"""High-precision reference values for the standard normal Φ and Φ⁻¹, and for the normal scores of `ot`.

What this is: the script that made spec/rl/reference/normal-reference.json (golden vectors, house style:
the data sits beside the script that made it). Run it from anywhere with the Python standard library:

    python3 spec/rl/reference/make_normal_reference.py > spec/rl/reference/normal-reference.json

What it is not: a copy of AS 241 (Wichura 1988) or of any rational approximation. Python's
statistics.NormalDist.inv_cdf IS AS 241, so it is not used here. Everything is computed from first
principles in `decimal` arithmetic at 60 significant digits (more where cancellation needs it):

  Φ(x), x ≤ 0, by one of two independent expansions:
    - |x| ≤ 5: the everywhere-convergent series  Φ(x) = 1/2 + φ(x) · Σ_{n≥0} x^(2n+1) / (2n+1)!!
      (all terms share the sign of x; the precision is raised by the digits lost in 1/2 + …);
    - x < −5: Laplace's continued fraction for the Mills ratio, Φ(x) = φ(t) / (t + 1/(t + 2/(t + 3/(t + …))))
      with t = −x, evaluated backwards with N terms, N doubled until two evaluations agree to 1e-55.
    The two are checked against each other where both apply (|x| = 3 … 12, see `cross_check`).
  Φ⁻¹(p), p ≤ 1/2: Newton on f(x) = ln Φ(x) − ln p. f is increasing and concave (ln Φ is log-concave),
    so after the first step the iterates increase monotonically to the root: convergence is guaranteed
    from any start. Stopped when a step is below 1e-45, then the residual |Φ(x)/p − 1| is asserted < 1e-40.
  Φ⁻¹(p), p > 1/2: −Φ⁻¹(1 − p), with 1 − p computed EXACTLY in decimal from the exact binary value of the
    float64 p (Decimal(float) is exact). So a p near 1 means the double, e.g. 1 − 2⁻⁵³, not the decimal.

If mpmath is installed, every reference x is also mapped back through mpmath.ncdf (arbitrary precision,
unrelated to AS 241) and the worst relative distance to p (or 1 − p) is recorded in `meta`.

Outputs (JSON): meta; `quantile`: {p, x} with p a float64 (shortest round-trip repr) and x a decimal
string of 32 significant digits; `cdf`: {x, phi} for float64 x; `scores`: for several n the exact mean of
q_k² (q_k = Φ⁻¹((k − 1/2)/n), taken at the exact rational (k − 1/2)/n, not its double); `binary`: the
mean A² of ot on n = 8 binary rewards with j correct.
"""
import datetime
import json
import math
import random
import sys
from decimal import Decimal, getcontext, localcontext

PREC = 60  # working digits; reference values are printed to 32 significant digits
getcontext().prec = PREC
ONE = Decimal(1)
HALF = Decimal('0.5')


def machin_pi(digits: int) -> Decimal:
    """π = 16 atan(1/5) − 4 atan(1/239) (Machin), to `digits` digits: no constant typed in by hand."""
    with localcontext() as ctx:
        ctx.prec = digits + 10

        def atan_inv(m: int) -> Decimal:
            term = Decimal(1) / m
            total, k, m2 = term, 0, m * m
            while abs(term) > Decimal(10) ** -(digits + 8):
                term = -term / m2
                k += 1
                total += term / (2 * k + 1)
            return total

        return 16 * atan_inv(5) - 4 * atan_inv(239)


# The series for Φ(x), x < 0, cancels about x²/(2 ln 10) digits in 1/2 − φ(x)·S (31 at x = −12, the deepest
# cross-check; ~300 if it were pushed to x = −37), and φ must carry them all: π is kept to 400 digits.
PI_400 = machin_pi(400)


def pdf(x: Decimal) -> Decimal:
    """φ(x) at the current context precision (up to 400 digits)."""
    with localcontext() as ctx:
        ctx.prec += 5
        r = (-(x * x) / 2).exp() / (2 * PI_400).sqrt()
    return +r


def cdf_series(x: Decimal) -> Decimal:
    """Φ(x) = 1/2 + φ(x) Σ x^(2n+1)/(2n+1)!!, with extra digits for the cancellation in 1/2 + (negative)."""
    extra = int(x * x / 2 / Decimal('2.302585')) + 10  # ≈ log10(1/Φ(x)) digits are lost for x < 0
    with localcontext() as ctx:
        ctx.prec = PREC + extra
        term = x
        total = x
        x2 = x * x
        n = 0
        eps = Decimal(10) ** (-(PREC + extra + 5))
        while abs(term) > eps * abs(total):
            n += 1
            term = term * x2 / (2 * n + 1)
            total += term
        r = HALF + pdf(x) * total
    return +r  # round back to PREC


def mills_cf(t: Decimal, n_terms: int) -> Decimal:
    """1/(t + 1/(t + 2/(t + 3/(t + …)))) evaluated backwards with n_terms partial numerators."""
    f = t
    for k in range(n_terms, 0, -1):
        f = t + k / f
    return 1 / f


def cdf_cf(x: Decimal) -> Decimal:
    t = -x
    n_terms = 64
    prev = mills_cf(t, n_terms)
    while True:
        n_terms *= 2
        cur = mills_cf(t, n_terms)
        if abs(cur - prev) <= Decimal('1e-55') * abs(cur):
            return pdf(x) * cur
        prev = cur


def cdf_lower(x: Decimal) -> Decimal:
    """Φ(x) for x ≤ 0 (relative accuracy ~1e-55)."""
    return cdf_series(x) if x >= -5 else cdf_cf(x)


def cdf(x: Decimal) -> Decimal:
    return cdf_lower(x) if x <= 0 else ONE - cdf_lower(-x)


def quantile_lower(p: Decimal) -> Decimal:
    """Φ⁻¹(p) for 0 < p ≤ 1/2 by Newton on ln Φ(x) = ln p (monotone convergence, see module doc)."""
    if p == HALF:
        return Decimal(0)
    lnp = p.ln()
    x = -(-2 * lnp).sqrt()  # crude start (the tail asymptote); Newton does the rest
    for _ in range(200):
        c = cdf_lower(x) if x <= 0 else ONE - cdf_lower(-x)
        step = (c.ln() - lnp) * c / pdf(x)
        x -= step
        if abs(step) < Decimal('1e-45'):
            break
    else:
        raise RuntimeError(f'Newton did not converge for p={p}')
    resid = abs(cdf_lower(x) / p - 1)
    assert resid < Decimal('1e-40'), (p, resid)
    return x


def quantile(p: Decimal) -> Decimal:
    return quantile_lower(p) if p <= HALF else -quantile_lower(ONE - p)


def cross_check() -> str:
    """Series and continued fraction agree where both converge: the two expansions check each other."""
    worst = Decimal(0)
    for xs in ['-3', '-4', '-5', '-6', '-8', '-12', '-3.7', '-7.25']:
        x = Decimal(xs)
        a, b = cdf_series(x), cdf_cf(x)
        worst = max(worst, abs(a / b - 1))
    assert worst < Decimal('1e-50'), worst
    return f'{float(worst):.1e}'


def sig(d: Decimal, digits: int = 32) -> str:
    return format(d, f'.{digits - 1}e') if d != 0 else '0'


def p_grid() -> list[float]:
    ps: set[float] = set()
    for k in range(1, 301):  # 1e-1 … 1e-300 with a few mantissas
        for m in ('1', '2.5', '6.7') if k <= 20 else ('1', '3.3'):
            v = float(f'{m}e-{k}')
            if v >= 1e-300:
                ps.add(v)
    for j in range(1, 997, 3):  # powers of two down to ~1e-300
        ps.add(2.0 ** -j)
    # boundaries of AS 241's three regions: |p − 1/2| = 0.425 and r = sqrt(−ln p) = 5
    for b in (0.075, 0.925, math.exp(-25.0), 1 - math.exp(-25.0)):
        ps.update({b, math.nextafter(b, 0), math.nextafter(b, 1)})
    ps.update({0.5, math.nextafter(0.5, 0), math.nextafter(0.5, 1), 0.25, 0.75})
    for j in range(1, 54):  # 1 − 2^-j, exact doubles, up to the largest double below 1
        ps.add(1 - 2.0 ** -j)
    for k in range(1, 17):  # the doubles nearest 1 − 10^-k (1 − 1e-16 rounds to 1 − 2^-53)
        v = float('0.' + '9' * k)
        if v < 1:
            ps.add(v)
    for n in (2, 3, 4, 5, 7, 8, 16, 64, 1000):  # the plotting positions ot uses, as doubles
        for k in range(1, n + 1):
            if n <= 16 or k <= 4 or k > n - 4:
                ps.add((k - 0.5) / n)
    rng = random.Random(20260411)
    for _ in range(200):
        ps.add(rng.random())
    for _ in range(100):
        ps.add(10.0 ** -rng.uniform(0, 300))
        ps.add(1 - 10.0 ** -rng.uniform(1, 15.9))
    return sorted(p for p in ps if 1e-300 <= p < 1)


def x_grid() -> list[float]:
    xs = {i / 8 for i in range(-300, 69)}  # −37.5 … 8.5
    rng = random.Random(7)
    xs.update(rng.uniform(-37.5, 8.5) for _ in range(150))
    xs.update(rng.uniform(-4, 4) for _ in range(150))
    return sorted(xs)


def main() -> None:
    t0 = datetime.datetime.now(datetime.timezone.utc)
    agree = cross_check()
    quant = []
    for p in p_grid():
        x = quantile(Decimal(p))  # Decimal(p) is the exact binary value of the double
        quant.append({'p': p, 'x': sig(x)})
    cdfs = [{'x': x, 'phi': sig(cdf(Decimal(x)))} for x in x_grid()]

    scores = []
    for n in (2, 3, 4, 5, 8, 16, 64, 100, 1000):
        qs = [quantile((Decimal(k) - HALF) / n) for k in range(1, n // 2 + 1)]
        m = 2 * sum(q * q for q in qs) / n  # the upper half mirrors the lower; an odd middle is 0
        scores.append({'n': n, 'meanSquare': sig(m), 'qMax': sig(-qs[0])})

    # ot of n = 8 binary rewards, j correct: two tie blocks; the top block gets S/j and the bottom
    # −S/(8 − j) with S the sum of the top j scores, so mean A² = S² / (j (8 − j)).
    n = 8
    q8 = [quantile((Decimal(k) - HALF) / n) for k in range(1, n + 1)]
    binary = []
    for j in range(1, n):
        s = sum(q8[n - j:])
        binary.append({'n': n, 'correct': j, 'top': sig(s / j), 'bottom': sig(-s / (n - j)),
                       'meanSquare': sig(s * s / (j * (n - j)))})

    mp_note = 'mpmath not installed; not cross-checked'
    try:
        import mpmath  # arbitrary-precision erfc; unrelated to AS 241

        mpmath.mp.dps = 50
        worst = 0
        for row in quant:
            xr = mpmath.mpf(row['x'])
            worst = max(worst, abs(mpmath.ncdf(xr) / mpmath.mpf(row['p']) - 1) if row['p'] <= 0.5 else
                        abs(mpmath.ncdf(-xr) / (1 - mpmath.mpf(row['p'])) - 1))
        assert worst < 1e-28, worst
        mp_note = f'mpmath {mpmath.__version__} ncdf(x_ref) reproduces p (or 1 − p) to relative {float(worst):.1e}'
    except ImportError:
        pass

    out = {
        'meta': {
            'script': 'spec/rl/reference/make_normal_reference.py',
            'date': t0.strftime('%Y-%m-%d'),
            'python': sys.version.split()[0],
            'precision': f'decimal, {PREC} significant digits working precision; values printed to 32 '
                         'significant digits; Newton residual |Φ(x)/p − 1| < 1e-40',
            'method': 'Φ by Taylor series (|x| ≤ 5) or Laplace continued fraction (x < −5); Φ⁻¹ by Newton '
                      'on ln Φ; p > 1/2 via the exact 1 − p of the float64 p. Not AS 241.',
            'seriesVsContinuedFraction': f'worst relative disagreement {agree}',
            'mpmath': mp_note,
            'pDomain': 'every float64 p in [1e-300, 1): 1 − 1e-16 rounds to 1 − 2^-53, the largest double < 1',
        },
        'quantile': quant,
        'cdf': cdfs,
        'scores': scores,
        'binary': binary,
    }
    # One vector per line, so a regenerated file diffs line by line.
    parts = ['{\n "meta": ' + json.dumps(out['meta'], indent=2, ensure_ascii=False).replace('\n', '\n ')]
    for key in ('quantile', 'cdf', 'scores', 'binary'):
        rows = ',\n  '.join(json.dumps(r, ensure_ascii=False) for r in out[key])
        parts.append(f' "{key}": [\n  {rows}\n ]')
    sys.stdout.write(',\n'.join(parts) + '\n}\n')


if __name__ == '__main__':
    main()
