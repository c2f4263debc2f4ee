"""Closed-form queueing and Markov-chain results used as references for the engine's output.

Everything here is written from the textbook formulas, independently of simulation/:
Erlang C for M/M/c (e.g. Gross & Harris, Fundamentals of Queueing Theory, the M/M/c section),
Student-t confidence intervals, and transient occupancies of a finite CTMC via expm.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import linalg, stats

DAYS_PER_MONTH = 365.25 / 12  # the scenario's "months" unit, written out here on purpose


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in M/M/c with offered load a = lambda/mu < c.

    C(c, a) = [a^c/c! * c/(c-a)] / [sum_{k<c} a^k/k! + a^c/c! * c/(c-a)]; e.g. C(3, 2) = 4/9.
    """
    if not 0 <= a < c:
        raise ValueError(f"need 0 <= a < c, got a={a}, c={c}")
    # terms a^k/k! built iteratively to avoid overflow in factorials
    term, head = 1.0, 0.0
    for k in range(c):
        head += term
        term *= a / (k + 1)
    tail = term * c / (c - a)  # a^c/c! * 1/(1 - rho)
    return tail / (head + tail)


def mmc_wq(lam: float, mean_service: float, c: int) -> float:
    """Mean wait in queue of M/M/c: C(c, a) / (c mu - lambda), in the units of mean_service."""
    mu = 1.0 / mean_service
    return erlang_c(c, lam / mu) / (c * mu - lam)


def mm1_wq(lam: float, mean_service: float) -> float:
    """M/M/1 mean wait rho/(mu - lambda): a second closed form to cross-check erlang_c."""
    mu = 1.0 / mean_service
    return (lam / mu) / (mu - lam)


def t_interval(x, level: float) -> tuple[float, float, float]:
    """Mean and two-sided Student-t confidence interval of i.i.d. replication estimates."""
    x = np.asarray(x, float)
    n = len(x)
    m = x.mean()
    half = stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n)
    return m, m - half, m + half


def ctmc_occupancy(q: np.ndarray, p0: np.ndarray, times) -> np.ndarray:
    """Rows p(t) = p(0) expm(Q t) for each t: the state distribution of a CTMC over time."""
    q = np.asarray(q, float)
    if not np.allclose(q.sum(1), 0.0):
        raise ValueError("generator rows must sum to zero")
    return np.array([p0 @ linalg.expm(q * t) for t in times])
