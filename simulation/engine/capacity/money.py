"""Money budgets that cap programme entries: commitment accounting per calendar year.

`Budget` is the account (shared by the programmes it pays for); `Money` is a programme's gate
on it: what an entry of this programme commits, and whether the account can pay it.

Each entry into a programme paid from a budget commits the entry's expected cost (cost per
month x mean duration; with durations by condition, the mean of the rule that applies to the
entrant) to the budget of the calendar year the entry falls in, at once and in
full, whether or not the participant stays to the end. An entry is allowed only if the
year's budget left covers that whole commitment. On 1 January the year's budget is the
value in force that day, plus what was left of the previous year if `carry_over`; a step in
`per_year` during a year adds (or takes) the difference to the year's budget from that day.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ..timeline import Timeline
from .gate import Attrs

if TYPE_CHECKING:
    from ...scenario import schema
    from ..clock import Clock
    from ..durations import ByCondition
    from ..programme import Programme
    from ..targets import Target

EPS = 1e-6  # EUR: commitments summed in floating point may overshoot a cap that fits exactly


class Budget:
    __slots__ = ("name", "line", "carry_over", "programmes", "allotment", "committed")

    def __init__(self, name: str, spec: schema.Budget, clock: Clock) -> None:
        self.name = name
        self.line = Timeline.of(spec.per_year, clock)
        self.carry_over = spec.carry_over
        self.programmes: list[Programme] = []  # filled in the order the budget lists them
        self.allotment = self.line.at(0.0)  # this year's money (the first year: the value on day one)
        self.committed = 0.0  # committed so far this year

    def allows(self, cost: float) -> bool:
        return self.committed + cost <= self.allotment + EPS

    def entries(self, cost: float) -> float:
        """How many more entries of this cost the year's budget can pay."""
        if cost <= 0:
            return math.inf
        return max(math.floor((self.allotment - self.committed + EPS) / cost), 0)

    def affordable(self, costs: Iterable[float]) -> int:
        """How many entries of these costs, one after another in order, the year's budget can pay
        (the count stops at the first that does not fit; the sums are those `spend` makes)."""
        committed, n = self.committed, 0
        for cost in costs:
            if committed + cost > self.allotment + EPS:
                break
            committed += cost
            n += 1
        return n

    def spend(self, cost: float) -> None:
        self.committed += cost

    def new_year(self, t: float) -> None:
        """1 January: the new year's budget (plus the rest of the old one, with carry-over)."""
        left = max(self.allotment - self.committed, 0.0) if self.carry_over else 0.0
        self.allotment = self.line.at(t) + left
        self.committed = 0.0

    def step(self, old: float, new: float) -> None:
        """A step in `per_year` during the year: the difference is added to this year's budget."""
        self.allotment += new - old

    def set(self, value: float, t: float, new_year: bool) -> None:
        """A step of `per_year` on day t; on 1 January the new value is the year's budget already."""
        if not new_year:
            self.step(self.line.at(t - 1e-9), value)


class Money:
    """A programme's gate on a budget: each entry commits cost per month x mean duration (with durations by
    condition, the mean of the rule that applies to the entrant); `divert` is where referrals go while the
    budget cannot pay an entry (None: they wait)."""

    __slots__ = ("budget", "commit", "commits", "divert", "line")

    def __init__(
        self, budget: Budget, commit: float, commits: ByCondition[float] | None = None, divert: Target | None = None
    ) -> None:
        self.budget, self.commit, self.commits, self.divert = budget, commit, commits, divert
        self.line: Timeline | None = None  # the budget's plan is the budget's own (plan.py steps it once)

    def commit_of(self, attrs: Attrs | None) -> float:
        """What this entrant's entry commits (attrs None: the least any entrant commits)."""
        if self.commits is None:
            return self.commit
        return self.commits.of(attrs) if attrs is not None else min(self.commits.values)

    def room(self, attrs: Attrs | None) -> float:
        """1 if the budget can pay this entrant's commitment now, else 0."""
        return 1 if self.budget.allows(self.commit_of(attrs)) else 0

    def room_for(self, entrants: Sequence[Attrs]) -> float:
        if self.commits is None:
            return min(len(entrants), self.budget.entries(self.commit))
        return self.budget.affordable(self.commits.of(a) for a in entrants)

    def allows(self, attrs: Attrs | None) -> bool:
        return self.budget.allows(self.commit_of(attrs))

    def take(self, attrs: Attrs | None) -> None:
        self.budget.spend(self.commit_of(attrs))

    def give_back(self, attrs: Attrs | None) -> None:
        pass  # a commitment is made in full at entry

    def set(self, value: float, t: float, new_year: bool) -> None:
        pass

    def new_year(self, t: float) -> None:
        pass  # the budget starts its year once for all its programmes
