"""The synthetic population: who is there on day one, and who arrives when.

Customers are named by their origin and their number within it ("initial", 17; "inflow",
230; "wave:ukraine", 5), and that name alone fixes their random streams, so a customer
keeps their attributes and draws in every scenario run with the same seed.
"""

from __future__ import annotations

import bisect
import functools
from array import array
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple, cast

import numpy as np

from .clock import DAYS_PER_MONTH, Clock, add_months
from .conditions import Attributes
from .distributions import build
from .portable_math import exponential, exponential_array
from .random_streams import (
    Decisions,
    FirstDraws,
    Streams,
    entity_key,
    entity_keys,
    first_uniforms,
    name_key,
    successive,
)
from .timeline import Timeline

if TYPE_CHECKING:
    import numpy.typing as npt

    from ..scenario import schema
    from .distributions import Distribution

BATCH = 4096  # customers created together (their first random numbers drawn at once)
ARRIVAL_KEY = name_key("arrival")  # the stream of an inflow source's arrival times


class Newcomer(NamedTuple):
    rng: Streams  # the customer's random streams
    attrs: tuple[int, ...]  # one level code per attribute
    days: float  # days in benefit receipt before the simulation starts
    thresholds: array[float]  # per hazard (in hazard order): the Exp(1) threshold of its clock


class Draw:
    """A categorical draw by inversion: names with cumulative shares."""

    def __init__(self, shares: dict[str, float]) -> None:
        items = [(k, v) for k, v in shares.items() if v > 0]
        self.names = [k for k, _ in items]
        self.cum, acc = [], 0.0
        for _, v in items:
            acc += v
            self.cum.append(acc)
        self.cum[-1] = 1.0

    def pick(self, u: float) -> int:
        return min(bisect.bisect_right(self.cum, u), len(self.names) - 1)

    def picks(self, u: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
        """pick() for an array of uniform numbers."""
        return np.minimum(np.searchsorted(np.asarray(self.cum), u, side="right"), len(self.names) - 1)

    def __call__(self, u: float) -> str:
        return self.names[self.pick(u)]


class SegmentSampler:
    def __init__(
        self, segment: schema.Segment, common: dict[str, schema.Mix], attributes: Attributes, decisions: Decisions
    ) -> None:
        self.attr_draws: list[tuple[int, Draw, list[int]]] = []
        for attr in attributes.names:
            # (cast: checks.py ensures a mix of every attribute, the segment's own or the common one)
            mix = cast("schema.Mix", segment.attributes.get(attr, common.get(attr)))
            draw = Draw({mix: 1.0} if isinstance(mix, str) else mix)
            codes = [attributes.code(attr, n) for n in draw.names]
            self.attr_draws.append((decisions("attribute:" + attr), draw, codes))
        self.months: Distribution | None = build(segment.months_in_benefit) if segment.months_in_benefit else None
        # the streams a newcomer of this segment has drawn from once it exists
        self.segment_draw, self.months_draw = decisions("segment"), decisions("months_in_benefit")
        self.born = (
            (self.segment_draw,)
            + tuple(d for d, _, codes in self.attr_draws if len(codes) > 1)
            + ((self.months_draw,) if self.months else ())
        )

    def attribute_codes(
        self, u: npt.NDArray[np.float64], column: dict[int, int], rows: npt.NDArray[np.intp], out: npt.NDArray[np.int64]
    ) -> None:
        """attributes() for the given rows of a batch, from their first numbers u[:, column[decision]], into out[rows]."""
        for a, (key, draw, codes) in enumerate(self.attr_draws):
            if len(codes) > 1:
                out[rows, a] = np.asarray(codes)[draw.picks(u[rows, column[key]])]
            else:
                out[rows, a] = codes[0]

    def attributes(self, rng: Streams) -> list[int]:
        out = []
        for key, draw, codes in self.attr_draws:
            out.append(codes[draw.pick(rng.uniform(key))] if len(codes) > 1 else codes[0])
        return out

    def days_in_benefit(self, rng: Streams) -> float:
        return self.months.sample(rng.uniform(self.months_draw)) if self.months else 0.0


class Population:
    def __init__(
        self,
        pop: schema.Population,
        attributes: Attributes,
        clock: Clock,
        root: int,
        decisions: Decisions,
        hazard_draws: tuple[int, ...] = (),
        batched: bool = True,
    ) -> None:
        self.spec, self.clock, self.root, self.decisions = pop, clock, root, decisions
        self.batched = batched  # False: every customer made by `newcomer`, the reference path
        self.segments = {n: SegmentSampler(seg, pop.common, attributes, decisions) for n, seg in pop.segments.items()}
        self.segment_draw = decisions("segment")
        self.months_draw = decisions("months_in_benefit")
        self.n_attributes = len(attributes.names)
        self.hazard_draws = tuple(hazard_draws)  # each hazard's decision: its first threshold is drawn at birth

    def cohort(self, origin: str, count: int, shares: Draw, start: int = 0) -> Iterator[Newcomer]:
        """newcomer(origin, i, shares) for i = start .. start+count-1, the same customers, made in batches."""
        if not self.batched:
            yield from (self.newcomer(origin, i, shares) for i in range(start, start + count))
            return
        segments = [self.segments[n] for n in shares.names]
        born = [self.decisions.counters(s.born + self.hazard_draws) for s in segments]
        columns = sorted({d for s in segments for d in s.born} | {self.months_draw})
        column = {d: j for j, d in enumerate(columns)}
        keys_of = [self.decisions.keys[d] for d in columns + list(self.hazard_draws)]
        # first numbers of the decisions drawn later (durations, routes, ...), kept with the customers:
        # those numbered before any drawn at birth (the model numbers them first)
        later = min(columns + list(self.hazard_draws), default=len(self.decisions))
        n_hazards = len(self.hazard_draws)
        new = functools.partial(tuple.__new__, Newcomer)  # a Newcomer from a tuple, without a Python-level call
        for lo in range(start, start + count, BATCH):
            n = min(BATCH, start + count - lo)
            keys = entity_keys(self.root, origin, lo, n)
            u = first_uniforms(keys, keys_of)  # each customer's first number of every decision used at birth
            seg = shares.picks(u[:, column[self.segment_draw]])
            codes = np.empty((n, self.n_attributes), dtype=np.int64)
            for s, sampler in enumerate(segments):
                sampler.attribute_codes(u, column, np.flatnonzero(seg == s), codes)
            months = u[:, column[self.months_draw]].tolist()
            thresholds = array("d")
            thresholds.frombytes(np.ascontiguousarray(exponential_array(u[:, len(columns) :])).tobytes())
            first = FirstDraws(keys, self.decisions, later) if later else None
            for i, (key, s, attrs) in enumerate(zip(keys.tolist(), seg.tolist(), map(tuple, codes.tolist()))):
                sampler = segments[s]
                days = sampler.months.sample(months[i]) if sampler.months else 0.0
                yield new(
                    (
                        Streams(key, self.decisions, array("B", born[s]), first, i),
                        attrs,
                        days,
                        thresholds[i * n_hazards : (i + 1) * n_hazards],
                    )
                )

    def newcomer(self, origin: str, index: int, shares: Draw) -> Newcomer:
        """The index-th customer of an origin, drawing one number at a time (the reference for `cohort`)."""
        rng = Streams(entity_key(self.root, origin, index), self.decisions)
        seg = self.segments[shares(rng.uniform(self.segment_draw))]
        attrs, days = tuple(seg.attributes(rng)), seg.days_in_benefit(rng)
        return Newcomer(rng, attrs, days, array("d", [exponential(rng.uniform(d)) for d in self.hazard_draws]))

    def inflow_sources(self) -> list[tuple[str, Draw, list[tuple[float, float, float]]]]:
        """Each inflow source with its segment draw and (from day, to day, rate per day) pieces.

        A rate per month is a constant rate per day (per_month / 30.44), times the calendar
        month's factor if `monthly_factors` is given: a Poisson process, whatever the month length.
        """
        out = []
        edges = self.clock.month_edges()
        first = self.clock.first_month
        inflow = self.spec.inflow
        line = Timeline.of(inflow.per_month, self.clock) if inflow is not None else None
        if line is not None and max(line.values) > 0:
            inflow = cast("schema.Inflow", inflow)  # (a line: an inflow)
            pieces = []
            for m in range(len(edges) - 1):
                month = add_months(first, m).month
                factor = inflow.monthly_factors[month - 1] if inflow.monthly_factors else 1.0
                cuts = [edges[m]] + line.breaks(edges[m], edges[m + 1]) + [edges[m + 1]]  # steps within the month
                for a, b in zip(cuts, cuts[1:]):
                    pieces.append((a, b, line.at(a) * factor / DAYS_PER_MONTH))
            out.append(("inflow", Draw(inflow.segments), pieces))
        for name, wave in self.spec.waves.items():
            pieces = []
            for m in range(len(edges) - 1):
                a, b = max(edges[m], self.clock.day(wave.start)), min(edges[m + 1], self.clock.day(wave.end))
                if b > a:
                    pieces.append((a, b, wave.per_month / DAYS_PER_MONTH))
            out.append((f"wave:{name}", Draw(wave.segments), pieces))
        return out

    def arrival_times(self, origin: str, pieces: list[tuple[float, float, float]]) -> Iterator[float]:
        """Arrival days of a Poisson process with piecewise-constant rate, from the origin's stream."""
        u = successive(entity_key(self.root, origin, -1), ARRIVAL_KEY)
        need = exponential(next(u))
        for a, b, rate in pieces:
            t = a
            if rate <= 0:
                continue
            while t + need / rate < b:
                t += need / rate
                yield t
                need = exponential(next(u))
            need -= rate * (b - t)
