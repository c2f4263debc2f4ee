"""The `jobpath` command. Heavy libraries are imported only when a command needs them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jobpath", description="Simulate customers' pathways through a job centre's "
                                "support chains and project integrations and long-term benefit receipt.")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="simulate one replication of a scenario and write its results")
    run.add_argument("scenario", help="scenario file (TOML)")
    run.add_argument("--seed", type=int, default=1, help="master random seed (default 1)")
    run.add_argument("--years", type=float, default=None, help="horizon in years (default: the scenario's)")
    run.add_argument("--out", default=None, help="output directory (default results/<scenario>-seed<N>)")
    run.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    val = sub.add_parser("validate", help="check scenario files without running them")
    val.add_argument("scenarios", nargs="+")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from .errors import ScenarioError
    try:
        if args.command == "validate":
            return _validate(args)
        return _run(args)
    except ScenarioError as e:
        print(e, file=sys.stderr)
        return EXIT_BAD_INPUT


def _validate(args) -> int:
    from .scenario import load_scenario
    for path in args.scenarios:
        loaded = load_scenario(path)
        print(f"{path}: valid ({len(loaded.scenario.programmes)} programmes, {len(loaded.scenario.hazards)} hazards)")
    return 0


def _run(args) -> int:
    from .scenario import load_scenario
    loaded = load_scenario(args.scenario)
    if args.years is not None and not 0 < args.years <= 50:
        print(f"--years: expected a number of years in (0, 50], found {args.years}", file=sys.stderr)
        return EXIT_BAD_INPUT
    from tqdm import tqdm

    from .model import Model  # noqa: F401  (import cost shows before the bar starts)
    from .results import manifest, write_atomic
    from .run import replicate
    from .summary import summary

    out = Path(args.out or f"results/{Path(args.scenario).stem}-seed{args.seed}")
    years = args.years if args.years is not None else loaded.scenario.time.years
    with tqdm(total=round(12 * years), unit="month", desc="simulating", disable=True if args.quiet else None,
              leave=False) as bar:
        rep = replicate(loaded, args.seed, args.years, progress=lambda t: bar.update(1))
    write_atomic(out, rep.tables, manifest(loaded, args.seed, years, rep.run))
    if not args.quiet:
        print(summary(loaded, args.seed, rep))
        print(f"Results written to {out}/ (spells, monthly, programme_monthly .parquet; manifest.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
