"""One replication from a scenario file to its result tables: the library entry point."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import indicators
from .engine.model import Model, RunOutput
from .indicators.budgets import budget_monthly
from .indicators.pools import pool_monthly
from .indicators.staffing import staffing_monthly
from .scenario import LoadedScenario


@dataclass
class Replication:
    run: RunOutput
    monthly: pd.DataFrame
    programme_monthly: pd.DataFrame
    years: float
    budget_monthly: pd.DataFrame | None = None  # only for scenarios with budgets
    staffing_monthly: pd.DataFrame | None = None  # only for scenarios with staffing groups
    pool_monthly: pd.DataFrame | None = None  # only for scenarios with pools

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        out = {"spells": self.run.spells, "monthly": self.monthly, "programme_monthly": self.programme_monthly}
        if self.budget_monthly is not None:
            out["budget_monthly"] = self.budget_monthly
        if self.staffing_monthly is not None:
            out["staffing_monthly"] = self.staffing_monthly
        if self.pool_monthly is not None:
            out["pool_monthly"] = self.pool_monthly
        return out


def replicate(loaded: LoadedScenario, seed: int, years: float | None = None, progress=None) -> Replication:
    model = Model(loaded.scenario, seed, years)
    run = model.run(progress)
    budgets = budget_monthly(run.spells, loaded.scenario, model.clock) if loaded.scenario.budgets else None
    staffing = staffing_monthly(run.spells, loaded.scenario, model.clock) if loaded.scenario.staffing else None
    programmes = indicators.programme_monthly(run.spells, loaded.scenario, model.clock)
    pools = pool_monthly(programmes, loaded.scenario, model.clock) if loaded.scenario.pools else None
    return Replication(
        run,
        indicators.monthly(run.spells, loaded.scenario, model.clock),
        programmes,
        years if years is not None else loaded.scenario.time.years,
        budgets,
        staffing,
        pools,
    )
