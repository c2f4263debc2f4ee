"""Result files are checked before they are trusted: each file's SHA-256, the documented columns, JSON that is JSON.

Writers record the SHA-256 of every result file's bytes where the result is recorded as done:
`jobpath run` in `manifest.json` (`files`); a batch replication in `checksums/<scenario>/rep-NNNN.json`
(its `runs` file and each table), written just before the `runs` file that marks it done; the batch's
own files (`summary.parquet`, `comparison.parquet`, `precision.json`) in `batch.json` (`files`).
Readers (`jobpath report`, the comparison of `jobpath compare`, `batch --resume`) check them here: a
file that is unreadable, lacks a documented column, or differs from its digest is refused with its
name (exit code 2), or with `--resume` its replication is run again. Hashing costs about 1 s per GB.

Results of a version that recorded no digests (no `checksums` in batch.json, no `files` in
manifest.json) are accepted with a warning after a check of what can still be checked: each table
readable as Parquet with the documented columns.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .errors import ArgumentError, shorten
from .indicators.compute import PROGRAMME_COLUMNS  # the writer's own list
from .states import SPELL_COLUMNS as SPELLS_COLUMNS  # and one column per attribute

CHECKSUMS = "sha256"  # batch.json `checksums`: its replications and files carry their digests
CHUNK = 1 << 20


RUNS_COLUMNS = [
    "scenario",
    "replication",
    "seed",
    "years",
    "customers",
    "events",
    "sim_seconds",
    "seconds",
    "scenario_sha256",
    "overrides",
    "jobpath_version",
]
SUMMARY_COLUMNS = ["scenario", "period_type", "period", "indicator", "n", "mean", "se", "ci_low", "ci_high"]
COMPARISON_COLUMNS = [
    "variant",
    "base",
    "period_type",
    "period",
    "indicator",
    "n",
    "diff_mean",
    "diff_se",
    "diff_ci_low",
    "diff_ci_high",
    "base_mean",
    "variant_mean",
    "var_base",
    "var_variant",
    "var_diff",
    "variance_reduction",
]
KEYS = ["scenario", "replication"]  # in front of every table of a batch replication


class DamagedResults(ArgumentError):
    """A result file that is damaged, missing, or not what jobpath writes: refused with exit code 2."""


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in pieces."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def read_json(path: Path, what: str) -> dict:
    """A JSON object from a file, or DamagedResults naming the file and what is wrong with it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DamagedResults(f"{path}: expected {what} (a JSON text file), found a file that is not text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise DamagedResults(
            f"{path}: expected {what} (JSON), found a file that is not JSON ({e.msg} at line "
            f"{e.lineno}, column {e.colno}); it is damaged or was not written by jobpath"
        ) from None
    except RecursionError:
        raise DamagedResults(f"{path}: expected {what} (JSON), found JSON nested too deep to be read") from None
    if not isinstance(data, dict):
        raise DamagedResults(f"{path}: expected {what} (a JSON object), found a JSON {type(data).__name__}")
    return data


def parquet_columns(path: Path) -> list[str]:
    """The column names from a Parquet file's footer (the data is not read)."""
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(path).names)
    except FileNotFoundError:
        raise DamagedResults(f"{path}: expected a Parquet table written by jobpath, found no such file") from None
    except Exception as e:  # noqa: BLE001 - truncated, overwritten, or not Parquet at all: say which file
        raise DamagedResults(
            f"{path}: expected a Parquet table written by jobpath, found a damaged or unreadable "
            f"file ({shorten(str(e), 160)})"
        ) from None


def check_columns(path: Path, columns, expected: list[str], table: str) -> None:
    """Every documented column is there (extra columns are allowed: a later version may add some)."""
    missing = [c for c in expected if c not in set(columns)]
    if missing:
        shown = ", ".join(f"'{c}'" for c in missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
        raise DamagedResults(
            f"{path}: expected the columns of a jobpath {table} table (docs/outputs.md), found it "
            f"without the column{'s' if len(missing) > 1 else ''} {shown}"
        )


def check_digest(path: Path, expected: str, record: Path | str) -> None:
    try:
        actual = file_sha256(path)
    except FileNotFoundError:
        raise DamagedResults(f"{path}: missing; {record} records it as written") from None
    if actual != expected:
        raise DamagedResults(
            f"{path}: damaged: its bytes differ from those jobpath wrote (SHA-256 {actual[:12]}..., "
            f"recorded in {record}: {expected[:12]}...)"
        )


def read_checked(path: Path, table: str, expected_cols: list[str], digest: str | None, record: Path | str):
    """A Parquet table read once from its bytes, after checking them against `digest` (if recorded) and its
    columns against the documented ones."""
    import io

    import pandas as pd

    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise DamagedResults(f"{path}: missing; {record} records it as written") from None
    try:
        df = pd.read_parquet(io.BytesIO(data))
    except Exception as e:  # noqa: BLE001 - truncated, overwritten, or not Parquet at all: say which file
        raise DamagedResults(
            f"{path}: expected a Parquet table written by jobpath, found a damaged or unreadable "
            f"file ({shorten(str(e), 160)})"
        ) from None
    check_columns(path, df.columns, expected_cols, table)  # first: a missing column is named
    if digest is not None and hashlib.sha256(data).hexdigest() != digest:
        raise DamagedResults(
            f"{path}: damaged: its bytes differ from those jobpath wrote (SHA-256 recorded in {record})"
        )
    return df


def expected_columns(table: str, content: dict | None = None, batch: bool = False) -> list[str]:
    """The documented columns of a result table. `content` (the scenario's resolved content) gives the
    attributes (spells) and sex levels (monthly); without it only the columns every scenario has."""
    attributes = (content or {}).get("attributes") or {}
    if table == "spells":
        cols = SPELLS_COLUMNS + [a for a in attributes]
    elif table == "monthly":
        from .indicators import registry

        sexes = attributes.get("sex") or []
        cols = ["month"]
        for ind in registry.INDICATORS:
            cols.append(ind.name)
            for by in ind.by:
                levels = sexes if by == "sex" else sorted(registry.KINDS[by])
                cols += [f"{ind.name}_{level}" for level in levels]
    elif table == "programme_monthly":
        cols = list(PROGRAMME_COLUMNS)
    elif table == "budget_monthly":
        from .indicators.budgets import COLUMNS as cols
    elif table == "pool_monthly":
        from .indicators.pools import COLUMNS as cols
    elif table == "staffing_monthly":
        from .indicators.staffing import COLUMNS as cols
    elif table == "runs":
        return list(RUNS_COLUMNS)
    elif table == "summary":
        return list(SUMMARY_COLUMNS)
    elif table == "comparison":
        return list(COMPARISON_COLUMNS)
    else:
        raise KeyError(table)
    return (KEYS if batch else []) + list(cols)


def write_failed(e: OSError, path: Path) -> OSError:
    """The error of a failed write, naming the file meant (not its temporary name); the CLI prints
    'error: FILE: REASON' and exits with code 2."""
    reason = os.strerror(e.errno) if e.errno else shorten(e.strerror or str(e), 200)
    return OSError(e.errno, f"could not be written: {reason}; nothing half-written was left", str(path))
