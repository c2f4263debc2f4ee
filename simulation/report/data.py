"""Reading a results directory (`jobpath run`, `batch` or `compare` output) into one shape.

Whatever produced it, a report sees: the scenarios (in order, base first), the summary table
(n, mean, 95 % CI per scenario, period and indicator), the comparison table if any, each
scenario's content when its file can still be read unchanged, and the spells of a few
replications per scenario for the pathways.

Nothing is used unchecked (simulation/integrity.py): each file must match the SHA-256 its run
recorded and have the documented columns, and JSON records must be JSON; damaged or foreign
results are refused with the file named. Results of a version that recorded no digests are
accepted with a warning, after a check of their columns.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..integrity import (
    PROGRAMME_COLUMNS,
    DamagedResults,
    check_columns,
    check_digest,
    expected_columns,
    parquet_columns,
    read_checked,
    read_json,
)

SPELLS_REPLICATIONS = 5  # replications whose spells feed the pathways diagram (enough for a mean)
TABLES = ("spells", "monthly", "programme_monthly", "budget_monthly", "pool_monthly", "staffing_monthly")
__all__ = ["PROGRAMME_COLUMNS", "Results", "ResultsError", "load_results"]


class ResultsError(Exception):
    """A directory that holds no results a report can read, or damaged ones; exit code 2."""


@dataclass
class Results:
    path: Path
    kind: str  # run | batch | compare
    scenarios: list[str]
    summary: pd.DataFrame
    comparison: pd.DataFrame | None = None
    contents: dict[str, dict] = field(default_factory=dict)  # scenario -> resolved content
    spells_files: dict[str, list[Path]] = field(default_factory=dict)
    replications: dict[str, int] = field(default_factory=dict)
    stale: list[str] = field(default_factory=list)  # scenarios whose file is gone or changed since the run
    warnings: list[str] = field(default_factory=list)  # e.g. results of an older version, without checksums
    validated: dict[str, object] = field(default_factory=dict, repr=False)  # scenario -> (Scenario, Clock) | None

    def plan(self, scenario: str):
        """The scenario as the engine reads it, (validated Scenario, Clock), or None if its content is not known:
        figures read places, quotas, costs and pools only through it (values over time through Timeline)."""
        if scenario not in self.validated:
            content = self.contents.get(scenario)
            plan = None
            if content:
                from ..engine.clock import Clock
                from ..errors import ScenarioError
                from ..scenario import validate

                try:
                    sc = validate(content, scenario)
                    plan = (sc, Clock(sc.time.start, sc.time.years))
                except ScenarioError:
                    plan = None
            self.validated[scenario] = plan
        return self.validated[scenario]

    @property
    def sexes(self) -> list[str]:
        """The sex levels, read off the indicator names (iq_<level>)."""
        inds = self.summary["indicator"].astype(str).unique()
        return [i[3:] for i in inds if i.startswith("iq_")]

    @property
    def programmes(self) -> list[str]:
        """Programme names in scenario order (from the content if known, else as found)."""
        names: list[str] = []
        for s in self.scenarios:
            for p in self.contents.get(s, {}).get("programmes", {}):
                if p not in names:
                    names.append(p)
        for ind in self.summary["indicator"].astype(str).unique():
            if ind.startswith("programme."):
                p = ind.split(".")[1]
                if p not in names:
                    names.append(p)
        return names

    def programme_labels(self, lang: str = "en") -> dict[str, str]:
        """Programme -> its label in `lang` (German: `label_de` where given, else `label`)."""
        out: dict[str, str] = {}
        for s in self.scenarios:
            for name, p in self.contents.get(s, {}).get("programmes", {}).items():
                label = (p.get("label_de") if lang == "de" else "") or p.get("label")
                if label:
                    out.setdefault(name, label)
        return out

    def display_names(self) -> dict[str, str]:
        """Scenario (file stem) -> the name its file gives (`name`), as planners wrote it."""
        return {s: str(self.contents.get(s, {}).get("name") or s) for s in self.scenarios}

    def spells(self, scenario: str) -> pd.DataFrame | None:
        files = self.spells_files.get(scenario) or []
        if not files:
            return None
        frames = []
        for k, f in enumerate(files, start=1):
            df = pd.read_parquet(f)
            if "replication" not in df.columns:
                df.insert(0, "replication", k)
            frames.append(df)
        return pd.concat(frames, ignore_index=True)


def load_results(path: str | Path) -> Results:
    """Recognise the kind of results directory, check its files and read it; ResultsError if it is none,
    or if a file is damaged, foreign or missing (the message names it)."""
    path = Path(path)
    if not path.is_dir():
        raise ResultsError(
            f"{path}: expected a results directory (from jobpath run, batch or compare), found no directory"
        )
    from ..outdir import folder_busy

    if (busy := folder_busy(path)) is not None:
        raise ResultsError(f"{busy.split(';')[0]}; wait for it to finish before reporting on it")
    batch = (path / "summary.parquet").is_file()
    try:
        if batch:
            res = _load_batch(path)
        elif (path / "monthly.parquet").is_file():
            res = _load_run(path)
        else:
            raise ResultsError(
                f"{path}: expected summary.parquet (jobpath batch or compare) or monthly.parquet "
                "(jobpath run), found neither"
            )
    except DamagedResults as e:
        if not batch:
            again = "run it again"
        elif str(e).startswith(str(path / "batch.json")):
            again = "run the batch again with --overwrite"
        else:
            again = "run the same batch command with --resume, which runs damaged replications again"
        raise ResultsError(f"{e}\n  no report was written: these results cannot be trusted; {again}") from None
    for line in res.warnings:
        print(f"warning: {line}", file=sys.stderr)
    return res


def _read(f: Path, table: str, content: dict | None, digest: str | None, record: Path) -> pd.DataFrame:
    """A result table, checked against its recorded digest (if any) and the documented columns."""
    return read_checked(f, table, expected_columns(table, content), digest, record)


def _load_batch(path: Path) -> Results:
    from ..batch.store import batch_record, check_replication, done_replications, has_checksums

    record = path / "batch.json"
    found = batch_record(path)
    plan = found or {}
    strict = has_checksums(plan)
    files = plan.get("files") if isinstance(plan.get("files"), dict) else {}
    warnings = (
        []
        if strict
        else [
            f"{path}: written by a jobpath version without checksums; its files were "
            "checked for readable tables with the documented columns only"
        ]
    )

    def digest(name: str) -> str | None:
        if strict and name not in files:
            raise DamagedResults(
                f"{path / name}: expected its SHA-256 in {record}, found none: the batch did not "
                "finish writing its results, or the file is not its own"
            )
        return files.get(name)

    summary = _read(path / "summary.parquet", "summary", None, digest("summary.parquet"), record)
    if found is None:
        raise ResultsError(
            f"{path}: expected batch.json beside summary.parquet (jobpath batch and compare write both), found none"
        )
    summary["scenario"] = summary["scenario"].astype(str)
    order = list(plan.get("scenarios") or {})
    scenarios = [s for s in order if s in set(summary["scenario"])] + [
        s for s in summary["scenario"].unique() if s not in order
    ]
    comparison = None
    if (path / "comparison.parquet").is_file():
        comparison = _read(path / "comparison.parquet", "comparison", None, digest("comparison.parquet"), record)
        base = comparison["base"].iloc[0] if len(comparison) else None
        if base in scenarios:
            scenarios.remove(base)
            scenarios.insert(0, base)
    if (path / "precision.json").is_file():
        read_json(path / "precision.json", "the precision record of a jobpath batch")
        if (d := digest("precision.json")) is not None:
            check_digest(path / "precision.json", d, record)
    reps = {s: int(summary.loc[summary["scenario"] == s, "n"].max()) for s in scenarios}
    no_spells: list[Path] = []
    for s in scenarios:  # every replication's files, as its checksums record lists them
        done = done_replications(path, s)
        if missing := [k for k in range(1, reps[s] + 1) if k not in done]:
            raise DamagedResults(
                f"{path / 'runs' / s / f'rep-{missing[0]:04d}.parquet'}: missing; summary.parquet "
                f"counts {reps[s]} replications of {s}"
            )
        for k in done:  # spells may be left out (as the app's download does): only the pathways need them
            check_replication(path, s, k, plan, optional=("spells",), missing=no_spells)
    if no_spells:
        warnings.append(
            f"{no_spells[0]}"
            + (f" and {len(no_spells) - 1} more spells file(s)" if len(no_spells) > 1 else "")
            + ": missing; the pathways are drawn from the spells that are there, if any"
        )
    contents = {
        s: c for s, c in ((s, _content(path, (plan.get("scenarios") or {}).get(s, {}))) for s in scenarios) if c
    }
    spells = {s: sorted((path / "spells" / s).glob("rep-*.parquet"))[:SPELLS_REPLICATIONS] for s in scenarios}
    return Results(
        path,
        "compare" if comparison is not None else "batch",
        scenarios,
        summary,
        comparison,
        contents,
        spells,
        reps,
        [s for s in scenarios if s not in contents],
        warnings,
    )


def _content(path: Path, ref: dict) -> dict | None:
    """The scenario's resolved content, if its file still exists with the content the batch ran."""
    from ..errors import ScenarioError
    from ..scenario import load_scenario

    p = ref.get("path")
    if not p:
        return None
    for candidate in (Path(p), path.parent / p, path / Path(p).name):
        if candidate.is_file():
            try:
                loaded = load_scenario(candidate)
            except ScenarioError:
                return None
            return loaded.resolved if loaded.sha256 == ref.get("sha256") else None
    return None


def _load_run(path: Path) -> Results:
    """A single `jobpath run` directory, summarised like a batch of one replication."""
    from ..batch import stats

    record = path / "manifest.json"
    if not record.is_file():
        raise ResultsError(
            f"{path}: expected manifest.json beside monthly.parquet (jobpath run writes both), found none"
        )
    meta = read_json(record, "the manifest of a jobpath run")
    files = meta.get("files") if isinstance(meta.get("files"), dict) else None
    warnings = (
        []
        if files is not None
        else [
            f"{path}: written by a jobpath version without checksums; its "
            "files were checked for readable tables with the documented columns only"
        ]
    )
    content = meta.get("scenario") if isinstance(meta.get("scenario"), dict) else {}
    for table in TABLES:  # every table there: recorded, intact, with the documented columns
        f = path / f"{table}.parquet"
        if files is not None and f.name in files:
            if not f.is_file() and table == "spells":  # only the pathways need it
                warnings.append(f"{f}: missing; the report has no pathways")
                continue
            if not f.is_file():
                raise DamagedResults(f"{f}: missing; {record} records it as written")
        elif not f.is_file():
            continue
        elif files is not None:
            raise DamagedResults(f"{f}: expected its SHA-256 in {record}, found none: the file is not this run's")
        check_columns(f, parquet_columns(f), expected_columns(table, content), table)
        if files is not None:
            check_digest(f, files[f.name], record)
    name = Path(str(meta.get("scenario_path", path.name))).stem
    mo = _read(path / "monthly.parquet", "monthly", content, None, record)  # its digest checked above
    if (path / "programme_monthly.parquet").is_file():
        pm = _read(path / "programme_monthly.parquet", "programme_monthly", content, None, record)
    else:  # no programmes table: an empty one with the columns the summary expects
        pm = pd.DataFrame({c: pd.Series(dtype=float) for c in PROGRAMME_COLUMNS})
        pm = pm.astype({"month": str, "programme": str})
    for df in (mo, pm):
        df.insert(0, "replication", 1)
        df.insert(0, "scenario", name)
    summary = stats.summary(mo, pm)
    spells = [path / "spells.parquet"] if (path / "spells.parquet").is_file() else []
    return Results(
        path,
        "run",
        [name],
        summary,
        None,
        {name: content} if content else {},
        {name: spells},
        {name: 1},
        warnings=warnings,
    )
