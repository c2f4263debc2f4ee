"""Free parameters of a scenario: a PARAMS file naming scenario fields and their priors.

A PARAMS file (TOML) has one table per free field, keyed by its dotted path into the
scenario's content (the same paths `apply_overrides` of the batch layer sets):

    [params."hazards.job_ready.rate_per_month"]
    prior = "uniform"          # low <= x <= high
    low = 0.01
    high = 0.04

    [params."hazards.contact_loss.rate_per_month"]
    prior = "lognormal"        # log(x) ~ Normal(log(median), sigma)
    median = 0.003
    sigma = 0.5

    [params."households.hazards.household_income.rate_per_month"]
    prior = "normal"           # Normal(mean, sd) truncated to [low, high]
    mean = 0.0045
    sd = 0.001
    low = 0
    high = 0.01

    [params."programmes.agh.places"]
    prior = "uniform"
    low = 250
    high = 400
    integer = true             # values are rounded to whole numbers before the scenario sees them

Paths go through tables only (not into arrays such as routes); the field must exist in the
resolved scenario, or be a field its table accepts (e.g. `places` of an unlimited programme).
Every problem is reported as ParamsError(file, [(field, expected/found)]): the CLI exits 2.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from simulation.errors import ScenarioError

PRIORS = {"uniform": ("low", "high"), "lognormal": ("median", "sigma"), "normal": ("mean", "sd", "low", "high")}
COMMON_KEYS = {"prior", "integer", "label"}
UNBOUNDED_TAIL = 1e-3  # unit-cube ends map to these quantiles for a prior without bounds (lognormal)


class ParamsError(ScenarioError):
    """A PARAMS (or targets) file that cannot be used; a ScenarioError, so the CLI prints it and exits 2."""

    def __init__(self, file: str, problems: list[tuple[str, str]], kind: str = "PARAMS file") -> None:
        self.kind = kind
        super().__init__(file, problems)

    def __str__(self) -> str:
        n = len(self.problems)
        lines = [f"{self.file}: invalid {self.kind} ({n} problem{'s' if n > 1 else ''})"]
        return "\n".join(lines + [f"  {path or '(file)'}: {msg}" for path, msg in self.problems])


@dataclass(frozen=True)
class Param:
    """One free scenario field with its prior."""

    path: str
    prior: str
    args: dict[str, float]
    integer: bool = False
    label: str = ""

    @property
    def dist(self):
        """The prior as a frozen scipy distribution (pyabc's RV and SALib's transform use the same)."""
        name, args, kwargs = self.scipy_spec()
        return getattr(stats, name)(*args, **kwargs)

    def scipy_spec(self) -> tuple[str, tuple, dict]:
        a = self.args
        if self.prior == "uniform":
            return "uniform", (a["low"], a["high"] - a["low"]), {}
        if self.prior == "lognormal":
            return "lognorm", (a["sigma"],), {"scale": a["median"]}
        lo, hi = (a["low"] - a["mean"]) / a["sd"], (a["high"] - a["mean"]) / a["sd"]
        return "truncnorm", (lo, hi, a["mean"], a["sd"]), {}

    @property
    def bounded(self) -> bool:
        return self.prior != "lognormal"

    def from_unit(self, u) -> np.ndarray:
        """Map points of [0, 1] to parameter values through the prior's quantile function."""
        u = np.asarray(u, float)
        if not self.bounded:
            u = UNBOUNDED_TAIL + (1 - 2 * UNBOUNDED_TAIL) * u
        return self.dist.ppf(np.clip(u, 0.0, 1.0))

    def value(self, x: float) -> float | int:
        """What the scenario receives: a whole number for integer fields, a float otherwise."""
        return round(float(x)) if self.integer else float(x)

    def describe(self) -> str:
        a = ", ".join(f"{k} = {v:g}" for k, v in self.args.items())
        return f"{self.prior}({a}){', integer' if self.integer else ''}"


@dataclass(frozen=True)
class ParamSet:
    file: str
    params: tuple[Param, ...]

    @property
    def paths(self) -> list[str]:
        return [p.path for p in self.params]

    def overrides(self, values: dict[str, float]) -> list[tuple[str, float | int]]:
        """(path, value) pairs for `apply_overrides`, integers rounded."""
        return [(p.path, p.value(values[p.path])) for p in self.params]

    def medians(self) -> dict[str, float]:
        return {p.path: float(p.dist.median()) for p in self.params}


# --- reading ---------------------------------------------------------------------------


def _number(where: str, key: str, raw: dict, problems: list) -> float | None:
    v = raw.get(key)
    if v is None:
        problems.append((where, f"expected a number '{key}', found none"))
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        problems.append((f"{where}.{key}", f"expected a finite number, found {v!r}"))
        return None
    return float(v)


def _param(path: str, raw: Any, problems: list) -> Param | None:
    where = f'params."{path}"'
    if not isinstance(raw, dict):
        problems.append((where, f"expected a table with prior = ..., found {raw!r}"))
        return None
    prior = raw.get("prior")
    if prior is None and raw and all(isinstance(v, dict) for v in raw.values()):
        problems.append(
            (
                where,
                (
                    f'expected the whole dotted path in quotes, as [params."{path}.{next(iter(raw))}..."], '
                    f"found nested tables (TOML splits an unquoted path at its dots)"
                ),
            )
        )
        return None
    if prior not in PRIORS:
        problems.append((f"{where}.prior", f"expected one of {', '.join(repr(p) for p in PRIORS)}, found {prior!r}"))
        return None
    allowed = set(PRIORS[prior]) | COMMON_KEYS
    for key in sorted(set(raw) - allowed):
        problems.append((f"{where}.{key}", f"unknown key for prior '{prior}'; expected some of {sorted(allowed)}"))
    n0 = len(problems)
    args = {k: _number(where, k, raw, problems) for k in PRIORS[prior]}
    integer = raw.get("integer", False)
    if not isinstance(integer, bool):
        problems.append((f"{where}.integer", f"expected true or false, found {integer!r}"))
    if len(problems) > n0:
        return None
    if "low" in args and args["high"] <= args["low"]:
        problems.append((f"{where}.high", f"expected high > low ({args['low']:g}), found high = {args['high']:g}"))
    for k in ("sigma", "sd", "median"):
        if k in args and args[k] <= 0:
            problems.append((f"{where}.{k}", f"expected a number > 0, found {args[k]:g}"))
    if len(problems) > n0:
        return None
    return Param(path, prior, args, bool(integer), str(raw.get("label", "")))


def read_params(path: str | Path) -> ParamSet:
    """Read and check a PARAMS file (on its own, without a scenario)."""
    file = str(path)
    p = Path(path)
    if not p.is_file():
        raise ParamsError(file, [("", f"expected a PARAMS file, found no file at '{p}'")])
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ParamsError(file, [("", f"expected a TOML file, found a syntax error: {e}")]) from None
    problems: list[tuple[str, str]] = []
    for key in sorted(set(data) - {"params"}):
        problems.append((key, 'unknown key; expected only [params."dotted.path"] tables'))
    table = data.get("params")
    if not isinstance(table, dict) or not table:
        problems.append(("params", 'expected at least one [params."dotted.path"] table, found none'))
        raise ParamsError(file, problems)
    params = [_param(k, v, problems) for k, v in table.items()]
    if problems:
        raise ParamsError(file, problems)
    return ParamSet(file, tuple(params))


# --- checking against a scenario -------------------------------------------------------


def _lookup(resolved: dict, path: str) -> tuple[str | None, Any]:
    """Follow a dotted path; (problem, value) where problem is None if the path is usable."""
    node: Any = resolved
    keys = path.split(".")
    for i, k in enumerate(keys):
        here = ".".join(keys[:i]) or "the scenario's top level"
        if isinstance(node, list):
            return (
                f"expected a path through tables, found an array at '{here}' (paths into arrays are not supported)",
                None,
            )
        if not isinstance(node, dict):
            return f"expected a table at '{here}', found the value {node!r}", None
        if k not in node:
            if i == len(keys) - 1:
                return None, None  # a field the table may accept: decided by validation
            return (
                f"expected an existing field, found no '{k}' under {here} "
                f"(there: {', '.join(sorted(map(str, node))) or 'nothing'})"
            ), None
        node = node[k]
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        return f"expected a numeric field, found {node!r}", None
    return None, node


def check_against(pset: ParamSet, resolved: dict, source: str) -> None:
    """Every path exists (or is accepted) in the scenario and the scenario stays valid across each prior."""
    from simulation.batch.worker import apply_overrides
    from simulation.scenario import validate

    problems = []
    for p in pset.params:
        problem, _ = _lookup(resolved, p.path)
        if problem:
            problems.append((f'params."{p.path}"', f"in scenario {source}: {problem}"))
    if problems:
        raise ParamsError(pset.file, problems)
    med = pset.medians()
    for p in pset.params:
        for q in (0.0, 0.5, 1.0):
            x = float(p.from_unit(q))
            values = {**med, p.path: x}
            try:
                validate(apply_overrides(resolved, pset.overrides(values)), source)
            except ScenarioError as e:
                msgs = "; ".join(f"{f}: {m}" for f, m in e.problems)
                hint = " (whole-number field: set integer = true)" if "integer" in msgs and not p.integer else ""
                problems.append(
                    (
                        f'params."{p.path}"',
                        (
                            f"the scenario is invalid with {p.path} = {p.value(x)!r} "
                            f"(prior quantile {q:g}): {msgs}{hint}"
                        ),
                    )
                )
                break
    if problems:
        raise ParamsError(pset.file, problems)


def load_for(params_path: str | Path, resolved: dict, source: str) -> ParamSet:
    pset = read_params(params_path)
    check_against(pset, resolved, source)
    return pset
