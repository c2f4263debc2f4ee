"""Budget spending from the spells: commitments of each month's entries, against each budget.

The rules are those of the engine (simulation/engine/capacity/money.py), restated from the scenario:
an entry commits cost per month x mean duration (with durations by condition, the mean of the
rule that applied to the entrant, from the attributes of the entry's spell) to the budget of
its calendar year; the
year's budget is `per_year` on 1 January (the start day in the first year) plus, with
carry-over, what the previous year left; a step during a year adds the difference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.clock import DAYS_PER_MONTH, Clock
from ..engine.conditions import Attributes
from ..engine.distributions import build
from ..engine.durations import mean_months_by_rule, rule_index
from ..engine.timeline import Timeline
from ..scenario.schema import Scenario, is_rules

COLUMNS = ["month", "budget", "programme", "entries", "committed", "budget_year", "committed_year", "left"]


def commitment(spec) -> float:
    """What one entry into a programme commits: cost per month x mean duration in months (for a duration
    by condition, the mean over its rules; the entries' own commitments are `commitments`)."""
    if is_rules(spec.duration):
        return spec.cost_per_month * float(np.mean(mean_months_by_rule(spec.duration)))
    return spec.cost_per_month * build(spec.duration).mean / DAYS_PER_MONTH


def commitments(entries: pd.DataFrame, scenario: Scenario, name: str) -> np.ndarray:
    """What each entry (a row of the spells) into programme `name` committed: cost per month x the mean
    of its duration, for a duration by condition the rule that applied to the entrant's attributes."""
    spec = scenario.programmes[name]
    if not is_rules(spec.duration):
        return np.full(len(entries), commitment(spec))
    attributes = Attributes(scenario.attributes)
    codes = {a: entries[a].cat.codes.to_numpy() for a in attributes.names}
    per_rule = np.asarray(
        [spec.cost_per_month * d.mean / DAYS_PER_MONTH for d in (build(rule.duration) for rule in spec.duration)]
    )
    return per_rule[rule_index(spec.duration, attributes, codes)]


def run_entries(spells: pd.DataFrame, scenario: Scenario, name: str) -> np.ndarray:
    """Start days of the entries into programme `name` made during the run (places alongside included)."""
    return run_entry_spells(spells, scenario, name)["start"].to_numpy(float)


def run_entry_spells(spells: pd.DataFrame, scenario: Scenario, name: str) -> pd.DataFrame:
    """The spells of the entries into programme `name` made during the run (places alongside included).

    Day-one participants were admitted before the start: they are the first `participants` of
    the people of origin initial:<name> (created before its waiters), in their first spell there.
    """
    p = spells[
        spells["state"].isin(["programme", "alongside"]).to_numpy()
        & (spells["programme"] == name).to_numpy()
        & spells["start"].notna().to_numpy()
    ]
    ip = scenario.population.initial.programmes.get(name)
    if ip is not None and ip.participants:
        pids = np.sort(spells.loc[(spells["origin"] == f"initial:{name}").to_numpy(), "person_id"].unique())
        cand = p[
            (p["state"] == "programme").to_numpy()
            & p["person_id"].isin(pids[: ip.participants]).to_numpy()
            & (p["start"] <= 0).to_numpy()
        ]
        day_one = cand.sort_values(["start", "end"], kind="stable").drop_duplicates("person_id").index
        p = p[~p.index.isin(day_one)]
    return p


def year_budgets(spec, clock: Clock, month_edges: np.ndarray, committed: np.ndarray) -> np.ndarray:
    """The year's budget in force at each month's end, given the budget's commitments per month.

    Within a year the budget is `per_year` of the day plus that year's carry-over (a step adds
    the difference); carry-over is what the year before left uncommitted, if `carry_over`.
    """
    line = Timeline.of(spec.per_year, clock)
    years = np.asarray([0.0] + clock.year_starts())
    year_of = np.searchsorted(years, month_edges[:-1], side="right") - 1
    out = np.empty(len(month_edges) - 1)
    carry = 0.0
    for m in range(len(out)):
        if m > 0 and year_of[m] != year_of[m - 1]:  # 1 January: what last year left
            spent = committed[year_of == year_of[m - 1]].sum()
            carry = max(out[m - 1] - spent, 0.0) if spec.carry_over else 0.0
        out[m] = line.at(month_edges[m + 1] - 1e-9) + carry
    return out


def budget_monthly(spells: pd.DataFrame, scenario: Scenario, clock: Clock) -> pd.DataFrame:
    """One row per budget, programme and month: entries, their commitments, and the budget's year."""
    edges = np.asarray(clock.month_edges(), float)
    n = len(edges) - 1
    labels = clock.month_labels()
    years = np.asarray([0.0] + clock.year_starts())
    year_of = np.searchsorted(years, edges[:-1], side="right") - 1
    frames = []
    for bname, b in scenario.budgets.items():
        rows, total = [], np.zeros(n)
        for pname in b.programmes:
            spec = scenario.programmes[pname]
            made = run_entry_spells(spells, scenario, pname)
            m = np.searchsorted(edges, made["start"].to_numpy(float), side="right") - 1
            inside = (m >= 0) & (m < n)
            entries = np.bincount(m[inside], minlength=n)
            if is_rules(spec.duration):  # each entry its own commitment, by the rule that applied
                committed = np.bincount(m[inside], weights=commitments(made, scenario, pname)[inside], minlength=n)
            else:
                committed = entries * commitment(spec)
            total += committed
            rows.append((pname, entries, committed))
        cum = np.zeros(n)
        for y in np.unique(year_of):
            sel = year_of == y
            cum[sel] = np.cumsum(total[sel])
        budget = year_budgets(b, clock, edges, total)
        for pname, entries, committed in rows:
            frames.append(
                pd.DataFrame(
                    {
                        "month": labels,
                        "budget": bname,
                        "programme": pname,
                        "entries": entries,
                        "committed": committed,
                        "budget_year": budget,
                        "committed_year": cum,
                        "left": budget - cum,
                    }
                )
            )
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=float if c in COLUMNS[3:] else object) for c in COLUMNS})
    return pd.concat(frames, ignore_index=True)[COLUMNS]
