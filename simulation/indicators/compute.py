"""Where indicators are computed: monthly figures from the spells table, never during the run.

One convention for month boundaries, in every table (docs/outputs.md, "Months"): month m is
[edge[m], edge[m+1]), from 00:00 on its first day to 00:00 on the next month's first day. An
event at time t (an inflow, outflow, integration, programme entry, commitment) belongs to the
month whose interval holds t, so an admission at 00:00 on 1 January is a January admission. A
month's end figures (stocks, participants, waiting, caseloads) are those of its last instant,
just before edge[m+1]: spells being [enter, end), one with enter < edge[m+1] <= end. Then
stock(m) = stock(m-1) + inflows(m) - outflows(m) holds exactly. The stock on day one (the one
the first month's flows start from) is that of the start instant: enter <= edge[0] < end.

`monthly()` prepares the spells once (prepared.py: benefit spells, month-end stocks, the LZB
rule, integration events) and runs each registered indicator's function in the registry's order
(registry.py); `programme_monthly()` is the per-programme table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.clock import DAYS_PER_MONTH, Clock
from ..scenario.schema import Scenario
from . import registry
from .prepared import Prepared, month_of

CHUNK = 4096  # intervals handled together: bounds the (intervals, months) arrays to a few MB


# the columns of programme_monthly, in order (docs/outputs.md)
PROGRAMME_COLUMNS = [
    "month",
    "programme",
    "participants",
    "participants_end",
    "waiting",
    "waiting_end",
    "entries",
    "mean_wait_days",
    "cost",
]


def _overlap_days(a: np.ndarray, b: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Days of each month covered by intervals [a, b), summed over the intervals.

    Summed a chunk of intervals at a time, continuing from the running total, so the sum is
    the same, to the last bit, as one sum over all intervals in their order.
    """
    total = np.zeros(len(edges) - 1)
    for i in range(0, len(a), CHUNK):
        lo = np.maximum(a[i : i + CHUNK, None], edges[None, :-1])
        hi = np.minimum(b[i : i + CHUNK, None], edges[None, 1:])
        days = np.clip(hi - lo, 0.0, None)
        total = (np.concatenate([total[None, :], days]) if i else days).sum(0)  # rows added in order
    return total


def _open_at(starts: np.ndarray, ends: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """How many intervals [start, end) are open at the last instant before each reference day (a month's end):
    start < ref <= end, i.e. begun before it less ended before it."""
    ok = starts <= ends  # (NaN bounds never contain a day)
    begun = np.searchsorted(np.sort(starts[ok]), ref, side="left")
    ended = np.searchsorted(np.sort(ends[ok]), ref, side="left")
    return (begun - ended).astype(np.int64)


def monthly(spells: pd.DataFrame, scenario: Scenario, clock: Clock) -> pd.DataFrame:
    """One row per month, one column per registered indicator and its columns by sex or kind
    (registry.py): the spells prepared once, then each entry's function in the registry's order."""
    p = Prepared(spells, scenario, clock)
    for ind in registry.INDICATORS:
        if ind.compute is None:
            raise TypeError(f"indicator '{ind.name}' has no function (registry.py)")
        cols = ind.compute(p, ind)
        if set(cols) != set(ind.columns(p.sexes)):
            raise ValueError(
                f"indicator '{ind.name}' computed {sorted(cols)}, declared {ind.columns(p.sexes)} (registry.py)"
            )
        p.cols.update(cols)
    return pd.DataFrame(
        {"month": clock.month_labels(), **{c: np.asarray(p.cols[c]) for c in registry.columns(p.sexes)}}
    )


def programme_monthly(spells: pd.DataFrame, scenario: Scenario, clock: Clock) -> pd.DataFrame:
    """One row per programme and month: participants, waiting list, entries, waits and cost."""
    edges = np.asarray(clock.month_edges(), float)
    n_months = len(edges) - 1
    labels = clock.month_labels()
    cols = ["programme", "waiting_start", "start", "end", "end_reason"]
    prog = spells.loc[spells["state"].isin(["programme", "alongside"]).to_numpy(), cols]
    by_name = {name: p for name, p in prog.groupby("programme", sort=False, observed=True)}
    frames = []
    for name, spec in scenario.programmes.items():
        p = by_name.get(name, prog.iloc[:0])
        w0 = p["waiting_start"].to_numpy(float)
        st = p["start"].to_numpy(float)
        en = p["end"].to_numpy(float)
        started = ~np.isnan(st)
        w1 = np.where(started, st, en)
        s0 = st[started]
        s1 = en[started]
        part_days = _overlap_days(s0, s1, edges)
        wait_days = _overlap_days(w0, w1, edges)
        month_len = np.diff(edges)
        ref = edges[1:]
        cens = (p["end_reason"] == "censored").to_numpy(bool)
        s1_open = np.where(cens[started], np.inf, s1)
        w1_open = np.where(cens & ~started, np.inf, w1)
        m_entry = month_of(s0, edges)
        ok = (m_entry >= 0) & (m_entry < n_months)
        entries = np.bincount(m_entry[ok], minlength=n_months)
        wait_sum = np.bincount(m_entry[ok], weights=(s0 - w0[started])[ok], minlength=n_months)
        frames.append(
            pd.DataFrame(
                {
                    "month": labels,
                    "programme": name,
                    "participants": part_days / month_len,
                    "participants_end": _open_at(s0, s1_open, ref),
                    "waiting": wait_days / month_len,
                    "waiting_end": _open_at(w0, w1_open, ref),
                    "entries": entries,
                    "mean_wait_days": np.where(entries > 0, wait_sum / np.maximum(entries, 1), np.nan),
                    "cost": part_days / DAYS_PER_MONTH * spec.cost_per_month,
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=PROGRAMME_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["programme"] = pd.Categorical(out["programme"], categories=list(scenario.programmes))
    return out
