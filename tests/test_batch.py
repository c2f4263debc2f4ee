"""Batch runs: the same results whatever the backend, a lost Dask worker, interrupt and resume,
refusals, the replications algorithm (--precision), paired comparison and the DuckDB views.

All batches use tests/scenarios/tiny.toml (and its variant) over a few months, so a replication
takes well under a second.
"""

from __future__ import annotations

import gc
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from scipy import stats as sps

from simulation.batch import precision as alg
from simulation.batch.backends import LocalProcesses
from simulation.batch.plan import jobs_for, replication_seed, scenario_refs
from simulation.batch.runner import BatchSpec, run_batch
from simulation.cli import main

HERE = Path(__file__).parent
TINY, VARIANT = HERE / "scenarios" / "tiny.toml", HERE / "scenarios" / "variant_tiny.toml"
SCENARIOS = ("tiny", "variant_tiny")
YEARS, SEED, REPS = 0.5, 7, 5
TABLES = ("runs", "monthly", "programme_monthly", "spells")
TIMING = ["seconds", "sim_seconds"]  # wall times in the runs table: the only columns allowed to differ


def batch(out: Path, **kw):
    """The reference batch spec (both scenarios, REPS replications, seed SEED), run in this process."""
    spec = {
        "scenarios": [str(TINY), str(VARIANT)],
        "replications": REPS,
        "years": YEARS,
        "out": str(out),
        "seed": SEED,
        "workers": 1,
    }
    return run_batch(BatchSpec(**{**spec, **kw}), progress=False)


def cli_args(out: Path, *extra: str) -> list[str]:
    return [
        "batch",
        str(TINY),
        str(VARIANT),
        "--replications",
        str(REPS),
        "--years",
        str(YEARS),
        "--seed",
        str(SEED),
        "--out",
        str(out),
        "--quiet",
        *extra,
    ]


def rep_files(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in Path(out).glob("*/*/rep-*.parquet"))


def runs_done(out: Path) -> int:
    return len(list(Path(out).glob("runs/*/rep-*.parquet")))


def assert_same_results(out: Path, ref: Path) -> None:
    """Every per-replication file and the summary equal bit for bit (runs: except wall times)."""
    assert rep_files(out) == rep_files(ref)
    for rel in rep_files(ref):
        a, b = pd.read_parquet(Path(out) / rel), pd.read_parquet(Path(ref) / rel)
        if rel.startswith("runs/"):
            a, b = a.drop(columns=TIMING), b.drop(columns=TIMING)
        assert_frame_equal(a, b, check_exact=True, obj=rel)
    assert_frame_equal(
        pd.read_parquet(Path(out) / "summary.parquet"),
        pd.read_parquet(Path(ref) / "summary.parquet"),
        check_exact=True,
        obj="summary.parquet",
    )


def assert_each_replication_once(out: Path, scenarios=SCENARIOS, n: int = REPS, temporaries: bool = False) -> None:
    """runs lists every (scenario, replication) exactly once; every table has its file; no temporaries
    (unless allowed: a worker killed while writing leaves its temporary file behind)."""
    runs = pd.concat([pd.read_parquet(p) for p in Path(out).glob("runs/*/rep-*.parquet")], ignore_index=True)
    keys = list(zip(runs["scenario"], runs["replication"]))
    expected = [(s, k) for s in scenarios for k in range(1, n + 1)]
    assert sorted(keys) == sorted(expected)
    for table in TABLES:
        for s, k in expected:
            f = Path(out) / table / s / f"rep-{k:04d}.parquet"
            assert f.exists(), f
            assert set(
                pd.read_parquet(f, columns=["scenario", "replication"])
                .drop_duplicates()
                .itertuples(index=False, name=None)
            ) == {(s, k)}
    assert temporaries or not list(Path(out).rglob("*.tmp"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """An undisturbed serial batch: what every other way of running must reproduce."""
    out = tmp_path_factory.mktemp("reference") / "batch"
    batch(out)
    return out


# --- the same results whatever the backend ----------------------------------------------------------


def test_reference_batch_is_complete_and_seeded_per_replication(reference):
    """Each replication ran once with its planned seed, and replications differ from one another."""
    assert_each_replication_once(reference)
    runs = pd.concat([pd.read_parquet(p) for p in reference.glob("runs/*/rep-*.parquet")])
    for row in runs.itertuples():
        assert int(row.seed) == replication_seed(SEED, row.replication)
    m1 = pd.read_parquet(reference / "monthly/tiny/rep-0001.parquet")
    m2 = pd.read_parquet(reference / "monthly/tiny/rep-0002.parquet")
    assert not m1.drop(columns="replication").equals(m2.drop(columns="replication"))
    # common random numbers: replication k of both scenarios uses the same seed
    assert (runs.groupby("replication")["seed"].nunique() == 1).all()


@pytest.mark.parametrize(
    "backend", [{"workers": 2}, {"workers": None, "dask": "local:2"}], ids=["local-processes-2", "dask-local-2"]
)
def test_backends_give_bit_identical_results(reference, tmp_path, backend):
    """Local processes and a Dask LocalCluster reproduce the serial batch bit for bit."""
    out = tmp_path / "batch"
    result = batch(out, **backend)
    assert ("Dask" in result.backend) == ("dask" in backend)
    assert_each_replication_once(out)
    assert_same_results(out, reference)


# --- a lost Dask worker ------------------------------------------------------------------------------


def test_killed_dask_worker_loses_and_duplicates_nothing(reference, tmp_path):
    """SIGKILL one of two Dask workers after the first replication is done: the batch still ends with
    every replication exactly once and the undisturbed results."""
    from dask.distributed import Client, LocalCluster

    out = tmp_path / "batch"
    seen: dict = {}
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
    ) as cluster:
        # not the current client: the batch must use its own connection, as it does from the command line
        client = Client(cluster, set_as_default=False)
        pids = client.run(os.getpid)

        def kill_one():
            deadline = time.monotonic() + 120
            while runs_done(out) == 0 and time.monotonic() < deadline:
                time.sleep(0.005)
            busy = {w: len(ts) for w, ts in client.processing().items()}
            victim = max(busy, key=busy.get)
            seen.update(done=runs_done(out), tasks_on_victim=busy[victim], pid=pids[victim])
            os.kill(pids[victim], signal.SIGKILL)

        killer = threading.Thread(target=kill_one, daemon=True)
        killer.start()
        result = batch(out, workers=None, dask=cluster.scheduler_address)
        killer.join(10)
        after = client.run(os.getpid)
        client.close()
    assert "Dask" in result.backend
    assert seen and seen["done"] < 2 * REPS, f"the kill came after the batch: {seen}"
    assert seen["tasks_on_victim"] > 0, "the killed worker held no task"
    assert seen["pid"] not in after.values()
    assert_each_replication_once(out, temporaries=True)
    assert_same_results(out, reference)
    print(
        f"\nkilled a worker holding {seen['tasks_on_victim']} task(s) after {seen['done']} replication(s); "
        f"temporary files left: {len(list(out.rglob('*.tmp')))}"
    )


# --- interrupt and resume ----------------------------------------------------------------------------


def _start(out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "simulation.cli", *cli_args(out, *extra)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


@pytest.mark.parametrize("workers,to_group", [("1", False), ("2", True)], ids=["serial-sigint", "processes-ctrl-c"])
def test_interrupt_then_resume_gives_the_uninterrupted_results(reference, tmp_path, workers, to_group):
    """SIGINT once a replication is on disk: exit 130 with a message; --resume runs only the missing
    replications and ends with the uninterrupted batch's files. (processes-ctrl-c: SIGINT to the whole
    process group, as a terminal's Ctrl-C does.)"""
    out = tmp_path / "batch"
    proc = _start(out, "--workers", workers)
    deadline = time.monotonic() + 120
    while runs_done(out) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    (os.killpg if to_group else os.kill)(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "--resume" in err
    done = {p: p.stat().st_mtime_ns for p in out.glob("runs/*/rep-*.parquet")}
    assert 0 < len(done) < 2 * REPS, "the interrupt did not land in the middle of the batch"

    assert main(cli_args(out, "--resume", "--workers", "1")) == 0
    assert {p: p.stat().st_mtime_ns for p in done} == done  # finished replications were not rerun
    assert_each_replication_once(out)
    assert_same_results(out, reference)


def test_interrupted_local_processes_start_no_new_replication(tmp_path):
    """A KeyboardInterrupt in the main process (SIGINT sent to jobpath alone, e.g. `kill -INT`) must stop
    the pool from starting queued replications: at most the running and already dispatched ones finish."""
    jobs = jobs_for(scenario_refs([str(TINY)])[0], list(range(1, 13)), SEED, 0.25)
    backend = LocalProcesses(2)

    def interrupt(row):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), backend:
        backend.map(jobs, str(tmp_path), interrupt)
    del backend  # as when the exception unwinds run_batch and the CLI returns 130
    gc.collect()
    for t in threading.enumerate():  # what interpreter exit waits for
        if type(t).__name__ == "_ExecutorManagerThread":
            t.join(120)
    assert runs_done(tmp_path) < len(jobs)


def small_args(scenario: Path, out: Path, seed: int = 3, *extra: str) -> list[str]:
    return [
        "batch",
        str(scenario),
        "-n",
        "1",
        "--years",
        "0.25",
        "--seed",
        str(seed),
        "--out",
        str(out),
        "--workers",
        "1",
        "--quiet",
        *extra,
    ]


@pytest.fixture
def small_batch(tmp_path) -> tuple[Path, Path]:
    """A finished one-replication batch of a copy of tiny.toml: (scenario file, output directory)."""
    scenario, out = tmp_path / "tiny.toml", tmp_path / "small"
    scenario.write_text(TINY.read_text())
    assert main(small_args(scenario, out)) == 0
    return scenario, out


def _mtimes(out: Path) -> dict:
    return {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def test_existing_results_need_resume_or_overwrite(small_batch, capsys):
    """A second run into a finished batch's directory is refused (exit 2, nothing touched) unless
    --overwrite says to start again."""
    scenario, out = small_batch
    before = _mtimes(out)
    capsys.readouterr()
    assert main(small_args(scenario, out)) == 2
    err = capsys.readouterr().err
    assert str(out) in err and "--resume" in err and "--overwrite" in err
    assert _mtimes(out) == before
    assert main(small_args(scenario, out, 3, "--overwrite")) == 0
    assert_each_replication_once(out, ("tiny",), 1)


def test_resume_refuses_a_different_seed_or_changed_scenario(small_batch, capsys):
    """--resume continues only the batch that was started: another seed, or the same file with other
    content, exits 2 and leaves the results alone."""
    scenario, out = small_batch
    before = _mtimes(out)
    capsys.readouterr()
    assert main(small_args(scenario, out, 4, "--resume")) == 2
    assert "seed" in capsys.readouterr().err
    scenario.write_text(TINY.read_text().replace("per_month = 25", "per_month = 26"))
    assert main(small_args(scenario, out, 3, "--resume")) == 2
    assert "unchanged files" in capsys.readouterr().err
    assert _mtimes(out) == before
    scenario.write_text(TINY.read_text())
    assert main(small_args(scenario, out, 3, "--resume")) == 0  # the same batch: nothing left to do
    assert_each_replication_once(out, ("tiny",), 1)
    assert {p: m for p, m in _mtimes(out).items() if "rep-" in p.name} == {
        p: m for p, m in before.items() if "rep-" in p.name
    }


# --- the replications algorithm ----------------------------------------------------------------------


def rhw(x) -> float:
    """Relative half-width of the 95 % t interval, computed independently of the engine."""
    x = np.asarray(x, float)
    if np.ptp(x) == 0:
        return 0.0
    low, high = sps.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=sps.sem(x))
    return (high - low) / 2 / abs(x.mean())


def hoad(values: list[float], p: float, initial: int, budget: int):
    """Hoad, Robinson & Davies: the first n >= initial whose precision holds for n..n+kLimit(n)."""

    def k_limit(n: int) -> int:
        return 5 if n <= 100 else math.floor(0.05 * n)

    n = initial
    while n + k_limit(n) <= min(budget, len(values)):
        if all(rhw(values[:m]) <= p for m in range(n, n + k_limit(n) + 1)):
            return n, n + k_limit(n)
        n += 1
    return None


@pytest.mark.parametrize("n,k", [(1, 5), (5, 5), (50, 5), (100, 5), (120, 6), (200, 10), (1000, 50)])
def test_k_limit(n, k):
    assert alg.k_limit(n) == k


def test_decide_waits_for_the_initial_replications_then_the_look_ahead():
    const = [100.0] * 20
    assert alg.decide({"x": const[:3]}, 0.05, 5, 50) == alg.Decision(False, 5, None)
    assert alg.decide({"x": const[:7]}, 0.05, 5, 50) == alg.Decision(False, 10, None)
    assert alg.decide({"x": const[:10]}, 0.05, 5, 50) == alg.Decision(True, 10, 5)
    assert alg.decide({"x": const}, 0.05, 5, 50) == alg.Decision(True, 10, 5)


def test_decide_rejects_a_solution_broken_within_the_look_ahead():
    """Precise at n = 5..9 but not at n = 10 (the 5th look-ahead): n = 5 is no solution."""
    v = [100.0] * 9 + [300.0] + [100.0 + (i % 3) for i in range(200)]
    assert all(rhw(v[:n]) <= 0.1 for n in range(2, 10)) and rhw(v[:10]) > 0.1
    n_star = next(n for n in range(10, 200) if rhw(v[:n]) <= 0.1)  # rhw falls steadily after the outlier
    assert all(rhw(v[:m]) <= 0.1 for m in range(n_star, n_star + 6))
    assert alg.decide({"x": v}, 0.1, 5, 200) == alg.Decision(True, n_star + 5, n_star)
    assert hoad(v, 0.1, 5, 200) == (n_star, n_star + 5)
    # every indicator must hold: a second, always precise indicator changes nothing
    assert alg.decide({"x": v, "y": [7.0] * 210}, 0.1, 5, 200) == alg.Decision(True, n_star + 5, n_star)


def test_decide_reports_not_converged_at_the_budget():
    noisy = [0.0, 100.0] * 20
    assert alg.decide({"x": noisy[:12]}, 0.05, 5, 12) == alg.Decision(True, 12, None)
    assert alg.decide({"x": noisy[:8]}, 0.05, 5, 12) == alg.Decision(False, 9, None)
    # precise from n = 5, but 5 + kLimit = 10 exceeds a budget of 8
    assert alg.decide({"x": [100.0] * 8}, 0.05, 5, 8) == alg.Decision(True, 8, None)


def test_decide_matches_the_published_rule_on_random_sequences():
    rng = np.random.default_rng(12)
    for case in range(60):
        values = list(rng.lognormal(3, rng.uniform(0.05, 0.6), 60))
        p, budget = rng.uniform(0.03, 0.2), int(rng.integers(10, 61))
        d = alg.decide({"x": values[:budget]}, p, 5, budget)
        expected = hoad(values, p, 5, budget)
        assert d.done
        assert (d.solution, d.need) == (expected if expected else (None, budget)), case


PRECISION_ARGS = [
    "batch",
    str(TINY),
    "--years",
    "0.25",
    "--seed",
    "1",
    "--replications",
    "30",
    "--precision",
    "0.05",
    "--indicators",
    "lzb_stock",
    "--quiet",
]


def _lzb_by_replication(out: Path) -> list[float]:
    """Mean monthly LZB stock of each replication kept, read from the files."""
    files = sorted((out / "monthly" / "tiny").glob("rep-*.parquet"))
    return [pd.read_parquet(f)["lzb_stock"].mean() for f in files]


def test_precision_run_states_n_and_convergence_independent_of_workers(tmp_path):
    """--precision: N is the published rule's N on the kept replications, the same with 1 or 2 workers."""
    reports = {}
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        assert main(PRECISION_ARGS + ["--out", str(out), "--workers", workers]) == 0
        rep = json.loads((out / "precision.json").read_text())["tiny"]
        values = _lzb_by_replication(out)
        solution, n = hoad(values, 0.05, 5, 30)
        assert (rep["solution"], rep["replications"], rep["converged"]) == (solution, n, True)
        assert len(values) == runs_done(out) == n
        assert rep["indicators"]["lzb_stock"]["converged"] is True
        assert rep["indicators"]["lzb_stock"]["relative_half_width"] == pytest.approx(rhw(values), rel=1e-9)
        assert pd.read_parquet(out / "summary.parquet")["n"].max() == n
        reports[workers] = rep
    assert reports["1"] == reports["2"]
    assert rep_files(tmp_path / "w1") == rep_files(tmp_path / "w2")
    print(f"\n--precision 0.05 on lzb_stock: N = {reports['1']['replications']} (solution {reports['1']['solution']})")


def test_precision_not_reached_within_budget(tmp_path):
    out = tmp_path / "b"
    args = [a if a not in ("30", "0.05") else {"30": "6", "0.05": "0.001"}[a] for a in PRECISION_ARGS]
    assert main(args + ["--out", str(out), "--workers", "1"]) == 0
    rep = json.loads((out / "precision.json").read_text())["tiny"]
    assert (rep["replications"], rep["solution"], rep["converged"]) == (6, None, False)
    assert rep["indicators"]["lzb_stock"]["converged"] is False
    assert runs_done(out) == 6


# --- paired comparison -------------------------------------------------------------------------------


def test_compare_writes_paired_differences_of_the_replications(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert (
        main(["compare", str(TINY), str(VARIANT), "-n", "3", "--years", "0.25", "--out", str(out), "--workers", "1"])
        == 0
    )
    text = capsys.readouterr().out
    assert "variant_tiny minus tiny" in text and "variance reduction" not in text  # only with --details
    assert " pp [" in text  # the Integrationsquote's difference in percentage points
    comp = pd.read_parquet(out / "comparison.parquet")
    row = comp[(comp["period_type"] == "year") & (comp["indicator"] == "integrations")].iloc[0]
    per_rep = {
        s: [pd.read_parquet(out / "monthly" / s / f"rep-{k:04d}.parquet")["integrations"].sum() for k in (1, 2, 3)]
        for s in SCENARIOS
    }
    d = np.subtract(per_rep["variant_tiny"], per_rep["tiny"])
    assert row["diff_mean"] == pytest.approx(d.mean()) and row["var_diff"] == pytest.approx(d.var(ddof=1))
    import duckdb

    with duckdb.connect(str(out / "results.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM comparison").fetchone()[0] == len(comp)


# --- the DuckDB database ----------------------------------------------------------------------------


def test_duckdb_views_answer_the_readme_queries(reference):
    """The README's example queries, run on a read-only connection, give what the files hold."""
    import duckdb

    monthly = pd.concat([pd.read_parquet(p) for p in reference.glob("monthly/*/rep-*.parquet")])
    spells_rows = sum(len(pd.read_parquet(p)) for p in reference.glob("spells/*/rep-*.parquet"))
    with duckdb.connect(str(reference / "results.duckdb"), read_only=True) as con:

        def q(sql: str) -> pd.DataFrame:
            return con.execute(sql).df()

        reps = q(
            "SELECT scenario, count(*) AS replications, round(avg(seconds), 2) AS seconds_each "
            "FROM runs GROUP BY scenario ORDER BY scenario"
        )
        assert reps["scenario"].tolist() == list(SCENARIOS) and reps["replications"].tolist() == [REPS, REPS]

        yearly = q(
            "SELECT scenario, substr(month, 1, 4) AS year, "
            "sum(integrations) / count(DISTINCT replication) AS integrations "
            "FROM monthly GROUP BY ALL ORDER BY ALL"
        )
        expected = monthly.groupby(["scenario", "replication"])["integrations"].sum().groupby("scenario").mean()
        assert yearly["year"].tolist() == ["2024", "2024"]
        assert yearly.set_index("scenario")["integrations"].to_dict() == pytest.approx(expected.to_dict())

        iq = q(
            "SELECT scenario, period, mean, ci_low, ci_high FROM summary "
            "WHERE indicator = 'iq' AND period_type = 'year' ORDER BY ALL"
        ).set_index("scenario")
        for s in SCENARIOS:
            g = monthly[monthly["scenario"] == s].groupby("replication")
            x = (g["integrations"].sum() / g["elb_stock"].mean()).to_numpy()
            low, high = sps.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=sps.sem(x))
            assert iq.loc[s, ["mean", "ci_low", "ci_high"]].tolist() == pytest.approx([x.mean(), low, high])

        joined = q(
            "SELECT s.scenario, s.mean, m.integrations FROM summary s JOIN ("
            "  SELECT scenario, substr(month, 1, 4) AS period, "
            "         sum(integrations) / count(DISTINCT replication) AS integrations "
            "  FROM monthly GROUP BY ALL) m USING (scenario, period) "
            "WHERE s.indicator = 'integrations' AND s.period_type = 'year'"
        )
        assert len(joined) == 2 and np.allclose(joined["mean"], joined["integrations"])

        assert con.execute("SELECT count(*) FROM spells").fetchone()[0] == spells_rows
        assert con.execute("SELECT count(DISTINCT programme) FROM programme_monthly").fetchone()[0] == 4


def test_compare_details_add_the_variance_reduction(tmp_path, capsys):
    out = tmp_path / "cmp"
    args = ["compare", str(TINY), str(VARIANT), "-n", "2", "--years", "0.25", "--out", str(out), "--workers", "1"]
    assert main([*args, "--details"]) == 0
    assert "variance reduction" in capsys.readouterr().out
