"""The batch output directory: one Parquet file per replication and table, each written atomically.

Layout (OUT = the --out directory):
    OUT/<table>/<scenario>/rep-0001.parquet   for table in runs, monthly, programme_monthly, spells (and budget_monthly,
                                              pool_monthly, staffing_monthly)
    OUT/summary.parquet, OUT/comparison.parquet, OUT/batch.json, OUT/results.duckdb
    OUT/checksums/<scenario>/rep-0001.json    the SHA-256 of each of the replication's files
A replication counts as done when its `runs` file exists; it is written last, just after its checksums
record. The files written straight into OUT (summary, comparison, precision) have their SHA-256 recorded in
batch.json (`files`). Reading checks them (simulation/integrity.py): a damaged file is refused with its
name, never used.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pandas as pd

from ..integrity import (
    CHECKSUMS,
    DamagedResults,
    check_columns,
    check_digest,
    expected_columns,
    file_sha256,
    parquet_columns,
    read_checked,
    read_json,
    write_failed,
)

# the last three only with budgets, pools, staffing groups
TABLES = ("spells", "monthly", "programme_monthly", "budget_monthly", "pool_monthly", "staffing_monthly")


def rep_file(out: Path, table: str, scenario: str, replication: int) -> Path:
    return Path(out) / table / scenario / f"rep-{replication:04d}.parquet"


def checksum_file(out: Path, scenario: str, replication: int) -> Path:
    """The record of the SHA-256 of each file of a replication (written just before its runs file)."""
    return Path(out) / "checksums" / scenario / f"rep-{replication:04d}.json"


def write_parquet_atomic(df: pd.DataFrame, path: Path) -> str:
    """Write to a temporary name in the same directory, then rename: never a half-written file. Returns the
    SHA-256 of the file's bytes; a file written straight into a batch folder (beside batch.json, e.g.
    summary.parquet, comparison.parquet) has it recorded there."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        df.to_parquet(tmp, index=False)
        digest = file_sha256(tmp)
        os.replace(tmp, path)
    except OSError as e:  # e.g. the disk is full: name the file meant, not the temporary one
        raise write_failed(e, path) from None
    finally:
        if tmp.exists():
            tmp.unlink()
    _record_in_batch(path, digest)
    return digest


def parquet_bytes(df: pd.DataFrame) -> bytes:
    """A table as the bytes of its Parquet file (the same as write_parquet_atomic writes)."""
    import io

    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def write_bytes_atomic(path: Path, data: bytes) -> str:
    """Bytes written like write_parquet_atomic (temporary name, then rename); returns their SHA-256."""
    import hashlib

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as e:
        raise write_failed(e, path) from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return hashlib.sha256(data).hexdigest()


def write_text_atomic(path: Path, text: str) -> str:
    """A text file (JSON) written atomically; returns its SHA-256, recorded in batch.json if beside it."""
    path = Path(path)
    digest = write_bytes_atomic(path, text.encode("utf-8"))
    _record_in_batch(path, digest)
    return digest


def _record_in_batch(path: Path, digest: str) -> None:
    """Record a batch-level file's digest in the batch.json beside it (if there is one)."""
    record = path.parent / "batch.json"
    if path.name == "batch.json" or not record.is_file():
        return
    data = read_json(record, "the record of a jobpath batch")
    data.setdefault("files", {})[path.name] = digest
    write_text_atomic(record, json.dumps(data, indent=2, default=str))


def is_done(out: Path, scenario: str, replication: int) -> bool:
    return rep_file(out, "runs", scenario, replication).exists()


def clean_temporaries(out: Path) -> int:
    """Remove temporary files left by interrupted writes."""
    n = 0
    for tmp in Path(out).rglob(".*.tmp"):
        tmp.unlink(missing_ok=True)
        n += 1
    return n


def batch_record(out: Path) -> dict | None:
    """batch.json as a dict (None if there is none); DamagedResults naming it if it is not JSON."""
    record = Path(out) / "batch.json"
    if not record.is_file():
        return None
    return read_json(record, "the record of a jobpath batch")


def has_checksums(record: dict | None) -> bool:
    """A batch whose replications and files all carry their SHA-256 (written by this version or later)."""
    return bool(record) and record.get("checksums") == CHECKSUMS


def _content(record: dict | None, scenario: str) -> dict | None:
    content = ((record or {}).get("resolved") or {}).get(scenario)
    return content if isinstance(content, dict) else None


def replication_digests(out: Path, scenario: str, replication: int, strict: bool) -> dict[str, str] | None:
    """The SHA-256 of each file of a done replication (`runs` and each table), from its checksums record;
    None if it has none and may (written by an older version, allowed unless `strict`)."""
    f = checksum_file(out, scenario, replication)
    runs = rep_file(out, "runs", scenario, replication)
    if not f.is_file():
        if strict:
            raise DamagedResults(
                f"{runs}: expected the replication's checksums in {f}, found none: it did not "
                "finish writing, or its files are not this batch's"
            )
        return None
    data = read_json(f, "the checksums of a jobpath replication")
    digests = data.get("sha256")
    if (
        (data.get("scenario"), data.get("replication")) != (scenario, replication)
        or not isinstance(digests, dict)
        or not all(isinstance(v, str) for v in digests.values())
        or "runs" not in digests
    ):
        raise DamagedResults(
            f"{f}: expected the SHA-256 of the files of replication {replication} of {scenario}, found other content"
        )
    return {t: d for t, d in digests.items() if t in ("runs",) + TABLES}


def check_replication(
    out: Path,
    scenario: str,
    replication: int,
    record: dict | None = None,
    optional: tuple[str, ...] = (),
    missing: list[Path] | None = None,
) -> bool:
    """Check every file of a done replication (its runs file and each table: columns, then SHA-256);
    DamagedResults names the first bad one. A missing file of an `optional` table is added to `missing`
    instead. False if it has no checksums (written by an older version: only readability and columns
    were checked)."""
    out = Path(out)
    digests = replication_digests(out, scenario, replication, has_checksums(record))
    content = _content(record, scenario)
    f = checksum_file(out, scenario, replication)
    tables = (
        list(digests)
        if digests is not None
        else ["runs"]
        + [
            t
            for t in TABLES
            if t in ("monthly", "programme_monthly") or rep_file(out, t, scenario, replication).exists()
        ]
    )
    for table in tables:
        path = rep_file(out, table, scenario, replication)
        if digests is not None and not path.exists():
            if table in optional and missing is not None:
                missing.append(path)
                continue
            raise DamagedResults(f"{path}: missing; {f} records it as written")
        check_columns(path, parquet_columns(path), expected_columns(table, content, batch=True), table)
        if digests is not None:
            check_digest(path, digests[table], f)
    return digests is not None


def done_replications(out: Path, scenario: str) -> list[int]:
    """Replications with a runs file, from the file names."""
    reps = []
    for f in (Path(out) / "runs" / scenario).glob("rep-*.parquet"):
        number = f.name[4:-8]
        if number.isdigit():
            reps.append(int(number))
    return sorted(reps)


def read_table(out: Path, table: str, scenario: str, replications: list[int]) -> pd.DataFrame:
    """One table of the given replications, each file checked against its recorded SHA-256 and columns."""
    out = Path(out)
    record = batch_record(out)
    strict = has_checksums(record)
    expected = expected_columns(table, _content(record, scenario), batch=True)
    frames = []
    for k in replications:
        digests = replication_digests(out, scenario, k, strict)
        f = rep_file(out, table, scenario, k)
        if digests is not None and table not in digests:
            raise DamagedResults(
                f"{f}: expected a file {checksum_file(out, scenario, k)} records, found none recorded there"
            )
        frames.append(
            read_checked(
                f, table, expected, digests[table] if digests is not None else None, checksum_file(out, scenario, k)
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def remove_replication(out: Path, scenario: str, replication: int) -> None:
    checksum_file(out, scenario, replication).unlink(missing_ok=True)
    for table in ("runs",) + TABLES:
        rep_file(out, table, scenario, replication).unlink(missing_ok=True)


def create_duckdb(out: Path) -> Path | None:
    """A DuckDB database with views over every replication's files and the summaries."""
    import duckdb

    out = Path(out).resolve()
    db = out / "results.duckdb"
    tmp = out / f".results.{uuid.uuid4().hex}.duckdb.tmp"
    try:
        con = duckdb.connect(str(tmp))
        try:
            for table in ("runs",) + TABLES:
                if any((out / table).glob("*/rep-*.parquet")):
                    glob = str(out / table / "*" / "rep-*.parquet").replace("'", "''")
                    con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{glob}', union_by_name=true)")
            for name in ("summary", "comparison"):
                f = out / f"{name}.parquet"
                if f.exists():
                    con.execute(
                        f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{str(f).replace(chr(39), chr(39) * 2)}')"
                    )
        finally:
            con.close()
        os.replace(tmp, db)
    except (OSError, duckdb.Error) as e:  # e.g. the disk is full: name the database, leave no temporary file
        if isinstance(e, OSError):
            raise write_failed(e, db) from None
        raise write_failed(OSError(None, str(e)), db) from None
    finally:
        for f in (tmp, tmp.with_name(tmp.name + ".wal")):
            f.unlink(missing_ok=True)
    return db
