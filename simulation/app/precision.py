"""`jobpath compare` in precision mode, as the app runs it in the background.

    python -m simulation.app.precision BASE VARIANT... --precision P --indicators iq,lzb_stock [compare options]

The comparison's arguments are read by the command line's own `compare` parser and run by the same
function as `jobpath compare` (checks, BatchSpec, run_batch, comparison.parquet); only `--precision` and
`--indicators` (those of `jobpath batch`: replications are added per scenario until the 95 % interval of
the indicators is within P of their mean, at most `--replications`) are read here, as `compare` does not
offer them on the command line.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    from simulation import cli
    from simulation.errors import ArgumentError, ScenarioError

    own = argparse.ArgumentParser(prog="python -m simulation.app.precision", add_help=False)
    own.add_argument("--precision", type=float, required=True)
    own.add_argument("--indicators", default="iq,lzb_stock")
    mine, rest = own.parse_known_args(sys.argv[1:] if argv is None else argv)
    args = cli._parser().parse_args(["compare", *rest])
    args.precision, args.indicators = mine.precision, mine.indicators
    try:
        return cli._batch(args)
    except (ScenarioError, ArgumentError) as e:
        print(e, file=sys.stderr)
        return cli.EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
