"""Goodness of fit of observed delays to the distribution a scenario configures.

The configured distribution is turned into its analytic cumulative
distribution function (never into a sample drawn by the same code the
model uses, which would share the model's bugs), and the observed delays
are tested against it: Kolmogorov-Smirnov for continuous distributions,
Pearson's chi-square on the support for discrete ones (constants and
empirical value lists). scipy supplies the distributions and the tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fraudsim.scenario.distributions import (
    Constant,
    Distribution,
    Empirical,
    Exponential,
    Gamma,
    Lognormal,
    Mixture,
    Triangular,
    Uniform,
)

FloatArray = NDArray[np.float64]
Cdf = Callable[[FloatArray], FloatArray]

MIN_P_VALUE = 1e-3
"""A fit passes if the test's p-value is at least this (seeds are fixed, so
the verdict is reproducible; a correct model fails by chance once in 1,000
seeds)."""


@dataclass(frozen=True)
class Fit:
    """The outcome of one goodness-of-fit test.

    Attributes:
        test: ``KS`` or ``chi-square``.
        statistic: The test statistic (KS distance D, or chi-square).
        p_value: The p-value under the configured distribution.
        n: Number of observations.
    """

    test: str
    statistic: float
    p_value: float
    n: int

    @property
    def passed(self) -> bool:
        """Whether the observations are consistent with the distribution."""
        return self.n > 0 and self.p_value >= MIN_P_VALUE


def describe(dist: Distribution) -> str:
    """Return a short name of a distribution for the table (``lognormal(47, p95 1170)``)."""
    values = dist.model_dump(exclude_none=True, by_alias=True, exclude={"kind"})
    if isinstance(dist, Mixture):
        return f"mixture of {len(dist.components)}"
    args = ", ".join(f"{k}={_short(v)}" for k, v in values.items())
    return f"{dist.kind}({args})"


def _short(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ",".join(_short(v) for v in value[:4]) + (",…]" if len(value) > 4 else "]")
    return f"{value:g}" if isinstance(value, float | int) else str(value)


def is_discrete(dist: Distribution) -> bool:
    """Whether a distribution puts its mass on a finite set of values."""
    return isinstance(dist, Constant | Empirical)


def cdf(dist: Distribution) -> Cdf:
    """Return the analytic cumulative distribution function of a continuous distribution.

    Raises:
        ValueError: For a discrete distribution (use :func:`support`).
    """
    from scipy import stats

    if isinstance(dist, Exponential):
        return stats.expon(scale=dist.mean_value).cdf  # type: ignore[no-any-return]
    if isinstance(dist, Lognormal):
        mu, sigma = dist.params()
        return stats.lognorm(s=sigma, scale=math.exp(mu)).cdf  # type: ignore[no-any-return]
    if isinstance(dist, Gamma):
        shape, scale = dist.params()
        return stats.gamma(a=shape, scale=scale).cdf  # type: ignore[no-any-return]
    if isinstance(dist, Uniform):
        return stats.uniform(loc=dist.low, scale=dist.high - dist.low).cdf  # type: ignore[no-any-return]
    if isinstance(dist, Triangular):
        width = dist.high - dist.low
        frozen = stats.triang(c=(dist.mode - dist.low) / width, loc=dist.low, scale=width)
        return frozen.cdf  # type: ignore[no-any-return]
    if isinstance(dist, Mixture) and not any(is_discrete(c.dist) for c in dist.components):
        parts = [(c.weight, cdf(c.dist)) for c in dist.components]
        return lambda x: sum((w * f(x) for w, f in parts), np.zeros_like(x))
    raise ValueError(f"{dist.kind}: no continuous distribution function")


def support(dist: Distribution) -> tuple[FloatArray, FloatArray]:
    """Return the values and probabilities of a discrete distribution."""
    if isinstance(dist, Constant):
        return np.asarray([dist.value]), np.asarray([1.0])
    if isinstance(dist, Empirical):
        values = np.asarray(dist.values, dtype=np.float64)
        probs = dist.probabilities()
        unique = np.unique(values)
        return unique, np.asarray([probs[values == v].sum() for v in unique])
    raise ValueError(f"{dist.kind}: not a discrete distribution")


def fit(observed: FloatArray, dist: Distribution) -> Fit:
    """Test whether ``observed`` could be a sample of ``dist``."""
    from scipy import stats

    n = len(observed)
    if n == 0:
        return Fit("none", math.nan, 0.0, 0)
    if not is_discrete(dist):
        result = stats.kstest(observed, cdf(dist))
        return Fit("KS", float(result.statistic), float(result.pvalue), n)
    values, probs = support(dist)
    counts = np.asarray([np.isclose(observed, v).sum() for v in values], dtype=np.float64)
    outside = n - counts.sum()
    if outside > 0 or len(values) == 1:
        # Any value off the support, or any spread around a constant, is impossible.
        return Fit("exact", float(outside), 1.0 if outside == 0 else 0.0, n)
    result = stats.chisquare(counts, probs * n)
    return Fit("chi-square", float(result.statistic), float(result.pvalue), n)
