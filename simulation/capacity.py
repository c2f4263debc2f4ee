"""Will a run fit in memory? A rough size estimate made before anything starts.

Memory grows with the customers simulated and the years each one is followed (their spells):
benchmarks/README.md measured 1.9 kB per customer over one year at a million customers, and
about 250 MB for the imports and the engine itself. A run estimated above the memory the
machine has available is refused unless `--force` is given.
"""

from __future__ import annotations

import math
import os

BYTES_PER_CUSTOMER_YEAR = 2_000
BASE_BYTES = 250 * 2**20


def drivers(scenario, years: float) -> list[tuple[str, str, float]]:
    """What sets the number of people simulated: (field, its value, the people it brings), largest first."""
    pop = scenario.population
    months = 12 * years
    out = [("population.initial.size", f"{pop.initial.size:,}", float(pop.initial.size))]
    if pop.inflow is not None:
        factors = pop.inflow.monthly_factors or [1.0] * 12
        per_month = pop.inflow.per_month  # a number or steps over time: the largest step bounds it
        per_month = max(st.value for st in per_month) if isinstance(per_month, list) else per_month
        out.append(("population.inflow.per_month", f"{per_month:,.4g} a month", per_month * months * sum(factors) / 12))
    for name, wave in pop.waves.items():
        out.append(
            (
                f"population.waves.{name}.per_month",
                f"{wave.per_month:,.4g} a month",
                wave.per_month * min((wave.end - wave.start).days, 365.25 * years) / (365.25 / 12),
            )
        )
    return sorted(out, key=lambda d: -d[2])


def customers(scenario, years: float) -> float:
    """People simulated: the day-one stock, the inflow over the horizon and the waves within it."""
    return float(sum(n for _, _, n in drivers(scenario, years)))


def estimate_bytes(scenario, years: float) -> float:
    """Peak memory of one replication, roughly: customers times the years each is followed."""
    return BASE_BYTES + BYTES_PER_CUSTOMER_YEAR * customers(scenario, years) * max(years, 1.0)


def available_bytes() -> float | None:
    """Memory available to new processes (MemAvailable on Linux), or None where unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def too_big(scenario, years: float, processes: int = 1) -> str | None:
    """Why the run would not fit in memory (`processes` replications at once), or None if it fits.

    The message names what drives the estimate (the population fields, the years, the workers)
    and what would make it fit, in that order; `--force` comes last, for an estimate that is too
    cautious. (`--no-spells` is not suggested: a batch builds each replication's spells in memory
    either way and only does not keep them.)"""
    need = estimate_bytes(scenario, years) * processes
    have = available_bytes()
    if have is None or need <= have:
        return None
    each = f" ({processes} replications at once)" if processes > 1 else ""
    people = [
        f"{field} = {value}" + (f" ({n:,.0f} customers)" if "per_month" in field else "")
        for field, value, n in drivers(scenario, years)
        if n > 0
    ]
    span = f"{years:g} year{'s' * (years != 1)}"
    at_once = f", times {processes} replications at once (--workers)" if processes > 1 else ""
    why = (
        f"expected a run that fits in memory, found one of about {customers(scenario, years):,.0f} customers "
        f"over {span} needing about {need / 2**30:,.1f} GB{each}, with {have / 2**30:,.1f} GB "
        f"available; the estimate ({BYTES_PER_CUSTOMER_YEAR / 1000:g} kB per customer and year, plus "
        f"{BASE_BYTES // 2**20} MB) comes from {' and '.join(people) or 'no customers'}, followed over {span} "
        f"(--years, else time.years){at_once}"
    )
    return f"{why}; to make it fit, use {'; or '.join(_remedies(scenario, years, processes, have))}"


def _remedies(scenario, years: float, processes: int, have: float) -> list[str]:
    """What would make the run fit, most direct first; --force last."""
    out = []
    one = estimate_bytes(scenario, years)
    if processes > 1 and have >= one:
        out.append(f"fewer workers (--workers {int(have // one)} fits)")
    for p in (processes,) if out or processes == 1 else (processes, 1):  # as many workers, else one
        first = "--workers 1 and " if p < processes else ""
        months = _months_that_fit(scenario, years, p, have)
        if months:
            shorter = f"{months // 12}" if months >= 12 else f"{math.ceil(months / 12 * 10_000) / 10_000:g}"
            out.append(f"{first}fewer years (--years {shorter} fits)")
        room = (have / p - BASE_BYTES) / (BYTES_PER_CUSTOMER_YEAR * max(years, 1.0))
        if room >= 1:
            out.append(
                f"{first}a smaller population (about {room:,.0f} customers fit over {years:g} "
                f"year{'s' * (years != 1)}; most come from {drivers(scenario, years)[0][0]})"
            )
        if months or room >= 1:
            break
    if not out:
        out.append(f"a machine with more memory (the engine alone needs about {BASE_BYTES // 2**20} MB)")
    return out + ["only if the estimate is too cautious for this scenario, --force to run anyway"]


def _months_that_fit(scenario, years: float, processes: int, have: float) -> int:
    """The longest horizon in whole months (whole years from a year on) shorter than `years` that fits, or 0."""
    lo, hi = 0, round(12 * years) - 1  # estimate_bytes grows with the years: bisect the months
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if estimate_bytes(scenario, mid / 12) * processes <= have:
            lo = mid
        else:
            hi = mid - 1
    return 12 * (lo // 12) if lo >= 12 else lo
