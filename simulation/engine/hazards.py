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
from ..scenario.checks import matches, states
from ..scenario.schema import EXIT_KINDS, Scenario
from .targets import Target, parse_target

INF = math.inf
EPS = 1e-9


class Schedule:
    """When hazards run: a rate factor by months in the episode, from `delay` days in the state on.

    Hazards sharing a schedule differ only by their base rate, so their clocks advance
    together: between two days each accumulates base rate x `elapsed`, and the first of them
    to reach its threshold is the one with the least threshold left / base rate.
    """

    __slots__ = ("band_days", "factors", "delay", "simple", "settled", "final")

    def __init__(self, band_days: tuple[float, ...], factors: tuple[float, ...], delay: float) -> None:
        self.band_days, self.factors, self.delay = band_days, factors, delay
        self.simple = band_days == (0.0,) and factors == (1.0,) and delay == 0.0   # always factor 1
        # from the last band's start (`settled` days into the episode, as `reach` looks up bands:
        # days + EPS >= settled) and `delay` days into the state, the factor stays `final`, and
        # `Pathway.stay` needs neither method
        self.settled, self.final = band_days[-1], factors[-1]

    def reach(self, now: float, x: float, entered: float, episode_start: float) -> float:
        """Day on which `elapsed` from `now` reaches `x` (INF if never).

        The factor is 0 until `delay` days after `entered` (the start of the state), then
        follows the bands of months in the episode that began on `episode_start`.
        """
        s = entered + self.delay
        if s < now:
            s = now
        days, factors = self.band_days, self.factors
        i = bisect.bisect_right(days, s - episode_start + EPS) - 1
        last = len(days) - 1
        while i < last:
            f = factors[i] if i > 0 else factors[0]     # before the first band: the first band's factor
            end = episode_start + days[i + 1]
            if f > 0:
                t = s + x / f
                if t <= end:
                    return t
                x -= f * (end - s)
            s, i = end, i + 1
        f = factors[last]                               # the last band lasts for ever
        return s + x / f if f > 0 else INF

    def elapsed(self, t0: float, t1: float, entered: float, episode_start: float) -> float:
        """The factor integrated from day t0 to day t1 (the schedule's own time between them)."""
        s = entered + self.delay
        if s < t0:
            s = t0
        if s >= t1:
            return 0.0
        days, factors = self.band_days, self.factors
        i = bisect.bisect_right(days, s - episode_start + EPS) - 1
        last = len(days) - 1
        total = 0.0
        while i < last:
            end = episode_start + days[i + 1]
            if end >= t1:
                break
            total += factors[max(i, 0)] * (end - s)
            s, i = end, i + 1
        return total + factors[max(i, 0)] * (t1 - s)


class CompiledHazard:
    __slots__ = ("name", "idx", "key", "rate", "when", "schedule", "target", "set")

    def __init__(self, idx: int, name: str, spec, attributes: Attributes, decisions: Decisions,
                 schedules: dict | None = None) -> None:
        self.idx, self.name, self.key = idx, name, decisions("hazard:" + name)
        self.rate = spec.rate_per_month / DAYS_PER_MONTH       # base rate per day
        self.when = attributes.compile(spec.when)
        bands = spec.by_months_in_benefit or [(0.0, 1.0)]
        delay = spec.after_in_state.value * UNIT_DAYS[spec.after_in_state.unit] if spec.after_in_state else 0.0
        key = (tuple(m * DAYS_PER_MONTH for m, _ in bands), tuple(float(k) for _, k in bands), delay)
        schedules = {} if schedules is None else schedules       # one object per distinct schedule
        self.schedule = schedules.setdefault(key, Schedule(*key))
        self.target: Target = parse_target(spec.to)
        self.set = attributes.assignments(spec.set)


def hazards_by_state(s: Scenario, attributes: Attributes,
                     decisions: Decisions) -> tuple[list[CompiledHazard], dict[str, list[CompiledHazard]]]:
    """All hazards, and for every state the hazards acting in it."""
    schedules: dict = {}
    compiled = [CompiledHazard(i, n, h, attributes, decisions, schedules) for i, (n, h) in enumerate(s.hazards.items())]
    all_states = states(s) + ["handover"] + [f"exit:{k}" for k in EXIT_KINDS]
    by_state = {st: [h for h, spec in zip(compiled, s.hazards.values())
                     if spec.rate_per_month > 0 and any(matches(p, st) for p in spec.in_)]
                for st in all_states}
    return compiled, by_state

