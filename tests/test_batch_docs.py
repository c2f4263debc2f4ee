"""Every column of the batch tables is documented in docs/outputs.md."""

from pathlib import Path

import pandas as pd

from simulation.batch.runner import BatchSpec, long_values, run_batch
from simulation.batch.stats import paired

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "scenarios" / "tiny.toml"


def _documented(section: str) -> set[str]:
    text = (ROOT / "docs" / "outputs.md").read_text()
    part = text.split(f"### `{section}` columns", 1)[1].split("\n### ", 1)[0]
    return {
        c.strip(" `") for line in part.splitlines() if line.startswith("| `") for c in line.split("|")[1].split(",")
    }


def test_batch_columns_are_documented(tmp_path):
    res = run_batch(
        BatchSpec(scenarios=[str(TINY)], replications=2, years=0.25, workers=1, out=str(tmp_path)), progress=False
    )
    runs = pd.read_parquet(tmp_path / "runs")
    assert set(runs.columns) == _documented("runs")
    assert set(res.summary.columns) == _documented("summary")
    both = long_values(res.out, res.used)
    comp = paired(pd.concat([both, both.assign(scenario="twin")]), "tiny")  # a variant identical to its base
    assert set(comp.columns) == _documented("comparison")
