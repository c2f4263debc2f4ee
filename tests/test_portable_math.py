"""portable_math against the C library and scipy (accuracy), and its array form against its
scalar form (bit for bit: the batched and one-at-a-time draws must be the same numbers)."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from simulation.engine import portable_math as pm
from simulation.engine.random_streams import draw

positive = st.floats(min_value=5e-324, max_value=1.7e308, allow_nan=False, allow_infinity=False)
uniform = st.floats(min_value=2.0**-54, max_value=1 - 2.0**-53, exclude_min=False)
stream_uniform = st.builds(draw, st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1), st.integers(1, 10**6))


def ulps(a: float, b: float) -> float:
    return 0.0 if a == b else abs(a - b) / math.ulp(b)


@given(positive)
def test_log_within_one_ulp(x):
    assert ulps(pm.log(x), math.log(x)) <= 1


@given(st.floats(-745.0, 709.7))
def test_exp_within_one_ulp(x):
    ref = math.exp(x)
    if ref >= 2.2250738585072014e-308:  # normal results (subnormals have fewer digits)
        assert ulps(pm.exp(x), ref) <= 1


@given(st.floats(-1 + 2.0**-52, 1e300))
def test_log1p_within_two_ulps(x):
    assert ulps(pm.log1p(x), math.log1p(x)) <= 2


@given(st.floats(-700.0, 700.0))
def test_expm1_within_four_ulps(x):
    assert ulps(pm.expm1(x), math.expm1(x)) <= 4


@given(st.one_of(uniform, stream_uniform))
def test_exponential_inverts_the_exp1_distribution(u):
    e = pm.exponential(u)
    assert ulps(e, -math.log1p(-u)) <= 2
    assert e > 0


@given(st.lists(st.one_of(uniform, stream_uniform), min_size=1, max_size=300))
def test_array_forms_equal_the_scalar_forms_bit_for_bit(us):
    u = np.array(us)
    assert pm.exponential_array(u).tolist() == [pm.exponential(v) for v in us]
    assert pm.log_array(u).tolist() == [pm.log(v) for v in us]


def test_exponential_is_increasing_on_the_uniform_lattice():
    """Inversion keeps common random numbers in step: a larger uniform, a larger draw."""
    u = (np.arange(0, 2**53, 2**33, dtype=np.float64) + 0.5) * 2.0**-53
    e = pm.exponential_array(u)
    assert (np.diff(e) > 0).all()


@given(st.floats(1e-300, 1 - 1e-16))
def test_normal_quantile(p):
    assert math.isclose(pm.norm_ppf(p), NormalDist().inv_cdf(p), rel_tol=1e-14, abs_tol=1e-15)


@given(st.floats(-37.0, 8.0))
def test_normal_distribution_function(z):
    assert math.isclose(pm.norm_cdf(z), float(special.ndtr(z)), rel_tol=1e-12)


@given(st.floats(1e-3, 1e4))
def test_log_gamma(a):
    assert math.isclose(pm.lgamma(a), math.lgamma(a), rel_tol=1e-13, abs_tol=1e-13)


@settings(max_examples=200)
@given(st.floats(0.05, 500.0), st.floats(1e-12, 1 - 1e-12))
def test_gamma_quantile_and_distribution_function(a, p):
    x = pm.gamma_ppf(a, p)
    assert math.isclose(x, float(special.gammaincinv(a, p)), rel_tol=1e-10, abs_tol=1e-300)
    assert math.isclose(pm.gamma_p(a, x), float(special.gammainc(a, x)), rel_tol=1e-11, abs_tol=1e-300)
    assert math.isclose(pm.gamma_q(a, x), float(special.gammaincc(a, x)), rel_tol=1e-10, abs_tol=1e-300)


def test_edges():
    assert pm.log(1.0) == 0.0 and pm.log(0.0) == -math.inf and pm.log(math.inf) == math.inf
    assert pm.exp(0.0) == 1.0 and pm.exp(-800.0) == 0.0 and pm.exp(800.0) == math.inf
    assert pm.log1p(0.0) == 0.0 and pm.expm1(0.0) == 0.0
    assert pm.power(0.0, 2.0) == 0.0 and math.isclose(pm.power(8.0, 1 / 3), 2.0, rel_tol=1e-15)
    assert pm.gamma_ppf(2.0, 0.0) == 0.0 and pm.gamma_ppf(2.0, 1.0) == math.inf
