"""A value over calendar time: constant, or steps from dates on, in simulation days.

Places, yearly quotas, the inflow rate, hazard rate factors and budgets are all given this
way in a scenario (`schema.Timed`); the engine reads them through this one class, so a step
means the same everywhere: from the step's date on, until the next step, the value holds.
"""

from __future__ import annotations

import bisect
import math
from typing import TYPE_CHECKING

from .clock import Clock

if TYPE_CHECKING:
    from typing_extensions import TypeIs

    from ..scenario.schema import Step

    def is_steps(value: object) -> TypeIs[list[Step]]:
        """schema.is_steps as the type checker sees it: a value over calendar time given as steps (a list)
        rather than one number (schema.Timed)."""
        ...

else:
    from ..scenario.schema import is_steps


class Timeline:
    """A step function of the simulation day: `values[i]` holds from `days[i]` on (days[0] = -inf)."""

    __slots__ = ("days", "values")

    def __init__(self, days: tuple[float, ...], values: tuple[float, ...]) -> None:
        self.days, self.values = days, values

    @classmethod
    def of(cls, spec: float | list[Step], clock: Clock) -> "Timeline":
        """From a scenario value: a number, or a list of steps (the first step holds before it too)."""
        if not is_steps(spec):
            return cls((-math.inf,), (spec,))
        days = [-math.inf] + [clock.day(s.from_) for s in spec[1:]]
        return cls(tuple(days), tuple(s.value for s in spec))

    @property
    def constant(self) -> bool:
        return len(self.values) == 1

    def at(self, t: float) -> float:
        """The value in force on day t (a step on day t is in force on day t)."""
        return self.values[bisect.bisect_right(self.days, t) - 1]

    def changes(self, horizon: float) -> list[tuple[float, float]]:
        """(day, new value) of every step after day 0 and before the horizon."""
        return [(d, v) for d, v in zip(self.days[1:], self.values[1:]) if 0 < d < horizon]

    def breaks(self, lo: float, hi: float) -> list[float]:
        """Days strictly between lo and hi at which the value changes."""
        return [d for d in self.days[1:] if lo < d < hi]

    def times(self, other: "Timeline") -> "Timeline":
        """The product of two step functions."""
        days = sorted(set(self.days) | set(other.days))
        return Timeline(tuple(days), tuple(self.at(d) * other.at(d) for d in days))
