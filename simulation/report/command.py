"""`jobpath report RESULTS_DIR [--lang de|en] [--out FILE] [--png DIR] [--targets FILE]`."""

from __future__ import annotations

import sys

EXIT_BAD_INPUT = 2


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "report", help="write a self-contained HTML report (plots) of run, batch or compare results"
    )
    p.add_argument("results", help="results directory of jobpath run, batch or compare")
    p.add_argument("--lang", choices=["en", "de"], default="en", help="labels in English (default) or German")
    p.add_argument(
        "--out", default=None, help="HTML file to write (default RESULTS/report.html, or report-de.html with --lang de)"
    )
    p.add_argument(
        "--png", default=None, metavar="DIR", help="also write every figure as a PNG file into DIR (needs Chromium)"
    )
    p.add_argument(
        "--targets",
        default=None,
        metavar="FILE",
        help="observed/planned figures to draw (default: calibration/targets/kassel.toml when it fits the scenario)",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=run)


def run(args) -> int:
    """Build the report; a clear message and exit code 2 on unusable input (damaged or foreign results too:
    every file is checked against the checksum its run recorded, see simulation/integrity.py)."""
    from ..integrity import DamagedResults
    from .build import build_report
    from .data import ResultsError
    from .png import PngError

    try:
        out, report, pngs = build_report(args.results, args.lang, args.out, args.png, args.targets)
    except (ResultsError, DamagedResults, PngError, ValueError) as e:
        print(e, file=sys.stderr)
        return EXIT_BAD_INPUT
    if not args.quiet:
        print(
            f"Report written to {out} ({len(report.figures)} figures, {out.stat().st_size / 1e6:.1f} MB, opens offline)"
        )
        if pngs:
            print(f"{len(pngs)} PNG files written to {pngs[0].parent}/")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command on its own (python -m simulation.report), as `jobpath report` would."""
    import argparse

    parser = argparse.ArgumentParser(prog="jobpath")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["report", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)
