"""Work as a state beside benefit receipt: the kinds of job a scenario declares ([employment]).

A job is held in parallel to the customer's benefit state: it starts with a move to `job:<kind>`
(a hazard or a route option), lasts its drawn duration, and is written to the event log as an
`employment` spell. Whether the household's need ends when it starts is the household's
decision (households.py); if it does not, the earner stays in benefit in the `employed` state
(earnings topped up). Programmes taken while employed leave the job running.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .distributions import build

if TYPE_CHECKING:
    import simpy

    from ..scenario.schema import Job as JobSpec
    from .distributions import Distribution
    from .random_streams import Decisions


class JobKind:
    """One kind of job, compiled: its § 48a integration kind, duration and probabilities."""

    __slots__ = ("name", "integration", "duration", "need_ends", "reentry", "duration_key", "reentry_key")

    def __init__(self, name: str, spec: JobSpec, decisions: Decisions) -> None:
        self.name = name
        self.integration = None if spec.integration == "none" else spec.integration  # None: no integration
        self.duration: Distribution | None = build(spec.duration) if spec.duration is not None else None
        self.need_ends = spec.need_ends  # for households without a type's own probability
        self.reentry = spec.reentry
        self.duration_key = decisions("job_duration:" + name)
        self.reentry_key = decisions("job_reentry:" + name)


class Job:
    """A job held: its kind, start, and the timer that ends it."""

    __slots__ = ("kind", "start", "timer")

    def __init__(self, kind: JobKind, start: float) -> None:
        self.kind, self.start = kind, start
        self.timer: simpy.Event | None = None


def job_kinds(employment: dict[str, JobSpec], decisions: Decisions) -> dict[str, JobKind]:
    return {name: JobKind(name, spec, decisions) for name, spec in employment.items()}
