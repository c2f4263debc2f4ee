"""Capacity over calendar time: the dates on which a gate's value changes, one event per date for all.

Places, quotas, pools' places and budgets each own a Timeline (their value over calendar time).
On a date of the plan, first the new year starts (budgets and quotas afresh, on 1 January),
then every gate that steps that day takes its new value, then the programmes re-run their
admissions: those paid from budgets in the budgets' order, then the others. With budgets,
every 1 January is a date of the plan; quotas also start afresh on 1 January without one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

import simpy

from ..clock import Clock

if TYPE_CHECKING:
    from ..programme import Programme
    from ..timeline import Timeline
    from .money import Budget
    from .pool import Pool


class Stepped(Protocol):
    """What a date of the plan steps: a programme's gate, a pool's places or a budget."""

    def set(self, value: float, t: float, new_year: bool) -> None: ...


def schedule_plan(
    env: simpy.Environment, clock: Clock, programmes: list[Programme], pools: list[Pool], budgets: list[Budget]
) -> set[float]:
    """Put every date of the plan on the event queue; returns those days (see `schedule_new_years`)."""
    years = clock.year_starts()
    horizon = clock.horizon
    plan: dict[float, list[tuple[Stepped, float]]] = {}  # day -> [(what steps: a gate or a budget, its new value)]
    for prog in programmes:
        for gate in prog.timed_gates():
            for t, v in cast("Timeline", gate.line).changes(horizon):  # (timed gates have a line)
                plan.setdefault(t, []).append((gate, v))
    for pool in pools:
        if pool.line is not None:
            for t, v in pool.line.changes(horizon):
                plan.setdefault(t, []).append((pool, v))
    for b in budgets:
        for t, v in b.line.changes(horizon):
            plan.setdefault(t, []).append((b, v))
        for t in years:
            plan.setdefault(t, [])
    order = [p for b in budgets for p in b.programmes] + [p for p in programmes if p.money is None]
    for t in sorted(plan):

        def plan_day(_e: simpy.Event, t: float = t, steps: list[tuple[Stepped, float]] = plan[t]) -> None:
            _plan_day(t, t in years, steps, budgets, programmes, order)

        env.timeout(t).callbacks.append(plan_day)
    return set(plan)


def schedule_new_years(env: simpy.Environment, clock: Clock, prog: Programme, plan_days: set[float]) -> None:
    """A programme with a yearly quota starts its count afresh on every 1 January that is no date of the plan
    (on those, the plan's event does it)."""
    if prog.quota is not None:
        for t in clock.year_starts():
            if t not in plan_days:
                env.timeout(t).callbacks.append(prog.new_year)


def _plan_day(
    t: float,
    new_year: bool,
    steps: list[tuple[Stepped, float]],
    budgets: list[Budget],
    programmes: list[Programme],
    order: list[Programme],
) -> None:
    if new_year:
        for b in budgets:
            b.new_year(t)
        for prog in programmes:
            if prog.quota is not None:
                prog.quota.new_year(t)
    for what, value in steps:
        what.set(value, t, new_year)
    for prog in order:
        if not prog.scheduled:
            prog.fill()  # a pool's member: the pool serves all its members
