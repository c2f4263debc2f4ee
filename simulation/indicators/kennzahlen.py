"""The § 48a SGB II indicators from the spells, monthly and by sex: the Integrationsquote (K2) and
the supplementary indicators (Ergänzungsgrößen).

Definitions follow the Verordnung zur Festlegung der Kennzahlen nach § 48a SGB II (§§ 4-6);
docs/outputs.md gives each one and says where the model has to stand in for the BA's data.
Each function computes one registry entry's columns (registry.py) from the prepared spells
(prepared.py) and the columns of the entries before it; the generic ones (`quota`, `share`,
`quota_of_sums`) read their numerator and denominator from the entry.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..scenario.schema import INTEGRATION_KINDS, Scenario
from ..states import CENSORED, EXIT
from .prepared import PARTICIPATING, Prepared, by_sex, month_of, monthly_counts

ROLL = 12  # months of the rolling sums and averages (§§ 4-6: "in den vergangenen zwölf Monaten")
FOLLOW = 6  # K2E3: months after the integration month in which employment must last


def _levels(p: Prepared, ind) -> range:
    """The rows an entry has: all and each sex level, or all only."""
    return range(p.ns + 1 if "sex" in ind.by else 1)


def _change(x: pd.Series) -> pd.Series:
    """Value over the value 12 months before, minus 1 (K1E2, K3): empty without a year behind it."""
    before = x.shift(ROLL)
    return x / before.where(before > 0) - 1


def _quota(num: pd.Series, den: pd.Series) -> pd.Series:
    """Events of the last 12 months over the mean stock of those months (the K2 construction)."""
    n, d = num.rolling(ROLL).sum(), den.rolling(ROLL).mean()
    return n / d.where(d > 0)


def _mean_rate(num: pd.Series, den: pd.Series) -> pd.Series:
    """Monthly rate num / den, averaged over the last 12 months (K1E3, K1E4, K3E3, K3E4)."""
    return (num / den.where(den > 0)).rolling(ROLL).mean()


def _quota_of_sums(num: pd.Series, den: pd.Series) -> pd.Series:
    """Sum of num over the last 12 months over the sum of den (K2E3); empty if a month is unknown."""
    n, d = num.rolling(ROLL).sum(), den.rolling(ROLL).sum()
    return n / d.where(d > 0)


# --- generic: built on columns before them -------------------------------------------------


def quota(p: Prepared, ind) -> dict:
    """`num` over `den` the K2 way (K2, K2E1, K2E2, K2E4, K3E1); empty where `num` is not modelled."""
    return {ind.name + p.suffixes[j]: _quota(p.col(ind.num, j), p.col(ind.den, j)) for j in _levels(p, ind)}


def quota_of_sums(p: Prepared, ind) -> dict:
    """`num` over `den`, each summed over the last 12 months (K2E3)."""
    return {ind.name + p.suffixes[j]: _quota_of_sums(p.col(ind.num, j), p.col(ind.den, j)) for j in _levels(p, ind)}


def share(p: Prepared, ind) -> dict:
    """`num` over `den` in the same month (LZB share, K3E2)."""
    out = {}
    for j in _levels(p, ind):
        den = p.col(ind.den, j)
        out[ind.name + p.suffixes[j]] = p.col(ind.num, j) / den.where(den > 0)
    return out


def change(of: str):
    """The change of the stock `of` against 12 months before (K1E2, K3)."""

    def change(p: Prepared, ind) -> dict:
        return {ind.name + p.suffixes[j]: _change(p.col(of, j)) for j in _levels(p, ind)}

    return change


def mean_rate(flow: str, stock: str, before: bool = False):
    """The flow over the stock (of the same month, or at the instant before the month: `before`),
    averaged over 12 months (K1E3, K1E4, K3E3, K3E4)."""

    def mean_rate(p: Prepared, ind) -> dict:
        return {
            ind.name + p.suffixes[j]: _mean_rate(p.col(flow, j), p.before(stock, j) if before else p.col(stock, j))
            for j in _levels(p, ind)
        }

    return mean_rate


# --- K2E1, K2E2: entries into programmes the scenario marks -------------------------------


def programme_entries(field: str):
    """Entries into the programmes listed in [indicators] `field` (marginal / publicly funded
    employment); empty, not zero, when none is listed."""

    def entries(p: Prepared, ind) -> dict:
        progs = getattr(p.scenario.indicators, field)
        if not progs:
            return p.per_sex(ind.name, [p.nan] * (p.ns + 1))
        spells = p.spells
        sel = (
            spells["state"].isin(PARTICIPATING).to_numpy()
            & spells["programme"].isin(progs).to_numpy()
            & (spells["start"] >= 0).to_numpy()
        )
        pe = spells.loc[sel, ["start", "sex"]]
        return p.per_sex(
            ind.name,
            monthly_counts(month_of(pe["start"].to_numpy(float), p.edges), pe["sex"].cat.codes.to_numpy(), p.n, p.ns),
        )

    return entries


# --- K2E3: integrations followed by continuous employment ---------------------------------


def _employed_blocks(spells: pd.DataFrame, scenario: Scenario, jobs: pd.DataFrame) -> pd.DataFrame:
    """Each person's stretches of uninterrupted employment: jobs of a kind that counts (`jobs`, in benefit
    or out of it: benefit plays no part), time out of benefit after an exit into employment, training
    or self-employment, or taking part in a programme that counts as an integration on entry
    (subsidised work). Adjoining stretches are merged."""
    on_entry = [n for n, p in scenario.programmes.items() if p.integration_on_entry]
    state = spells["state"].to_numpy()
    keep = state == EXIT  # text columns tested on their subsets only
    keep[keep] = spells["exit_kind"][keep].isin(INTEGRATION_KINDS).to_numpy(bool)
    work = np.isin(state, PARTICIPATING) & spells["start"].notna().to_numpy()
    work[work] = spells["programme"][work].isin(on_entry).to_numpy(bool)
    keep |= work
    person = np.r_[spells["person_id"].to_numpy(np.int64)[keep], jobs["person_id"].to_numpy(np.int64)]
    start = np.r_[spells["start"].to_numpy(float)[keep], jobs["start"].to_numpy(float)]
    end = np.r_[spells["end"].to_numpy(float)[keep], jobs["end"].to_numpy(float)]
    order = np.lexsort((start, person))
    person, start, end = person[order], start[order], end[order]
    # running maximum of the end within each person (persons sorted: offset each person's ends
    # above all earlier persons'), taken back from the original ends so that it stays exact
    span = (np.max(end) - np.min(start) + 1.0) if len(end) else 1.0
    key = (person - (person[0] if len(person) else 0)) * span + (end - (np.min(start) if len(end) else 0.0))
    run = np.maximum.accumulate(key) if len(key) else key
    at = np.maximum.accumulate(np.where(key == run, np.arange(len(key)), 0)) if len(key) else key.astype(int)
    reach = end[at]
    first = np.r_[True, person[1:] != person[:-1]] if len(person) else np.zeros(0, bool)
    new = first | (start > np.r_[-np.inf, reach[:-1]])
    last = np.r_[np.flatnonzero(new)[1:] - 1, len(new) - 1] if len(new) else np.zeros(0, int)
    return pd.DataFrame({"person": person[new], "start": start[new], "end": reach[last]})


def continuous(
    ev: pd.DataFrame, spells: pd.DataFrame, scenario: Scenario, edges: np.ndarray, jobs: pd.DataFrame
) -> np.ndarray:
    """K2E3 per integration event: 1.0 if employed without a break from the integration to the end
    of the sixth month after the integration month, 0.0 if not, NaN if that lies beyond the horizon."""
    n = len(edges) - 1
    m = ev["m"].to_numpy()
    horizon_ok = m + FOLLOW < n
    until = np.where(horizon_ok, edges[np.minimum(m + FOLLOW + 1, n)], np.nan)
    blocks = _employed_blocks(spells, scenario, jobs).sort_values("start", kind="stable")
    left = pd.DataFrame(
        {"person": ev["person"].to_numpy(np.int64), "time": ev["time"].to_numpy(float), "pos": np.arange(len(ev))}
    ).sort_values("time", kind="stable")
    hit = pd.merge_asof(left, blocks, left_on="time", right_on="start", by="person", direction="backward")
    end = np.full(len(ev), -np.inf)
    end[hit["pos"].to_numpy()] = hit["end"].fillna(-np.inf).to_numpy()
    return np.where(horizon_ok, (end >= until).astype(float), np.nan)


def integrations_continuous(p: Prepared, ind) -> dict:
    """Integrations followed by continuous employment; empty in the last 6 months (beyond the horizon)."""
    ev = p.events
    m_ev, sex_ev = ev["m"].to_numpy(), ev["sex"].to_numpy()
    cont = continuous(ev, p.spells, p.scenario, p.edges, p.jobs) == 1.0
    c = monthly_counts(m_ev[cont], sex_ev[cont], p.n, p.ns).astype(float)
    c[:, ~(np.arange(p.n) + FOLLOW < p.n)] = np.nan
    return p.per_sex(ind.name, c)


# --- K2E4: single parents (the attribute level the scenario names) ------------------------


def elb_stock_single_parent(p: Prepared, ind) -> dict:
    """Single-parent eLb at each month's last instant."""
    sp = p.scenario.indicators.single_parent
    if sp is None:
        return p.per_sex(ind.name, [p.nan] * (p.ns + 1))
    single = (p.spells.loc[p.ben.index, sp.attribute] == sp.level).to_numpy(bool)
    return p.per_sex(ind.name, np.stack([by_sex(p.sex[rows][single[rows]], p.ns) for rows in p.open[1:]], axis=1))


def integrations_single_parent(p: Prepared, ind) -> dict:
    """Integrations of single parents."""
    sp = p.scenario.indicators.single_parent
    if sp is None:
        return p.per_sex(ind.name, [p.nan] * (p.ns + 1))
    ev = p.events
    is_sp = (p.spells.loc[ev["row"].to_numpy(), sp.attribute] == sp.level).to_numpy(bool)
    return p.per_sex(ind.name, monthly_counts(ev["m"].to_numpy()[is_sp], ev["sex"].to_numpy()[is_sp], p.n, p.ns))


# --- K3E1-K3E4: integrations, activation and flows of LZB ----------------------------------


def lzb_before_month(ev: pd.DataFrame, p: Prepared) -> np.ndarray:
    """Whether each integrated person was in the LZB stock at the instant before the integration's month
    (the previous month's end; day one for the first month), as the BA takes the LZB status of an
    integration from the stock of the previous reporting date (docs/outputs.md, K3E1)."""
    m = ev["m"].to_numpy()
    person = ev["person"].to_numpy()
    out = np.zeros(len(ev), bool)
    for k in np.unique(m):
        rows, lzb = p.open[k], p.lzb_open[k]
        at = m == k
        out[at] = np.isin(person[at], p.pid[rows][lzb])
    return out


def integrations_lzb(p: Prepared, ind) -> dict:
    """Integrations of persons who were LZB at the end of the month before the integration."""
    ev = p.events
    lzb = lzb_before_month(ev, p)
    return p.per_sex(ind.name, monthly_counts(ev["m"].to_numpy()[lzb], ev["sex"].to_numpy()[lzb], p.n, p.ns))


def lzb_in_programme(p: Prepared, ind) -> dict:
    """LZB taking part in a measure of active labour-market policy at each month's last instant (K3E2's numerator):
    a programme not listed in `[indicators] not_measures` (e.g. BAMF courses, outreach)."""
    spells = p.spells
    started = spells["state"].isin(PARTICIPATING).to_numpy() & spells["start"].notna().to_numpy()
    not_measures = p.scenario.indicators.not_measures
    if not_measures:
        started &= ~spells["programme"].isin(not_measures).to_numpy(bool)
    part = spells.loc[started, ["person_id", "start", "end", "end_reason"]]
    p_pid, p_start = part["person_id"].to_numpy(), part["start"].to_numpy(float)
    p_end = np.where((part["end_reason"] == CENSORED).to_numpy(bool), np.inf, part["end"].to_numpy(float))
    rows = np.zeros((p.ns + 1, p.n), dtype=np.int64)
    for m, t in enumerate(p.edges[1:]):
        taking_part = np.zeros(p.size, bool)
        taking_part[p_pid[(p_start < t) & (t <= p_end)]] = True
        now, lzb = p.open[m + 1], p.lzb_open[m + 1]
        rows[:, m] = by_sex(p.sex[now][lzb & taking_part[p.pid[now]]], p.ns)
    return p.per_sex(ind.name, rows)


def lzb_inflows(p: Prepared, ind) -> dict:
    """Persons who became LZB in the month (since the instant before)."""
    return p.per_sex(ind.name, p.lzb_moves[0])


def lzb_outflows(p: Prepared, ind) -> dict:
    """Persons who stopped being LZB in the month."""
    return p.per_sex(ind.name, p.lzb_moves[1])
