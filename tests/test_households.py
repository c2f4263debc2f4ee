"""Households (Bedarfsgemeinschaften) and work beside benefit, against independent figures.

- a household CTMC (matrix exponential) for household exits, jobs and the need decision;
- conservation: every eLb in one household, households leave and come back together;
- the day-one totals met exactly (hypothesis over totals), and Kassel's published ones;
- K2E3 on a hand-built spell set with a topped-up job;
- a scenario without [households]: everyone a household of one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm

from simulation.engine.clock import Clock
from simulation.engine.eventlog import STATES
from simulation.engine.model import simulate
from simulation.indicators import monthly
from simulation.indicators.prepared import Prepared
from simulation.scenario import load_scenario
from tests import theory
from tests.conftest import BASE, merge, scenario

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "scenarios" / "tiny.toml"
TINY_HOUSEHOLDS = ROOT / "tests" / "scenarios" / "tiny_households.toml"
KASSEL = ROOT / "scenarios" / "kassel_2024.toml"
MONTH = theory.DAYS_PER_MONTH


def prepared(sc, out) -> Prepared:
    return Prepared(out.spells, sc, Clock(sc.time.start, sc.time.years))


# --- the household CTMC --------------------------------------------------------------------

N_HOUSEHOLDS = 1500
LAMBDA = 0.05  # household hazard per month (other income): both members leave together
MU = 0.04  # job hazard per member in case management, per month
P1, P2 = 0.35, 0.8  # need ends with the first job, with the second


def couples(years: float = 2) -> dict:
    """Couples of two eLb in case management; jobs for ever; a household hazard."""
    return merge(
        BASE,
        {
            "time": {"years": years},
            "population": {"initial": {"size": 2 * N_HOUSEHOLDS, "households": N_HOUSEHOLDS}},
            "households": {
                "types": {"couple": {"share": 1.0, "elb": 2, "need_ends": {"1": P1, "2": P2}}},
                "hazards": {"other_income": {"to": "exit:other_income", "rate_per_month": LAMBDA}},
            },
            "employment": {"regular": {"integration": "employment"}},
            "hazards": {"job": {"in": ["case_management"], "to": "job:regular", "rate_per_month": MU}},
        },
    )


def couple_generator() -> np.ndarray:
    """States: 0 in benefit, nobody employed; 1 one topped-up earner; 2 two; 3 out of benefit."""
    q = np.zeros((4, 4))
    q[0, 1] = 2 * MU * (1 - P1)
    q[0, 3] = 2 * MU * P1 + LAMBDA
    q[1, 2] = MU * (1 - P2)
    q[1, 3] = MU * P2 + LAMBDA
    q[2, 3] = LAMBDA
    np.fill_diagonal(q, -q.sum(axis=1))
    return q


def test_household_exits_and_jobs_match_the_household_ctmc():
    """Households in each state at month ends are within 4 binomial standard errors of N p(0) expm(Q t)."""
    sc = scenario(couples())
    out = simulate(sc, seed=3)
    p = prepared(sc, out)
    m = monthly(out.spells, sc, Clock(sc.time.start, sc.time.years))
    q = couple_generator()
    jobs = out.spells[out.spells["state"] == "employment"]
    for k, t in enumerate(p.edges[1:]):
        expected = N_HOUSEHOLDS * (np.eye(4)[0] @ expm(q * t / MONTH))
        # topped-up earners per household at t: 1 or 2 (every job lasts; in benefit = household in the stock)
        ids, _, _ = p.households_open[k + 1]
        open_jobs = jobs[(jobs["start"] < t)]
        earners = open_jobs.groupby("household_id").size()
        in_benefit = pd.Series(0, index=ids).add(earners, fill_value=0).reindex(ids)
        got = np.array(
            [(in_benefit == 0).sum(), (in_benefit == 1).sum(), (in_benefit == 2).sum(), N_HOUSEHOLDS - len(ids)]
        )
        sd = np.sqrt(N_HOUSEHOLDS * (expected / N_HOUSEHOLDS) * (1 - expected / N_HOUSEHOLDS))
        assert np.all(np.abs(got - expected) <= 4 * sd + 1), (k, got, expected)
        assert m["bg_stock"].iloc[k] == len(ids)
        assert m["topped_up_stock"].iloc[k] == got[1] + 2 * got[2]


# --- conservation ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_run():
    sc = load_scenario(TINY_HOUSEHOLDS).scenario
    return sc, simulate(sc, seed=2)


def test_every_elb_in_one_household_and_sizes_as_drawn(tiny_run):
    sc, out = tiny_run
    s = out.spells
    per_person = s.groupby("person_id")["household_id"].nunique()
    assert (per_person == 1).all()  # nobody in two households, ever
    # a household's type and non-able members are the same on all its members' spells
    assert (s.groupby("household_id")[["household_type", "non_able"]].nunique(dropna=False) == 1).all().all()
    # every household has at least one eLb, and its type's eLb counts allow its size
    sizes = s.groupby("household_id")["person_id"].nunique()
    types = s.groupby("household_id")["household_type"].first()
    for name, t in sc.households.types.items():
        allowed = {t.elb} if isinstance(t.elb, int) else {int(k) for k in t.elb}
        assert set(sizes[types == name]) <= allowed, name


def test_households_leave_and_come_back_together(tiny_run):
    sc, out = tiny_run
    s = out.spells
    ben = s[~s["state"].isin(["exit", "alongside", "employment"])]
    together = set(sc.households.hazards) | {"need_covered", "job_loss_topped_up"}
    leaving = ben[ben["end_reason"].isin(together) | ben["next_state"].eq("exit:earnings").fillna(False)]
    assert len(leaving) > 20
    for _, row in leaving.iterrows():  # every member in benefit then leaves at the same instant
        mates = ben[(ben["household_id"] == row["household_id"]) & (ben["person_id"] != row["person_id"])]
        open_then = mates[(mates["start"].fillna(mates["waiting_start"]) < row["end"]) & (mates["end"] > row["end"])]
        assert open_then.empty, (row["person_id"], row["end_reason"], open_then[["person_id", "state", "end"]])
    back = s[s["end_reason"] == "household_reentry"]
    assert len(back) > 0
    for _, row in back.iterrows():  # someone of the household re-entered at that instant
        firsts = s[(s["household_id"] == row["household_id"]) & (s["end"] == row["end"]) & (s["next_state"] == "entry")]
        assert (
            len(firsts) >= 1 or (s[(s["household_id"] == row["household_id"]) & (s["end"] == row["end"])]).shape[0] > 1
        )


def test_a_jobs_end_sends_topped_up_earners_to_case_management(tiny_run):
    _, out = tiny_run
    s = out.spells
    ended = s[(s["state"] == "employed") & (s["end_reason"] == "job_ended")]
    assert len(ended) > 0 and (ended["next_state"] == "case_management").all()
    jobs = s[(s["state"] == "employment") & (s["end_reason"] == "job_ended")]
    merged = ended.merge(jobs[["person_id", "end"]], on=["person_id", "end"], how="left", indicator=True)
    assert (merged["_merge"] == "both").all()  # the employed spell ends with the job


# --- day one ---------------------------------------------------------------------------------------


@settings(max_examples=12, deadline=None, derandomize=True)
@given(st.integers(360, 420), st.floats(0.5, 0.8), st.integers(0, 3))
def test_day_one_totals_are_met_exactly(n_households, non_able_share, seed):
    size = 500  # tiny's day-one eLb; its types allow 1 to 3 eLb and 0 to 3 non-able members each
    # totals near what the types give (about 390 households; 35 % of them with 1 to 3 non-able members)
    non_able = int(non_able_share * n_households)
    sc = load_scenario(TINY_HOUSEHOLDS).scenario
    init = sc.population.initial.model_copy(update={"households": n_households, "non_able": non_able})
    sc = sc.model_copy(update={"population": sc.population.model_copy(update={"initial": init})})
    sc = sc.model_copy(update={"time": sc.time.model_copy(update={"years": 1 / 12})})
    p = prepared(sc, simulate(sc, seed=seed))
    ids, _, na = p.households_open[0]
    assert (len(ids), int(na.sum()), int(p.elb[0, 0])) == (n_households, non_able, size)


def test_kassel_reproduces_its_published_households_on_day_one():
    """12,248 BG with 25,702 recipients, of whom 16,907 eLb (May 2023, [000, 1.2])."""
    sc = load_scenario(KASSEL).scenario
    sc = sc.model_copy(update={"time": sc.time.model_copy(update={"years": 1 / 12})})
    p = prepared(sc, simulate(sc, seed=1))
    ids, _, na = p.households_open[0]
    assert (len(ids), int(p.elb[0, 0]) + int(na.sum()), int(p.elb[0, 0])) == (12248, 25702, 16907)


# --- K2E3 with a topped-up job ---------------------------------------------------------------------


def test_k2e3_counts_a_topped_up_job_as_continuous_employment():
    """Two integrations in February: A keeps benefit topped up and the job for good, B's job ends in
    April. K2E3 for February is 1/2; before households, A's topped-up job was a break."""
    sc = load_scenario(TINY_HOUSEHOLDS).scenario
    clock = Clock(sc.time.start, sc.time.years)
    h = clock.horizon
    nan = float("nan")
    rows = [  # person, state, programme, start, end, end_reason, next_state
        (0, "case_management", None, 0.0, 40.0, "integration", "employed"),
        (0, "employed", "regular", 40.0, h, "censored", None),
        (0, "employment", "regular", 40.0, h, "censored", None),
        (1, "case_management", None, 0.0, 45.0, "integration", "employed"),
        (1, "employed", "regular", 45.0, 100.0, "job_ended", "case_management"),
        (1, "employment", "regular", 45.0, 100.0, "job_ended", None),
        (1, "case_management", None, 100.0, h, "censored", None),
    ]
    spells = pd.DataFrame(rows, columns=["person_id", "state", "programme", "start", "end", "end_reason", "next_state"])
    spells["household_id"] = spells["person_id"]
    spells["household_type"] = pd.Categorical(["single"] * len(rows), categories=list(sc.households.types))
    spells["non_able"] = np.int16(0)
    spells["origin"] = pd.Categorical(["initial"] * len(rows), categories=["initial"])
    for attr, levels in sc.attributes.items():
        spells[attr] = pd.Categorical([levels[0]] * len(rows), categories=levels, ordered=True)
    spells["state"] = pd.Categorical(spells["state"], categories=list(STATES))
    spells["exit_kind"] = pd.array([None] * len(rows), dtype="string")
    spells["waiting_start"] = nan
    for c in ("programme", "end_reason", "next_state"):
        spells[c] = spells[c].astype("string")
    m = monthly(spells, sc, clock)
    feb = m.index[m["month"] == "2024-02"][0]
    assert m.loc[feb, "integrations"] == 2
    assert m.loc[feb, "integrations_continuous"] == 1
    assert m.loc[feb, "topped_up_stock"] == 2 and m.loc[feb + 2, "topped_up_stock"] == 1
    assert m.loc[feb, "integrations_ending_need"] == 0


# --- without [households] ----------------------------------------------------------------------------


def test_without_households_everyone_is_a_household_of_one():
    sc = load_scenario(TINY).scenario
    out = simulate(sc, seed=1)
    s = out.spells
    assert (s["household_id"] == s["person_id"]).all()
    assert (s["household_type"] == "single").all() and (s["non_able"] == 0).all()
    m = monthly(s, sc, Clock(sc.time.start, sc.time.years))
    assert (m["bg_stock"] == m["elb_stock"]).all() and (m["recipients"] == m["elb_stock"]).all()
    assert (m["topped_up_stock"] == 0).all()


def test_a_member_moving_out_forms_a_household_of_their_own():
    """Couples without jobs or exits; one member of some moves out (an under-25, say): each person is in one
    household at every instant, the mover's spells after the move carry a new single household, and the
    households in benefit grow by the number of moves."""
    d = couples(years=1)
    d["households"]["types"]["single"] = {"share": 0.0}
    d["households"]["hazards"] = {}
    d["hazards"] = {
        "moving_out": {
            "in": ["case_management"],
            "to": "case_management",
            "rate_per_month": 0.02,
            "leaves_household": True,
        },
        "exit": {"in": ["case_management"], "to": "exit:other", "rate_per_month": 1e-9},  # (an exit exists)
    }
    sc = scenario(d)
    out = simulate(sc, seed=5)
    s = out.spells
    moves = s[s["end_reason"] == "moving_out"]
    assert len(moves) > 50
    m = monthly(s, sc, Clock(sc.time.start, sc.time.years))
    # a move out of a couple makes one household two; a second move out of the same couple makes none
    movers = s.loc[moves.index, ["person_id", "household_id", "end"]]
    # (the day-one couples are households 0 .. N-1; a move out of a household of one changes no count)
    couple = movers[movers["household_id"] < N_HOUSEHOLDS]
    first_out = couple.sort_values("end").drop_duplicates("household_id")  # the first of each couple
    expected = N_HOUSEHOLDS + np.array(
        [(first_out["end"] < t).sum() for t in Prepared(s, sc, Clock(sc.time.start, 1)).edges[1:]]
    )
    assert (m["bg_stock"].to_numpy() == expected).all()
    for pid, row in movers.set_index("person_id").groupby(level=0).first().iterrows():
        later = s[(s["person_id"] == pid) & (s["start"] >= row["end"])]
        assert (later["household_id"] != row["household_id"]).all()
        assert (later["household_type"] == "single").all()
