"""The app's precision mode without a browser: a comparison run again in the background with `--precision`,
through the command line's own `compare` parser and function, as `jobpath batch --precision` chooses N."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from simulation.app import variant as V
from simulation.app.precision import main as precision_main

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "tests/scenarios"


def scenario_files(tmp_path: Path) -> list[Path]:
    d = tmp_path / "scenarios"
    d.mkdir()
    for name in ("tiny.toml", "variant_tiny.toml"):
        shutil.copy(SCENARIOS / name, d / name)
    return [d / "tiny.toml", d / "variant_tiny.toml"]


def test_a_background_comparison_in_precision_mode(tmp_path):
    """At most 6 replications per scenario, a precision tiny cannot reach: each scenario runs to the budget; the
    comparison and precision.json are written, and the job counts the replications against the budget."""
    paths = scenario_files(tmp_path)
    job = V.start_comparison(
        tmp_path, paths, 6, 0.25, seed=3, workers=1, precision=0.001, indicators=["integrations", "iq"]
    )
    assert job.precise and job.total == 12
    assert job.wait(300) == "done", job.error
    report = json.loads((job.out / "precision.json").read_text(encoding="utf-8"))
    assert {s: r["replications"] for s, r in report.items()} == {"tiny": 6, "variant_tiny": 6}
    assert set(report["tiny"]["indicators"]) == {"integrations", "iq"} and report["tiny"]["precision"] == 0.001
    comp = pd.read_parquet(job.out / "comparison.parquet")
    assert set(comp["variant"]) == {"variant_tiny"}
    assert (comp[comp["indicator"].isin(["integrations", "iq", "elb_stock"])]["n"] == 6).all()
    assert job.done_count() == 12


def test_precision_mode_stops_when_the_intervals_are_narrow_enough(tmp_path):
    """A loose precision is reached with the first replications (5 and the look-ahead), far below the budget."""
    paths = scenario_files(tmp_path)
    out = tmp_path / "results"
    args = [*map(str, paths), "--replications", "40", "--years", "0.25", "--workers", "1", "--out", str(out)]
    assert precision_main(["--precision", "0.5", "--indicators", "elb_stock", *args, "--quiet"]) == 0
    report = json.loads((out / "precision.json").read_text(encoding="utf-8"))
    assert all(r["converged"] and r["replications"] < 40 for r in report.values()), report


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--precision", "1.5"], "--precision: expected a fraction in (0, 1)"),
        (["--precision", "0.05", "--indicators", "nonsense"], "--indicators: expected indicators of"),
    ],
)
def test_precision_mode_refuses_what_jobpath_refuses(tmp_path, capsys, extra, message):
    paths = scenario_files(tmp_path)
    args = [*map(str, paths), "--replications", "6", "--years", "0.25", "--out", str(tmp_path / "r"), "--quiet"]
    assert precision_main([*extra, *args]) == 2
    assert message in capsys.readouterr().err
