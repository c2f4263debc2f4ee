"""The § 48a SGB II indicators against a small spells table worked out by hand.

Five people over two years (2024-2025, horizon day 731; month ends on days 31, 60, 91, 121,
152, 182, 213, 244, 274, 305, 335, 366, 397, 425, ...). Every expected number below is
counted from the table by hand, not by the code under test:

- P0 female, on benefit since day -800 (LZB), integrated into work on day 100 (April), stays
  out of benefit: a continuous integration of an LZB.
- P1 male, on benefit since day -100, integrated on day 50 (February), back on day 200 (July):
  not continuous (the six months after February end on day 244).
- P2 female single parent, arrives on day 10 (January), enters subsidised work (integration on
  entry) on day 45 (February), exits into work on day 400 (February 2025): two integrations,
  both continuous (the work programme and the exit adjoin).
- P3 male, on benefit since day -700 (LZB), in AGH (publicly funded employment) days 30-300.
- P4 female, on benefit since day -600: becomes LZB on day 38 (February), a mini-job
  (marginal employment) from day 150 (May).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.batch import stats
from simulation.engine.clock import Clock
from simulation.engine.eventlog import STATES
from simulation.errors import ScenarioError
from simulation.indicators import monthly, registry
from simulation.run import replicate
from simulation.scenario import load_scenario

SCENARIO = """
name = "hand"
[time]
start = 2024-01-01
years = 2
[attributes]
sex = ["female", "male"]
household = ["other", "single_parent"]
[population.common]
sex = { female = 0.5, male = 0.5 }
household = "other"
[population.segments.all]
attributes = {}
[population.initial]
size = 4
segments = { all = 1 }
[population.inflow]
per_month = 1
segments = { all = 1 }
[programmes.wage]
duration = { dist = "fixed", value = 12 }
integration_on_entry = "employment"
[programmes.agh]
duration = { dist = "fixed", value = 9 }
[programmes.minijob]
duration = { dist = "fixed", value = 24 }
[hazards.integration]
in = ["case_management"]
to = "exit:employment"
rate_per_month = 0.05
"""
MARKED = """
[indicators]
marginal_employment = ["minijob"]
public_employment = ["agh"]
single_parent = { attribute = "household", level = "single_parent" }
"""
H = 731.0
NAN = float("nan")
#            person origin   sex       household      state              programme exit_kind  wait_start start  end   end_reason        next_state
ROWS = [
    (0, "initial", "female", "other", "prior_benefit", None, None, NAN, -800, 0, "simulation_start", None),
    (0, "initial", "female", "other", "case_management", None, None, NAN, 0, 100, "integration", "exit:employment"),
    (0, "initial", "female", "other", "exit", None, "employment", NAN, 100, H, "censored", None),
    (1, "initial", "male", "other", "prior_benefit", None, None, NAN, -100, 0, "simulation_start", None),
    (1, "initial", "male", "other", "case_management", None, None, NAN, 0, 50, "integration", "exit:employment"),
    (1, "initial", "male", "other", "exit", None, "employment", NAN, 50, 200, "reentry", "case_management"),
    (1, "initial", "male", "other", "case_management", None, None, NAN, 200, H, "censored", None),
    (2, "inflow", "female", "single_parent", "case_management", None, None, NAN, 10, 40, "referral", "programme:wage"),
    (2, "inflow", "female", "single_parent", "programme", "wage", None, 40, 45, 400, "completed", "exit:employment"),
    (2, "inflow", "female", "single_parent", "exit", None, "employment", NAN, 400, H, "censored", None),
    (3, "initial", "male", "other", "prior_benefit", None, None, NAN, -700, 0, "simulation_start", None),
    (3, "initial", "male", "other", "case_management", None, None, NAN, 0, 20, "referral", "programme:agh"),
    (3, "initial", "male", "other", "programme", "agh", None, 20, 30, 300, "completed", "case_management"),
    (3, "initial", "male", "other", "case_management", None, None, NAN, 300, H, "censored", None),
    (4, "initial", "female", "other", "prior_benefit", None, None, NAN, -600, 0, "simulation_start", None),
    (4, "initial", "female", "other", "case_management", None, None, NAN, 0, 150, "referral", "programme:minijob"),
    (4, "initial", "female", "other", "programme", "minijob", None, 150, 150, H, "censored", None),
]


def spells() -> pd.DataFrame:
    cols = [
        "person_id",
        "origin",
        "sex",
        "household",
        "state",
        "programme",
        "exit_kind",
        "waiting_start",
        "start",
        "end",
        "end_reason",
        "next_state",
    ]
    df = pd.DataFrame(ROWS, columns=cols)
    df["origin"] = pd.Categorical(df["origin"], categories=["initial", "inflow"])
    df["sex"] = pd.Categorical(df["sex"], categories=["female", "male"], ordered=True)
    df["household"] = pd.Categorical(df["household"], categories=["other", "single_parent"], ordered=True)
    df["state"] = pd.Categorical(df["state"], categories=list(STATES))
    for c in ("programme", "exit_kind", "end_reason", "next_state"):
        df[c] = df[c].astype("string")
    for c in ("waiting_start", "start", "end"):
        df[c] = df[c].astype(float)
    return df


def table(tmp_path, marked: bool) -> pd.DataFrame:
    f = tmp_path / "hand.toml"
    f.write_text(SCENARIO + (MARKED if marked else ""), encoding="utf-8")
    sc = load_scenario(f).scenario
    clock = Clock(sc.time.start, sc.time.years)
    assert clock.horizon == H
    return monthly(spells(), sc, clock)


@pytest.fixture(scope="module")
def mo(tmp_path_factory):
    return table(tmp_path_factory.mktemp("hand"), marked=True)


def col(mo, name):
    return mo[name].to_numpy(float)


def test_stocks_and_flows_by_hand(mo):
    # eLb at the month ends of 2024 and January/February 2025
    assert list(mo["elb_stock"][:14]) == [5, 4, 4, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 3]
    assert list(mo["lzb_stock"][:5]) == [2, 3, 3, 2, 2]
    assert mo["inflows_female"][0] == 1 and mo["inflows_male"][6] == 1 and mo["inflows"].sum() == 2
    assert (
        mo["outflows_male"][1] == 1 and mo["outflows_female"][3] == 1 and mo["outflows_female"][13] == 1
    )  # P2 leaves for work


def test_k1e2_k1e3_k1e4(mo):
    assert np.isnan(col(mo, "elb_change")[:12]).all()
    assert mo["elb_change"][12] == pytest.approx(4 / 5 - 1) and mo["elb_change"][13] == pytest.approx(3 / 4 - 1)
    assert np.isnan(col(mo, "inflow_rate")[:11]).all()
    assert mo["inflow_rate"][11] == pytest.approx((1 / 5 + 1 / 4) / 12)  # Jan: P2 of 5; Jul: P1 of 4
    assert mo["outflow_rate"][11] == pytest.approx((1 / 5 + 1 / 4) / 12)  # Feb: P1 of 5; Apr: P0 of 4
    # by sex: men's stock 2 in January (P1, P3), 1 from February to June, 2 from July
    assert mo["outflow_rate_male"][11] == pytest.approx((1 / 2) / 12)
    assert mo["inflow_rate_male"][11] == pytest.approx((1 / 2) / 12)


def test_k2e1_k2e2_quotas(mo):
    assert mo["public_entries"][0] == 1 and mo["public_entries_male"][0] == 1 and mo["public_entries"].sum() == 1
    assert mo["marginal_entries"][4] == 1 and mo["marginal_entries_female"][4] == 1
    assert mo["public_quota"][11] == pytest.approx(1 / (46 / 12))
    assert mo["public_quota_male"][11] == pytest.approx(1 / (19 / 12))
    assert mo["marginal_quota"][11] == pytest.approx(1 / (46 / 12))


def test_k2e3_continuous_employment_after_integration(mo):
    """Integrations: Feb (P1 not continuous, P2 continuous), Apr (P0), Feb 2025 (P2, by exit)."""
    assert list(mo["integrations"][:14]) == [0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    cont = col(mo, "integrations_continuous")
    assert list(cont[:18]) == [0, 1, 0, 1] + [0] * 9 + [1] + [0] * 4
    assert np.isnan(cont[18:]).all()  # the six months after lie beyond the horizon
    assert mo["integrations_continuous_male"][1] == 0 and mo["integrations_continuous_female"][1] == 1
    share = col(mo, "continuous_share")
    assert np.isnan(share[:11]).all() and np.isnan(share[18:]).all()
    assert share[11] == pytest.approx(2 / 3)
    assert share[13] == pytest.approx(1.0)  # Mar 2024 - Feb 2025: P0 and P2, both continuous
    assert mo["continuous_share_male"][11] == 0.0


def test_k2e4_single_parents(mo):
    assert list(mo["elb_stock_single_parent"][:14]) == [1] * 13 + [0]
    assert mo["integrations_single_parent"][1] == 1 and mo["integrations_single_parent"][13] == 1
    assert mo["single_parent_iq"][11] == pytest.approx(1.0)
    assert mo["single_parent_iq_female"][11] == pytest.approx(1.0)
    assert np.isnan(mo["single_parent_iq_male"][11])  # no single fathers: no stock, no quota


def test_k3_and_its_supplements(mo):
    assert mo["integrations_lzb"].sum() == 1 and mo["integrations_lzb"][3] == 1
    assert mo["lzb_iq"][11] == pytest.approx(1 / (26 / 12))
    assert list(mo["lzb_in_programme"][:11]) == [1, 1, 1, 1, 2, 2, 2, 2, 2, 1, 1]
    assert mo["lzb_activation"][0] == pytest.approx(1 / 2) and mo["lzb_activation"][1] == pytest.approx(1 / 3)
    assert mo["lzb_activation"][4] == pytest.approx(1.0)
    assert mo["lzb_inflows"][1] == 1 and mo["lzb_inflows_female"][1] == 1 and mo["lzb_inflows"].sum() == 1
    assert mo["lzb_outflows"][3] == 1 and mo["lzb_outflows"].sum() == 1
    assert mo["lzb_inflow_rate"][11] == pytest.approx((1 / 3) / 12)
    assert mo["lzb_outflow_rate"][11] == pytest.approx((1 / 3) / 12)  # March's 3 LZB before April
    assert mo["lzb_change"][12] == pytest.approx(0.0) and mo["lzb_change"][13] == pytest.approx(2 / 3 - 1)
    # the stock moves by the flows exactly (day one: P0 and P3)
    prev = np.r_[2, mo["lzb_stock"].to_numpy()[:-1]]
    assert (mo["lzb_stock"] == prev + mo["lzb_inflows"] - mo["lzb_outflows"]).all()


def test_not_marked_means_empty_not_zero(tmp_path):
    mo = table(tmp_path, marked=False)
    for name in (
        "marginal_entries",
        "marginal_quota",
        "public_entries",
        "public_quota_female",
        "elb_stock_single_parent",
        "integrations_single_parent",
        "single_parent_iq",
    ):
        assert mo[name].isna().all(), name
    assert mo["lzb_activation"][0] == pytest.approx(1 / 2)  # the rest does not depend on the marks


def test_yearly_rules_of_the_new_columns(mo):
    """Yearly: flows summed (empty if a month is empty), quotas from the yearly parts, changes and
    12-month averages from December."""
    m = pd.concat([pd.DataFrame({"scenario": "hand", "replication": 1}, index=mo.index), mo], axis=1)
    pm = pd.DataFrame(
        {
            c: pd.Series(dtype=float)
            for c in ["month", "programme", "participants", "waiting", "entries", "mean_wait_days", "cost"]
        }
    )
    pm = pm.astype({"month": str, "programme": str}).assign(scenario="hand", replication=1)
    y = stats.yearly(m, pm).set_index(["period", "indicator"])["value"]
    assert y["2024", "integrations_continuous"] == 2 and math.isnan(y["2025", "integrations_continuous"])
    assert y["2024", "continuous_share"] == pytest.approx(2 / 3) and math.isnan(y["2025", "continuous_share"])
    assert y["2024", "lzb_iq"] == pytest.approx(1 / (26 / 12))
    assert y["2024", "public_quota"] == pytest.approx(1 / (46 / 12))
    assert y["2024", "inflow_rate"] == mo["inflow_rate"][11]
    assert y["2025", "elb_change"] == mo["elb_change"][23]
    assert y["2024", "lzb_activation"] == pytest.approx(
        mo["lzb_in_programme"][:12].mean() / mo["lzb_stock"][:12].mean()
    )


# --- the registry: every monthly column declared, every entry documented -------------------

ROOT = Path(__file__).resolve().parent.parent
RULE_WORDS = {registry.SUM: "sum", registry.MEAN: "mean", registry.LAST: "last month", registry.RATIO: "ratio"}


@pytest.fixture(scope="module")
def tiny_monthly():
    return replicate(load_scenario(ROOT / "tests" / "scenarios" / "tiny.toml"), 1, 1).monthly


def test_every_monthly_column_has_a_declared_yearly_rule(tiny_monthly, mo):
    for table_ in (tiny_monthly, mo):
        for c in table_.columns:
            if c == "month":
                continue
            ind, suffix = registry.lookup(c)  # raises for an undeclared column
            assert ind.yearly in registry.RULES and c == ind.name + suffix
            if ind.yearly == registry.RATIO:
                num, den = registry.ratio_parts(c)
                assert num in table_.columns and den in table_.columns, c
    with pytest.raises(registry.UnknownColumn):
        registry.lookup("made_up_column")


def test_every_registry_entry_is_in_outputs_md_with_its_rule():
    text = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8")
    body = text.split("## `monthly.parquet`")[1].split("\n## ")[0]
    rows = {}
    for line in body.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 4:
            for name in re.findall(r"`([^`]+)`", cells[0]):
                rows.setdefault(name, cells)
    for ind in registry.INDICATORS:
        assert ind.name in rows, f"{ind.name}: no row in the monthly.parquet table of docs/outputs.md"
        if "sex" in ind.by:
            assert any(f"{ind.name}_<sex>" in r[0] for r in rows.values()), f"{ind.name}_<sex> not documented"
        per_year = rows[ind.name][3]
        assert per_year.startswith(RULE_WORDS[ind.yearly]), f"{ind.name}: per year '{per_year}', registry {ind.yearly}"
        if ind.yearly == registry.RATIO:
            assert f"`{ind.num}` / `{ind.den}`" in per_year, ind.name
        if ind.code:
            assert f"**{ind.code}**" in rows[ind.name][2] or ind.code == "K2", ind.name
            assert re.search(rf"^\| {ind.code} \|.*\| `{ind.name}` \|", body, flags=re.M), (
                f"{ind.code} missing from the Kennzahlen table of docs/outputs.md"
            )


@pytest.mark.parametrize(
    "marks, path, words",
    [
        (
            'public_employment = ["agh", "ahg"]',
            "indicators.public_employment[1]",
            ("expected a defined programme", "found 'ahg'"),
        ),
        (
            'marginal_employment = ["agh"]\npublic_employment = ["agh"]',
            "indicators.public_employment",
            ("not also listed in marginal_employment", "['agh']"),
        ),
        (
            'single_parent = { attribute = "family", level = "single" }',
            "indicators.single_parent.attribute",
            ("expected one of the declared attributes", "found 'family'"),
        ),
        (
            'single_parent = { attribute = "household", level = "single" }',
            "indicators.single_parent.level",
            ("expected a level of 'household'", "found 'single'"),
        ),
    ],
)
def test_bad_indicator_marks_are_refused_clearly(tmp_path, marks, path, words):
    f = tmp_path / "bad.toml"
    f.write_text(SCENARIO + "[indicators]\n" + marks + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(f)
    problems = dict(info.value.problems)
    assert path in problems, problems
    assert all(w in problems[path] for w in words), problems[path]


# --- a simulated run, checked person by person ----------------------------------------------


@pytest.fixture(scope="module")
def tiny_two_years():
    loaded = load_scenario(ROOT / "tests" / "scenarios" / "tiny.toml")
    rep = replicate(loaded, 3, 2)
    return rep.run.spells, rep.monthly, Clock(loaded.scenario.time.start, 2)


def test_k2e3_and_k3e1_person_by_person(tiny_two_years):
    """tiny.toml integrates by exits only: walk each person's spells in order. An integration is a
    benefit spell ending in an exit into work (the first per person and month); continuous if the
    exit spell lasts to the end of the sixth month after; LZB if on benefit on >= 638 of the 730
    days before."""
    spells, mo, clock = tiny_two_years
    edges = np.asarray(clock.month_edges())
    n = len(edges) - 1
    cont, lzb = np.zeros(n), np.zeros(n)
    main = spells[spells["state"] != "alongside"]
    for _, p in main.groupby("person_id", sort=False):
        rows = list(p.itertuples())
        seen = set()
        benefit = [
            (r.start if np.isnan(r.waiting_start) else r.waiting_start, r.end) for r in rows if r.state != "exit"
        ]
        for k, r in enumerate(rows):
            if r.state == "exit" or not str(r.next_state).startswith("exit:employment"):
                continue
            m = int(np.searchsorted(edges, r.end, side="left")) - 1
            if not 0 <= m < n or m in seen:
                continue
            seen.add(m)
            if m + 6 < n:
                cont[m] += rows[k + 1].end >= edges[m + 7]
            days = sum(max(0.0, min(b, r.end) - max(a, r.end - 730)) for a, b in benefit)
            lzb[m] += days >= 638 - 1e-9
    got = mo["integrations_continuous"].to_numpy(float)
    assert np.array_equal(got[: n - 6], cont[: n - 6]) and np.isnan(got[n - 6 :]).all()
    assert np.array_equal(mo["integrations_lzb"].to_numpy(float), lzb)
    assert cont.sum() > 0 and lzb.sum() > 0 and (cont < mo["integrations"]).any()


def test_identities_of_a_run(tiny_two_years):
    _, mo, _ = tiny_two_years
    for name in ("inflows", "outflows", "integrations_continuous", "lzb_inflows", "lzb_in_programme"):
        assert (mo[f"{name}_female"] + mo[f"{name}_male"]).equals(
            mo[name].astype(mo[f"{name}_female"].dtype)
        ) or np.allclose(mo[f"{name}_female"] + mo[f"{name}_male"], mo[name], equal_nan=True), name
    day_one = mo["lzb_stock"][0] - mo["lzb_inflows"][0] + mo["lzb_outflows"][0]
    prev = np.r_[day_one, mo["lzb_stock"].to_numpy()[:-1]]
    assert (mo["lzb_stock"] == prev + mo["lzb_inflows"] - mo["lzb_outflows"]).all()
    assert (mo["lzb_in_programme"] <= mo["lzb_stock"]).all() and mo["lzb_in_programme"].sum() > 0
    assert (mo["integrations_lzb"] <= mo["integrations"]).all()
    assert ((mo["continuous_share"].dropna() >= 0) & (mo["continuous_share"].dropna() <= 1)).all()


def test_k3e2_counts_only_measures_of_active_labour_market_policy():
    """An LZB taking part in a programme listed in `[indicators] not_measures` is not activated (K3E2): with the
    programme listed the numerator is 0, without it everyone taking part counts; the LZB stock is the same."""
    from simulation.engine.clock import Clock
    from simulation.engine.model import simulate
    from simulation.indicators import monthly
    from tests.conftest import BASE, merge, scenario

    d = merge(
        BASE,
        {
            "time": {"years": 1},
            "population": {
                "segments": {"all": {"months_in_benefit": {"dist": "fixed", "value": 30}}},
                "initial": {"size": 200, "programmes": {"course": {"participants": 50, "segment": "all"}}},
            },
            "programmes": {"course": {"places": 50, "duration": {"dist": "fixed", "value": 24}}},
            "hazards": {"out": {"in": ["case_management"], "to": "exit:other", "rate_per_month": 0.01}},
        },
    )
    with_course = monthly(simulate(scenario(d), seed=1).spells, scenario(d), Clock(scenario(d).time.start, 1))
    d["indicators"] = {"not_measures": ["course"]}
    sc = scenario(d)
    without = monthly(simulate(sc, seed=1).spells, sc, Clock(sc.time.start, 1))
    assert (with_course["lzb_in_programme"] == 50).all()  # all 50 course participants are LZB, all year
    assert (without["lzb_in_programme"] == 0).all()
    assert (with_course["lzb_stock"] == without["lzb_stock"]).all()
