"""The engine against queueing theory: Erlang C, Little's law, CTMC occupancies, M/M/infinity.

Scenario times are in months (365.25/12 days); the simulation clock and the spells are in days.
An inflow of `per_month` is a Poisson process with the constant rate per_month / 30.44 per day.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.engine.clock import Clock
from simulation.engine.model import simulate
from simulation.indicators import programme_monthly
from tests import theory
from tests.conftest import BASE, merge, mmc_dict, scenario

MONTH = theory.DAYS_PER_MONTH
YEARS = 50  # the longest horizon a scenario allows
WARMUP_SERVICES = 60  # warm-up, in mean service times: the empty start is forgotten
MARGIN_SERVICES = 40  # customers joining this close to the horizon are not measured


# --- helpers -----------------------------------------------------------------------------


def mmc(c: int | None, lam: float, mean: float, years: float = YEARS):
    """M/M/c (M/M/inf if c is None): lam arrivals per month at a constant daily rate, mean in months."""
    d = mmc_dict(lam, mean, places=c, years=years)
    return scenario(d)


def wait_sample(spells, lo: float, hi: float) -> np.ndarray:
    """Waits (days) of programme customers who joined the list in [lo, hi).

    Someone still waiting at the horizon counts with the wait so far; with hi at least
    MARGIN_SERVICES mean service times before the horizon this happens with probability
    below exp(-MARGIN_SERVICES * c * (1 - rho)) <= 1e-5 per customer here.
    """
    p = spells[(spells["state"] == "programme") & (spells["waiting_start"] >= lo) & (spells["waiting_start"] < hi)]
    start = p["start"].fillna(p["end"]).to_numpy(float)
    return start - p["waiting_start"].to_numpy(float)


def replication_estimates(c: int, rho: float, mean: float, seeds) -> tuple[np.ndarray, np.ndarray]:
    """Per replication: mean wait (months) and share who waited, after warm-up."""
    lam = rho * c / mean
    sc = mmc(c, lam, mean)
    wq, pw = [], []
    for seed in seeds:
        out = simulate(sc, seed=seed)
        w = wait_sample(out.spells, WARMUP_SERVICES * mean * MONTH, out.horizon - MARGIN_SERVICES * mean * MONTH)
        assert len(w) > 200
        wq.append(w.mean() / MONTH)
        pw.append((w > 0).mean())
    return np.array(wq), np.array(pw)


def check_erlang_c(c: int, rho: float, mean: float, seeds, level: float) -> dict:
    """Assert Erlang C's Wq and P(wait) lie in the replication t-intervals; return the numbers."""
    lam = rho * c / mean
    wq_theory = theory.mmc_wq(lam, mean, c)
    pw_theory = theory.erlang_c(c, lam * mean)
    wq, pw = replication_estimates(c, rho, mean, seeds)
    wq_ci, pw_ci = theory.t_interval(wq, level), theory.t_interval(pw, level)
    report = {"c": c, "rho": rho, "Wq": wq_theory, "Wq_ci": wq_ci, "Pw": pw_theory, "Pw_ci": pw_ci}
    assert wq_ci[1] <= wq_theory <= wq_ci[2], report
    assert pw_ci[1] <= pw_theory <= pw_ci[2], report
    return report


def month_lengths(sc) -> np.ndarray:
    """Days in each calendar month of the run: weights for time averages of monthly means."""
    return np.diff(np.asarray(Clock(sc.time.start, sc.time.years).month_edges(), float))


# --- the reference formulas themselves ---------------------------------------------------


def test_erlang_c_matches_textbook_values():
    """Erlang C against closed forms: M/M/1 P(wait) = rho, M/M/2 P(wait) = 2 rho^2 / (1 + rho).

    Table value: 3 servers, 2 Erlangs offered -> P(wait) = 4/9 = 0.444 (standard Erlang C table
    entry; by hand: a^c/c! * c/(c-a) = 4 against 1 + 2 + 2 = 5 for the first terms, 4/(5+4)).
    """
    for rho in (0.3, 0.6, 0.9):
        assert theory.erlang_c(1, rho) == pytest.approx(rho)
        assert theory.erlang_c(2, 2 * rho) == pytest.approx(2 * rho**2 / (1 + rho))
        assert theory.mmc_wq(rho / 2.0, 2.0, 1) == pytest.approx(theory.mm1_wq(rho / 2.0, 2.0))
    assert theory.erlang_c(3, 2.0) == pytest.approx(4 / 9)
    assert theory.mmc_wq(2.0, 1.0, 3) == pytest.approx(4 / 9)  # C / (c mu - lambda) = (4/9) / 1


# --- 1. Erlang C ---------------------------------------------------------------------------


@pytest.mark.parametrize("c,rho", [(3, 0.85), (4, 0.8), (5, 0.7)])
def test_mmc_wait_matches_erlang_c(c, rho):
    """Mean wait and probability of waiting in M/M/c lie in 95 % t-intervals over 40 replications."""
    check_erlang_c(c, rho, mean=1.5, seeds=range(40), level=0.95)


@pytest.mark.slow
@settings(max_examples=5, deadline=None, derandomize=True)
@given(c=st.integers(2, 6), rho=st.floats(0.5, 0.85), mean=st.floats(0.5, 2.0), base=st.integers(0, 10**6))
def test_mmc_wait_matches_erlang_c_property(c, rho, mean, base):
    """Same check over drawn c, utilisation and mean duration, with looser 99.9 % intervals."""
    check_erlang_c(c, rho, mean, seeds=range(base, base + 25), level=0.999)


# --- 2. Little's law on the monthly programme table ----------------------------------------

LITTLE_C, LITTLE_RHO, LITTLE_MEAN = 10, 0.85, 1.5


@pytest.fixture(scope="module")
def little_run():
    sc = mmc(LITTLE_C, LITTLE_RHO * LITTLE_C / LITTLE_MEAN, LITTLE_MEAN)
    out = simulate(sc, seed=11)
    clock = Clock(sc.time.start, sc.time.years)
    return sc, out, programme_monthly(out.spells, sc, clock)


def test_little_law_waiting_list(little_run):
    """Time-average waiting list = entry rate x mean wait, from programme_monthly alone.

    Started empty, the area under the waiting-list curve is exactly the waits of everyone who
    entered plus the partial waits of those still waiting at the horizon, so L >= lambda W and
    the gap is a boundary term of order (queue at the end x its wait) / horizon: well under 1 %
    for a 50-year run with a queue of a few people waiting a month or so. Tolerance: 1 %.
    """
    sc, out, pm = little_run
    days = month_lengths(sc)
    horizon = days.sum()
    L = (pm["waiting"].to_numpy() * days).sum() / horizon
    entries = pm["entries"].to_numpy()
    mean_wait = np.nansum(pm["mean_wait_days"].to_numpy() * entries) / entries.sum()
    lam = entries.sum() / horizon
    assert L >= lam * mean_wait - 1e-9
    assert L == pytest.approx(lam * mean_wait, rel=0.01)
    # and the boundary term is what the people still queued at the horizon account for
    gap = (L - lam * mean_wait) * horizon
    still = out.spells[(out.spells["state"] == "programme") & out.spells["start"].isna()]
    assert gap == pytest.approx((out.horizon - still["waiting_start"]).sum(), rel=1e-6, abs=1e-6)


def test_little_law_participants(little_run):
    """Time-average participants = entry rate x E[S], with E[S] the scenario's mean duration.

    The sum of n exponential durations has relative sd 1/sqrt(n) (~1.7 % for n ~ 3,400 entries);
    the run's end truncates at most c = 10 durations (~0.05 %). Tolerance: 4/sqrt(n) + 0.5 %.
    """
    sc, _, pm = little_run
    days = month_lengths(sc)
    horizon = days.sum()
    L = (pm["participants"].to_numpy() * days).sum() / horizon
    n = pm["entries"].sum()
    predicted = n / horizon * LITTLE_MEAN * MONTH
    assert L == pytest.approx(predicted, rel=4 / math.sqrt(n) + 0.005)
    assert pm["participants_end"].max() <= LITTLE_C


# --- 3. a pure-exponential chain against its CTMC ------------------------------------------

N_CTMC = 20_000
RATES = {"to_a": 0.25, "pension": 0.03, "moved": 0.05}  # per month
MEAN_A, P_B = 2.0, 0.4  # programme a: months, share going on to b
MEAN_B, P_CM = 4.0, 0.6  # programme b: months, share back to case management
STATES = ["case_management", "a", "b", "employment", "other", "pension", "moved_away"]


def ctmc_scenario():
    """N people in case management on day one, no inflow, no capacity limits, only exponential clocks."""
    return scenario(
        merge(
            BASE,
            {
                "time": {"years": 3},
                "population": {"initial": {"size": N_CTMC, "segments": {"all": 1.0}}},
                "programmes": {
                    "a": {"duration": {"dist": "exponential", "mean": MEAN_A}},
                    "b": {"duration": {"dist": "exponential", "mean": MEAN_B}},
                },
                "routes": {
                    "a": [
                        {
                            "options": [
                                {"to": "programme:b", "probability": P_B},
                                {"to": "exit:employment", "probability": 1 - P_B},
                            ]
                        }
                    ],
                    "b": [
                        {
                            "options": [
                                {"to": "case_management", "probability": P_CM},
                                {"to": "exit:other", "probability": 1 - P_CM},
                            ]
                        }
                    ],
                },
                "hazards": {
                    "to_a": {"in": ["case_management"], "to": "programme:a", "rate_per_month": RATES["to_a"]},
                    "pension": {"in": ["case_management"], "to": "exit:pension", "rate_per_month": RATES["pension"]},
                    "moved": {"in": ["programme:b"], "to": "exit:moved_away", "rate_per_month": RATES["moved"]},
                },
            },
        )
    )


def generator() -> np.ndarray:
    """The chain's generator matrix, per day, written from the same parameters."""
    i = {s: k for k, s in enumerate(STATES)}
    q = np.zeros((len(STATES), len(STATES)))
    q[i["case_management"], i["a"]] = RATES["to_a"]
    q[i["case_management"], i["pension"]] = RATES["pension"]
    q[i["a"], i["b"]] = P_B / MEAN_A
    q[i["a"], i["employment"]] = (1 - P_B) / MEAN_A
    q[i["b"], i["case_management"]] = P_CM / MEAN_B
    q[i["b"], i["other"]] = (1 - P_CM) / MEAN_B
    q[i["b"], i["moved_away"]] = RATES["moved"]
    q[np.diag_indices_from(q)] = -q.sum(1)
    return q / MONTH


def occupancy(spells, times: np.ndarray) -> np.ndarray:
    """Number of people in each of STATES at each time (rows: times)."""
    state = spells["state"].astype(str).to_numpy()
    label = np.where(
        state == "programme",
        spells["programme"].astype(str).to_numpy(),
        np.where(state == "exit", spells["exit_kind"].astype(str).to_numpy(), state),
    )
    enter = spells["waiting_start"].fillna(spells["start"]).to_numpy(float)
    end = np.where(spells["end_reason"] == "censored", np.inf, spells["end"].to_numpy(float))
    inside = (enter[:, None] <= times[None, :]) & (times[None, :] < end[:, None])
    return np.array([[inside[label == s, k].sum() for s in STATES] for k in range(len(times))])


def test_exponential_chain_matches_ctmc():
    """Occupancy at month ends is within 4 binomial standard errors of N p(0) expm(Q t)."""
    sc = ctmc_scenario()
    out = simulate(sc, seed=5)
    spells = out.spells
    prog = spells[spells["state"] == "programme"]
    assert (prog["start"] == prog["waiting_start"]).all()  # unlimited places: nobody waits
    edges = np.asarray(Clock(sc.time.start, sc.time.years).month_edges(), float)
    times = edges[[1, 2, 3, 6, 9, 12, 18, 24, 30, 36]]
    got = occupancy(spells, times)
    assert (got.sum(1) == N_CTMC).all()  # spells tile every timeline
    p0 = np.eye(len(STATES))[0]
    p = theory.ctmc_occupancy(generator(), p0, times)
    expected = N_CTMC * p
    se = np.sqrt(N_CTMC * p * (1 - p))
    z = (got - expected) / np.maximum(se, 1e-12)
    assert np.abs(z).max() < 4, {
        "z": np.round(z, 2).tolist(),
        "got": got.tolist(),
        "expected": np.round(expected, 1).tolist(),
    }


# --- 4. M/M/infinity -----------------------------------------------------------------------


def test_infinite_server_programme_has_no_wait_and_little_mean():
    """Without places nobody waits, and the mean number in the programme is lambda E[S].

    N(t) is Poisson(lambda E[S]) with autocorrelation exp(-tau/E[S]), so the time average over
    T has variance about 2 lambda E[S]^2 / T; tolerance: 4 such standard deviations.
    """
    lam, mean = 20.0, 2.5  # per month, months
    sc = mmc(None, lam, mean)
    out = simulate(sc, seed=2)
    prog = out.spells[out.spells["state"] == "programme"]
    assert len(prog) > 10_000
    assert (prog["start"] == prog["waiting_start"]).all()
    pm = programme_monthly(out.spells, sc, Clock(sc.time.start, sc.time.years))
    assert (pm["waiting"] == 0).all() and (pm["waiting_end"] == 0).all()
    warm = 24  # months; E N(t) is within exp(-24/2.5) ~ 7e-5 of its limit
    days = month_lengths(sc)[warm:]
    L = (pm["participants"].to_numpy()[warm:] * days).sum() / days.sum()
    T = days.sum() / MONTH
    sd = math.sqrt(2 * lam * mean**2 / T)
    assert abs(L - lam * mean) < 4 * sd, (L, lam * mean, sd)
