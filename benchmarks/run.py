"""The benchmark suite: every figure in one run on one machine, so that ratios hold on a noisy one.

    python -m benchmarks.run [--quick] [--only kernel,chain,kassel,scaling,parallel,startup] [--out DIR]

Prints a table and writes DIR/latest.json and DIR/latest.md (default results/bench). Times are
given as wall clock and as CPU time of the measured process: on a machine shared with other
work the CPU time is the steadier figure, and the one a single free core would show as wall time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SECTIONS = ("kernel", "chain", "kassel", "scaling", "parallel", "national", "startup")
REPO = Path(__file__).resolve().parent.parent
KASSEL = REPO / "scenarios" / "kassel_2024.toml"


@dataclass(frozen=True)
class Sizes:
    """How much each section runs: full, --quick, or tiny (the smoke test)."""

    kernel_events: int
    chain_customers: int
    chain_repeats: int
    kassel_years: tuple[float, ...]
    scaling: tuple[int, ...]
    parallel_reps: int
    parallel_years: float
    parallel_customers: int  # size of the generic scenario used when the Kassel file is missing
    startup_repeats: int
    shards: tuple[int, ...] = (5_000, 10_000, 20_000, 40_000)  # synthetic job centres (customers a year)
    shard_years: float = 1.0


FULL = Sizes(300_000, 30_000, 3, (1.0, 5.0), (10_000, 100_000, 1_000_000), 8, 1.0, 20_000, 5)
QUICK = Sizes(100_000, 10_000, 2, (1.0, 5.0), (10_000, 30_000, 100_000), 4, 1.0, 20_000, 5, (5_000, 10_000, 20_000))
TINY = Sizes(2_000, 300, 1, (0.25,), (300, 600), 2, 0.25, 200, 1, (300, 600), 0.25)


@dataclass
class Row:
    """One line of the table; `met` is None where there is no target."""

    section: str
    measure: str
    value: float
    unit: str
    target: str = ""
    met: bool | None = None
    note: str = ""


@dataclass
class Report:
    """The table's rows and every raw figure (written as JSON)."""

    rows: list[Row] = field(default_factory=list)
    data: dict = field(default_factory=dict)

    def add(self, *args, **kw) -> None:
        self.rows.append(Row(*args, **kw))


def say(msg: str) -> None:
    """Progress on stderr, so stdout holds only the table."""
    print(msg, file=sys.stderr, flush=True)


# --- the machine --------------------------------------------------------------------------


def machine() -> dict:
    """Where the figures come from: CPU, cores, memory, load, versions, commit."""
    import simpy

    cpu, mem = "", ""
    try:
        cpu = next(
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        )
        mem = next(
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/meminfo").read_text().splitlines()
            if ln.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO, check=False
    ).stdout.strip()
    changed = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "simulation"], cwd=REPO, check=False)
    if commit and changed.returncode == 1:
        commit += " with uncommitted changes to simulation/"
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "host": platform.node(),
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "memory": mem,
        "python": platform.python_version(),
        "simpy": simpy.__version__,
        "commit": commit,
        "load_at_start": os.getloadavg(),
    }


# --- sections -----------------------------------------------------------------------------


def timed(fn):
    """(result, wall seconds, CPU seconds) of fn()."""
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t, time.process_time() - c


def freed(out):
    """`out`, once the garbage its run left behind is collected (a run's cost includes freeing it)."""
    gc.collect()
    return out


def section_kernel(rep: Report, sizes: Sizes) -> dict:
    """SimPy's own throughput, the reference for every events-per-second figure."""
    from .kernel import kernel

    k = kernel(sizes.kernel_events, repeats=3)
    for key, label in (("timeouts", "SimPy timeout loop"), ("resource", "SimPy Resource request-timeout-release")):
        rep.add(
            "kernel",
            label,
            k[key]["events_per_s"],
            "events/s",
            note=f"{k[key]['events_per_cpu_s']:,.0f} per CPU-s; {k[key]['events']:,} events",
        )
    return k


def _chain_runs(repeats: int, jobpath, simpy, runs: dict, first: dict) -> None:
    """Alternate the two implementations; keep (wall, CPU, customers, events) and the first outputs."""
    for _ in range(repeats):
        gc.collect()
        out, wall, cpu = timed(lambda: freed(jobpath()))
        runs["jobpath"].append((wall, cpu, out.customers, out.event_count))
        first.setdefault("jobpath", out)
        gc.collect()
        res, wall, cpu = timed(lambda: freed(simpy()))
        runs["simpy"].append((wall, cpu, res.customers, None))
        first.setdefault("simpy", res)


def section_chain(rep: Report, sizes: Sizes, kernel: dict | None) -> dict:
    """jobpath against hand-written SimPy on the same chain, runs alternated, best of each.

    Each timed run starts from a collected heap and includes collecting what it leaves behind.
    """
    from simulation.engine.model import Model
    from simulation.scenario import validate

    from .networks import chain_for, chain_scenario, chain_simpy, compare_waits, jobpath_waits

    chain = chain_for(sizes.chain_customers)
    scenario = validate(chain_scenario(chain), "<benchmark chain>")
    runs = {"jobpath": [], "simpy": []}
    first = {}
    gc.collect()
    gc.freeze()  # the collections counted below walk only what the runs create
    try:
        _chain_runs(sizes.chain_repeats, lambda: Model(scenario, 1).run(), lambda: chain_simpy(chain, 1), runs, first)
    finally:
        gc.unfreeze()
    best = {
        k: {"wall_s": min(r[0] for r in v), "cpu_s": min(r[1] for r in v), "customers": v[0][2], "events": v[0][3]}
        for k, v in runs.items()
    }
    for b in best.values():
        b["customers_per_s"] = b["customers"] / b["wall_s"]
        b["customers_per_cpu_s"] = b["customers"] / b["cpu_s"]
    ratio_wall = best["jobpath"]["customers_per_s"] / best["simpy"]["customers_per_s"]
    ratio_cpu = best["jobpath"]["customers_per_cpu_s"] / best["simpy"]["customers_per_cpu_s"]
    waits = compare_waits(
        jobpath_waits(first["jobpath"].spells), first["simpy"].waits, chain, warmup=0.05 * first["jobpath"].horizon
    )
    rep.add(
        "chain",
        "jobpath",
        best["jobpath"]["customers_per_s"],
        "customers/s",
        note=f"{best['jobpath']['customers_per_cpu_s']:,.0f}/CPU-s; {best['jobpath']['customers']} customers",
    )
    rep.add(
        "chain",
        "hand-written SimPy",
        best["simpy"]["customers_per_s"],
        "customers/s",
        note=f"{best['simpy']['customers_per_cpu_s']:,.0f}/CPU-s; {best['simpy']['customers']} customers",
    )
    rep.add("chain", "ratio jobpath / SimPy (wall)", ratio_wall, "x", ">= 0.8", ratio_wall >= 0.8)
    rep.add("chain", "ratio jobpath / SimPy (CPU)", ratio_cpu, "x", ">= 0.8", ratio_cpu >= 0.8)
    ev_rate = best["jobpath"]["events"] / best["jobpath"]["cpu_s"]
    rep.add("chain", "jobpath events per CPU-s", ev_rate, "events/s", note=_vs_kernel(ev_rate, kernel))
    agree = all(w["agree"] for w in waits)
    rep.add(
        "chain",
        "mean waits agree within 95 % CI",
        float(agree),
        "bool",
        "all 3",
        agree,
        note="; ".join(
            f"{w['programme']}: {w['jobpath']:.3f}±{1.96 * w['jobpath_se']:.3f} vs "
            f"{w['simpy']:.3f}±{1.96 * w['simpy_se']:.3f} (Erlang C {w['erlang_c']:.3f}) d"
            for w in waits
        ),
    )
    return {
        "parameters": {
            "arrivals_per_day": chain.arrivals_per_day,
            "means_days": chain.means,
            "utilisation": chain.utilisation,
        },
        "runs": runs,
        "best": best,
        "ratio_wall": ratio_wall,
        "ratio_cpu": ratio_cpu,
        "waits": waits,
    }


def _vs_kernel(rate: float, kernel: dict | None) -> str:
    """A rate as a share of the kernel's timeout loop (both per CPU second)."""
    if not kernel:
        return ""
    return f"{rate / kernel['timeouts']['events_per_cpu_s']:.1%} of the kernel timeout loop (per CPU-s)"


def section_kassel(rep: Report, sizes: Sizes, kernel: dict | None) -> dict:
    """The Kassel baseline, one replication per horizon, each in a fresh process."""
    from .child import run_child

    if not KASSEL.is_file():
        rep.add("kassel", "skipped", math.nan, "", note=f"{KASSEL} not found: no Kassel baseline to run")
        return {"skipped": f"{KASSEL} not found"}
    out = {"sha256": hashlib.sha256(KASSEL.read_bytes()).hexdigest()}
    for years in sizes.kassel_years:
        say(f"  Kassel, {years:g} year(s)")
        r = run_child("kassel", f"{KASSEL}@{years:g}")
        out[f"{years:g}y"] = r
        limit = 1.0 * years
        wall = r["sim_s"] + r["indicators_s"] + r["free_s"]
        cpu = r["sim_cpu_s"] + r["indicators_cpu_s"] + r["free_cpu_s"]
        rep.add(
            "kassel",
            f"{years:g} y: replication wall",
            wall,
            "s",
            f"<= {limit:g} s",
            wall <= limit,
            note=f"sim {r['sim_s']:.2f} + indicators {r['indicators_s']:.2f} + freeing {r['free_s']:.2f} s",
        )
        rep.add(
            "kassel",
            f"{years:g} y: replication CPU",
            cpu,
            "s",
            f"<= {limit:g} s",
            cpu <= limit,
            note=f"sim {r['sim_cpu_s']:.2f} + indicators {r['indicators_cpu_s']:.2f} + freeing "
            f"{r['free_cpu_s']:.2f} s; {r['customers']} customers, {r['events']} events",
        )
        rep.add(
            "kassel",
            f"{years:g} y: peak memory",
            r["peak_rss_mb"],
            "MB",
            "<= 300 MB",
            r["peak_rss_mb"] <= 300,
            note=f"after imports {r['rss_after_imports_mb']:.0f} MB; peak during sim {r['peak_rss_sim_mb']:.0f} MB",
        )
        rate = r["events"] / r["sim_cpu_s"]
        rep.add("kassel", f"{years:g} y: events per CPU-s", rate, "events/s", note=_vs_kernel(rate, kernel))
    return out


def fit_exponent(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log y against log x."""
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def section_scaling(rep: Report, sizes: Sizes) -> dict:
    """The generic scenario at growing sizes: time exponent and memory per customer."""
    from .child import run_child

    runs = []
    for n in sizes.scaling:
        say(f"  generic scenario, {n:,} customers")
        r = run_child("generic", str(n), teardown=False)
        runs.append(r)
        rep.add(
            "scaling",
            f"{n:,} customers: sim wall / CPU",
            r["sim_s"],
            "s",
            note=f"CPU {r['sim_cpu_s']:.2f} s; {r['customers']} customers, {r['events']} events; peak "
            f"{r['peak_rss_sim_mb']:.0f} MB after the run, {r['peak_rss_mb']:.0f} MB with indicators",
        )
    xs = [r["customers"] for r in runs]
    exp_wall = fit_exponent(xs, [r["sim_s"] for r in runs])
    exp_cpu = fit_exponent(xs, [r["sim_cpu_s"] for r in runs])
    big = runs[-1]
    per_customer_kb = (big["peak_rss_mb"] - big["rss_after_imports_mb"]) * 1024 / big["customers"]
    at_1m_gb = (big["rss_after_imports_mb"] + per_customer_kb * 1e6 / 1024) / 1024
    span = f"{xs[0]:,} to {xs[-1]:,}"
    rep.add("scaling", f"time exponent (wall), {span}", exp_wall, "", "<= 1.1", exp_wall <= 1.1)
    rep.add("scaling", f"time exponent (CPU), {span}", exp_cpu, "", "<= 1.1", exp_cpu <= 1.1)
    rep.add(
        "scaling",
        "memory per customer",
        per_customer_kb,
        "kB",
        note=f"peak (run and indicators) above the imports, at {big['customers']:,} customers",
    )
    rep.add(
        "scaling",
        "peak memory for 1M customers",
        at_1m_gb,
        "GB",
        "<= 4 GB",
        at_1m_gb <= 4,
        note="measured" if big["customers"] >= 900_000 else "extrapolated from the largest run",
    )
    return {
        "runs": runs,
        "exponent_wall": exp_wall,
        "exponent_cpu": exp_cpu,
        "kb_per_customer": per_customer_kb,
        "gb_at_1m": at_1m_gb,
    }


def _parallel_jobs(n: int, years: float, customers: int):
    from simulation.batch.plan import Job, replication_seed

    if KASSEL.is_file():
        from simulation.scenario import load_scenario

        path, resolved = str(KASSEL), load_scenario(KASSEL).resolved
    else:
        from .networks import scaled_scenario

        path, resolved = f"<generic {customers}>", scaled_scenario(customers)
    return [Job("bench", path, resolved, k, replication_seed(1, k), years, keep_spells=False) for k in range(1, n + 1)]


def _cpu_all() -> float:
    """CPU seconds of this process and of its waited-for children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def section_parallel(rep: Report, sizes: Sizes, workers: tuple[int, ...] = (1, 2)) -> dict:
    """The same replications in this process and on a pool of worker processes (spawn included).

    Besides wall-clock efficiency, the CPU efficiency (CPU of the serial run / CPU of all
    workers) shows the cost of parallelism itself (start-up, imports, memory contention),
    which is what remains on a machine whose cores are not shared with other work.
    """
    from simulation.batch.backends import LocalProcesses, Serial

    jobs = _parallel_jobs(sizes.parallel_reps, sizes.parallel_years, sizes.parallel_customers)
    out = {"replications": len(jobs), "years": sizes.parallel_years, "scenario": jobs[0].scenario_path}
    for w in workers:
        backend = Serial() if w == 1 else LocalProcesses(w)
        rows: list[dict] = []
        with tempfile.TemporaryDirectory(prefix="jobpath-bench-") as tmp:
            t0, c0 = time.perf_counter(), _cpu_all()
            with backend:
                backend.map(jobs, tmp, rows.append)
            wall, cpu = time.perf_counter() - t0, _cpu_all() - c0
        out[str(w)] = {
            "wall_s": wall,
            "cpu_s": cpu,
            "job_seconds": [r["seconds"] for r in rows],
            "backend": backend.name,
        }
        rep.add(
            "parallel",
            f"{len(jobs)} replications on {w} worker(s)",
            wall,
            "s",
            note=f"{backend.name}; CPU {cpu:.1f} s; per replication {sum(r['seconds'] for r in rows) / len(rows):.2f} s",
        )
    if "1" in out and len(workers) > 1:
        w = workers[-1]
        eff = out["1"]["wall_s"] / (w * out[str(w)]["wall_s"])
        eff_cpu = out["1"]["cpu_s"] / out[str(w)]["cpu_s"]
        out["efficiency"], out["cpu_efficiency"] = eff, eff_cpu
        rep.add(
            "parallel",
            f"efficiency on {w} workers (wall)",
            eff,
            "",
            ">= 0.9",
            eff >= 0.9,
            note=f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        )
        rep.add(
            "parallel",
            f"CPU efficiency on {w} workers",
            eff_cpu,
            "",
            note="serial CPU / CPU of all workers: the overhead of parallelism alone",
        )
    return out


def best_time(cmd: list[str], repeats: int) -> float:
    """Best wall time of a command over `repeats` runs."""
    best = math.inf
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        best = min(best, time.perf_counter() - t)
    return best


def section_startup(rep: Report, sizes: Sizes) -> dict:
    """Start-up of the command and of the model's import, in fresh interpreters."""
    exe = shutil.which("jobpath")
    help_cmd = [exe, "--help"] if exe else [sys.executable, "-m", "simulation.cli", "--help"]
    r = sizes.startup_repeats
    out = {
        "python": best_time([sys.executable, "-c", "pass"], r),
        "help": best_time(help_cmd, r),
        "import_model": best_time([sys.executable, "-c", "import simulation.engine.model"], r),
    }
    rep.add("startup", "python -c pass (reference)", out["python"], "s")
    rep.add(
        "startup",
        "jobpath --help",
        out["help"],
        "s",
        "<= 0.5 s",
        out["help"] <= 0.5,
        note="" if exe else "run as python -m simulation.cli",
    )
    rep.add("startup", "python -c 'import simulation.engine.model'", out["import_model"], "s")
    return out


# --- output -------------------------------------------------------------------------------


def fmt(v: float, unit: str) -> str:
    """A value as the table shows it."""
    if isinstance(v, float) and math.isnan(v):
        return "-"
    if unit == "bool":
        return "yes" if v else "no"
    if unit in ("events/s", "customers/s"):
        return f"{v:,.0f}"
    if unit == "x":
        return f"{v:.2f}"
    if unit == "" or unit == "kB":
        return f"{v:.2f}" if unit == "" else f"{v:.1f}"
    return f"{v:,.2f}" if v < 100 else f"{v:,.0f}"


def markdown(report: Report) -> str:
    """The machine line and the table, in Markdown."""
    m = report.data["machine"]
    head = (
        f"Benchmarks of {m['date']} on {m['cpu']} ({m['nproc']} cores, {m['memory']}), Python {m['python']}, "
        f"SimPy {m['simpy']}, commit {m['commit']}; load average {m['load_at_start'][0]:.1f} at start, "
        f"{m['load_at_end'][0]:.1f} at end; mode {report.data['mode']}.\n\n"
    )
    lines = ["| section | measure | value | unit | target | met | note |", "|---|---|---:|---|---|---|---|"]
    for r in report.rows:
        met = "" if r.met is None else ("yes" if r.met else "**no**")
        lines.append(
            f"| {r.section} | {r.measure} | {fmt(r.value, r.unit)} | {r.unit} | {r.target} | {met} | {r.note} |"
        )
    return head + "\n".join(lines) + "\n"


def write(report: Report, out: Path) -> None:
    """latest.json (everything) and latest.md (the table) under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    data = {**report.data, "rows": [r.__dict__ for r in report.rows]}
    (out / "latest.json").write_text(json.dumps(data, indent=2, default=str))
    (out / "latest.md").write_text(markdown(report))


GERMANY_ELB = 4_000_000  # DOMAIN.md: about 3.9-4.0 million eLb in about 407 job centres (2023)


def section_national(rep: Report, sizes: Sizes, workers: int = 2) -> dict:
    """Job centres as shards: synthetic centres of several sizes run as one batch on a local Dask cluster.

    From the measured rate (customer-years simulated per CPU-second of the workers) the cost of a
    run for all of Germany follows: 4 million eLb, 5 years, 100 replications.
    """
    import tomli_w

    from simulation.batch.runner import BatchSpec, run_batch

    from .networks import scaled_scenario

    with tempfile.TemporaryDirectory(prefix="jobpath-national-") as tmp:
        paths = []
        for n in sizes.shards:
            path = Path(tmp) / f"centre_{n}.toml"
            data = scaled_scenario(n, sizes.shard_years)
            data["time"]["start"] = __import__("datetime").date.fromisoformat(data["time"]["start"])
            path.write_bytes(tomli_w.dumps(data).encode())
            paths.append(str(path))
        spec = BatchSpec(
            scenarios=paths,
            replications=2,
            years=sizes.shard_years,
            out=str(Path(tmp) / "out"),
            dask=f"local:{workers}",
            keep_spells=False,
        )
        t0 = time.perf_counter()
        result = run_batch(spec, progress=False)
        wall = time.perf_counter() - t0
        import pandas as pd

        runs = pd.read_parquet(Path(tmp) / "out" / "runs")
    customer_years = float((runs["customers"] * runs["years"]).sum())
    job_seconds = float(runs["seconds"].sum())
    rate = customer_years / job_seconds
    # a national replication: the eLb stock plus its yearly inflow (about the stock again) over 5 years
    national_customer_years = GERMANY_ELB * 2 * 5
    core_hours = national_customer_years * 100 / rate / 3600
    rep.add(
        "national",
        f"{len(paths)} synthetic job centres x 2 replications on Dask local:{workers}",
        wall,
        "s",
        note=f"{len(runs)} replications, {customer_years:,.0f} customer-years, {job_seconds:.1f} s in the workers",
    )
    rep.add("national", "simulated customer-years per worker-second", rate, "1/s", note="incl. indicators and writing")
    rep.add(
        "national",
        "Germany, 5 years, 100 replications",
        core_hours,
        "core-hours",
        note=f"4M eLb + as many arriving: {national_customer_years / 1e6:.0f}M customer-years per replication; "
        f"{core_hours / (128 * 0.9):.1f} h on 128 cores at 90 % efficiency",
    )
    return {
        "wall_s": wall,
        "customer_years": customer_years,
        "job_seconds": job_seconds,
        "rate": rate,
        "core_hours": core_hours,
        "backend": result.backend,
    }


def run(
    sizes: Sizes, sections: tuple[str, ...], out: Path | None, mode: str, parallel_workers: tuple[int, ...] = (1, 2)
) -> Report:
    """Run the chosen sections in order; the report holds rows (the table) and all raw figures."""
    report = Report(data={"mode": mode, "machine": machine(), "sizes": sizes.__dict__})
    kernel = None
    for name in SECTIONS:
        if name not in sections:
            continue
        say(f"{name} ...")
        t = time.perf_counter()
        if name == "kernel":
            result = kernel = section_kernel(report, sizes)
        elif name == "chain":
            result = section_chain(report, sizes, kernel)
        elif name == "kassel":
            result = section_kassel(report, sizes, kernel)
        elif name == "scaling":
            result = section_scaling(report, sizes)
        elif name == "parallel":
            result = section_parallel(report, sizes, parallel_workers)
        elif name == "national":
            result = section_national(report, sizes)
        else:
            result = section_startup(report, sizes)
        report.data[name] = result
        say(f"{name} done in {time.perf_counter() - t:.1f} s")
    report.data["machine"]["load_at_end"] = os.getloadavg()
    if out is not None:
        write(report, out)
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller sizes (scaling 10k/30k/100k, fewer repeats)")
    p.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # the smoke test's sizes
    p.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections of: {', '.join(SECTIONS)}")
    p.add_argument("--out", default="results/bench", help="directory for latest.json and latest.md")
    args = p.parse_args(argv)
    sections = tuple(s.strip() for s in args.only.split(",") if s.strip())
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        print(f"--only: expected sections among {', '.join(SECTIONS)}, found {', '.join(unknown)}", file=sys.stderr)
        return 2
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    sizes = TINY if args.tiny else QUICK if args.quick else FULL
    report = run(sizes, sections, Path(args.out), mode)
    print(markdown(report))
    print(f"written: {Path(args.out) / 'latest.json'}, {Path(args.out) / 'latest.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
