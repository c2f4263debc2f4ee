"""Reserved places (engine/capacity/reserved.py): places only a group may take while any of its members waits.

With every place reserved for the group, a freed place always goes to a waiting group member first:
the programme is an M/M/c queue with two classes and non-preemptive priority, equal service rates,
whose mean waits are Cobham's (1954) formulas around Erlang C. With fewer reserved places, the rule
is checked admission by admission from the spells, over random scenarios (hypothesis).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation.engine.model import simulate
from simulation.errors import ScenarioError
from tests import theory
from tests.conftest import merge, mmc_dict, scenario

MONTH = theory.DAYS_PER_MONTH


def reserved_dict(c: int, lam: float, share: float, mean: float, reserved: int, years: float, **extra) -> dict:
    """Poisson arrivals (lam a month, a share of them in group u25) into c places with exponential durations
    (mean in months), `reserved` of them for the group; then exit."""
    d = mmc_dict(lam, mean, places=c, years=years, reserved=[{"when": {"grp": "u25"}, "places": reserved}], **extra)
    return merge(
        d,
        {
            "attributes": {"grp": ["u25", "other"]},
            "population": {"common": {"grp": {"u25": share, "other": 1 - share}}},
        },
    )


def cobham_wq(c: int, lam_a: float, lam_b: float, mean: float) -> tuple[float, float]:
    """Mean waits (months) of the priority class a and of class b in M/M/c, non-preemptive priority."""
    mu = 1 / mean
    wait_all = theory.erlang_c(c, (lam_a + lam_b) * mean) / (c * mu)  # P(wait) x mean time to a free place
    s_a, s = lam_a / (c * mu), (lam_a + lam_b) / (c * mu)
    return wait_all / (1 - s_a), wait_all / ((1 - s_a) * (1 - s))


def waits_by_group(spells, lo: float, hi: float) -> dict[str, np.ndarray]:
    p = spells[(spells["state"] == "programme") & (spells["waiting_start"] >= lo) & (spells["waiting_start"] < hi)]
    w = (p["start"].fillna(p["end"]) - p["waiting_start"]).to_numpy(float) / MONTH
    return {g: w[(p["grp"] == g).to_numpy()] for g in ("u25", "other")}


@pytest.mark.parametrize("c, lam_a, lam_b", [(3, 3.6, 4.8), (2, 2.0, 3.6)])
def test_all_places_reserved_is_a_priority_queue_with_cobhams_waits(c, lam_a, lam_b):
    """99 % t-intervals over 10 replications of 50 years (warm-up 60 mean durations of a week) hold Cobham's
    mean waits of both groups; the group waits less than the others. (Ignoring the reservation puts the group's
    interval far above its formula: checked when the test was written.)"""
    mean, years = 0.25, 50
    sc = scenario(reserved_dict(c, lam_a + lam_b, lam_a / (lam_a + lam_b), mean, reserved=c, years=years))
    want_a, want_b = cobham_wq(c, lam_a, lam_b, mean)
    got = {"u25": [], "other": []}
    for seed in range(1, 11):
        out = simulate(sc, seed=seed)
        w = waits_by_group(out.spells, 60 * mean * MONTH, out.horizon - 40 * mean * MONTH)
        for g in got:
            got[g].append(w[g].mean())
    ci_a, ci_b = theory.t_interval(got["u25"], 0.99), theory.t_interval(got["other"], 0.99)
    assert ci_a[1] <= want_a <= ci_a[2], (want_a, ci_a)
    assert ci_b[1] <= want_b <= ci_b[2], (want_b, ci_b)
    assert ci_a[0] < ci_b[0]


def replay_violations(spells, places: int, reserved: int) -> list[str]:
    """Admissions that break the rule, found from the spells alone: someone outside the group admitted at t while a
    group member waits and the group holds fewer than its reserved places; and any moment with more participants
    than places."""
    p = spells[spells["state"] == "programme"]
    start = p["start"].to_numpy(float)
    end = np.where((p["end_reason"] == "censored").to_numpy(), np.inf, p["end"].to_numpy(float))
    ws = p["waiting_start"].to_numpy(float)
    member = (p["grp"] == "u25").to_numpy()
    bad = []
    admitted = ~np.isnan(start)
    for i in np.flatnonzero(admitted & ~member & (start > 0)):
        t = start[i]
        inside = admitted & (start < t) & (end >= t)  # taking part just before t
        members_in = int((inside & member).sum())
        waiting = member & (ws < t) & (~admitted | (start > t)) & (end > t)
        if waiting.any() and members_in < reserved:
            bad.append(f"non-member admitted at day {t:.3f} with {members_in} members inside and members waiting")
    for t in np.unique(start[admitted]):
        if (admitted & (start <= t) & (end > t)).sum() > places:
            bad.append(f"more than {places} taking part at day {t:.3f}")
    return bad


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    c=st.integers(1, 5),
    reserved=st.integers(1, 5),
    rho=st.floats(0.5, 1.2),
    share=st.floats(0.1, 0.9),
    seed=st.integers(0, 2**31),
)
def test_reserved_places_rule_holds_admission_by_admission(c, reserved, rho, share, seed):
    """Over random programmes (even overloaded ones): nobody outside the group enters while a member waits and
    the group has fewer than its reserved places; places are never exceeded; everyone arrives and is counted."""
    reserved = min(reserved, c)
    mean = 1.0
    sc = scenario(reserved_dict(c, rho * c / mean, share, mean, reserved, years=3))
    spells = simulate(sc, seed=seed).spells
    assert replay_violations(spells, c, reserved) == []
    p = spells[spells["state"] == "programme"]
    assert len(p) > 0 and p["person_id"].is_unique  # each arrival has one programme spell


def test_fewer_reserved_places_help_the_group_less():
    """The group's mean wait falls as more places are reserved for it, the others' rises (same seeds: common
    random numbers), and with none reserved both wait alike."""
    c, lam, share, mean = 4, 3.4, 0.4, 1.0
    means = {}
    for r in (1, 2, 4):
        sc = scenario(reserved_dict(c, lam, share, mean, r, years=30))
        w = [waits_by_group(simulate(sc, seed=s).spells, 60 * MONTH, 29 * 12 * MONTH) for s in (1, 2, 3)]
        means[r] = {g: np.mean([x[g].mean() for x in w]) for g in ("u25", "other")}
    assert means[1]["u25"] > means[2]["u25"] > means[4]["u25"]
    assert means[1]["other"] < means[2]["other"] < means[4]["other"]


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"places": None}, "programmes.p.reserved", "programme with places"),
        ({"reserved": [{"when": {"grp": "u25"}, "places": 9}]}, "programmes.p.reserved", "at most the programme's 3"),
        ({"cohorts": {"class_size": 3}}, "programmes.p.reserved", "without cohorts"),
        (
            {"reserved": [{"when": {"age": "u25"}, "places": 1}]},
            "programmes.p.reserved[0].when.age",
            "declared attributes",
        ),
        (
            {"reserved": [{"when": {"grp": "u25"}, "places": 0}]},
            "programmes.p.reserved[0].places",
            "greater than or equal to 1",
        ),
    ],
)
def test_bad_reserved_places_are_refused_with_the_field(change, field, words):
    d = reserved_dict(3, 2.0, 0.5, 1.0, 2, years=1)
    for k, v in change.items():
        if v is None:
            d["programmes"]["p"].pop(k)
        else:
            d["programmes"]["p"][k] = v
    with pytest.raises(ScenarioError) as info:
        scenario(d)
    msgs = [m for path, m in info.value.problems if path == field]
    assert msgs and any(words in m for m in msgs), info.value.problems
