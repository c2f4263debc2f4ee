"""A batch from start to end: plan, run on a backend, resume, summarise, build the DuckDB views."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from .. import __version__
from ..errors import ScenarioError, shorten
from . import precision as alg
from . import stats
from .backends import backend_for, check_backend
from .plan import ScenarioRef, jobs_for, scenario_refs
from .store import (
    check_replication,
    clean_temporaries,
    create_duckdb,
    done_replications,
    is_done,
    read_table,
    remove_replication,
    write_parquet_atomic,
    write_text_atomic,
)


class BatchError(Exception):
    """A batch that cannot start as asked (e.g. existing results without --resume); exit code 2."""


@dataclass
class BatchSpec:
    scenarios: list[str]
    replications: int = 10
    years: float | None = None
    out: str = "results/batch"
    seed: int = 1
    dask: str | None = None
    workers: int | None = None
    resume: bool = False
    overwrite: bool = False
    keep_spells: bool = True
    precision: float | None = None
    indicators: list[str] = field(default_factory=lambda: ["iq", "lzb_stock"])
    initial: int = 5
    draws: str | None = None
    force: bool = False
    compare: bool = False  # also the paired differences against the first scenario (compare)


@dataclass
class BatchResult:
    out: Path
    used: dict[str, list[int]]  # replications used per scenario
    summary: pd.DataFrame
    precision: dict | None
    backend: str
    comparison: pd.DataFrame | None = None  # with spec.compare: comparison.parquet's content


def _plan_record(spec: BatchSpec, refs: list[ScenarioRef], years: float) -> dict:
    from ..integrity import CHECKSUMS

    return {
        "jobpath_version": __version__,
        "checksums": CHECKSUMS,
        "seed": spec.seed,
        "years": years,
        "precision": spec.precision,
        "indicators": spec.indicators if spec.precision else None,
        "draws": spec.draws,
        "scenarios": {r.name: {"path": r.path, "sha256": r.sha256} for r in refs},
        "resolved": {r.name: r.resolved for r in refs},
    }


def _check_out(spec: BatchSpec, plan: dict) -> tuple[Path, Path]:
    """The results folder and the folder to write into (a hidden sibling when overwriting, so the old
    results stay whole until the new ones are complete). Nothing is written here."""
    from ..errors import ArgumentError
    from ..outdir import check_out

    try:
        out = check_out(spec.out, "batch.json", "batch results")
    except ArgumentError as e:
        raise BatchError(str(e)) from None
    record = out / "batch.json"
    if record.exists():
        from ..integrity import DamagedResults, read_json

        try:
            old = read_json(record, "the record of an earlier batch")
        except (OSError, DamagedResults) as e:
            if spec.overwrite:  # asked to replace them: nothing of the old record is needed
                return out, out.parent / f".{out.name}.new-{os.getpid()}"
            why = str(e) if isinstance(e, DamagedResults) else f"{record}: unreadable ({e.strerror or e})"
            raise BatchError(f"{why}; use --overwrite to start again, or another --out") from None
        if spec.resume:
            differ = [k for k in ("seed", "years", "scenarios", "draws") if old.get(k) != plan.get(k)]
            if differ:
                raise BatchError(
                    f"{record}: --resume needs the same scenarios (unchanged files), seed, years and "
                    f"draws as the interrupted batch; found a different {', '.join(differ)}"
                )
            if "checksums" not in old:  # written by a version without digests: its replications are kept as
                plan.pop("checksums", None)  # they are if readable with their columns (see integrity.py)
        elif not spec.overwrite:
            raise BatchError(
                f"{out} already holds batch results; use --resume to complete them or --overwrite to start again"
            )
        else:
            return out, out.parent / f".{out.name}.new-{os.getpid()}"
    elif spec.resume and out.exists() and any(out.iterdir()):
        raise BatchError(f"{out}: nothing to resume (no batch.json)")
    return out, out


def _prepare_out(work: Path, plan: dict) -> Path:
    if work.name.startswith(".") and work.exists():  # a staging folder left by an earlier overwrite
        import shutil

        shutil.rmtree(work)
    new = not work.exists()
    work.mkdir(parents=True, exist_ok=True)
    try:
        write_text_atomic(work / "batch.json", json.dumps(plan, indent=2, default=str))
    except BaseException:
        if new:  # e.g. a full disk: leave no folder behind that looks like other files
            with contextlib.suppress(OSError):
                work.rmdir()
        raise
    clean_temporaries(work)
    return work


def _check_done(out: Path, refs: list[ScenarioRef], plan: dict) -> None:
    """--resume: every replication on disk is checked; a damaged one is removed, so that it is run again
    (its seed gives the same files). One written without digests (an older version) is kept if its
    tables are readable with their columns."""
    from ..integrity import DamagedResults

    unchecked = 0
    for ref in refs:
        for k in done_replications(out, ref.name):
            try:
                unchecked += not check_replication(out, ref.name, k, plan)
            except DamagedResults as e:
                print(f"warning: {e}\n  replication {k} of {ref.name} is run again", file=sys.stderr)
                remove_replication(out, ref.name, k)
    if unchecked:
        print(
            f"warning: {out}: {unchecked} replication(s) written by an older jobpath without checksums; kept "
            "as their tables are readable with the documented columns",
            file=sys.stderr,
        )


def _replace(out: Path, work: Path) -> None:
    """Put the complete new results in place of the old ones (two renames; the old ones are then removed)."""
    import shutil

    old = out.parent / f".{out.name}.old-{os.getpid()}"
    out.rename(old)
    work.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def yearly_indicator_names(scenario) -> set[str]:
    """The indicators `stats.yearly` gives for a scenario (names allowed with --indicators), from
    the indicator registry: each indicator, its per-sex and per-kind columns, and the programmes'."""
    from ..indicators import registry

    names = {"months"}
    for ind in registry.INDICATORS:
        if ind.name == "month_end_day":
            continue
        names.add(ind.name)
        for by in ind.by:
            levels = scenario.attributes["sex"] if by == "sex" else registry.KINDS[by]
            names |= {f"{ind.name}_{level}" for level in levels}
    for prog in scenario.programmes:
        names |= {f"programme.{prog}.{m}" for m in ("entries", "cost", "participants", "waiting", "mean_wait_days")}
    return names


def _check_indicators(spec: BatchSpec, refs: list[ScenarioRef]) -> None:
    from ..scenario import validate

    for ref in refs:
        known = yearly_indicator_names(validate(ref.resolved, ref.path))
        for ind in spec.indicators:
            if ind not in known:
                raise BatchError(
                    f"--indicators: expected indicators of {ref.path} (e.g. iq, lzb_stock, integrations, "
                    f"elb_stock, or programme.<name>.<measure>), found '{shorten(ind)}'"
                )


def _check_memory(spec: BatchSpec, refs: list[ScenarioRef], years: float, processes: int) -> None:
    from ..capacity import too_big
    from ..scenario import validate

    for ref in refs:
        if (why := too_big(validate(ref.resolved, ref.path), years, processes)) is not None:
            raise BatchError(f"{ref.path}: {why}")


def _watched(out: Path, scenario: str, reps: list[int], indicators: list[str]) -> dict[str, list[float]]:
    """Per replication, the last calendar year's value of each watched indicator."""
    mo = read_table(out, "monthly", scenario, reps)
    pm = read_table(out, "programme_monthly", scenario, reps)
    y = stats.yearly(mo, pm)
    last = y[y["period"] == y["period"].max()]
    vals = {}
    for ind in indicators:
        sel = last[last["indicator"] == ind].set_index("replication")["value"]
        if sel.empty:
            raise BatchError(
                f"--indicators: unknown indicator '{ind}'; expected a column of monthly.parquet "
                "(e.g. iq, lzb_stock, integrations, elb_stock) or programme.<name>.<measure>"
            )
        vals[ind] = [float(sel[k]) for k in reps]
    return vals


def run_batch(spec: BatchSpec, progress: bool = True) -> BatchResult:
    """Every argument, the scenarios and the backend are checked before anything is written."""
    refs = scenario_refs(spec.scenarios)
    years = spec.years if spec.years is not None else refs[0].resolved["time"].get("years", 1)
    overrides_for = None
    if spec.draws:
        from .draws import check_paths, load_draws

        overrides_for = load_draws(spec.draws)
        from ..scenario import validate
        from .worker import apply_overrides

        for ref in refs:
            check_paths(overrides_for, ref.resolved, spec.draws)
            for k in range(1, min(spec.replications, overrides_for.count) + 1):  # each draw used, checked first
                validate(apply_overrides(ref.resolved, overrides_for(k)), f"{spec.draws} (draw {k}, {ref.path})")
    if spec.precision is not None:
        _check_indicators(spec, refs)
    if (why := check_backend(spec.dask, spec.workers)) is not None:
        raise BatchError(why)
    plan = _plan_record(spec, refs, years)
    try:
        out, work = _check_out(spec, plan)
    except BatchError:
        from ..outdir import folder_busy

        if (busy := folder_busy(Path(spec.out))) is not None:  # what it found is another batch's work
            raise BatchError(busy) from None
        raise
    backend = backend_for(spec.dask, spec.workers)
    if not spec.force and not spec.dask:
        _check_memory(spec, refs, years, min(getattr(backend, "workers", 1), spec.replications))
    from ..errors import ArgumentError
    from ..outdir import FolderLock

    lock = FolderLock(out)
    try:
        lock.acquire()  # one batch at a time in a folder, for the whole run
    except ArgumentError as e:
        raise BatchError(str(e)) from None
    work = out
    try:
        out, work = _check_out(spec, plan)  # again, now that no other batch can change the folder
        result = _run_batch(spec, refs, years, overrides_for, plan, out, work, backend, progress)
        # still under the lock: nobody else writes the folder meanwhile
        return add_comparison(result) if spec.compare else result
    except BaseException:
        if work != out:  # an unfinished overwrite: the old results stay as they were
            import shutil

            shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        lock.release()


def add_comparison(result: BatchResult) -> BatchResult:
    """The paired differences of every scenario against the first (comparison.parquet), read through the checks of
    simulation/integrity.py; the DuckDB views made again to include them."""
    from .stats import paired

    result.comparison = paired(long_values(result.out, result.used), base=list(result.used)[0])
    write_parquet_atomic(result.comparison, result.out / "comparison.parquet")
    create_duckdb(result.out)
    return result


def _run_batch(spec, refs, years, overrides_for, plan, final: Path, work: Path, backend, progress) -> BatchResult:
    from tqdm import tqdm

    budget = spec.replications
    used: dict[str, list[int]] = {}
    report = None
    try:
        backend.__enter__()  # connects to a cluster: may fail, before anything is written
    except Exception as e:  # noqa: BLE001 - a cluster that cannot be reached or started: refused before writing
        raise BatchError(
            f"--dask: expected a Dask scheduler to answer at {spec.dask}, found none ({shorten(str(e))})"
        ) from None
    with contextlib.ExitStack() as stack:
        stack.push(backend.__exit__)  # left on the way out, whatever happens below
        out = _prepare_out(work, plan)
        if spec.resume and work == final:
            _check_done(out, refs, plan)
        total = budget * len(refs) if spec.precision is None else None
        bar = stack.enter_context(
            tqdm(
                total=total,
                unit="replication",
                desc="replications",
                disable=None if progress else True,
                dynamic_ncols=True,
            )
        )

        def run(ref: ScenarioRef, reps: list[int]) -> None:
            todo = [k for k in reps if not is_done(out, ref.name, k)]
            bar.update(len(reps) - len(todo))
            if todo:
                backend.map(
                    jobs_for(ref, todo, spec.seed, years, spec.keep_spells, overrides_for),
                    str(out),
                    lambda row: bar.update(1),
                )

        if spec.precision is None:
            for ref in refs:
                run(ref, list(range(1, budget + 1)))
                used[ref.name] = list(range(1, budget + 1))
        else:
            report = {}
            chunk = max(getattr(backend, "workers", 1), 1)
            for ref in refs:
                have = 0
                while True:
                    values = _watched(out, ref.name, list(range(1, have + 1)), spec.indicators) if have else {}
                    d = alg.decide(values, spec.precision, spec.initial, budget)
                    if d.done:
                        break
                    target = min(max(d.need, have + chunk), budget)
                    if target <= have:  # the budget is spent (--replications below the initial 5)
                        break
                    run(ref, list(range(have + 1, target + 1)))
                    have = target
                n_used = min(d.need, have)
                for k in range(n_used + 1, have + 1):  # beyond what the algorithm used: not kept
                    remove_replication(out, ref.name, k)
                used[ref.name] = list(range(1, n_used + 1))
                final_values = _watched(out, ref.name, used[ref.name], spec.indicators)
                widths = {k: alg.relative_half_width(pd.Series(v).to_numpy()) for k, v in final_values.items()}
                report[ref.name] = {
                    "replications": n_used,
                    "solution": d.solution,
                    "converged": d.solution is not None,
                    "precision": spec.precision,
                    "indicators": {
                        k: {"relative_half_width": w, "converged": bool(w <= spec.precision)} for k, w in widths.items()
                    },
                }
    frames_m = [read_table(out, "monthly", r.name, used[r.name]) for r in refs]
    frames_p = [read_table(out, "programme_monthly", r.name, used[r.name]) for r in refs]
    summary = stats.summary(pd.concat(frames_m, ignore_index=True), pd.concat(frames_p, ignore_index=True))
    write_parquet_atomic(summary, out / "summary.parquet")
    if report is not None:
        write_text_atomic(out / "precision.json", json.dumps(report, indent=2) + "\n")
    clean_temporaries(out)
    if work != final:
        _replace(final, work)
    create_duckdb(final)  # its views name the files by their final paths
    return BatchResult(final, used, summary, report, backend.name)


def long_values(out: Path, used: dict[str, list[int]]) -> pd.DataFrame:
    """Every replication's monthly and yearly indicator values in one long table (for comparisons)."""
    parts = []
    for scenario, reps in used.items():
        mo = read_table(out, "monthly", scenario, reps)
        pm = read_table(out, "programme_monthly", scenario, reps)
        m = stats.long_indicators(mo, pm).rename(columns={"month": "period"})
        m["period_type"] = "month"
        y = stats.yearly(mo, pm)
        y["period_type"] = "year"
        parts += [m, y]
    return pd.concat(parts, ignore_index=True)


__all__ = ["BatchSpec", "BatchResult", "BatchError", "run_batch", "long_values", "ScenarioError", "asdict"]
