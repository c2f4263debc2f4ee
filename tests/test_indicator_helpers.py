"""The indicators' counting helpers against the direct (intervals x months) computation they replace."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from simulation.indicators import compute as indicators

days = st.floats(-400, 800, allow_nan=False)
intervals = st.lists(st.tuples(days, st.floats(0, 500), st.booleans()), max_size=60)
EDGES = np.cumsum(np.r_[0.0, np.full(12, 30.44)])


def _arrays(rows):
    a = np.asarray([s for s, _, _ in rows], float)
    b = a + np.asarray([d for _, d, _ in rows], float)
    return a, b


@given(intervals, st.integers(1, 7))
def test_overlap_days_summed_in_chunks_is_the_one_sum_to_the_last_bit(rows, chunk):
    a, b = _arrays(rows)
    lo = np.maximum(a[:, None], EDGES[None, :-1])
    hi = np.minimum(b[:, None], EDGES[None, 1:])
    direct = np.clip(hi - lo, 0.0, None).sum(0)
    old, indicators.CHUNK = indicators.CHUNK, chunk
    try:
        assert indicators._overlap_days(a, b, EDGES).tolist() == direct.tolist()
    finally:
        indicators.CHUNK = old


def test_overlap_days_of_many_intervals_in_small_chunks():
    """Where summing each chunk apart would round differently (it does here, in every month)."""
    rng = np.random.default_rng(3)
    edges = np.cumsum(np.r_[0.0, rng.uniform(28, 31, 24)])
    a = rng.uniform(-100, 700, 5000)
    b = a + rng.exponential(120, 5000)
    direct = np.clip(np.minimum(b[:, None], edges[None, 1:]) - np.maximum(a[:, None], edges[None, :-1]), 0.0, None)
    old, indicators.CHUNK = indicators.CHUNK, 64
    try:
        assert indicators._overlap_days(a, b, edges).tolist() == direct.sum(0).tolist()
    finally:
        indicators.CHUNK = old


@given(intervals)
def test_open_at_counts_the_intervals_containing_each_day(rows):
    """start <= day < end, with NaN starts (no waiting) and open ends (inf) as the programme table has them."""
    a, b = _arrays(rows)
    a[[nan for _, _, nan in rows]] = np.nan
    b[::3] = np.inf
    ref = EDGES[1:]
    direct = ((a[:, None] <= ref) & (ref < b[:, None])).sum(0)
    assert indicators._open_at(a, b, ref).tolist() == direct.tolist()
