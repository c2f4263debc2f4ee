"""The app's logic without the page: scenarios in, a variant out, a paired comparison run.

A variant is the base scenario's resolved content (data, never code) with the planner's
changes applied: places, durations (scaled), cost per place and month, yearly entry quotas,
and hazards switched off (rate 0). It is validated like a file and written as plain TOML.
"""

from __future__ import annotations

import copy
import io
import re
import threading
import time
import tomllib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from ..scenario.loader import merge, read_toml, validate

DURATION_SCALED = {"fixed": ("value",), "exponential": ("mean",), "uniform": ("low", "high"),
                   "lognormal": ("mean", "sd"), "gamma": ("mean", "sd"), "weibull": ("scale",),
                   "empirical": ("values",)}


def list_scenarios(directory: Path) -> list[Path]:
    """Scenario files a planner can pick: DIR/*.toml and DIR/variants/*.toml."""
    d = Path(directory)
    if not d.is_dir():
        return []
    return sorted(d.glob("*.toml")) + sorted(d.glob("variants/*.toml"))


def load_path(path: Path) -> dict:
    """A scenario file's resolved, validated content (ScenarioError if invalid)."""
    from ..scenario import load_scenario
    return load_scenario(path).resolved


def load_upload(data: bytes, filename: str, scenarios_dir: Path | None) -> dict:
    """An uploaded scenario's resolved, validated content; `extends` is looked up in scenarios_dir."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(filename, [("", "expected a UTF-8 text file (TOML), found binary data")]) from None
    try:
        content = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(filename, [("", f"expected a TOML file, found a syntax error: {e}")]) from None
    base = content.pop("extends", None)
    if base is not None:
        content = merge(_extended(base, filename, scenarios_dir), content)
    validate(content, filename)
    return content


def _extended(base: Any, filename: str, scenarios_dir: Path | None) -> dict:
    """The content an uploaded file extends: a scenario of the app's scenarios directory."""
    if not isinstance(base, str):
        raise ScenarioError(filename, [("extends", f"expected a file name, found {base!r}")])
    if scenarios_dir is not None:
        d = Path(scenarios_dir)
        for candidate in (d / base, d / Path(base).name, d / "variants" / base):
            if candidate.is_file():
                return read_toml(candidate.resolve())
    msg = (f"expected a scenario file of {scenarios_dir} named '{Path(base).name}', found none "
           "(upload a file without extends)")
    raise ScenarioError(filename, [("extends", msg)])


def scale_duration(dist: dict, factor: float) -> dict:
    """The same distribution with every time value multiplied by `factor` (shape kept)."""
    out = dict(dist)
    for key in DURATION_SCALED.get(dist.get("dist", ""), ()):
        if key in out:
            out[key] = [v * factor for v in out[key]] if isinstance(out[key], list) else out[key] * factor
    return out


@dataclass
class ProgrammeChange:
    places: int | None            # None = unlimited
    duration_factor: float = 1.0
    cost_per_month: float = 0.0
    entries_per_year: int | None = None   # None = no quota


@dataclass
class Changes:
    name: str
    programmes: dict[str, ProgrammeChange] = field(default_factory=dict)
    hazards_off: set[str] = field(default_factory=set)


def current(content: dict) -> Changes:
    """The form's starting values: the base scenario as it is."""
    progs = {n: ProgrammeChange(p.get("places"), 1.0, float(p.get("cost_per_month", 0.0)), p.get("entries_per_year"))
             for n, p in content.get("programmes", {}).items()}
    return Changes(str(content.get("name", "")), progs, set())


def apply(content: dict, changes: Changes) -> dict:
    """The base content with the changes applied (a new dict; the base is untouched).

    Only values that differ from the base are written, so an unchanged form gives the base back.
    """
    out = copy.deepcopy(content)
    out["name"] = changes.name
    for name, ch in changes.programmes.items():
        p = out["programmes"][name]
        for key, value in (("places", ch.places), ("entries_per_year", ch.entries_per_year)):
            if value != p.get(key):
                _set_optional(p, key, None if value is None else int(value))
        if float(ch.cost_per_month) != float(p.get("cost_per_month", 0.0)):
            p["cost_per_month"] = float(ch.cost_per_month)
        if ch.duration_factor != 1.0:
            p["duration"] = scale_duration(p["duration"], float(ch.duration_factor))
    for h in changes.hazards_off:
        out["hazards"][h]["rate_per_month"] = 0.0
    return out


def _set_optional(table: dict, key: str, value) -> None:
    if value is None:
        table.pop(key, None)
    else:
        table[key] = value


def differences(base: Any, variant: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Field paths whose values differ between two contents: (path, base value, variant value)."""
    if isinstance(base, dict) and isinstance(variant, dict):
        out = []
        for k in list(base) + [k for k in variant if k not in base]:
            out += differences(base.get(k), variant.get(k), f"{path}.{k}" if path else str(k))
        return out
    return [] if base == variant else [(path, base, variant)]


def to_toml(content: dict, comment: str = "") -> str:
    """The content as a TOML scenario file (data only), loadable by `jobpath run`."""
    import tomli_w
    head = "".join(f"# {line}\n" for line in comment.splitlines()) if comment else ""
    return head + tomli_w.dumps(content)


def safe_name(text: str) -> str:
    """A file and scenario name from free text (letters, digits, _ and -)."""
    return re.sub(r"[^A-Za-z0-9_\-]+", "_", text).strip("_")[:50] or "scenario"


@dataclass
class Comparison:
    out: Path                     # the batch output directory (summary, comparison, per-replication files)
    base: str
    variant: str
    seconds: float


def run_comparison(base: dict, variant: dict, base_name: str, variant_name: str, work_dir: Path, replications: int,
                   years: float, seed: int = 1, workers: int = 1,
                   on_progress: Callable[[int, int], None] | None = None) -> Comparison:
    """Run base and variant with common random numbers; write summary and paired comparison."""
    from ..batch.runner import BatchSpec, long_values, run_batch
    from ..batch.stats import paired
    from ..batch.store import create_duckdb, write_parquet_atomic
    if base_name == variant_name:
        raise ValueError(f"variant name: expected a name other than the base's ('{base_name}'), found the same")
    scen_dir = Path(work_dir) / "scenarios"
    scen_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in ((base_name, base), (variant_name, variant)):
        p = scen_dir / f"{name}.toml"
        p.write_text(to_toml(content), encoding="utf-8")
        paths.append(str(p))
    out = Path(work_dir) / "results"
    spec = BatchSpec(scenarios=paths, replications=replications, years=years, out=str(out), seed=seed,
                     workers=workers, overwrite=True)
    t0 = time.perf_counter()
    result = _run_watched(spec, run_batch, out, 2 * replications, on_progress)
    comp = paired(long_values(result.out, result.used), base=base_name)
    write_parquet_atomic(comp, result.out / "comparison.parquet")
    create_duckdb(result.out)
    return Comparison(result.out, base_name, variant_name, time.perf_counter() - t0)


def _run_watched(spec, run_batch, out: Path, total: int, on_progress) -> Any:
    """Run the batch in a thread, reporting finished replications (their `runs` files) as they appear."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = run_batch(spec, progress=False)
        except BaseException as e:  # handed to the caller's thread
            box["error"] = e

    th = threading.Thread(target=target, daemon=True)
    th.start()
    last = -1
    while th.is_alive():
        th.join(0.25)
        staging = sorted(out.parent.glob(f".{out.name}.new-*"))   # an overwrite writes there until complete
        watched = staging[0] if staging else out
        done = len(list(watched.glob("runs/*/rep-*.parquet"))) if watched.is_dir() else 0
        if on_progress and done != last:
            on_progress(min(done, total), total)
            last = done
    if "error" in box:
        raise box["error"]
    if on_progress:
        on_progress(total, total)
    return box["result"]


def results_zip(out: Path, extra: dict[str, bytes] | None = None) -> bytes:
    """The comparison's results as a zip: summaries, per-replication tables (no spells), scenarios."""
    buf = io.BytesIO()
    out = Path(out)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f in ("summary.parquet", "comparison.parquet", "batch.json"):
            if (out / f).is_file():
                z.write(out / f, f)
        for table in ("runs", "monthly", "programme_monthly"):
            for f in sorted(out.glob(f"{table}/*/rep-*.parquet")):
                z.write(f, str(f.relative_to(out)))
        for f in sorted((out.parent / "scenarios").glob("*.toml")):
            z.write(f, f"scenarios/{f.name}")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()
