"""A programme: its duration, eligibility, waiting list and the gates an entry must pass.

Its capacity (places, yearly quota, budget, pool places, reserved places) is a list of gates
(engine/capacity/); an entry is one decision over all of them, `admits`. The situations in
which someone asks differ only in who must not be passed: a newcomer (`enter_now`: nobody may
be waiting), someone joining alongside another programme (`take_free_place`: nobody waiting
here nor on the pool's shared list), the list's own turn (`fill`: the head, or for a course
class the first on the list, as many as every gate has room for).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import islice
from typing import TYPE_CHECKING, TypeVar, cast, overload

import simpy

from .. import states
from .capacity import Money, Places, Pool, PoolPlaces, Quota, Reserved, Ticket, WaitingList
from .conditions import Attributes, holds
from .distributions import build
from .durations import build_duration
from .random_streams import Decisions
from .targets import parse_target
from .timeline import Timeline, is_steps

if TYPE_CHECKING:
    from ..scenario import schema
    from .capacity import Gate
    from .capacity.gate import Attrs, Counted
    from .clock import Clock
    from .customer import Customer
    from .distributions import Distribution
    from .durations import ByCondition
    from .targets import Target

    C = TypeVar("C", bound=Counted)

INF = math.inf


@overload
def _counted(cls: type[C], value: None, clock: Clock | None) -> None: ...


@overload
def _counted(cls: type[C], value: int | list[schema.Step], clock: Clock | None) -> C: ...


def _counted(cls: type[C], value: int | list[schema.Step] | None, clock: Clock | None) -> C | None:
    """A gate counting against a number or steps over calendar time (None: no such limit)."""
    if value is None:
        return None
    if is_steps(value):
        line = Timeline.of(value, cast("Clock", clock))  # (only a programme built without a clock has none)
        return cls(line.at(0.0), line)
    return cls(value)  # the number as given (an int), as before schedules existed


class Programme:
    # Set on an instance only where used, so a programme with one distribution keeps as many instance
    # attributes as before: CPython shares the keys of instance dicts (and specialises attribute access
    # on them) for at most 30 attributes, and every attribute more costs all of them.
    # with durations by condition: the rules (duration is then None); read only where `duration` is None,
    # so the type checker knows it as set (no check, no cast on the hot path `duration or duration_rules.of`)
    if TYPE_CHECKING:
        duration_rules: ByCondition[Distribution]
    else:
        duration_rules = None
    places: Places | None = None  # the gates this programme has (also in `gates`)
    quota: Quota | None = None
    money: Money | None = None  # its budget's gate
    reserved: Reserved | None = None
    pool: Pool | None = None  # the Pool whose places (and perhaps waiting list) this programme shares
    divert: Target | None = None  # where referrals go while the budget cannot pay an entry (None: they wait)

    def __init__(
        self,
        env: simpy.Environment,
        name: str,
        spec: schema.Programme,
        attributes: Attributes,
        decisions: Decisions,
        clock: Clock | None = None,
    ) -> None:
        self.env, self.name, self.spec = env, name, spec
        self.gates: list[Gate] = []
        if spec.places is not None:
            self.places = _counted(Places, spec.places, clock)
            self.gates.append(self.places)
        if spec.entries_per_year is not None:
            self.quota = _counted(Quota, spec.entries_per_year, clock)
            self.gates.append(self.quota)
        if spec.reserved:
            # (cast: checks.py allows reserved places only in a programme with places)
            self.reserved = Reserved(
                cast(Places, self.places), [(attributes.compile(r.when), r.places) for r in spec.reserved]
            )
            self.gates.append(self.reserved)
        # one Distribution, or (duration None) rules by the entrant's attributes: draw with
        # `(prog.duration or prog.duration_rules.of(attrs))`
        self.duration, rules = build_duration(spec.duration, attributes)
        if rules is not None:
            self.duration_rules = rules
        self.duration_key = decisions("duration:" + name)
        self.patience = build(spec.waiting_list.patience) if spec.waiting_list.patience else None
        self.patience_key = decisions("patience:" + name)
        self.renege_to = parse_target(spec.waiting_list.renege_to)
        self.eligible = attributes.compile(spec.eligible)
        self.list = WaitingList([attributes.compile(g.when) for g in spec.waiting_list.priority])
        self.cohorts = spec.cohorts
        self.scheduled = spec.cohorts is not None and (spec.cohorts.start_every is not None or bool(spec.cohorts.dates))
        self.alongside = [
            (other, a.probability, attributes.compile(a.when), a.during, decisions(f"alongside:{name}:{other}"))
            for other, a in spec.alongside.items()
        ]
        self.immediate = spec.cohorts is None  # admissions one by one, whenever a place is free
        self.in_programme, self.on_list = states.taking_part(name), states.waiting(name)  # hazard state names
        self.held = False  # admissions wait while the day-one stock is set up

    @property
    def label(self) -> str:
        """The programme as a target is spelt in next_state."""
        return self.in_programme

    # --- building: the gates others own ------------------------------------------------

    def pay_from(self, money: Money) -> None:
        """Entries are paid from a budget: its gate joins this programme's."""
        self.money, self.divert = money, money.divert
        self.gates.append(money)

    def join_pool(self, pool: Pool) -> None:
        """This programme shares a pool's places (and perhaps its waiting list)."""
        self.pool = pool
        self.gates.append(PoolPlaces(pool))

    def timed_gates(self) -> list[Counted]:
        """Its own gates whose value changes over calendar time (a pool's and a budget's are theirs)."""
        return [g for g in (self.places, self.quota) if g is not None and g.line is not None]

    # --- the admission decision --------------------------------------------------------

    def is_eligible(self, attrs: tuple[int, ...]) -> bool:
        return holds(self.eligible, attrs)

    def admits(self, attrs: tuple[int, ...] | None) -> bool:
        """Whether one more entrant with these attributes (None: anyone) fits now: every gate has room."""
        for gate in self.gates:
            if gate.room(attrs) < 1:
                return False
        return True

    def can_admit(self, attrs: tuple[int, ...] | None = None) -> bool:
        """Whether the programme admits this entrant now (not while the day-one stock is set up)."""
        return not self.held and self.admits(attrs)

    def room_for(self, entrants: Sequence[Attrs]) -> float:
        """How many of these entrants, in this order, every gate lets in now."""
        n: float = len(entrants)
        for gate in self.gates:
            r = gate.room_for(entrants)
            if r < n:
                n = r
        return n

    def enter_now(self, attrs: tuple[int, ...]) -> "Programme | None":
        """A newcomer to the list: in at once if nobody waits and every gate has room; the programme that
        admits them (with a pool's shared list, perhaps another member), or None."""
        if self.pool is not None and self.pool.shared:
            return self.pool.enter_now(self, attrs)
        if self.immediate and not self.held and not self.list.n and self.admits(attrs):
            self.enter(attrs)
            return self
        return None

    def take_free_place(self, attrs: tuple[int, ...] | None = None) -> bool:
        """A place for someone joining alongside another programme: never ahead of anyone waiting for it
        (here, or on its pool's shared list)."""
        if self.list.n or (self.pool is not None and self.pool.list.n) or not self.admits(attrs):
            return False
        self.enter(attrs)
        return True

    def diverted(self, attrs: tuple[int, ...] | None = None) -> bool:
        """Whether this referral goes elsewhere now: the budget cannot pay its entry."""
        return not cast(Money, self.money).allows(attrs)  # (only asked when it has a budget to divert from)

    # --- the customers' side -----------------------------------------------------------

    def join(self, customer: Customer) -> Ticket:
        """Join the waiting list; admitted at once (ticket.admitted) if a place is free."""
        ticket = Ticket(customer, self.env.event(), self)
        if self.pool is not None and self.pool.shared:
            self.pool.join(ticket)
            return ticket
        if self.reserved is not None:
            ticket.groups = self.reserved.groups_of(customer.attrs)
            self.reserved.joined(ticket.groups)
        self.list.add(ticket)
        if self.pool is not None:
            ticket.seq = next(self.pool.seq)
            self.pool.fill()
        elif not self.scheduled:
            self.fill()
        return ticket

    def cancel(self, ticket: Ticket) -> None:
        """The customer leaves the waiting list (lazy removal: skipped when reached)."""
        if self.pool is not None and self.pool.shared:
            self.pool.cancel(ticket)
        elif self.list.cancel(ticket) and self.reserved is not None:
            self.reserved.left(ticket.groups)

    def occupy(self, attrs: tuple[int, ...]) -> None:
        """A seat for a participant already in the programme on day one (taken before the run starts; no
        entry: it counts against no quota or budget)."""
        if self.places is not None:
            self.places.occupy()
        if self.reserved is not None:
            self.reserved.take(attrs)
        if self.pool is not None:
            self.pool.in_use += 1

    def release(self, attrs: tuple[int, ...]) -> None:
        """A participant who entered with these attributes leaves: the gates get back what they counted."""
        for gate in self.gates:
            gate.give_back(attrs)
        if self.pool is not None:
            self.pool.fill()
        elif self.list.n and not self.scheduled:
            self.fill()

    # --- the programme's side ----------------------------------------------------------

    def new_year(self, _event: simpy.Event | None = None) -> None:
        cast(Quota, self.quota).new_year(0.0)  # (scheduled only for a programme with a quota)
        if not self.scheduled:
            self.fill()

    def fill(self, _event: simpy.Event | None = None) -> None:
        """Admit waiting customers while every gate has room (a whole class for cohorts)."""
        if self.pool is not None:  # the pool serves its members' lists together
            self.pool.fill()
            return
        if self.held:
            return
        waiting = self.list
        while waiting.n:
            if self.cohorts is None:
                head = waiting.head()
                if self.room_for((head.customer.attrs,)) >= 1:
                    self.admit(waiting.pop())
                    continue
                turn = self._reserved_turn(self.reserved) if self.reserved is not None else None
                if turn is None:
                    return
                self.admit(turn)
                continue
            n = int(min(self.cohorts.class_size, waiting.n))
            k = int(self.room_for([t.customer.attrs for t in islice(waiting.waiting(), n)]))
            if k < self.cohorts.min_size:
                return
            for _ in range(k):
                self.admit(waiting.pop())

    def _reserved_turn(self, r: Reserved) -> Ticket | None:
        """The first on the list of a group that holds fewer places than reserved for it (in `r`, the programme's
        reserved places), if they may enter."""
        for t in self.list.waiting():
            if any(r.inside[i] < r.held[i] for i in t.groups):
                return t if self.admits(t.customer.attrs) else None
        return None

    def admit(self, ticket: Ticket) -> None:
        """A ticket's turn (from the front of the list, or a reserved place's turn further back)."""
        self.list.n -= 1
        if self.reserved is not None:
            self.reserved.left(ticket.groups)
        self.enter(ticket.customer.attrs)
        ticket.admitted = True
        if not ticket.event.triggered:  # else the customer's timer woke them this instant
            ticket.event.succeed()

    def enter(self, attrs: tuple[int, ...] | None = None) -> None:
        """One entry: each gate counts it (a place, the year's quota, the budget's commitment, ...)."""
        for gate in self.gates:
            gate.take(attrs)
