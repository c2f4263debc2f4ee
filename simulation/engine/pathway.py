"""Where a customer's pathway is decided: the SimPy process each customer runs.

A customer is always in one state: case management, no contact, a hand-over gap, waiting
for or taking part in a programme, or out of benefit receipt after an exit. In each state
the competing hazards acting there race against the state's own end (programme completion,
leaving the waiting list, end of a hand-over gap); the winner decides the next state, and
every change closes a spell in the event log.
"""

from __future__ import annotations

import enum
import functools
import math
from operator import itemgetter
from typing import TYPE_CHECKING, Final, NamedTuple, cast, overload

import simpy

from ..states import (
    CASE_MANAGEMENT as CM,
)
from ..states import (
    COMPLETED,
    EMPLOYED,
    ENTRY,
    EXIT,
    HANDOVER,
    HANDOVER_DONE,
    HOUSEHOLD_REENTRY,
    JOB,
    JOB_CHANGED,
    JOB_ENDED,
    MAIN_PHASE_ENDED,
    NEED_COVERED,
    POOL_PLACED,
    PROGRAMME,
    RENEGED,
)
from .capacity import Ticket
from .conditions import Compiled, holds
from .employment import Job
from .hazards import INF, CompiledHazard, Race
from .households import Signal, send
from .portable_math import exponential
from .targets import CASE_MANAGEMENT, EARNINGS, EMPLOYED_TARGET, ENTRY_TARGET, Target

if TYPE_CHECKING:
    from collections.abc import Callable, Generator
    from typing import Literal, TypeAlias, TypeVar

    from .customer import Customer
    from .model import Model
    from .programme import Programme

    T = TypeVar("T")
    # a step of a customer's SimPy process: yields events (SimPy resumes it with their values, unused),
    # returns a T
    Process: TypeAlias = Generator[simpy.Event, object, T]

NAN = math.nan


class End(enum.Enum):
    """How a stay ends other than by a hazard firing (compared by identity, as DEADLINE and WOKEN)."""

    DEADLINE = "deadline"
    WOKEN = "woken"


DEADLINE: Final = End.DEADLINE  # the state's own end came first
WOKEN: Final = End.WOKEN  # admitted from the waiting list


def _nothing(attrs: tuple[int, ...]) -> tuple[()]:
    return ()


def assign(attrs: tuple[int, ...], changes: tuple[tuple[int, int], ...]) -> tuple[int, ...]:
    """Attributes after `set` changes: (attribute index, new level code)."""
    out = list(attrs)
    for i, code in changes:
        out[i] = code
    return tuple(out)


class Move(NamedTuple):
    reason: str  # why the spell ends: a hazard's name, completed, reneged, ...
    target: Target
    set: tuple[tuple[int, int], ...] = ()  # attribute changes: (attribute index, level code)
    gap: float = 0.0  # days of hand-over before a programme starts
    since: float | None = None  # start of the next state, if earlier than now (day-one stock)
    together: bool = False  # an exit the customer's household takes with them (a household-level hazard)
    leaves: bool = False  # the customer moves out of their household (and forms their own)


def moved(fired: CompiledHazard | Signal) -> Move:
    """The move a fired hazard or a signal from outside makes."""
    return Move(fired.name, fired.target, fired.set, together=fired.together, leaves=fired.leaves)


class Initial(NamedTuple):
    """A customer in a programme or on its waiting list on day one."""

    programme: str
    participant: bool
    waiting_start: float
    start: float


class Companion:
    """A place held in a programme taken alongside another; ends with its duration or the main phase."""

    __slots__ = ("pathway", "c", "prog", "combo", "attrs", "start", "done")

    def __init__(self, pathway: "Pathway", c: Customer, prog: Programme, start: float) -> None:
        self.pathway, self.c, self.prog, self.start, self.done = pathway, c, prog, start, False
        self.combo, self.attrs = c.combo, c.attrs  # as they entered (the place is given back as taken)

    def finish(self, _event: simpy.Event | None = None, reason: str = COMPLETED) -> None:
        if self.done:
            return
        self.done = True
        self.prog.release(self.attrs)
        self.pathway.companions.discard(self)
        self.pathway.log.alongside(self.c, self.combo, self.prog.name, self.start, self.pathway.env.now, reason)


class Pathway:
    """The rules every customer follows, bound to one model run."""

    def __init__(self, model: "Model") -> None:
        self.env = model.env
        self.log = model.log
        self.by_state = model.hazards_by_state
        self.programmes = model.programmes
        self.routes = model.routes
        self.companions: set[Companion] = set()  # places held alongside, still open
        self.active: dict[tuple[str, object], Race] = {}  # (state, attributes looked at) -> hazards
        self.looks_at: dict[str, Callable[[tuple[int, ...]], object]] = {}
        self.conditions: dict[str, list[tuple[CompiledHazard, Compiled]]] = {}
        self.acting_sets: dict[tuple[CompiledHazard, ...], Race] = {}  # one object for each distinct set of hazards
        # what would happen at or after the horizon never does: such customers wait on an event
        # that is never triggered (see `at`) instead of filling SimPy's queue with unused timeouts
        self.horizon = model.clock.horizon
        self.never = self.env.event()
        self.households = model.households  # None: everyone is a household of one
        self.jobs = model.jobs
        self.need_key = model.decisions("need_ends")
        # caseloads: the staffing group whose caseload each state counts towards (none: not counted)
        self.caseload_of = {st: g for g in model.caseloads.values() for st in self.by_state if g.covers(st)}

    def run(self, c: "Customer", first: Move | None = None, initial: Initial | None = None) -> Process[None]:
        """The customer's life: a SimPy process generator."""
        move = (yield from self.programme(c, initial.programme, initial)) if initial else first
        while move is not None:
            target, gap = self.settle(c, move)
            if gap > 0:
                move = yield from self.handover(c, target, gap)
            elif target.kind == PROGRAMME:
                move = yield from self.programme(c, target.name)
            else:  # case management, no contact or out of benefit: only hazards end it
                if target.kind == EXIT:
                    self.open(c, EXIT, target.name)
                    hz = self.enter(c, target.label)
                else:
                    job = c.job
                    self.open(c, target.kind, job.kind.name if job is not None else "", since=move.since)
                    hz = self.enter(c, target.kind)
                if not hz and not self.reachable(c):  # nothing can happen: the spell stays open until the horizon
                    return
                fired = yield from self.stay(c, hz)
                move = None if fired is None else moved(fired)

    def settle(self, c: "Customer", move: Move) -> tuple[Target, float]:
        """Close the open spell, apply attribute changes, and resolve where the customer goes."""
        now = self.env.now
        combo = c.combo  # the closed spell keeps the attributes it was lived with
        if move.set:
            self.change(c, move.set)
        target, gap = move.target, move.gap
        if target.kind == ENTRY:  # (re-)entry into benefit receipt follows the entry route
            route = self.routes.get(ENTRY)
            if c.job is not None:  # back in benefit while employed: topped up
                target, gap = EMPLOYED_TARGET, 0.0
            elif route is None:
                target, gap = CASE_MANAGEMENT, 0.0
            else:
                o = route.choose(c.attrs, c.rng)
                if o.set:
                    self.change(c, o.set)
                target = o.target
                gap = o.gap.sample(c.rng.uniform(route.gap_key)) if o.gap else 0.0
        if target.kind == JOB:
            target = self.take_job(c, target.name)
        elif target.kind == PROGRAMME:
            prog = self.programmes[target.name]
            if not prog.is_eligible(c.attrs):
                target = CASE_MANAGEMENT
            elif prog.divert is not None and prog.diverted(c.attrs):  # its budget is used up: go elsewhere
                target = prog.divert
                if target.kind == PROGRAMME and not self.programmes[target.name].is_eligible(c.attrs):
                    target = CASE_MANAGEMENT
        if target.kind != PROGRAMME:
            gap = 0.0
            if target.kind == CM and c.job is not None:  # in benefit while employed: topped up
                target = EMPLOYED_TARGET
        if (c.state == EXIT) != (target.kind == EXIT):
            c.episode_start = now  # a benefit episode (or a time out of benefit) begins
            if c.household is not None:
                self.household_moves(c, target, move)
        if c.state:
            self.log.spell(c, combo, now, move.reason, HANDOVER if gap > 0 else target.label)
        if move.leaves and c.household is not None and self.households is not None:
            self.households.move_out(c, now, target.kind != EXIT)  # after the spell lived in the old one
        return target, gap

    def household_moves(self, c: Customer, target: Target, move: Move) -> None:
        """`c` leaves benefit (target: an exit) or comes back: their household's count, its hazards, and
        the members who move with them."""
        h, hs = c.household, self.households
        assert h is not None and hs is not None
        if target.kind == EXIT:
            if move.together:
                hs.leave_together(h, c, Signal(move.reason, target))
            h.in_benefit -= 1
            if h.in_benefit == 0:
                hs.stop(h)
        else:
            h.in_benefit += 1
            if h.in_benefit == 1:
                hs.start(h, self.env.now)
            hs.come_back(c, Signal(HOUSEHOLD_REENTRY, ENTRY_TARGET))

    # --- jobs --------------------------------------------------------------------------

    def take_job(self, c: Customer, kind_name: str) -> Target:
        """`c` starts a job (the integration, if its kind is one); where they go: in benefit employed
        (topped up), or out of benefit with their household if the job covers its need."""
        now, kind = self.env.now, self.jobs[kind_name]
        if c.job is not None:
            self.end_job(c, JOB_CHANGED)
        job = c.job = Job(kind, now)
        if kind.duration is not None:
            end = now + kind.duration.sample(c.rng.uniform(kind.duration_key))
            if end < self.horizon:
                job.timer = self.at(end)
                job.timer.callbacks.append(functools.partial(self.job_over, c, job))
        h = c.household
        if h is not None:
            h.earners += 1
            p = h.need_ends(kind.need_ends)
        else:
            p = kind.need_ends
        if c.rng.uniform(self.need_key) >= p:  # drawn whatever the probability, to keep streams in step
            return EMPLOYED_TARGET
        if h is not None and self.households is not None:
            self.households.leave_together(h, c, Signal(NEED_COVERED, EARNINGS))
        return EARNINGS

    def end_job(self, c: Customer, reason: str) -> Job:
        job = c.job
        assert job is not None
        c.job = None
        self.log.employment(c, job.kind.name, job.start, self.env.now, reason)
        if c.household is not None:
            c.household.earners -= 1
        return job

    def job_over(self, c: Customer, job: Job, _event: simpy.Event) -> None:
        """A job's duration ran out: topped-up earners go back to case management; out of benefit, the
        household may need benefit again (`reentry`, for those whose need earnings had covered)."""
        if c.job is not job:  # ended before (another job)
            return
        self.end_job(c, JOB_ENDED)
        if c.state == EMPLOYED:
            send(c, Signal(JOB_ENDED, CASE_MANAGEMENT))
        elif c.state == EXIT and c.detail == EARNINGS.name:
            if c.rng.uniform(job.kind.reentry_key) < job.kind.reentry:
                send(c, Signal(JOB_ENDED, ENTRY_TARGET))

    def change(self, c: "Customer", changes: tuple[tuple[int, int], ...]) -> None:
        """Apply `set` changes to the customer's attributes (and their number in the event log)."""
        c.attrs, c.combo = self.log.shared(assign(c.attrs, changes))

    def open(
        self, c: "Customer", state: str, detail: str = "", since: float | None = None, waiting_start: float = NAN
    ) -> None:
        c.state, c.detail, c.waiting_start = state, detail, waiting_start
        c.since = self.env.now if since is None else since

    # --- states ------------------------------------------------------------------------

    def handover(self, c: Customer, target: Target, days: float) -> Process[Move]:
        self.open(c, HANDOVER, target.name)
        fired = yield from self.stay(c, self.enter(c, HANDOVER), until=self.env.now + days)
        if fired is DEADLINE:
            return Move(HANDOVER_DONE, target)
        return moved(fired)

    def programme(self, c: Customer, name: str, initial: Initial | None = None) -> Process[Move]:
        prog = self.programmes[name]
        env = self.env
        if initial is not None and initial.participant:  # their seat was taken when the model was built
            self.open(c, PROGRAMME, name, since=initial.start, waiting_start=initial.waiting_start)
            remaining = (prog.duration or prog.duration_rules.of(c.attrs)).residual(
                c.rng.uniform(prog.duration_key), env.now - initial.start
            )
        else:
            waiting_start = env.now if initial is None else initial.waiting_start
            c.state, c.detail, c.waiting_start, c.since = PROGRAMME, name, waiting_start, NAN
            placed = None if initial is not None else prog.enter_now(c.attrs)
            if placed is None:
                ticket = prog.join(c)
                fired = yield from self.wait(c, prog, ticket, waiting_start, initial is not None)
                if fired is not WOKEN:
                    return Move(RENEGED, prog.renege_to) if fired is DEADLINE else moved(fired)
                placed = ticket.programme
            if placed is not prog:
                # A pool's shared waiting list admitted them to another member: the wait (patience,
                # hazards of waiting:<name>) was for the programme they were referred to and closes
                # as its spell; from now on they take part in the one that admitted them, with its
                # duration, hazards (programme:<placed>), place release and route.
                self.log.spell(c, c.combo, env.now, POOL_PLACED, placed.label)
                prog, name = placed, placed.name
                c.detail, c.waiting_start = name, env.now
            c.since = env.now
            remaining = (prog.duration or prog.duration_rules.of(c.attrs)).sample(c.rng.uniform(prog.duration_key))
        entered_with = c.attrs  # the place is given back as it was taken
        companions = self.join_alongside(c, prog, "programme") if prog.alongside else ()
        fired = yield from self.stay(c, self.enter(c, prog.in_programme), until=env.now + remaining)
        for comp in companions:
            comp.finish(reason=MAIN_PHASE_ENDED)
        prog.release(entered_with)
        if fired is not DEADLINE:
            return moved(fired)
        route = self.routes.get(name)
        if route is None:
            return Move(COMPLETED, CASE_MANAGEMENT)
        o = route.choose(c.attrs, c.rng)
        gap = o.gap.sample(c.rng.uniform(route.gap_key)) if o.gap else 0.0
        return Move(COMPLETED, o.target, o.set, gap)

    def wait(
        self, c: Customer, prog: Programme, ticket: Ticket, waiting_start: float, day_one: bool
    ) -> Process[CompiledHazard | Signal | Literal[End.DEADLINE, End.WOKEN]]:
        """On the waiting list (joined with `ticket`) until admitted (WOKEN), out of patience (DEADLINE)
        or a hazard fires."""
        env = self.env
        if day_one and not ticket.admitted:
            yield env.timeout(0)  # let every day-one list form and its first admissions happen
        if ticket.admitted:
            return WOKEN
        deadline = INF
        if prog.patience is not None:  # day-one waiters: the rest of a patience already under way
            deadline = env.now + prog.patience.residual(c.rng.uniform(prog.patience_key), env.now - waiting_start)
        companions = self.join_alongside(c, prog, "waiting") if prog.alongside else ()
        fired = yield from self.stay(c, self.enter(c, prog.on_list), until=deadline, wake=ticket)
        for comp in companions:
            comp.finish(reason=MAIN_PHASE_ENDED)
        if fired is not WOKEN:
            if ticket.admitted:  # admitted as a signal took them away: the place goes back
                ticket.programme.release(c.attrs)
            else:
                prog.cancel(ticket)
        return fired

    def join_alongside(self, c: Customer, prog: Programme, during: str) -> list[Companion]:
        """Places taken in parallel programmes at the start of a waiting or participation phase."""
        out = []
        for other, p, cond, phase, key in prog.alongside:
            if phase != during:
                continue
            u = c.rng.uniform(key)  # drawn whatever the outcome, to keep streams in step
            comp = self.programmes[other]
            if u >= p or not holds(cond, c.attrs) or not comp.is_eligible(c.attrs) or not comp.take_free_place(c.attrs):
                continue
            companion = Companion(self, c, comp, self.env.now)
            self.companions.add(companion)
            days = (comp.duration or comp.duration_rules.of(c.attrs)).sample(c.rng.uniform(comp.duration_key))
            self.at(self.env.now + days).callbacks.append(companion.finish)
            out.append(companion)
        return out

    # --- competing hazards -------------------------------------------------------------

    def hazards_for(self, state: str, attrs: tuple[int, ...]) -> Race:
        """The hazards acting on customers with these attributes in this state (cached by the caller)."""
        conditions = self.conditions.get(state)
        if conditions is None:  # each hazard's condition joined with its target programme's eligibility
            conditions = self.conditions[state] = [
                (h, h.when + (self.programmes[h.target.name].eligible if h.target.kind == PROGRAMME else ()))
                for h in self.by_state[state]
            ]
        hazards = tuple(h for h, cond in conditions if not cond or holds(cond, attrs))
        acting = self.acting_sets.get(hazards)
        if acting is None:
            acting = self.acting_sets[hazards] = Race(hazards)
        return acting

    def enter(self, c: "Customer", state: str) -> Race:
        """The customer is now in `state` (a hazard-state name): count them in its caseload, and
        return the hazards acting on them there."""
        if self.caseload_of:
            g, old = self.caseload_of.get(state), c.caseload
            if g is not old:
                if old is not None:
                    old.count -= 1
                if g is not None:
                    g.count += 1
                c.caseload = g
        return self.acting(state, c.attrs)

    def until(self, c: Customer, t: float) -> simpy.Event:
        """`at(t)` for a customer's own wait: one that a signal may end has an event of its own instead of
        the shared one that never comes (an interrupt takes the process off its event's callbacks)."""
        if t < self.horizon or not self.reachable(c):
            return self.at(t)
        return self.env.event()

    def at(self, t: float) -> simpy.Event:
        """An event on day t, or one that never comes if t is at or after the horizon."""
        return self.env.timeout(max(t - self.env.now, 0.0)) if t < self.horizon else self.never

    def acting(self, state: str, attrs: tuple[int, ...]) -> Race:
        """The hazards acting on customers with these attributes in this state.

        Cached by state and the attributes that the state's hazard conditions and target
        programmes' eligibility look at (few, so the cache stays small and mostly hits).
        """
        look = self.looks_at.get(state)
        if look is None:
            look = self.looks_at[state] = self._attributes_looked_at(state)
        key = (state, look(attrs))
        hz = self.active.get(key)
        if hz is None:
            hz = self.active[key] = self.hazards_for(state, attrs)
        return hz

    def _attributes_looked_at(self, state: str) -> Callable[[tuple[int, ...]], object]:
        """A function picking, from a customer's attributes, those that decide which hazards act in `state`."""
        conds = [h.when for h in self.by_state[state]] + [
            self.programmes[h.target.name].eligible for h in self.by_state[state] if h.target.kind == PROGRAMME
        ]
        idx = sorted({i for cond in conds for i, _ in cond})
        return itemgetter(*idx) if idx else _nothing

    def sleep(self, c: Customer, ev: simpy.Event) -> Process[Signal | None]:
        """Wait for `ev`; a signal from outside that applies to the customer ends the wait first."""
        while True:
            try:
                yield ev
                return None
            except simpy.Interrupt as i:
                signal = cast("Signal", i.cause)
                if self.applies(c, signal):
                    return signal

    def resume(self, c: Customer, ev: simpy.Event, cause: Signal) -> Process[Signal | None]:
        """After a signal: it, if it applies; else the wait for `ev` goes on (None when `ev` came)."""
        if self.applies(c, cause):
            return cause
        return (yield from self.sleep(c, ev))

    @staticmethod
    def reachable(c: Customer) -> bool:
        """Whether a signal from outside can still come: from the household, or the end of a job."""
        return c.household is not None or c.job is not None

    @staticmethod
    def applies(c: Customer, signal: Signal) -> bool:
        """Whether a signal still applies when it arrives (another may have moved the customer the same instant)."""
        kind = signal.target.kind
        if kind == EXIT:  # leave with the household: if still in benefit
            return c.state != EXIT
        if kind == ENTRY:  # come back with the household: if still out
            return c.state == EXIT
        return c.state == EMPLOYED  # a job's end: if still topped up

    @overload
    def stay(self, c: Customer, hz: Race) -> Process[CompiledHazard | Signal | None]: ...

    @overload
    def stay(self, c: Customer, hz: Race, until: float) -> Process[CompiledHazard | Signal | Literal[End.DEADLINE]]: ...

    @overload
    def stay(
        self, c: Customer, hz: Race, until: float, wake: Ticket
    ) -> Process[CompiledHazard | Signal | Literal[End.DEADLINE, End.WOKEN]]: ...

    def stay(
        self, c: "Customer", hz: Race, until: float = INF, wake: Ticket | None = None
    ) -> Process[CompiledHazard | Signal | End | None]:
        """Stay until the state's own end (`until`, or admission via `wake`) or one of hazards `hz` fires.

        Returns DEADLINE, WOKEN, the CompiledHazard that fired, or None when nothing can ever
        happen (the customer stays until the horizon). The race itself is `hazards.Race`: one
        wake-up per stay, and another only when a caseload-dependent hazard's candidate firing
        is thinned out.
        """
        env = self.env
        if not hz:  # nothing competes with the state's own end
            if wake is None:
                if until == INF:
                    if not self.reachable(c):
                        return None
                    return (yield from self.sleep(c, self.env.event()))  # only a signal from outside ends it
                signal = yield from self.sleep(c, self.until(c, until))
                return DEADLINE if signal is None else signal
            if until == INF:
                signal = yield from self.sleep(c, wake.event)
                return WOKEN if signal is None else signal
        left = c.left
        entered = c.waiting_start if wake is not None else c.since  # earlier than now for day-one stock
        ep = c.episode_start
        while True:
            now = env.now
            t_end, fired = hz.first(left, now, entered, ep, until)
            if wake is None:
                if t_end == INF:
                    if not self.reachable(c):
                        return None
                    ev = self.env.event()
                else:
                    ev = self.until(c, t_end)
            else:  # admission or the timer, whichever comes first, resumes us
                ev = admitted = wake.event
                if t_end < self.horizon:

                    def wake_up(_timer: simpy.Event, admitted: simpy.Event = admitted) -> None:
                        admitted.triggered or admitted.succeed()

                    self.at(t_end).callbacks.append(wake_up)
            try:
                yield ev
            except simpy.Interrupt as i:  # a signal from outside (households.py)
                signal = yield from self.resume(c, ev, cast("Signal", i.cause))
                if signal is not None:
                    hz.advance(left, now, env.now, entered, ep)
                    return signal
            hz.advance(left, now, env.now, entered, ep)
            if wake is not None and wake.admitted:
                return WOKEN
            if fired is None:
                return DEADLINE
            left[fired.idx] = exponential(c.rng.uniform(fired.key))  # its clock starts again
            g = fired.caseload  # its staffing group scales it only in the group's own states
            if g is None or g.kept(c.rng.uniform(fired.thin_key), env.now, c.caseload is g):
                return fired
            if wake is not None and wake.event.triggered:  # thinned out while waiting: the timer
                wake.event = env.event()  # used the ticket's event; a fresh one for admission
