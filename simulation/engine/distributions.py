"""Duration distributions, sampled by inversion of a uniform number (in days).

Inversion keeps common random numbers in step: the same uniform gives a longer duration
when the mean grows, never an unrelated one. `residual` samples the rest of a duration
already under way (people in a programme on day one). Every function of a uniform number
goes through portable_math, so a draw is the same on every machine.
"""

from __future__ import annotations

import bisect

from ..scenario import schema
from . import portable_math as pm
from .clock import UNIT_DAYS

_BELOW_ONE = 1.0 - 2.0**-53


class Distribution:
    mean: float

    def __init_subclass__(cls) -> None:
        if "sample" not in cls.__dict__:  # one call less on the hot path: sample is ppf
            setattr(cls, "sample", cls.ppf)  # noqa: B010  (setattr: the type checker forbids assigning a method)

    def ppf(self, u: float) -> float:
        raise NotImplementedError

    def cdf(self, x: float) -> float:
        raise NotImplementedError

    def sample(self, u: float) -> float:
        return self.ppf(u)

    def residual(self, u: float, elapsed: float) -> float:
        """Remaining time of a duration known to exceed `elapsed`."""
        f = self.cdf(elapsed)
        if f >= 1.0:
            return 0.0
        v = min(f + u * (1.0 - f), _BELOW_ONE)  # far in the tail f + u(1 - f) can round to 1
        return max(self.ppf(v) - elapsed, 0.0)


class Fixed(Distribution):
    def __init__(self, value: float) -> None:
        self.value = self.mean = value

    def ppf(self, u: float) -> float:
        return self.value

    def cdf(self, x: float) -> float:
        return 1.0 if x >= self.value else 0.0


class Exponential(Distribution):
    def __init__(self, mean: float) -> None:
        self.mean = mean

    def ppf(self, u: float) -> float:
        return -self.mean * pm.log1p(-u)

    def cdf(self, x: float) -> float:
        return -pm.expm1(-x / self.mean) if x > 0 else 0.0

    def residual(self, u: float, elapsed: float) -> float:
        return self.ppf(u)  # memoryless: the rest is as long as a fresh one


class Uniform(Distribution):
    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high
        self.mean = (low + high) / 2

    def ppf(self, u: float) -> float:
        return self.low + u * (self.high - self.low)

    def cdf(self, x: float) -> float:
        if self.high == self.low:
            return 1.0 if x >= self.low else 0.0
        return min(max((x - self.low) / (self.high - self.low), 0.0), 1.0)


class Lognormal(Distribution):
    def __init__(self, mean: float, sd: float) -> None:
        self.mean = mean
        cv = sd / mean
        self.sigma = pm.sqrt(pm.log1p(cv * cv))
        self.mu = pm.log(mean) - self.sigma * self.sigma / 2

    def ppf(self, u: float) -> float:
        return pm.exp(self.mu + self.sigma * pm.norm_ppf(u))

    def cdf(self, x: float) -> float:
        return pm.norm_cdf((pm.log(x) - self.mu) / self.sigma) if x > 0 else 0.0


class Gamma(Distribution):
    def __init__(self, mean: float, sd: float) -> None:
        self.mean = mean
        self.shape = (mean / sd) * (mean / sd)
        self.scale = sd * sd / mean
        self._lgamma = pm.lgamma(self.shape)

    def ppf(self, u: float) -> float:
        return pm.gamma_ppf(self.shape, u, self._lgamma) * self.scale

    def cdf(self, x: float) -> float:
        return pm.gamma_p(self.shape, x / self.scale, self._lgamma) if x > 0 else 0.0


class Weibull(Distribution):
    def __init__(self, shape: float, scale: float) -> None:
        self.shape, self.scale = shape, scale
        self.mean = scale * pm.exp(pm.lgamma(1 + 1 / shape))

    def ppf(self, u: float) -> float:
        return self.scale * pm.power(-pm.log1p(-u), 1 / self.shape)

    def cdf(self, x: float) -> float:
        return -pm.expm1(-pm.power(x / self.scale, self.shape)) if x > 0 else 0.0


class Empirical(Distribution):
    """Draws one of the observed values with its weight."""

    def __init__(self, values: list[float], weights: list[float] | None) -> None:
        pairs = sorted(zip(values, weights or [1.0] * len(values)))
        total = sum(w for _, w in pairs)
        self.values = [v for v, _ in pairs]
        self.cum, acc = [], 0.0
        for _, w in pairs:
            acc += w / total
            self.cum.append(acc)
        self.cum[-1] = 1.0
        self.mean = sum(v * w for v, w in pairs) / total

    def ppf(self, u: float) -> float:
        return self.values[min(bisect.bisect_left(self.cum, u), len(self.values) - 1)]

    def cdf(self, x: float) -> float:
        i = bisect.bisect_right(self.values, x)
        return self.cum[i - 1] if i else 0.0


def build(spec: schema.Duration) -> Distribution:
    """A sampler in days from a scenario's duration spec."""
    k = UNIT_DAYS[spec.unit]
    if isinstance(spec, schema.Fixed):
        return Fixed(spec.value * k)
    if isinstance(spec, schema.Exponential):
        return Exponential(spec.mean * k)
    if isinstance(spec, schema.Uniform):
        return Uniform(spec.low * k, spec.high * k)
    if isinstance(spec, schema.Lognormal):
        return Lognormal(spec.mean * k, spec.sd * k)
    if isinstance(spec, schema.Gamma):
        return Gamma(spec.mean * k, spec.sd * k)
    if isinstance(spec, schema.Weibull):
        return Weibull(spec.shape, spec.scale * k)
    if isinstance(spec, schema.Empirical):
        return Empirical([v * k for v in spec.values], spec.weights)
    raise TypeError(f"unknown duration kind {spec!r}")
