"""A yearly entry quota: entries counted per calendar year, afresh on 1 January."""

from __future__ import annotations

from .gate import Counted


class Quota(Counted):
    """`entries_per_year` of a programme (a number, or steps over calendar time); `used` = entries this year."""

    __slots__ = ()

    def new_year(self, t: float) -> None:
        self.used = 0
