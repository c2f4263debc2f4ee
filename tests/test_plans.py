"""Plans that change capacity: places below day-one occupancy, and (below) values over calendar time.

Each mechanism is checked against the spells alone: who holds a seat when, and who was
admitted while the programme was full.
"""

from __future__ import annotations

import numpy as np

from simulation.engine.model import simulate
from tests.conftest import BASE, merge, scenario


def occupancy_at(spells, name: str, t: np.ndarray) -> np.ndarray:
    """Participants of programme `name` at times t (a spell holds its seat on [start, end))."""
    p = spells[(spells["state"] == "programme") & (spells["programme"] == name) & spells["start"].notna()]
    start, end = p["start"].to_numpy(float), p["end"].to_numpy(float)
    return ((start[None, :] <= t[:, None]) & (t[:, None] < end[None, :])).sum(1)


def cut_places_dict(places: int, participants: int, waiting: int) -> dict:
    """A programme with fewer places than people in it on day one, a waiting list and inflow."""
    return merge(
        BASE,
        {
            "population": {
                "initial": {
                    "size": participants + waiting,
                    "programmes": {
                        "p": {
                            "participants": participants,
                            "waiting": waiting,
                            "segment": "all",
                            "elapsed": {"dist": "uniform", "low": 0, "high": 6},
                        }
                    },
                },
                "inflow": {"per_month": 5, "segments": {"all": 1.0}},
            },
            "programmes": {"p": {"places": places, "duration": {"dist": "exponential", "mean": 4}}},
            "routes": {
                "entry": [{"options": [{"to": "programme:p", "probability": 1}]}],
                "p": [{"options": [{"to": "exit:other", "probability": 1}]}],
            },
        },
    )


def test_places_below_day_one_occupancy_shrink_as_people_leave():
    """320 -> 213 places with 300 in it (Kassel's AGH plan, scaled): accepted; nobody leaves early,
    nobody is admitted until occupancy is below the places, and from then on it stays within them."""
    places, participants = 21, 30
    out = simulate(scenario(cut_places_dict(places, participants, waiting=10)), seed=3)
    sp = out.spells
    p = sp[(sp["state"] == "programme") & (sp["programme"] == "p")]
    assert (p["end_reason"].isin(["completed", "censored"])).all()  # nobody thrown out
    day_one = p[p["origin"] == "initial:p"].sort_values("person_id").head(participants)
    assert (day_one["start"] <= 0).all()
    # the first admission during the run comes only once enough day-one participants have left
    admitted = p[p["start"].notna() & ~p.index.isin(day_one.index)]
    first = admitted["start"].min()
    ends = np.sort(day_one["end"].to_numpy(float))
    assert first >= ends[participants - places]  # the (30-21+1)-th departure frees the first place
    assert occupancy_at(sp, "p", np.array([0.0]))[0] == participants
    # from the first admission on, occupancy never exceeds the places
    t = np.unique(np.r_[admitted["start"].to_numpy(float), p["end"].to_numpy(float)])
    t = t[(t >= first) & (t < out.horizon)]
    assert occupancy_at(sp, "p", t).max() <= places
    # before it, occupancy only falls
    before = np.unique(p["end"].to_numpy(float))
    before = before[before < first]
    assert (np.diff(occupancy_at(sp, "p", before)) <= 0).all()


# --- values over calendar time -------------------------------------------------------------

import datetime as dt  # noqa: E402
import math  # noqa: E402

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from simulation.engine.clock import DAYS_PER_MONTH, Clock  # noqa: E402
from simulation.engine.conditions import Attributes  # noqa: E402
from simulation.engine.hazards import CompiledHazard  # noqa: E402
from simulation.engine.random_streams import Decisions  # noqa: E402
from simulation.engine.timeline import Timeline  # noqa: E402
from simulation.errors import ScenarioError  # noqa: E402
from simulation.indicators.budgets import budget_monthly  # noqa: E402
from simulation.scenario.schema import Hazard, Step  # noqa: E402
from tests import theory  # noqa: E402

START = dt.date(2024, 1, 1)


def steps(*pairs) -> list[dict]:
    """[(date text, value), ...] as the steps of a scenario file."""
    return [{"from": d, "value": v} for d, v in pairs]


def test_timeline_holds_each_value_from_its_date():
    clock = Clock(START, 2)
    line = Timeline.of(
        [Step.model_validate(s) for s in steps(("2023-06-01", 5), ("2024-03-01", 7), ("2025-01-01", 2))], clock
    )
    d1, d2 = clock.day(dt.date(2024, 3, 1)), clock.day(dt.date(2025, 1, 1))
    assert [line.at(t) for t in (-10, 0, d1 - 0.5, d1, d2 - 1e-6, d2, 1e4)] == [5, 5, 5, 7, 7, 2, 2]
    assert line.changes(clock.horizon) == [(d1, 7), (d2, 2)]
    assert Timeline.of(3.0, clock).constant and Timeline.of(3.0, clock).at(99) == 3.0


@pytest.mark.parametrize(
    "field,value,path,words",
    [
        ("places", steps(("2024-02-01", 4)), "programmes.p.places[0].from", ("on or before the start", "2024-02-01")),
        ("places", steps(("2024-01-01", 4), ("2024-01-01", 5)), "programmes.p.places", ("increasing order",)),
        (
            "places",
            steps(("2024-01-01", 4), ("2025-03-01", 5)),
            "programmes.p.places[1].from",
            ("before the end", "2025-01-01", "found 2025-03-01"),
        ),
        ("places", steps(("2024-01-01", 4.5)), "programmes.p.places[0].value", ("whole number", "4.5")),
        ("places", "ten", "programmes.p.places", ("integer", "found 'ten'")),
        ("entries_per_year", [{"value": 3}], "programmes.p.entries_per_year[0].from", ("missing",)),
    ],
)
def test_bad_steps_are_refused_at_their_field(field, value, path, words):
    d = mmc_dict(2, 1, places=3)
    d["programmes"]["p"][field] = value
    with pytest.raises(ScenarioError) as info:
        scenario(d)
    problems = info.value.problems
    assert len(problems) == 1 and problems[0][0] == path, problems
    assert all(w in problems[0][1] for w in words), problems


from tests.conftest import mmc_dict  # noqa: E402


def waits(spells, lo: float, hi: float) -> np.ndarray:
    """Waits (days) of programme customers who joined the list in [lo, hi)."""
    p = spells[(spells["state"] == "programme") & (spells["waiting_start"] >= lo) & (spells["waiting_start"] < hi)]
    return (p["start"].fillna(p["end"]) - p["waiting_start"]).to_numpy(float)


@pytest.mark.slow
@pytest.mark.parametrize("c1,c2", [(3, 5), (5, 3)])
def test_capacity_step_waits_match_erlang_c_before_and_after(c1, c2):
    """M/M/c whose places step from c1 to c2 half-way: in each half (after a warm-up, away from the
    step and the horizon) the mean wait and the share who wait lie in 99 % t-intervals (100 replications) of Erlang C."""
    mean, years, lam = 1.5, 50, 0.85 * min(c1, c2) / 1.5
    d = mmc_dict(lam, mean, places=None, years=years)
    d["programmes"]["p"]["places"] = steps(("2024-01-01", c1), ("2049-01-01", c2))
    sc = scenario(d)
    step = Clock(sc.time.start, years).day(dt.date(2049, 1, 1))
    warm, margin = 60 * mean * DAYS_PER_MONTH, 40 * mean * DAYS_PER_MONTH
    est = {c1: ([], []), c2: ([], [])}
    for seed in range(100):
        out = simulate(sc, seed=seed)
        for c, (lo, hi) in ((c1, (warm, step - margin)), (c2, (step + warm, out.horizon - margin))):
            w = waits(out.spells, lo, hi)
            assert len(w) > 200
            est[c][0].append(w.mean() / DAYS_PER_MONTH)
            est[c][1].append((w > 0).mean())
    for c, (wq, pw) in est.items():
        wq_ci, pw_ci = theory.t_interval(wq, 0.99), theory.t_interval(pw, 0.99)
        assert wq_ci[1] <= theory.mmc_wq(lam, mean, c) <= wq_ci[2], (c, wq_ci, theory.mmc_wq(lam, mean, c))
        assert pw_ci[1] <= theory.erlang_c(c, lam * mean) <= pw_ci[2], (c, pw_ci)


def test_a_step_up_admits_waiting_people_on_its_date():
    """Nobody is admitted while places are 0; on the step's date as many as the new places."""
    d = mmc_dict(10, 2, places=None, years=1)
    d["programmes"]["p"]["places"] = steps(("2024-01-01", 0), ("2024-04-01", 7))
    sc = scenario(d)
    day = Clock(sc.time.start, 1).day(dt.date(2024, 4, 1))
    sp = simulate(sc, seed=5).spells
    start = sp.loc[sp["state"] == "programme", "start"].dropna().to_numpy(float)
    assert start.min() == day and (start == day).sum() == 7


def test_inflow_steps_change_the_arrival_rate():
    """Arrivals per day before and after a step in per_month: Poisson counts within 4 sd."""
    d = mmc_dict(0, 1, places=None, years=2)
    d["population"]["inflow"]["per_month"] = steps(("2024-01-01", 100), ("2024-10-15", 300))
    sc = scenario(d)
    cut = Clock(sc.time.start, 2).day(dt.date(2024, 10, 15))
    out = simulate(sc, seed=2)
    first = out.spells.groupby("person_id").head(1)
    t = first["waiting_start"].fillna(first["start"]).to_numpy(float)
    for lo, hi, rate in ((0, cut, 100), (cut, out.horizon, 300)):
        n, mu = ((t >= lo) & (t < hi)).sum(), rate * (hi - lo) / DAYS_PER_MONTH
        assert abs(n - mu) < 4 * math.sqrt(mu), (lo, hi, n, mu)


# --- hazards with calendar factors ---------------------------------------------------------


def survival_dict(n: int, rate: float, calendar=None, market=None, bands=None) -> dict:
    """n people in case management on day one, 6 months into their episode, one exit hazard."""
    h = {"in": ["case_management"], "to": "exit:employment", "rate_per_month": rate}
    if calendar:
        h["calendar"] = calendar
    if bands:
        h["by_months_in_benefit"] = bands
    d = merge(
        BASE,
        {
            "time": {"years": 2},
            "population": {
                "segments": {"all": {"months_in_benefit": {"dist": "fixed", "value": 6}}},
                "initial": {"size": n},
            },
            "hazards": {"h": h},
        },
    )
    if market:
        d["labour_market"] = {"factor": market, "hazards": ["h"], "source": "assumption"}
    return d


def test_survival_with_calendar_bands_and_labour_market_is_exp_of_the_integrated_rate():
    """P(still in case management at t) = exp(-integral of the rate), the rate being base x band
    (by months in the episode: month 12 of the episode is day-one + 6 months) x calendar x market,
    integrated here on a fine daily grid; month-end shares within 4 binomial sd."""
    n, rate = 20000, 0.15
    calendar = steps(("2024-01-01", 1.0), ("2024-03-10", 2.5), ("2024-08-01", 0.0), ("2024-10-01", 1.2))
    market = steps(("2024-01-01", 1.0), ("2025-01-01", 0.5))
    bands = [[0, 1.0], [12, 0.4]]
    sc = scenario(survival_dict(n, rate, calendar, market, bands))
    clock = Clock(sc.time.start, 2)
    out = simulate(sc, seed=9)
    sp = out.spells
    exits = sp.loc[(sp["state"] == "case_management") & (sp["end_reason"] == "h"), "end"].to_numpy(float)
    day = lambda s: clock.day(dt.date.fromisoformat(s))  # noqa: E731
    cal = lambda t: [
        v
        for d, v in [
            (-1e9, 1.0),
            (day("2024-03-10"), 2.5),
            (day("2024-08-01"), 0.0),  # noqa: E731
            (day("2024-10-01"), 1.2),
        ]
        if d <= t
    ][-1]
    mkt = lambda t: 1.0 if t < day("2025-01-01") else 0.5  # noqa: E731
    band_edge = 6 * DAYS_PER_MONTH  # the episode's month 12
    grid = np.arange(0, out.horizon, 0.01) + 0.005
    r = np.array([rate / DAYS_PER_MONTH * (1.0 if t < band_edge else 0.4) * cal(t) * mkt(t) for t in grid])
    cum = np.r_[0, np.cumsum(r * 0.01)]
    for ref in clock.month_edges()[1:]:
        p = math.exp(-cum[int(round(ref / 0.01))])
        alive = n - (exits <= ref).sum()
        assert abs(alive - n * p) < 4 * math.sqrt(n * p * (1 - p)) + 1, (ref, alive, n * p)
    # while the calendar factor is 0 nobody leaves
    assert not ((exits > day("2024-08-01")) & (exits < day("2024-10-01"))).any()


def calendar_hazard(rate, bands, delay, cal_days, cal_values):
    spec = Hazard.model_validate(
        {
            "in": ["case_management"],
            "to": "exit:employment",
            "rate_per_month": rate,
            "by_months_in_benefit": bands,
            **({"after_in_state": {"value": delay, "unit": "days"}} if delay else {}),
        }
    )
    return CompiledHazard(
        0, "h", spec, Attributes({}), Decisions(), None, Timeline((-math.inf,) + tuple(cal_days), tuple(cal_values))
    )


@settings(max_examples=150, deadline=None)
@given(
    st.floats(0.01, 2),
    st.lists(st.tuples(st.floats(0.5, 30), st.one_of(st.just(0.0), st.floats(1e-3, 3))), max_size=3),
    st.floats(0, 60),
    st.floats(-400, 0),
    st.floats(0, 200),
    st.floats(0.01, 5),
    st.lists(st.tuples(st.floats(1, 200), st.one_of(st.just(0.0), st.floats(1e-3, 3))), min_size=1, max_size=4),
    st.floats(0.05, 3),
)
def test_calendar_firing_time_integrates_to_the_threshold(rate, xs, delay, ep, now, left, cal_gaps, first):
    """reach/elapsed of a schedule with bands and calendar steps against a midpoint sum over every breakpoint."""
    bands = [(0.0, 1.0)] + [(sum(m for m, _ in xs[: i + 1]), k) for i, (_, k) in enumerate(xs)]
    cal_days = list(np.cumsum([g for g, _ in cal_gaps]))
    cal_values = [first] + [v for _, v in cal_gaps]
    h = calendar_hazard(rate, bands, delay, cal_days, cal_values)
    entered = ep
    t = h.schedule.reach(now, left / h.rate, entered, ep)
    if math.isinf(t):
        assert bands[-1][1] == 0 or cal_values[-1] == 0
        return
    assert t >= now
    integral = h.rate * h.schedule.elapsed(now, t, entered, ep)
    assert math.isclose(integral, left, rel_tol=1e-9, abs_tol=1e-12)

    def rate_on(x):
        if x < entered + delay:
            return 0.0
        band = [k for m, k in bands if m * DAYS_PER_MONTH <= x - ep + 1e-9][-1]
        cal = [v for d, v in zip([-math.inf] + cal_days, cal_values) if d <= x][-1]
        return h.rate * band * cal

    edges = sorted(
        {now, t}
        | {x for x in [entered + delay] + [ep + m * DAYS_PER_MONTH for m, _ in bands] + cal_days if now < x < t}
    )
    riemann = sum(rate_on((a + b) / 2) * (b - a) for a, b in zip(edges, edges[1:]))
    assert math.isclose(riemann, left, rel_tol=1e-8, abs_tol=1e-9)


# --- budgets -------------------------------------------------------------------------------


def budget_dict(per_year, cost=1000.0, months=2.0, inflow=40, when="wait", carry=False, years=2) -> dict:
    """High demand for one unlimited programme of fixed duration, paid from a yearly budget."""
    d = mmc_dict(inflow, months, places=None, years=years)
    d["programmes"]["p"]["duration"] = {"dist": "fixed", "value": months}
    d["programmes"]["p"]["cost_per_month"] = cost
    d["budgets"] = {"b": {"programmes": ["p"], "per_year": per_year, "when_exhausted": when, "carry_over": carry}}
    return d


def entry_days(spells) -> np.ndarray:
    return np.sort(spells.loc[spells["state"] == "programme", "start"].dropna().to_numpy(float))


def test_budget_cap_stops_entries_exactly_when_commitments_reach_it():
    """Each entry commits 1000 x 2 months = 2000; a 51,000 budget pays exactly 25 entries a year.
    The 25 are the first 25 arrivals; everyone after them waits for 1 January, when the next
    year's 30,000 admits exactly 15 of the waiting, in the order they came."""
    sc = scenario(budget_dict(steps(("2024-01-01", 51000), ("2025-01-01", 30000))))
    clock = Clock(sc.time.start, 2)
    sp = simulate(sc, seed=4).spells
    jan = clock.day(dt.date(2025, 1, 1))
    e = entry_days(sp)
    assert (e < jan).sum() == 25 and (e >= jan).sum() == 15 and (e[e >= jan] == jan).all()
    p = sp[sp["state"] == "programme"]
    arrived = np.sort(p["waiting_start"].to_numpy(float))
    assert (np.sort(p.loc[p["start"] < jan, "waiting_start"].to_numpy(float)) == arrived[:25]).all()
    assert (np.sort(p.loc[p["start"] == jan, "waiting_start"].to_numpy(float)) == arrived[25:40]).all()
    bm = budget_monthly(sp, sc, clock)
    assert bm["committed"].sum() == 40 * 2000
    assert bm.loc[bm["month"] == "2024-12", "left"].item() == 1000  # less than one entry
    assert bm.loc[bm["month"] == "2025-12", "committed_year"].item() == 30000


def test_budget_exhausted_sends_referrals_elsewhere():
    """With when_exhausted = case_management, the 26th and later referrals of the year go to case management
    at once, without a spell on the list; the 25 admitted are the first 25 to arrive."""
    sc = scenario(budget_dict(51000, when="case_management", years=1))
    sp = simulate(sc, seed=4).spells
    p = sp[sp["state"] == "programme"]
    assert len(p) == 25 and p["start"].notna().all() and (p["start"] == p["waiting_start"]).all()
    first = sp.groupby("person_id").head(1)
    assert (first["state"] == "case_management").sum() == first["person_id"].nunique() - 25
    assert p["start"].max() < first.loc[first["state"] == "case_management", "start"].min()


def test_budget_carry_over_and_a_supplementary_step():
    """A step on 1 July 2024 (50,000 -> 60,000) adds 10,000 to that year's budget: 5 more entries on
    1 July, then none; 2024 leaves nothing to carry, so 2025 has its 31,500: 15 entries, 1,500 left."""
    per_year = steps(("2024-01-01", 50000), ("2024-07-01", 60000), ("2025-01-01", 31500))
    sc = scenario(budget_dict(per_year, carry=True))
    clock = Clock(sc.time.start, 2)
    sp = simulate(sc, seed=4).spells
    jul, jan = clock.day(dt.date(2024, 7, 1)), clock.day(dt.date(2025, 1, 1))
    e = entry_days(sp)
    assert (e < jul).sum() == 25 and (e == jul).sum() == 5 and ((e > jul) & (e < jan)).sum() == 0
    assert (e >= jan).sum() == 15
    bm = budget_monthly(sp, sc, clock)
    assert bm.loc[bm["month"] == "2024-06", "budget_year"].item() == 50000
    assert bm.loc[bm["month"] == "2024-07", "budget_year"].item() == 60000
    assert bm.loc[bm["month"] == "2025-12", "left"].item() == 1500


def test_budget_carry_over_adds_what_is_left():
    """51,000 in 2024 leaves 1,000; with carry-over 2025 has 29,000 + 1,000 = 15 entries (without: 14)."""
    for carry, n in ((True, 15), (False, 14)):
        sc = scenario(budget_dict(steps(("2024-01-01", 51000), ("2025-01-01", 29000)), carry=carry))
        clock = Clock(sc.time.start, 2)
        sp = simulate(sc, seed=4).spells
        e = entry_days(sp)
        assert (e >= clock.day(dt.date(2025, 1, 1))).sum() == n
        bm = budget_monthly(sp, sc, clock)
        assert bm.loc[bm["month"] == "2025-01", "budget_year"].item() == 29000 + (1000 if carry else 0)


def test_budget_shared_by_two_programmes_and_alongside_places_commit():
    """Two programmes from one budget: commitments of both add up to at most the budget, and the
    table's commitments equal entries x cost x mean duration."""
    d = budget_dict(60000, years=1)
    d["programmes"]["q"] = {"duration": {"dist": "exponential", "mean": 3}, "cost_per_month": 500}
    d["programmes"]["p"]["alongside"] = {"q": {"probability": 0.5}}
    d["budgets"]["b"]["programmes"] = ["p", "q"]
    sc = scenario(d)
    clock = Clock(sc.time.start, 1)
    sp = simulate(sc, seed=1).spells
    n_p = sp.loc[sp["state"] == "programme", "start"].notna().sum()
    n_q = sp.loc[(sp["programme"] == "q") & sp["start"].notna()].shape[0]
    spent = n_p * 2000 + n_q * 1500
    assert n_q > 0 and 60000 - 2000 < spent <= 60000
    bm = budget_monthly(sp, sc, clock)
    assert bm["committed"].sum() == pytest.approx(spent)
    assert (bm["left"] >= -1e-6).all()


def test_budget_monthly_columns_are_documented():
    from tests.test_docs import DOCS, first_cell_names, md_tables, section_about

    body = section_about((DOCS / "outputs.md").read_text(encoding="utf-8"), "budget_monthly.parquet")
    documented = set().union(*(first_cell_names(t) for t in md_tables(body) if t["header"][0] == "column"))
    sc = scenario(budget_dict(51000, years=1))
    assert set(budget_monthly(simulate(sc, seed=1).spells, sc, Clock(sc.time.start, 1)).columns) == documented


def test_scenarios_without_plans_give_the_same_spells_as_with_constant_steps():
    """A one-step schedule is the constant: same spells bit for bit (places, quota, inflow, factor 1)."""
    a = mmc_dict(6, 1.5, places=3, years=1, entries_per_year=50)
    b = merge(a, {})
    b["programmes"]["p"]["places"] = steps(("2024-01-01", 3))
    b["programmes"]["p"]["entries_per_year"] = steps(("2023-01-01", 50))
    b["population"]["inflow"]["per_month"] = steps(("2024-01-01", 6))
    a["hazards"] = {"h": {"in": ["waiting:p"], "to": "exit:other", "rate_per_month": 0.2}}
    b["hazards"] = {
        "h": {"in": ["waiting:p"], "to": "exit:other", "rate_per_month": 0.2, "calendar": steps(("2024-01-01", 1.0))}
    }
    pd.testing.assert_frame_equal(
        simulate(scenario(a), seed=3).spells, simulate(scenario(b), seed=3).spells, check_exact=True
    )


def test_steps_on_1_january_belong_to_the_new_year():
    """A quota raised from 10 to 20 on 1 January admits 20 in the new year (not 10 more on the old
    year's count, then 20); places raised on 1 January commit their entries to the new year's budget."""
    d = mmc_dict(30, 1, places=None, years=2)
    d["programmes"]["p"]["entries_per_year"] = steps(("2024-01-01", 10), ("2025-01-01", 20))
    sc = scenario(d)
    jan = Clock(sc.time.start, 2).day(dt.date(2025, 1, 1))
    e = entry_days(simulate(sc, seed=1).spells)
    assert (e < jan).sum() == 10 and (e >= jan).sum() == 20
    d = budget_dict(steps(("2024-01-01", 40000), ("2025-01-01", 10000)), inflow=5)
    d["programmes"]["p"]["places"] = steps(("2024-01-01", 2), ("2025-01-01", 8))
    sc = scenario(d)
    clock = Clock(sc.time.start, 2)
    sp = simulate(sc, seed=1).spells
    e = entry_days(sp)
    assert (e == jan).sum() == 5  # 10,000 pays 5 of the 6 seats freed on 1 January
    bm = budget_monthly(sp, sc, clock)
    assert (bm["left"] >= 0).all() and bm.loc[bm["month"] == "2025-12", "left"].item() == 0


def test_report_draws_places_over_time_and_their_cost(tmp_path):
    """The report of a run with places over calendar time: the places line follows the steps month
    by month, and the cost of full occupancy sums places x cost over the months."""
    from simulation.cli import main
    from simulation.report import figures as F
    from simulation.report.data import load_results

    scen = tmp_path / "plan.toml"
    tiny = Path(__file__).parent / "scenarios" / "tiny.toml"
    scen.write_text(
        f'extends = "{tiny.as_posix()}"\n[programmes.course]\n'
        "places = [{ from = 2024-01-01, value = 40 }, { from = 2024-04-01, value = 55 }]\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    assert main(["run", str(scen), "--years", "0.5", "--out", str(out), "--quiet"]) == 0
    res = load_results(out)
    fig = F.programme_figure(res, "course", "en")
    line = [tr for tr in fig.data if (tr.name or "").endswith(": Places")][0]
    assert list(line.x) == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]
    assert list(line.y) == [40, 40, 40, 55, 55, 55]
    cost = dict(F.cost_figures(res, "en"))["cost_2024"]
    marks = [tr for tr in cost.data if tr.type == "scatter"][0]
    assert dict(zip(marks.x, marks.y))["course"] == (3 * 40 + 3 * 55) * 400


from pathlib import Path  # noqa: E402
