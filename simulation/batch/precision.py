"""The replications algorithm (Hoad, Robinson & Davies 2010): enough replications for a precision.

After each replication n, the relative half-width of the 95 % confidence interval of every
watched indicator is computed; the solution is the first n at which all are within the target
precision and stay within it for the next kLimit replications (kLimit = 5 up to n = 100,
5 % of n beyond), or the budget when that never happens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

LOOK_AHEAD = 5


def k_limit(n: int) -> int:
    return int(LOOK_AHEAD / 100 * max(n, 100))


def relative_half_width(x: np.ndarray) -> float:
    n = len(x)
    if n < 2:
        return math.inf
    mean = float(np.mean(x))
    half = stats.t.ppf(0.975, n - 1) * float(np.std(x, ddof=1)) / math.sqrt(n)
    if mean == 0:
        return 0.0 if half == 0 else math.inf
    return half / abs(mean)


@dataclass
class Decision:
    done: bool  # no more replications needed
    need: int  # replications needed before deciding again
    solution: int | None  # n at which precision was reached (and held), if any


def decide(values: dict[str, list[float]], precision: float, initial: int, budget: int) -> Decision:
    """Given the values of the first replications (in order), say whether to stop or how many to run."""
    have = min(len(v) for v in values.values()) if values else 0
    if have < initial:
        return Decision(False, initial, None)
    n = initial
    while n <= have:
        if all(relative_half_width(np.asarray(v[:n])) <= precision for v in values.values()):
            end = n + k_limit(n)
            if end > budget:
                return Decision(True, budget, None)
            ok = True
            for m in range(n + 1, min(end, have) + 1):
                if any(relative_half_width(np.asarray(v[:m])) > precision for v in values.values()):
                    ok, n = False, m
                    break
            if ok:
                if end <= have:
                    return Decision(True, end, n)
                return Decision(False, end, None)
            continue
        n += 1
        if n > budget:
            return Decision(True, budget, None)
    return Decision(have >= budget, min(have + 1, budget), None)
