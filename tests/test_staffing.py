"""Case-management staffing: hazards scaled by the caseload per case manager (engine/staffing.py).

The caseload makes the exit rate of each customer depend on how many others are still there,
so the number in case management is a pure death process with rate n x r x f(n): its
distribution over time is the matrix exponential of that chain's generator, computed here
independently of the engine and compared with the simulated counts.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pytest
import tomli_w
from scipy.sparse.linalg import expm_multiply

from simulation.cli import main
from simulation.engine.clock import DAYS_PER_MONTH, Clock
from simulation.engine.model import simulate
from simulation.errors import ScenarioError
from simulation.indicators.staffing import staffing_monthly
from tests.conftest import BASE, merge, scenario
from tests.test_docs import DOCS, first_cell_names, md_tables, section_about
from tests.theory import t_interval


def staffed_dict(
    n: int,
    rate: float,
    staff,
    elasticity: float,
    reference: float = 50.0,
    max_factor: float = 2.0,
    years: float = 1.0,
    state: str = "case_management",
) -> dict:
    """n people in case management on day one; one exit hazard, scaled by the caseload of `staff`."""
    return merge(
        BASE,
        {
            "time": {"years": years},
            "population": {"initial": {"size": n}},
            "hazards": {"h": {"in": [state], "to": "exit:employment", "rate_per_month": rate}},
            "staffing": {
                "team": {
                    "states": [state],
                    "staff": staff,
                    "reference_caseload": reference,
                    "elasticity": elasticity,
                    "max_factor": max_factor,
                    "hazards": ["h"],
                    "source": "assumption",
                }
            },
        },
    )


def factor(n: np.ndarray, staff: float, reference: float, elasticity: float, max_factor: float) -> np.ndarray:
    with np.errstate(divide="ignore"):
        f = np.where(n > 0, (reference * staff / np.maximum(n, 1)) ** elasticity, max_factor)
    return np.minimum(f, max_factor) if staff > 0 else np.zeros_like(f)


def death_generator(
    n0: int, rate_per_day: float, staff: float, reference: float, elasticity: float, max_factor: float
) -> np.ndarray:
    """Generator of the number still in case management: n -> n-1 at n x rate x f(n)."""
    n = np.arange(n0 + 1, dtype=float)
    mu = n * rate_per_day * factor(n, staff, reference, elasticity, max_factor)
    q = np.zeros((n0 + 1, n0 + 1))
    q[np.arange(1, n0 + 1), np.arange(n0)] = mu[1:]
    q[np.arange(n0 + 1), np.arange(n0 + 1)] = -mu
    return q


def remaining(spells, t: float, state: str = "case_management") -> int:
    """People whose spell in `state` is open at day t."""
    s = spells[spells["state"] == state.split(":")[0]]
    open_at = (s["end"] > t) | (s["end_reason"] == "censored")  # censored spells end at the horizon
    return int(((s["start"].fillna(s["waiting_start"]) <= t) & open_at).sum())


@pytest.mark.slow
@pytest.mark.parametrize(
    "elasticity, staff",
    [(0.5, 1.0), (1.0, 2.0), (0.7, [{"from": "2024-01-01", "value": 1}, {"from": "2024-05-01", "value": 3}])],
)
def test_caseload_death_process_matches_the_matrix_exponential(elasticity, staff):
    """Mean number left at month ends within 99.9 % t-intervals of 120 replications around the
    chain's mean; the factor's cap (no more than 2 when few are left) is reached in every case."""
    n0, rate, ref, fmax = 120, 0.25, 50.0, 2.0
    sc = scenario(staffed_dict(n0, rate, staff, elasticity, ref, fmax))
    steps = staff if isinstance(staff, list) else [{"from": "2024-01-01", "value": staff}]
    clock = Clock(sc.time.start, 1)
    step_days = [clock.day(dt.date.fromisoformat(s["from"])) for s in steps] + [math.inf]
    edges = clock.month_edges()[1:]
    # p(t) piecewise: expm of each staff level's generator between its steps
    p0 = np.zeros(n0 + 1)
    p0[n0] = 1.0
    expected, p, t_prev = [], p0, 0.0
    for t in edges:
        while t_prev < t:
            k = max(i for i, d in enumerate(step_days) if d <= t_prev + 1e-9)
            seg_end = min(t, step_days[k + 1])
            q = death_generator(n0, rate / DAYS_PER_MONTH, steps[k]["value"], ref, elasticity, fmax)
            # p expm(Q dt), by expm_multiply: scipy.linalg.expm loses probability mass (rows sum to
            # 1.04) on this bidiagonal generator with many equal rates
            p = expm_multiply((q * (seg_end - t_prev)).T, p)
            t_prev = seg_end
        expected.append(p @ np.arange(n0 + 1))
    left = np.array([[remaining(simulate(sc, seed=s).spells, t) for t in edges] for s in range(120)])
    for j, t in enumerate(edges):
        m, lo, hi = t_interval(left[:, j], 0.999)
        assert lo <= expected[j] <= hi, (t, m, lo, hi, expected[j])
    assert expected[-1] < ref * min(s["value"] for s in steps) / fmax ** (1 / elasticity)  # the cap bound


def test_without_staff_nobody_leaves_and_a_hire_starts_the_exits():
    """No staff: factor 0 until the step; from then on exits happen."""
    staff = [{"from": "2024-01-01", "value": 0}, {"from": "2024-04-01", "value": 1}]
    sc = scenario(staffed_dict(200, 0.5, staff, 1.0))
    sp = simulate(sc, seed=3).spells
    ends = sp.loc[sp["end_reason"] == "h", "end"].to_numpy(float)
    assert len(ends) > 50 and ends.min() >= 91.0 - 1e-9


def test_thinning_while_waiting_keeps_the_admission():
    """A caseload-scaled hazard on a waiting list: candidates thinned out while waiting must not
    lose the customer's place; when places open, everyone still waiting is admitted that day."""
    d = staffed_dict(300, 0.4, 1.0, 1.0, reference=30.0, state="waiting:p")
    d["population"]["initial"]["programmes"] = {"p": {"waiting": 300, "segment": "all"}}
    d["programmes"] = {
        "p": {
            "places": [{"from": "2024-01-01", "value": 0}, {"from": "2024-07-01", "value": 1000}],
            "duration": {"dist": "fixed", "value": 1},
        }
    }
    d["routes"] = {"p": [{"options": [{"to": "exit:other", "probability": 1}]}]}
    d["hazards"]["away"] = {"in": ["case_management"], "to": "exit:other", "rate_per_month": 1}
    sc = scenario(d)
    sp = simulate(sc, seed=5).spells
    part = sp[(sp["state"] == "programme") & sp["start"].notna()]
    gone = (sp["end_reason"] == "h").sum()
    assert 0 < gone < 300
    assert len(part) == 300 - gone  # everyone else got a place
    assert np.allclose(part["start"].to_numpy(float), part["start"].min()) and part["start"].min() == 182.0
    table = staffing_monthly(sp, sc, Clock(sc.time.start, 1))  # waiting:p counted from the spells
    assert table["customers"].iloc[0] == 300 - (sp.loc[sp["end_reason"] == "h", "end"] < 31).sum()
    assert table["customers"].iloc[6:].max() == 0


def test_staffing_needs_a_source_known_hazards_and_states():
    d = staffed_dict(10, 0.1, 1.0, 1.0)
    d["staffing"]["team"].update(source="", hazards=["h", "nope"], states=["case_management", "programme:x"])
    d["staffing"]["other"] = {
        "states": ["case_management"],
        "staff": 1,
        "reference_caseload": 10,
        "hazards": ["h"],
        "source": "assumption",
    }
    with pytest.raises(ScenarioError) as err:
        scenario(d)
    problems = dict(err.value.problems)
    assert "staffing.team.source" in problems
    assert "'nope'" in problems["staffing.team.hazards[1]"]
    assert "'programme:x'" in problems["staffing.team.states[1]"]
    assert "also in staffing.team" in problems["staffing.other.hazards[0]"]
    assert "also in staffing.team" in problems["staffing.other.states[0]"]
    from simulation.app.messages import german  # the app shows each of them in German

    assert all(german(m) is not None for m in problems.values()), problems


def test_staffing_monthly_counts_the_caseload_and_its_factor(tmp_path):
    """The table's customers at each month's end are the spells' open case-management spells;
    its factor is the formula at that caseload; every column is documented; `jobpath run` writes it."""
    staff = [{"from": "2024-01-01", "value": 1}, {"from": "2024-05-01", "value": 2}]
    sc = scenario(staffed_dict(150, 0.3, staff, 0.5))
    clock = Clock(sc.time.start, 1)
    sp = simulate(sc, seed=2).spells
    table = staffing_monthly(sp, sc, clock)
    edges = clock.month_edges()[1:]
    assert list(table["customers"]) == [remaining(sp, t - 1e-6) for t in edges]
    assert list(table["staff"]) == [1.0] * 4 + [2.0] * 8
    expected = np.minimum((50.0 * table["staff"] / table["customers"]) ** 0.5, 2.0)
    assert np.allclose(table["factor"], expected)
    body = section_about((DOCS / "outputs.md").read_text(encoding="utf-8"), "staffing_monthly.parquet")
    documented = set().union(*(first_cell_names(t) for t in md_tables(body) if t["header"][0] == "column"))
    assert set(table.columns) == documented
    path = tmp_path / "s.toml"
    path.write_text(tomli_w.dumps(staffed_dict(150, 0.3, staff, 0.5)))
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    assert (tmp_path / "out" / "staffing_monthly.parquet").exists()
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())


def test_a_staffed_hazard_acting_outside_the_groups_states_keeps_its_own_rate_there():
    """A hazard the group scales also acts in no contact, outside the group's states: there it runs at the rate the
    scenario gives (a binomial count of exits, e^(-rate t) left), while in case management a group without staff
    stops it (factor 0)."""
    n_cm, n_nc, rate = 500, 2000, 0.2
    data = staffed_dict(n_cm + n_nc, rate, 0.0, 0.5)
    data["population"]["initial"]["no_contact"] = {"count": n_nc, "segment": "all"}
    data["hazards"]["h"]["in"] = ["case_management", "no_contact"]
    res = simulate(scenario(data), seed=3)
    sp = res.spells
    left_cm = (sp["state"] == "case_management") & (sp["end_reason"] == "h")
    assert int(left_cm.sum()) == 0  # no staff: nobody leaves case management by h
    months = 12
    p = 1 - math.exp(-rate * months)  # each one's chance to leave no contact in a year
    left_nc = int(((sp["state"] == "no_contact") & (sp["end_reason"] == "h")).sum())
    mean, sd = n_nc * p, math.sqrt(n_nc * p * (1 - p))
    assert abs(left_nc - mean) < 4 * sd, (left_nc, mean, sd)  # not scaled by 0, nor run at max_factor (x 2)
