"""Policies: named sets of overrides of a scenario, compared by experiments.

A scenario file may declare policies such as "3-minute freeze" or "more
analysts"; each is a table of key paths (the same paths as ``--set``) and the
values they take under that policy::

    [policies.baseline]

    [policies.fast_freeze]
    "banks.xiamen_bank.stop_latency_min" = 1.0

    [policies.more_analysts]
    response.analysts.staff = 4          # TOML dotted keys work too

A policy changes what is done, never the scams that happen: it may not touch
the seed, so replication r of every policy sees the same victims (common
random numbers), nor the measurement window (``time.horizon_days``,
``time.warmup_days``), so that replication r of every policy counts the same
cases and the paired differences compare like with like. Every policy is
validated like the scenario itself, and its problems are reported under
``policies.<name>.<key path>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from fraudsim.scenario.limits import limit_problems
from fraudsim.scenario.loading import _child, _deep_copy, _field_problems, _set_path
from fraudsim.scenario.schema import Scenario, cross_problems

BASE_POLICY = "base"
"""Name of the plain scenario, without any policy's overrides."""

POLICY_KEYS = ("policies", "baseline_policy")
"""Top-level keys that describe policies, dropped from a policy's own scenario."""

FORBIDDEN = {
    "seed": "a policy cannot change the seed: every policy must see the same scams",
    "policies": "a policy cannot declare policies",
    "baseline_policy": "a policy cannot choose the baseline",
}
"""Top-level keys a policy may not set, and why."""

WINDOW = {
    "time.horizon_days": "a policy cannot change the horizon: every policy is measured over "
                         "the same days, so that the policies can be paired",
    "time.warmup_days": "a policy cannot change the warm-up: every policy counts the same "
                        "cases, so that the policies can be paired",
    "time.drain_days": "a policy cannot change the drain: every policy's money is followed "
                       "for as long, so that what is still in flight at the end compares",
    "time.resource_bin_min": "a policy cannot change the resource bins: every policy's "
                             "queue waits are counted on the same bins (the warm-up cut "
                             "falls on a bin's edge)",
}
"""Key paths of the measurement window, which a policy may not set (nor their tables), and why.

A policy that counted other cases, or followed its money for longer, would
differ from the baseline by what is measured, not by what is done, and the
pairing by replication would mean nothing.
"""


def normalise_policies(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``raw`` with every policy written as flat ``key.path -> value`` pairs.

    TOML dotted keys (``response.analysts.staff = 4``) arrive as nested tables;
    they are flattened as long as they walk through tables or lists of the
    scenario (``mule_network.layers.0.dwell_min = 5`` means the quoted key). A
    table given for a value that is not a scenario table (a distribution such
    as ``{kind = "exponential", mean = 10}``) replaces that value whole.
    Malformed data is left alone for validation to report.
    """
    data = dict(raw)
    policies = raw.get("policies")
    if not isinstance(policies, Mapping):
        return data
    base = _base(raw)
    data["policies"] = {
        name: _flatten(base, (), table) if isinstance(table, Mapping) else table
        for name, table in policies.items()
    }
    return data


def _flatten(base: Any, prefix: tuple[str, ...], table: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        path = (*prefix, *str(key).split("."))
        if isinstance(value, Mapping) and _walks_on(_at(base, path)):
            out.update(_flatten(base, path, value))
        else:
            out[".".join(path)] = value
    return out


def _walks_on(node: Any) -> bool:
    """Return whether a dotted key walks on through a scenario value.

    It does through a table, or a list (by index); not through a
    distribution or a number, which a table given for it replaces.
    """
    return isinstance(node, list) or (isinstance(node, Mapping) and "kind" not in node)


def _at(node: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        node = _child(node, part)
    return node


def _base(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Return the scenario data without its policies."""
    return {k: v for k, v in raw.items() if k not in POLICY_KEYS}


def policy_problems(raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return every problem of the (normalised) policies of a valid base scenario.

    Each policy's overrides are applied to the base data and the result is
    validated; problems are reported under ``policies.<name>.``.
    """
    policies = raw.get("policies")
    if not isinstance(policies, Mapping):
        return []
    base = _base(raw)
    problems: list[tuple[str, str]] = []
    for name, overrides in policies.items():
        found = _apply(base, overrides)[1] if isinstance(overrides, Mapping) else []
        problems += [(f"policies.{name}.{path}".rstrip("."), msg) for path, msg in found]
    return problems


def _apply(
    base: Mapping[str, Any], overrides: Mapping[str, Any]
) -> tuple[Scenario | None, list[tuple[str, str]]]:
    """Apply one policy's overrides to base data; return the scenario or its problems."""
    data: dict[str, Any] = _deep_copy(base)
    problems: list[tuple[str, str]] = []
    for key, value in overrides.items():
        problem = _key_problem(base, key) or _set_path(data, key.split("."), _deep_copy(value))
        if problem:
            problems.append((key, problem))
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        cross = [(".".join(p), m) for p, m in cross_problems(data)]
        joined = "; ".join(f"{p}: {m}" for p, m in cross)
        fields = [(p, m) for p, m in _field_problems(err, data) if p or m != joined]
        return None, problems + fields + cross
    problems += limit_problems(scenario)
    return (None, problems) if problems else (scenario, [])


def _key_problem(base: Mapping[str, Any], key: str) -> str | None:
    """Say what is wrong with a policy's key path, if anything.

    Every step but the last must exist in the base scenario; the last may be
    a key the scenario leaves at its default (validation checks its name).
    """
    parts = key.split(".")
    if parts[0] in FORBIDDEN:
        return FORBIDDEN[parts[0]]
    # The key itself, or a table holding it (``time`` given whole).
    window = [why for path, why in WINDOW.items() if f"{path}.".startswith(f"{key}.")]
    if window:
        return window[0]
    node: Any = base
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            return None  # list indices are checked when the value is set
        child = _child(node, part)
        if child is None:
            where = ".".join(parts[:i]) or "the scenario"
            keys = ", ".join(str(k) for k in node) if isinstance(node, Mapping) else ""
            return f"unknown key path: {where} has no {part!r}" + (
                f" (it has: {keys})" if keys else "")
        node = child
    return None


def scenario_for_policy(scenario: Scenario, name: str) -> Scenario:
    """Return the scenario as a policy makes it (without the policies table).

    Args:
        scenario: A validated scenario.
        name: A declared policy, or ``"base"`` for the plain scenario (a name
            no policy may take).

    Raises:
        KeyError: If the scenario declares no policy of that name.
        ValueError: If the policy's overrides do not validate (cannot happen
            for a scenario validated by :func:`load_scenario`).
    """
    if name not in scenario.policies and name != BASE_POLICY:
        declared = ", ".join(scenario.policies) or "(none)"
        raise KeyError(f"unknown policy {name!r}; declared: {declared}")
    base = _base(scenario.model_dump(mode="json", by_alias=True))
    result, problems = _apply(base, scenario.policies.get(name, {}))
    if result is None:
        raise ValueError("; ".join(f"{p}: {m}" for p, m in problems))
    return result
