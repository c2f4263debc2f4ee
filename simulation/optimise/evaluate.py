"""What runs on a worker for the optimiser: one mix, one replication, the objective's terms.

The mix is applied as overrides of the scenario's content (mix.overrides) and validated like any
scenario; the replication's seed is the batch's seed of that replication number, the same for every
mix (common random numbers). Only the figures the objective needs travel back, not the tables.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..batch import stats
from ..batch.worker import apply_overrides
from ..scenario import LoadedScenario
from ..scenario.loader import validate


@dataclass(frozen=True)
class Evaluation:
    """A job for the batch backends: `scenario` names the mix (Dask keys), `replication` its number."""

    scenario: str  # the mix's label (mix.label)
    scenario_path: str
    resolved: dict  # the scenario's content (data, never code)
    replication: int
    seed: int
    years: float
    overrides: tuple  # (dotted field path, value) pairs: the mix
    terms: tuple  # (indicator, period type "year" | "month", period, weight)


def term_values(monthly, programmes, terms) -> list[float]:
    """Each term's value in one replication: a yearly figure (stats.yearly) or a month's (long_indicators)."""
    need_year = any(pt == "year" for _, pt, _, _ in terms)
    need_month = any(pt == "month" for _, pt, _, _ in terms)
    y = stats.yearly(monthly, programmes) if need_year else None
    m = stats.long_indicators(monthly, programmes) if need_month else None
    out = []
    for ind, ptype, period, _ in terms:
        if ptype == "year":
            sel = y[(y["indicator"] == ind) & (y["period"] == str(period))]["value"]
        else:
            sel = m[(m["indicator"] == ind) & (m["month"] == str(period))]["value"]
        if sel.empty:
            raise ValueError(f"the run has no value of {ind} in {period}")
        out.append(float(sel.iloc[0]))
    return out


def evaluate(job: Evaluation, out: str | None = None) -> dict:
    """Run the replication and return the objective (the weighted sum of its terms) and each term."""
    from ..run import replicate

    t0 = time.perf_counter()
    data = apply_overrides(job.resolved, job.overrides)
    loaded = LoadedScenario(job.scenario_path, validate(data, job.scenario_path), data)
    rep = replicate(loaded, job.seed, job.years)
    keys = {"scenario": job.scenario, "replication": job.replication}
    monthly = rep.monthly.assign(**keys)
    programmes = rep.programme_monthly.assign(**keys)
    values = term_values(monthly, programmes, job.terms)
    return {
        "mix": job.scenario,
        "replication": job.replication,
        "objective": sum(w * v for (_, _, _, w), v in zip(job.terms, values)),
        "terms": values,
        "seconds": time.perf_counter() - t0,
    }
