"""Tests of the distribution vocabulary (fraudsim/scenario/distributions.py).

Sampling tests draw a large sample from a fixed-seed generator and accept the
sample statistic if it lies within five standard errors of the target: with a
fixed seed the test is deterministic, and a correct implementation would fail
it with probability below 1e-6 for any seed. Properties over any parameters:
tests/test_distributions_properties.py.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from fraudsim.scenario.distributions import Constant, Exponential, as_count, as_fen
from tests.dist_helpers import Z95, rng
from tests.dist_helpers import any_dist as dist

N = 200_000
Z = 5.0  # standard errors of tolerance


def assert_mean_close(sample: np.ndarray, target: float) -> None:
    """Sample mean within Z standard errors of ``target``."""
    se = sample.std(ddof=1) / math.sqrt(len(sample))
    assert abs(sample.mean() - target) <= Z * se + 1e-12 * max(1.0, abs(target)), (
        sample.mean(),
        target,
        se,
    )


def assert_variance_close(sample: np.ndarray, target: float) -> None:
    """Sample variance within Z standard errors of ``target``.

    The standard error of the sample variance is sqrt((m4 - s^4) / n), with m4
    the fourth central moment, estimated from the sample.
    """
    centred = sample - sample.mean()
    s2 = float(np.mean(centred**2))
    m4 = float(np.mean(centred**4))
    se = math.sqrt((m4 - s2 * s2) / len(sample))
    assert abs(sample.var(ddof=1) - target) <= Z * se, (sample.var(ddof=1), target, se)


def assert_quantile_close(sample: np.ndarray, p: float, target: float, density: float) -> None:
    """Empirical p-quantile within Z standard errors of ``target``.

    The asymptotic standard error of a sample quantile is
    sqrt(p (1 - p) / n) / f(x_p), with f the density at the true quantile.
    """
    se = math.sqrt(p * (1 - p) / len(sample)) / density
    assert abs(np.quantile(sample, p) - target) <= Z * se, (np.quantile(sample, p), target, se)


def lognormal_pdf(x: float, mu: float, sigma: float) -> float:
    return math.exp(-((math.log(x) - mu) ** 2) / (2 * sigma**2)) / (
        x * sigma * math.sqrt(2 * math.pi)
    )


# --- each kind validates and samples with the right mean ----------------------------------

MEAN_CASES: list[tuple[dict[str, Any], float]] = [
    ({"kind": "constant", "value": 7.5}, 7.5),
    ({"kind": "exponential", "mean": 3.0}, 3.0),
    (
        {"kind": "lognormal", "median": 12.0, "p95": 90.0},
        12.0 * math.exp((math.log(90.0 / 12.0) / Z95) ** 2 / 2),
    ),
    ({"kind": "lognormal", "mean": 10.0, "sd": 5.0}, 10.0),
    ({"kind": "gamma", "shape": 2.0, "scale": 3.0}, 6.0),
    ({"kind": "gamma", "mean": 8.0, "sd": 2.0}, 8.0),
    ({"kind": "uniform", "low": 2.0, "high": 10.0}, 6.0),
    ({"kind": "triangular", "low": 0.0, "mode": 1.0, "high": 8.0}, 3.0),
    ({"kind": "empirical", "values": [1.0, 2.0, 10.0]}, 13.0 / 3),
    ({"kind": "empirical", "values": [1.0, 2.0, 10.0], "weights": [2, 1, 1]}, 14.0 / 4),
    (
        {
            "kind": "mixture",
            "components": [
                {"weight": 0.7, "dist": {"kind": "exponential", "mean": 2.0}},
                {"weight": 0.3, "dist": {"kind": "uniform", "low": 100.0, "high": 200.0}},
            ],
        },
        0.7 * 2.0 + 0.3 * 150.0,
    ),
]


@pytest.mark.parametrize(("spec", "expected_mean"), MEAN_CASES, ids=lambda v: str(v)[:40])
def test_kind_validates_and_samples_with_right_mean(
    spec: dict[str, Any], expected_mean: float
) -> None:
    d = dist(spec)
    assert d.kind == spec["kind"]
    assert d.mean() == pytest.approx(expected_mean, rel=1e-12)
    sample = d.sample(rng(), N)
    assert sample.shape == (N,)
    assert sample.dtype == np.float64
    assert (sample >= 0).all()
    assert_mean_close(sample, expected_mean)


def test_constant_does_not_touch_the_generator() -> None:
    g = rng()
    before = g.bit_generator.state
    assert (dist(4.0).sample(g, 10) == 4.0).all()
    assert g.bit_generator.state == before


def test_same_seed_same_draws() -> None:
    d = dist({"kind": "lognormal", "median": 12, "p95": 90})
    assert (d.sample(rng(7), 100) == d.sample(rng(7), 100)).all()


# --- parametrisations ---------------------------------------------------------------------


def test_lognormal_median_p95_gives_empirical_median_and_p95() -> None:
    d = dist({"kind": "lognormal", "median": 12.0, "p95": 90.0})
    mu, sigma = d.params()
    assert math.exp(mu) == pytest.approx(12.0)
    assert math.exp(mu + Z95 * sigma) == pytest.approx(90.0)
    sample = d.sample(rng(), N)
    assert_quantile_close(sample, 0.5, 12.0, lognormal_pdf(12.0, mu, sigma))
    assert_quantile_close(sample, 0.95, 90.0, lognormal_pdf(90.0, mu, sigma))


def test_lognormal_mean_sd_matches_moments() -> None:
    d = dist({"kind": "lognormal", "mean": 10.0, "sd": 5.0})
    assert d.mean() == pytest.approx(10.0)
    sample = d.sample(rng(), N)
    assert_mean_close(sample, 10.0)
    assert_variance_close(sample, 25.0)


def test_gamma_mean_sd_matches_moments() -> None:
    d = dist({"kind": "gamma", "mean": 8.0, "sd": 2.0})
    shape, scale = d.params()
    assert shape * scale == pytest.approx(8.0)
    assert shape * scale**2 == pytest.approx(4.0)
    sample = d.sample(rng(), N)
    assert_mean_close(sample, 8.0)
    assert_variance_close(sample, 4.0)


def test_gamma_shape_scale_variance() -> None:
    sample = dist({"kind": "gamma", "shape": 2.0, "scale": 3.0}).sample(rng(), N)
    assert_variance_close(sample, 2.0 * 3.0**2)


def test_empirical_frequencies_follow_weights() -> None:
    d = dist({"kind": "empirical", "values": [1.0, 2.0, 10.0], "weights": [2, 1, 1]})
    assert d.probabilities() == pytest.approx([0.5, 0.25, 0.25])
    sample = d.sample(rng(), N)
    assert set(np.unique(sample)) <= {1.0, 2.0, 10.0}
    for value, p in ((1.0, 0.5), (2.0, 0.25), (10.0, 0.25)):
        share = float(np.mean(sample == value))
        assert abs(share - p) <= Z * math.sqrt(p * (1 - p) / N)


def test_mixture_picks_components_by_weight() -> None:
    d = dist(
        {
            "kind": "mixture",
            "components": [{"weight": 0.25, "dist": 1}, {"weight": 0.75, "dist": 2}],
        }
    )
    sample = d.sample(rng(), N)
    share = float(np.mean(sample == 1.0))
    assert abs(share - 0.25) <= Z * math.sqrt(0.25 * 0.75 / N)
    assert set(np.unique(sample)) == {1.0, 2.0}


def test_nested_mixture() -> None:
    inner = {
        "kind": "mixture",
        "components": [{"weight": 0.5, "dist": 0}, {"weight": 0.5, "dist": 4}],
    }
    d = dist(
        {
            "kind": "mixture",
            "components": [{"weight": 0.5, "dist": inner}, {"weight": 0.5, "dist": 10}],
        }
    )
    assert d.mean() == pytest.approx(6.0)
    assert_mean_close(d.sample(rng(), N), 6.0)


NESTED = {
    "kind": "mixture",
    "components": [
        {"weight": 0.5, "dist": {"kind": "mixture", "components": [
            {"weight": 0.4, "dist": {"kind": "gamma", "shape": 0.7, "scale": 3.0}},
            {"weight": 0.6, "dist": {"kind": "exponential", "mean": 50.0}}]}},
        {"weight": 0.5, "dist": {"kind": "lognormal", "median": 12.0, "p95": 90.0}},
    ],
}


@settings(max_examples=40, deadline=None)
@given(spec=st.sampled_from([s for s, _ in MEAN_CASES] + [NESTED]),
       seed=st.integers(0, 2**32), n=st.integers(1, 300), fewer=st.integers(0, 300))
def test_fewer_draws_are_the_first_values_of_more(
    spec: dict[str, Any], seed: int, n: int, fewer: int
) -> None:
    """Property: value i does not depend on how many are drawn.

    The victims kept under more interception are the first of the same
    draw order, so this is what keeps their amounts and delays the same
    across policies (common random numbers). A mixture that drew only as
    many values from each component as picked it broke this.
    """
    m = min(fewer, n)
    more = dist(spec).sample(rng(seed), n)
    assert list(dist(spec).sample(rng(seed), m)) == list(more[:m])


def test_degenerate_uniform_is_allowed() -> None:
    d = dist({"kind": "uniform", "low": 3, "high": 3})
    assert (d.sample(rng(), 100) == 3.0).all()


def test_aliases_and_field_names_both_accepted() -> None:
    assert dist({"kind": "exponential", "mean": 2}).mean_value == 2
    assert Exponential(kind="exponential", mean_value=2).mean() == 2


# --- bare numbers -------------------------------------------------------------------------


@pytest.mark.parametrize("value", [3, 3.5, 0, 0.0])
def test_bare_number_becomes_constant(value: float) -> None:
    d = dist(value)
    assert isinstance(d, Constant)
    assert d.kind == "constant"
    assert d.value == value


def test_table_with_value_only_becomes_constant() -> None:
    assert dist({"value": 2}) == Constant(value=2)


# --- invalid distributions ----------------------------------------------------------------

INVALID: list[tuple[Any, str]] = [
    (-1, "greater than or equal to 0"),
    ({"kind": "constant", "value": -0.5}, "greater than or equal to 0"),
    ({"kind": "exponential", "mean": 0}, "greater than 0"),
    ({"kind": "exponential", "mean": -3}, "greater than 0"),
    ({"kind": "lognormal", "median": -1, "p95": 5}, "greater than 0"),
    ({"kind": "lognormal", "median": 10, "p95": 5}, "p95 must be greater than median"),
    ({"kind": "lognormal", "median": 10, "p95": 10}, "p95 must be greater than median"),
    ({"kind": "lognormal", "median": 10}, "exactly one pair"),
    ({"kind": "lognormal", "median": 1, "p95": 2, "mean": 1, "sd": 1}, "exactly one pair"),
    ({"kind": "lognormal", "mean": 1, "sd": -1}, "greater than 0"),
    ({"kind": "gamma", "shape": 2}, "exactly one pair"),
    ({"kind": "gamma", "shape": 2, "scale": 1, "mean": 2, "sd": 1}, "exactly one pair"),
    # A stray half of the other pair would be ignored by the sampler.
    ({"kind": "lognormal", "median": 5, "p95": 50, "mean": 300}, "given: median, p95, mean"),
    ({"kind": "lognormal", "mean": 5, "sd": 2, "p95": 50}, "replace the whole distribution"),
    ({"kind": "gamma", "shape": 2, "scale": 3, "mean": 300}, "given: shape, scale, mean"),
    ({"kind": "gamma", "mean": 2, "sd": 1, "scale": 3}, "exactly one pair"),
    ({"kind": "gamma", "shape": -2, "scale": 1}, "at least 1e-06: a gamma's shape is positive"),
    ({"kind": "uniform", "low": 5, "high": 4}, "high must be at least low"),
    ({"kind": "uniform", "low": -1, "high": 4}, "greater than or equal to 0"),
    ({"kind": "triangular", "low": 0, "mode": 5, "high": 4}, "low <= mode <= high"),
    ({"kind": "triangular", "low": 3, "mode": 2, "high": 4}, "low <= mode <= high"),
    ({"kind": "triangular", "low": 4, "mode": 4, "high": 4}, "low < high"),
    ({"kind": "triangular", "low": -1, "mode": 0, "high": 4}, "greater than or equal to 0"),
    ({"kind": "empirical", "values": [1, 2], "weights": [1]}, "one entry per value"),
    ({"kind": "empirical", "values": [1, 2], "weights": [0, 0]}, "must not all be zero"),
    ({"kind": "empirical", "values": [1, -2]}, "greater than or equal to 0"),
    ({"kind": "empirical", "values": [1, 2], "weights": [1, -1]}, "greater than or equal to 0"),
    ({"kind": "empirical", "values": []}, "at least 1 item"),
    (
        {"kind": "mixture", "components": [{"weight": 0.5, "dist": 1}, {"weight": 0.4, "dist": 2}]},
        "must sum to 1",
    ),
    (
        {"kind": "mixture", "components": [{"weight": 0.6, "dist": 1}, {"weight": 0.6, "dist": 2}]},
        "must sum to 1",
    ),
    ({"kind": "mixture", "components": [{"weight": 1.5, "dist": 1}]}, "less than or equal to 1"),
    ({"kind": "mixture", "components": [{"weight": 1, "dist": -1}]}, "greater than or equal to 0"),
    ({"kind": "mixture", "components": []}, "at least 1 item"),
    ({"kind": "exponential", "mean": 3, "median": 2}, "Extra inputs are not permitted"),
    ({"kind": "poisson", "mean": 3}, "does not match any of the expected tags"),
    ({"median": 3, "p95": 5}, "Unable to extract tag"),
    ("three", "valid dictionary"),
    (True, "valid dictionary"),
]


@pytest.mark.parametrize(("spec", "message"), INVALID, ids=lambda v: str(v)[:50])
def test_invalid_distribution_raises(spec: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(")):
        dist(spec)


def test_distributions_are_immutable() -> None:
    d = dist({"kind": "uniform", "low": 1, "high": 2})
    with pytest.raises(ValidationError):
        d.low = 0


# --- counts and amounts -------------------------------------------------------------------


@pytest.mark.parametrize("convert", [as_count, as_fen])
def test_rounding_and_floor_at_one(convert: Any) -> None:
    draws = np.array([0.0, 0.2, 0.49, 0.51, 1.4, 1.6, 2.0, 7.3, 7.7, 1e9 + 0.2])
    out = convert(draws)
    assert out.dtype == np.int64
    assert out.tolist() == [1, 1, 1, 1, 1, 2, 2, 7, 8, 1_000_000_000]


@pytest.mark.parametrize("convert", [as_count, as_fen])
def test_conversion_of_empty_array(convert: Any) -> None:
    assert convert(np.array([], dtype=np.float64)).shape == (0,)


def test_count_of_constant_distribution() -> None:
    assert as_count(dist(2).sample(rng(), 3)).tolist() == [2, 2, 2]
    assert as_count(dist(0).sample(rng(), 3)).tolist() == [1, 1, 1]


def test_amounts_are_whole_fen_and_refused_beyond_exact_money() -> None:
    from fraudsim.scenario.distributions import MONEY_CEILING, MoneyRangeError, as_fen

    fen = as_fen(np.array([0.2, 1.5, 2.5, float(2**61)]))
    assert fen.dtype == np.int64
    assert fen.tolist() == [1, 2, 2, 2**61]  # at least a fen; halves to even; exact
    with pytest.raises(MoneyRangeError, match="lognormal's tail: the draws add up to"):
        as_fen(np.array([MONEY_CEILING * 0.6, MONEY_CEILING * 0.6]), "lognormal's tail")
