"""Pools from the programme table: places, use and waiting of each pool of programmes per month.

A pool's figures are its members' figures of `programme_monthly` added up (participants and
places taken alongside use the pool's places; on a shared list every wait is logged under the
programme referred to, so the members' waiting lists together are the pool's list); `places`
is the pool's cap over calendar time, in force at the month's end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.clock import Clock
from ..engine.timeline import Timeline
from ..scenario.schema import Scenario

COLUMNS = [
    "month",
    "pool",
    "waiting_list",
    "places",
    "participants",
    "participants_end",
    "waiting",
    "waiting_end",
    "entries",
]
SUMMED = ["participants", "participants_end", "waiting", "waiting_end", "entries"]


def _places(spec, clock: Clock, ends: np.ndarray) -> np.ndarray:
    """A cap over calendar time at each month's end (just before it: the month's last value); inf if none."""
    if spec is None:
        return np.full(len(ends), np.inf)
    line = Timeline.of(spec, clock)
    return np.array([line.at(t - 1e-9) for t in ends], float)


def pool_monthly(programme_monthly: pd.DataFrame, scenario: Scenario, clock: Clock) -> pd.DataFrame:
    """One row per pool and month (columns documented in docs/outputs.md)."""
    ends = np.asarray(clock.month_edges(), float)[1:]
    labels = clock.month_labels()
    frames = []
    for name, pool in scenario.pools.items():
        rows = programme_monthly[programme_monthly["programme"].isin(pool.programmes)]
        summed = rows.groupby("month", sort=False)[SUMMED].sum().reindex(labels, fill_value=0)
        places = _places(pool.places, clock, ends)
        if pool.places is None:  # only the members' own places cap the pool: their sum
            places = sum(_places(scenario.programmes[m].places, clock, ends) for m in pool.programmes)
        frames.append(
            pd.DataFrame(
                {
                    "month": labels,
                    "pool": name,
                    "waiting_list": pool.waiting_list,
                    "places": np.where(np.isinf(places), np.nan, places),
                    **{c: summed[c].to_numpy() for c in SUMMED},
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            {c: pd.Series(dtype=object if c in ("month", "pool", "waiting_list") else float) for c in COLUMNS}
        )
    return pd.concat(frames, ignore_index=True)[COLUMNS]
