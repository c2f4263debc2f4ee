"""The benchmark networks: a three-programme chain as a jobpath scenario and in plain SimPy.

Chain: Poisson arrivals -> A (15 places) -> 60 % to B (10 places) -> 70 % to C (12 places);
everyone else leaves. Durations are exponential and every station runs at the same
utilisation, so by Burke's theorem each station is an M/M/c queue in steady state and
Erlang C gives the mean wait of each one: an independent check on both implementations.
"""

from __future__ import annotations

import calendar
import math
import random
from dataclasses import dataclass

import simpy

from simulation.engine.clock import DAYS_PER_MONTH

START = "2024-01-01"
HORIZON_DAYS = 366.0  # 2024 is a leap year: the scenario's one-year horizon
NAMES = ("A", "B", "C")
PLACES = (15, 10, 12)
ONWARD = (0.6, 0.7, 0.0)  # share going on to the next programme after completion


@dataclass(frozen=True)
class Chain:
    """The chain's parameters in days: arrival rate and mean durations for a target utilisation."""

    arrivals_per_day: float
    utilisation: float = 0.87

    @property
    def rates(self) -> tuple[float, ...]:
        """Arrival rate into each programme (per day)."""
        a = self.arrivals_per_day
        return (a, a * ONWARD[0], a * ONWARD[0] * ONWARD[1])

    @property
    def means(self) -> tuple[float, ...]:
        """Mean duration (days) giving utilisation rho = rate * mean / places at each programme."""
        return tuple(self.utilisation * c / lam for c, lam in zip(PLACES, self.rates))


def chain_for(customers: int, utilisation: float = 0.87) -> Chain:
    """A chain whose one-year run sees about `customers` arrivals."""
    return Chain(customers / HORIZON_DAYS, utilisation)


def monthly_factors() -> list[float]:
    """Monthly inflow factors making the arrival rate per day constant over 2024's unequal months."""
    return [calendar.monthrange(2024, m)[1] / DAYS_PER_MONTH for m in range(1, 13)]


def _route(onward: float, target: str, rest: str = "exit:other") -> list[dict]:
    """A route rule: `onward` of the completers go to `target`, the others to `rest`."""
    if onward <= 0:
        return [{"options": [{"to": rest, "probability": 1.0}]}]
    return [{"options": [{"to": target, "probability": onward}, {"to": rest, "probability": 1 - onward}]}]


def chain_scenario(chain: Chain) -> dict:
    """The chain as a jobpath scenario dict (validate with simulation.scenario.validate)."""
    programmes = {
        n: {"places": c, "duration": {"dist": "exponential", "mean": m, "unit": "days"}}
        for n, c, m in zip(NAMES, PLACES, chain.means)
    }
    routes = {
        "entry": [{"options": [{"to": "programme:A", "probability": 1.0}]}],
        "A": _route(ONWARD[0], "programme:B"),
        "B": _route(ONWARD[1], "programme:C"),
        "C": _route(0.0, ""),
    }
    return {
        "name": "benchmark chain",
        "time": {"start": START, "years": 1},
        "attributes": {"sex": ["female", "male"]},
        "population": {
            "common": {"sex": {"female": 0.5, "male": 0.5}},
            "segments": {"all": {}},
            "initial": {"size": 0, "segments": {"all": 1.0}},
            "inflow": {
                "per_month": chain.arrivals_per_day * DAYS_PER_MONTH,
                "segments": {"all": 1.0},
                "monthly_factors": monthly_factors(),
            },
        },
        "programmes": programmes,
        "routes": routes,
    }


def scaled_scenario(customers: int, years: float = 1) -> dict:
    """A generic job centre of about `customers` people in `years`: half on day one, half arriving.

    Case management with competing hazards (exit to work, other exit, referral into the chain);
    places scale with size, so the dynamics (and the work per customer) do not depend on it.
    """
    stock = customers // 2
    inflow_per_month = (customers - stock) / (12 * years)
    refer, work, other = 0.08, 0.03, 0.02  # per month, from case management
    to_a = refer * stock  # referrals per month, roughly (the stock stays near its start)
    means = (3.0, 4.0, 6.0)  # months
    rates = (to_a, to_a * ONWARD[0], to_a * ONWARD[0] * ONWARD[1])
    places = [max(1, round(r * m / 0.9)) for r, m in zip(rates, means)]
    programmes = {
        n: {"places": c, "duration": {"dist": "exponential", "mean": m}} for n, c, m in zip(NAMES, places, means)
    }
    back = "case_management"
    routes = {
        "A": _route(ONWARD[0], "programme:B", back),
        "B": _route(ONWARD[1], "programme:C", back),
        "C": _route(0.0, "", back),
    }
    hazards = {
        "work": {"in": ["case_management", "programme:*"], "to": "exit:employment", "rate_per_month": work},
        "other": {"in": ["case_management"], "to": "exit:other", "rate_per_month": other},
        "refer": {"in": ["case_management"], "to": "programme:A", "rate_per_month": refer},
    }
    return {
        "name": f"scaled generic {customers}",
        "time": {"start": START, "years": years},
        "attributes": {"sex": ["female", "male"]},
        "population": {
            "common": {"sex": {"female": 0.5, "male": 0.5}},
            "segments": {"all": {"months_in_benefit": {"dist": "exponential", "mean": 18}}},
            "initial": {"size": stock, "segments": {"all": 1.0}},
            "inflow": {"per_month": inflow_per_month, "segments": {"all": 1.0}},
        },
        "programmes": programmes,
        "routes": routes,
        "hazards": hazards,
    }


# --- the same chain, hand-written in SimPy -------------------------------------------------


@dataclass
class SimpyResult:
    customers: int
    waits: list[list[tuple[float, float]]]  # per programme: (joined queue at, wait) of admitted customers


def chain_simpy(chain: Chain, seed: int, horizon: float = HORIZON_DAYS) -> SimpyResult:
    """The chain in idiomatic SimPy: one Resource per programme, one process per customer."""
    env = simpy.Environment()
    rng = random.Random(seed)
    stations = [simpy.Resource(env, c) for c in PLACES]
    rates = [1.0 / m for m in chain.means]
    waits: list[list[tuple[float, float]]] = [[], [], []]
    arrived = 0

    def customer():
        for k in range(3):
            joined = env.now
            with stations[k].request() as req:
                yield req
                waits[k].append((joined, env.now - joined))
                yield env.timeout(rng.expovariate(rates[k]))
            if rng.random() >= ONWARD[k]:
                return

    def source():
        nonlocal arrived
        while True:
            yield env.timeout(rng.expovariate(chain.arrivals_per_day))
            arrived += 1
            env.process(customer())

    env.process(source())
    env.run(until=horizon)
    return SimpyResult(arrived, waits)


def jobpath_waits(spells) -> list[list[tuple[float, float]]]:
    """Per programme: (joined queue at, wait) of admitted customers, from a jobpath spells table."""
    out = []
    for name in NAMES:
        s = spells[(spells["state"] == "programme") & (spells["programme"] == name) & spells["start"].notna()]
        s = s.sort_values("waiting_start")
        out.append(list(zip(s["waiting_start"].tolist(), (s["start"] - s["waiting_start"]).tolist())))
    return out


# --- statistics ------------------------------------------------------------------------------


def erlang_c_wait(arrival_rate: float, mean_service: float, servers: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C)."""
    a = arrival_rate * mean_service
    rho = a / servers
    if rho >= 1:
        return math.inf
    term, total = 1.0, 1.0
    for k in range(1, servers):
        term *= a / k
        total += term
    last = term * a / servers / (1 - rho)
    p_wait = last / (total + last)
    return p_wait * mean_service / (servers * (1 - rho))


def batch_means(waits: list[tuple[float, float]], warmup: float, batches: int = 20) -> tuple[float, float]:
    """Mean wait after warm-up and its standard error by batch means (waits are autocorrelated)."""
    xs = [w for t, w in sorted(waits) if t >= warmup]
    if len(xs) < batches * 2:
        return math.nan, math.nan
    size = len(xs) // batches
    means = [sum(xs[i * size : (i + 1) * size]) / size for i in range(batches)]
    m = sum(means) / batches
    var = sum((x - m) ** 2 for x in means) / (batches - 1)
    return m, math.sqrt(var / batches)


def compare_waits(
    a: list[list[tuple[float, float]]], b: list[list[tuple[float, float]]], chain: Chain, warmup: float
) -> list[dict]:
    """Per programme: both mean waits with 95 % CIs, Erlang C, and whether the two agree within CI."""
    rows = []
    for k, name in enumerate(NAMES):
        ma, sa = batch_means(a[k], warmup)
        mb, sb = batch_means(b[k], warmup)
        half = 1.96 * math.hypot(sa, sb)
        rows.append(
            {
                "programme": name,
                "jobpath": ma,
                "jobpath_se": sa,
                "simpy": mb,
                "simpy_se": sb,
                "erlang_c": erlang_c_wait(chain.rates[k], chain.means[k], PLACES[k]),
                "agree": bool(abs(ma - mb) <= half),
            }
        )
    return rows
