"""One replication from a scenario file to its result tables: the library entry point."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import indicators
from .engine.model import Model, RunOutput
from .scenario import LoadedScenario


@dataclass
class Replication:
    run: RunOutput
    monthly: pd.DataFrame
    programme_monthly: pd.DataFrame
    years: float

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {"spells": self.run.spells, "monthly": self.monthly, "programme_monthly": self.programme_monthly}


def replicate(loaded: LoadedScenario, seed: int, years: float | None = None, progress=None) -> Replication:
    model = Model(loaded.scenario, seed, years)
    run = model.run(progress)
    return Replication(run, indicators.monthly(run.spells, loaded.scenario, model.clock),
                       indicators.programme_monthly(run.spells, loaded.scenario, model.clock),
                       years if years is not None else loaded.scenario.time.years)
