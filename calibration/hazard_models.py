"""Maximum-likelihood fits of one cause-specific hazard from (entry, exit, event) data.

Times are in months on one time scale; `entry` > 0 means the subject is observed only from
then on (left truncation, e.g. the day-one stock), `event` says the spell ended by this cause
(any other end is censoring). Each fit returns rows: parameter, estimate, ci_low, ci_high,
events, exposure_months.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats


@dataclass(frozen=True)
class Row:
    parameter: str
    estimate: float
    ci_low: float
    ci_high: float
    events: int
    exposure_months: float


def _quantile(level: float) -> float:
    """The chi-square(1) quantile that bounds a likelihood-ratio interval of this level."""
    return float(stats.chi2.ppf(level, 1))


def rate_ci(events: int, exposure: float, level: float = 0.95) -> tuple[float, float, float]:
    """Rate events/exposure with its likelihood-ratio interval (Poisson log-likelihood d log r - r E).

    The deviance 2[d log(d/(rE)) - d + rE] = q is solved in x = rE/d, where it reads
    2d (x - 1 - log x) = q; for d = 0 the deviance is 2rE, giving [0, q/(2E)].
    """
    if exposure <= 0:
        return math.nan, math.nan, math.nan
    q = _quantile(level)
    if events == 0:
        return 0.0, 0.0, q / (2 * exposure)
    mle = events / exposure
    c = q / (2 * events)
    f = lambda x: x - 1 - math.log(x) - c  # noqa: E731
    lo = optimize.brentq(f, 1e-300, 1.0) if f(1e-300) > 0 else 0.0
    hi_bracket = 2.0
    while f(hi_bracket) < 0:
        hi_bracket *= 2
    hi = optimize.brentq(f, 1.0, hi_bracket)
    return mle, mle * lo, mle * hi


def _arrays(entry, exit, event) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    entry, exit = np.asarray(entry, dtype=float), np.asarray(exit, dtype=float)
    event = np.asarray(event, dtype=bool)
    if np.any(exit < entry) or np.any(entry < 0):
        raise ValueError("expected 0 <= entry <= exit for every spell")
    return entry, exit, event


def exponential(entry, exit, event, level: float = 0.95) -> list[Row]:
    """Constant hazard: events / exposure, in closed form."""
    entry, exit, event = _arrays(entry, exit, event)
    d, e = int(event.sum()), float((exit - entry).sum())
    est, lo, hi = rate_ci(d, e, level)
    return [Row("rate_per_month", est, lo, hi, d, e)]


def piece_label(a: float, b: float) -> str:
    return f"rate_per_month[{a:g},{'inf' if math.isinf(b) else f'{b:g}'})"


def piecewise(entry, exit, event, cuts: list[float], level: float = 0.95) -> list[Row]:
    """Piecewise-constant hazard on [cuts[i], cuts[i+1]) (the last piece open): events/exposure per piece.

    The log-likelihood separates into one Poisson term per piece, so each piece's interval is
    the one-parameter likelihood-ratio interval of its own rate.
    """
    entry, exit, event = _arrays(entry, exit, event)
    edges = list(cuts) + [math.inf]
    rows = []
    for a, b in zip(edges[:-1], edges[1:]):
        exposure = float(np.clip(np.minimum(exit, b) - np.maximum(entry, a), 0, None).sum())
        d = int((event & (exit >= a) & (exit < b)).sum())
        est, lo, hi = rate_ci(d, exposure, level)
        rows.append(Row(piece_label(a, b), est, lo, hi, d, exposure))
    return rows


# --- Weibull ---------------------------------------------------------------------------
# h(t) = (k/s) (t/s)^(k-1), H(t) = (t/s)^k; parameters u = log k, v = log s.
# With z = log t - v: log h = u + k z - log t, and H = exp(k z).


class _WeibullData:
    """Sufficient pieces of the Weibull log-likelihood with left truncation."""

    def __init__(self, entry, exit, event) -> None:
        self.d = event
        self.D = int(event.sum())
        self.log_t = np.log(exit[event])
        self.log_exit = np.log(np.where(exit > 0, exit, 1.0))
        self.exit_pos = exit > 0
        self.trunc = entry > 0
        self.log_entry = np.log(entry[self.trunc])

    def _terms(self, log_times: np.ndarray, k: float, v: float):
        z = log_times - v
        ekz = np.exp(k * z)
        return z, ekz

    def loglik(self, theta) -> tuple[float, np.ndarray, np.ndarray]:
        """Log-likelihood, gradient and Hessian in (log shape, log scale)."""
        u, v = theta
        k = math.exp(u)
        ze, ee = self._terms(self.log_t, k, v)  # events
        zx, ex = self._terms(self.log_exit[self.exit_pos], k, v)  # all exits: cumulative hazard
        z0, e0 = self._terms(self.log_entry, k, v)  # entries: truncation
        D = self.D
        ll = D * u + k * ze.sum() - self.log_t.sum() - ex.sum() + e0.sum()
        du = D + k * ze.sum() - k * (zx * ex).sum() + k * (z0 * e0).sum()
        dv = -k * D + k * ex.sum() - k * e0.sum()
        duu = k * ze.sum() - ((k * zx + k * k * zx * zx) * ex).sum() + ((k * z0 + k * k * z0 * z0) * e0).sum()
        dvv = -k * k * ex.sum() + k * k * e0.sum()
        duv = -k * D + ((k + k * k * zx) * ex).sum() - ((k + k * k * z0) * e0).sum()
        return ll, np.array([du, dv]), np.array([[duu, duv], [duv, dvv]])


def weibull_loglik(entry, exit, event, shape: float, scale: float) -> tuple[float, np.ndarray, np.ndarray]:
    """Log-likelihood with gradient and Hessian in (log shape, log scale); for checks and profiles."""
    return _WeibullData(*_arrays(entry, exit, event)).loglik(np.array([math.log(shape), math.log(scale)]))


def weibull(entry, exit, event, level: float = 0.95) -> list[Row]:
    """Weibull hazard by numerical MLE; Wald intervals on the log scale from the observed information.

    Intervals for shape and scale are exp(log estimate +- z se) (delta method: se of the log
    parameter from the inverse observed information). Needs at least two events.
    """
    entry, exit, event = _arrays(entry, exit, event)
    d, e = int(event.sum()), float((exit - entry).sum())
    nan_rows = [Row(p, math.nan, math.nan, math.nan, d, e) for p in ("shape", "scale_months")]
    if d < 2 or e <= 0 or np.any(exit[event] <= 0):
        return nan_rows
    data = _WeibullData(entry, exit, event)
    start = np.array([0.0, math.log(e / d)])
    res = optimize.minimize(
        lambda th: tuple(-x for x in data.loglik(th)[:2]),
        start,
        jac=True,
        hess=lambda th: -data.loglik(th)[2],
        method="trust-exact",
    )
    _, grad, hess = data.loglik(res.x)
    info = -hess
    if not res.success or np.max(np.abs(grad)) > 1e-4 * max(d, 1) or np.any(np.linalg.eigvalsh(info) <= 0):
        return nan_rows
    cov = np.linalg.inv(info)
    zq = float(stats.norm.ppf(0.5 + level / 2))
    rows = []
    for i, name in enumerate(("shape", "scale_months")):
        se = math.sqrt(cov[i, i])
        rows.append(Row(name, math.exp(res.x[i]), math.exp(res.x[i] - zq * se), math.exp(res.x[i] + zq * se), d, e))
    return rows


MODELS = {"exponential": exponential, "weibull": weibull, "piecewise": piecewise}
