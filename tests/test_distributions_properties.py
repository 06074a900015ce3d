"""Properties of the distribution vocabulary (fraudsim/scenario/distributions.py).

For any parameters hypothesis finds: constants draw their value, draws lie
in the support of a uniform, triangular or empirical distribution, the
lognormal's and gamma's parametrisations round-trip, and a mixture's mean
is the weighted mean of its components'. Sampling against the targets:
tests/test_distributions.py.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fraudsim.scenario.distributions import (
    Empirical,
    Gamma,
    Lognormal,
    Mixture,
    Triangular,
    Uniform,
)
from tests.dist_helpers import Z95, rng
from tests.dist_helpers import any_dist as dist

# --- properties ---------------------------------------------------------------------------

# Subnormal values (e.g. 5e-324) underflow to 0 in a weighted mean: not a property of ours.
finite = st.floats(
    min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False, allow_subnormal=False
)


@settings(database=None, deadline=None)
@given(value=finite, seed=st.integers(0, 2**32 - 1))
def test_constant_samples_are_the_value(value: float, seed: int) -> None:
    sample = dist(value).sample(rng(seed), 20)
    assert (sample == value).all()
    assert (sample >= 0).all()


@settings(database=None, deadline=None)
@given(a=finite, b=finite, seed=st.integers(0, 2**32 - 1))
def test_uniform_samples_lie_in_support(a: float, b: float, seed: int) -> None:
    low, high = min(a, b), max(a, b)
    d = Uniform(kind="uniform", low=low, high=high)
    sample = d.sample(rng(seed), 50)
    assert (sample >= low).all()
    assert (sample <= high).all()
    assert (sample >= 0).all()
    assert low <= d.mean() <= high


@settings(database=None, deadline=None)
@given(
    points=st.lists(finite, min_size=3, max_size=3).filter(lambda p: min(p) < max(p)),
    seed=st.integers(0, 2**32 - 1),
)
# Found by hypothesis: widths whose products underflow gave draws below low.
@example(points=[0.0, 0.0, 6.909725320456012e-162], seed=0)
def test_triangular_samples_lie_in_support(points: list[float], seed: int) -> None:
    low, mode, high = sorted(points)
    d = Triangular(kind="triangular", low=low, mode=mode, high=high)
    sample = d.sample(rng(seed), 50)
    assert ((sample >= low) & (sample <= high)).all()


@settings(database=None, deadline=None)
@given(
    values=st.lists(finite, min_size=1, max_size=8),
    seed=st.integers(0, 2**32 - 1),
)
def test_empirical_samples_are_observed_values(values: list[float], seed: int) -> None:
    d = Empirical(kind="empirical", values=values)
    assert set(d.sample(rng(seed), 30).tolist()) <= set(values)
    assert min(values) <= d.mean() * (1 + 1e-12) and d.mean() <= max(values) * (1 + 1e-12)


@settings(database=None, deadline=None)
@given(
    median=st.floats(min_value=1e-3, max_value=1e6),
    ratio=st.floats(min_value=1.001, max_value=1e3),
)
def test_lognormal_quantile_parametrisation_round_trips(median: float, ratio: float) -> None:
    d = Lognormal(kind="lognormal", median=median, p95=median * ratio)
    mu, sigma = d.params()
    assert math.exp(mu) == pytest.approx(median, rel=1e-9)
    assert math.exp(mu + Z95 * sigma) == pytest.approx(median * ratio, rel=1e-9)
    assert d.mean() > median


@settings(database=None, deadline=None)
@given(
    mean=st.floats(min_value=1e-3, max_value=1e6),
    cv=st.floats(min_value=0.01, max_value=10),
)
def test_moment_parametrisations_round_trip(mean: float, cv: float) -> None:
    sd = mean * cv
    ln = Lognormal(kind="lognormal", mean_value=mean, sd=sd)
    _, sigma = ln.params()
    assert ln.mean() == pytest.approx(mean, rel=1e-9)
    assert math.sqrt(math.expm1(sigma**2)) * ln.mean() == pytest.approx(sd, rel=1e-9)
    g = Gamma(kind="gamma", mean_value=mean, sd=sd)
    shape, scale = g.params()
    assert g.mean() == pytest.approx(mean, rel=1e-9)
    assert math.sqrt(shape) * scale == pytest.approx(sd, rel=1e-9)


@settings(database=None, deadline=None)
@given(
    weights=st.lists(st.integers(1, 100), min_size=1, max_size=5),
    values=st.lists(finite, min_size=5, max_size=5),
)
def test_mixture_mean_is_weighted_mean(weights: list[int], values: list[float]) -> None:
    total = sum(weights)
    comps = [{"weight": w / total, "dist": v} for w, v in zip(weights, values, strict=False)]
    d = dist({"kind": "mixture", "components": comps})
    assert isinstance(d, Mixture)
    expected = sum(w / total * v for w, v in zip(weights, values, strict=False))
    assert d.mean() == pytest.approx(expected, rel=1e-9, abs=1e-9)
