"""Competing hazards: the rates at which customers move while in a state.

Each hazard is a Poisson process whose rate depends on the customer's state, attributes and
months in the current episode. A customer fires hazard h when its integrated rate reaches
an Exp(1) threshold drawn from the customer's own stream for h; piecewise-constant rates
make this exact without any tick per customer per month.
"""

from __future__ import annotations

import bisect
import math
from typing import TYPE_CHECKING, cast

from ..scenario.schema import EXIT_KINDS, Scenario
from ..states import HANDOVER, benefit_states, exited, matches
from .clock import DAYS_PER_MONTH, UNIT_DAYS
from .conditions import Attributes
from .random_streams import Decisions
from .targets import Target, parse_target
from .timeline import Timeline

if TYPE_CHECKING:
    from array import array
    from collections.abc import Iterator
    from typing import TypeAlias

    from ..scenario.schema import Hazard, LabourMarket
    from .clock import Clock
    from .staffing import Caseload

    # a schedule's parameters (band days, factors, delay; with a calendar also its days and values):
    # hazards with equal keys share one Schedule
    ScheduleKey: TypeAlias = tuple[tuple[float, ...] | float, ...]
    # a hazard in a race: (index of its clock, base rate per day, the hazard)
    Entrant: TypeAlias = tuple[int, float, "CompiledHazard"]

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
        self.simple = band_days == (0.0,) and factors == (1.0,) and delay == 0.0  # always factor 1
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
            f = factors[i] if i > 0 else factors[0]  # before the first band: the first band's factor
            end = episode_start + days[i + 1]
            if f > 0:
                t = s + x / f
                if t <= end:
                    return t
                x -= f * (end - s)
            s, i = end, i + 1
        f = factors[last]  # the last band lasts for ever
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


class CalendarSchedule(Schedule):
    """A Schedule whose factor is also multiplied by a step function of calendar time.

    Between two breakpoints (a band boundary of the episode, or a calendar step) the factor is
    constant, so reaching a threshold is solved exactly, segment by segment, as for the bands.
    `settled` is infinite: `Pathway.stay` always asks `reach` and `elapsed`.
    """

    __slots__ = ("cal_days", "cal_values")

    def __init__(
        self,
        band_days: tuple[float, ...],
        factors: tuple[float, ...],
        delay: float,
        cal_days: tuple[float, ...],
        cal_values: tuple[float, ...],
    ) -> None:
        super().__init__(band_days, factors, delay)
        self.cal_days, self.cal_values = cal_days, cal_values
        self.simple, self.settled = False, INF

    def _segments(self, s: float, entered: float, episode_start: float) -> Iterator[tuple[float, float]]:
        """From day s on: (segment end, factor) pieces, the last one ending at INF."""
        days, factors, cd, cv = self.band_days, self.factors, self.cal_days, self.cal_values
        i = bisect.bisect_right(days, s - episode_start + EPS) - 1
        j = bisect.bisect_right(cd, s + EPS) - 1
        last_i, last_j = len(days) - 1, len(cd) - 1
        while True:
            band_end = episode_start + days[i + 1] if i < last_i else INF
            cal_end = cd[j + 1] if j < last_j else INF
            end = min(band_end, cal_end)
            yield end, factors[max(i, 0)] * cv[j]
            if end == INF:
                return
            if band_end == end:
                i += 1
            if cal_end == end:
                j += 1

    def reach(self, now: float, x: float, entered: float, episode_start: float) -> float:
        s = max(entered + self.delay, now)
        for end, f in self._segments(s, entered, episode_start):
            if f > 0:
                t = s + x / f
                if t <= end:
                    return t
                x -= f * (end - s)
            s = end
        return INF

    def elapsed(self, t0: float, t1: float, entered: float, episode_start: float) -> float:
        s = max(entered + self.delay, t0)
        if s >= t1:
            return 0.0
        total = 0.0
        for end, f in self._segments(s, entered, episode_start):
            if end >= t1:
                return total + f * (t1 - s)
            total += f * (end - s)
            s = end
        return total


class Race:
    """The competing hazards acting in one state, and the race between them.

    Constant hazards are kept as (index, rate per day, hazard); the others are grouped by their
    shared Schedule, each as (schedule, ((index, base rate, hazard), ...)). `first` solves every
    hazard's firing time exactly over its delay, bands and calendar steps; `advance` takes the
    rate integrated over the time actually spent off the hazards' thresholds (`left`).
    """

    __slots__ = ("hazards", "simple", "scheduled")

    def __init__(self, hazards: tuple["CompiledHazard", ...]) -> None:
        self.hazards = hazards
        self.simple: tuple[Entrant, ...] = tuple((h.idx, h.rate, h) for h in hazards if h.schedule.simple)
        groups: dict[Schedule, list[Entrant]] = {}
        for h in hazards:
            if not h.schedule.simple:
                groups.setdefault(h.schedule, []).append((h.idx, h.rate, h))
        self.scheduled: tuple[tuple[Schedule, tuple[Entrant, ...]], ...] = tuple(
            (sched, tuple(members)) for sched, members in groups.items()
        )

    def __bool__(self) -> bool:
        return bool(self.hazards)

    def first(
        self, left: array[float], now: float, entered: float, ep: float, until: float
    ) -> tuple[float, "CompiledHazard | None"]:
        """(day, hazard) of the first hazard to reach its threshold before `until`, or (until, None).

        `entered`: start of the state (for `after_in_state` delays); `ep`: start of the episode
        (for bands of months in benefit).
        """
        t_end, fired = until, None
        for i, rate, h in self.simple:
            t = now + left[i] / rate
            if t < t_end:
                t_end, fired = t, h
        for sched, members in self.scheduled:  # within a schedule: least threshold left / base rate first
            first, first_h = INF, None
            for i, rate, h in members:
                x = left[i] / rate
                if x < first:
                    first, first_h = x, h
            if now - ep + EPS >= sched.settled and entered + sched.delay <= now:  # in the last band for good
                t = now + first / sched.final if sched.final > 0 else INF
            else:
                t = sched.reach(now, first, entered, ep)
            if t < t_end:
                t_end, fired = t, first_h
        return t_end, fired

    def advance(self, left: array[float], now: float, t1: float, entered: float, ep: float) -> None:
        """Take each hazard's rate integrated from day `now` to day `t1` off its threshold."""
        dt = t1 - now
        for i, rate, _ in self.simple:
            left[i] -= rate * dt
        for sched, members in self.scheduled:
            # the same test as in `first`: recomputed, as keeping its outcome per schedule costs
            # more instructions than these few comparisons
            if now - ep + EPS >= sched.settled and entered + sched.delay <= now:
                d = sched.final * dt
            else:
                d = sched.elapsed(now, t1, entered, ep)
            if d:
                for i, rate, _ in members:
                    left[i] -= rate * d


def calendar_factors(s: Scenario, clock: Clock) -> dict[str, Timeline]:
    """Each hazard's rate factor over calendar time: its own `calendar` times the labour market's."""
    out = {}
    lm = s.labour_market
    market = Timeline.of(lm.factor, clock) if lm is not None else None
    for name, h in s.hazards.items():
        line = Timeline.of(h.calendar, clock) if h.calendar is not None else None
        if market is not None and name in cast("LabourMarket", lm).hazards:  # (market: lm is not None)
            line = market if line is None else line.times(market)
        if line is not None:
            out[name] = line
    return out


class CompiledHazard:
    __slots__ = (
        "name",
        "idx",
        "key",
        "rate",
        "when",
        "schedule",
        "target",
        "set",
        "caseload",
        "thin_key",
        "together",
        "leaves",
    )

    def __init__(
        self,
        idx: int,
        name: str,
        spec: Hazard,
        attributes: Attributes,
        decisions: Decisions,
        schedules: dict[ScheduleKey, Schedule] | None = None,
        calendar: Timeline | None = None,
    ) -> None:
        self.idx, self.name, self.key = idx, name, decisions("hazard:" + name)
        self.rate = spec.rate_per_month / DAYS_PER_MONTH  # base rate per day
        if calendar is not None and calendar.constant and calendar.values[0] > 0:  # a constant factor: part of the rate
            self.rate *= calendar.values[0]
            calendar = None
        self.when = attributes.compile(spec.when)
        bands = spec.by_months_in_benefit or [(0.0, 1.0)]
        delay = spec.after_in_state.value * UNIT_DAYS[spec.after_in_state.unit] if spec.after_in_state else 0.0
        key = (tuple(m * DAYS_PER_MONTH for m, _ in bands), tuple(float(k) for _, k in bands), delay)
        schedules = {} if schedules is None else schedules  # one object per distinct schedule
        self.schedule: Schedule
        if calendar is None:
            self.schedule = schedules.setdefault(key, Schedule(*key))
        else:
            cal_key = key + (calendar.days, calendar.values)
            self.schedule = schedules.setdefault(cal_key, CalendarSchedule(*cal_key))
        self.target: Target = parse_target(spec.to)
        self.set = attributes.assignments(spec.set)
        self.together = spec.household  # its exit is the household's (households.py)
        self.leaves = spec.leaves_household  # the customer moves out of their household
        self.caseload: Caseload | None = None  # a Caseload scaling this hazard by thinning (staffing.py), if any
        self.thin_key = -1  # its decision: whether a candidate firing is kept


def hazards_by_state(
    s: Scenario,
    attributes: Attributes,
    decisions: Decisions,
    clock: Clock | None = None,
    caseloads: dict[str, Caseload] | None = None,
) -> tuple[list[CompiledHazard], dict[str, list[CompiledHazard]]]:
    """All hazards, and for every state the hazards acting in it.

    A hazard driven by a staffing group's caseload runs at rate x max_factor; its candidate
    firings are thinned by the caseload's factor at the time (engine/staffing.py).
    """
    schedules: dict[ScheduleKey, Schedule] = {}
    calendar = calendar_factors(s, clock) if clock is not None else {}
    compiled = [
        CompiledHazard(i, n, h, attributes, decisions, schedules, calendar.get(n))
        for i, (n, h) in enumerate(s.hazards.items())
    ]
    by_name = {h.name: h for h in compiled}
    for gname, g in (caseloads or {}).items():
        for name in s.staffing[gname].hazards:
            h = by_name[name]
            h.rate *= g.max_factor
            h.caseload, h.thin_key = g, decisions("staffing:" + name)
    all_states = benefit_states(s.programmes) + [HANDOVER] + [exited(k) for k in EXIT_KINDS]
    by_state = {
        st: [
            h
            for h, spec in zip(compiled, s.hazards.values())
            if spec.rate_per_month > 0 and any(matches(p, st) for p in spec.in_)
        ]
        for st in all_states
    }
    return compiled, by_state
