"""What runs on a worker: one replication, from a job description to files on disk."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pandas as pd

from .. import __version__
from ..scenario import LoadedScenario
from ..scenario.loader import merge, validate
from .plan import Job
from .store import (
    TABLES,
    checksum_file,
    parquet_bytes,
    rep_file,
    write_bytes_atomic,
    write_parquet_atomic,
    write_text_atomic,
)


def apply_overrides(resolved: dict, overrides) -> dict:
    """Set dotted field paths (e.g. 'hazards.jobturbo.rate_per_month') in a scenario's content."""
    data = resolved
    for path, value in overrides:
        patch: dict = {}
        node = patch
        keys = path.split(".")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value
        data = merge(data, patch)
    return data


def run_job(job: Job, out: str) -> dict:
    """Run one replication and write its tables; safe to run twice (same seed, same files). Its checksums
    record (the SHA-256 of every file) and then the runs file, which marks it done, come last."""
    from ..run import replicate

    t0 = time.perf_counter()
    data = apply_overrides(job.resolved, job.overrides)
    loaded = LoadedScenario(job.scenario_path, validate(data, job.scenario_path), data)
    rep = replicate(loaded, job.seed, job.years)
    keys = {"scenario": job.scenario, "replication": job.replication}
    files = {}  # table -> SHA-256 of its file's bytes
    for table in TABLES:
        if (table == "spells" and not job.keep_spells) or table not in rep.tables:
            continue
        df = rep.tables[table]
        df = pd.concat([pd.DataFrame(keys, index=df.index), df], axis=1)
        files[table] = write_parquet_atomic(df, rep_file(Path(out), table, job.scenario, job.replication))
    row = {
        **keys,
        "seed": str(job.seed),
        "years": job.years,
        "customers": rep.run.customers,
        "events": rep.run.event_count,
        "sim_seconds": rep.run.wall_seconds,
        "seconds": time.perf_counter() - t0,
        "scenario_sha256": loaded.sha256,
        "overrides": repr(list(job.overrides)),
        "jobpath_version": __version__,
    }
    runs = parquet_bytes(pd.DataFrame([row]))
    files["runs"] = hashlib.sha256(runs).hexdigest()
    record = checksum_file(Path(out), job.scenario, job.replication)
    # the checksums first: once the runs file exists (the replication is done), they do too
    write_text_atomic(record, json.dumps({**keys, "sha256": files}, indent=1, sort_keys=True) + "\n")
    write_bytes_atomic(rep_file(Path(out), "runs", job.scenario, job.replication), runs)
    return row
