"""Tests of the distributions' parameter conversions and bounds (fraudsim/scenario/dist_params.py).

The conversions must give exactly what the sampler always computed (the
golden runs rest on it); the bounds must keep every mean and draw finite,
as the module's docstrings reckon; the messages must read right. Refusals
as a scenario sees them: tests/test_distributions_bounds.py.
"""

from __future__ import annotations

import math
import re

import pytest

from fraudsim.scenario import dist_params
from fraudsim.scenario.dist_params import (
    MAX_PARAMETER,
    MAX_SHAPE,
    MAX_SIGMA,
    MIN_SHAPE,
    Z95,
    check_gamma,
    check_lognormal,
    gamma_of_moments,
    lognormal_of_moments,
    lognormal_of_quantiles,
)
from tests.dist_helpers import Z95 as Z95_EXACT


def test_z95_is_the_normal_95th_percentile() -> None:
    assert abs(Z95 - Z95_EXACT) < 1e-15


@pytest.mark.parametrize(("a", "b"), [(12.0, 90.0), (0.37, 4.1), (5e-324, 1e-323), (7e22, 9.7e29)])
def test_conversions_are_the_formulas_the_sampler_always_used(a: float, b: float) -> None:
    # Bit for bit: results of valid scenarios must not change.
    assert lognormal_of_quantiles(a, b) == (math.log(a), math.log(b / a) / Z95)
    sigma2 = math.log1p((b / a) ** 2)
    assert lognormal_of_moments(a, b) == (math.log(a) - sigma2 / 2, math.sqrt(sigma2))
    shape = (a / b) ** 2
    assert gamma_of_moments(a, b) == (shape, a / shape)


def test_the_bounds_keep_the_worst_lognormal_finite() -> None:
    """The reckoning of MAX_SIGMA's docstring: mean at most 5.2e51, draws below 1e84."""
    mu = math.log(MAX_PARAMETER)
    assert math.exp(mu + MAX_SIGMA**2 / 2) < 5.2e51
    assert math.exp(mu + 12.3 * MAX_SIGMA) < 1e84  # numpy's normal never passes 12.3
    assert math.isfinite(math.exp(mu + 40 * MAX_SIGMA))  # nor 40, by far
    assert f"{math.exp(MAX_SIGMA * Z95):.3g}" == "1.39e+07"  # p95 / median
    assert f"{math.sqrt(math.expm1(MAX_SIGMA**2)):.3g}" == "5.18e+21"  # sd / mean


def test_the_bounds_keep_the_worst_gamma_finite() -> None:
    assert MAX_SHAPE * MAX_PARAMETER < 1e52  # the largest mean
    # numpy's sampler: at most scale * (shape + 14 sqrt(shape) + 160), or 81 scale below 1
    scale = MAX_PARAMETER / MIN_SHAPE  # by mean and sd, the largest scale
    assert 81 * scale < 1e84
    assert MAX_PARAMETER * (MAX_SHAPE + 14 * math.sqrt(MAX_SHAPE) + 160) < 1e84


@pytest.mark.parametrize(
    ("median", "p95", "mean", "sd"),
    [(1.0, 1.39e7, None, None), (None, None, 1.0, 5.18e21), (5e-324, 1e-323, None, None)],
)
def test_lognormal_just_inside_the_bounds_is_accepted(
    median: float | None, p95: float | None, mean: float | None, sd: float | None
) -> None:
    check_lognormal(median, p95, mean, sd)


@pytest.mark.parametrize(
    ("median", "p95", "mean", "sd", "message"),
    [
        (1.0, 1.4e7, None, None, "sigma would be 10.0037"),
        (None, None, 1.0, 5.19e21, "sigma would be 10.0001"),
        (None, None, 1.0, 1e300, "sigma would be 37.2"),  # as sqrt(2 ln(sd/mean))
        (None, None, 5e-324, 1.0, "sigma would be 38.6"),  # sd/mean is infinite
        (5e-324, 1e300, None, None, "sigma would be 873"),  # p95/median is infinite
        (2.0, 1.0, None, None, "p95 must be greater than median"),
        (2.0, None, 1.0, 1.0, "exactly one pair"),
    ],
)
def test_lognormal_beyond_the_bounds_is_refused(
    median: float | None, p95: float | None, mean: float | None, sd: float | None, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        check_lognormal(median, p95, mean, sd)


@pytest.mark.parametrize(
    ("mean", "sd", "message"),
    [
        (1.0, 1000.001, "shape would be 9.99998e-07; at least 1e-06"),
        (1.0, 9.99e-9, "shape would be 1.002e+16; at most 1e+16"),
        (1.0, 1e-200, "shape would be 1e+400"),  # (mean / sd) ** 2 would overflow
        (1e-200, 1e100, "shape would be 1e-600"),  # and underflow to 0
        (1.0, 1000.0000001, "shape would be 9.999999997999998e-07"),  # not "1e-06"
    ],
)
def test_gamma_beyond_the_bounds_is_refused(mean: float, sd: float, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        check_gamma(None, None, mean, sd)


@pytest.mark.parametrize(("mean", "sd"), [(1.0, 1000.0), (1.0, 1e-8), (5e-324, 5e-324)])
def test_gamma_on_the_bounds_is_accepted(mean: float, sd: float) -> None:
    check_gamma(None, None, mean, sd)
    shape, scale = gamma_of_moments(mean, sd)
    assert math.isfinite(shape * scale)


@pytest.mark.parametrize(
    ("exponent", "text"),
    [(400.0, "1e+400"), (-440.0, "1e-440"), (-6.6, "2.51e-07"), (2.9999999, "1e+03"),
     (0.0, "1e+00")],
)
def test_powers_of_ten_beyond_floats_are_written_like_floats(exponent: float, text: str) -> None:
    assert dist_params._power_of_ten(exponent) == text


@pytest.mark.parametrize(
    ("value", "bound", "text"),
    [(12.25, 10.0, "12.2"), (10.0001, 10.0, "10.0001"), (10.0000001, 10.0, "10.0000001")],
)
def test_a_value_beyond_a_bound_never_reads_as_the_bound(
    value: float, bound: float, text: str
) -> None:
    assert dist_params._shown(value, bound) == text
