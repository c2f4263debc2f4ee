"""Households (Bedarfsgemeinschaften): who lives with whom, and the need they share.

Benefit under SGB II is paid to the household. The model moves the eLb (members able to work);
the household's other members (mostly children) are counted, not moved. A household is in
benefit while any of its members is. Need ends for the household together:
- when a member takes up a job, with a probability by household type and the number of members
  then employed (`need_ends`); the earner's integration counts whatever the outcome, and if the
  need remains the earner stays in benefit, employed (topped up);
- by a household hazard (other income, a partner moving in, children's benefits): one clock per
  household, not per member.
Members who leave with the household (a job covering the need, a household hazard) come back
with it: the first to re-enter benefit brings the others. A member's own exits (pension,
moving away) are theirs alone.

Day one: the day-one eLb are grouped into households whose number, eLb and non-able members
meet the scenario's totals exactly (`population.initial.households`, `non_able`); members share
the attributes listed in `shared` as far as the stock allows (people are grouped by them). The
inflow arrives as households, members sharing the first member's `shared` attributes.
"""

from __future__ import annotations

import functools
import math
from array import array
from typing import TYPE_CHECKING, NamedTuple, cast

import numpy as np
import simpy

from ..states import EXIT
from .clock import DAYS_PER_MONTH
from .hazards import Schedule
from .population import Draw
from .portable_math import exponential
from .random_streams import Streams, entity_key, entity_keys, first_uniforms
from .targets import Target, parse_target

if TYPE_CHECKING:
    from ..scenario.schema import Counts, HouseholdHazard, HouseholdType, Initial
    from ..scenario.schema import Households as HouseholdsSpec
    from .customer import Customer
    from .random_streams import Decisions

INF = math.inf


class Signal(NamedTuple):
    """A move sent to a customer's process from outside it (SimPy's interrupt cause)."""

    name: str  # the end reason of the spell it closes
    target: Target
    set: tuple[tuple[int, int], ...] = ()
    together: bool = False  # (as a Move's: the sender moves the household)
    leaves: bool = False


def _counts(value: Counts) -> tuple[Draw, list[int]]:
    shares = {str(value): 1.0} if isinstance(value, int) else value
    draw = Draw(shares)
    return draw, [int(n) for n in draw.names]


class HouseholdHazardRule:
    """A household hazard, compiled: rate per day, bands of months in the household's benefit episode."""

    __slots__ = ("name", "rate", "schedule", "target", "key")

    def __init__(self, name: str, spec: HouseholdHazard, decisions: Decisions) -> None:
        self.name = name
        self.rate = spec.rate_per_month / DAYS_PER_MONTH
        bands = spec.by_months_in_benefit or [(0.0, 1.0)]
        self.schedule = Schedule(tuple(m * DAYS_PER_MONTH for m, _ in bands), tuple(float(k) for _, k in bands), 0.0)
        self.target = parse_target(spec.to)
        self.key = decisions("household_hazard:" + name)


class HouseholdKind:
    """A household type, compiled."""

    __slots__ = ("name", "code", "share", "elb", "elb_counts", "non_able", "non_able_counts", "need_ends", "hazards")

    def __init__(self, name: str, code: int, spec: HouseholdType, hazards: list[HouseholdHazardRule]) -> None:
        self.name, self.code, self.share = name, code, spec.share
        self.elb, self.elb_counts = _counts(spec.elb)
        self.non_able, self.non_able_counts = _counts(spec.non_able)
        self.need_ends = by_earners(spec.need_ends)
        self.hazards = list(hazards)

    def mean_elb(self) -> float:
        return _mean(self.elb, self.elb_counts)

    def mean_non_able(self) -> float:
        return _mean(self.non_able, self.non_able_counts)


def by_earners(ne: Counts | float | None) -> tuple[float, ...] | None:
    """need_ends per number of members employed (1, 2, ...): a number for all, or by number, each
    applying up to the next given (the first given also below it)."""
    if ne is None:
        return None
    if not isinstance(ne, dict):
        return (float(ne),)
    given = sorted((int(k), v) for k, v in ne.items())
    out = []
    for k in range(1, given[-1][0] + 1):
        below = [v for j, v in given if j <= k]
        out.append(float(below[-1] if below else given[0][1]))
    return tuple(out)


def _mean(draw: Draw, counts: list[int]) -> float:
    prev, total = 0.0, 0.0
    for c, n in zip(draw.cum, counts):
        total += (c - prev) * n
        prev = c
    return total


class Household:
    """One household: its type, members (customers) and non-able members, and its benefit state."""

    __slots__ = ("hid", "kind", "non_able", "members", "in_benefit", "earners", "rng", "timer", "episode_start")

    def __init__(self, hid: int, kind: HouseholdKind, non_able: int, rng: Streams) -> None:
        self.hid, self.kind, self.non_able, self.rng = hid, kind, non_able, rng
        self.members: list[Customer] = []
        self.in_benefit = 0  # members in benefit now
        self.earners = 0  # members holding a job now
        self.timer: simpy.Event | None = None  # when its first household hazard fires, while in benefit
        self.episode_start = 0.0

    def need_ends(self, default: float) -> float:
        """Probability that a job taken now ends the household's need (`earners` counts the new job)."""
        ne = self.kind.need_ends
        if ne is None:
            return default
        return ne[min(self.earners, len(ne)) - 1]


class Households:
    """The run's households: built on day one and with the inflow; their hazards and joint moves."""

    def __init__(
        self,
        spec: HouseholdsSpec,
        attribute_names: list[str],
        env: simpy.Environment,
        root: int,
        decisions: Decisions,
        horizon: float,
    ) -> None:
        self.env, self.root, self.decisions, self.horizon = env, root, decisions, horizon
        rules = {n: HouseholdHazardRule(n, h, decisions) for n, h in spec.hazards.items() if h.rate_per_month > 0}
        self.kinds = [
            HouseholdKind(
                name,
                code,
                t,
                [rules[n] for n, h in spec.hazards.items() if n in rules and (not h.types or name in h.types)],
            )
            for code, (name, t) in enumerate(spec.types.items())
        ]
        self.type_draw = Draw({k.name: k.share for k in self.kinds})
        self.by_name = {k.name: k for k in self.kinds}
        self.shared = [attribute_names.index(a) for a in spec.shared]
        self.type_key, self.elb_key = decisions("household_type"), decisions("household_elb")
        self.non_able_key, self.order_key = decisions("household_non_able"), decisions("household_order")
        self.place_key = decisions("household_place")  # a day-one person's place in the grouping order
        self.all: list[Household] = []
        self.mean_elb = sum(k.share * k.mean_elb() for k in self.kinds) / sum(k.share for k in self.kinds)

    # --- making households -------------------------------------------------------------

    def _new(self, origin: str, index: int) -> tuple[Household, int]:
        """The index-th household of an origin, with its drawn type and non-able members; and its drawn eLb."""
        rng = Streams(entity_key(self.root, "household:" + origin, index), self.decisions)
        kind = self.by_name[self.type_draw(rng.uniform(self.type_key))]
        elb = kind.elb_counts[kind.elb.pick(rng.uniform(self.elb_key))]
        non_able = kind.non_able_counts[kind.non_able.pick(rng.uniform(self.non_able_key))]
        h = Household(len(self.all), kind, non_able, rng)
        self.all.append(h)
        return h, elb

    def compose(self, origin: str, start: int, count: int) -> list[tuple[Household, int]]:
        """`count` households of an origin (from its `start`-th), each with the number of eLb it has: `_new`
        for each, their first numbers drawn at once (the same numbers, as in population.py)."""
        keys = entity_keys(self.root, "household:" + origin, start, count)
        decided = (self.type_key, self.elb_key, self.non_able_key)
        u = first_uniforms(keys, [self.decisions.keys[d] for d in decided]).tolist()
        counters = self.decisions.counters(decided)
        out = []
        for key, (u_type, u_elb, u_non_able) in zip(keys.tolist(), u):
            kind = self.by_name[self.type_draw(u_type)]
            rng = Streams(key, self.decisions, array("B", counters))
            h = Household(len(self.all), kind, kind.non_able_counts[kind.non_able.pick(u_non_able)], rng)
            self.all.append(h)
            out.append((h, kind.elb_counts[kind.elb.pick(u_elb)]))
        return out

    def day_one(self, people: list[Customer], init: Initial) -> None:
        """Group the day-one eLb into households meeting the scenario's totals."""
        total = len(people)
        if init.households is not None:
            made = self.compose("initial", 0, init.households)
            order = self._order([h for h, _ in made])
            made = self._fit_types(made, order, total)
            elb = [n for _, n in made]
            _meet(
                elb,
                [min(h.kind.elb_counts) for h, _ in made],
                [max(h.kind.elb_counts) for h, _ in made],
                total,
                order,
                "eLb",
            )
        else:  # households until the eLb are all placed (the last one takes those left)
            made, elb, placed = [], [], 0
            while placed < total:
                h, n = self._new("initial", len(made))
                n = min(n, total - placed)
                made.append((h, n))
                elb.append(n)
                placed += n
            order = self._order([h for h, _ in made])
        if init.non_able is not None:
            counts = [h.non_able for h, _ in made]
            _meet(
                counts,
                [min(h.kind.non_able_counts) for h, _ in made],
                [max(h.kind.non_able_counts) for h, _ in made],
                init.non_able,
                order,
                "non-able members",
            )
            for (h, _), n in zip(made, counts):
                h.non_able = n
        # people grouped by the attributes members share, in random order within a group
        # (each person's first number of the decision, drawn at once: their streams draw it nowhere else)
        place = first_uniforms(
            np.fromiter((c.rng.key for c in people), np.uint64, len(people)), [self.decisions.keys[self.place_key]]
        )[:, 0].tolist()
        shared = self.shared
        order = sorted(range(len(people)), key=lambda i: (tuple(people[i].attrs[a] for a in shared), place[i]))
        ranked = [people[i] for i in order]
        at = 0
        for (h, _), n in zip(made, elb):
            for c in ranked[at : at + n]:
                self.join(c, h)
            at += n

    def _fit_types(
        self, made: list[tuple[Household, int]], order: list[int], total: int
    ) -> list[tuple[Household, int]]:
        """If the drawn types cannot hold `total` eLb, households (in `order`) take the type allowing the
        most (or fewest) eLb until they can; their drawn counts kept within the new type's range."""
        kinds = [k for k in self.kinds if k.share > 0]
        big = max(kinds, key=lambda k: max(k.elb_counts))
        small = min(kinds, key=lambda k: min(k.elb_counts))
        hi = sum(max(h.kind.elb_counts) for h, _ in made)
        lo = sum(min(h.kind.elb_counts) for h, _ in made)
        out = list(made)
        for i in order:
            if lo <= total <= hi:
                break
            h, n = out[i]
            new = big if total > hi else small
            if new is h.kind:
                continue
            hi += max(new.elb_counts) - max(h.kind.elb_counts)
            lo += min(new.elb_counts) - min(h.kind.elb_counts)
            h.kind = new
            h.non_able = min(max(h.non_able, min(new.non_able_counts)), max(new.non_able_counts))
            out[i] = (h, min(max(n, min(new.elb_counts)), max(new.elb_counts)))
        return out

    def _order(self, hs: list[Household]) -> list[int]:
        """Households in the order totals are met by (a draw each): changes spread over all of them."""
        keys = np.fromiter((h.rng.key for h in hs), np.uint64, len(hs))  # (their first draw of it, at once)
        u = first_uniforms(keys, [self.decisions.keys[self.order_key]])[:, 0]
        return [int(i) for i in np.argsort(u, kind="stable")]

    def join(self, c: Customer, h: Household) -> None:
        c.household, c.hh = h, h.hid
        h.members.append(c)
        if c.state != EXIT:
            h.in_benefit += 1

    def move_out(self, c: Customer, now: float, in_benefit: bool) -> None:
        """`c` leaves their household for one of their own (type single if the scenario has it), in
        benefit if `in_benefit`; the old household goes on with the others."""
        old = c.household
        assert old is not None
        old.members.remove(c)
        kind = self.by_name.get("single") or self.kinds[0]
        h = Household(
            len(self.all), kind, 0, Streams(entity_key(self.root, "household:moved_out", c.pid), self.decisions)
        )
        self.all.append(h)
        c.household, c.hh, c.with_household = h, h.hid, False
        h.members.append(c)
        if c.job is not None:
            old.earners -= 1
            h.earners += 1
        if in_benefit:
            old.in_benefit -= 1
            if old.in_benefit == 0:
                self.stop(old)
            h.in_benefit = 1
            self.start(h, now)

    def share_attributes(self, head: tuple[int, ...], attrs: tuple[int, ...]) -> tuple[int, ...]:
        """A further member's attributes, with the `shared` ones taken from the household's first member."""
        if not self.shared:
            return attrs
        out = list(attrs)
        for i in self.shared:
            out[i] = head[i]
        return tuple(out)

    # --- household hazards ----------------------------------------------------------------

    def start(self, h: Household, now: float, since: float | None = None) -> None:
        """The household is in benefit (again): a new episode, begun at `since` (day one: the earliest
        member's benefit start) or now; its hazards race (one timer for the first)."""
        h.episode_start = now if since is None else since
        if not h.kind.hazards:
            return
        t_first, first = INF, None
        for rule in h.kind.hazards:
            x = exponential(h.rng.uniform(rule.key)) / rule.rate
            t = rule.schedule.reach(now, x, now, h.episode_start)
            if t < t_first:
                t_first, first = t, rule
        if first is None or t_first >= self.horizon:
            return
        timer = h.timer = self.env.timeout(t_first - now, first)
        timer.callbacks.append(functools.partial(self._fire, h))

    def stop(self, h: Household) -> None:
        """The household is out of benefit: its hazards stop."""
        h.timer = None

    def _fire(self, h: Household, timer: simpy.Event) -> None:
        if h.timer is not timer:  # stopped since (or restarted)
            return
        h.timer = None
        rule = cast("HouseholdHazardRule", timer.value)
        self.leave_together(h, None, Signal(rule.name, rule.target))

    # --- moves together -------------------------------------------------------------------

    def leave_together(self, h: Household, earner: Customer | None, signal: Signal) -> None:
        """Every member in benefit but `earner` (moved by their own process) leaves with the household."""
        for m in h.members:
            if m is earner or m.state == EXIT:
                continue
            m.with_household = True
            send(m, signal)
        if earner is not None:
            earner.with_household = True

    def come_back(self, c: Customer, signal: Signal) -> None:
        """`c` re-enters benefit: members who left with the household come back with them."""
        h = c.household
        if h is None or not c.with_household:
            return
        for m in h.members:
            if m is not c and m.with_household and m.state == EXIT:
                send(m, signal)
            m.with_household = False
        c.with_household = False


def send(c: Customer, signal: Signal) -> None:
    p = c.process
    if p is not None and p.is_alive:
        p.interrupt(signal)


def _meet(counts: list[int], lo: list[int], hi: list[int], total: int, order: list[int], what: str) -> None:
    """Change counts by one at a time, in `order`, within [lo, hi], until they sum to `total`."""
    diff = total - sum(counts)
    step = 1 if diff > 0 else -1
    while diff:
        moved = False
        for i in order:
            if diff == 0:
                break
            if (step > 0 and counts[i] < hi[i]) or (step < 0 and counts[i] > lo[i]):
                counts[i] += step
                diff -= step
                moved = True
        if not moved:
            raise ValueError(
                f"cannot form the day-one households: their types allow {sum(lo)} to {sum(hi)} {what}, "
                f"the stock has {total}"
            )
