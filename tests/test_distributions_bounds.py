"""Distribution parameters at and beyond their bounds, as a scenario sees them.

Each refused parametrisation says which key and why; each accepted one on
a bound has a finite mean and draws finite, non-negative values (the
bounds themselves: fraudsim/scenario/dist_params.py, tests/test_dist_params.py).
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import ValidationError

from fraudsim.scenario import ScenarioError, load_scenario
from tests.conftest import SCENARIOS
from tests.dist_helpers import any_dist as dist
from tests.dist_helpers import stream_draws

# --- extreme parameters -------------------------------------------------------------------

KINDS = {"constant", "exponential", "lognormal", "gamma", "uniform", "triangular", "empirical",
         "mixture"}
BEYOND = "at most 1e+30: no real time, count or amount comes near"
LOGNORMAL_WIDE = "far wider than any real quantity, and a much wider one overflows"

# Each used to validate, then overflowed, divided by zero or drew NaN or infinity (the
# first two in runs). (spec, key at fault, "" for the table; message part.)
EXTREME: list[tuple[Any, str, str]] = [
    # (sd / mean) ** 2 raised OverflowError in params()
    ({"kind": "lognormal", "mean": 1, "sd": 1e200}, "sd", BEYOND),
    # mu -inf, sigma inf: every draw NaN, "cannot schedule ... at time NaN"
    ({"kind": "lognormal", "mean": 1e-300, "sd": 1e300}, "sd", BEYOND),
    ({"kind": "lognormal", "mean": 1e-300, "sd": 1e20}, "",
     "sd/mean too large: the lognormal's sigma would be 38.4; at most 10 (sd at most "
     "5.18e+21 times the mean), " + LOGNORMAL_WIDE),
    ({"kind": "lognormal", "mean": 5e-324, "sd": 1}, "", "sigma would be 38.6; at most 10"),
    ({"kind": "lognormal", "mean": 1, "sd": 5.19e21}, "", "sigma would be 10.0001; at most 10"),
    # mean() = exp(mu + sigma**2 / 2) raised OverflowError
    ({"kind": "lognormal", "median": 1, "p95": 1e30}, "",
     "p95/median too large: the lognormal's sigma would be 42; at most 10 (p95 at most "
     "1.39e+07 times the median), " + LOGNORMAL_WIDE),
    ({"kind": "lognormal", "median": 1, "p95": 1.4e7}, "", "sigma would be 10.0037; at most 10"),
    # p95 / median overflows to infinity: sigma inf
    ({"kind": "lognormal", "median": 5e-324, "p95": 1e30}, "", "sigma would be 495; at most 10"),
    ({"kind": "lognormal", "median": 1e31, "p95": 1e30}, "median", BEYOND),
    # (mean / sd) ** 2 raised OverflowError
    ({"kind": "gamma", "mean": 1, "sd": 1e-200}, "",
     "sd/mean too small: the gamma's shape would be 1e+400; at most 1e+16 (sd at least 1e-08 "
     "times the mean): so narrow a gamma is a constant, give one"),
    # the shape underflowed to 0 and its scale raised ZeroDivisionError
    ({"kind": "gamma", "mean": 1e-200, "sd": 1e20}, "",
     "sd/mean too large: the gamma's shape would be 1e-440; at least 1e-06 (sd at most 1000 "
     "times the mean): almost every draw would be 0"),
    ({"kind": "gamma", "mean": 1, "sd": 1000.001}, "", "shape would be 9.99998e-07; at least"),
    ({"kind": "gamma", "mean": 1, "sd": 9.99e-9}, "", "shape would be 1.002e+16; at most 1e+16"),
    ({"kind": "gamma", "shape": 1e-7, "scale": 1}, "shape",
     "at least 1e-06: a gamma's shape is positive, and a smaller one draws almost nothing"),
    ({"kind": "gamma", "shape": 2e16, "scale": 1}, "shape",
     "at most 1e+16: a gamma of larger shape is a constant (give one)"),
    # shape * scale, and every draw, infinite
    ({"kind": "gamma", "shape": 2, "scale": 1e308}, "scale", BEYOND),
    # mean times a standard exponential draw (up to 44): infinite
    ({"kind": "exponential", "mean": 1.7e308}, "mean", BEYOND),
    (1e31, "value", BEYOND),
    ({"kind": "uniform", "low": 0, "high": 1e300}, "high", BEYOND),
    # numpy multiplies the widths: the products overflowed and draws fell to low
    ({"kind": "triangular", "low": 0, "mode": 1, "high": 1e200}, "high", BEYOND),
    ({"kind": "empirical", "values": [1, 1e300]}, "values.1", BEYOND),
    # the weights summed to infinity: probabilities 0, rng.choice failed
    ({"kind": "empirical", "values": [1, 2], "weights": [1, 1e308]}, "weights.1", BEYOND),
    ({"kind": "mixture", "components": [
        {"weight": 0.5, "dist": 1},
        {"weight": 0.5, "dist": {"kind": "lognormal", "mean": 1, "sd": 1e25}}]},
     "components.1.dist", "sd/mean too large: the lognormal's sigma would be 10.7"),
]


def key_of(error: Any) -> str:
    """The key at fault, as a scenario's key path ends: kind tags dropped."""
    return ".".join(str(p) for p in error["loc"][1:] if p not in KINDS)


@pytest.mark.parametrize(("spec", "key", "message"), EXTREME, ids=lambda v: str(v)[:50])
def test_extreme_parameters_are_refused_saying_why(spec: Any, key: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:  # and not OverflowError, ZeroDivisionError...
        dist(spec)
    (error,) = info.value.errors()
    assert key_of(error) == key
    assert message in error["msg"], error["msg"]


# On the bounds, and the smallest floats: each is accepted, its mean and draws finite.
BOUNDARY: list[Any] = [
    1e30,
    5e-324,
    {"kind": "exponential", "mean": 1e30},
    {"kind": "exponential", "mean": 5e-324},
    {"kind": "lognormal", "median": 1, "p95": 1.39e7},  # sigma 9.9997
    {"kind": "lognormal", "median": 7e22, "p95": 9.73e29},
    {"kind": "lognormal", "median": 5e-324, "p95": 1e-323},
    {"kind": "lognormal", "median": 5e-324, "p95": 6.5e-317},
    {"kind": "lognormal", "mean": 1, "sd": 5.18e21},  # sigma 9.99991
    {"kind": "lognormal", "mean": 1e8, "sd": 5.18e29},
    {"kind": "lognormal", "mean": 1e30, "sd": 1e30},
    {"kind": "lognormal", "mean": 5e-324, "sd": 5e-324},
    {"kind": "gamma", "shape": 1e-6, "scale": 1e30},
    {"kind": "gamma", "shape": 1e16, "scale": 1e30},
    {"kind": "gamma", "shape": 1e16, "scale": 5e-324},
    {"kind": "gamma", "mean": 1, "sd": 1000},  # shape 1e-6 exactly
    {"kind": "gamma", "mean": 1, "sd": 1e-8},  # shape 1e16
    {"kind": "gamma", "mean": 1e30, "sd": 1e30},
    {"kind": "gamma", "mean": 1e-300, "sd": 1e-297},
    {"kind": "gamma", "mean": 5e-324, "sd": 5e-324},
    {"kind": "uniform", "low": 0, "high": 1e30},
    {"kind": "triangular", "low": 0, "mode": 1e30, "high": 1e30},
    {"kind": "triangular", "low": 0, "mode": 0, "high": 1e30},
    {"kind": "empirical", "values": [0, 1e30], "weights": [1e30, 1e30]},
    {"kind": "empirical", "values": [1, 2], "weights": [5e-324, 5e-324]},
    {"kind": "mixture", "components": [
        {"weight": 0.5, "dist": {"kind": "lognormal", "median": 7e22, "p95": 9.73e29}},
        {"weight": 0.5, "dist": {"kind": "gamma", "mean": 1, "sd": 1000}}]},
]


@pytest.mark.parametrize("spec", BOUNDARY, ids=lambda v: str(v)[:60])
def test_parameters_on_the_bounds_are_accepted_and_draw_finite_values(spec: Any) -> None:
    d = dist(spec)
    assert math.isfinite(d.mean()) and d.mean() >= 0
    if hasattr(d, "params"):
        assert all(math.isfinite(p) for p in d.params())
    draws = stream_draws(d)
    assert all(math.isfinite(x) and x >= 0 for x in draws)


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('{kind="lognormal",mean=1,sd=1e200}', f".sd: {BEYOND}"),
        ('{kind="lognormal",mean=1e-300,sd=1e300}', f".sd: {BEYOND}"),
        ('{kind="lognormal",mean=1e-300,sd=1e20}',
         ": sd/mean too large: the lognormal's sigma would be 38.4"),
    ],
)
def test_overrides_that_crashed_runs_are_refused_when_the_scenario_is_read(
    table: str, problem: str
) -> None:
    """``fraudsim run ... --set`` of each: refused with the key, before any run."""
    key = "banks.xiamen_bank.stop_latency_min"
    with pytest.raises(ScenarioError) as info:
        load_scenario(SCENARIOS / "xiamen-2023.toml", [f"{key}={table}"])
    assert f"{key}{problem}" in str(info.value)
