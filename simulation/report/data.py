"""Reading a results directory (`jobpath run`, `batch` or `compare` output) into one shape.

Whatever produced it, a report sees: the scenarios (in order, base first), the summary table
(n, mean, 95 % CI per scenario, period and indicator), the comparison table if any, each
scenario's content when its file can still be read unchanged, and the spells of a few
replications per scenario for the pathways.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

PROGRAMME_COLUMNS = ["month", "programme", "participants", "participants_end", "waiting", "waiting_end", "entries",
                     "mean_wait_days", "cost"]
SPELLS_REPLICATIONS = 5   # replications whose spells feed the pathways diagram (enough for a mean)


class ResultsError(Exception):
    """A directory that holds no results a report can read; exit code 2."""


@dataclass
class Results:
    path: Path
    kind: str                                   # run | batch | compare
    scenarios: list[str]
    summary: pd.DataFrame
    comparison: pd.DataFrame | None = None
    contents: dict[str, dict] = field(default_factory=dict)       # scenario -> resolved content
    spells_files: dict[str, list[Path]] = field(default_factory=dict)
    replications: dict[str, int] = field(default_factory=dict)
    stale: list[str] = field(default_factory=list)     # scenarios whose file is gone or changed since the run

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
    """Recognise the kind of results directory and read it; ResultsError if it is none."""
    path = Path(path)
    if not path.is_dir():
        raise ResultsError(f"{path}: expected a results directory (from jobpath run, batch or compare), "
                           "found no directory")
    if (path / "summary.parquet").is_file():
        return _load_batch(path)
    if (path / "monthly.parquet").is_file():
        return _load_run(path)
    raise ResultsError(f"{path}: expected summary.parquet (jobpath batch or compare) or monthly.parquet "
                       "(jobpath run), found neither")


def _read_parquet(f: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(f)
    except Exception as e:  # a truncated or foreign file: say which one
        raise ResultsError(f"{f}: expected a Parquet table written by jobpath, found an unreadable file ({e})") \
            from None


def _load_batch(path: Path) -> Results:
    summary = _read_parquet(path / "summary.parquet")
    missing = {"scenario", "period_type", "period", "indicator", "n", "mean", "ci_low", "ci_high"} - set(summary)
    if missing:
        raise ResultsError(f"{path / 'summary.parquet'}: expected the columns of a jobpath summary, "
                           f"found none of {sorted(missing)}")
    summary["scenario"] = summary["scenario"].astype(str)
    plan = _batch_record(path)
    order = list(plan.get("scenarios", {}))
    scenarios = [s for s in order if s in set(summary["scenario"])] + \
        [s for s in summary["scenario"].unique() if s not in order]
    comparison = None
    if (path / "comparison.parquet").is_file():
        comparison = _read_parquet(path / "comparison.parquet")
        base = comparison["base"].iloc[0] if len(comparison) else None
        if base in scenarios:
            scenarios.remove(base)
            scenarios.insert(0, base)
    contents = {s: c for s, c in ((s, _content(path, plan.get("scenarios", {}).get(s, {}))) for s in scenarios) if c}
    spells = {s: sorted((path / "spells" / s).glob("rep-*.parquet"))[:SPELLS_REPLICATIONS] for s in scenarios}
    reps = {s: int(summary.loc[summary["scenario"] == s, "n"].max()) for s in scenarios}
    return Results(path, "compare" if comparison is not None else "batch", scenarios, summary, comparison,
                   contents, spells, reps, [s for s in scenarios if s not in contents])


def _batch_record(path: Path) -> dict:
    f = path / "batch.json"
    if not f.is_file():
        return {}
    try:
        return json.loads(f.read_text())
    except json.JSONDecodeError:
        return {}


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
    meta = {}
    if (path / "manifest.json").is_file():
        meta = json.loads((path / "manifest.json").read_text())
    content = meta.get("scenario") or {}
    name = Path(meta.get("scenario_path", path.name)).stem
    mo = _read_parquet(path / "monthly.parquet")
    if (path / "programme_monthly.parquet").is_file():
        pm = _read_parquet(path / "programme_monthly.parquet")
    else:   # no programmes table: an empty one with the columns the summary expects
        pm = pd.DataFrame({c: pd.Series(dtype=float) for c in PROGRAMME_COLUMNS})
        pm = pm.astype({"month": str, "programme": str})
    for df in (mo, pm):
        df.insert(0, "replication", 1)
        df.insert(0, "scenario", name)
    summary = stats.summary(mo, pm)
    spells = [path / "spells.parquet"] if (path / "spells.parquet").is_file() else []
    return Results(path, "run", [name], summary, None, {name: content} if content else {}, {name: spells},
                   {name: 1})
