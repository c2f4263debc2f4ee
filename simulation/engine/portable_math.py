"""Transcendental functions from IEEE basic arithmetic only: the same bits on every machine.

The C library's log, exp, pow, ... and numpy's SIMD kernels may differ in the last bit
between CPUs: glibc, for one, picks an FMA variant of exp, log, log1p, expm1 and pow at run
time where the CPU has FMA, and numpy picks AVX2 or AVX-512 kernels. A random draw that goes
through them can give a customer another duration on another machine. Every function here
uses only +, -, *, / and sqrt, which IEEE 754 rounds correctly on every platform Python runs
on, and the exact frexp/ldexp; one Python operation is one rounding, with no fused
multiply-add. So each result is a fixed function of its arguments, bit for bit, everywhere.

Accuracy (checked against the C library and scipy in the tests): log, exp within 1 unit in
the last place; log1p, expm1 within a few; power, the normal and gamma functions to about
1e-14 relative (1e-12 for the gamma quantile). Formulas: fdlibm's log and exp (Sun
Microsystems, 1993), Goldberg's log1p and Kahan's expm1, Wichura's AS241 normal quantile,
Lanczos' gamma (g = 7), and the incomplete gamma ratio and its inverse as in Numerical
Recipes (3rd ed., 6.2).
"""

from __future__ import annotations

from math import frexp, inf, ldexp, sqrt  # sqrt is correctly rounded (IEEE 754), frexp/ldexp exact
from typing import TYPE_CHECKING, overload

import numpy as np

if TYPE_CHECKING:
    from typing import TypeAlias, TypeVar

    import numpy.typing as npt

    F64: TypeAlias = npt.NDArray[np.float64]
    Real = TypeVar("Real", float, F64)  # a number, or an array of them

__all__ = [
    "exp",
    "expm1",
    "exponential",
    "gamma_p",
    "gamma_ppf",
    "gamma_q",
    "lgamma",
    "log",
    "log1p",
    "norm_cdf",
    "norm_ppf",
    "power",
    "sqrt",
    "log_array",
    "exponential_array",
]

_LN2_HI = 6.93147180369123816490e-01  # ln 2 in two parts: k * _LN2_HI is exact for |k| < 2^11
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
_SQRT_HALF = 0.7071067811865476
_LG1, _LG2, _LG3, _LG4, _LG5, _LG6, _LG7 = (
    6.666666666666735130e-01,
    3.999999999940941908e-01,
    2.857142874366239149e-01,
    2.222219843214978396e-01,
    1.818357216161805012e-01,
    1.531383769920937332e-01,
    1.479819860511658591e-01,
)
_P1, _P2, _P3, _P4, _P5 = (
    1.66666666666666019037e-01,
    -2.77777777770155933842e-03,
    6.61375632143793436117e-05,
    -1.65339022054652515390e-06,
    4.13813679705723846039e-08,
)
_EXP_OVER = 7.09782712893383973096e02
_EXP_UNDER = -7.45133219101941108420e02


def log(x: float) -> float:
    """Natural logarithm (fdlibm's e_log)."""
    if not x > 0.0 or x == inf:
        if x == 0.0:
            return -inf
        if x != x or x == inf:
            return x
        raise ValueError("math domain error")
    m, e = frexp(x)  # x = m * 2**e exactly, 0.5 <= m < 1
    if m < _SQRT_HALF:
        m += m
        e -= 1
    return _log_reduced(m - 1.0, float(e))  # m - 1 is exact: sqrt(1/2) <= m < sqrt(2)


@overload
def _log_reduced(f: float, k: float) -> float: ...


@overload
def _log_reduced(f: F64, k: F64) -> F64: ...


def _log_reduced(f: Real, k: Real) -> Real:
    """log((1 + f) * 2**k) for sqrt(1/2) <= 1 + f < sqrt(2); numbers or numpy arrays, the same
    operations in the same order (so log and log_array agree bit for bit)."""
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    r = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7))) + w * (_LG2 + w * (_LG4 + w * _LG6))
    hfsq = 0.5 * f * f
    return k * _LN2_HI - ((hfsq - (s * (hfsq + r) + k * _LN2_LO)) - f)


def log1p(x: float) -> float:
    """log(1 + x), accurate for small x (Goldberg 1991, Theorem 4)."""
    u = 1.0 + x
    if u == 1.0:
        return x
    if u == inf:
        return inf
    return log(u) * (x / (u - 1.0))


def exp(x: float) -> float:
    """e**x (fdlibm's e_exp)."""
    if x != x:
        return x
    if x > _EXP_OVER:
        return inf
    if x < _EXP_UNDER:
        return 0.0
    ax = -x if x < 0.0 else x
    if ax > 0.5 * _LN2_HI:
        k = int(_INV_LN2 * x + (0.5 if x > 0.0 else -0.5))  # truncation, as C's (int)
        t = float(k)
        hi = x - t * _LN2_HI
        lo = t * _LN2_LO
        x = hi - lo
    elif ax < 2.0**-28:
        return 1.0 + x
    else:
        k, hi, lo = 0, x, 0.0
    t = x * x
    c = x - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
    if k == 0:
        return 1.0 - ((x * c) / (c - 2.0) - x)
    return ldexp(1.0 - ((lo - (x * c) / (2.0 - c)) - hi), k)


def expm1(x: float) -> float:
    """e**x - 1, accurate for small x (Kahan's formula)."""
    u = exp(x)
    if u == 1.0:
        return x
    um1 = u - 1.0
    if um1 == -1.0 or u == inf:
        return um1
    return um1 * x / log(u)


def power(x: float, y: float) -> float:
    """x**y for x >= 0, as exp(y log x)."""
    if x == 0.0:
        return 0.0 if y > 0 else (1.0 if y == 0 else inf)
    return exp(y * log(x))


def exponential(u: float) -> float:
    """The Exp(1) number of a uniform u in (0, 1) by inversion: -log(1 - u)."""
    return -log1p(-u)


# --- the same on numpy arrays, operation for operation ----------------------------------------
# numpy's +, -, *, / are IEEE operations, one rounding each, whatever SIMD kernel runs them
# (numpy fuses nothing across ufunc calls), and frexp is exact: so these give the scalar
# functions' bits, element by element, on every CPU (tests compare them bit for bit, also with
# numpy's CPU dispatch switched off).


def log_array(x: F64) -> F64:
    """log() of an array of positive finite numbers."""
    m, e = np.frexp(x)
    low = m < _SQRT_HALF
    m = np.where(low, m + m, m)
    return _log_reduced(m - 1.0, (e - low).astype(np.float64))


def exponential_array(u: F64) -> F64:
    """exponential() of an array of uniform numbers in (0, 1)."""
    x = -u
    v = 1.0 + x
    same = v == 1.0
    d = np.where(same, 1.0, v - 1.0)  # no division by zero where log1p(x) is x itself
    return -np.where(same, x, log_array(np.where(same, 1.0, v)) * (x / d))


# --- the normal distribution -----------------------------------------------------------


def norm_ppf(p: float) -> float:
    """The standard normal quantile (Wichura 1988, AS241 PPND16)."""
    q = p - 0.5
    if -0.425 <= q <= 0.425:
        r = 0.180625 - q * q
        num = (
            (
                (
                    (
                        (
                            ((2.5090809287301226727e3 * r + 3.3430575583588128105e4) * r + 6.7265770927008700853e4) * r
                            + 4.5921953931549871457e4
                        )
                        * r
                        + 1.3731693765509461125e4
                    )
                    * r
                    + 1.9715909503065514427e3
                )
                * r
                + 1.3314166789178437745e2
            )
            * r
            + 3.3871328727963666080e0
        ) * q
        den = (
            (
                (
                    (
                        ((5.2264952788528545610e3 * r + 2.8729085735721942674e4) * r + 3.9307895800092710610e4) * r
                        + 2.1213794301586595867e4
                    )
                    * r
                    + 5.3941960214247511077e3
                )
                * r
                + 6.8718700749205790830e2
            )
            * r
            + 4.2313330701600911252e1
        ) * r + 1.0
        return num / den
    r = sqrt(-log(p if q < 0.0 else 1.0 - p))
    if r <= 5.0:
        r -= 1.6
        num = (
            (
                (
                    (
                        ((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r + 2.41780725177450611770e-1)
                        * r
                        + 1.27045825245236838258e0
                    )
                    * r
                    + 3.64784832476320460504e0
                )
                * r
                + 5.76949722146069140550e0
            )
            * r
            + 4.63033784615654529590e0
        ) * r + 1.42343711074968357734e0
        den = (
            (
                (
                    (
                        ((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r + 1.51986665636164571966e-2)
                        * r
                        + 1.48103976427480074590e-1
                    )
                    * r
                    + 6.89767334985100004550e-1
                )
                * r
                + 1.67638483018380384940e0
            )
            * r
            + 2.05319162663775882187e0
        ) * r + 1.0
    else:
        r -= 5.0
        num = (
            (
                (
                    (
                        ((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 1.24266094738807843860e-3)
                        * r
                        + 2.65321895265761230930e-2
                    )
                    * r
                    + 2.96560571828504891230e-1
                )
                * r
                + 1.78482653991729133580e0
            )
            * r
            + 5.46378491116411436990e0
        ) * r + 6.65790464350110377720e0
        den = (
            (
                (
                    (
                        ((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r + 1.84631831751005468180e-5)
                        * r
                        + 7.86869131145613259100e-4
                    )
                    * r
                    + 1.48753612908506148525e-2
                )
                * r
                + 1.36929880922735805310e-1
            )
            * r
            + 5.99832206555887937690e-1
        ) * r + 1.0
    x = num / den
    return -x if q < 0.0 else x


def norm_cdf(z: float) -> float:
    """The standard normal distribution function: erf(x) = P(1/2, x^2)."""
    if z != z:
        return z
    if z >= 0.0:
        return 0.5 + 0.5 * gamma_p(0.5, 0.5 * z * z)
    return 0.5 * gamma_q(0.5, 0.5 * z * z)  # the lower tail without cancellation


# --- the gamma function and distribution ---------------------------------------------------

_LANCZOS_G = 7.0
_LANCZOS = (
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
)
_HALF_LOG_2PI = 0.91893853320467274178


def lgamma(a: float) -> float:
    """log Gamma(a) for a > 0 (Lanczos, g = 7; a < 1/2 through Gamma(a) = Gamma(a + 1) / a)."""
    if a < 0.5:
        return lgamma(a + 1.0) - log(a)
    a -= 1.0
    s = _LANCZOS[0]
    for i in range(1, 9):
        s += _LANCZOS[i] / (a + i)
    t = a + _LANCZOS_G + 0.5
    return _HALF_LOG_2PI + (a + 0.5) * log(t) - t + log(s)


_EPS = 2.0**-53
_TINY = 1e-300


def _gamma_series(a: float, x: float) -> float:
    """P(a, x) / prefactor by its series (x < a + 1)."""
    ap, term = a, 1.0 / a
    total = term
    for _ in range(10_000):
        ap += 1.0
        term *= x / ap
        total += term
        if term < total * _EPS:
            break
    return total


def _gamma_fraction(a: float, x: float) -> float:
    """Q(a, x) / prefactor by its continued fraction, modified Lentz (x >= a + 1)."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if -_TINY < d < _TINY:
            d = _TINY
        c = b + an / c
        if -_TINY < c < _TINY:
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if -_EPS < delta - 1.0 < _EPS:
            break
    return h


def _gamma_pq(a: float, x: float, lgamma_a: float | None) -> tuple[float, float]:
    """(P(a, x), Q(a, x)) for 0 < x < inf: the series below a + 1, the continued fraction above."""
    g = lgamma(a) if lgamma_a is None else lgamma_a
    prefactor = exp(-x + a * log(x) - g)
    if x < a + 1.0:
        lower = prefactor * _gamma_series(a, x)
        return lower, 1.0 - lower
    upper = prefactor * _gamma_fraction(a, x)
    return 1.0 - upper, upper


def gamma_p(a: float, x: float, lgamma_a: float | None = None) -> float:
    """The regularised lower incomplete gamma function P(a, x), a > 0."""
    if x <= 0.0:
        return 0.0
    return 1.0 if x == inf else min(_gamma_pq(a, x, lgamma_a)[0], 1.0)


def gamma_q(a: float, x: float, lgamma_a: float | None = None) -> float:
    """The regularised upper incomplete gamma function Q(a, x) = 1 - P(a, x), a > 0."""
    if x <= 0.0:
        return 1.0
    return 0.0 if x == inf else max(_gamma_pq(a, x, lgamma_a)[1], 0.0)


def gamma_ppf(a: float, p: float, lgamma_a: float | None = None) -> float:
    """x with P(a, x) = p, for 0 < p < 1 (Numerical Recipes' invgammp: a first guess, then Halley
    steps; in the upper tail Q(x) = 1 - p is solved instead, which avoids cancellation)."""
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return inf
    g = lgamma(a) if lgamma_a is None else lgamma_a
    upper = p > 0.5
    q = 1.0 - p
    a1 = a - 1.0
    if a > 1.0:
        t = sqrt(-2.0 * log(q if upper else p))
        x = (2.30753 + t * 0.27061) / (1.0 + t * (0.99229 + t * 0.04481)) - t
        if not upper:
            x = -x
        w = 1.0 - 1.0 / (9.0 * a) - x / (3.0 * sqrt(a))
        x = max(1e-3, a * w * w * w)
    else:
        t = 1.0 - a * (0.253 + a * 0.12)
        x = power(p / t, 1.0 / a) if p < t else 1.0 - log1p(-(p - t) / (1.0 - t))
    for _ in range(100):
        if x <= 0.0:
            return 0.0
        prefactor = exp(-x + a * log(x) - g)  # x times the density at x
        if prefactor == 0.0:
            break
        if x < a + 1.0:
            lower = prefactor * _gamma_series(a, x)
            err = (q - (1.0 - lower)) if upper else (lower - p)  # P(x) - p
        else:
            tail = prefactor * _gamma_fraction(a, x)
            err = (q - tail) if upper else ((1.0 - tail) - p)
        u = err * x / prefactor
        t = u / (1.0 - 0.5 * min(1.0, u * (a1 / x - 1.0)))
        x -= t
        if x <= 0.0:
            x = 0.5 * (x + t)
        if abs(t) < 1e-5 * x:  # Halley converges cubically: the error left is of order 1e-15 x
            break
    return x
