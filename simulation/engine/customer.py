"""A customer: attributes, own random streams, hazard clocks, and the spell they are in."""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

from .random_streams import Streams

if TYPE_CHECKING:
    import simpy

    from .employment import Job
    from .households import Household
    from .staffing import Caseload


class Customer:
    __slots__ = (
        "pid",
        "origin",
        "rng",
        "attrs",
        "combo",
        "episode_start",
        "left",
        "state",
        "detail",
        "since",
        "waiting_start",
        "caseload",
        "process",
        "household",
        "hh",
        "job",
        "with_household",
    )

    def __init__(
        self,
        pid: int,
        origin: int,
        rng: Streams,
        attrs: tuple[int, ...],
        combo: int,
        episode_start: float,
        thresholds: array[float],
    ) -> None:
        self.pid = pid
        self.origin = origin  # index into the run's list of origins (initial, inflow, waves)
        self.rng = rng
        self.attrs = attrs  # one level code per declared attribute
        self.combo = combo  # the event log's number for this combination of attributes
        self.episode_start = episode_start  # start of the current benefit (or out-of-benefit) episode
        self.left = thresholds  # array per hazard: Exp(1) threshold less the rate integrated
        # since the hazard last fired
        # the open spell
        self.state = ""
        self.detail = ""  # programme name, or exit kind
        self.since = 0.0  # start of the spell (programme: admission)
        self.waiting_start = float("nan")
        self.caseload: Caseload | None = None  # the staffing group whose caseload counts them now, if any
        # households (households.py): the household, its number in the event log (-1: none, the
        # customer is a household of one), whether they left benefit with it (and so return with it)
        self.process: simpy.Process | None = None
        self.household: Household | None = None
        self.hh = -1
        self.with_household = False
        self.job: Job | None = None  # the job they hold (employment.py), in benefit or out of it
