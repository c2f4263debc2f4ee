"""A programme's duration by condition: the first rule whose `when` holds for the entrant gives it.

A programme's `duration` is one distribution for everyone, or a list of rules, each a
condition on the attributes (the last one without) and a distribution. The rules are
compiled once per run; a draw stays one uniform number of the programme's `duration:<name>`
stream, mapped by the chosen rule's distribution, so common random numbers hold across
scenarios that change the rules. A programme with one distribution (or rules that all give
the same one) keeps its plain Distribution and pays nothing for the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np

from .clock import DAYS_PER_MONTH
from .conditions import Attributes, Compiled, holds
from .distributions import Distribution, build

if TYPE_CHECKING:
    import numpy.typing as npt
    from typing_extensions import TypeIs

    from ..scenario.schema import Duration, DurationRule

    def is_rules(duration: object) -> TypeIs[list[DurationRule]]:
        """schema.is_rules as the type checker sees it: a programme's duration given as rules by condition
        (a list) rather than one distribution (schema.ProgrammeDuration)."""
        ...
else:
    from ..scenario.schema import is_rules

T = TypeVar("T")
U = TypeVar("U")


class ByCondition(Generic[T]):
    """Values chosen by the first rule whose compiled condition holds (the last rule holds for everyone)."""

    __slots__ = ("rules",)

    def __init__(self, rules: tuple[tuple[Compiled, T], ...]) -> None:
        self.rules = rules

    def of(self, attrs: tuple[int, ...]) -> T:
        for cond, value in self.rules:
            if holds(cond, attrs):
                return value
        return self.rules[-1][1]

    def map(self, f: Callable[[T], U]) -> "ByCondition[U]":
        """The same conditions with each rule's value passed through f."""
        return ByCondition(tuple((cond, f(value)) for cond, value in self.rules))

    @property
    def values(self) -> list[T]:
        return [value for _, value in self.rules]


def build_duration(
    spec: Duration | list[DurationRule], attributes: Attributes
) -> tuple[Distribution | None, ByCondition[Distribution] | None]:
    """A programme's duration: (the Distribution, None), or (None, the rules) when it depends on attributes."""
    if not is_rules(spec):
        return build(spec), None
    if all(rule.duration == spec[0].duration for rule in spec):  # one distribution whoever enters
        return build(spec[0].duration), None
    return None, ByCondition(tuple((attributes.compile(rule.when), build(rule.duration)) for rule in spec))


def rule_index(
    spec: Sequence[DurationRule], attributes: Attributes, codes: Mapping[str, npt.NDArray[np.integer[Any]]]
) -> npt.NDArray[np.int64]:
    """For rows of attribute level codes (attribute name -> codes), the number of the rule that applies to each."""
    n = len(next(iter(codes.values()))) if codes else 0
    out = np.full(n, len(spec) - 1, dtype=np.int64)
    undecided = np.ones(n, dtype=bool)
    for i, rule in enumerate(spec[:-1]):
        hold = undecided.copy()
        for a, allowed in attributes.compile(rule.when):
            hold &= np.isin(codes[attributes.names[a]], sorted(allowed))
        out[hold] = i
        undecided &= ~hold
    return out


def mean_months_by_rule(spec: Duration | list[DurationRule]) -> list[float]:
    """The mean of each rule's distribution in months (one entry for a plain duration)."""
    specs = [rule.duration for rule in spec] if is_rules(spec) else [spec]
    return [build(d).mean / DAYS_PER_MONTH for d in specs]
