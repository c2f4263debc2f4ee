"""Where a route option or a hazard sends a customer: a parsed `to` string."""

from __future__ import annotations

from typing import NamedTuple

from .. import states


class Target(NamedTuple):
    kind: str  # case_management | no_contact | programme | exit | entry
    name: str = ""  # programme name or exit kind

    @property
    def label(self) -> str:
        label = _LABELS.get(self)
        if label is None:
            label = _LABELS[self] = f"{self.kind}:{self.name}" if self.name else self.kind
        return label


_LABELS: dict[Target, str] = {}  # labels made once: they are written for every spell


def parse_target(to: str) -> Target:
    kind, _, name = to.partition(":")
    return Target(kind, name)


CASE_MANAGEMENT = Target(states.CASE_MANAGEMENT)
NO_CONTACT = Target(states.NO_CONTACT)
ENTRY = Target(states.ENTRY)
EMPLOYED_TARGET = Target(states.EMPLOYED)
ENTRY_TARGET = ENTRY
EARNINGS = Target(states.EXIT, "earnings")  # out of benefit: a member's job covers the household's need
