"""Policies of a scenario (fraudsim/scenario/policies.py), called on plain data directly.

Flattening TOML dotted keys into key paths, the problems of each policy
reported under its own name, and the scenario a policy makes: only the keys
it overrides change, the seed never does. Loading policies from files is
tested in test_experiments_policies.py.
"""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsim.scenario.loading import ScenarioError, validate_scenario
from fraudsim.scenario.policies import (
    BASE_POLICY,
    normalise_policies,
    policy_problems,
    scenario_for_policy,
)
from fraudsim.scenario.schema import Scenario
from tests.conftest import XIAMEN

RAW: dict[str, Any] = tomllib.loads(XIAMEN.read_text(encoding="utf-8"))
PLAIN: dict[str, Any] = {k: v for k, v in RAW.items() if k not in ("policies", "baseline_policy")}


def with_policies(policies: Any, **top: Any) -> dict[str, Any]:
    """The Xiamen replay's data with its policies replaced (and top-level keys added)."""
    return {**copy.deepcopy(PLAIN), "policies": policies, **top}


def scenario_with(policies: dict[str, dict[str, Any]]) -> Scenario:
    """A validated scenario declaring ``policies`` (each already flat)."""
    return Scenario.model_validate(with_policies(policies))


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """Write flat key paths as nested tables, as TOML dotted keys arrive."""
    out: dict[str, Any] = {}
    for path, value in flat.items():
        *parents, last = path.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


# --- flattening ---------------------------------------------------------------------------


def test_dotted_tables_become_key_paths() -> None:
    """Nested tables that walk through scenario tables become one ``a.b.c`` key each."""
    raw = with_policies({"p": {"response": {"analysts": {"staff": 4}, "call_takers.staff": 2},
                               "banks.xiamen_bank": {"stop_latency_min": 1.0}}})
    assert normalise_policies(raw)["policies"] == {"p": {
        "response.analysts.staff": 4,
        "response.call_takers.staff": 2,
        "banks.xiamen_bank.stop_latency_min": 1.0,
    }}


def test_dotted_keys_walk_through_lists_by_index() -> None:
    """``mule_network.layers.0.dwell_min = 5`` (unquoted) means the quoted key, as --set does."""
    text = ('dotted.mule_network.layers.1.dwell_min = 5.0\n'
            '"quoted"."mule_network.layers.1.dwell_min" = 5.0\n')
    raw = with_policies(tomllib.loads(text))
    policies = normalise_policies(raw)["policies"]
    assert policies["dotted"] == policies["quoted"] == {"mule_network.layers.1.dwell_min": 5.0}
    assert policy_problems(normalise_policies(raw)) == []


def test_a_distribution_table_replaces_the_value_whole() -> None:
    """A table given for a value (not a scenario table) is that value, not more key paths."""
    dist = {"kind": "lognormal", "median": 3.0, "p95": 30.0}
    raw = with_policies({"p": {"banks": {"xiamen_bank": {"stop_latency_min": dist}}}})
    assert normalise_policies(raw)["policies"]["p"] == {"banks.xiamen_bank.stop_latency_min": dist}


def test_a_table_under_an_unknown_key_is_kept_for_validation_to_report() -> None:
    """A table for a key the scenario lacks is not walked into: validation names that key."""
    raw = with_policies({"p": {"response": {"nosuch": {"staff": 1}}}})
    flat = normalise_policies(raw)
    assert flat["policies"]["p"] == {"response.nosuch": {"staff": 1}}
    assert policy_problems(flat) == [(
        "policies.p.response.nosuch",
        "unknown key; allowed keys: analysts, call_takers, guidance, holds, patrols, stop_payment",
    )]


@pytest.mark.parametrize("policies", [None, 3, "fast", ["a"]])
def test_malformed_policies_are_left_alone(policies: Any) -> None:
    """A policies entry that is not a table is returned as it came, for the schema to report."""
    raw = with_policies(policies)
    assert normalise_policies(raw) == raw
    assert policy_problems(raw) == []


def test_a_policy_that_is_not_a_table_is_left_alone() -> None:
    """One malformed policy does not stop the others from being flattened."""
    raw = with_policies({"odd": 3, "ok": {"time": {"horizon_days": 2.0}}})
    assert normalise_policies(raw)["policies"] == {"odd": 3, "ok": {"time.horizon_days": 2.0}}


def test_normalising_does_not_change_its_input() -> None:
    """The loader keeps the raw data for its messages: normalising works on a copy."""
    raw = with_policies({"p": {"response": {"analysts": {"staff": 4}}}})
    before = copy.deepcopy(raw)
    normalise_policies(raw)
    assert raw == before


FLAT_KEYS = {
    "response.analysts.staff": st.integers(0, 20),
    "response.call_takers.staff": st.integers(0, 20),
    "banks.xiamen_bank.stop_latency_min": st.floats(0.0, 60.0),
    "banks.xiamen_bank.freeze_latency_min": st.fixed_dictionaries(
        {"kind": st.just("exponential"), "mean": st.floats(1.0, 100.0)}),
    "response.patrols.staff": st.integers(0, 20),
    "early_warning.enabled": st.booleans(),
    "victims.report_lag_min": st.floats(0.0, 30.0),
}


@st.composite
def flat_policies(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.lists(st.sampled_from(sorted(FLAT_KEYS)), min_size=1, unique=True))
    return {k: draw(FLAT_KEYS[k]) for k in keys}


@settings(max_examples=40, deadline=None)
@given(flat=flat_policies())
def test_nesting_then_normalising_gives_back_the_key_paths(flat: dict[str, Any]) -> None:
    """Quoted key paths and the same keys written as dotted TOML tables normalise alike."""
    raw = with_policies({"quoted": flat, "dotted": nest(flat)})
    policies = normalise_policies(raw)["policies"]
    assert policies["dotted"] == policies["quoted"] == flat


# --- problems -------------------------------------------------------------------------------


def test_valid_policies_have_no_problems() -> None:
    """Policies that validate, flattened or not, give no problem."""
    raw = with_policies({"a": {"response.analysts.staff": 3},
                         "b": {"mule_network.layers.0.dwell_min": 5.0}, "c": {}})
    assert policy_problems(normalise_policies(raw)) == []
    assert policy_problems(PLAIN) == []


def test_each_policy_is_validated_on_its_own() -> None:
    """A field error, a cross-reference error and a model rule: each under its own policy.

    Shares of a mule layer beyond 1 break a rule of the whole layer, so the
    problem sits at the layer, not at the key the policy set.
    """
    raw = with_policies({
        "a": {"banks.xiamen_bank.stop_latency_min": -1.0},
        "b": {"scam_types.customer_service.share": 0.5},
        "c": {"mule_network.layers.0.cross_bank_share": 1.0,
              "mule_network.layers.0.cross_region_share": 0.5},
        "fine": {"banks.xiamen_bank.stop_latency_min": 4.0},
    })
    assert policy_problems(raw) == [
        ("policies.a.banks.xiamen_bank.stop_latency_min",
         "Input should be greater than or equal to 0 (got -1.0)"),
        ("policies.b.scam_types", "the share values must sum to 1 (they sum to 0.5)"),
        ("policies.c.mule_network.layers.0",
         "cross_bank_share + cross_region_share must not exceed 1"),
    ]


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("policies.x", "a policy cannot declare policies"),
        ("baseline_policy", "a policy cannot choose the baseline"),
        ("time.horizon_days", "a policy cannot change the horizon: every policy is measured "),
        ("time.warmup_days", "a policy cannot change the warm-up: every policy counts the same "),
        ("time.drain_days", "a policy cannot change the drain: every policy's money is "),
        ("time.resource_bin_min", "a policy cannot change the resource bins: every policy's "),
        ("time", "a policy cannot change the horizon"),
        ("nosuch.thing", "unknown key path: the scenario has no 'nosuch' (it has: "),
        ("regions.xiamen.share.x", "unknown key path: regions.xiamen has no 'share' (it has: "
                                   "population_share)"),
    ],
)
def test_keys_a_policy_may_not_use(key: str, message: str) -> None:
    """Reserved keys and paths through tables that do not exist are refused with a reason."""
    found = policy_problems(with_policies({"p": {key: 1}}))
    assert len(found) == 1
    assert found[0][0] == f"policies.p.{key}"
    assert found[0][1].startswith(message)


def test_a_problem_per_key_of_one_policy() -> None:
    """Every bad key of a policy is reported, not only the first."""
    found = dict(policy_problems(with_policies({"p": {
        "seed": 1, "response.analysts.staff": -2, "response.patrols.staff": -1}})))
    assert set(found) == {"policies.p.seed", "policies.p.response.analysts.staff",
                          "policies.p.response.patrols.staff"}


# --- the scenario a policy makes ----------------------------------------------------------


def test_base_is_the_plain_scenario_without_policies() -> None:
    """``base`` needs no declaration: it is the scenario with no overrides and no policies."""
    scenario = scenario_with({"fast": {"banks.xiamen_bank.stop_latency_min": 1.0}})
    plain = scenario_for_policy(scenario, BASE_POLICY)
    assert BASE_POLICY == "base"
    assert plain.policies == {} and plain.baseline_policy is None
    assert plain == Scenario.model_validate(PLAIN)


def test_no_policy_may_be_named_base() -> None:
    """``base`` is the plain scenario: a policy of that name would silently replace it."""
    with pytest.raises(ScenarioError) as err:
        validate_scenario(with_policies({"base": {"response.analysts.staff": 5}}))
    assert ("policies.base", "'base' names the plain scenario, as written; give the policy "
            "another name") in err.value.problems


def test_unknown_policy_names_the_declared_ones() -> None:
    """Asking for an undeclared policy lists those that exist (or says there are none)."""
    with pytest.raises(KeyError, match="unknown policy 'slow'; declared: fast, faster"):
        scenario_for_policy(scenario_with({"fast": {}, "faster": {}}), "slow")
    with pytest.raises(KeyError, match=r"declared: \(none\)"):
        scenario_for_policy(scenario_with({}), "slow")


def test_a_policy_that_does_not_validate_raises() -> None:
    """A scenario built without the loader may hold a bad policy: applying it says why."""
    scenario = scenario_with({"bad": {"banks.xiamen_bank.stop_latency_min": -1,
                                      "response.analysts.staff": -1}})
    with pytest.raises(ValueError, match=r"stop_latency_min: .*greater than or equal to 0") as info:
        scenario_for_policy(scenario, "bad")
    assert "response.analysts.staff" in str(info.value)


@settings(max_examples=25, deadline=None)
@given(flat=flat_policies())
def test_a_policy_changes_only_what_it_overrides(flat: dict[str, Any]) -> None:
    """Everything a policy does not name, the seed and the scams included, stays as in the base."""
    scenario = scenario_with({"p": flat})
    made = scenario_for_policy(scenario, "p").model_dump(mode="json", by_alias=True)
    expected = scenario_for_policy(scenario, "base").model_dump(mode="json", by_alias=True)
    for path, value in flat.items():
        *parents, last = path.split(".")
        node = expected
        for part in parents:
            node = node[part]
        node[last] = value
    for key in ("stop_latency_min", "freeze_latency_min"):  # bare numbers are constants
        bank = expected["banks"]["xiamen_bank"]
        if not isinstance(bank[key], dict):
            bank[key] = {"kind": "constant", "value": bank[key]}
    lag = expected["victims"]["report_lag_min"]
    if not isinstance(lag, dict):
        expected["victims"]["report_lag_min"] = {"kind": "constant", "value": lag}
    assert made == expected
    assert made["seed"] == RAW["seed"]
