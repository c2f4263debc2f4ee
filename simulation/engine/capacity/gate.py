"""The interface every gate of a programme has: how many more may enter now, take, give back, change.

A programme admits someone while each of its gates has room for them (Programme.admits); for a
class of a course, as many of the first on the list as every gate allows (Programme.fill).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..timeline import Timeline

Attrs = tuple[int, ...]


class Gate(Protocol):
    def room(self, attrs: Attrs | None) -> float:
        """How many more entrants like this one (attrs None: the most favoured anyone) may enter now."""
        ...

    def room_for(self, entrants: Sequence[Attrs]) -> float:
        """How many of these entrants, one after another in this order, may enter now."""
        ...

    def take(self, attrs: Attrs | None) -> None:
        """One entry: this entrant takes what the gate counts."""
        ...

    def give_back(self, attrs: Attrs | None) -> None:
        """A participant who entered with these attributes leaves (a place is free again)."""
        ...

    def set(self, value: float, t: float, new_year: bool) -> None:
        """A step of the gate's value over calendar time on day t (plan.py calls it; new_year: on 1 January)."""
        ...

    def new_year(self, t: float) -> None:
        """1 January: a yearly count or amount starts afresh."""
        ...


class Counted:
    """A gate that counts entries against a value: room = value - used, for anyone alike."""

    __slots__ = ("value", "used", "line")

    def __init__(self, value: float, line: Timeline | None = None) -> None:
        self.value, self.used, self.line = value, 0, line

    def room(self, attrs: Attrs | None) -> float:
        return self.value - self.used

    def room_for(self, entrants: Sequence[Attrs]) -> float:
        return min(len(entrants), self.value - self.used)

    def take(self, attrs: Attrs | None) -> None:
        self.used += 1

    def give_back(self, attrs: Attrs | None) -> None:
        pass

    def set(self, value: float, t: float, new_year: bool) -> None:
        self.value = value

    def new_year(self, t: float) -> None:
        pass
