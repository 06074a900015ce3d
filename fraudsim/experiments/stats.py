"""Statistics of replications: means, Student-t confidence intervals, precision.

Replications of a policy are independent, identically distributed runs, so
the mean of a measure over n replications has a confidence interval
``mean ± t(n-1) · sd / √n`` with Student's t quantile. Two policies run
with common random numbers are compared through the paired differences of
their replications, whose interval is much narrower than the difference of
two independent intervals.

Student's t quantile is computed here in pure Python, exactly: the
two-sided probability ``P(|T| ≤ t)`` of Student's t with an integer number
of degrees of freedom is a finite trigonometric series (Abramowitz & Stegun,
26.7.3 and 26.7.4), which Newton's method inverts to machine precision. No
statistics library is needed at run time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike

CONFIDENCE = 0.95
"""Confidence level of every interval fraudsim reports."""


def _two_sided(t: float, df: int) -> float:
    """Return ``P(|T| <= t)`` for Student's t with ``df`` degrees of freedom."""
    theta = math.atan(t / math.sqrt(df))
    s, c2 = math.sin(theta), math.cos(theta) ** 2
    odd = df % 2 == 1
    term = total = 1.0
    for k in range(1, (df - 1) // 2 if odd else df // 2):
        term *= c2 * (2 * k / (2 * k + 1) if odd else (2 * k - 1) / (2 * k))
        total += term
        if term < total * 1e-17:
            break
    if not odd:
        return s * total
    if df == 1:
        return 2 * theta / math.pi
    return 2 / math.pi * (theta + s * math.cos(theta) * total)


def _density(t: float, df: int) -> float:
    """Return the density of Student's t at ``t``."""
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_c - (df + 1) / 2 * math.log1p(t * t / df))


@lru_cache(maxsize=256)
def t_critical(df: int, confidence: float = CONFIDENCE) -> float:
    """Return ``t`` with ``P(|T| <= t) = confidence`` for Student's t.

    Newton's method from t = 0: the two-sided probability is increasing and
    concave in t, so the iterates rise monotonically to the root.

    Args:
        df: Degrees of freedom (a positive integer: replications - 1).
        confidence: Two-sided confidence level, e.g. 0.95.

    Returns:
        The critical value (e.g. 2.262 for df = 9 at 95%).
    """
    if df < 1 or not 0 < confidence < 1:
        raise ValueError("t_critical needs df >= 1 and 0 < confidence < 1")
    t = 0.0
    for _ in range(200):
        step = (confidence - _two_sided(t, df)) / (2 * _density(t, df))
        t += step
        if step <= t * 1e-15:
            break
    return t


@dataclass(frozen=True)
class Estimate:
    """A mean over replications and its confidence interval.

    Attributes:
        n: Replications with a defined value (NaNs, e.g. a median of no
            cases, are left out).
        mean: Mean over those replications.
        sd: Sample standard deviation (ddof = 1).
        half_width: Half-width of the 95% interval (NaN if n < 2).
    """

    n: int
    mean: float
    sd: float
    half_width: float

    @property
    def low(self) -> float:
        """Lower end of the confidence interval."""
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        """Upper end of the confidence interval."""
        return self.mean + self.half_width

    @property
    def relative_half_width(self) -> float:
        """Half-width as a share of ``|mean|`` (0 if exact, inf if the mean is 0)."""
        if math.isnan(self.half_width) or self.half_width == 0:
            return self.half_width
        return self.half_width / abs(self.mean) if self.mean != 0 else math.inf


def estimate(values: ArrayLike, confidence: float = CONFIDENCE) -> Estimate:
    """Return the mean of ``values`` with its Student-t confidence interval."""
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[~np.isnan(arr)]
    n = len(arr)
    if n == 0:
        return Estimate(0, math.nan, math.nan, math.nan)
    mean = float(arr.mean())
    if n == 1:
        return Estimate(1, mean, math.nan, math.nan)
    sd = float(arr.std(ddof=1))
    return Estimate(n, mean, sd, t_critical(n - 1, confidence) * sd / math.sqrt(n))


def paired(values: ArrayLike, baseline: ArrayLike) -> Estimate:
    """Return the mean paired difference ``values - baseline`` and its interval.

    Both arrays are per replication, in the same replication order; pairs in
    which either value is undefined are left out.
    """
    return estimate(np.asarray(values, dtype=np.float64) - np.asarray(baseline, dtype=np.float64))


def verdict(diff: Estimate) -> str:
    """Say what a paired difference shows at the confidence level."""
    if diff.n and diff.sd == 0 and diff.mean == 0:
        return "identical"
    if diff.n < 2:
        return "n/a"
    if diff.low > 0:
        return "higher"
    if diff.high < 0:
        return "lower"
    return "no clear difference"


def precision_ratio(estimates: Iterable[Estimate], target: float) -> float:
    """Return the worst ratio of relative half-width to the target (<= 1: met).

    Measures undefined in every replication (n = 0) cannot be estimated and
    are skipped; a measure defined in a single replication counts as unmet.
    """
    worst = 0.0
    for e in estimates:
        if e.n == 0:
            continue
        rel = e.relative_half_width if e.n >= 2 else math.inf
        worst = max(worst, rel / target)
    return worst


def next_replications(n: int, ratio: float, cap: int, step: int) -> int:
    """Return how many replications the precision rule asks for next.

    The half-width shrinks like 1/√n, so ``n · ratio²`` replications are
    projected to meet the target; the next batch adds at least ``step`` and
    at most doubles ``n``, and never passes ``cap``. The rule depends only
    on the results so far, so the replications used do not depend on the
    executor or on how many workers ran them.
    """
    projected = math.ceil(n * ratio * ratio) if math.isfinite(ratio) else 2 * n
    return min(cap, 2 * n, max(n + step, projected))
