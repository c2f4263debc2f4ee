"""Parameter uncertainty in forecasts: replication k runs with posterior draw k (cycling).

A draws file (e.g. draws.parquet from `jobpath calibrate`) has a `draw` column and one column
per scenario field, named by its dotted path ("hazards.job_ready.rate_per_month"). Each
replication gets the next draw's values as overrides, so the spread over replications holds
both the model's randomness and the uncertainty of the calibrated parameters.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ScenarioError


def load_draws(path: str):
    """A function replication -> [(dotted path, value)], from a Parquet or CSV draws file."""
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise ScenarioError(str(p), [("", f"expected a draws file (Parquet or CSV), found no file at '{p}'")])
    try:
        df = pd.read_csv(p) if p.suffix == ".csv" else pd.read_parquet(p)
    except Exception as e:  # noqa: BLE001 - any reader failure is a bad input file
        raise ScenarioError(
            str(p), [("", f"expected a Parquet or CSV table of draws, found an unreadable file ({e})")]
        ) from None
    cols = [c for c in df.columns if c != "draw"]
    if df.empty or not cols or any("." not in c for c in cols):
        raise ScenarioError(
            str(p),
            [
                (
                    "",
                    "expected rows of draws with columns named by dotted scenario paths "
                    f"(e.g. hazards.x.rate_per_month), found columns {list(df.columns)}",
                )
            ],
        )
    if "draw" in df.columns:
        df = df.sort_values("draw", kind="stable")
    rows = [
        [(c, v.item() if hasattr(v, "item") else v) for c, v in zip(cols, rec)]
        for rec in df[cols].itertuples(index=False, name=None)
    ]

    def overrides(replication: int) -> list[tuple[str, object]]:
        return rows[(replication - 1) % len(rows)]

    overrides.paths = cols
    overrides.count = len(rows)
    return overrides


def check_paths(overrides, resolved: dict, source: str) -> None:
    """Every draws column must name an existing field of the scenario."""
    for path in overrides.paths:
        node = resolved
        for key in path.split("."):
            if not isinstance(node, dict) or key not in node:
                raise ScenarioError(
                    source, [(path, f"expected a field of the scenario for this draws column, found none at '{key}'")]
                )
            node = node[key]
