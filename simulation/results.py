"""Writing one replication's results: Parquet tables and a JSON manifest, all or nothing."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from . import __version__

TABLES = ("spells", "monthly", "programme_monthly")


def table_digest(df: pd.DataFrame) -> str:
    """SHA-256 of a table's content, column by column in a fixed byte form (not pandas' own hash,
    which may change between versions): numbers as little-endian 64-bit values, text as UTF-8."""
    h = hashlib.sha256()
    for name in df.columns:
        col = df[name]
        h.update(f"{name}:{len(col)}\n".encode())
        if (pd.api.types.is_bool_dtype(col) or pd.api.types.is_integer_dtype(col)) and not col.isna().any():
            h.update(col.to_numpy(dtype="<i8").tobytes())
        elif pd.api.types.is_numeric_dtype(col):
            values = col.to_numpy(dtype="float64", na_value=float("nan"), copy=True)
            values[values != values] = float("nan")  # one NaN pattern
            h.update(values.astype("<f8").tobytes())
        else:
            text = col.astype(object).where(col.notna(), "\x01")  # missing as one mark
            h.update("\x00".join(map(str, text.tolist())).encode())
    return h.hexdigest()


def manifest(loaded, seed: int, years: float, run) -> dict:
    import numpy
    import pyarrow
    import scipy
    import simpy

    raw = Path(loaded.path).read_bytes()
    return {
        "jobpath_version": __version__,
        "scenario_path": str(loaded.path),
        "scenario_file_sha256": hashlib.sha256(raw).hexdigest(),
        "scenario_resolved_sha256": loaded.sha256,
        "scenario": json.loads(loaded.resolved_json),
        "seed": seed,
        "years": years,
        "horizon_days": run.horizon,
        "customers": run.customers,
        "spells": len(run.spells),
        "spells_sha256": table_digest(run.spells),
        "event_count": run.event_count,
        "wall_seconds": round(run.wall_seconds, 3),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "simpy": simpy.__version__,
        "numpy": numpy.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "pyarrow": pyarrow.__version__,
    }


def write_atomic(out_dir: str | Path, tables: dict[str, pd.DataFrame], meta: dict) -> Path:
    """Write every table to a temporary directory, then move it into place in one step. The manifest,
    written last, lists the SHA-256 of each table file's bytes (`files`), which `jobpath report` checks."""
    from .integrity import file_sha256, write_failed

    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    target, old = out, None
    try:
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; results follow the user's umask
        files = {}
        for name, df in tables.items():
            target = out / f"{name}.parquet"
            df.to_parquet(tmp / f"{name}.parquet", index=False)
            files[f"{name}.parquet"] = file_sha256(tmp / f"{name}.parquet")
        target = out / "manifest.json"
        (tmp / "manifest.json").write_text(json.dumps({**meta, "files": files}, indent=2, default=str) + "\n")
        target = out
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and old.exists() and not out.exists():
            old.rename(out)  # the earlier results stay where they were
        if isinstance(e, OSError):  # e.g. the disk is full: name the file meant, not the temporary one
            raise write_failed(e, target) from None
        raise
    return out
