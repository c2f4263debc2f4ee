"""Case-management staffing: the caseload per case manager scales the rates of some hazards.

A staffing group names the states whose customers make up its caseload (e.g. case management),
its staff over calendar time (full-time case managers) and the hazards its staff drive. With n
customers in those states and s staff on day t, the caseload is n / s and those hazards' rates
are multiplied by

    f(t) = min(max_factor, (reference_caseload / caseload) ^ elasticity)

so at the reference caseload the rates hold as the scenario gives them, fewer customers per case
manager raise them, more lower them; no staff gives 0, no customers `max_factor`. The factor
acts on customers in the group's states only: where one of those hazards also acts in another
state (e.g. a job hazard in a programme with staff of its own), its rate there is as given.

n changes with every move in or out of the states, so f is not known in advance. The hazards
run at their rate x max_factor, and a candidate firing on day t is kept with probability
f(t) / max_factor (thinning, Lewis & Shedler 1979): exact for a rate that depends on the state
of the whole model, and it costs an event only for the candidates thinned out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..states import matches
from .portable_math import power
from .timeline import Timeline

if TYPE_CHECKING:
    from ..scenario.schema import Scenario, Staffing
    from .clock import Clock


class Caseload:
    __slots__ = ("name", "staff", "reference", "elasticity", "max_factor", "patterns", "count")

    def __init__(self, name: str, spec: Staffing, clock: Clock) -> None:
        self.name = name
        self.staff = Timeline.of(spec.staff, clock)
        self.reference, self.elasticity, self.max_factor = spec.reference_caseload, spec.elasticity, spec.max_factor
        self.patterns = tuple(spec.states)
        self.count = 0  # customers now in the group's states

    def covers(self, state: str) -> bool:
        return any(matches(p, state) for p in self.patterns)

    def factor(self, t: float) -> float:
        """The rate factor on day t for the customers there now."""
        staff = self.staff.at(t)
        if staff <= 0:
            return 0.0
        if self.count <= 0:
            return self.max_factor
        ratio = self.reference * staff / self.count
        f = ratio if self.elasticity == 1.0 else power(ratio, self.elasticity)  # the same bits on every machine
        return f if f < self.max_factor else self.max_factor

    def kept(self, u: float, t: float, counted: bool) -> bool:
        """Whether a candidate firing on day t is kept, given a uniform number u: with probability
        f(t) / max_factor for a customer counted in this caseload, 1 / max_factor (factor 1: the rate
        as the scenario gives it) for one in a state outside the group's."""
        return u * self.max_factor < (self.factor(t) if counted else 1.0)


def caseloads(scenario: Scenario, clock: Clock) -> dict[str, Caseload]:
    return {name: Caseload(name, spec, clock) for name, spec in scenario.staffing.items()}
