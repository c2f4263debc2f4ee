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
    """Open at a month's last instant, start < day <= end, with NaN starts (no waiting) and open ends (inf) as the
    programme table has them."""
    a, b = _arrays(rows)
    a[[nan for _, _, nan in rows]] = np.nan
    b[::3] = np.inf
    ref = EDGES[1:]
    direct = ((a[:, None] < ref) & (ref <= b[:, None]) & (a[:, None] <= b[:, None])).sum(0)
    assert indicators._open_at(a, b, ref).tolist() == direct.tolist()


def test_one_month_convention_for_events_at_a_month_boundary():
    """Admissions at 00:00 on 1 February (places step from 0 to 30 then) are February's in every table: programme
    entries, integrations on entry, marginal-employment entries (K2E1) and outflows; the January end stock holds the
    people still waiting at January's last instant, and stock(m) = stock(m-1) + inflows(m) - outflows(m)."""
    from simulation.engine.clock import Clock
    from simulation.engine.model import simulate
    from simulation.indicators import monthly, programme_monthly
    from tests.conftest import BASE, merge, scenario

    data = merge(
        BASE,
        {
            "time": {"years": 0.5},
            "population": {"initial": {"size": 40, "programmes": {"job": {"waiting": 30, "segment": "all"}}}},
            "programmes": {
                "job": {
                    "places": [{"from": "2024-01-01", "value": 0}, {"from": "2024-02-01", "value": 30}],
                    "duration": {"dist": "fixed", "value": 1, "unit": "years"},
                    "integration_on_entry": "employment",
                }
            },
            "routes": {"job": [{"options": [{"to": "exit:employment", "probability": 1.0}]}]},
            "hazards": {"leave": {"in": ["case_management"], "to": "exit:other", "rate_per_month": 0.1}},
            "indicators": {"marginal_employment": ["job"]},
        },
    )
    sc = scenario(data)
    clock = Clock(sc.time.start, 0.5)
    sp = simulate(sc, seed=1).spells
    feb = clock.month_edges()[1]
    admitted = sp[(sp["state"] == "programme") & (sp["start"] == feb)]
    assert len(admitted) == 30  # all at the instant February begins
    pm = programme_monthly(sp, sc, clock).set_index("month")
    assert pm.loc["2024-01", "entries"] == 0 and pm.loc["2024-02", "entries"] == 30
    assert pm.loc["2024-01", "waiting_end"] == 30 and pm.loc["2024-01", "participants_end"] == 0
    mo = monthly(sp, sc, clock).set_index("month")
    assert mo.loc["2024-01", "integrations"] == 0 and mo.loc["2024-02", "integrations"] == 30
    assert mo.loc["2024-01", "marginal_entries"] == 0 and mo.loc["2024-02", "marginal_entries"] == 30
    stock = mo["elb_stock"].to_numpy()
    first = 40  # everyone is in benefit on day one
    change = np.diff(np.r_[first, stock])
    assert (change == (mo["inflows"] - mo["outflows"]).to_numpy()).all()
