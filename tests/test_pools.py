"""Pools: places shared by several programmes, and one waiting list for several programmes.

Each test holds the engine against something worked out without it: Erlang C for a pool that
acts as one M/M/c queue, the eligibility rule restated from the scenario, and invariants
recomputed from the spells alone (pool occupancy within the pool's places at every admission,
members within their own places, people conserved, spells tiling each person's time line).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation.engine.clock import DAYS_PER_MONTH, Clock
from simulation.engine.model import Model, simulate
from simulation.errors import ScenarioError
from tests import theory
from tests.conftest import BASE, merge, scenario
from tests.strategies import scenario_dicts, seeds
from tests.test_properties import (
    Run,
    check_capacity,
    check_conservation,
    check_places,
    check_tiling,
    day_one_participants,
    value_at,
)

WARMUP_SERVICES = 60  # warm-up, in mean service times: the empty start is forgotten
MARGIN_SERVICES = 40  # customers joining this close to the horizon are not measured


def pool_dict(
    lam: float, mean: float, pool: dict, places: dict | None = None, years: float = 50, share: float = 0.5
) -> dict:
    """Poisson arrivals (lam per month) referred to programme a (share) or b, exponential durations with
    the same mean (months), then exit; the two programmes in pool `pool`, with own places `places`."""
    progs = {n: {"duration": {"dist": "exponential", "mean": mean}} for n in ("a", "b")}
    for n, c in (places or {}).items():
        progs[n]["places"] = c
    return merge(
        BASE,
        {
            "time": {"years": years},
            "population": {"inflow": {"per_month": lam, "segments": {"all": 1.0}}},
            "programmes": progs,
            "routes": {
                "entry": [
                    {
                        "options": [
                            {"to": "programme:a", "probability": share},
                            {"to": "programme:b", "probability": 1 - share},
                        ]
                    }
                ],
                "a": [{"options": [{"to": "exit:other", "probability": 1}]}],
                "b": [{"options": [{"to": "exit:other", "probability": 1}]}],
            },
            "pools": {"pool": {"programmes": ["a", "b"], **pool}},
        },
    )


def journeys(spells: pd.DataFrame) -> pd.DataFrame:
    """Per person and referral: when they joined a list and when they were admitted (NaN if never).

    A wait that a shared list ends with a place in another member is logged as a spell of the
    programme referred to (end reason pool_placed) followed by the participation; both are one journey.
    """
    p = spells[spells["state"] == "programme"].copy()
    placed = (p["end_reason"] == "pool_placed").to_numpy()
    # a journey starts with each spell that does not follow a pool_placed spell of the same person
    prev_placed = (
        np.r_[False, placed[:-1]] & np.r_[False, p["person_id"].to_numpy()[1:] == p["person_id"].to_numpy()[:-1]]
    )
    journey = np.cumsum(~prev_placed)
    g = p.assign(journey=journey).groupby("journey", sort=False)
    return pd.DataFrame(
        {
            "person_id": g["person_id"].first(),
            "referred": g["programme"].first(),
            "admitted_to": g["programme"].last(),
            "joined": g["waiting_start"].first(),
            "admitted": g["start"].last(),
            "end": g["end"].last(),
        }
    )


def wait_estimates(sc, seeds_) -> tuple[np.ndarray, np.ndarray]:
    """Per replication: mean wait (months) and share who waited, of journeys begun after the warm-up."""
    mean = sc.programmes["a"].duration.mean
    wq, pw = [], []
    for seed in seeds_:
        out = simulate(sc, seed=seed)
        j = journeys(out.spells)
        lo, hi = WARMUP_SERVICES * mean * DAYS_PER_MONTH, out.horizon - MARGIN_SERVICES * mean * DAYS_PER_MONTH
        j = j[(j["joined"] >= lo) & (j["joined"] < hi)]
        w = (j["admitted"].fillna(j["end"]) - j["joined"]).to_numpy(float)
        assert len(w) > 200
        wq.append(w.mean() / DAYS_PER_MONTH)
        pw.append((w > 0).mean())
    return np.array(wq), np.array(pw)


def assert_erlang_c(sc, c: int, lam: float, mean: float, seeds_, level: float = 0.95) -> dict:
    wq, pw = wait_estimates(sc, seeds_)
    wq_ci, pw_ci = theory.t_interval(wq, level), theory.t_interval(pw, level)
    report = {
        "c": c,
        "Wq": theory.mmc_wq(lam, mean, c),
        "Wq_ci": wq_ci,
        "Pw": theory.erlang_c(c, lam * mean),
        "Pw_ci": pw_ci,
    }
    assert wq_ci[1] <= report["Wq"] <= wq_ci[2], report
    assert pw_ci[1] <= report["Pw"] <= pw_ci[2], report
    return report


# --- Erlang C --------------------------------------------------------------------------------


@pytest.mark.parametrize("c,rho,share", [(4, 0.8, 0.5), (5, 0.85, 0.7)])
def test_each_list_with_pool_places_is_one_mmc_queue(c, rho, share):
    """Two programmes, each with its own list and no places of its own, sharing c pool places, Poisson
    referrals split between them, equal exponential durations: served by who waited longest, the pool is
    one FIFO M/M/c queue of the total arrival rate. Mean wait and share who wait lie in 95 % t-intervals
    over 40 replications of Erlang C."""
    mean = 1.5
    lam = rho * c / mean
    sc = scenario(pool_dict(lam, mean, {"places": c}, share=share))
    assert_erlang_c(sc, c, lam, mean, range(40))


@pytest.mark.parametrize("c1,c2,rho", [(2, 3, 0.8), (1, 4, 0.85)])
def test_shared_list_over_own_places_is_one_mmc_queue(c1, c2, rho):
    """One shared list for two programmes with c1 and c2 places of their own (no pool places), everyone
    eligible for both, equal exponential durations: M/M/(c1 + c2), in 95 % t-intervals over 40 replications."""
    mean, c = 1.5, c1 + c2
    lam = rho * c / mean
    sc = scenario(pool_dict(lam, mean, {"waiting_list": "shared"}, places={"a": c1, "b": c2}))
    assert_erlang_c(sc, c, lam, mean, range(40))


def test_each_list_without_pool_is_two_separate_queues_for_contrast():
    """The same two programmes with c = 2 + 2 own places and no pool wait longer than one pool of 4
    (two M/M/2 queues against one M/M/4): the pool makes a difference the test above can see."""
    mean, lam = 1.5, 0.8 * 4 / 1.5
    two = theory.mmc_wq(lam / 2, mean, 2)
    one = theory.mmc_wq(lam, mean, 4)
    assert two > 1.5 * one
    d = pool_dict(lam, mean, {"places": 4})
    del d["pools"]
    d["programmes"]["a"]["places"] = d["programmes"]["b"]["places"] = 2
    wq, _ = wait_estimates(scenario(d), range(8))
    assert theory.t_interval(wq, 0.95)[1] > one


# --- eligibility on a shared list --------------------------------------------------------------


def eligibility_dict(years: float = 3) -> dict:
    """Everyone referred to a (2 places, open to all); b (3 places) takes only level "high": a long shared list."""
    d = pool_dict(6.0, 1.0, {"waiting_list": "shared"}, places={"a": 2, "b": 3}, years=years, share=1.0)
    d["attributes"]["level"] = ["low", "high"]
    d["population"]["common"]["level"] = {"low": 0.6, "high": 0.4}
    d["programmes"]["b"]["eligible"] = {"level": "high"}
    d["hazards"] = {"leave": {"in": ["waiting:*", "case_management"], "to": "exit:other", "rate_per_month": 0.05}}
    return d


def test_shared_list_never_places_anyone_where_they_are_not_eligible():
    """Nobody of level low ever takes part in b; people of level high waiting for a are placed in b, and
    each place in b goes to the first eligible person on the list: nobody high who joined earlier is
    still waiting then."""
    sc = scenario(eligibility_dict())
    sp = simulate(sc, seed=4).spells
    part = sp[(sp["state"] == "programme") & sp["start"].notna()]
    in_b = part[part["programme"] == "b"]
    assert len(in_b) > 50
    assert (in_b["level"] == "high").all()
    assert (part.loc[part["programme"] == "a", "level"] == "low").any()
    j = journeys(sp)
    assert set(j["referred"]) == {"a"}
    assert (j.loc[j["admitted_to"] == "b", "person_id"].isin(sp.loc[sp["level"] == "high", "person_id"])).all()
    high = j[j["person_id"].isin(sp.loc[sp["level"] == "high", "person_id"])]
    leaves = high["admitted"].fillna(high["end"]).to_numpy(float)
    joined = high["joined"].to_numpy(float)
    for _, row in j[j["admitted_to"] == "b"].iterrows():
        t = row["admitted"]
        earlier_still_waiting = (joined < row["joined"]) & (leaves > t)
        assert not earlier_still_waiting.any(), row
    # the wait is logged under a (referred), the participation under b, one after the other
    placed = sp[sp["end_reason"] == "pool_placed"]
    assert (placed["programme"] == "a").all() and (placed["next_state"] == "programme:b").all()
    assert placed["start"].isna().all()


def test_pool_places_cap_the_members_together_and_steps_apply_on_their_date():
    """A pool of 3 places stepping to 6 on 1 July over two members with 5 places each: at most 3, then
    at most 6 take part at once, and on 1 July the pool fills its new places at once."""
    d = pool_dict(
        20.0,
        2.0,
        {"places": [{"from": "2024-01-01", "value": 3}, {"from": "2024-07-01", "value": 6}]},
        places={"a": 5, "b": 5},
        years=1,
    )
    sc = scenario(d)
    july = Clock(sc.time.start, 1).day(dt.date(2024, 7, 1))
    sp = simulate(sc, seed=2).spells
    part = sp[(sp["state"] == "programme") & sp["start"].notna()]
    start, end = part["start"].to_numpy(float), part["end"].to_numpy(float)
    for t in np.unique(start):
        busy = ((start <= t) & (t < end)).sum()
        assert busy <= (3 if t < july else 6), (t, busy)
    assert ((start <= july) & (july < end)).sum() == 6
    assert (start == july).sum() >= 3


def test_pool_scenario_gives_the_same_spells_on_the_reference_path():
    """A pool scenario gives the same spells on the batched and the one-at-a-time reference path."""
    sc = scenario(eligibility_dict(years=1))
    a = Model(sc, 7).run().spells
    b = Model(sc, 7, reference=True).run().spells
    pd.testing.assert_frame_equal(a, b, check_exact=True)


# --- properties over random scenarios with pools -----------------------------------------------


@st.composite
def pooled_scenarios(draw):
    """A random valid scenario (tests/strategies.py) with one or two pools over its programmes."""
    data = draw(scenario_dicts())
    names = sorted(data["programmes"])
    if len(names) < 2:
        data["programmes"]["extra"] = {
            "duration": {"dist": "exponential", "mean": 1.0},
            "places": draw(st.integers(0, 4)),
        }
        names.append("extra")
    members = draw(st.lists(st.sampled_from(names), min_size=2, max_size=len(names), unique=True))
    groups = [members]
    if len(members) >= 4 and draw(st.booleans()):
        groups = [members[:2], members[2:]]
    start = dt.date.fromisoformat(data["time"]["start"])
    pools = {}
    for k, group in enumerate(groups):
        shared = draw(st.booleans())
        pool: dict = {"programmes": group, "waiting_list": "shared" if shared else "each"}
        for m in group:
            data["programmes"][m].pop("cohorts", None)
            if shared:
                data["programmes"][m].get("waiting_list", {}).pop("priority", None)
        if not shared or draw(st.booleans()):
            if draw(st.booleans()):
                pool["places"] = draw(st.integers(0, 10))
            else:
                pool["places"] = [
                    {"from": str(start), "value": draw(st.integers(0, 10))},
                    {
                        "from": str(start + dt.timedelta(days=draw(st.integers(1, 300)))),
                        "value": draw(st.integers(0, 10)),
                    },
                ]
        if shared and draw(st.booleans()):
            pool["priority"] = [{"when": {"level": draw(st.sampled_from(["L0", "L1", "L2", "L3"]))}}]
        pools[f"pool{k}"] = pool
    data["pools"] = pools
    return data


def check_pool_places(r: Run) -> None:
    """At every admission into a member (alongside included), the members together use no more than the
    pool's places of that day; day-one participants hold their seats from the start and only leave."""
    sp = r.spells
    init = r.scenario.population.initial.programmes
    for pool in r.data["pools"].values():
        if "places" not in pool:
            continue
        starts, ends, day_ones = [], [], []
        for name in pool["programmes"]:
            p = sp[sp["state"].isin(["programme", "alongside"]) & (sp["programme"] == name) & sp["start"].notna()]
            ones = day_one_participants(sp, init, name)
            cand = p[(p["state"] == "programme") & p["person_id"].isin(ones) & (p["start"] <= 0)]
            first = cand.sort_values(["start", "end"], kind="stable").drop_duplicates("person_id").index
            starts.append(p["start"].to_numpy(float))
            ends.append(p["end"].to_numpy(float))
            day_ones.append(p.index.isin(first))
        check_places(
            np.concatenate(starts),
            np.concatenate(ends),
            np.concatenate(day_ones),
            lambda t, v=pool["places"]: value_at(v, r.scenario.time.start, t),
        )


def check_shared_eligibility(r: Run) -> None:
    """Whoever a shared list placed in another member was eligible for it (re-checked from the spells)."""
    from tests.test_properties import main_spells, meets

    sp = main_spells(r.spells).reset_index(drop=True)
    placed = np.flatnonzero((sp["end_reason"] == "pool_placed").to_numpy())
    levels = r.data["attributes"]
    for i in placed:
        nxt = sp.iloc[i + 1]
        assert nxt["person_id"] == sp.iloc[i]["person_id"] and nxt["state"] == "programme"
        assert nxt["waiting_start"] == nxt["start"] == sp.iloc[i]["end"]
        cond = r.data["programmes"][nxt["programme"]].get("eligible", {})
        assert meets(cond, {a: str(nxt[a]) for a in levels}, levels), nxt


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pooled_scenarios(), seeds)
def test_pools_keep_places_and_people(data, seed):
    """Pool in-use never above the pool's places, members never above their own places or quotas,
    people conserved, each person's spells tile their time line, shared lists respect eligibility."""
    s = scenario(data)
    model = Model(s, seed)
    r = Run(data, s, model.clock, model.run().spells)
    check_pool_places(r)
    check_capacity(r)
    check_conservation(r)
    check_tiling(r)
    check_shared_eligibility(r)


# --- what validation refuses -----------------------------------------------------------------


@pytest.mark.parametrize(
    "pool,path,words",
    [
        ({"programmes": ["a", "zz"], "places": 3}, "pools.pool.programmes[1]", ("defined programme", "'zz'")),
        ({"programmes": ["a"], "places": 3}, "pools.pool.programmes", ("at least 2",)),
        ({"programmes": ["a", "b"]}, "pools.pool", ("places or waiting_list", "neither")),
        (
            {"programmes": ["a", "b"], "places": 3, "priority": [{"when": {"sex": "female"}}]},
            "pools.pool.priority",
            ('only with waiting_list = "shared"',),
        ),
        ({"programmes": ["a", "b"], "places": 3, "seats": 4}, "pools.pool.seats", ("unknown key",)),
        ({"programmes": ["a", "b"], "waiting_list": "one"}, "pools.pool.waiting_list", ("'each' or 'shared'",)),
        (
            {"programmes": ["a", "b"], "places": [{"from": "2024-01-01", "value": 2.5}]},
            "pools.pool.places[0].value",
            ("whole number",),
        ),
    ],
)
def test_bad_pools_are_refused_at_their_field(pool, path, words):
    d = pool_dict(2, 1, pool, years=1)
    d["pools"]["pool"] = pool
    with pytest.raises(ScenarioError) as info:
        scenario(d)
    msgs = [m for p, m in info.value.problems if p == path]
    assert msgs, info.value.problems
    assert all(any(w in m for m in msgs) for w in words), msgs


def test_a_programme_in_two_pools_and_pooled_cohorts_are_refused():
    d = pool_dict(2, 1, {"places": 3}, years=1)
    d["programmes"]["c"] = {"duration": {"dist": "fixed", "value": 1}, "cohorts": {"class_size": 5}}
    d["pools"]["other"] = {"programmes": ["b", "c"], "waiting_list": "shared"}
    with pytest.raises(ScenarioError) as info:
        scenario(d)
    problems = dict(info.value.problems)
    assert "also in pools.pool" in problems["pools.other.programmes[0]"]
    assert "not supported" in problems["pools.other.programmes[1]"]


# --- the pool table --------------------------------------------------------------------------


def test_pool_monthly_columns_are_documented_and_count_from_the_spells():
    """pool_monthly's columns are those of docs/outputs.md; places follow the steps, participants and
    waiting at each month end are the people in the members' spells then, counted here from the spells."""
    from simulation.indicators import programme_monthly
    from simulation.indicators.pools import pool_monthly
    from tests.test_docs import DOCS, first_cell_names, md_tables, section_about

    d = pool_dict(
        20.0,
        2.0,
        {"places": [{"from": "2024-01-01", "value": 3}, {"from": "2024-07-01", "value": 6}]},
        places={"a": 5, "b": 5},
        years=1,
    )
    sc = scenario(d)
    clock = Clock(sc.time.start, 1)
    sp = simulate(sc, seed=2).spells
    pm = pool_monthly(programme_monthly(sp, sc, clock), sc, clock)
    body = section_about((DOCS / "outputs.md").read_text(encoding="utf-8"), "pool_monthly.parquet")
    documented = set().union(*(first_cell_names(t) for t in md_tables(body) if t["header"][0] == "column"))
    assert set(pm.columns) == documented
    assert list(pm["places"]) == [3] * 6 + [6] * 6
    p = sp[sp["state"] == "programme"]
    ws, st_, en = (p[c].to_numpy(float) for c in ("waiting_start", "start", "end"))
    cens = (p["end_reason"] == "censored").to_numpy()
    for m, ref in enumerate(clock.month_edges()[1:]):  # at the month's last instant, just before `ref`
        open_ = (en >= ref) | cens
        assert pm["participants_end"][m] == ((st_ < ref) & open_).sum()
        assert pm["waiting_end"][m] == ((ws < ref) & ~(st_ < ref) & open_).sum()
    # at the end of June (its last instant) the step to 6 places of 1 July is not in force yet: 3 places hold
    assert (pm["participants_end"] <= pm["places"]).all()


@pytest.mark.parametrize("pool,places", [({"places": 3}, None), ({"waiting_list": "shared"}, {"a": 1, "b": 2})])
def test_a_pool_without_own_caps_or_eligibility_serves_first_come_first_served(pool, places):
    """Two members as one queue: whoever joined earlier (whichever member they wait for) is admitted no
    later, and nobody is admitted while someone who joined earlier still waits."""
    sc = scenario(pool_dict(4.0, 1.0, pool, places=places, years=3))
    j = journeys(simulate(sc, seed=9).spells).sort_values("joined", kind="stable")
    adm = j["admitted"].to_numpy(float)
    got = adm[~np.isnan(adm)]
    assert len(got) > 100 and (j["admitted"].notna() | (j["end"] == j["end"].max())).all()
    assert (np.diff(got) >= 0).all()
    assert (j["referred"] != j["admitted_to"]).any() == (pool.get("waiting_list") == "shared")
