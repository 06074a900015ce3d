"""Goodness of fit of observed delays (fraudsim/verify/fit.py).

The distribution functions are compared with closed forms written out here
(and with the meaning of each parametrisation: a lognormal's median and 95th
percentile), the discrete support with weights merged by hand, and the tests'
statistics with values worked out on hand-made samples: a Kolmogorov-Smirnov
distance computed from its definition and a chi-square computed on paper.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsim.scenario.distributions import Constant
from fraudsim.verify.fit import MIN_P_VALUE, Fit, cdf, describe, fit, is_discrete, support
from tests.dist_helpers import dist

GRID = np.array([0.0, 0.5, 3.0, 10.0, 20.0, 47.0, 60.0, 89.0, 200.0, 5000.0])

# --- distribution functions ---------------------------------------------------------------


def triangular_cdf(x: float, low: float, mode: float, high: float) -> float:
    """The triangular distribution function, piece by piece."""
    if x <= low:
        return 0.0
    if x >= high:
        return 1.0
    if x <= mode:
        return (x - low) ** 2 / ((high - low) * (mode - low))
    return 1.0 - (high - x) ** 2 / ((high - low) * (high - mode))


@pytest.mark.parametrize(
    ("spec", "formula"),
    [
        ({"kind": "exponential", "mean": 10.0}, lambda x: 1.0 - math.exp(-x / 10.0)),
        ({"kind": "uniform", "low": 10, "high": 60}, lambda x: min(1.0, max(0.0, (x - 10) / 50))),
        ({"kind": "gamma", "shape": 2.0, "scale": 6.0},
         lambda x: 1.0 - math.exp(-x / 6.0) * (1.0 + x / 6.0)),
        ({"kind": "gamma", "mean": 10.0, "sd": 10.0},  # shape 1: the exponential
         lambda x: 1.0 - math.exp(-x / 10.0)),
        ({"kind": "triangular", "low": 5, "mode": 20, "high": 90},
         lambda x: triangular_cdf(x, 5, 20, 90)),
        ({"kind": "lognormal", "mean": 20.0, "sd": 15.0},
         lambda x: 0.0 if x == 0 else NormalDist(
             math.log(20.0) - math.log1p(0.5625) / 2, math.sqrt(math.log1p(0.5625))
         ).cdf(math.log(x))),
    ],
    ids=["exponential", "uniform", "gamma-shape-scale", "gamma-mean-sd", "triangular",
         "lognormal-mean-sd"],
)
def test_cdf_is_the_closed_form(spec: dict[str, Any], formula: Any) -> None:
    """Each continuous kind's analytic distribution function, checked against its formula."""
    expected = np.array([formula(float(x)) for x in GRID])
    assert np.allclose(cdf(dist(spec))(GRID), expected, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(median=st.floats(0.1, 500.0), ratio=st.floats(1.05, 50.0))
def test_lognormal_cdf_honours_median_and_p95(median: float, ratio: float) -> None:
    """A lognormal given by median and p95 puts exactly 50% and 95% of its mass below them."""
    f = cdf(dist({"kind": "lognormal", "median": median, "p95": median * ratio}))
    assert f(np.array([median, median * ratio])) == pytest.approx([0.5, 0.95], abs=1e-9)


def test_mixture_of_mixtures_has_the_weighted_cdf() -> None:
    """A continuous mixture nested in a mixture still gets one analytic distribution function."""
    inner = {"kind": "mixture", "components": [
        {"weight": 0.5, "dist": {"kind": "uniform", "low": 0, "high": 4}},
        {"weight": 0.5, "dist": {"kind": "exponential", "mean": 2}}]}
    outer = {"kind": "mixture", "components": [
        {"weight": 0.4, "dist": inner},
        {"weight": 0.6, "dist": {"kind": "uniform", "low": 2, "high": 6}}]}
    x = np.array([1.0, 3.0, 8.0])
    inner_f = 0.5 * np.clip(x / 4, 0, 1) + 0.5 * (1 - np.exp(-x / 2))
    expected = 0.4 * inner_f + 0.6 * np.clip((x - 2) / 4, 0, 1)
    assert np.allclose(cdf(dist(outer))(x), expected)


@pytest.mark.parametrize(
    "spec",
    [
        3.0,
        {"kind": "empirical", "values": [1, 2]},
        {"kind": "mixture", "components": [
            {"weight": 0.5, "dist": 2.0},
            {"weight": 0.5, "dist": {"kind": "exponential", "mean": 1}}]},
    ],
    ids=["constant", "empirical", "mixture-with-a-point-mass"],
)
def test_cdf_refuses_a_distribution_with_point_masses(spec: Any) -> None:
    """KS needs a continuous distribution function: point masses are refused by name."""
    d = dist(spec)
    with pytest.raises(ValueError, match=f"^{d.kind}: no continuous distribution function"):
        cdf(d)


# --- discrete support ---------------------------------------------------------------------


def test_is_discrete() -> None:
    """Constants and empirical lists are discrete; a mixture of them is not treated as such."""
    assert is_discrete(dist(4.0))
    assert is_discrete(dist({"kind": "empirical", "values": [1, 2]}))
    assert not is_discrete(dist({"kind": "uniform", "low": 1, "high": 2}))
    assert not is_discrete(dist({"kind": "mixture", "components": [{"weight": 1, "dist": 4.0}]}))


def test_support_merges_repeated_values() -> None:
    """An empirical list naming a value twice puts both weights on that one value."""
    values, probs = support(dist({"kind": "empirical", "values": [3, 1, 3], "weights": [1, 1, 2]}))
    assert values.tolist() == [1.0, 3.0]
    assert probs.tolist() == pytest.approx([0.25, 0.75])


def test_support_of_unweighted_empirical_and_constant() -> None:
    """Without weights every listed value is equally likely; a constant is certain."""
    values, probs = support(dist({"kind": "empirical", "values": [5, 2, 9, 2]}))
    assert values.tolist() == [2.0, 5.0, 9.0]
    assert probs.tolist() == pytest.approx([0.5, 0.25, 0.25])
    values, probs = support(Constant(value=7.5))
    assert (values.tolist(), probs.tolist()) == ([7.5], [1.0])


def test_support_refuses_a_continuous_distribution() -> None:
    """A continuous distribution has no finite support to test by chi-square."""
    with pytest.raises(ValueError, match=r"^gamma: not a discrete distribution"):
        support(dist({"kind": "gamma", "shape": 2, "scale": 1}))


# --- the tests ----------------------------------------------------------------------------


def ks_distance(sample: list[float], f: Callable[[float], float]) -> float:
    """The Kolmogorov-Smirnov distance from its definition, on the sorted sample."""
    xs = sorted(sample)
    n = len(xs)
    return max(max((i + 1) / n - f(x), f(x) - i / n) for i, x in enumerate(xs))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 12.0), min_size=1, max_size=40))
def test_ks_statistic_is_the_largest_gap(sample: list[float]) -> None:
    """The KS statistic is sup |F_n - F| against uniform(2, 10), computed independently."""
    result = fit(np.array(sample), dist({"kind": "uniform", "low": 2, "high": 10}))
    expected = ks_distance(sample, lambda x: min(1.0, max(0.0, (x - 2) / 8)))
    assert result.test == "KS" and result.n == len(sample)
    assert result.statistic == pytest.approx(expected, abs=1e-12)
    assert 0.0 <= result.p_value <= 1.0


def test_one_observation_at_the_median_is_half_way() -> None:
    """One value at the median of uniform(0, 10): D = 1/2 and nothing can be rejected."""
    result = fit(np.array([5.0]), dist({"kind": "uniform", "low": 0, "high": 10}))
    assert result.statistic == pytest.approx(0.5)
    assert result.passed


def test_a_sample_far_outside_the_support_fails_ks() -> None:
    """Fifty delays all beyond an exponential's bulk are rejected: the check can fail."""
    result = fit(np.linspace(100.0, 200.0, 50), dist({"kind": "exponential", "mean": 5.0}))
    assert result.statistic > 0.99
    assert not result.passed


def test_chi_square_worked_by_hand() -> None:
    """60 ones and 40 twos against a fair choice: X^2 = 100/50 + 100/50 = 4, one degree of freedom.

    P(X^2_1 > 4) = P(|Z| > 2) = erfc(2 / sqrt 2), about 0.0455.
    """
    observed = np.array([1.0] * 60 + [2.0] * 40)
    result = fit(observed, dist({"kind": "empirical", "values": [1, 2]}))
    assert result.test == "chi-square" and result.n == 100
    assert result.statistic == pytest.approx(4.0)
    assert result.p_value == pytest.approx(math.erfc(math.sqrt(2.0)), rel=1e-9)
    assert result.passed


def test_chi_square_fails_counts_far_from_the_weights() -> None:
    """90 to 10 against 50/50: X^2 = 64, far beyond the pass threshold."""
    observed = np.array([1.0] * 90 + [2.0] * 10)
    result = fit(observed, dist({"kind": "empirical", "values": [1, 2]}))
    assert result.statistic == pytest.approx(64.0)
    assert not result.passed


def test_a_value_off_the_support_is_impossible() -> None:
    """A delay the configuration cannot produce fails outright, whatever the other counts."""
    observed = np.array([1.0] * 50 + [2.0] * 50 + [1.5, 7.0])
    result = fit(observed, dist({"kind": "empirical", "values": [1, 2]}))
    assert (result.test, result.statistic, result.p_value, result.n) == ("exact", 2.0, 0.0, 102)
    assert not result.passed


def test_constant_is_tested_exactly_with_float_tolerance() -> None:
    """A constant delay passes when every value is it, up to rounding in minute arithmetic."""
    d = dist(0.3)
    good = fit(np.array([0.1 + 0.2, 0.3, 0.3]), d)
    assert (good.test, good.statistic, good.p_value) == ("exact", 0.0, 1.0)
    assert good.passed
    assert not fit(np.array([0.3, 0.31]), d).passed


def test_no_observations_is_a_failure() -> None:
    """An empty sample cannot support the configuration: the row must fail."""
    for d in (dist(1.0), dist({"kind": "exponential", "mean": 1.0})):
        result = fit(np.array([], dtype=np.float64), d)
        assert (result.test, result.n, result.p_value) == ("none", 0, 0.0)
        assert math.isnan(result.statistic)
        assert not result.passed


@pytest.mark.parametrize(
    ("p_value", "n", "passed"),
    [(MIN_P_VALUE, 10, True), (MIN_P_VALUE * 0.999, 10, False), (1.0, 0, False)],
)
def test_pass_threshold(p_value: float, n: int, passed: bool) -> None:
    """A fit passes at p >= 0.001 with at least one observation, and not otherwise."""
    assert MIN_P_VALUE == 1e-3
    assert Fit("KS", 0.1, p_value, n).passed is passed


# --- names for the table ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        ({"kind": "exponential", "mean": 10.0}, "exponential(mean=10)"),
        ({"kind": "lognormal", "median": 47, "p95": 1170}, "lognormal(median=47, p95=1170)"),
        ({"kind": "gamma", "shape": 2.0, "scale": 6.0}, "gamma(shape=2, scale=6)"),
        (2.5, "constant(value=2.5)"),
        ({"kind": "empirical", "values": [1, 2, 3, 5, 8, 13]}, "empirical(values=[1,2,3,5,…])"),
        ({"kind": "empirical", "values": [1, 2], "weights": [3, 1]},
         "empirical(values=[1,2], weights=[3,1])"),
        ({"kind": "mixture", "components": [
            {"weight": 0.5, "dist": 1.0}, {"weight": 0.5, "dist": 2.0}]}, "mixture of 2"),
    ],
)
def test_describe(spec: Any, text: str) -> None:
    """Short names use the file's own key names, omit unset ones and cut long lists."""
    assert describe(dist(spec)) == text

