"""A mix: one value for each decision variable. What it changes in the scenario and what it costs.

A mix is written into the scenario as overrides of `places` (programmes or pools), the same
dotted-path overrides a batch applies for posterior draws, so a mix runs through the batch's
own worker code. Its cost is known before any simulation: places filled all year, priced at
each programme's cost per place and month (the report's "cost of full occupancy").
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from ..engine.clock import add_months
from ..scenario.schema import Scenario, is_steps
from .spec import Spec, Variable, places_on, scenario_places

Mix = tuple[int, ...]


def base_mix(spec: Spec, scenario: Scenario) -> Mix:
    """The scenario's own plan, read as a mix (it may lie off the spec's grid or above the limit)."""
    start = scenario.time.start
    return tuple(places_on(scenario, v.target, v.from_ or start) for v in spec.variables)


def label(mix: Mix) -> str:
    """A short, stable name for a mix (file names, Dask keys)."""
    return "m-" + "-".join(str(x) for x in mix)


def _steps(value, start: dt.date) -> list[tuple[dt.date, int]]:
    if not is_steps(value):
        return [(start, int(value or 0))]
    out = [(s.from_, int(s.value)) for s in value]
    return [(min(out[0][0], start), out[0][1])] + out[1:]


def plan_of(spec: Spec, scenario: Scenario, mix: Mix) -> dict[str, list[tuple[dt.date, int]]]:
    """Per decided target, its places as steps (date, value) once the mix is applied.

    A variable holds from its date (the start when it has none) until the next variable of the same
    target; the scenario's own steps before the first variable stay as they are.
    """
    start = scenario.time.start
    by_target: dict[str, list[tuple[dt.date, int]]] = {}
    for v, x in zip(spec.variables, mix):
        by_target.setdefault(v.target, []).append((v.from_ or start, int(x)))
    out = {}
    for target, chosen in by_target.items():
        chosen.sort()
        first = chosen[0][0]
        own = [s for s in _steps(scenario_places(scenario, target), start) if s[0] < first]
        out[target] = own + chosen
    return out


def overrides(spec: Spec, scenario: Scenario, mix: Mix) -> tuple[tuple[str, object], ...]:
    """The mix as (dotted field path, value) overrides of the scenario's content."""
    out = []
    for target, steps in plan_of(spec, scenario, mix).items():
        path = f"pools.{target[5:]}.places" if target.startswith("pool:") else f"programmes.{target}.places"
        if len(steps) == 1:
            out.append((path, steps[0][1]))
        else:
            out.append((path, [{"from": d, "value": v} for d, v in steps]))
    return tuple(out)


@dataclass(frozen=True)
class Cost:
    """Cost of full occupancy per calendar year: of each budget's programmes, and of all with places."""

    total: dict[int, float]  # year -> EUR, every programme with places
    decisions: dict[int, float]  # year -> EUR, the programmes (and pools) decided on
    budgets: dict[str, dict[int, float]]  # budget -> year -> EUR
    months: dict[int, int]  # simulated months in each year


def _months(scenario: Scenario, years: float) -> list[dt.date]:
    return [add_months(scenario.time.start, m) for m in range(max(1, round(years * 12)))]


def _at(steps: list[tuple[dt.date, int]], day: dt.date) -> int:
    now = steps[0][1]
    for d, v in steps:
        if d <= day:
            now = v
    return now


def _value_on(value, day: dt.date) -> float:
    """A value over calendar time (a number or steps) in force on a day."""
    if not is_steps(value):
        return float(value)
    now = value[0].value
    for s in value:
        if s.from_ <= day:
            now = s.value
    return float(now)


def cost(spec: Spec, scenario: Scenario, mix: Mix, years: float) -> Cost:
    """What the mix costs with all its places filled, month by month, summed per calendar year.

    Programmes with unlimited places count nothing (their spending is the constraint's `reserve`).
    A pool with places caps its members: together at most the pool's places, at the highest cost per
    place of its members, never more than their own places added up.
    """
    start = scenario.time.start
    plan = plan_of(spec, scenario, mix)

    def steps(target: str) -> list[tuple[dt.date, int]] | None:
        if target in plan:
            return plan[target]
        value = scenario_places(scenario, target)
        return None if value is None else _steps(value, start)

    decided = {v.target for v in spec.variables}
    decided_progs = {t for t in decided if not t.startswith("pool:")}
    for t in decided:
        if t.startswith("pool:"):
            decided_progs |= set(scenario.pools[t[5:]].programmes)
    pooled: dict[str, str] = {}
    for name, pool in scenario.pools.items():
        if pool.places is not None:
            for p in pool.programmes:
                pooled.setdefault(p, name)
    budget_of: dict[str, list[str]] = {}
    for b, spec_b in scenario.budgets.items():
        for p in spec_b.programmes:
            budget_of.setdefault(p, []).append(b)
    total: dict[int, float] = {}
    dec: dict[int, float] = {}
    bud: dict[str, dict[int, float]] = {b: {} for b in scenario.budgets}
    months: dict[int, int] = {}

    def add(year: int, programmes: list[str], eur: float) -> None:
        total[year] = total.get(year, 0.0) + eur
        if any(p in decided_progs for p in programmes):
            dec[year] = dec.get(year, 0.0) + eur
        for b in {b for p in programmes for b in budget_of.get(p, [])}:
            share = sum(1 for p in programmes if b in budget_of.get(p, [])) / len(programmes)
            bud[b][year] = bud[b].get(year, 0.0) + eur * share

    for day in _months(scenario, years):
        y = day.year
        months[y] = months.get(y, 0) + 1
        for name, pool in scenario.pools.items():
            if pool.places is None:
                continue
            members = [p for p in pool.programmes if p in scenario.programmes and pooled.get(p) == name]
            if not members:
                continue
            own = 0.0
            for p in members:
                s = steps(p)
                own += math.inf if s is None else _at(s, day) * scenario.programmes[p].cost_per_month
            pool_steps = steps(f"pool:{name}")
            cap = (
                _at(pool_steps, day) * max(scenario.programmes[p].cost_per_month for p in members) if pool_steps else 0
            )
            add(y, members, min(own, cap))
        for p, prog in scenario.programmes.items():
            if p in pooled:
                continue
            s = steps(p)
            if s is not None and prog.cost_per_month:
                add(y, [p], _at(s, day) * prog.cost_per_month)
    return Cost(total, dec, bud, months)


def limits(spec: Spec, scenario: Scenario, years: float) -> dict[str, dict[int, float]]:
    """What may be spent on places per year: per budget (its `per_year` on 1 January, for a year the run
    covers in part prorated by its months), or the money total; less the reserve."""
    c = spec.model.constraint
    months: dict[int, int] = {}
    for day in _months(scenario, years):
        months[day.year] = months.get(day.year, 0) + 1
    checked = [y for y in months if not c.years or y in c.years]
    if c.money is not None:
        return {"money": {y: (c.money - c.reserve) * months[y] / 12 for y in checked}}
    out = {}
    for b, spec_b in scenario.budgets.items():
        per = {}
        for y in checked:
            first = max(dt.date(y, 1, 1), scenario.time.start)
            per[y] = (_value_on(spec_b.per_year, first) - c.reserve) * months[y] / 12
        out[b] = per
    return out


def spent(spec: Spec, c: Cost) -> dict[str, dict[int, float]]:
    """The mix's cost in the terms of the constraint (per budget, or the money total)."""
    con = spec.model.constraint
    if con.money is not None:
        return {"money": dict(c.decisions if con.include == "decisions" else c.total)}
    return c.budgets


def violation(spec: Spec, scenario: Scenario, mix: Mix, years: float) -> float:
    """How many EUR the mix lies above its limits, added over budgets and years (0: within them)."""
    lim = limits(spec, scenario, years)
    got = spent(spec, cost(spec, scenario, mix, years))
    return sum(max(0.0, got.get(k, {}).get(y, 0.0) - cap) for k, per in lim.items() for y, cap in per.items())


def grid_mix(spec: Spec, indices) -> Mix:
    return tuple(v.value(int(i)) for v, i in zip(spec.variables, indices))


def on_grid(variables: list[Variable], mix: Mix) -> bool:
    return all(v.index(x) is not None for v, x in zip(variables, mix))
