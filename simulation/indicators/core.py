"""The core monthly indicators: the eLb and LZB stocks, inflows, outflows and integrations.

Each function computes one registry entry's columns (registry.py) from the prepared spells; the
quotas and shares built on them (Integrationsquote, LZB share) are kennzahlen.py's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..scenario.schema import EXIT_KINDS, HOUSEHOLD_TYPES, INTEGRATION_KINDS
from ..states import CENSORED, EMPLOYMENT, EXIT, PARALLEL_STATES
from .prepared import Prepared, by_sex, month_of, monthly_counts


def month_end_day(p: Prepared, ind) -> dict:
    """The end of each month (first instant of the next) in days since the start."""
    return {ind.name: p.edges[1:]}


def elb_stock(p: Prepared, ind) -> dict:
    """eLb at each month's last instant."""
    return p.per_sex(ind.name, p.elb[:, 1:])


def lzb_stock(p: Prepared, ind) -> dict:
    """LZB at each month's last instant."""
    return p.per_sex(ind.name, p.lzb[:, 1:])


def inflows(p: Prepared, ind) -> dict:
    """Benefit spells that begin an episode: one that follows an exit, or a newcomer's first spell."""
    spells = p.spells
    main = spells.loc[~spells["state"].isin(PARALLEL_STATES).to_numpy(), ["person_id", "state", "origin"]]
    person = main["person_id"].to_numpy()
    first = np.r_[True, person[1:] != person[:-1]]
    prev_exit = np.r_[False, (main["state"].to_numpy()[:-1] == EXIT)] & ~first
    origin = main["origin"].array  # categorical: test each origin's name once
    newcomer = first & ~np.asarray(origin.categories.str.startswith("initial"), bool)[origin.codes]
    starts_episode = pd.Series(prev_exit | newcomer, index=main.index)[p.ben.index].to_numpy()
    m_in = month_of(p.enter[starts_episode], p.edges)
    return p.per_sex(ind.name, monthly_counts(m_in, p.sex[starts_episode], p.n, p.ns))


def outflows(p: Prepared, ind) -> dict:
    """Benefit spells that end in an exit, in all, by exit kind and by sex."""
    m_out = month_of(p.end[p.is_exit], p.edges)
    ok = (m_out >= 0) & (m_out < p.n)
    counts = monthly_counts(m_out, p.sex[p.is_exit], p.n, p.ns)
    cols = {ind.name: counts[0]}
    kind = p.exit_kind[p.is_exit][ok]
    for k in EXIT_KINDS:
        cols[f"{ind.name}_{k}"] = np.bincount(m_out[ok][kind == k], minlength=p.n)
    cols.update({f"{ind.name}_{sx}": counts[j + 1] for j, sx in enumerate(p.sexes)})
    return cols


def integrations(p: Prepared, ind) -> dict:
    """Integration events (Prepared.events: at most one per person and month), in all, by kind and by sex."""
    m, ev = p.events["m"], p.events
    cols = {ind.name: np.bincount(m, minlength=p.n)}
    for kind in INTEGRATION_KINDS:
        cols[f"{ind.name}_{kind}"] = np.bincount(m[ev["kind"] == kind], minlength=p.n)
    for j, sx in enumerate(p.sexes):
        cols[f"{ind.name}_{sx}"] = np.bincount(m[ev["sex"] == j], minlength=p.n)
    return cols


# --- households and work alongside benefit (engine/households.py, engine/employment.py) ----------


def bg_stock(p: Prepared, ind) -> dict:
    """Households (Bedarfsgemeinschaften) with a member in benefit at each month's last instant, in all and
    by type."""
    opened = p.households_open[1:]
    cols = {ind.name: np.array([len(ids) for ids, _, _ in opened])}
    for t in HOUSEHOLD_TYPES:
        level = p.ben["household_type"].cat.categories.get_indexer([t])[0]
        cols[f"{ind.name}_{t}"] = np.array([int((types == level).sum()) if level >= 0 else 0 for _, types, _ in opened])
    return cols


def non_able_members(p: Prepared, ind) -> dict:
    """Members of the households in benefit who are not able to work (mostly children), at each month's end."""
    return {ind.name: np.array([int(non_able.sum()) for _, _, non_able in p.households_open[1:]])}


def recipients(p: Prepared, ind) -> dict:
    """Everyone in benefit: the eLb and the non-able members of their households."""
    return {ind.name: p.elb[0, 1:] + np.asarray(p.cols["non_able_members"])}


def integrations_ending_need(p: Prepared, ind) -> dict:
    """Integrations at which the person left benefit (bedarfsdeckend): their job covered the household's need."""
    ev = p.events
    ends = ev["ends_need"].to_numpy(bool)
    return p.per_sex(ind.name, monthly_counts(ev["m"].to_numpy()[ends], ev["sex"].to_numpy()[ends], p.n, p.ns))


def topped_up_stock(p: Prepared, ind) -> dict:
    """eLb in benefit holding a job at each month's last instant (earnings topped up: Aufstocker)."""
    spells = p.spells
    is_job = (spells["state"] == EMPLOYMENT).to_numpy(bool)
    jobs = spells.loc[is_job, ["person_id", "start", "end", "end_reason"]]
    j_pid, j_start = jobs["person_id"].to_numpy(), jobs["start"].to_numpy(float)
    j_end = np.where((jobs["end_reason"] == CENSORED).to_numpy(bool), np.inf, jobs["end"].to_numpy(float))
    rows_out = np.zeros((p.ns + 1, p.n), dtype=np.int64)
    for m, t in enumerate(p.edges[1:]):
        employed = np.zeros(p.size, bool)
        employed[j_pid[(j_start < t) & (t <= j_end)]] = True
        now = p.open[m + 1]
        rows_out[:, m] = by_sex(p.sex[now][employed[p.pid[now]]], p.ns)
    return p.per_sex(ind.name, rows_out)
