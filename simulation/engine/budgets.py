"""Money budgets that cap programme entries: commitment accounting per calendar year.

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

from .timeline import Timeline

EPS = 1e-6   # EUR: commitments summed in floating point may overshoot a cap that fits exactly


class Budget:
    __slots__ = ("name", "line", "carry_over", "programmes", "allotment", "committed")

    def __init__(self, name: str, spec, clock) -> None:
        self.name = name
        self.line = Timeline.of(spec.per_year, clock)
        self.carry_over = spec.carry_over
        self.programmes: list = []                # filled in the order the budget lists them
        self.allotment = self.line.at(0.0)        # this year's money (the first year: the value on day one)
        self.committed = 0.0                      # committed so far this year

    def allows(self, cost: float) -> bool:
        return self.committed + cost <= self.allotment + EPS

    def entries(self, cost: float) -> float:
        """How many more entries of this cost the year's budget can pay."""
        if cost <= 0:
            return math.inf
        return max(math.floor((self.allotment - self.committed + EPS) / cost), 0)

    def affordable(self, costs) -> int:
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
