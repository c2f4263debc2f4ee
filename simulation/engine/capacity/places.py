"""Places at once: a seat is taken on entry and given back when the participant leaves."""

from __future__ import annotations

from .gate import Attrs, Counted


class Places(Counted):
    """`places` of a programme (a number, or steps over calendar time); `used` = seats in use."""

    __slots__ = ()

    def give_back(self, attrs: Attrs | None) -> None:
        self.used -= 1

    def occupy(self) -> None:
        """A seat for a participant already in the programme on day one."""
        self.used += 1
