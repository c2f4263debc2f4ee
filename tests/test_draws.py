"""Forecasts with parameter uncertainty: `jobpath batch --draws` runs replication k with draw k."""

from pathlib import Path

import pandas as pd
import pytest

from simulation.batch.runner import BatchSpec, run_batch
from simulation.errors import ScenarioError

TINY = Path(__file__).parent / "scenarios" / "tiny.toml"


def _width(summary: pd.DataFrame, indicator: str) -> float:
    row = summary[(summary["period_type"] == "year") & (summary["indicator"] == indicator)].iloc[0]
    return row["ci_high"] - row["ci_low"]


def test_draws_widen_the_intervals_and_are_applied(tmp_path):
    draws = pd.DataFrame({"draw": [1, 2], "hazards.integration.rate_per_month": [0.005, 0.08]})
    draws.to_parquet(tmp_path / "draws.parquet")
    common = dict(scenarios=[str(TINY)], replications=8, years=0.5, workers=1)
    plain = run_batch(BatchSpec(out=str(tmp_path / "plain"), **common), progress=False)
    drawn = run_batch(
        BatchSpec(out=str(tmp_path / "drawn"), draws=str(tmp_path / "draws.parquet"), **common), progress=False
    )
    assert _width(drawn.summary, "integrations") > 2 * _width(plain.summary, "integrations")
    runs = pd.read_parquet(tmp_path / "drawn" / "runs")
    assert runs.sort_values("replication")["overrides"].str.contains("0.005").tolist() == [True, False] * 4
    monthly = pd.read_parquet(tmp_path / "drawn" / "monthly")
    per_rep = monthly.groupby("replication")["integrations"].sum()
    assert per_rep[[1, 3, 5, 7]].mean() < per_rep[[2, 4, 6, 8]].mean()  # low-rate draws integrate fewer


def test_a_draws_column_that_is_no_scenario_field_is_refused(tmp_path):
    pd.DataFrame({"draw": [1], "hazards.nope.rate_per_month": [0.1]}).to_parquet(tmp_path / "d.parquet")
    with pytest.raises(ScenarioError, match="nope"):
        run_batch(
            BatchSpec(
                scenarios=[str(TINY)],
                replications=2,
                years=0.25,
                workers=1,
                out=str(tmp_path / "o"),
                draws=str(tmp_path / "d.parquet"),
            ),
            progress=False,
        )
    assert not (tmp_path / "o").exists()
