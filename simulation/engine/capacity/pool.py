"""Places shared by several programmes, and one waiting list for several programmes.

A pool caps the places its member programmes use together (`places`, over calendar time like
a programme's places); each member keeps its own places, quota and budget, and admits someone
only if all of them and the pool's places allow. The pool's occupancy is the sum of its
members' places in use, day-one participants included; a step below it sends nobody away.

With `waiting_list = "each"` every member keeps its own list (and priority groups). When pool
places free, the members that can admit are served by who has waited longest: the member
whose next ticket joined earliest (tickets carry the pool's joining number, `Ticket.seq`).

With `waiting_list = "shared"` a referral to any member joins the pool's one list (first come,
first served within the pool's priority groups). Each waiting customer, in list order, is
admitted to the first member that can admit and that they are eligible for: the programme
they were referred to, then the others in the order the pool lists them. `Ticket.programme`
says which member admitted them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..conditions import Attributes, holds
from ..timeline import Timeline, is_steps
from .gate import Attrs
from .waiting_list import Ticket, WaitingList

if TYPE_CHECKING:
    import simpy

    from ...scenario import schema
    from ..clock import Clock
    from ..programme import Programme

INF = math.inf


class PoolPlaces:
    """A member programme's gate on its pool's places: room while the members together use fewer than the
    pool's places."""

    __slots__ = ("pool", "line")

    def __init__(self, pool: "Pool") -> None:
        self.pool, self.line = pool, None  # the pool's plan is the pool's own (plan.py steps it once)

    def room(self, attrs: Attrs | None) -> float:
        return self.pool.places - self.pool.in_use

    def room_for(self, entrants: Sequence[Attrs]) -> float:
        return min(len(entrants), self.pool.places - self.pool.in_use)

    def take(self, attrs: Attrs | None) -> None:
        self.pool.in_use += 1

    def give_back(self, attrs: Attrs | None) -> None:
        self.pool.in_use -= 1

    def set(self, value: float, t: float, new_year: bool) -> None:
        pass

    def new_year(self, t: float) -> None:
        pass


class Pool:
    def __init__(
        self, name: str, spec: schema.Pool, members: list[Programme], attributes: Attributes, clock: Clock
    ) -> None:
        self.name = name
        self.members = members
        self.line = None if spec.places is None else Timeline.of(spec.places, clock)
        self.places: float = INF if self.line is None else self.line.at(0.0)
        if spec.places is not None and not is_steps(spec.places):
            self.places = spec.places
        self.shared = spec.waiting_list == "shared"
        self.in_use = 0  # places the members use together
        self.seq = itertools.count()  # joining order across the members' lists
        self.list = WaitingList([attributes.compile(g.when) for g in spec.priority])  # shared list only
        # for each member referred to: the members to try, that one first, then the others in the listed order
        self.order = {m: [m] + [o for o in members if o is not m] for m in members}
        for m in members:
            m.join_pool(self)

    def set(self, value: float, t: float, new_year: bool) -> None:
        """A step of the pool's places (plan.py)."""
        self.places = value

    def new_year(self, t: float) -> None:
        pass

    @property
    def n_waiting(self) -> int:
        return self.list.n

    # --- the shared list ---------------------------------------------------------------

    def enter_now(self, referred: Programme, attrs: tuple[int, ...]) -> Programme | None:
        """A newcomer referred to `referred`: the first member of its order with a place free now, or None."""
        if self.in_use >= self.places:
            return None
        for m in self.order[referred]:
            if (m is referred or holds(m.eligible, attrs)) and m.can_admit(attrs):
                m.enter(attrs)
                return m
        return None

    def join(self, ticket: Ticket) -> None:
        ticket.seq = next(self.seq)
        self.list.add(ticket)
        self.fill()

    def cancel(self, ticket: Ticket) -> None:
        self.list.cancel(ticket)

    # --- admissions --------------------------------------------------------------------

    def fill(self, _event: simpy.Event | None = None) -> None:
        """Admit waiting customers while the pool's and the members' places (quotas, budgets) allow."""
        if self.shared:
            self._fill_shared()
            return
        while self.in_use < self.places:
            best: Programme | None
            best, first = None, INF
            for m in self.members:
                if m.list.n:
                    t = m.list.head()
                    if t.seq < first and m.can_admit(t.customer.attrs):
                        best, first = m, t.seq
            if best is None:
                return
            best.admit(best.list.pop())

    def _fill_shared(self) -> None:
        """Each waiting customer in list order goes to the first member of their order that can admit
        them. Someone passed over stays passed over in this round: places only get fewer as it goes."""
        if not self.list.n or not self._any_can_admit():
            return
        for q in self.list.queues:
            passed: list[Ticket] = []
            while q:
                t = q.popleft()
                if t.cancelled or t.admitted:
                    continue
                attrs = t.customer.attrs
                for m in self.order[t.programme]:
                    if (m is t.programme or holds(m.eligible, attrs)) and m.can_admit(attrs):
                        self._admit(t, m)
                        break
                else:
                    passed.append(t)
                    continue
                if not self.list.n or not self._any_can_admit():
                    q.extendleft(reversed(passed))
                    return
            q.extendleft(reversed(passed))

    def _any_can_admit(self) -> bool:
        if self.in_use >= self.places:
            return False
        for m in self.members:
            if m.can_admit():
                return True
        return False

    def _admit(self, ticket: Ticket, member: Programme) -> None:
        self.list.n -= 1
        member.enter(ticket.customer.attrs)
        ticket.programme = member
        ticket.admitted = True
        if not ticket.event.triggered:  # else the customer's timer woke them this instant
            ticket.event.succeed()

    def clear(self) -> None:
        self.list.clear()
