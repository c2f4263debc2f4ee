"""The batch output directory: one Parquet file per replication and table, each written atomically.

Layout (OUT = the --out directory):
    OUT/<table>/<scenario>/rep-0001.parquet   for table in runs, monthly, programme_monthly, spells (and budget_monthly,
                                              pool_monthly, staffing_monthly)
    OUT/summary.parquet, OUT/comparison.parquet, OUT/batch.json, OUT/results.duckdb
A replication counts as done when its `runs` file exists; it is written last.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pandas as pd

# the last three only with budgets, pools, staffing groups
TABLES = ("spells", "monthly", "programme_monthly", "budget_monthly", "pool_monthly", "staffing_monthly")


def rep_file(out: Path, table: str, scenario: str, replication: int) -> Path:
    return Path(out) / table / scenario / f"rep-{replication:04d}.parquet"


def write_parquet_atomic(df: pd.DataFrame, path: Path) -> None:
    """Write to a temporary name in the same directory, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def is_done(out: Path, scenario: str, replication: int) -> bool:
    return rep_file(out, "runs", scenario, replication).exists()


def clean_temporaries(out: Path) -> int:
    """Remove temporary files left by interrupted writes."""
    n = 0
    for tmp in Path(out).rglob(".*.tmp"):
        tmp.unlink(missing_ok=True)
        n += 1
    return n


def read_table(out: Path, table: str, scenario: str, replications: list[int]) -> pd.DataFrame:
    frames = [pd.read_parquet(rep_file(out, table, scenario, k)) for k in replications]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def remove_replication(out: Path, scenario: str, replication: int) -> None:
    for table in ("runs",) + TABLES:
        rep_file(out, table, scenario, replication).unlink(missing_ok=True)


def create_duckdb(out: Path) -> Path | None:
    """A DuckDB database with views over every replication's files and the summaries."""
    import duckdb
    out = Path(out).resolve()
    db = out / "results.duckdb"
    tmp = out / f".results.{uuid.uuid4().hex}.duckdb.tmp"
    con = duckdb.connect(str(tmp))
    try:
        for table in ("runs",) + TABLES:
            if any((out / table).glob("*/rep-*.parquet")):
                glob = str(out / table / "*" / "rep-*.parquet").replace("'", "''")
                con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{glob}', union_by_name=true)")
        for name in ("summary", "comparison"):
            f = out / f"{name}.parquet"
            if f.exists():
                con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{str(f).replace(chr(39), chr(39) * 2)}')")
    finally:
        con.close()
    os.replace(tmp, db)
    return db
