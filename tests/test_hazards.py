"""Hazard clocks: firing times solved over delays and bands agree with the integrated rate."""

import math

from hypothesis import assume, given
from hypothesis import strategies as st

from simulation.engine.clock import DAYS_PER_MONTH
from simulation.engine.conditions import Attributes
from simulation.engine.hazards import EPS, CompiledHazard
from simulation.engine.random_streams import Decisions
from simulation.scenario.schema import Hazard

band_lists = st.lists(st.tuples(st.floats(0.5, 30), st.one_of(st.just(0.0), st.floats(1e-3, 3))), max_size=4).map(
    lambda xs: [(0.0, 1.0)] + [(sum(m for m, _ in xs[: i + 1]), k) for i, (_, k) in enumerate(xs)]
)


def compiled(rate, bands, delay_days, schedules=None):
    spec = Hazard.model_validate(
        {
            "in": ["case_management"],
            "to": "exit:employment",
            "rate_per_month": rate,
            "by_months_in_benefit": bands,
            **({"after_in_state": {"value": delay_days, "unit": "days"}} if delay_days else {}),
        }
    )
    return CompiledHazard(0, "h", spec, Attributes({}), Decisions(), schedules)


def firing_time(h, now, left, entered, episode_start):
    """Day on which h's rate integrated from `now` reaches `left`: base rate x schedule time."""
    return h.schedule.reach(now, left / h.rate, entered, episode_start)


def integral(h, t0, t1, entered, episode_start):
    """h's rate integrated from day t0 to day t1."""
    return h.rate * h.schedule.elapsed(t0, t1, entered, episode_start)


def rate_on(h, day, entered, episode_start):
    """The rate per day in force on an absolute day, written out independently of the class."""
    if day < entered + h.schedule.delay:
        return 0.0
    months = (day - episode_start) / DAYS_PER_MONTH
    factor = [k for m, k in h_bands[id(h)] if m <= months + 1e-12][-1]
    return h.rate * factor


h_bands = {}


@given(
    st.floats(0.01, 2),
    band_lists,
    st.floats(0, 60),
    st.floats(-400, 0),
    st.floats(-100, 0),
    st.floats(0, 200),
    st.floats(0.01, 5),
)
def test_firing_time_integrates_to_the_threshold(rate, bands, delay, episode_start, since, now, left):
    entered = max(since, episode_start)
    h = compiled(rate, bands, delay)
    h_bands[id(h)] = bands
    t = firing_time(h, now, left, entered, episode_start)
    if math.isinf(t):  # only if the rate is 0 from some point on
        assert bands[-1][1] == 0
        return
    assert t >= now
    assert math.isclose(integral(h, now, t, entered, episode_start), left, rel_tol=1e-9, abs_tol=1e-12)
    # additive over any split point, and equal to a midpoint sum over a fine grid between band edges
    mid = now + (t - now) * 0.37
    assert math.isclose(
        integral(h, now, mid, entered, episode_start) + integral(h, mid, t, entered, episode_start),
        left,
        rel_tol=1e-9,
        abs_tol=1e-12,
    )
    edges = sorted(
        {now, t}
        | {x for x in [entered + h.schedule.delay] + [episode_start + d for d in h.schedule.band_days] if now < x < t}
    )
    riemann = sum(rate_on(h, (a + b) / 2, entered, episode_start) * (b - a) for a, b in zip(edges, edges[1:]))
    assert math.isclose(riemann, left, rel_tol=1e-9, abs_tol=1e-9)


@given(st.floats(0.01, 2), st.floats(0, 50), st.floats(0.01, 5))
def test_a_constant_rate_fires_after_threshold_over_rate(rate, now, left):
    h = compiled(rate, [], 0)
    assert h.schedule.simple
    assert math.isclose(firing_time(h, now, left, 0.0, 0.0), now + left / h.rate)
    assert math.isclose(integral(h, now, now + 10, 0.0, 0.0), h.rate * 10)


@given(
    band_lists,
    st.floats(0, 60),
    st.floats(-400, 0),
    st.floats(0, 200),
    st.lists(st.tuples(st.floats(0.01, 2), st.floats(0.01, 5)), min_size=2, max_size=6),
)
def test_hazards_sharing_a_schedule_race_by_threshold_over_rate(bands, delay, episode_start, now, hazards):
    """The engine picks, within a schedule, the least threshold left / base rate: the same hazard
    (and day) as solving every hazard's firing time on its own."""
    schedules = {}
    hs = [compiled(rate, bands, delay, schedules) for rate, _ in hazards]
    assert len({id(h.schedule) for h in hs}) == 1
    entered = episode_start
    times = [firing_time(h, now, left, entered, episode_start) for h, (_, left) in zip(hs, hazards)]
    x = [left / h.rate for h, (_, left) in zip(hs, hazards)]
    t = hs[0].schedule.reach(now, min(x), entered, episode_start)
    if math.isinf(min(times)):
        assert math.isinf(t)
        return
    assert math.isclose(t, min(times), rel_tol=1e-12, abs_tol=1e-9)
    assert times[x.index(min(x))] == min(times)


@given(
    band_lists,
    st.floats(0, 60),
    st.floats(-2000, 0),
    st.floats(-100, 0),
    st.floats(0, 2000),
    st.floats(0.01, 5),
    st.floats(0, 400),
)
def test_in_the_last_band_the_schedule_is_its_final_factor(bands, delay, episode_start, since, now, x, span):
    """Pathway.stay's shortcut: once `settled` (last band, delay over), reach and elapsed need no band lookup."""
    entered = max(since, episode_start)
    sched = compiled(0.1, bands, delay).schedule
    assume(now - episode_start + EPS >= sched.settled and entered + sched.delay <= now)
    t = sched.reach(now, x, entered, episode_start)
    assert t == (now + x / sched.final if sched.final > 0 else math.inf)
    t1 = now + span
    assert sched.elapsed(now, t1, entered, episode_start) == sched.final * (t1 - now)
