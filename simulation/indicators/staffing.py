"""Caseloads from the spells: customers in each staffing group's states, per case manager, by month.

The rules are those of the engine (simulation/engine/staffing.py), restated from the scenario:
the customers in the group's states at the month's end, the staff in force then, their ratio
and the rate factor it gives the group's hazards.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.clock import Clock
from ..engine.timeline import Timeline
from ..scenario.checks import matches, states
from ..scenario.schema import Scenario

COLUMNS = ["month", "staffing", "staff", "customers", "caseload", "factor"]
FIXED = ("case_management", "no_contact", "handover")


def in_state(spells: pd.DataFrame, state: str, t: float) -> int:
    """Customers in a hazard state (`case_management`, `waiting:<p>`, `programme:<p>`, ...) at day t."""
    kind, _, name = state.partition(":")
    start, end = spells["start"].to_numpy(float), spells["end"].to_numpy(float)
    st = spells["state"].to_numpy(object)
    if kind in FIXED:
        return int(((st == kind) & (start <= t) & (end > t)).sum())
    sel = (st == "programme") & (spells["programme"] == name).fillna(False).to_numpy(bool)   # no programme: NA
    if kind == "programme":
        return int((sel & (start <= t) & (end > t)).sum())
    ws = spells["waiting_start"].to_numpy(float)   # waiting: from joining the list until admission or the end
    until = np.where(np.isnan(start), end, start)
    return int((sel & (ws <= t) & (until > t)).sum())


def staffing_monthly(spells: pd.DataFrame, scenario: Scenario, clock: Clock) -> pd.DataFrame:
    """One row per staffing group and month, at the month's end (the last instant before it)."""
    edges = np.asarray(clock.month_edges(), float)[1:]
    labels = clock.month_labels()
    all_states = states(scenario) + ["handover"]
    frames = []
    for name, g in scenario.staffing.items():
        covered = [st for st in all_states if any(matches(p, st) for p in g.states)]
        line = Timeline.of(g.staff, clock)
        t_end = edges - 1e-6
        n = np.array([sum(in_state(spells, st, t) for st in covered) for t in t_end], float)
        staff = np.array([line.at(t) for t in t_end], float)
        with np.errstate(divide="ignore", invalid="ignore"):
            caseload = np.where(staff > 0, n / staff, np.inf)
            f = np.where(staff <= 0, 0.0, np.where(n > 0, (g.reference_caseload / caseload) ** g.elasticity,
                                                   g.max_factor))
        frames.append(pd.DataFrame({"month": labels, "staffing": name, "staff": staff, "customers": n.astype(int),
                                    "caseload": caseload, "factor": np.minimum(f, g.max_factor)}))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("month", "staffing") else float) for c in COLUMNS})
    return pd.concat(frames, ignore_index=True)[COLUMNS]
