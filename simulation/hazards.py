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
from .random_streams import Decisions
from .scenario.checks import matches, states
from .scenario.schema import EXIT_KINDS, Scenario
from .targets import Target, parse_target

INF = math.inf
EPS = 1e-9


class CompiledHazard:
    __slots__ = ("name", "idx", "key", "rate", "when", "band_days", "band_rates", "simple", "delay", "target", "set")

    def __init__(self, idx: int, name: str, spec, attributes: Attributes, decisions: Decisions) -> None:
        self.idx, self.name, self.key = idx, name, decisions("hazard:" + name)
        self.rate = spec.rate_per_month / DAYS_PER_MONTH
        self.when = attributes.compile(spec.when)
        bands = spec.by_months_in_benefit or [(0.0, 1.0)]
        self.band_days = [m * DAYS_PER_MONTH for m, _ in bands]
        self.band_rates = [self.rate * k for _, k in bands]
        self.delay = spec.after_in_state.value * UNIT_DAYS[spec.after_in_state.unit] if spec.after_in_state else 0.0
        # the same rate at any time in the episode and from the first day in the state
        self.simple = len(bands) == 1 and bands[0][1] == 1.0 and self.delay == 0.0
        self.target: Target = parse_target(spec.to)
        self.set = attributes.assignments(spec.set)

    def firing_time(self, now: float, left: float, entered: float, episode_start: float) -> float:
        """Day on which the rate integrated from `now` reaches `left` (INF if never).

        The rate is 0 until `delay` days after `entered` (the start of the state), then follows
        the bands of months in the episode that began on `episode_start`.
        """
        s = entered + self.delay
        if s < now:
            s = now
        days, rates = self.band_days, self.band_rates
        i = bisect.bisect_right(days, s - episode_start + EPS) - 1
        last = len(days) - 1
        while i < last:
            r = rates[i] if i > 0 else rates[0]     # before the first band: the first band's rate
            end = episode_start + days[i + 1]
            if r > 0:
                t = s + left / r
                if t <= end:
                    return t
                left -= r * (end - s)
            s, i = end, i + 1
        r = rates[last]                             # the last band lasts for ever
        return s + left / r if r > 0 else INF

    def integral(self, t0: float, t1: float, entered: float, episode_start: float) -> float:
        """The rate integrated from day t0 to day t1 (same schedule as firing_time)."""
        s = entered + self.delay
        if s < t0:
            s = t0
        if s >= t1:
            return 0.0
        days, rates = self.band_days, self.band_rates
        i = bisect.bisect_right(days, s - episode_start + EPS) - 1
        last = len(days) - 1
        total = 0.0
        while i < last:
            end = episode_start + days[i + 1]
            if end >= t1:
                break
            total += rates[max(i, 0)] * (end - s)
            s, i = end, i + 1
        return total + rates[max(i, 0)] * (t1 - s)


def hazards_by_state(s: Scenario, attributes: Attributes,
                     decisions: Decisions) -> tuple[list[CompiledHazard], dict[str, list[CompiledHazard]]]:
    """All hazards, and for every state the hazards acting in it."""
    compiled = [CompiledHazard(i, n, h, attributes, decisions) for i, (n, h) in enumerate(s.hazards.items())]
    all_states = states(s) + ["handover"] + [f"exit:{k}" for k in EXIT_KINDS]
    by_state = {st: [h for h, spec in zip(compiled, s.hazards.values())
                     if spec.rate_per_month > 0 and any(matches(p, st) for p in spec.in_)]
                for st in all_states}
    return compiled, by_state

