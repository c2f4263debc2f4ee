"""One replication: build the model from a scenario, run it in SimPy, return the event log."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import pandas as pd
import simpy

from .. import states
from ..scenario.schema import Scenario
from .capacity import Budget, Money, Pool, schedule_new_years, schedule_plan
from .clock import DAYS_PER_MONTH, UNIT_DAYS, Clock
from .conditions import Attributes
from .customer import Customer
from .distributions import build
from .employment import job_kinds
from .eventlog import EventLog
from .hazards import hazards_by_state
from .households import Households
from .pathway import Initial, Move, Pathway
from .population import Draw, Newcomer, Population
from .programme import Programme
from .random_streams import Decisions, root_key
from .routing import build_routes
from .simpy_compat import drop_pending, events_scheduled, unhook
from .staffing import caseloads
from .targets import CASE_MANAGEMENT, ENTRY, NO_CONTACT, parse_target

if TYPE_CHECKING:
    from collections.abc import Generator

    from ..scenario.schema import Cohorts
    from .distributions import Distribution

ARRIVAL = Move(states.ARRIVAL, ENTRY)  # how every newcomer starts: through the entry route


@dataclass
class RunOutput:
    spells: pd.DataFrame
    horizon: float
    event_count: int
    wall_seconds: float
    customers: int


class Model:
    def __init__(self, scenario: Scenario, seed: int, years: float | None = None, reference: bool = False) -> None:
        """reference: make customers one at a time, one number at a time (the scalar path the
        batched one must equal bit for bit; slower, for tests and golden results)."""
        self.scenario = scenario
        self.seed = seed
        self.clock = Clock(scenario.time.start, years if years is not None else scenario.time.years)
        self.env = simpy.Environment()
        self.attributes = Attributes(scenario.attributes)
        self.root = root_key(seed)
        # every decision a customer draws for, numbered: first those drawn during the run (their
        # first numbers are kept per batch of customers, see Population.cohort), then the hazards'
        # thresholds and the attributes, drawn at birth
        self.decisions = d = Decisions()
        self.elapsed_draw, self.waited_draw = d("elapsed"), d("waited")
        self.programmes = {
            n: Programme(self.env, n, p, self.attributes, d, self.clock) for n, p in scenario.programmes.items()
        }
        self.budgets = self._budgets()
        self.pools = [
            Pool(n, spec, [self.programmes[m] for m in spec.programmes], self.attributes, self.clock)
            for n, spec in scenario.pools.items()
        ]
        self.routes = build_routes(scenario.routes, self.attributes, d)
        self.jobs = job_kinds(scenario.employment, d)
        hs = scenario.households
        self.households = (
            Households(hs, self.attributes.names, self.env, self.root, d, self.clock.horizon) if hs else None
        )
        self.caseloads = caseloads(scenario, self.clock)
        self.hazards, self.hazards_by_state = hazards_by_state(scenario, self.attributes, d, self.clock, self.caseloads)
        self.population = Population(
            scenario.population,
            self.attributes,
            self.clock,
            self.root,
            d,
            tuple(h.key for h in self.hazards),
            batched=not reference,
        )
        self.sources = self.population.inflow_sources()
        origins = (
            ["initial", "initial:no_contact"]
            + [f"initial:{p}" for p in scenario.population.initial.programmes]
            + [name for name, _, _ in self.sources]
        )
        self.origin_code = {o: i for i, o in enumerate(origins)}
        self.log = EventLog(
            self.attributes.names, self.attributes.levels, origins, list(hs.types) if hs is not None else None
        )
        if self.households is not None:
            self.log.households = self.households.all
        self.pathway = Pathway(self)
        self.customers: list[Customer] = []

    def _budgets(self) -> list[Budget]:
        """The scenario's budgets, each with a gate on it for every programme it pays for."""
        out = []
        for name, spec in self.scenario.budgets.items():
            b = Budget(name, spec, self.clock)
            divert = None if spec.when_exhausted == "wait" else parse_target(spec.when_exhausted)
            for pname in spec.programmes:
                prog = self.programmes[pname]
                cost = prog.spec.cost_per_month
                if prog.duration_rules is None:  # (cast: then it has one duration)
                    money = Money(b, cost * cast("Distribution", prog.duration).mean / DAYS_PER_MONTH, divert=divert)
                else:  # the commitment of the rule that applies to the entrant

                    def commit(d: Distribution, cost: float = cost) -> float:
                        return cost * d.mean / DAYS_PER_MONTH

                    money = Money(b, 0.0, prog.duration_rules.map(commit), divert)
                prog.pay_from(money)
                b.programmes.append(prog)
            out.append(b)
        return out

    # --- building the population -------------------------------------------------------

    def _customer(self, origin: str, new: Newcomer, episode_start: float, first_entry: float) -> Customer:
        """Register a customer; benefit receipt before their first simulated spell becomes a prior_benefit spell."""
        attrs, combo = self.log.shared(new.attrs)
        c = Customer(
            len(self.customers), self.origin_code[origin], new.rng, attrs, combo, episode_start, new.thresholds
        )
        self.customers.append(c)
        if episode_start < first_entry:
            self.log.prior_benefit(c, episode_start, first_entry)
        return c

    def _initial_stock(self) -> None:
        """Day one: seats taken, waiting lists formed in joining order, then admissions and the rest.

        Every day-one participant takes a seat before any process runs, and every programme holds
        its admissions until all day-one waiters have joined, so places, priority groups and
        programmes taken alongside treat the day-one stock as one.
        """
        init = self.scenario.population.initial
        pop = self.population
        placed = 0
        waiters: list[tuple[Customer, Initial]] = []
        participants: list[tuple[Customer, Initial]] = []
        for name, ip in init.programmes.items():
            origin, shares = f"initial:{name}", Draw({ip.segment: 1.0})
            elapsed_d = build(ip.elapsed) if ip.elapsed else None
            waited_d = build(ip.waited) if ip.waited else None
            for j, new in enumerate(pop.cohort(origin, ip.participants + ip.waiting, shares)):
                participant, rng = j < ip.participants, new.rng
                if participant:
                    start = -(elapsed_d.sample(rng.uniform(self.elapsed_draw)) if elapsed_d else 0.0)
                    wstart = start
                else:
                    start = float("nan")
                    wstart = -(waited_d.sample(rng.uniform(self.waited_draw)) if waited_d else 0.0)
                c = self._customer(origin, new, min(-new.days, wstart), wstart)
                (participants if participant else waiters).append((c, Initial(name, participant, wstart, start)))
                if participant:
                    self.programmes[name].occupy(c.attrs)
            placed += ip.participants + ip.waiting
        for prog in self.programmes.values():
            prog.held = True
        waiters.sort(key=lambda x: (x[1].waiting_start, x[0].pid))  # the lists in the order people joined
        for c, initial in waiters + participants:
            c.process = self.env.process(self.pathway.run(c, initial=initial))
        # after every day-one process has taken its first step (they start with urgent priority)
        self.env.timeout(0).callbacks.append(self._release_day_one)
        if init.no_contact is not None:
            nc = init.no_contact
            elapsed_d = build(nc.elapsed) if nc.elapsed else None
            for new in pop.cohort("initial:no_contact", nc.count, Draw({nc.segment: 1.0})):
                since = -(elapsed_d.sample(new.rng.uniform(self.elapsed_draw)) if elapsed_d else 0.0)
                c = self._customer("initial:no_contact", new, min(-new.days, since), since)
                c.process = self.env.process(self.pathway.run(c, first=Move("", NO_CONTACT, since=since)))
            placed += nc.count
        shares = Draw(init.segments)
        for new in pop.cohort("initial", init.size - placed, shares):
            c = self._customer("initial", new, -new.days, 0.0)
            c.process = self.env.process(self.pathway.run(c, first=Move("", CASE_MANAGEMENT)))
        if self.households is not None:  # the day-one eLb grouped into households
            self.households.day_one(self.customers, init)
            for h in self.households.all:  # their benefit episodes began with the earliest member's
                self.households.start(h, 0.0, min(c.episode_start for c in h.members))

    def _release_day_one(self, _event: simpy.Event | None = None) -> None:
        for prog in self.programmes.values():
            prog.held = False
            if prog.pool is not None:  # a pool is served once all its members are released
                if not any(m.held for m in prog.pool.members):
                    prog.pool.fill()
            elif not prog.scheduled:
                prog.fill()

    def _arrivals(
        self, origin: str, shares: Draw, pieces: list[tuple[float, float, float]]
    ) -> Generator[simpy.Event, object, None]:
        env, hs = self.env, self.households
        if hs is None:
            times = list(self.population.arrival_times(origin, pieces))
            for t, new in zip(times, self.population.cohort(origin, len(times), shares)):
                yield env.timeout(t - env.now)
                c = self._customer(origin, new, env.now, env.now)
                c.process = env.process(self.pathway.run(c, first=ARRIVAL))
            return
        # households arrive: at the rate of eLb over the eLb per household, so that as many eLb come
        times = list(self.population.arrival_times(origin, [(a, b, r / hs.mean_elb) for a, b, r in pieces]))
        made = hs.compose(origin, 0, len(times))
        people = self.population.cohort(origin, sum(n for _, n in made), shares)
        for t, (h, n) in zip(times, made):
            yield env.timeout(t - env.now)
            head: tuple[int, ...] | None = None
            for _ in range(n):
                new = next(people)
                if head is None:
                    head = new.attrs
                else:  # further members share the attributes the scenario says they share
                    new = new._replace(attrs=hs.share_attributes(head, new.attrs))
                c = self._customer(origin, new, env.now, env.now)
                hs.join(c, h)
                c.process = env.process(self.pathway.run(c, first=ARRIVAL))
            hs.start(h, env.now)

    def _schedules(self) -> None:
        """Timed events: the dates of the capacity plan (capacity/plan.py) and cohort start dates."""
        env = self.env
        plan_days = schedule_plan(env, self.clock, list(self.programmes.values()), self.pools, self.budgets)
        for prog in self.programmes.values():
            schedule_new_years(env, self.clock, prog, plan_days)
            if prog.scheduled:
                cohorts = cast("Cohorts", prog.cohorts)  # (scheduled: it has cohorts)
                starts = set(self.clock.day(d) for d in cohorts.dates)
                if cohorts.start_every is not None:
                    step = cohorts.start_every.value * UNIT_DAYS[cohorts.start_every.unit]
                    t = 0.0
                    while step > 0 and t < self.clock.horizon:
                        starts.add(round(t, 9))
                        t += step
                for t in sorted(x for x in starts if 0 <= x < self.clock.horizon):
                    env.timeout(t).callbacks.append(prog.fill)

    # --- running -----------------------------------------------------------------------

    def run(self, progress: Callable[[float], None] | None = None) -> RunOutput:
        t0 = time.perf_counter()
        gc_was_enabled = gc.isenabled()
        gc.disable()  # the run allocates millions of short-lived objects; cyclic GC would halve the speed
        try:
            return self._run(progress, t0)
        finally:
            if gc_was_enabled:
                gc.enable()

    def _run(self, progress: Callable[[float], None] | None, t0: float) -> RunOutput:
        self._initial_stock()
        for origin, shares, pieces in self.sources:
            self.env.process(self._arrivals(origin, shares, pieces))
        self._schedules()
        edges = self.clock.month_edges()
        for t in edges[1:]:
            self.env.run(until=t)
            self.log.flush()
            if progress is not None:
                progress(t)
        horizon = self.clock.horizon
        for c in self.customers:  # spells still open at the horizon are censored
            if c.state:
                self.log.spell(c, c.combo, horizon, states.CENSORED, "")
        for comp in sorted(self.pathway.companions, key=lambda x: (x.c.pid, x.prog.name)):
            self.log.alongside(comp.c, comp.combo, comp.prog.name, comp.start, horizon, states.CENSORED)
        for c in self.customers:  # and jobs still held
            if c.job is not None:
                self.log.employment(c, c.job.kind.name, c.job.start, horizon, states.CENSORED)
        events, customers = events_scheduled(self.env), len(self.customers)
        self._release()  # the customers' state goes before the spells table is built
        spells = self.log.frame()
        self.log.clear()
        return RunOutput(spells, horizon, events, time.perf_counter() - t0, customers)

    def _release(self) -> None:
        """Unhook pending events from suspended processes so reference counting frees the run.

        The run's objects form reference cycles (process <-> event); breaking them here saves the
        cyclic garbage collector about a second per Kassel year (SimPy's queue: simpy_compat.py).
        """
        drop_pending(self.env)
        unhook(self.pathway.never)
        for prog in self.programmes.values():
            prog.list.clear()
        for pool in self.pools:
            pool.clear()
        self.pathway.companions.clear()
        for c in self.customers:  # (customer <-> process, customer <-> household)
            c.process = c.household = c.job = None
        if self.households is not None:
            for h in self.households.all:
                h.members.clear()
                h.timer = None
        self.customers.clear()


def simulate(
    scenario: Scenario,
    seed: int,
    years: float | None = None,
    progress: Callable[[float], None] | None = None,
    reference: bool = False,
) -> RunOutput:
    """Run one replication of a scenario."""
    return Model(scenario, seed, years, reference).run(progress)
