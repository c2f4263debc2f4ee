"""The building blocks of `jobpath optimise`: the spec file, a mix's cost, and KN's selection guarantee."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.batch.worker import apply_overrides
from simulation.optimise.mix import base_mix, cost, limits, overrides, violation
from simulation.optimise.selection import KN, eta, paired, select
from simulation.optimise.spec import SpecError, check_against, read_spec
from simulation.scenario import load_scenario
from simulation.scenario.loader import validate

PLAN = "scenarios/variants/kassel_2024_2026.toml"


def spec_file(tmp_path, text: str):
    p = tmp_path / "opt.toml"
    p.write_text(text, encoding="utf-8")
    return p


GOOD = """
[[variables]]
programme = "agh"
from = 2025-01-01
min = 200
max = 400
step = 10

[[variables]]
programme = "fbw_short"
from = 2025-01-01
min = 100
max = 200
step = 10

[objective]
maximise = "integrations"
year = 2025

[constraint]
budgets = true
years = [2025]

[selection]
delta = 10
"""


def test_eta_matches_kim_and_nelson():
    """eta = ((2 alpha/(k-1))^(-2/(n0-1)) - 1)/2: k = 2, alpha = 0.05, n0 = 3 gives (0.1^-1 - 1)/2 = 4.5."""
    assert eta(2, 0.95, 3) == pytest.approx(4.5)
    assert eta(11, 0.95, 5) == pytest.approx(0.5 * ((0.1 / 10) ** (-0.5) - 1))


def _slippage(k: int, delta: float, sd, rho: float, seed: int, macro: int, batch: int):
    """Share of macro-replications in which KN picks the best system under the least favourable
    configuration (best exactly delta above all others), normal outputs correlated by common numbers."""
    rng = np.random.default_rng(seed)
    mu = np.zeros(k)
    mu[0] = delta
    right, reps = 0, []
    for _ in range(macro):
        cache: dict[int, np.ndarray] = {}

        def observe(systems, replications, cache=cache):
            out = {}
            for j in replications:
                if j not in cache:
                    cache[j] = rng.normal(size=k + 1)
                z = cache[j]
                for i in systems:
                    out[(i, j)] = mu[i] + sd[i] * (np.sqrt(rho) * z[k] + np.sqrt(1 - rho) * z[i])
            return out

        best, kn, _ = select(observe, k, delta, 0.95, 5, 100_000, batch=batch)
        right += best == 0
        reps.append(kn.r)
    return right / macro, float(np.mean(reps))


def test_kn_probability_of_correct_selection_is_at_least_the_confidence():
    """400 macro-replications, 5 systems, unequal variances, common random numbers, two replications per
    round: the empirical PCS is at least 0.95 up to its binomial error (lower 99 % bound 0.95 - 0.028)."""
    pcs, mean_r = _slippage(5, 1.0, [1.0, 1.5, 2.0, 1.0, 3.0], 0.25, seed=7, macro=400, batch=2)
    assert pcs >= 0.95 - 2.33 * np.sqrt(0.95 * 0.05 / 400)
    assert mean_r > 5  # it did go beyond the first stage


def test_kn_drops_clearly_worse_systems_at_once():
    """Differences without noise (constant across replications): the region is closed at once and only
    the best is left after the first stage."""
    kn = KN(3, delta=1.0, confidence=0.95, n0=5)
    base = np.array([0.1, -0.2, 0.05, 0.0, 0.1])
    kn.start(np.vstack([base + 10, base, base + 9.5]))
    assert kn.alive == [0] and kn.eliminated_at == {1: 5, 2: 5}


def test_paired_interval_of_a_constant_difference_is_that_difference():
    m, lo, hi, n = paired([3.0, 4.0, 5.0], [1.0, 2.0, 3.0, 9.0])
    assert (m, lo, hi, n) == (2.0, 2.0, 2.0, 3)


def test_spec_errors_name_the_field(tmp_path):
    bad = spec_file(tmp_path, GOOD.replace("min = 200", "min = 500").replace("delta = 10", "delta = -1"))
    with pytest.raises(SpecError) as e:
        read_spec(bad)
    text = str(e.value)
    assert "invalid optimisation spec" in text and "variables[0]" in text and "selection.delta" in text
    sc = load_scenario(PLAN)
    wrong = spec_file(tmp_path, GOOD.replace('"fbw_short"', '"nowhere"').replace("year = 2025", "year = 2031"))
    with pytest.raises(SpecError) as e:
        check_against(read_spec(wrong), sc.scenario, 3)
    assert "variables[1].programme" in str(e.value) and "objective.year" in str(e.value)
    unlimited = spec_file(tmp_path, GOOD.replace('"fbw_short"', '"egz"'))
    with pytest.raises(SpecError, match="unlimited places"):
        check_against(read_spec(unlimited), sc.scenario, 3)


def test_cli_refuses_a_bad_spec_with_exit_code_2(tmp_path):
    from simulation.optimise.spec import SpecError as E

    assert issubclass(E, Exception)
    with pytest.raises(SpecError, match="file not found"):
        read_spec(tmp_path / "missing.toml")


def test_mix_overrides_change_only_the_decided_places():
    spec = read_spec(spec_file_static())
    sc = load_scenario(PLAN)
    mix = (250, 170)
    data = apply_overrides(sc.resolved, overrides(spec, sc.scenario, mix))
    new = validate(data, PLAN)
    agh = [(s.from_.isoformat(), s.value) for s in new.programmes["agh"].places]
    assert agh == [("2024-01-01", 320), ("2025-01-01", 250)]
    assert [s.value for s in new.programmes["fbw_short"].places] == [130, 170]
    assert new.programmes["zico"].places == sc.scenario.programmes["zico"].places
    assert base_mix(spec, sc.scenario) == (290, 150)


def spec_file_static():
    import tempfile
    from pathlib import Path

    p = Path(tempfile.mkdtemp()) / "opt.toml"
    p.write_text(GOOD, encoding="utf-8")
    return p


def test_cost_of_full_occupancy_by_hand():
    """The 2025 cost changes by exactly the places moved x 12 months x cost per place and month."""
    spec = read_spec(spec_file_static())
    sc = load_scenario(PLAN).scenario
    a, b = cost(spec, sc, (290, 150), 3), cost(spec, sc, (300, 140), 3)
    agh, fbw = sc.programmes["agh"].cost_per_month, sc.programmes["fbw_short"].cost_per_month
    assert b.total[2025] - a.total[2025] == pytest.approx(12 * (10 * agh - 10 * fbw))
    assert b.total[2024] == a.total[2024]  # 2024 is not decided
    assert b.budgets["eingliederung"][2025] - a.budgets["eingliederung"][2025] == pytest.approx(
        b.total[2025] - a.total[2025]
    )
    assert set(limits(spec, sc, 3)["eingliederung"]) == {2025}
    assert limits(spec, sc, 3)["eingliederung"][2025] == pytest.approx(17071346)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 20), st.integers(0, 10))
def test_violation_is_zero_exactly_when_within_the_budget(i, j):
    spec = read_spec(spec_file_static())
    sc = load_scenario(PLAN).scenario
    mix = (200 + 10 * i, 100 + 10 * j)
    spent = cost(spec, sc, mix, 3).budgets["eingliederung"][2025]
    cap = limits(spec, sc, 3)["eingliederung"][2025]
    v = violation(spec, sc, mix, 3)
    assert v == pytest.approx(max(0.0, spent - cap))


def test_a_mix_evaluated_on_a_backend_is_the_same_in_this_process_and_in_workers(tmp_path):
    """One mix, two replications: the objective equals the batch's own yearly figure for the same seeds
    (the evaluation is the batch's replication with the places overridden), on the serial backend and in
    two worker processes alike."""
    from simulation.batch.backends import LocalProcesses, Serial
    from simulation.batch.plan import replication_seed
    from simulation.batch.runner import BatchSpec, long_values, run_batch
    from simulation.optimise.evaluate import Evaluation, evaluate
    from tests.conftest import merge, mmc_dict

    data = mmc_dict(20, 3, 50, years=1)
    path = tmp_path / "mmc.toml"
    import tomli_w

    path.write_bytes(tomli_w.dumps(merge(data, {"programmes": {"p": {"places": 55}}})).encode())
    terms = (("programme.p.entries", "year", "2024", 1.0), ("programme.p.waiting", "year", "2024", -0.5))
    jobs = [
        Evaluation("m-55", str(path), data, k, replication_seed(3, k), 1.0, (("programmes.p.places", 55),), terms)
        for k in (1, 2)
    ]
    serial, parallel = [], []
    with Serial() as b:
        b.map(jobs, "", serial.append, fn=evaluate)
    with LocalProcesses(2) as b:
        b.map(jobs, "", parallel.append, fn=evaluate)
    key = lambda r: r["replication"]  # noqa: E731
    assert [r["objective"] for r in sorted(serial, key=key)] == [r["objective"] for r in sorted(parallel, key=key)]
    res = run_batch(BatchSpec([str(path)], replications=2, seed=3, out=str(tmp_path / "b"), workers=1), progress=False)
    y = long_values(res.out, res.used)
    y = y[(y["period_type"] == "year") & (y["period"] == "2024")].set_index(["indicator", "replication"])["value"]
    for r in serial:
        k = r["replication"]
        assert r["terms"] == [y[("programme.p.entries", k)], y[("programme.p.waiting", k)]]
        assert r["objective"] == y[("programme.p.entries", k)] - 0.5 * y[("programme.p.waiting", k)]
