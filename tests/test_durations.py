"""Durations by condition: the first rule whose `when` holds for the entrant gives the duration.

Each test checks the spells against something that does not come from the engine: the lengths
written in the scenario, the theoretical mean of an exponential duration, the order of the
rules, and a budget's commitments recomputed entrant by entrant in the order they joined.
"""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulation.engine.clock import DAYS_PER_MONTH, Clock
from simulation.engine.model import Model, simulate
from simulation.indicators.budgets import budget_monthly
from simulation.results import table_digest as spells_digest
from tests.conftest import BASE, merge, scenario

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "scenarios" / "bad"


def fixed(months: float) -> dict:
    return {"dist": "fixed", "value": months}


def grouped_dict(rules: list, years: float = 2, inflow: float = 30, **extra) -> dict:
    """Arrivals of two groups (a, b: half each) into one unlimited programme whose duration follows `rules`;
    afterwards they leave. Nothing else happens in the programme, so every participation runs to its end."""
    return merge(
        BASE,
        merge(
            {
                "time": {"years": years},
                "attributes": {"group": ["a", "b"]},
                "population": {
                    "common": {"group": {"a": 0.5, "b": 0.5}},
                    "inflow": {"per_month": inflow, "segments": {"all": 1.0}},
                },
                "programmes": {"p": {"duration": rules}},
                "routes": {
                    "entry": [{"options": [{"to": "programme:p", "probability": 1}]}],
                    "p": [{"options": [{"to": "exit:other", "probability": 1}]}],
                },
            },
            extra,
        ),
    )


def completed(spells: pd.DataFrame, state: str = "programme", name: str = "p") -> pd.DataFrame:
    sp = spells[(spells["state"] == state) & (spells["programme"] == name) & (spells["end_reason"] == "completed")]
    return sp.assign(length=sp["end"] - sp["start"])


# --- lengths by group -----------------------------------------------------------------------


def test_two_groups_with_fixed_durations_get_exactly_their_length():
    """Group a: 3 months, everyone else 7; the same holds for the day-one participants (who have been in it
    for up to 2 months) and for a programme taken alongside (1 month for group a, 2 for the others)."""
    d = grouped_dict([{"when": {"group": "a"}, "duration": fixed(3)}, {"duration": fixed(7)}])
    d["population"]["initial"] = {
        "size": 40,
        "segments": {"all": 1.0},
        "programmes": {
            "p": {"participants": 40, "segment": "all", "elapsed": {"dist": "uniform", "low": 0, "high": 2}}
        },
    }
    d["programmes"]["side"] = {"duration": [{"when": {"group": "a"}, "duration": fixed(1)}, {"duration": fixed(2)}]}
    d["programmes"]["p"]["alongside"] = {"side": {"probability": 0.5}}
    sp = simulate(scenario(d), seed=11).spells
    want = {"a": 3 * DAYS_PER_MONTH, "b": 7 * DAYS_PER_MONTH}
    for state, name, lengths in (
        ("programme", "p", want),
        ("alongside", "side", {"a": DAYS_PER_MONTH, "b": 2 * DAYS_PER_MONTH}),
    ):
        done = completed(sp, state, name)
        for group, days in lengths.items():
            got = done.loc[done["group"] == group, "length"].to_numpy(float)
            assert len(got) > 20, (state, group, len(got))
            np.testing.assert_allclose(got, days, rtol=0, atol=1e-9)
    day_one = completed(sp)[completed(sp)["origin"] == "initial:p"]
    assert set(day_one["group"]) == {"a", "b"} and (day_one["start"] < 0).any()
    # nobody's spell outlasts their group's length, censored or not
    p = sp[(sp["state"] == "programme") & (sp["programme"] == "p")]
    limit = p["group"].map({"a": want["a"], "b": want["b"]}).astype(float)
    assert ((p["end"] - p["start"]) <= limit + 1e-9).all()


def test_exponential_means_by_group_match_theory():
    """Mean 2 months for group a, 6 for b. Entries during the first year only (a wave), followed for 12 years:
    a spell of mean 6 months still open after 11 years has probability e^-22, so none is censored. The
    sample mean of each group is within its 99.9 % t-interval of the theoretical mean."""
    d = grouped_dict(
        [
            {"when": {"group": "a"}, "duration": {"dist": "exponential", "mean": 2}},
            {"duration": {"dist": "exponential", "mean": 6}},
        ],
        years=12,
        inflow=0,
    )
    d["population"]["waves"] = {
        "w": {"start": "2024-01-01", "end": "2025-01-01", "per_month": 150, "segments": {"all": 1.0}}
    }
    sp = simulate(scenario(d), seed=5).spells
    p = sp[(sp["state"] == "programme") & (sp["programme"] == "p")]
    assert (p["end_reason"] == "completed").all()
    for group, mean in (("a", 2.0), ("b", 6.0)):
        x = (p.loc[p["group"] == group, "end"] - p.loc[p["group"] == group, "start"]).to_numpy(float) / DAYS_PER_MONTH
        n = len(x)
        assert n > 600
        half = stats.t.ppf(0.9995, n - 1) * x.std(ddof=1) / math.sqrt(n)
        assert abs(x.mean() - mean) <= half, (group, x.mean(), half)
        assert half < 0.15 * mean  # the test can tell 2 from 6 months


def test_first_matching_rule_wins():
    """level L2 meets both `min = L1` (2 months) and `L2` (5 months): the first rule gives 2 months. L0 meets
    neither and gets the last rule's 9 months."""
    d = grouped_dict(
        [
            {"when": {"level": {"min": "L1"}}, "duration": fixed(2)},
            {"when": {"level": "L2"}, "duration": fixed(5)},
            {"duration": fixed(9)},
        ]
    )
    d["attributes"] = {"sex": ["female", "male"], "level": ["L0", "L1", "L2"]}
    d["population"]["common"] = {"sex": "female", "level": {"L0": 0.4, "L1": 0.3, "L2": 0.3}}
    done = completed(simulate(scenario(d), seed=2).spells)
    by_level = done.groupby("level", observed=True)["length"]
    assert by_level.count().min() > 20
    np.testing.assert_allclose(by_level.min() / DAYS_PER_MONTH, [9, 2, 2], atol=1e-9)
    np.testing.assert_allclose(by_level.max() / DAYS_PER_MONTH, [9, 2, 2], atol=1e-9)


# --- the same random numbers -----------------------------------------------------------------


def test_rules_map_the_same_uniform_as_a_plain_duration():
    """A rule for group a changes group a's spells only: group b's, under the last rule (the old duration),
    are the same to the last bit. Group a's durations follow by inversion: 2 x the mean, 2 x each duration."""
    plain = grouped_dict({"dist": "exponential", "mean": 3})
    rules = grouped_dict(
        [
            {"when": {"group": "a"}, "duration": {"dist": "exponential", "mean": 6}},
            {"duration": {"dist": "exponential", "mean": 3}},
        ]
    )
    a, b = (simulate(scenario(x), seed=9).spells for x in (plain, rules))

    def spells_of(sp, group):
        p = sp[(sp["state"] == "programme") & (sp["group"] == group)]
        return p.set_index("person_id")[["start", "end"]]

    pd.testing.assert_frame_equal(spells_of(a, "b"), spells_of(b, "b"))
    sa, sb = spells_of(a, "a"), spells_of(b, "a")
    done = (sb["end"] < b["end"].max()).to_numpy()  # not censored with the longer mean
    np.testing.assert_allclose((sb["end"] - sb["start"])[done], 2 * (sa["end"] - sa["start"])[done], rtol=1e-12)


def test_reference_path_equals_the_batched_one_with_rules():
    d = grouped_dict(
        [
            {"when": {"group": "a"}, "duration": {"dist": "gamma", "mean": 4, "sd": 1}},
            {"duration": {"dist": "lognormal", "mean": 2, "sd": 1}},
        ]
    )
    d["population"]["initial"] = {
        "size": 20,
        "segments": {"all": 1.0},
        "programmes": {
            "p": {"participants": 20, "segment": "all", "elapsed": {"dist": "uniform", "low": 0, "high": 3}}
        },
    }
    sc = scenario(d)
    assert spells_digest(Model(sc, 3).run().spells) == spells_digest(Model(sc, 3, reference=True).run().spells)


def test_rules_giving_one_distribution_run_like_it():
    """Rules that all give the same distribution are that distribution: the same spells, bit for bit."""
    one = {"dist": "gamma", "mean": 4, "sd": 2}
    a = simulate(scenario(grouped_dict(one)), seed=1).spells
    b = simulate(scenario(grouped_dict([{"when": {"group": "a"}, "duration": one}, {"duration": one}])), seed=1).spells
    assert spells_digest(a) == spells_digest(b)


# --- budgets ---------------------------------------------------------------------------------

COST = 1000.0  # per month: group a commits 2 months (2000), group b 5 months (5000)


def budget_rules_dict(per_year, cohorts: dict | None = None) -> dict:
    d = grouped_dict([{"when": {"group": "a"}, "duration": fixed(2)}, {"duration": fixed(5)}], inflow=40)
    d["programmes"]["p"]["cost_per_month"] = COST
    if cohorts is not None:
        d["programmes"]["p"]["cohorts"] = cohorts
    d["budgets"] = {"b": {"programmes": ["p"], "per_year": per_year}}
    return d


def by_arrival(spells: pd.DataFrame) -> pd.DataFrame:
    """Everyone referred to p, in the order they joined its list, with what their entry commits."""
    p = spells[(spells["state"] == "programme") & (spells["programme"] == "p")].sort_values("waiting_start")
    return p.assign(commit=p["group"].map({"a": 2 * COST, "b": 5 * COST}).astype(float))


def test_budget_with_rule_dependent_commitments_stops_entries_exactly_at_the_cap():
    """The budget is set to the commitments of the first 23 arrivals exactly (learned from a run without a
    cap: the same people arrive in the same order). Exactly those 23 enter in 2024, nobody after them (not
    even a cheaper one behind the first who does not fit) until 1 January, nothing is left; in 2025 the
    next arrivals enter in order while each one's commitment fits."""
    free = by_arrival(simulate(scenario(budget_rules_dict(10**7)), seed=4).spells)
    k = 23
    cap = float(free["commit"].iloc[:k].sum())
    assert (
        free["commit"].iloc[k] > 0
        and (free["commit"].iloc[:k] == 2 * COST).any()
        and (free["commit"].iloc[:k] == 5 * COST).any()
    )
    year2 = 30000.0
    sc = scenario(budget_rules_dict([{"from": "2024-01-01", "value": cap}, {"from": "2025-01-01", "value": year2}]))
    clock = Clock(sc.time.start, 2)
    jan = clock.day(dt.date(2025, 1, 1))
    sp = simulate(sc, seed=4).spells
    p = by_arrival(sp)
    pd.testing.assert_series_equal(p["group"].reset_index(drop=True), free["group"].reset_index(drop=True))
    admitted_2024 = (p["start"] < jan).to_numpy()
    assert admitted_2024[:k].all() and not admitted_2024[k:].any()
    # 2025: the longest prefix of those still waiting whose commitments fit into 30,000
    rest = p.iloc[k:]
    fits = int(np.searchsorted(np.cumsum(rest["commit"].to_numpy()), year2 + 1e-6, side="right"))
    entered = (rest["start"] >= jan).to_numpy()
    assert entered[:fits].all() and not entered[fits:].any() and (rest["start"].iloc[:fits] == jan).all()
    bm = budget_monthly(sp, sc, clock)
    assert bm["committed"].sum() == p["commit"].iloc[: k + fits].sum()
    assert bm.loc[bm["month"] == "2024-12", "left"].item() == 0
    assert bm.loc[bm["month"] == "2025-12", "left"].item() == year2 - rest["commit"].iloc[:fits].sum()


def test_budget_with_rule_dependent_commitments_and_classes():
    """Classes of up to 5 (at least 3) start monthly; a class takes the people at the head of the list while
    each one's commitment still fits, and the first who does not fit ends it. Recomputed class by class
    from the arrival order: the year's classes are those greedy prefixes, and nobody else enters."""
    cap = 41000.0
    cohorts = {"class_size": 5, "min_size": 3, "start_every": {"value": 1, "unit": "months"}}
    d = budget_rules_dict(cap, cohorts)  # one year: a budget that stayed 0 afterwards would strand the list
    d["time"]["years"] = 1
    sc = scenario(d)
    sp = simulate(sc, seed=6).spells
    p = by_arrival(sp)
    commits = p["commit"].to_numpy()
    left, i, expected = cap, 0, 0
    while True:
        size = 0
        while size < 5 and i + size < len(commits) and commits[i + size] <= left + 1e-6:
            left -= commits[i + size]
            size += 1
        if size < 3:
            break
        i, expected = i + size, expected + size
    entered = p["start"].notna().to_numpy()
    assert expected >= 6 and entered[:expected].all() and not entered[expected:].any()
    starts = p["start"].iloc[:expected].to_numpy()
    assert (np.diff(starts) >= 0).all()  # in list order
    assert p["commit"].iloc[:expected].sum() <= cap
    assert budget_monthly(sp, sc, Clock(sc.time.start, 1))["committed"].sum() == p["commit"].iloc[:expected].sum()


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "file, field",
    [
        ("duration_rules_no_default.toml", "programmes.course.duration[1].when"),
        ("duration_rules_unknown_attribute.toml", "programmes.course.duration[0].when.nationality"),
        ("duration_rules_unknown_level.toml", "programmes.course.duration[0].when.german_level"),
        ("duration_rules_bad_distribution.toml", "programmes.course.duration[1].duration.sd"),
        ("duration_rules_unknown_kind.toml", "programmes.course.duration[0].duration.dist"),
    ],
)
def test_bad_duration_rules_exit_2_naming_file_and_field(file, field, tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "simulation.cli", "run", str(BAD / file), "--out", str(tmp_path / "out"), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2, res.stderr
    assert file in res.stderr and field in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "out").exists()


# --- everything downstream of the engine -----------------------------------------------------

TINY_RULES = """extends = "{tiny}"
name = "tiny: course by level, paid from a budget"

[[programmes.course.duration]]
when = {{ german_level = "A0" }}
duration = {{ dist = "fixed", value = 9 }}

[[programmes.course.duration]]
duration = {{ dist = "fixed", value = 7 }}

[budgets.courses]
programmes = ["course"]
per_year = 300000
"""


def test_a_run_with_rules_gives_tables_and_a_report(tmp_path):
    """`jobpath run` and `jobpath report` of a scenario with rules and a budget: the budget table's
    commitments are 400 EUR x 9 or 7 months per entry, by the level in each entry's spell."""
    from simulation.cli import main
    from simulation.report.command import main as report_main

    f = tmp_path / "rules.toml"
    f.write_text(TINY_RULES.format(tiny=(ROOT / "tests" / "scenarios" / "tiny.toml").as_posix()))
    out = tmp_path / "run"
    assert main(["run", str(f), "--years", "1", "--seed", "3", "--out", str(out), "--quiet"]) == 0
    sp = pd.read_parquet(out / "spells.parquet")
    bm = pd.read_parquet(out / "budget_monthly.parquet")
    # entries during the run (day-one waiters admitted on day one enter at 0); the day-one participants
    # started before day one (elapsed > 0) and were paid for before it
    c = sp[(sp["programme"] == "course") & sp["state"].isin(["programme", "alongside"]) & (sp["start"] >= 0)]
    want = (c["german_level"].astype(str) == "A0").map({True: 400 * 9, False: 400 * 7}).sum()
    assert len(c) > 10 and bm["committed"].sum() == pytest.approx(want, rel=1e-12)
    assert report_main([str(out), "--quiet"]) == 0


def test_app_duration_factor_scales_every_rule():
    from simulation.app import variant as V
    from simulation.scenario import validate
    from simulation.scenario.loader import read_toml

    base = read_toml((ROOT / "scenarios" / "variants" / "fbw_longer_without_degree.toml").resolve())
    ch = V.current(base)
    ch.programmes["fbw_short"].duration_factor = 1.5
    out = V.apply(base, ch)
    rules = out["programmes"]["fbw_short"]["duration"]
    assert [r.get("when") for r in rules] == [{"qualification": "none"}, None]
    assert [r["duration"]["mean"] for r in rules] == [12.0, 9.0] and [r["duration"]["sd"] for r in rules] == [3.0, 3.0]
    validate(out, "<app>")
