"""The `jobpath` command. Heavy libraries are imported only when a command needs them."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

EXIT_BAD_INPUT = 2
# modules adding sub-commands: each has register(subparsers), which sets `func` on its parser;
# they import heavy libraries only inside `func`, so `jobpath --help` stays fast
EXTENSIONS: list[str] = [
    "calibration.estimate",
    "calibration.abc",
    "calibration.sensitivity",
    "simulation.report.command",
    "simulation.app.command",
]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="jobpath",
        description="Simulate customers' pathways through a job centre's "
        "support chains and project integrations and long-term benefit receipt.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="simulate one replication of a scenario and write its results")
    run.add_argument("scenario", help="scenario file (TOML)")
    run.add_argument("--seed", type=int, default=1, help="master random seed (default 1)")
    run.add_argument("--years", type=float, default=None, help="horizon in years (default: the scenario's)")
    run.add_argument("--out", default=None, help="output directory (default results/<scenario>-seed<N>)")
    run.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    run.add_argument("--force", action="store_true", help="run even if the estimated memory exceeds what is available")
    for name, helptext in (
        ("batch", "run many replications of one or more scenarios, with confidence intervals"),
        ("compare", "paired comparison of variants against a base scenario (common random numbers)"),
    ):
        b = sub.add_parser(name, help=helptext)
        if name == "batch":
            b.add_argument("scenarios", nargs="+", help="scenario files (TOML)")
        else:
            b.add_argument("base", help="the base scenario")
            b.add_argument("variants", nargs="+", help="variant scenarios to compare with the base")
            b.add_argument(
                "--details",
                action="store_true",
                help="also print how much the common random numbers narrowed each interval (variance reduction)",
            )
        b.add_argument(
            "--replications",
            "-n",
            type=int,
            default=10,
            help="replications per scenario (with --precision: the budget); default 10",
        )
        b.add_argument("--years", type=float, default=None, help="horizon in years (default: the scenario's)")
        b.add_argument("--seed", type=int, default=1, help="master seed; replication k uses a seed derived from it")
        b.add_argument("--out", default=None, help=f"output directory (default results/{name})")
        b.add_argument(
            "--workers", type=int, default=None, help="local worker processes (default: all cores; 1 = in this process)"
        )
        b.add_argument(
            "--dask",
            default=None,
            metavar="ADDRESS",
            help="run on a Dask cluster: a scheduler address "
            "(tcp://host:8786) or local:N for a local cluster of N workers",
        )
        b.add_argument("--resume", action="store_true", help="complete an interrupted batch in --out")
        b.add_argument("--overwrite", action="store_true", help="replace existing results in --out")
        b.add_argument("--no-spells", action="store_true", help="do not keep the (large) spells tables")
        if name == "batch":
            b.add_argument(
                "--precision",
                type=float,
                default=None,
                metavar="P",
                help="choose N so the 95%% CI half-width of the --indicators is within P (e.g. 0.05 = "
                "5%%) of their mean, up to --replications",
            )
            b.add_argument(
                "--indicators",
                default="iq,lzb_stock",
                help="indicators for --precision, comma separated (default iq,lzb_stock)",
            )
            b.add_argument(
                "--draws",
                default=None,
                metavar="FILE",
                help="posterior draws (draws.parquet from `jobpath calibrate`): replication k runs with "
                "draw k, so intervals include parameter uncertainty",
            )
        b.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
        b.add_argument(
            "--force", action="store_true", help="run even if the estimated memory exceeds what is available"
        )
    val = sub.add_parser("validate", help="check scenario files without running them")
    val.add_argument("scenarios", nargs="+")
    for module in EXTENSIONS:
        importlib.import_module(module).register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from .errors import ArgumentError, ScenarioError

    try:
        if args.command == "validate":
            return _validate(args)
        if args.command in ("batch", "compare"):
            return _batch(args)
        if hasattr(args, "func"):
            return args.func(args)
        return _run(args)
    except (ScenarioError, ArgumentError) as e:
        print(e, file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        if args.command == "run":
            print("\ninterrupted: nothing was written", file=sys.stderr)
        elif getattr(args, "overwrite", False):
            print("\ninterrupted: the earlier results in --out are kept as they were", file=sys.stderr)
        else:
            print(
                "\ninterrupted: finished replications are kept; run the same command with --resume to complete "
                "the batch",
                file=sys.stderr,
            )
        return 130
    except RecursionError:
        print("error: input nested too deep to be read", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        print(f"error: {where}{e.strerror or e}", file=sys.stderr)
        return EXIT_BAD_INPUT


MAX_SEED = 2**63 - 1


def check_common(args) -> None:
    """Arguments shared by run and batch, checked before any file is read or written."""
    from .errors import ArgumentError

    if not 0 <= args.seed <= MAX_SEED:
        raise ArgumentError(f"--seed: expected a whole number from 0 to {MAX_SEED}, found {args.seed}")
    if args.years is not None and not 1 / 12 <= args.years <= 50:
        raise ArgumentError(f"--years: expected a number of years from 1/12 (one month) to 50, found {args.years:g}")


def _validate(args) -> int:
    """Every file checked (a bad one does not stop the others); exit 2 if any is invalid."""
    from .errors import ScenarioError
    from .scenario import load_scenario

    bad = 0
    for path in args.scenarios:
        try:
            loaded = load_scenario(path)
        except ScenarioError as e:
            print(e, file=sys.stderr)
            bad += 1
            continue
        print(
            f"{path}: valid ({len(loaded.scenario.programmes)} programmes, {len(loaded.scenario.hazards)} hazards)"
            + (f", {len(loaded.warnings)} warning(s)" if loaded.warnings else "")
        )
        for line in loaded.warning_lines():
            print(line, file=sys.stderr)
    if bad and len(args.scenarios) > 1:
        print(f"{bad} of {len(args.scenarios)} files invalid", file=sys.stderr)
    return EXIT_BAD_INPUT if bad else 0


def _run(args) -> int:
    check_common(args)
    from .outdir import check_out

    out = check_out(
        args.out if args.out is not None else f"results/{Path(args.scenario).stem}-seed{args.seed}",
        "manifest.json",
        "results",
    )
    from .scenario import load_scenario

    loaded = load_scenario(args.scenario)
    for line in loaded.warning_lines():
        print(line, file=sys.stderr)
    years = args.years if args.years is not None else loaded.scenario.time.years
    if not args.force:
        from .capacity import too_big
        from .errors import ArgumentError

        if (why := too_big(loaded.scenario, years)) is not None:
            raise ArgumentError(f"{args.scenario}: {why}")
    from tqdm import tqdm

    from .engine.model import Model  # noqa: F401  (import cost shows before the bar starts)
    from .results import manifest, write_atomic
    from .run import replicate
    from .summary import summary

    with tqdm(
        total=round(12 * years), unit="month", desc="simulating", disable=True if args.quiet else None, leave=False
    ) as bar:
        rep = replicate(loaded, args.seed, args.years, progress=lambda t: bar.update(1))
    write_atomic(out, rep.tables, manifest(loaded, args.seed, years, rep.run))
    if not args.quiet:
        print(summary(loaded, args.seed, rep))
        print(f"Results written to {out}/ ({', '.join(rep.tables)} .parquet; manifest.json)")
    return 0


def _batch(args) -> int:
    from .batch.runner import BatchError, BatchSpec, run_batch

    if not 1 <= args.replications <= 100_000:
        print(f"--replications: expected 1 to 100000, found {args.replications}", file=sys.stderr)
        return EXIT_BAD_INPUT
    check_common(args)
    precision = getattr(args, "precision", None)
    if precision is not None and not 0 < precision < 1:
        print(f"--precision: expected a fraction in (0, 1) such as 0.05, found {precision}", file=sys.stderr)
        return EXIT_BAD_INPUT
    scenarios = args.scenarios if args.command == "batch" else [args.base, *args.variants]
    spec = BatchSpec(
        scenarios=scenarios,
        replications=args.replications,
        years=args.years,
        out=args.out if args.out is not None else f"results/{args.command}",
        seed=args.seed,
        dask=args.dask,
        workers=args.workers,
        resume=args.resume,
        overwrite=args.overwrite,
        keep_spells=not args.no_spells,
        precision=precision,
        indicators=getattr(args, "indicators", "iq,lzb_stock").split(","),
        draws=getattr(args, "draws", None),
        force=args.force,
        compare=args.command == "compare",
    )
    try:
        result = run_batch(spec, progress=not args.quiet)
    except BatchError as e:
        print(e, file=sys.stderr)
        return EXIT_BAD_INPUT
    from .summary import batch_text, comparison_text

    if args.command == "compare":
        if not args.quiet:
            print(comparison_text(result.comparison, details=args.details))
    elif not args.quiet:
        print(batch_text(result.summary, result.used, result.precision))
    if not args.quiet:
        print(f"Results in {result.out}/ (summary.parquet, results.duckdb; ran on {result.backend})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
