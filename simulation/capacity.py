"""Will a run fit in memory? A rough size estimate made before anything starts.

Memory grows with the customers simulated and the years each one is followed (their spells):
benchmarks/README.md measured 1.9 kB per customer over one year at a million customers, and
about 250 MB for the imports and the engine itself. A run estimated above the memory the
machine has available is refused unless `--force` is given.
"""

from __future__ import annotations

import os

BYTES_PER_CUSTOMER_YEAR = 2_000
BASE_BYTES = 250 * 2**20


def customers(scenario, years: float) -> float:
    """People simulated: the day-one stock, the inflow over the horizon and the waves within it."""
    pop = scenario.population
    months = 12 * years
    n = float(pop.initial.size)
    if pop.inflow is not None:
        factors = pop.inflow.monthly_factors or [1.0] * 12
        per_month = pop.inflow.per_month      # a number or steps over time: the largest step bounds it
        per_month = max(st.value for st in per_month) if isinstance(per_month, list) else per_month
        n += per_month * months * sum(factors) / 12
    for wave in pop.waves.values():
        n += wave.per_month * min((wave.end - wave.start).days, 365.25 * years) / (365.25 / 12)
    return n


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
    """Why the run would not fit in memory (`processes` replications at once), or None if it fits."""
    need = estimate_bytes(scenario, years) * processes
    have = available_bytes()
    if have is None or need <= have:
        return None
    each = f" ({processes} replications at once)" if processes > 1 else ""
    return (f"expected a run that fits in memory, found one of about {customers(scenario, years):,.0f} customers "
            f"over {years:g} years needing about {need / 2**30:,.1f} GB{each}, with {have / 2**30:,.1f} GB "
            "available; use a shorter horizon, a smaller population or fewer workers, or --force to run anyway")
