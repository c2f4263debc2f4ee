"""Where a programme's capacity lives: its places, yearly entry quota, cohorts and waiting list."""

from __future__ import annotations

import math
from collections import deque
from itertools import islice

import simpy

from .conditions import Attributes, holds
from .distributions import build
from .durations import build_duration
from .random_streams import Decisions
from .targets import parse_target
from .timeline import Timeline
from ..scenario.schema import is_steps

INF = math.inf


class Ticket:
    """A customer's place on a waiting list; `event` succeeds when they are admitted.

    `programme` is the programme referred to, and once admitted the one that admitted them (another
    member of a pool with a shared list, possibly); `seq` numbers the tickets of a pool in joining order.
    """

    __slots__ = ("customer", "event", "admitted", "cancelled", "programme", "seq")

    def __init__(self, customer, event: simpy.Event, programme: "Programme") -> None:
        self.customer = customer
        self.event = event
        self.admitted = False
        self.cancelled = False
        self.programme = programme
        self.seq = 0


class Programme:
    # Set on an instance only where used, so a programme with one distribution keeps as many instance
    # attributes as before: CPython shares the keys of instance dicts (and specialises attribute access
    # on them) for at most 30 attributes, and every attribute more costs all of them.
    duration_rules = None       # with durations by condition: the rules (duration is then None)
    commits = None              # with durations by condition and a budget: what an entry commits, by entrant
    pool = None                 # the Pool whose places (and perhaps waiting list) this programme shares

    def __init__(self, env: simpy.Environment, name: str, spec, attributes: Attributes, decisions: Decisions,
                 clock=None) -> None:
        self.env, self.name, self.spec = env, name, spec
        # places and quota over calendar time: the value on day one here, later steps by Model._plan_day
        self.places_line = None if spec.places is None else Timeline.of(spec.places, clock)
        self.quota_line = None if spec.entries_per_year is None else Timeline.of(spec.entries_per_year, clock)
        self.places = INF if self.places_line is None else self.places_line.at(0.0)
        self.quota = INF if self.quota_line is None else self.quota_line.at(0.0)
        if spec.places is not None and not is_steps(spec.places):
            self.places = spec.places        # the number as given (an int), as before schedules existed
        if spec.entries_per_year is not None and not is_steps(spec.entries_per_year):
            self.quota = spec.entries_per_year
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
        self.priority = [attributes.compile(g.when) for g in spec.waiting_list.priority]
        self.queues: list[deque[Ticket]] = [deque() for _ in range(len(self.priority) + 1)]
        self.cohorts = spec.cohorts
        self.scheduled = spec.cohorts is not None and (spec.cohorts.start_every is not None or bool(spec.cohorts.dates))
        self.alongside = [(other, a.probability, attributes.compile(a.when), a.during,
                           decisions(f"alongside:{name}:{other}")) for other, a in spec.alongside.items()]
        self.immediate = spec.cohorts is None    # admissions one by one, whenever a place is free
        self.in_programme, self.on_list = "programme:" + name, "waiting:" + name   # hazard state names
        self.in_use = 0
        self.n_waiting = 0
        self.entries_this_year = 0
        self.held = False           # admissions wait while the day-one stock is set up
        self.budget = None          # the Budget this programme's entries are paid from, if any
        self.commit = 0.0           # what an entry commits from it: cost per month x mean duration
        self.divert = None          # where referrals go while the budget cannot pay an entry (None: they wait)

    @property
    def label(self) -> str:
        """The programme as a target is spelt in next_state."""
        return self.in_programme

    # --- customers' side ---------------------------------------------------------------

    def is_eligible(self, attrs: tuple[int, ...]) -> bool:
        return holds(self.eligible, attrs)

    def commit_of(self, attrs: tuple[int, ...] | None) -> float:
        """What this entrant's entry commits from the budget: the mean of the duration rule that applies
        (attrs None: the least any entrant commits, for a check whether anyone at all could enter)."""
        if self.commits is None:
            return self.commit
        return self.commits.of(attrs) if attrs is not None else min(self.commits.values)

    def enter_now(self, attrs: tuple[int, ...]) -> "Programme | None":
        """Take a free place at once if one is there for a newcomer to the list (nobody waiting):
        the programme that admits them (with a pool's shared list, perhaps another member), or None."""
        if self.pool is not None:
            if self.pool.shared:
                return self.pool.enter_now(self, attrs)
            if not self.pool.room():
                return None
        if self.immediate and not self.held and not self.n_waiting \
                and self.in_use < self.places and self.entries_this_year < self.quota \
                and (self.budget is None or self.budget.allows(self.commit_of(attrs))):
            self._enter(attrs)
            return self
        return None

    def can_admit(self, attrs: tuple[int, ...] | None = None) -> bool:
        """Whether one more entry (of someone with these attributes) fits now: places, quota, budget and
        the pool's places."""
        return not self.held and self.in_use < self.places and self.entries_this_year < self.quota \
            and (self.budget is None or self.budget.allows(self.commit_of(attrs))) \
            and (self.pool is None or self.pool.in_use < self.pool.places)

    def join(self, customer) -> Ticket:
        """Join the waiting list; admitted at once (ticket.admitted) if a place is free."""
        ticket = Ticket(customer, self.env.event(), self)
        if self.pool is not None and self.pool.shared:
            self.pool.join(ticket)
            return ticket
        level = len(self.priority)
        for i, cond in enumerate(self.priority):
            if holds(cond, customer.attrs):
                level = i
                break
        self.queues[level].append(ticket)
        self.n_waiting += 1
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
        elif not ticket.cancelled and not ticket.admitted:
            ticket.cancelled = True
            self.n_waiting -= 1

    def occupy(self) -> None:
        """A seat for a participant already in the programme on day one (taken before the run starts)."""
        self.in_use += 1
        if self.pool is not None:
            self.pool.in_use += 1

    def take_free_place(self, attrs: tuple[int, ...] | None = None) -> bool:
        """A place for someone joining alongside another programme: only a free one, never ahead of the list
        (for a member of a pool: a free pool place too, and with a shared list nobody on it)."""
        if self.n_waiting or self.in_use >= self.places or self.entries_this_year >= self.quota \
                or (self.budget is not None and not self.budget.allows(self.commit_of(attrs))):
            return False
        if self.pool is not None and (not self.pool.room() or self.pool.n_waiting):
            return False
        self._enter(attrs)
        return True

    def release(self) -> None:
        self.in_use -= 1
        if self.pool is not None:
            self.pool.release()
        elif self.n_waiting and not self.scheduled:
            self.fill()

    # --- the programme's side ----------------------------------------------------------

    def new_year(self, _event=None) -> None:
        self.entries_this_year = 0
        if not self.scheduled:
            self.fill()

    def diverted(self, attrs: tuple[int, ...] | None = None) -> bool:
        """Whether this referral goes elsewhere now: the budget cannot pay its entry."""
        return not self.budget.allows(self.commit_of(attrs))

    def fill(self, _event=None) -> None:
        """Admit waiting customers while places and quota allow (a whole class for cohorts)."""
        if self.pool is not None:      # the pool serves its members' lists together
            self.pool.fill()
            return
        if self.held:
            return
        while self.n_waiting:
            free = min(self.places - self.in_use, self.quota - self.entries_this_year)
            if self.budget is not None:
                if self.commits is None:
                    free = min(free, self.budget.entries(self.commit))
                elif free >= 1:          # commitments by entrant: those at the head of the list, in order
                    free = self._affordable(1 if self.cohorts is None else min(self.cohorts.class_size, free))
            if free < 1:
                return
            if self.cohorts is None:
                self._admit(self._pop())
                continue
            k = int(min(self.cohorts.class_size, self.n_waiting, free))
            if k < self.cohorts.min_size:
                return
            for _ in range(k):
                self._admit(self._pop())

    def _head(self) -> Ticket:
        """The ticket `_pop` would return next (cancelled ones at the front are dropped)."""
        for q in self.queues:
            while q:
                if not q[0].cancelled:
                    return q[0]
                q.popleft()
        raise AssertionError("n_waiting out of step with the queues")

    def _affordable(self, n: float) -> int:
        """How many of the first n on the list the budget can pay, each entrant's commitment in turn (the
        first who does not fit stops the count: nobody behind them is admitted ahead of them)."""
        return self.budget.affordable(self.commits.of(t.customer.attrs) for t in islice(self._waiting(), int(n)))

    def _waiting(self):
        """The tickets still waiting, in the order they are served (those who left the head are dropped
        for good, as `_pop` would, so a list blocked by its budget is not scanned again and again)."""
        for q in self.queues:
            while q and q[0].cancelled:
                q.popleft()
            for t in q:
                if not t.cancelled:
                    yield t

    def _pop(self) -> Ticket:
        for q in self.queues:
            while q:
                t = q.popleft()
                if not t.cancelled:
                    return t
        raise AssertionError("n_waiting out of step with the queues")

    def _admit(self, ticket: Ticket) -> None:
        self.n_waiting -= 1
        self._enter(ticket.customer.attrs)
        ticket.admitted = True
        if not ticket.event.triggered:   # else the customer's timer woke them this instant
            ticket.event.succeed()

    def _enter(self, attrs: tuple[int, ...] | None = None) -> None:
        """One entry: a place taken, counted against the year's quota (and its commitment, the budget's)."""
        self.in_use += 1
        self.entries_this_year += 1
        if self.budget is not None:
            self.budget.spend(self.commit_of(attrs))
        if self.pool is not None:
            self.pool.in_use += 1
