"""Where a customer's pathway is decided: the SimPy process each customer runs.

A customer is always in one state: case management, no contact, a hand-over gap, waiting
for or taking part in a programme, or out of benefit receipt after an exit. In each state
the competing hazards acting there race against the state's own end (programme completion,
leaving the waiting list, end of a hand-over gap); the winner decides the next state, and
every change closes a spell in the event log.
"""

from __future__ import annotations

import enum
import math
from operator import itemgetter
from typing import TYPE_CHECKING, Final, NamedTuple, overload

from ..states import COMPLETED, ENTRY, EXIT, HANDOVER, HANDOVER_DONE, MAIN_PHASE_ENDED, POOL_PLACED, PROGRAMME, RENEGED
from .capacity import Ticket
from .conditions import Compiled, holds
from .hazards import INF, CompiledHazard, Race
from .portable_math import exponential
from .targets import CASE_MANAGEMENT, Target

if TYPE_CHECKING:
    from collections.abc import Callable, Generator
    from typing import Literal, TypeAlias, TypeVar

    import simpy

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
                    self.open(c, target.kind, since=move.since)
                    hz = self.enter(c, target.kind)
                if not hz:  # nothing can happen: the spell stays open until the horizon
                    return
                fired = yield from self.stay(c, hz)
                move = None if fired is None else Move(fired.name, fired.target, fired.set)

    def settle(self, c: "Customer", move: Move) -> tuple[Target, float]:
        """Close the open spell, apply attribute changes, and resolve where the customer goes."""
        now = self.env.now
        combo = c.combo  # the closed spell keeps the attributes it was lived with
        if move.set:
            self.change(c, move.set)
        target, gap = move.target, move.gap
        if target.kind == ENTRY:  # (re-)entry into benefit receipt follows the entry route
            route = self.routes.get(ENTRY)
            if route is None:
                target, gap = CASE_MANAGEMENT, 0.0
            else:
                o = route.choose(c.attrs, c.rng)
                if o.set:
                    self.change(c, o.set)
                target = o.target
                gap = o.gap.sample(c.rng.uniform(route.gap_key)) if o.gap else 0.0
        if target.kind == PROGRAMME:
            prog = self.programmes[target.name]
            if not prog.is_eligible(c.attrs):
                target = CASE_MANAGEMENT
            elif prog.divert is not None and prog.diverted(c.attrs):  # its budget is used up: go elsewhere
                target = prog.divert
                if target.kind == PROGRAMME and not self.programmes[target.name].is_eligible(c.attrs):
                    target = CASE_MANAGEMENT
        if target.kind != PROGRAMME:
            gap = 0.0
        if (c.state == EXIT) != (target.kind == EXIT):
            c.episode_start = now  # a benefit episode (or a time out of benefit) begins
        if c.state:
            self.log.spell(c, combo, now, move.reason, HANDOVER if gap > 0 else target.label)
        return target, gap

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
        return Move(fired.name, fired.target, fired.set)

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
                    return (
                        Move(RENEGED, prog.renege_to)
                        if fired is DEADLINE
                        else Move(fired.name, fired.target, fired.set)
                    )
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
        hz = self.enter(c, prog.in_programme)
        if hz:
            fired = yield from self.stay(c, hz, until=env.now + remaining)
        else:  # nothing competes with the programme's end
            yield self.at(env.now + remaining)
            fired = DEADLINE
        for comp in companions:
            comp.finish(reason=MAIN_PHASE_ENDED)
        prog.release(entered_with)
        if fired is not DEADLINE:
            return Move(fired.name, fired.target, fired.set)
        route = self.routes.get(name)
        if route is None:
            return Move(COMPLETED, CASE_MANAGEMENT)
        o = route.choose(c.attrs, c.rng)
        gap = o.gap.sample(c.rng.uniform(route.gap_key)) if o.gap else 0.0
        return Move(COMPLETED, o.target, o.set, gap)

    def wait(
        self, c: Customer, prog: Programme, ticket: Ticket, waiting_start: float, day_one: bool
    ) -> Process[CompiledHazard | Literal[End.DEADLINE, End.WOKEN]]:
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

    @overload
    def stay(self, c: Customer, hz: Race) -> Process[CompiledHazard | None]: ...

    @overload
    def stay(self, c: Customer, hz: Race, until: float) -> Process[CompiledHazard | Literal[End.DEADLINE]]: ...

    @overload
    def stay(
        self, c: Customer, hz: Race, until: float, wake: Ticket
    ) -> Process[CompiledHazard | Literal[End.DEADLINE, End.WOKEN]]: ...

    def stay(
        self, c: "Customer", hz: Race, until: float = INF, wake: Ticket | None = None
    ) -> Process[CompiledHazard | End | None]:
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
                    return None
                yield self.at(until)
                return DEADLINE
            if until == INF:
                yield wake.event
                return WOKEN
        left = c.left
        entered = c.waiting_start if wake is not None else c.since  # earlier than now for day-one stock
        ep = c.episode_start
        while True:
            now = env.now
            t_end, fired = hz.first(left, now, entered, ep, until)
            if wake is None:
                if t_end == INF:
                    return None
                yield self.at(t_end)
            else:  # admission or the timer, whichever comes first, resumes us
                admitted = wake.event
                if t_end < self.horizon:

                    def wake_up(_timer: simpy.Event, admitted: simpy.Event = admitted) -> None:
                        admitted.triggered or admitted.succeed()

                    self.at(t_end).callbacks.append(wake_up)
                yield admitted
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
