"""Ranking and selection: Kim and Nelson's fully sequential procedure (KN), and paired intervals.

KN (S.-H. Kim and B. L. Nelson, "A fully sequential procedure for indifference-zone selection in
simulation", ACM TOMACS 11(3), 2001) selects, among k systems, one whose mean is within `delta` of
the best with probability at least `confidence`, for normally distributed outputs with unknown and
unequal variances, and common random numbers allowed (the variances used are those of the pairwise
differences). It takes n0 observations of every system, then one more of each survivor at a time,
and drops a system as soon as its running mean falls below another's by more than a triangular
continuation region that shrinks to zero. Here the outputs are yearly figures of a replication
(sums of many events: near normal); `tests/test_optimise.py` checks the probability of correct
selection on normal data, benchmarks/selection.py on the model.

Maximising throughout (the objective is a maximised weighted sum; minimising is weight -1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats


def eta(k: int, confidence: float, n0: int) -> float:
    """KN's constant: eta = ((2 alpha / (k - 1)) ^ (-2 / (n0 - 1)) - 1) / 2, with alpha = 1 - confidence."""
    alpha = 1.0 - confidence
    return 0.5 * ((2.0 * alpha / (k - 1)) ** (-2.0 / (n0 - 1)) - 1.0)


@dataclass
class KN:
    """The procedure's state over k systems; feed it observations replication by replication."""

    k: int
    delta: float
    confidence: float = 0.95
    n0: int = 5
    h2: float = field(init=False)
    s2: np.ndarray | None = field(init=False, default=None)  # variances of the pairwise differences
    alive: list[int] = field(init=False)
    eliminated_at: dict[int, int] = field(init=False, default_factory=dict)  # system -> r when dropped
    r: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        if self.k < 1 or self.n0 < 2:
            raise ValueError("KN needs at least one system and n0 >= 2")
        self.h2 = 2.0 * eta(max(self.k, 2), self.confidence, self.n0) * (self.n0 - 1)
        self.alive = list(range(self.k))

    def start(self, first: np.ndarray) -> None:
        """The first stage: a (k, n0) array of observations (the same replications for every system)."""
        x = np.asarray(first, float)
        if x.shape != (self.k, self.n0):
            raise ValueError(f"expected first-stage observations of shape ({self.k}, {self.n0}), found {x.shape}")
        d = x[:, None, :] - x[None, :, :]
        self.s2 = d.var(axis=2, ddof=1)
        self.r = self.n0
        self._screen(x.sum(axis=1))

    def most_needed(self) -> int:
        """The replications after which the region has closed for every pair of survivors (KN stops by then)."""
        assert self.s2 is not None
        if len(self.alive) < 2:
            return self.r
        a = np.asarray(self.alive)
        s2 = self.s2[np.ix_(a, a)]
        return max(self.r, int(math.floor(self.h2 * float(s2.max()) / self.delta**2)) + 1)

    def step(self, sums: dict[int, float]) -> None:
        """One more replication of every survivor: the running sums of their first r + 1 observations."""
        self.r += 1
        total = np.full(self.k, np.nan)
        for i in self.alive:
            total[i] = sums[i]
        self._screen(total)

    def _screen(self, sums: np.ndarray) -> None:
        assert self.s2 is not None
        r = self.r
        old = list(self.alive)
        keep = []
        for i in old:
            dropped = False
            for j in old:
                if j == i:
                    continue
                w = max(0.0, self.delta / (2.0 * r) * (self.h2 * self.s2[i, j] / self.delta**2 - r))
                if sums[i] / r < sums[j] / r - w:
                    dropped = True
                    break
            if dropped:
                self.eliminated_at[i] = r
            else:
                keep.append(i)
        self.alive = keep

    @property
    def done(self) -> bool:
        return len(self.alive) <= 1


def select(observe, k: int, delta: float, confidence: float, n0: int, most: int, batch: int = 1):
    """Run KN to its end on `observe(systems, replications) -> {(system, replication): value}`.

    Replications are numbered 1, 2, ...; each round asks for `batch` more of every survivor at once
    (parallel workers), then screens after each of them in turn, so the decision is the one-at-a-time
    procedure's. Stops when one system is left, or at `most` replications (then the highest mean of the
    survivors is taken, without the guarantee). Returns (chosen system, KN state, observations).
    """
    obs: dict[tuple[int, int], float] = dict(observe(list(range(k)), list(range(1, n0 + 1))))
    kn = KN(k, delta, confidence, n0)
    kn.start(np.array([[obs[(i, j)] for j in range(1, n0 + 1)] for i in range(k)]))
    while not kn.done and kn.r < most:
        upto = min(kn.r + max(batch, 1), most, kn.most_needed())
        if upto <= kn.r:
            upto = kn.r + 1
        survivors = list(kn.alive)
        obs.update(observe(survivors, list(range(kn.r + 1, upto + 1))))
        while kn.r < upto and not kn.done:
            r = kn.r + 1
            kn.step({i: sum(obs[(i, j)] for j in range(1, r + 1)) for i in kn.alive})
    means = {i: np.mean([obs[(i, j)] for j in range(1, kn.r + 1)]) for i in kn.alive}
    best = max(means, key=lambda i: means[i])
    return best, kn, obs


def paired(a: list[float], b: list[float], level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean of a - b over common replications and its Student-t interval: (mean, low, high, n)."""
    n = min(len(a), len(b))
    d = np.asarray(a[:n], float) - np.asarray(b[:n], float)
    m = float(d.mean()) if n else math.nan
    if n < 2:
        return m, math.nan, math.nan, n
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * d.std(ddof=1) / math.sqrt(n))
    return m, m - half, m + half, n


def mean_interval(a: list[float], level: float = 0.95) -> tuple[float, float, float]:
    x = np.asarray(a, float)
    m = float(x.mean())
    if len(x) < 2:
        return m, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return m, m - half, m + half
