"""Properties of the distribution vocabulary (fraudsim/scenario/distributions.py).

For any parameters hypothesis finds: constants draw their value, draws lie
in the support of a uniform, triangular or empirical distribution, the
lognormal's and gamma's parametrisations round-trip, and a mixture's mean
is the weighted mean of its components', and any parameters the validation
accepts draw finite, non-negative values. Sampling against the targets:
tests/test_distributions.py.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from fraudsim.scenario.dist_params import MAX_PARAMETER, MAX_SHAPE, MAX_SIGMA, MIN_SHAPE
from fraudsim.scenario.distributions import (
    Empirical,
    Gamma,
    Lognormal,
    Mixture,
    Triangular,
    Uniform,
)
from tests.dist_helpers import Z95, rng, stream_draws
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


# --- any accepted parameters draw finite values -------------------------------------------

EDGES = [0.0, 5e-324, 1e-300, MIN_SHAPE, 1.0, MAX_SHAPE, MAX_PARAMETER,
         math.nextafter(MAX_PARAMETER, math.inf), 1e300, sys.float_info.max]

# Any float a scenario could hold (subnormals, and beyond the bounds, included), spread
# over magnitudes: uniform floats alone would be almost all huge.
number = st.one_of(
    st.floats(min_value=-330, max_value=308).map(lambda e: 10.0**e),
    st.floats(min_value=0, allow_nan=False, allow_infinity=False),
    st.sampled_from(EDGES),
)
# Spreads around the bounds: sigma of a lognormal, a ratio sd/mean.
sigma = st.floats(min_value=0, max_value=1.3 * MAX_SIGMA)
ratio = st.floats(min_value=-12, max_value=30).map(lambda e: 10.0**e)


@st.composite
def any_spec(draw: st.DrawFn, depth: int = 0) -> Any:
    """A distribution table with numbers of any size, within the bounds or not."""
    kinds = ["constant", "exponential", "quantiles", "lognormal moments", "shape scale",
             "gamma moments", "uniform", "triangular", "empirical"]
    kind = draw(st.sampled_from(kinds + (["mixture"] if depth < 2 else [])))
    a, b, c = draw(number), draw(number), draw(number)
    if kind == "constant":
        return a
    if kind == "exponential":
        return {"kind": "exponential", "mean": a}
    if kind == "quantiles":
        p95 = a * math.exp(Z95 * draw(sigma)) if draw(st.booleans()) else b
        return {"kind": "lognormal", "median": a, "p95": p95}
    if kind in ("lognormal moments", "gamma moments"):
        sd = a * draw(ratio) if draw(st.booleans()) else b
        return {"kind": kind.split()[0], "mean": a, "sd": sd}
    if kind == "shape scale":
        return {"kind": "gamma", "shape": draw(st.one_of(ratio, number)), "scale": b}
    if kind == "uniform":
        return {"kind": "uniform", "low": min(a, b), "high": max(a, b)}
    if kind == "triangular":
        low, mode, high = sorted((a, b, c))
        return {"kind": "triangular", "low": low, "mode": mode, "high": high}
    if kind == "empirical":
        values = draw(st.lists(number, min_size=1, max_size=4))
        weights = draw(st.none() | st.lists(number, min_size=len(values), max_size=len(values)))
        return {"kind": "empirical", "values": values, "weights": weights}
    parts = draw(st.lists(any_spec(depth + 1), min_size=1, max_size=3))
    return {"kind": "mixture",
            "components": [{"weight": 1 / len(parts), "dist": d} for d in parts]}


@settings(database=None, deadline=None, max_examples=400)
@given(spec=any_spec(), seed=st.integers(0, 2**63 - 1))
# Two that crashed runs: OverflowError in params(), and NaN draws.
@example(spec={"kind": "lognormal", "mean": 1, "sd": 1e200}, seed=0)
@example(spec={"kind": "lognormal", "mean": 1e-300, "sd": 1e300}, seed=0)
def test_accepted_parameters_draw_finite_non_negative_values(spec: Any, seed: int) -> None:
    """Property: validation refuses (with a ValidationError, nothing else) or draws stay finite.

    The draws come one at a time from a Streams sampler, as the model takes
    them; the mean is what the scenario limits read, and the lognormal's
    and gamma's parameters what the verification's fits read.
    """
    try:
        d = dist(spec)
    except ValidationError:
        event("refused")
        return
    event("accepted")
    mean = d.mean()
    assert math.isfinite(mean) and mean >= 0
    if isinstance(d, Lognormal | Gamma):
        assert all(math.isfinite(p) for p in d.params())
    draws = stream_draws(d, 300, seed)
    assert all(math.isfinite(x) and x >= 0 for x in draws), spec
