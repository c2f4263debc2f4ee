"""The app's logic without the page: scenarios in, variants out, a paired comparison run.

A variant is the base scenario's resolved content (data, never code) with the planner's
changes applied: places, durations (scaled), cost per place and month, yearly entry quotas,
budgets, case managers of staffing groups, places of pools, inflow and wave factors, and
hazard rates scaled (factor 0 = off), one by one or by the scenario's lever groups. It is written as a short `extends` file holding only the changed
lines, validated like any file, and run by `jobpath compare` in a background process.
"""

from __future__ import annotations

import atexit
import copy
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
import tomllib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulation.app.plans import same_plan

from ..errors import ScenarioError
from ..scenario.loader import merge, read_toml, validate

DURATION_SCALED = {
    "fixed": ("value",),
    "exponential": ("mean",),
    "uniform": ("low", "high"),
    "lognormal": ("mean", "sd"),
    "gamma": ("mean", "sd"),
    "weibull": ("scale",),
    "empirical": ("values",),
}


def list_scenarios(directory: Path) -> list[Path]:
    """Scenario files a planner can pick: DIR/*.toml and DIR/variants/*.toml."""
    d = Path(directory)
    if not d.is_dir():
        return []
    return sorted(d.glob("*.toml")) + sorted(d.glob("variants/*.toml"))


def scenario_title(path: Path, lang: str) -> tuple[str, str]:
    """A scenario file as a planner picks it: its name and the first line of its description in the language
    (German `name_de`, `description_de`), read without validation; the file name if it has no name."""
    key = (str(path), path.stat().st_mtime_ns if path.exists() else 0, lang)
    if key not in _TITLES:
        from ..scenario.loader import read_toml

        try:
            data = read_toml(Path(path).resolve())
        except Exception:  # an unreadable file is named by its file name; choosing it shows its problems
            data = {}
        de = lang == "de"
        name = str((data.get("name_de") if de else "") or data.get("name") or Path(path).name)
        text = str((data.get("description_de") if de else "") or data.get("description") or "")
        _TITLES[key] = (name, text.strip().splitlines()[0] if text.strip() else "")
    return _TITLES[key]


_TITLES: dict[tuple, tuple[str, str]] = {}


def load_path(path: Path) -> dict:
    """A scenario file's resolved, validated content (ScenarioError if invalid)."""
    from ..scenario import load_scenario

    return load_scenario(path).resolved


def load_upload(data: bytes, filename: str, scenarios_dir: Path | None) -> dict:
    """An uploaded scenario's resolved, validated content; `extends` is looked up in scenarios_dir."""
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")  # a byte-order mark is not content
    except UnicodeDecodeError:
        raise ScenarioError(filename, [("", "expected a UTF-8 text file (TOML), found binary data")]) from None
    try:
        content = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(filename, [("", f"expected a TOML file, found a syntax error: {e}")]) from None
    except RecursionError:  # as `read_toml` reports it for a file given on the command line
        raise ScenarioError(
            filename, [("", f"expected a TOML file, found tables or arrays nested too deep in '{filename}'")]
        ) from None
    base = content.pop("extends", None)
    if base is not None:
        extended = _extended(base, filename, scenarios_dir)
        try:
            content = merge(extended, content)
        except RecursionError:
            raise ScenarioError(
                filename, [("", "expected a scenario, found tables or arrays nested too deep")]
            ) from None
    validate(content, filename)
    return content


def _extended(base: Any, filename: str, scenarios_dir: Path | None) -> dict:
    """The content an uploaded file extends: one of the app's scenario files (never any other file).

    `extends` is looked up by its path, then by its file name, in the scenarios directory and its
    variants/ folder; what it names must be one of the files the app offers (`list_scenarios`).
    """
    from ..errors import shorten

    if not isinstance(base, str):
        raise ScenarioError(filename, [("extends", f"expected a file name, found {shorten(repr(base))}")])
    if scenarios_dir is not None:
        d = Path(scenarios_dir)
        offered = {p.resolve(): p for p in list_scenarios(d)}
        name = Path(base).name
        for candidate in (d / base, d / name, d / "variants" / base, d / "variants" / name):
            try:
                real = candidate.resolve()
            except (OSError, RuntimeError, ValueError):
                continue
            if real in offered:
                return read_toml(real)
    msg = (
        f"expected a scenario file of {scenarios_dir} named '{shorten(Path(base).name)}', found none "
        "(upload a file without extends)"
    )
    raise ScenarioError(filename, [("extends", msg)])


def scale_duration(dist: dict | list, factor: float) -> dict | list:
    """The same distribution with every time value multiplied by `factor` (shape kept); for a programme's
    duration by condition (a list of rules), every rule's distribution, the conditions kept."""
    if isinstance(dist, list):
        return [{**rule, "duration": scale_duration(rule["duration"], factor)} for rule in dist]
    out = dict(dist)
    for key in DURATION_SCALED.get(dist.get("dist", ""), ()):
        if key in out:
            out[key] = [v * factor for v in out[key]] if isinstance(out[key], list) else out[key] * factor
    return out


@dataclass
class ProgrammeChange:
    places: int | None  # None = unlimited
    duration_factor: float = 1.0
    cost_per_month: float = 0.0
    entries_per_year: int | None = None  # None = no quota


@dataclass
class Changes:
    name: str
    programmes: dict[str, ProgrammeChange] = field(default_factory=dict)
    hazards_off: set[str] = field(default_factory=set)
    hazard_factors: dict[str, float] = field(default_factory=dict)  # hazard -> rate factor
    group_factors: dict[str, float] = field(default_factory=dict)  # lever group -> rate factor of its hazards
    inflow_factor: float = 1.0
    wave_factors: dict[str, float] = field(default_factory=dict)  # wave -> factor on its inflow
    budgets: dict[str, float | list] = field(default_factory=dict)  # budget -> per_year (steps kept as they are)
    staffing: dict[str, float | list] = field(default_factory=dict)  # staffing group -> staff (steps kept)
    pools: dict[str, float | list] = field(default_factory=dict)  # pool -> places (steps kept)


def current(content: dict) -> Changes:
    """The form's starting values: the base scenario as it is."""
    progs = {
        n: ProgrammeChange(p.get("places"), 1.0, float(p.get("cost_per_month", 0.0)), p.get("entries_per_year"))
        for n, p in content.get("programmes", {}).items()
    }
    budgets = {n: b.get("per_year") for n, b in content.get("budgets", {}).items()}
    staffing = {n: g.get("staff") for n, g in content.get("staffing", {}).items()}
    pools = {n: q.get("places") for n, q in content.get("pools", {}).items() if q.get("places") is not None}
    return Changes(str(content.get("name", "")), progs, set(), budgets=budgets, staffing=staffing, pools=pools)


def lever_groups(content: dict) -> dict[str, dict]:
    """The scenario's lever groups (`[levers.<name>]`: label, hazards), in file order."""
    return {k: dict(v) for k, v in content.get("levers", {}).items()}


def hazard_factor(changes: Changes, content: dict, hazard: str) -> float:
    """The factor on a hazard's rate: its own factor times those of the lever groups that hold it."""
    f = 0.0 if hazard in changes.hazards_off else float(changes.hazard_factors.get(hazard, 1.0))
    for g, spec in lever_groups(content).items():
        if hazard in spec.get("hazards", []):
            f *= float(changes.group_factors.get(g, 1.0))
    return f


def apply(content: dict, changes: Changes) -> dict:
    """The base content with the changes applied (a new dict; the base is untouched).

    Only values that differ from the base are written, so an unchanged form gives the base back.
    """
    out = copy.deepcopy(content)
    out["name"] = changes.name
    for name, ch in changes.programmes.items():
        p = out["programmes"][name]
        for key, value in (("places", ch.places), ("entries_per_year", ch.entries_per_year)):
            if not same_plan(value, p.get(key)):  # a number, none (unlimited), or a plan over time
                _set_optional(p, key, _whole(value))
        if float(ch.cost_per_month) != float(p.get("cost_per_month", 0.0)):
            p["cost_per_month"] = float(ch.cost_per_month)
        if ch.duration_factor != 1.0:
            p["duration"] = scale_duration(p["duration"], float(ch.duration_factor))
    for section, key, values in (
        ("budgets", "per_year", changes.budgets),
        ("staffing", "staff", changes.staffing),
        ("pools", "places", changes.pools),
    ):
        for name, value in values.items():
            _set_number(out.get(section, {}).get(name), key, value)
    for h, spec in out.get("hazards", {}).items():
        f = hazard_factor(changes, content, h)
        if f != 1.0:
            spec["rate_per_month"] = float(spec.get("rate_per_month", 0.0)) * f
    pop = out.get("population", {})
    if changes.inflow_factor != 1.0 and pop.get("inflow"):
        pop["inflow"]["per_month"] = float(pop["inflow"]["per_month"]) * float(changes.inflow_factor)
    for w, f in changes.wave_factors.items():
        if f != 1.0 and w in pop.get("waves", {}):
            pop["waves"][w]["per_month"] = float(pop["waves"][w]["per_month"]) * float(f)
    return out


def _set_number(table: dict | None, key: str, value) -> None:
    """A budget's, staffing group's or pool's number or plan over time, if changed (whole numbers as such)."""
    if table is None or value is None or same_plan(value, table.get(key)):
        return
    table[key] = _tidy(value)


def _tidy(value):
    """A number (or each step's) as an int when whole, else a float."""
    if isinstance(value, list):
        return [{"from": s["from"], "value": _tidy(s["value"])} for s in value]
    return int(value) if float(value).is_integer() else float(value)


def _whole(value):
    """Places or a quota as whole numbers (None: unlimited)."""
    if value is None:
        return None
    if isinstance(value, list):
        return [{"from": s["from"], "value": int(s["value"])} for s in value]
    return int(value)


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
    """A file and scenario name from free text: letters (umlauts kept), digits, _ and -."""
    return re.sub(r"[^\w\-]+", "_", text).strip("_")[:50] or "scenario"


def overrides(base: Any, variant: Any) -> dict:
    """The tables of `variant` that differ from `base`, as an `extends` file writes them.

    Tables recurse; a duration (a table with `dist`) and any other value are written whole,
    as the loader's merge replaces them whole. A key the variant lacks cannot be written:
    ValueError.
    """
    out: dict = {}
    for k in list(base) + [k for k in variant if k not in base]:
        if k not in variant:
            raise ValueError(f"{k}: removed in the variant, which an extends file cannot say")
        b, v = base.get(k), variant[k]
        if isinstance(b, dict) and isinstance(v, dict) and "dist" not in v:
            sub = overrides(b, v)
            if sub:
                out[k] = sub
        elif b != v:
            out[k] = v
    return out


def extends_toml(base_file: str, base: dict, variant: dict, comment: str = "") -> str:
    """The variant as a short file: `extends = base_file` and only the changed lines.

    Falls back to the whole resolved content when a change cannot be said as an override
    (a field removed, e.g. places made unlimited).
    """
    try:
        changed = overrides(base, variant)
    except ValueError:
        return to_toml(variant, comment)
    return to_toml({"extends": base_file, **changed}, comment)


def file_variant_toml(text: str, resolved: dict, variant: dict, comment: str = "") -> str:
    """A variant made from a scenario file (shipped or uploaded): the file itself, plus the lines changed.

    Unchanged, it is the file's own text, `extends` and comments as written. Changed, it is the file's
    own tables (its `extends` kept) with the changed lines merged in. A change an override cannot say
    (a field removed) gives the whole resolved content.
    """
    if variant == resolved:
        return text
    try:
        changed = overrides(resolved, variant)
    except ValueError:
        return to_toml(variant, comment)
    own = tomllib.loads(text)
    ext = own.pop("extends", None)
    merged = merge(own, changed)
    return to_toml(({"extends": ext} if ext is not None else {}) | merged, comment)


@dataclass(eq=False)
class RunJob:
    """A comparison running in the background: `jobpath compare` in its own process group.

    Kept in the page's session, it survives reruns of the page (clicks, a language switch);
    `cancel()` stops the process. `state` is running, done, failed or cancelled.
    """

    work: Path
    base: str
    variants: list[str]
    total: int
    started: float = field(default_factory=time.monotonic)
    state: str = "running"
    error: str = ""
    seconds: float = 0.0
    proc: subprocess.Popen | None = None
    thread: threading.Thread | None = None
    _cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def out(self) -> Path:
        return self.work / "results"

    def done_count(self) -> int:
        """Finished replications: their files in `runs/` (each written whole, atomically)."""
        return min(len(list(self.out.glob("runs/*/rep-*.parquet"))) if self.out.is_dir() else 0, self.total)

    def cancel(self) -> None:
        self._cancel.set()
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def wait(self, timeout: float | None = None) -> str:
        if self.thread is not None:
            self.thread.join(timeout)
        return self.state


_RUNNING: set[RunJob] = set()


def _end_with_parent() -> None:
    """In the run's process, before it starts (Linux): a SIGTERM when the app's process ends, however it
    ends, so that no run outlives the app (the run has its own process group, which the app's stop misses)."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@atexit.register
def _stop_running() -> None:
    """When the app stops, so do its runs (each runs in its own process group)."""
    for job in list(_RUNNING):
        job.cancel()


def write_scenarios(work: Path, base_name: str, base: dict, variants: list[tuple[str, dict, str]]) -> list[Path]:
    """The base (resolved) and each variant (an `extends` file of it) in work/scenarios; validated.

    `variants` holds (file stem, content, comment). Returns the paths, base first.
    """
    from ..scenario import load_scenario

    d = Path(work) / "scenarios"
    d.mkdir(parents=True, exist_ok=True)
    base_path = d / f"{base_name}.toml"
    base_path.write_text(to_toml(base), encoding="utf-8")
    paths = [base_path]
    for stem, content, comment in variants:
        if stem == base_name:
            raise ValueError(f"variant name: expected a name other than the base's ('{base_name}'), found the same")
        p = d / f"{stem}.toml"
        p.write_text(extends_toml(base_path.name, base, content, comment), encoding="utf-8")
        load_scenario(p)  # ScenarioError names the field, as for any file
        paths.append(p)
    return paths


def start_comparison(
    work: Path, paths: list[Path], replications: int, years: float, seed: int = 1, workers: int = 1
) -> RunJob:
    """Run `jobpath compare base variants…` in the background; the job reports progress and end."""
    out = Path(work) / "results"
    cmd = [
        sys.executable,
        "-m",
        "simulation.cli",
        "compare",
        *map(str, paths),
        "--replications",
        str(replications),
        "--years",
        repr(float(years)),
        "--seed",
        str(seed),
        "--workers",
        str(workers),
        "--out",
        str(out),
        "--overwrite",
        "--quiet",
    ]
    job = RunJob(Path(work), paths[0].stem, [p.stem for p in paths[1:]], replications * len(paths))
    root = Path(__file__).resolve().parents[2]

    def target() -> None:
        t0 = time.perf_counter()
        try:
            job.proc = subprocess.Popen(
                cmd,
                cwd=root,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
                text=True,
                preexec_fn=_end_with_parent,
            )
            if job._cancel.is_set():
                job.cancel()
            _, err = job.proc.communicate()
            job.seconds = time.perf_counter() - t0
            if job._cancel.is_set():
                job.state = "cancelled"
            elif job.proc.returncode != 0:
                job.error, job.state = message_of(err), "failed"
            else:
                job.state = "done"
        except Exception as e:  # handed to the page as a message
            job.error, job.state = f"{type(e).__name__}: {e}", "failed"
        finally:
            _RUNNING.discard(job)

    job.thread = threading.Thread(target=target, daemon=True)
    _RUNNING.add(job)
    job.thread.start()
    return job


def message_of(stderr: str) -> str:
    """What a failed `jobpath compare` said, for the page: its message, never a stack trace."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    if any(line.startswith("Traceback") for line in lines):
        lines = lines[-1:]  # the exception's own line
    return "\n".join(lines)[-2000:]


@dataclass
class Comparison:
    out: Path  # the batch output directory (summary, comparison, per-replication files)
    base: str
    variant: str
    seconds: float


def run_comparison(
    base: dict,
    variant: dict,
    base_name: str,
    variant_name: str,
    work_dir: Path,
    replications: int,
    years: float,
    seed: int = 1,
    workers: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """One variant against the base, in the foreground (waits for the background job)."""
    paths = write_scenarios(Path(work_dir), base_name, base, [(variant_name, variant, "")])
    job = start_comparison(Path(work_dir), paths, replications, years, seed, workers)
    while job.wait(0.25) == "running":
        if on_progress:
            on_progress(job.done_count(), job.total)
    if job.state != "done":
        raise ValueError(job.error or job.state)
    return Comparison(job.out, base_name, variant_name, job.seconds)


def results_zip(out: Path, extra: dict[str, bytes] | None = None) -> bytes:
    """The comparison's results as a zip: summaries, per-replication tables (no spells) with their checksums,
    scenarios."""
    buf = io.BytesIO()
    out = Path(out)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f in ("summary.parquet", "comparison.parquet", "batch.json"):
            if (out / f).is_file():
                z.write(out / f, f)
        for table in ("runs", "monthly", "programme_monthly", "budget_monthly", "pool_monthly", "staffing_monthly"):
            for f in sorted(out.glob(f"{table}/*/rep-*.parquet")):
                z.write(f, str(f.relative_to(out)))
        for f in sorted(out.glob("checksums/*/rep-*.json")):  # so that `jobpath report` can verify the files
            z.write(f, str(f.relative_to(out)))
        for f in sorted((out.parent / "scenarios").glob("*.toml")):
            z.write(f, f"scenarios/{f.name}")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()
