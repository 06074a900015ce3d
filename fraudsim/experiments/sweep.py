"""Sweeps: one or two scenario parameters varied over a grid.

``--vary banks.b1.stop_latency_min=1,3,10,30`` gives an outcome curve: money
saved (and every headline measure) against the bank's stop-payment latency,
with confidence bands. Every grid point runs the same replication numbers
with the same seed, so the points see the same scams (common random numbers
across the grid) and the curve is smooth where independent runs would be
noisy. Two parameters give the full grid (first parameter outer).
"""

from __future__ import annotations

import itertools
import json
import tomllib
from collections.abc import Mapping, Sequence
from typing import Any

from fraudsim.experiments.errors import ExperimentError
from fraudsim.scenario.loading import _parse_value, _set_path, validate_scenario
from fraudsim.scenario.policies import FORBIDDEN
from fraudsim.scenario.schema import Scenario

MAX_PARAMETERS = 2


def parse_vary(text: str) -> tuple[str, list[Any]]:
    """Read ``key.path=v1,v2,...`` into the key path and its values.

    The values are read as a TOML array, so numbers, quoted strings, booleans
    and inline tables (distributions) all work; if that fails they are split
    on commas and each read like a ``--set`` value (bare words as strings).

    Raises:
        ExperimentError: If there is no ``=``, no value, an empty value
            between commas, or a value listed twice (a point run twice).
    """
    key, sep, values = text.partition("=")
    key = key.strip()
    if not sep or not key or not values.strip():
        raise ExperimentError(f"--vary {text!r}: expected key.path=value1,value2,...")
    try:
        parsed: list[Any] = tomllib.loads(f"v = [{values}]")["v"]
    except tomllib.TOMLDecodeError:
        items = [v.strip() for v in values.split(",")]
        if "" in items[:-1]:  # a trailing comma is allowed, as in TOML
            raise ExperimentError(f"--vary {text!r}: an empty value between commas") from None
        parsed = [_parse_value(v) for v in items if v]
    if not parsed:
        raise ExperimentError(f"--vary {text!r}: no values")
    seen = [json.dumps(v, sort_keys=True) for v in parsed]
    twice = sorted({v for v in seen if seen.count(v) > 1})
    if twice:
        raise ExperimentError(f"--vary {text!r}: {', '.join(twice)} listed twice")
    return key, parsed


def grid(vary: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Return every grid point as ``{key path: value}`` (first parameter outer).

    Raises:
        ExperimentError: If there are no parameters or more than two, or a
            parameter is one that must not vary.
    """
    if not 1 <= len(vary) <= MAX_PARAMETERS:
        raise ExperimentError(f"a sweep varies 1 or {MAX_PARAMETERS} parameters, "
                              f"not {len(vary)}")
    for key, values in vary.items():
        root = key.split(".")[0]
        if root in FORBIDDEN:
            raise ExperimentError(f"--vary {key}: {root} cannot be swept"
                                  + (" (every grid point shares the seed)" if root == "seed"
                                     else ""))
        if not values:
            raise ExperimentError(f"--vary {key}: no values")
    keys = list(vary)
    return [dict(zip(keys, combo, strict=True))
            for combo in itertools.product(*(vary[k] for k in keys))]


def label(point: Mapping[str, Any]) -> str:
    """Return a grid point for people: ``key=value, key=value``."""
    return ", ".join(f"{k}={json.dumps(v)}" for k, v in point.items())


def point_scenario(scenario: Scenario, point: Mapping[str, Any]) -> Scenario:
    """Return the scenario (with its policies) at one grid point.

    Raises:
        ScenarioError: If the values make the scenario or a policy invalid.
        ExperimentError: If a key path does not fit the scenario's shape.
    """
    raw = scenario.model_dump(mode="json", by_alias=True)
    for key, value in point.items():
        problem = _set_path(raw, key.split("."), value)
        if problem:
            raise ExperimentError(f"--vary {key}: {problem}")
    return validate_scenario(raw, f"grid point {label(point)}")


def check_conflicts(scenario: Scenario, policies: Sequence[str], keys: Sequence[str]) -> None:
    """Refuse to vary a key that a selected policy sets (the policy would win silently).

    Raises:
        ExperimentError: Naming the policy and the key.
    """
    for policy in policies:
        for set_key in scenario.policies.get(policy, {}):
            for key in keys:
                if _overlap(key, set_key):
                    raise ExperimentError(
                        f"policy {policy!r} sets {set_key}, which the sweep varies ({key}); "
                        "leave that policy out or vary another key")


def _overlap(a: str, b: str) -> bool:
    """Return whether one key path is the other or lies inside it."""
    pa_, pb = a.split("."), b.split(".")
    n = min(len(pa_), len(pb))
    return pa_[:n] == pb[:n]
