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


def covered_intervals(spells: pd.DataFrame, covered: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """[from, to) of every time some customer spends in one of the hazard states `covered`
    (`case_management`, `waiting:<p>`, `programme:<p>`, ...): a programme spell is a wait from
    `waiting_start` to `start` (or its end, if never admitted), then participation to its end."""
    start, end = spells["start"].to_numpy(float), spells["end"].to_numpy(float)
    st = spells["state"].to_numpy(object)
    prog = spells["programme"].astype(object).where(spells["programme"].notna(), "").to_numpy(object)
    fixed = [x for x in covered if x in FIXED]
    waiting = [x.split(":", 1)[1] for x in covered if x.startswith("waiting:")]
    taking_part = [x.split(":", 1)[1] for x in covered if x.startswith("programme:")]
    in_programme = st == "programme"
    parts = [
        (np.isin(st, fixed), start, end),
        (
            in_programme & np.isin(prog, waiting),
            spells["waiting_start"].to_numpy(float),
            np.where(np.isnan(start), end, start),
        ),
        (in_programme & np.isin(prog, taking_part) & ~np.isnan(start), start, end),
    ]
    lo = np.concatenate([a[sel] for sel, a, _ in parts])
    hi = np.concatenate([b[sel] for sel, _, b in parts])
    return lo, hi


def count_at(lo: np.ndarray, hi: np.ndarray, t: np.ndarray) -> np.ndarray:
    """How many of the intervals [lo, hi) hold the last instant before each time t (lo < t <= hi)."""
    return np.searchsorted(np.sort(lo), t, side="left") - np.searchsorted(np.sort(hi), t, side="left")


def staffing_monthly(spells: pd.DataFrame, scenario: Scenario, clock: Clock) -> pd.DataFrame:
    """One row per staffing group and month, at the month's end (the last instant before it)."""
    edges = np.asarray(clock.month_edges(), float)[1:]
    labels = clock.month_labels()
    all_states = states(scenario) + ["handover"]
    frames = []
    for name, g in scenario.staffing.items():
        covered = [st for st in all_states if any(matches(p, st) for p in g.states)]
        line = Timeline.of(g.staff, clock)
        n = count_at(*covered_intervals(spells, covered), edges).astype(float)
        staff = np.array([line.at(t - 1e-6) for t in edges], float)  # the staff before the next month's step
        with np.errstate(divide="ignore", invalid="ignore"):
            caseload = np.where(staff > 0, n / staff, np.inf)
            f = np.where(
                staff <= 0, 0.0, np.where(n > 0, (g.reference_caseload / caseload) ** g.elasticity, g.max_factor)
            )
        frames.append(
            pd.DataFrame(
                {
                    "month": labels,
                    "staffing": name,
                    "staff": staff,
                    "customers": n.astype(int),
                    "caseload": caseload,
                    "factor": np.minimum(f, g.max_factor),
                }
            )
        )
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("month", "staffing") else float) for c in COLUMNS})
    return pd.concat(frames, ignore_index=True)[COLUMNS]
