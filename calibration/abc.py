"""Fit a scenario's free parameters to observed aggregates: likelihood-free Bayesian calibration (ABC-SMC).

    jobpath calibrate SCENARIO --targets TARGETS.toml --params PARAMS.toml [--populations P]
        [--particles K] [--replications-per-particle R] [--years Y] [--out DIR]
        [--workers W | --dask ADDR] [--resume]

The simulation has no tractable likelihood, so the posterior of the free parameters (PARAMS
file, calibration/params.py) is approximated by sequential Monte Carlo ABC: particles drawn
from the prior, then perturbed from population to population, are kept while the distance
between their simulated target metrics and the observed targets (TARGETS file, measured by
calibration/compare.py's metric functions) is below a shrinking tolerance.

Library: pyabc (https://pyabc.readthedocs.io). It is maintained (regular releases, 0.13 for
Python 3.11+), implements ABC-SMC with adaptive tolerances (quantile of the last population's
distances) and adaptive multivariate-normal transition kernels, importance weights, and keeps
every population in an SQLite history: that database is the checkpoint, so a run stopped
between populations (time limit, lost job) continues with `--resume` from the last finished
population. Its samplers evaluate particles in local processes (MulticoreEvalParallelSampler)
or on a Dask cluster (DaskDistributedSampler), the same two back ends as `jobpath batch`.

Distance: sum over targets of ((simulated - observed) / scale)^2, the scale being the half
width of the target's band [low, high]. A one-sided target (only `low` or only `high`) counts
only when the bound is violated, with scale |value - bound| (5 % of |value| if that is 0, or
for a target without a band). A metric that cannot be measured in a run (e.g. a share of zero
events) counts as NAN_PENALTY_SCALES scales off.

Outputs in OUT: abc.db (pyabc history), calibration.json (what was run, checked on --resume),
posterior.parquet (last population: parameters and weights), calibrated.toml (extends the
scenario with the weighted posterior medians, whole-number fields rounded), draws.parquet
(posterior draws, one row per draw: `draw` and one column per dotted path, for forecasts with
parameter uncertainty) and fit.md (each target observed vs simulated at the posterior median).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

EXIT_BAD_INPUT = 2
NAN_PENALTY_SCALES = 10.0
DEFAULT_SCALE_FRACTION = 0.05


# --- targets -----------------------------------------------------------------------------


def target_scale(t: dict) -> float:
    """The distance scale of a target: half its band, or the distance from value to its one bound."""
    low, high, value = t.get("low"), t.get("high"), float(t["value"])
    if low is not None and high is not None and high > low:
        return (high - low) / 2
    bound = low if low is not None else high
    gap = abs(value - bound) if bound is not None else 0.0
    return gap if gap > 0 else (DEFAULT_SCALE_FRACTION * abs(value) or 1.0)


def target_term(t: dict, sim: float) -> float:
    """One target's contribution to the distance (squared scaled error)."""
    scale = target_scale(t)
    if sim is None or not math.isfinite(sim):
        return NAN_PENALTY_SCALES**2
    low, high = t.get("low"), t.get("high")
    if (low is None) != (high is None):  # one-sided: only a violated bound counts
        miss = (low - sim) if low is not None else (sim - high)
        return (max(miss, 0.0) / scale) ** 2
    return ((sim - float(t["value"])) / scale) ** 2


class TargetDistance:
    """pyabc distance: sum of the targets' squared scaled errors."""

    def __init__(self, targets: dict[str, dict]) -> None:
        self.targets = targets

    def __call__(self, x: dict, x0: dict) -> float:
        return float(sum(target_term(t, x[name]) for name, t in self.targets.items()))


def simulated_months(resolved: dict, years: float | None) -> list[str]:
    """Labels YYYY-MM of the months a run covers."""
    start = resolved["time"]["start"]
    start = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
    n = round(12 * (years if years is not None else resolved["time"].get("years", 1)))
    return [f"{start.year + (start.month - 1 + k) // 12}-{(start.month - 1 + k) % 12 + 1:02d}" for k in range(n)]


def read_targets(path: str) -> tuple[int, dict]:
    """The targets file through compare.load_targets, a broken file reported like a bad PARAMS file."""
    import tomllib

    from .compare import load_targets
    from .params import ParamsError

    try:
        year, targets = load_targets(path)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ParamsError(path, [("", f"expected a TOML file, found a syntax error: {e}")], "targets file") from None
    except (KeyError, TypeError, ValueError) as e:
        raise ParamsError(
            path, [("", f"expected `year = YYYY` and [targets.NAME] tables, found a problem with {e}")], "targets file"
        ) from None
    if not isinstance(targets, dict) or not all(isinstance(t, dict) for t in targets.values()):
        raise ParamsError(path, [("targets", "expected [targets.NAME] tables")], "targets file")
    return year, targets


def check_targets(path: str, year: int, targets: dict, resolved: dict, years: float | None) -> None:
    """Every target names a known metric and a number, its year is simulated in full, its programmes exist."""
    from .compare import METRICS
    from .params import ParamsError

    problems = []
    months = simulated_months(resolved, years)
    if sum(m.startswith(f"{year}-") for m in months) != 12:
        problems.append(
            (
                "year",
                (
                    f"expected a calendar year the run covers in full ({months[0]} .. {months[-1]}), "
                    f"found {year}; use --years or another targets year"
                ),
            )
        )
    if not targets:
        problems.append(("targets", "expected at least one [targets.NAME] table, found none"))
    programmes = set(resolved.get("programmes", {}))
    for name, t in targets.items():
        where = f"targets.{name}"
        if t.get("metric") not in METRICS:
            problems.append(
                (f"{where}.metric", f"expected one of {', '.join(sorted(METRICS))}, found {t.get('metric')!r}")
            )
        for key in ("value", "low", "high"):
            v = t.get(key)
            if (key == "value" or v is not None) and (isinstance(v, bool) or not isinstance(v, (int, float))):
                problems.append((f"{where}.{key}", f"expected a number, found {v!r}"))
        unknown = [p for p in t.get("programmes", []) if p not in programmes]
        if unknown:
            problems.append((f"{where}.programmes", f"expected programmes of the scenario, found {unknown}"))
    if problems:
        raise ParamsError(path, problems, kind="targets file")


# --- the model pyabc evaluates ---------------------------------------------------------------


class ParticleModel:
    """Run the scenario with a particle's parameters and return its mean target metrics over R runs.

    Each evaluation draws a fresh master seed from numpy's global generator (which pyabc seeds
    in each worker), so particles see independent randomness, as ABC requires.
    """

    def __init__(
        self, resolved: dict, source: str, pset, year: int, targets: dict, years: float | None, replications: int = 1
    ) -> None:
        self.resolved, self.source, self.pset = resolved, source, pset
        self.year, self.targets, self.years, self.replications = year, targets, years, replications

    def metrics(self, values: dict[str, float], seeds) -> dict[str, float]:
        """Mean over the given seeds of every target's metric (NaN for all if the scenario is invalid)."""
        import numpy as np

        from simulation.batch.worker import apply_overrides
        from simulation.errors import ScenarioError
        from simulation.run import replicate
        from simulation.scenario import LoadedScenario, validate

        from .compare import measure

        data = apply_overrides(self.resolved, self.pset.overrides(values))
        try:
            loaded = LoadedScenario(self.source, validate(data, self.source), data)
        except ScenarioError:
            return {name: math.nan for name in self.targets}
        rows = [measure(replicate(loaded, s, self.years), self.year, self.targets) for s in seeds]
        return {
            name: float(np.nanmean([r[name] for r in rows])) if any(math.isfinite(r[name]) for r in rows) else math.nan
            for name in self.targets
        }

    def __call__(self, parameter) -> dict[str, float]:
        import numpy as np

        from simulation.batch.plan import replication_seed

        master = int(np.random.randint(0, 2**62, dtype=np.int64))
        seeds = [replication_seed(master, k) for k in range(1, self.replications + 1)]
        return self.metrics({p: float(parameter[p]) for p in self.pset.paths}, seeds)


# --- a calibration run -----------------------------------------------------------------------


@dataclass
class CalibrationSpec:
    scenario: str
    targets: str
    params: str
    out: str
    populations: int = 5
    particles: int = 100
    replications: int = 1
    years: float | None = None
    workers: int | None = None
    dask: str | None = None
    resume: bool = False
    overwrite: bool = False
    seed: int = 1
    draws: int = 100
    fit_replications: int = 10
    min_epsilon: float = 0.0
    max_hours: float | None = None
    quiet: bool = False


class CalibrationError(Exception):
    """A run that cannot start as asked (existing results, a resume that does not match); exit 2."""


def _sha(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _record(spec: CalibrationSpec, scenario_sha: str) -> dict:
    """What must not change between a run and its continuation."""
    return {
        "scenario": spec.scenario,
        "scenario_sha256": scenario_sha,
        "targets_sha256": _sha(spec.targets),
        "params_sha256": _sha(spec.params),
        "years": spec.years,
        "replications_per_particle": spec.replications,
    }


def _prepare_out(spec: CalibrationSpec, record: dict) -> Path:
    out = Path(spec.out)
    db, rec = out / "abc.db", out / "calibration.json"
    if spec.resume:
        if not db.exists() or not rec.exists():
            raise CalibrationError(f"{out}: nothing to resume (no abc.db and calibration.json)")
        old = json.loads(rec.read_text())
        changed = [k for k in record if k != "scenario" and old.get(k) != record[k]]
        if changed:
            raise CalibrationError(
                f"{rec}: --resume needs the same scenario content, targets and params files, "
                f"years and replications per particle; found different {', '.join(changed)}"
            )
        return out
    if db.exists():
        if not spec.overwrite:
            raise CalibrationError(
                f"{out} already holds a calibration (abc.db); use --resume to continue it or --overwrite to start again"
            )
        for name in ("abc.db", "calibration.json"):
            (out / name).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / ".calibration.json.tmp"
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    os.replace(tmp, rec)
    return out


def _prior(pset):
    import pyabc

    return pyabc.Distribution(
        **{p.path: pyabc.RV(p.scipy_spec()[0], *p.scipy_spec()[1], **p.scipy_spec()[2]) for p in pset.params}
    )


class _Sampler:
    """The pyabc sampler for --workers / --dask; a Dask cluster comes from the batch layer's backend."""

    def __init__(self, workers: int | None, dask: str | None) -> None:
        self.workers, self.dask = workers, dask
        self.backend = None

    def __enter__(self):
        from pyabc.sampler import DaskDistributedSampler, MulticoreEvalParallelSampler, SingleCoreSampler

        if self.dask:
            from simulation.batch.backends import Dask

            self.backend = Dask(self.dask).__enter__()
            return DaskDistributedSampler(dask_client=self.backend.client)
        n = self.workers or os.cpu_count() or 1
        return SingleCoreSampler() if n == 1 else MulticoreEvalParallelSampler(n_procs=n)

    def __exit__(self, *exc):
        if self.backend is not None:
            self.backend.__exit__(*exc)
        return False


@dataclass
class CalibrationResult:
    out: Path
    populations: int
    simulations: int
    seconds: float
    posterior: object  # DataFrame: one column per path, weight, population
    medians: dict[str, float]


def run_calibration(spec: CalibrationSpec) -> CalibrationResult:
    """Run (or continue) ABC-SMC and write all outputs; ScenarioError / CalibrationError for bad input."""
    import logging

    import numpy as np
    import pyabc

    from simulation.scenario import load_scenario

    from .params import load_for

    t0 = time.perf_counter()
    loaded = load_scenario(spec.scenario)
    pset = load_for(spec.params, loaded.resolved, spec.scenario)
    year, targets = read_targets(spec.targets)
    check_targets(spec.targets, year, targets, loaded.resolved, spec.years)
    out = _prepare_out(spec, _record(spec, loaded.sha256))
    logging.getLogger("ABC").setLevel(logging.WARNING if spec.quiet else logging.INFO)

    model = ParticleModel(loaded.resolved, spec.scenario, pset, year, targets, spec.years, spec.replications)
    db = f"sqlite:///{(out / 'abc.db').resolve()}"
    with _Sampler(spec.workers, spec.dask) as sampler:
        abc = pyabc.ABCSMC(
            model, _prior(pset), TargetDistance(targets), population_size=spec.particles, sampler=sampler
        )
        if spec.resume:
            history = abc.load(db, 1)
            done = history.max_t + 1
        else:
            history = abc.new(db, {name: float(t["value"]) for name, t in targets.items()})
            done = 0
        # a continuation draws new random numbers: seed from (seed, populations done)
        np.random.seed(np.random.SeedSequence([spec.seed, done]).generate_state(1)[0])
        if spec.populations > done:
            walltime = dt.timedelta(hours=spec.max_hours) if spec.max_hours else None
            history = abc.run(
                minimum_epsilon=spec.min_epsilon, max_nr_populations=spec.populations - done, max_walltime=walltime
            )
    posterior, medians = write_outputs(spec, out, history, pset, loaded)
    return CalibrationResult(
        out, history.max_t + 1, int(history.total_nr_simulations), time.perf_counter() - t0, posterior, medians
    )


# --- outputs -------------------------------------------------------------------------------


def weighted_quantiles(x, w, qs):
    """Quantiles of a weighted sample (pyabc's definition: interpolated weighted CDF)."""
    from pyabc.weighted_statistics import weighted_quantile

    return [float(weighted_quantile(x, w, alpha=q)) for q in qs]


def _toml_key(path: str) -> str:
    import re

    return ".".join(k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k) for k in path.split("."))


def _toml_value(v) -> str:
    return str(v) if isinstance(v, int) else repr(float(f"{v:.6g}"))


def calibrated_toml(scenario: str, out: Path, name: str, overrides, sha256: str) -> str:
    """A scenario file extending the input with the calibrated values."""
    rel = os.path.relpath(Path(scenario).resolve(), out.resolve())
    lines = [
        f"# Calibrated by `jobpath calibrate`: weighted posterior medians ({dt.date.today()}).",
        f"# Input scenario content sha256 {sha256}.",
        f"extends = {json.dumps(rel)}",
        f"name = {json.dumps((name + ' (calibrated)').strip())}",
        "",
    ]
    lines += [f"{_toml_key(p)} = {_toml_value(v)}" for p, v in overrides]
    return "\n".join(lines) + "\n"


def draws_table(posterior, pset, n: int, seed: int):
    """n posterior draws (weighted resampling of the last population), whole-number fields rounded."""
    import numpy as np
    import pandas as pd

    w = posterior["weight"].to_numpy(float)
    idx = np.random.default_rng(seed).choice(len(posterior), size=n, p=w / w.sum())
    df = pd.DataFrame({"draw": np.arange(1, n + 1)})
    for p in pset.params:
        col = posterior[p.path].to_numpy(float)[idx]
        df[p.path] = np.round(col).astype("int64") if p.integer else col
    return df


def _posterior_table(posterior, pset) -> str:
    w = posterior["weight"].to_numpy(float)
    lines = ["| parameter | prior | posterior median | 95 % credible interval |", "|---|---|---|---|"]
    for p in pset.params:
        lo, med, hi = weighted_quantiles(posterior[p.path].to_numpy(float), w, (0.025, 0.5, 0.975))
        lines.append(f"| `{p.path}` | {p.describe()} | {p.value(med):.6g} | {lo:.6g} .. {hi:.6g} |")
    return "\n".join(lines)


def _populations_table(history) -> str:
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    lines = ["| population | epsilon | particles | simulations |", "|---|---|---|---|"]
    for _, r in pops.iterrows():
        n = history.get_nr_particles_per_population().get(int(r["t"]), "")
        lines.append(f"| {int(r['t']) + 1} | {r['epsilon']:.4g} | {n} | {int(r['samples'])} |")
    return "\n".join(lines)


def write_outputs(spec: CalibrationSpec, out: Path, history, pset, loaded):
    """posterior.parquet, calibrated.toml, draws.parquet and fit.md from the history's last population."""
    from simulation.batch.store import write_parquet_atomic

    from .compare import compare, format_table

    df, w = history.get_distribution(m=0, t=history.max_t)
    posterior = df[pset.paths].reset_index(drop=True).astype(float)
    posterior["weight"] = w / w.sum()
    posterior["population"] = history.max_t + 1
    write_parquet_atomic(posterior, out / "posterior.parquet")
    wts = posterior["weight"].to_numpy(float)
    medians = {p.path: weighted_quantiles(posterior[p.path].to_numpy(float), wts, (0.5,))[0] for p in pset.params}
    overrides = pset.overrides(medians)
    cal = out / "calibrated.toml"
    tmp = out / ".calibrated.toml.tmp"
    tmp.write_text(calibrated_toml(spec.scenario, out, loaded.scenario.name, overrides, loaded.sha256))
    os.replace(tmp, cal)
    write_parquet_atomic(draws_table(posterior, pset, spec.draws, spec.seed), out / "draws.parquet")
    fit = compare(cal, replications=spec.fit_replications, targets_path=spec.targets, years=spec.years)
    write_parquet_atomic(fit, out / "fit.parquet")
    report = [
        f"# Calibration fit: {loaded.scenario.name or Path(spec.scenario).stem}",
        "",
        (
            f"Scenario `{spec.scenario}`, targets `{spec.targets}`, free parameters `{spec.params}`; "
            f"ABC-SMC (pyabc) with {spec.particles} particles, {spec.replications} replication(s) per particle, "
            f"{history.max_t + 1} populations, {history.total_nr_simulations} simulations."
        ),
        "",
        "## Posterior",
        "",
        _posterior_table(posterior, pset),
        "",
        "## Populations",
        "",
        _populations_table(history),
        "",
        f"## Targets at the posterior median ({spec.fit_replications} replications, seeds 1..{spec.fit_replications})",
        "",
        "Simulated: mean and 2.5-97.5 % range of the replications; `met`: the mean lies in the band.",
        "",
        format_table(fit),
        "",
    ]
    (out / "fit.md").write_text("\n".join(report))
    return posterior, medians


# --- command line -----------------------------------------------------------------------------


def _bad(msg: str) -> int:
    print(msg, file=sys.stderr)
    return EXIT_BAD_INPUT


def _check_args(a) -> str | None:
    for name, v in (
        ("--populations", a.populations),
        ("--particles", a.particles),
        ("--replications-per-particle", a.replications_per_particle),
        ("--draws", a.draws),
        ("--fit-replications", a.fit_replications),
    ):
        if v < 1:
            return f"{name}: expected a whole number >= 1, found {v}"
    if a.years is not None and not 0 < a.years <= 50:
        return f"--years: expected a number of years in (0, 50], found {a.years}"
    if a.workers is not None and a.workers < 1:
        return f"--workers: expected at least 1, found {a.workers}"
    for name, path in (("--targets", a.targets), ("--params", a.params)):
        if not Path(path).is_file():
            return f"{name}: expected an existing file, found no file at '{path}'"
    return None


def _command(a) -> int:
    from simulation.errors import ArgumentError
    from simulation.outdir import check_out

    problem = _check_args(a)
    if problem:
        return _bad(problem)
    out = a.out if a.out is not None else f"results/calibrate-{Path(a.scenario).stem}"
    try:  # a new or empty folder, or an earlier calibration's (abc.db)
        check_out(out, "abc.db", "calibration")
    except ArgumentError as e:
        return _bad(str(e))
    spec = CalibrationSpec(
        scenario=a.scenario,
        targets=a.targets,
        params=a.params,
        out=out,
        populations=a.populations,
        particles=a.particles,
        replications=a.replications_per_particle,
        years=a.years,
        workers=a.workers,
        dask=a.dask,
        resume=a.resume,
        overwrite=a.overwrite,
        seed=a.seed,
        draws=a.draws,
        fit_replications=a.fit_replications,
        min_epsilon=a.min_epsilon,
        max_hours=a.max_hours,
        quiet=a.quiet,
    )
    try:
        res = run_calibration(spec)
    except CalibrationError as e:
        return _bad(str(e))
    if not a.quiet:
        print((res.out / "fit.md").read_text())
        print(
            f"{res.populations} populations, {res.simulations} simulations, {res.seconds:.0f} s. Results in "
            f"{res.out}/ (posterior.parquet, calibrated.toml, draws.parquet, fit.md, abc.db)"
        )
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "calibrate",
        help="fit free scenario parameters to observed figures (ABC-SMC)",
        description=__doc__.split("\n\n")[2],
    )
    p.add_argument("scenario", help="scenario file (TOML)")
    p.add_argument("--targets", required=True, help="observed figures (TOML, as calibration/targets/kassel.toml)")
    p.add_argument("--params", required=True, help="free parameters and priors (TOML, see calibration/params.py)")
    p.add_argument("--populations", type=int, default=5, help="ABC-SMC populations in total (default 5)")
    p.add_argument("--particles", type=int, default=100, help="particles per population (default 100)")
    p.add_argument("--replications-per-particle", type=int, default=1, help="runs averaged per particle (default 1)")
    p.add_argument("--years", type=float, default=None, help="horizon in years (default: the scenario's)")
    p.add_argument("--out", default=None, help="output directory (default results/calibrate-<scenario>)")
    p.add_argument("--workers", type=int, default=None, help="local processes (default: all cores; 1 = this process)")
    p.add_argument("--dask", default=None, metavar="ADDRESS", help="Dask scheduler address, or local:N")
    p.add_argument("--resume", action="store_true", help="continue the calibration in --out (abc.db)")
    p.add_argument("--overwrite", action="store_true", help="discard a calibration already in --out")
    p.add_argument("--seed", type=int, default=1, help="seed of the sampler (reproducible with --workers 1)")
    p.add_argument("--draws", type=int, default=100, help="posterior draws written to draws.parquet (default 100)")
    p.add_argument("--fit-replications", type=int, default=10, help="replications for fit.md (default 10)")
    p.add_argument("--min-epsilon", type=float, default=0.0, help="stop once the tolerance is below this")
    p.add_argument("--max-hours", type=float, default=None, help="stop after the population running at this time")
    p.add_argument("--quiet", action="store_true", help="no progress and no report on the terminal")
    p.set_defaults(func=_command)
