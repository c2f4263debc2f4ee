"""Reserved places: of a programme's places, some that only a group may take while any of its members waits.

`reserved = [{ when = { age_group = "u25" }, places = 20 }]`: while someone of the group is on
the list, others may take a place only if enough free places are left for the group's
reservation not yet used (20 less the group's members taking part). With nobody of the group
waiting, anyone may take any place; a group member always may take any free place. A freed
place therefore goes to the first group member on the list while the group holds fewer than
its reserved places, else to the head of the list.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..conditions import Compiled, holds
from .gate import Attrs
from .places import Places


class Reserved:
    __slots__ = ("places", "groups", "held", "inside", "waiting", "line")

    def __init__(self, places: Places, groups: list[tuple[Compiled, int]]) -> None:
        self.places = places  # the programme's places, of which some are reserved
        self.groups = [cond for cond, _ in groups]  # compiled conditions
        self.held = [n for _, n in groups]  # places reserved for each group
        self.inside = [0] * len(groups)  # each group's members taking part
        self.waiting = [0] * len(groups)  # each group's members on the list
        self.line = None

    def groups_of(self, attrs: Attrs | None) -> tuple[int, ...]:
        if attrs is None:
            return tuple(range(len(self.groups)))
        return tuple(i for i, cond in enumerate(self.groups) if holds(cond, attrs))

    def kept_back(self, attrs: Attrs | None) -> float:
        """Free places this entrant may not take: the unused reservations of the groups, with someone waiting,
        that the entrant is not in."""
        mine = self.groups_of(attrs)
        return sum(
            max(n - inside, 0)
            for i, (n, inside, waiting) in enumerate(zip(self.held, self.inside, self.waiting))
            if waiting and i not in mine
        )

    def room(self, attrs: Attrs | None) -> float:
        return self.places.value - self.places.used - self.kept_back(attrs)

    def room_for(self, entrants: Sequence[Attrs]) -> float:
        """One entrant at a time (reserved places are not combined with cohorts: refused by validation)."""
        if len(entrants) != 1:
            raise NotImplementedError("reserved places admit one entrant at a time")
        return min(1, self.room(entrants[0]))

    def take(self, attrs: Attrs | None) -> None:
        for i in self.groups_of(attrs):
            self.inside[i] += 1

    def give_back(self, attrs: Attrs | None) -> None:
        for i in self.groups_of(attrs):
            self.inside[i] -= 1

    def joined(self, groups: tuple[int, ...]) -> None:
        for i in groups:
            self.waiting[i] += 1

    def left(self, groups: tuple[int, ...]) -> None:
        """Off the list: admitted or gone."""
        for i in groups:
            self.waiting[i] -= 1

    def set(self, value: float, t: float, new_year: bool) -> None:
        pass

    def new_year(self, t: float) -> None:
        pass
