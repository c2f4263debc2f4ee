"""One measured replication in a fresh process, so its peak memory is its own.

    python -m benchmarks.child kassel SCENARIO.toml@YEARS [SEED]
    python -m benchmarks.child generic CUSTOMERS [SEED]

prints one JSON line: seconds (wall and CPU) to load, to simulate (build + run, spells table
included), to compute the monthly indicators and to free the model again (dropping it and one
garbage collection: what a batch worker pays before its next replication); events, customers,
spells; resident memory after the imports, at its peak after the run, and at its peak after the
indicators (ru_maxrss).
"""

from __future__ import annotations

import gc
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def rss_mb() -> float:
    """Current resident set size (MB), from /proc."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (MB; Linux reports ru_maxrss in kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _scenario(kind: str, arg: str):
    """The scenario to run and its horizon in years."""
    from simulation.scenario import load_scenario, validate

    if kind == "kassel":
        path, years = arg.split("@")
        return load_scenario(path).scenario, float(years)
    if kind == "generic":
        from .networks import scaled_scenario

        return validate(scaled_scenario(int(arg)), f"<generic {arg}>"), 1.0
    raise ValueError(f"unknown kind {kind!r}: expected kassel or generic")


def measure(kind: str, arg: str, seed: int = 1, teardown: bool = True) -> dict:
    """Load, simulate, summarise and free one replication, timing each step."""
    from simulation import indicators
    from simulation.engine.model import Model

    base = rss_mb()
    t0 = time.perf_counter()
    scenario, years = _scenario(kind, arg)
    t1, c1 = time.perf_counter(), time.process_time()
    model = Model(scenario, seed, years)
    out = model.run()
    t2, c2 = time.perf_counter(), time.process_time()
    peak_sim = peak_rss_mb()
    indicators.monthly(out.spells, scenario, model.clock)
    indicators.programme_monthly(out.spells, scenario, model.clock)
    t3, c3 = time.perf_counter(), time.process_time()
    result = {
        "kind": kind,
        "arg": arg,
        "years": years,
        "load_s": t1 - t0,
        "sim_s": t2 - t1,
        "sim_cpu_s": c2 - c1,
        "indicators_s": t3 - t2,
        "indicators_cpu_s": c3 - c2,
        "events": out.event_count,
        "customers": out.customers,
        "spells": len(out.spells),
        "rss_after_imports_mb": base,
        "peak_rss_sim_mb": peak_sim,
        "peak_rss_mb": peak_rss_mb(),
        "free_s": 0.0,
        "free_cpu_s": 0.0,
    }
    if teardown:
        del model, out
        gc.collect()
        result["free_s"], result["free_cpu_s"] = time.perf_counter() - t3, time.process_time() - c3
    return result


def run_child(kind: str, arg: str, seed: int = 1, teardown: bool = True, timeout: float | None = None) -> dict:
    """`measure` in a fresh interpreter; its JSON result."""
    cmd = [sys.executable, "-m", "benchmarks.child", kind, arg, str(seed)] + ([] if teardown else ["--no-teardown"])
    repo = Path(__file__).resolve().parent.parent
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, cwd=repo)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    # imported before the baseline is taken, so the run's memory excludes them; scipy.special is
    # imported by the first Gamma duration built, once per process (a batch worker pays it once)
    import scipy.special  # noqa: F401

    import simulation.engine.model  # noqa: F401

    teardown = "--no-teardown" not in argv
    argv = [a for a in argv if a != "--no-teardown"]
    kind, arg = argv[0], argv[1]
    seed = int(argv[2]) if len(argv) > 2 else 1
    print(json.dumps(measure(kind, arg, seed, teardown)), flush=True)
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    os._exit(code)  # skip freeing a large heap at exit: it is measured (or not wanted) above
