"""The declarative condition vocabulary: attribute in a set, or within a range of ordered levels.

A condition compiles to a tuple of (attribute index, allowed level codes); a customer meets
it when each of its attributes has an allowed code. Nothing is ever evaluated as code.
"""

from __future__ import annotations

from ..scenario.schema import Condition

Compiled = tuple[tuple[int, frozenset[int]], ...]


class Attributes:
    """The scenario's declared attributes; customers hold one level code per attribute."""

    def __init__(self, declared: dict[str, list[str]]) -> None:
        self.names = list(declared)
        self.levels = [list(v) for v in declared.values()]
        self.index = {n: i for i, n in enumerate(self.names)}

    def code(self, attr: str, level: str) -> int:
        return self.levels[self.index[attr]].index(level)

    def compile(self, cond: Condition | None) -> Compiled:
        tests = []
        for attr, test in (cond or {}).items():
            i, levels = self.index[attr], self.levels[self.index[attr]]
            if isinstance(test, str):
                allowed = {test}
            elif isinstance(test, list):
                allowed = set(test)
            else:
                allowed = set(test.in_) if test.in_ is not None else set(levels)
                allowed -= set(test.not_in or ())
                lo = levels.index(test.min) if test.min is not None else 0
                hi = levels.index(test.max) if test.max is not None else len(levels) - 1
                allowed &= set(levels[lo : hi + 1])
            tests.append((i, frozenset(levels.index(v) for v in allowed)))
        return tuple(tests)

    def assignments(self, assign: dict[str, str]) -> tuple[tuple[int, int], ...]:
        """Compiled `set = {attr = level}` changes: (attribute index, new code)."""
        return tuple((self.index[a], self.code(a, v)) for a, v in assign.items())


def holds(cond: Compiled, attrs: tuple[int, ...]) -> bool:
    for i, allowed in cond:
        if attrs[i] not in allowed:
            return False
    return True
