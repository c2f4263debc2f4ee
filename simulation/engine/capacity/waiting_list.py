"""One waiting list, for a programme or for a pool: first come, first served within priority groups.

Priority groups are served in the order given, everyone else last. Someone who leaves the list
is marked and skipped when reached (lazy removal), so leaving costs nothing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING

import simpy

from ..conditions import Compiled, holds
from ..simpy_compat import unhook

if TYPE_CHECKING:
    from ..customer import Customer
    from ..programme import Programme


class Ticket:
    """A customer's place on a waiting list; `event` succeeds when they are admitted.

    `programme` is the programme referred to, and once admitted the one that admitted them (another
    member of a pool with a shared list, possibly); `seq` numbers the tickets of a pool in joining order;
    `groups` the reserved-place groups the customer belongs to (reserved.py).
    """

    __slots__ = ("customer", "event", "admitted", "cancelled", "programme", "seq", "groups")

    def __init__(self, customer: Customer, event: simpy.Event, programme: Programme) -> None:
        self.customer = customer
        self.event = event
        self.admitted = False
        self.cancelled = False
        self.programme = programme
        self.seq = 0
        self.groups: tuple[int, ...] = ()


class WaitingList:
    __slots__ = ("priority", "queues", "n")

    def __init__(self, priority: list[Compiled]) -> None:
        self.priority = priority  # compiled conditions, one per priority group
        self.queues: list[deque[Ticket]] = [deque() for _ in range(len(priority) + 1)]
        self.n = 0  # tickets still waiting

    def add(self, ticket: Ticket) -> None:
        level = len(self.priority)
        for i, cond in enumerate(self.priority):
            if holds(cond, ticket.customer.attrs):
                level = i
                break
        self.queues[level].append(ticket)
        self.n += 1

    def cancel(self, ticket: Ticket) -> bool:
        """The customer leaves the list; False if they had left it already or were admitted."""
        if ticket.cancelled or ticket.admitted:
            return False
        ticket.cancelled = True
        self.n -= 1
        return True

    def head(self) -> Ticket:
        """The ticket `pop` would return next (those who left, at the front, are dropped)."""
        for q in self.queues:
            while q:
                if not (q[0].cancelled or q[0].admitted):
                    return q[0]
                q.popleft()
        raise AssertionError("the count of the waiting list is out of step with its queues")

    def pop(self) -> Ticket:
        for q in self.queues:
            while q:
                t = q.popleft()
                if not (t.cancelled or t.admitted):
                    return t
        raise AssertionError("the count of the waiting list is out of step with its queues")

    def waiting(self) -> Iterator[Ticket]:
        """The tickets still waiting, in the order they are served (those who left the front of a group are
        dropped for good, as `pop` would, so a list held back by its budget is not scanned again and again)."""
        for q in self.queues:
            while q and (q[0].cancelled or q[0].admitted):
                q.popleft()
            for t in q:
                if not (t.cancelled or t.admitted):
                    yield t

    def clear(self) -> None:
        """Unhook every ticket's event (the run is over: reference cycles broken)."""
        for q in self.queues:
            for ticket in q:
                if ticket.event is not None:
                    unhook(ticket.event)
            q.clear()
