"""Routes: what happens after a programme ends (or when a customer enters benefit receipt).

A route is a list of rules; the first rule whose condition the customer meets applies, and
one of its options is drawn with its probability from the customer's stream for that route.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, NamedTuple

from .conditions import Attributes, Compiled, holds
from .distributions import Distribution, build
from .random_streams import Decisions, Streams
from .targets import Target, parse_target

if TYPE_CHECKING:
    from ..scenario.schema import RouteRule


class Outcome(NamedTuple):
    target: Target
    gap: Distribution | None
    set: tuple[tuple[int, int], ...]


class Route:
    def __init__(self, name: str, rules: list[RouteRule], attributes: Attributes, decisions: Decisions) -> None:
        self.key = decisions("route:" + name)
        self.gap_key = decisions("gap:" + name)
        self.rules: list[tuple[Compiled, list[float], list[Outcome], int]] = []
        for rule in rules:
            cum, acc, outcomes = [], 0.0, []
            for o in rule.options:
                acc += o.probability
                cum.append(acc)
                outcomes.append(
                    Outcome(parse_target(o.to), build(o.gap) if o.gap else None, attributes.assignments(o.set))
                )
            cum[-1] = 1.0
            self.rules.append((attributes.compile(rule.when), cum, outcomes, len(outcomes) - 1))

    def choose(self, attrs: tuple[int, ...], rng: Streams) -> Outcome:
        u = rng.uniform(self.key)
        for cond, cum, outcomes, last in self.rules:
            if not cond or holds(cond, attrs):
                return outcomes[min(bisect.bisect_right(cum, u), last)]
        raise AssertionError("the last rule of a route has no condition")  # ensured by checks


def build_routes(routes: dict[str, list[RouteRule]], attributes: Attributes, decisions: Decisions) -> dict[str, Route]:
    return {name: Route(name, rules, attributes, decisions) for name, rules in routes.items()}
