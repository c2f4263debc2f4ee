"""Profile one replication of the benchmark chain or the Kassel baseline.

    python -m benchmarks.profiling chain  [--customers 30000] [--top 30]
    python -m benchmarks.profiling kassel [--years 1] [--top 30]
    py-spy record -f raw -o chain.txt -- python -m benchmarks.profiling chain --plain

cProfile covers the model's build and run (event loop and spells table) and writes its stats
to results/bench/profile_<name>.pstats; --plain runs without cProfile, for a sampling profiler.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

from .run import KASSEL


def scenario_for(name: str, customers: int, years: float):
    """The validated scenario and horizon of the named workload."""
    from simulation.scenario import load_scenario, validate

    if name == "chain":
        from .networks import chain_for, chain_scenario

        return validate(chain_scenario(chain_for(customers)), "<benchmark chain>"), None
    return load_scenario(KASSEL).scenario, years


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profiling", description=__doc__.splitlines()[0])
    p.add_argument("workload", choices=("chain", "kassel"))
    p.add_argument("--customers", type=int, default=30_000, help="chain: customers in the year (default 30000)")
    p.add_argument("--years", type=float, default=1.0, help="kassel: simulated years (default 1)")
    p.add_argument("--top", type=int, default=30, help="functions to list (default 30)")
    p.add_argument("--plain", action="store_true", help="run without cProfile (for py-spy)")
    p.add_argument("--out", default="results/bench", help="directory for the .pstats file")
    args = p.parse_args(argv)
    from simulation.engine.model import Model

    scenario, years = scenario_for(args.workload, args.customers, args.years)
    model = Model(scenario, 1, years)
    t, c = time.perf_counter(), time.process_time()
    if args.plain:
        out = model.run()
    else:
        prof = cProfile.Profile()
        out = prof.runcall(model.run)
    print(
        f"{args.workload}: {out.customers} customers, {out.event_count} events, "
        f"{time.perf_counter() - t:.2f} s wall, {time.process_time() - c:.2f} s CPU"
        + ("" if args.plain else " (under cProfile)"),
        file=sys.stderr,
    )
    if not args.plain:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        path = Path(args.out) / f"profile_{args.workload}.pstats"
        prof.dump_stats(path)
        stats = pstats.Stats(prof)
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
        print(f"written: {path}")
    sys.stdout.flush()
    os._exit(0)  # skip freeing the model's heap at exit


if __name__ == "__main__":
    sys.exit(main())
