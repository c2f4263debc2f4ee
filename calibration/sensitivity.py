"""Global sensitivity of yearly indicators to a scenario's free parameters (SALib).

    jobpath sensitivity SCENARIO --params PARAMS.toml --indicators iq,lzb_stock
        [--method sobol|morris] [--samples N] [--years Y] [--out DIR] [--workers W]

Parameters vary over their priors (the PARAMS file of `jobpath calibrate`): SALib samples the
unit cube and each coordinate goes through the prior's quantile function (for an unbounded
lognormal prior the cube's ends are its 0.1 % and 99.9 % quantiles). Each indicator is the
last simulated calendar year's value (flows summed, stocks averaged, IQ recomputed: as
`simulation.batch.stats.yearly`), averaged over R replications.

- sobol: Saltelli's scheme (SALib's Sobol' sequence sampler, N * (D + 2) runs): first-order
  S1 and total-order ST indices with bootstrap 95 % confidence intervals. S1 is the share of
  the indicator's variance due to the parameter alone, ST including its interactions.
- morris: elementary effects (N trajectories, N * (D + 1) runs): mu* (mean absolute effect of
  moving the parameter across its prior range, in the indicator's units) with a 95 % interval,
  and sigma (spread of the effects: non-linearity or interactions). A cheap screen.

Every run uses the same seeds (common random numbers), so a run's indicator is a
deterministic function of the parameters and differences come from the parameters, not from
the noise; a parameter with no influence at all gets exactly zero effects. Runs are spread
over local processes. Output: the ranking printed, OUT/sensitivity.parquet (one row per
indicator and parameter) and OUT/runs.parquet (every run's parameters and indicators).
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

EXIT_BAD_INPUT = 2
METHODS = ("sobol", "morris")
DEFAULT_SAMPLES = {"sobol": 64, "morris": 10}
INDEX_COLUMNS = {"sobol": ("S1", "S1_conf", "ST", "ST_conf"), "morris": ("mu_star", "mu_star_conf", "sigma", "mu")}

_STATE: dict = {}


# --- one run ---------------------------------------------------------------------------------


def _init(resolved: dict, source: str, years: float | None, seeds: list[int], indicators: list[str]) -> None:
    """Worker start: keep the scenario and settings once instead of sending them with every run."""
    _STATE.update(resolved=resolved, source=source, years=years, seeds=seeds, indicators=indicators)


def last_year(rep, indicators: list[str] | None = None) -> dict[str, float]:
    """The last calendar year's yearly indicators of one replication (all of them if none are named)."""
    from simulation.batch.stats import yearly

    ids = {"scenario": "s", "replication": 1}
    y = yearly(rep.monthly.assign(**ids), rep.programme_monthly.assign(**ids))
    y = y[y["period"] == y["period"].max()].set_index("indicator")["value"]
    return (
        {k: float(v) for k, v in y.items()}
        if indicators is None
        else {k: float(y.get(k, math.nan)) for k in indicators}
    )


def run_point(overrides: list[tuple[str, float]]) -> list[float]:
    """Indicators, averaged over the seeds, of the scenario with these overrides."""
    import numpy as np

    from simulation.batch.worker import apply_overrides
    from simulation.run import replicate
    from simulation.scenario import LoadedScenario, validate

    s = _STATE
    data = apply_overrides(s["resolved"], overrides)
    loaded = LoadedScenario(s["source"], validate(data, s["source"]), data)
    rows = [last_year(replicate(loaded, seed, s["years"]), s["indicators"]) for seed in s["seeds"]]
    return [float(np.mean([r[k] for r in rows])) for k in s["indicators"]]


def run_points(points: list[list[tuple[str, float]]], workers: int, progress: bool) -> list[list[float]]:
    """run_point for every point, in this process (workers = 1) or in a pool of spawned processes."""
    from tqdm import tqdm

    bar = tqdm(total=len(points), unit="run", desc="runs", disable=None if progress else True, dynamic_ncols=True)
    with bar:
        if workers == 1:
            out = []
            for p in points:
                out.append(run_point(p))
                bar.update(1)
            return out
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        args = (_STATE["resolved"], _STATE["source"], _STATE["years"], _STATE["seeds"], _STATE["indicators"])
        with ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init, initargs=args
        ) as pool:
            out = []
            for r in pool.map(run_point, points, chunksize=max(1, len(points) // (8 * workers))):
                out.append(r)
                bar.update(1)
            return out


# --- the analysis ------------------------------------------------------------------------------


@dataclass
class SensitivitySpec:
    scenario: str
    params: str
    indicators: list[str]
    method: str = "sobol"
    samples: int | None = None
    years: float | None = None
    out: str | None = None
    workers: int | None = None
    replications: int = 1
    seed: int = 1
    quiet: bool = False


class SensitivityError(Exception):
    """Input that cannot be analysed as asked (unknown indicator, ...); exit 2."""


@dataclass
class SensitivityResult:
    table: object  # DataFrame: method, indicator, rank, parameter, indices
    runs: object  # DataFrame: run, parameters, indicators
    seconds: float
    out: Path | None


def _problem(pset) -> dict:
    return {"num_vars": len(pset.params), "names": pset.paths, "bounds": [[0.0, 1.0]] * len(pset.params)}


def sample_unit(method: str, problem: dict, n: int, seed: int):
    """SALib's design in the unit cube."""
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, n, calc_second_order=False, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem, n, num_levels=4, seed=seed)


def analyse(method: str, problem: dict, unit, y, seed: int) -> dict[str, list[float]]:
    """Indices of one indicator's outputs y (one value per row of the unit design)."""
    import numpy as np

    if method == "sobol":
        from SALib.analyze import sobol

        r = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
        return {k: list(np.asarray(r[k], float)) for k in INDEX_COLUMNS[method]}
    from SALib.analyze import morris

    r = morris.analyze(problem, unit, y, num_levels=4, seed=seed)
    return {k: list(np.asarray(r[k], float)) for k in INDEX_COLUMNS[method]}


def rank_table(method: str, pset, indicators: list[str], unit, ys, seed: int):
    """One row per indicator and parameter, ranked by ST (Sobol) or mu* (Morris)."""
    import numpy as np
    import pandas as pd

    problem = _problem(pset)
    key = "ST" if method == "sobol" else "mu_star"
    frames = []
    for i, ind in enumerate(indicators):
        y = np.asarray([row[i] for row in ys], float)
        if np.isnan(y).any() or np.ptp(y) == 0:
            why = (
                f"undefined in {int(np.isnan(y).sum())} of {len(y)} runs"
                if np.isnan(y).any()
                else f"the same in every run ({y[0]:g})"
            )
            print(f"{ind}: {why}; no indices", file=sys.stderr)
            idx = {k: [math.nan] * len(pset.params) for k in INDEX_COLUMNS[method]}
        else:
            idx = analyse(method, problem, unit, y, seed)
        df = pd.DataFrame(
            {
                "method": method,
                "indicator": ind,
                "parameter": pset.paths,
                **idx,
                "output_mean": float(np.mean(y)),
                "output_sd": float(np.std(y, ddof=1)),
            }
        )
        df = df.sort_values(key, ascending=False, na_position="last").reset_index(drop=True)
        df.insert(2, "rank", np.arange(1, len(df) + 1))
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def run_sensitivity(spec: SensitivitySpec) -> SensitivityResult:
    """Sample, run and analyse; ScenarioError for bad scenario/PARAMS files, SensitivityError for other input."""
    import pandas as pd

    from simulation.batch.plan import replication_seed
    from simulation.scenario import load_scenario

    from .params import load_for

    t0 = time.perf_counter()
    loaded = load_scenario(spec.scenario)
    pset = load_for(spec.params, loaded.resolved, spec.scenario)
    seeds = [replication_seed(spec.seed, k) for k in range(1, spec.replications + 1)]
    _init(loaded.resolved, spec.scenario, spec.years, seeds, spec.indicators)
    _check_indicators(loaded, spec)

    n = spec.samples or DEFAULT_SAMPLES[spec.method]
    unit = sample_unit(spec.method, _problem(pset), n, spec.seed)
    values = [{p.path: float(p.from_unit(u[j])) for j, p in enumerate(pset.params)} for u in unit]
    points = [pset.overrides(v) for v in values]
    ys = run_points(points, spec.workers or os.cpu_count() or 1, not spec.quiet)

    table = rank_table(spec.method, pset, spec.indicators, unit, ys, spec.seed)
    runs = pd.DataFrame([dict(ov) for ov in points])
    runs.insert(0, "run", range(1, len(runs) + 1))
    for i, ind in enumerate(spec.indicators):
        runs[ind] = [row[i] for row in ys]
    out = None
    if spec.out:
        from simulation.batch.store import write_parquet_atomic

        out = Path(spec.out)
        out.mkdir(parents=True, exist_ok=True)
        write_parquet_atomic(table, out / "sensitivity.parquet")
        write_parquet_atomic(runs, out / "runs.parquet")
    return SensitivityResult(table, runs, time.perf_counter() - t0, out)


def _check_indicators(loaded, spec: SensitivitySpec) -> None:
    """Run the prior medians once: every asked indicator must be a yearly indicator of the run."""
    from simulation.run import replicate

    available = last_year(replicate(loaded, _STATE["seeds"][0], spec.years))
    unknown = [k for k in spec.indicators if k not in available]
    if unknown:
        names = sorted(k for k in available if not k.startswith("programme.")) + ["programme.<name>.<measure>"]
        raise SensitivityError(
            f"--indicators: unknown {', '.join(unknown)}; expected yearly indicators such as {', '.join(names)}"
        )


# --- printing and command line -------------------------------------------------------------------


def format_table(table, runs: int) -> str:
    """The ranking per indicator, as Markdown."""
    lines = []
    for (method, ind), df in table.groupby(["method", "indicator"], sort=False):
        lines += [
            (
                f"### {ind} ({method}, {runs} runs; indicator mean {df['output_mean'].iloc[0]:.4g}, "
                f"sd {df['output_sd'].iloc[0]:.3g})"
            ),
            "",
        ]
        if method == "sobol":
            lines += ["| rank | parameter | S1 | 95 % CI | ST | 95 % CI |", "|---|---|---|---|---|---|"]
            for _, r in df.iterrows():
                lines.append(
                    f"| {r['rank']} | `{r['parameter']}` | {r['S1']:.3f} | ±{r['S1_conf']:.3f} | "
                    f"{r['ST']:.3f} | ±{r['ST_conf']:.3f} |"
                )
        else:
            lines += ["| rank | parameter | mu* | 95 % CI | sigma | mu |", "|---|---|---|---|---|---|"]
            for _, r in df.iterrows():
                lines.append(
                    f"| {r['rank']} | `{r['parameter']}` | {r['mu_star']:.4g} | ±{r['mu_star_conf']:.3g} | "
                    f"{r['sigma']:.4g} | {r['mu']:.4g} |"
                )
        lines.append("")
    return "\n".join(lines)


def _check_args(a) -> str | None:
    if a.samples is not None and a.samples < 2:
        return f"--samples: expected a whole number >= 2, found {a.samples}"
    if a.method == "sobol" and a.samples is not None and a.samples & (a.samples - 1):
        return f"--samples: Sobol' sampling needs a power of 2 (e.g. 64, 128), found {a.samples}"
    if a.years is not None and not 0 < a.years <= 50:
        return f"--years: expected a number of years in (0, 50], found {a.years}"
    if a.workers is not None and a.workers < 1:
        return f"--workers: expected at least 1, found {a.workers}"
    if a.replications < 1:
        return f"--replications: expected at least 1, found {a.replications}"
    if not Path(a.params).is_file():
        return f"--params: expected an existing file, found no file at '{a.params}'"
    if not [k for k in a.indicators.split(",") if k.strip()]:
        return "--indicators: expected indicator names separated by commas, found none"
    return None


def _command(a) -> int:
    from simulation.errors import ArgumentError
    from simulation.outdir import check_out

    problem = _check_args(a)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_BAD_INPUT
    out = a.out if a.out is not None else f"results/sensitivity-{Path(a.scenario).stem}"
    try:  # a new or empty folder, or an earlier analysis's (sensitivity.parquet)
        check_out(out, "sensitivity.parquet", "sensitivity analysis")
    except ArgumentError as e:
        print(e, file=sys.stderr)
        return EXIT_BAD_INPUT
    spec = SensitivitySpec(
        scenario=a.scenario,
        params=a.params,
        indicators=[k.strip() for k in a.indicators.split(",") if k.strip()],
        method=a.method,
        samples=a.samples,
        years=a.years,
        out=out,
        workers=a.workers,
        replications=a.replications,
        seed=a.seed,
        quiet=a.quiet,
    )
    try:
        res = run_sensitivity(spec)
    except SensitivityError as e:
        print(e, file=sys.stderr)
        return EXIT_BAD_INPUT
    print(format_table(res.table, len(res.runs)))
    print(f"{len(res.runs)} runs in {res.seconds:.0f} s. Results in {res.out}/ (sensitivity.parquet, runs.parquet)")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sensitivity",
        help="global sensitivity of yearly indicators to free parameters (Sobol, Morris)",
        description=__doc__.split("\n\n")[1],
    )
    p.add_argument("scenario", help="scenario file (TOML)")
    p.add_argument("--params", required=True, help="free parameters and priors (TOML, see calibration/params.py)")
    p.add_argument(
        "--indicators",
        default="iq,lzb_stock",
        help="yearly indicators of the last year, comma separated (default iq,lzb_stock)",
    )
    p.add_argument("--method", choices=METHODS, default="sobol", help="sobol (default) or morris (a cheap screen)")
    p.add_argument(
        "--samples",
        type=int,
        default=None,
        help="Sobol: base sample N, a power of 2 (default 64; "
        "N*(D+2) runs); Morris: trajectories (default 10; N*(D+1) runs)",
    )
    p.add_argument("--years", type=float, default=None, help="horizon in years (default: the scenario's)")
    p.add_argument("--replications", type=int, default=1, help="runs averaged per sample point (default 1)")
    p.add_argument("--out", default=None, help="output directory (default results/sensitivity-<scenario>)")
    p.add_argument("--workers", type=int, default=None, help="local processes (default: all cores; 1 = this process)")
    p.add_argument("--seed", type=int, default=1, help="seed of the design and of the runs' common random numbers")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_command)
