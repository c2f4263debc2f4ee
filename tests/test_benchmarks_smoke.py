"""The benchmark suite runs at tiny sizes, and its building blocks agree with closed forms."""

from __future__ import annotations

import json
import math
import sys

import pytest

from benchmarks import child, networks
from benchmarks import run as bench
from simulation.engine.clock import DAYS_PER_MONTH
from simulation.scenario import validate


def test_erlang_c_matches_mm1_and_mm2_closed_forms():
    lam, mu = 0.8, 1.0
    assert networks.erlang_c_wait(lam, 1 / mu, 1) == pytest.approx(lam / (mu * (mu - lam)))
    rho = lam / (2 * mu)  # M/M/2: Lq = 2 rho^3 / (1 - rho^2)
    assert networks.erlang_c_wait(lam, 1 / mu, 2) == pytest.approx(2 * rho**3 / (1 - rho**2) / lam)
    assert networks.erlang_c_wait(3.0, 1.0, 2) == math.inf


def test_fit_exponent_recovers_a_power_law():
    xs = [1e4, 3e4, 1e5, 1e6]
    assert bench.fit_exponent(xs, [2.5 * x**1.3 for x in xs]) == pytest.approx(1.3)


def test_batch_means_of_alternating_series():
    waits = [(float(t), float(t % 2)) for t in range(400)]  # batches of 10 all have mean 0.5
    mean, se = networks.batch_means(waits, warmup=200, batches=10)
    assert mean == pytest.approx(0.5) and se == pytest.approx(0.0, abs=1e-12)


def test_chain_scenario_has_the_stated_network_and_utilisation():
    chain = networks.chain_for(20_000)
    s = validate(networks.chain_scenario(chain), "<chain>")
    per_day = s.population.inflow.per_month / DAYS_PER_MONTH
    feb = s.population.inflow.monthly_factors[1] * per_day * DAYS_PER_MONTH / 29  # February 2024 has 29 days
    assert feb == pytest.approx(chain.arrivals_per_day)
    assert [s.programmes[n].places for n in "ABC"] == [15, 10, 12]
    assert [o.probability for o in s.routes["A"][0].options] == [0.6, pytest.approx(0.4)]
    assert [o.probability for o in s.routes["B"][0].options] == [0.7, pytest.approx(0.3)]
    rate = chain.arrivals_per_day
    for name, share in (("A", 1.0), ("B", 0.6), ("C", 0.42)):
        p = s.programmes[name]
        assert rate * share * p.duration.mean / p.places == pytest.approx(0.87)


@pytest.fixture
def tiny_run(tmp_path, monkeypatch):
    """The suite at tiny sizes, without the Kassel file, scaling measured in this process."""
    monkeypatch.setattr(bench, "KASSEL", tmp_path / "missing.toml")
    monkeypatch.setattr(
        child,
        "run_child",
        lambda kind, arg, seed=1, teardown=True, timeout=None: child.measure(kind, arg, seed, teardown),
    )
    report = bench.run(
        bench.TINY,
        ("kernel", "chain", "kassel", "scaling", "parallel"),
        tmp_path / "bench",
        "tiny",
        parallel_workers=(1,),
    )
    return report, tmp_path / "bench"


def test_suite_runs_at_tiny_sizes_and_writes_its_table(tiny_run):
    report, out = tiny_run
    data = json.loads((out / "latest.json").read_text())
    assert {r["section"] for r in data["rows"]} == {"kernel", "chain", "kassel", "scaling", "parallel"}
    assert data["kassel"]["skipped"]
    table = (out / "latest.md").read_text()
    assert table.count("\n| ") == len(report.rows) + 1  # header + one line per row
    expected = networks.chain_for(bench.TINY.chain_customers).arrivals_per_day * networks.HORIZON_DAYS
    for impl in ("jobpath", "simpy"):  # Poisson arrivals: within 5 sd of the mean
        assert abs(data["chain"]["best"][impl]["customers"] - expected) < 5 * math.sqrt(expected)
    assert data["kernel"]["timeouts"]["events"] == bench.TINY.kernel_events + 2  # + the process starting and ending
    assert all(r["customers"] >= n // 2 for r, n in zip(data["scaling"]["runs"], bench.TINY.scaling))
    assert len(data["parallel"]["1"]["job_seconds"]) == bench.TINY.parallel_reps


def test_child_process_reports_memory_and_time():
    r = child.run_child("generic", "200")
    assert r["customers"] >= 100 and r["events"] > r["customers"] and r["free_cpu_s"] > 0
    assert r["peak_rss_mb"] >= r["rss_after_imports_mb"] > 10
    assert 0 < r["sim_cpu_s"] < 30


def test_startup_timer_measures_a_subprocess():
    assert 0 < bench.best_time([sys.executable, "-c", "pass"], 1) < 30


def test_national_section_runs_job_centres_as_shards_on_dask(tmp_path):
    report = bench.run(bench.TINY, ("national",), tmp_path / "bench", "tiny")
    data = report.data["national"]
    assert data["backend"].startswith("Dask")
    assert data["customer_years"] >= sum(n // 2 for n in bench.TINY.shards) * 2 * bench.TINY.shard_years
    assert data["rate"] > 0 and data["core_hours"] == pytest.approx(
        bench.GERMANY_ELB * 2 * 5 * 100 / data["rate"] / 3600
    )
