"""Competing hazards: the rates at which customers move while in a state.

Each hazard is a Poisson process whose rate depends on the customer's state, attributes and
months in the current episode. A customer fires hazard h when its integrated rate reaches
an Exp(1) threshold drawn from the customer's own stream for h; piecewise-constant rates
make this exact without any tick per customer per month.
"""

from __future__ import annotations

import bisect
import math

from .clock import DAYS_PER_MONTH, UNIT_DAYS
from .conditions import Attributes
from .random_streams import name_key
from .scenario.checks import matches, states
from .scenario.schema import EXIT_KINDS, Scenario
from .targets import Target, parse_target

INF = math.inf
EPS = 1e-9


class CompiledHazard:
    __slots__ = ("name", "idx", "key", "rate", "when", "band_days", "band_rates", "flat", "delay", "target", "set")

    def __init__(self, idx: int, name: str, spec, attributes: Attributes) -> None:
        self.idx, self.name, self.key = idx, name, name_key("hazard:" + name)
        self.rate = spec.rate_per_month / DAYS_PER_MONTH
        self.when = attributes.compile(spec.when)
        bands = spec.by_months_in_benefit or [(0.0, 1.0)]
        self.band_days = [m * DAYS_PER_MONTH for m, _ in bands]
        self.band_rates = [self.rate * k for _, k in bands]
        self.flat = len(bands) == 1 and bands[0][1] == 1.0   # the same rate at any time in the episode
        self.delay = spec.after_in_state.value * UNIT_DAYS[spec.after_in_state.unit] if spec.after_in_state else 0.0
        self.target: Target = parse_target(spec.to)
        self.set = attributes.assignments(spec.set)

    def rate_at(self, days_in_episode: float) -> tuple[float, float]:
        """Rate per day now, and the episode day at which it next changes (INF if never)."""
        if len(self.band_days) == 1:
            return self.band_rates[0], INF
        i = bisect.bisect_right(self.band_days, days_in_episode + EPS) - 1
        nxt = self.band_days[i + 1] if i + 1 < len(self.band_days) else INF
        return self.band_rates[max(i, 0)], nxt


def hazards_by_state(s: Scenario, attributes: Attributes) -> tuple[list[CompiledHazard], dict[str, list[CompiledHazard]]]:
    """All hazards, and for every state the hazards acting in it."""
    compiled = [CompiledHazard(i, n, h, attributes) for i, (n, h) in enumerate(s.hazards.items())]
    all_states = states(s) + ["handover"] + [f"exit:{k}" for k in EXIT_KINDS]
    by_state = {st: [h for h, spec in zip(compiled, s.hazards.values())
                     if spec.rate_per_month > 0 and any(matches(p, st) for p in spec.in_)]
                for st in all_states}
    return compiled, by_state

