"""Policies in scenario files: loading, validation, selection, the warm-up setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from fraudsim.experiments import ExperimentError
from fraudsim.experiments.policies import order_with_baseline, select_policies
from fraudsim.scenario import ScenarioError, load_scenario
from fraudsim.scenario.loading import validate_scenario
from fraudsim.scenario.policies import normalise_policies, scenario_for_policy
from tests.conftest import XIAMEN

BASE_TEXT = XIAMEN.read_text(encoding="utf-8")
POLICIES_AT = BASE_TEXT.index("\n[policies.")


def scenario_file(tmp_path: Path, policies: str, top: str = "") -> Path:
    """Write the Xiamen replay with its policies replaced by ``policies``."""
    path = tmp_path / "s.toml"
    path.write_text(top + BASE_TEXT[:POLICIES_AT] + "\n" + policies, encoding="utf-8")
    return path


def problems(path: Path, overrides: tuple[str, ...] = ()) -> dict[str, str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return dict(info.value.problems)


def test_shipped_policies_load_and_apply() -> None:
    scenario = load_scenario(XIAMEN)
    assert list(scenario.policies) == ["as_reported", "stop_in_20_min", "manual_counter"]
    slow = scenario_for_policy(scenario, "manual_counter")
    assert slow.model_dump()["banks"]["xiamen_bank"]["stop_latency_min"]["value"] == 30.0
    assert slow.policies == {} and slow.seed == scenario.seed
    assert scenario_for_policy(scenario, "as_reported") == scenario_for_policy(scenario, "base")


def test_quoted_and_dotted_keys_mean_the_same(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, """
[policies.quoted]
"response.analysts.staff" = 4
"victims.report_lag_min" = { kind = "exponential", mean = 3.0 }

[policies.dotted]
response.analysts.staff = 4
victims.report_lag_min = { kind = "exponential", mean = 3.0 }
""")
    scenario = load_scenario(path)
    assert scenario.policies["quoted"] == scenario.policies["dotted"] == {
        "response.analysts.staff": 4,
        "victims.report_lag_min": {"kind": "exponential", "mean": 3.0},
    }
    made = scenario_for_policy(scenario, "dotted")
    assert made.response.analysts.staff == 4
    assert made.victims.report_lag_min.kind == "exponential"


def test_normalising_is_idempotent() -> None:
    raw = load_scenario(XIAMEN).model_dump(mode="json", by_alias=True)
    once = normalise_policies(raw)
    assert normalise_policies(once) == once
    assert validate_scenario(once) == load_scenario(XIAMEN)


def test_every_policy_problem_is_reported_under_its_policy(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, """
[policies.ok]
"banks.xiamen_bank.stop_latency_min" = 1.0

[policies.bad]
"banks.nobank.stop_latency_min" = 3
"banks.xiamen_bank.stop_latncy_min" = 3
"banks.xiamen_bank.freeze_latency_min" = -3
"seed" = 3
"mule_network.layers.7.dwell_min" = 3
"scam_types.customer_service.share" = 0.5
""")
    found = problems(path)
    assert found == {
        "policies.bad.banks.nobank.stop_latency_min":
            "unknown key path: banks has no 'nobank' (it has: xiamen_bank)",
        "policies.bad.banks.xiamen_bank.stop_latncy_min":
            "unknown key; allowed keys: freeze_latency_min, inquiry_latency_min, market_share, "
            "region, risk_detect_min, risk_freeze_prob, stop_latency_min",
        "policies.bad.banks.xiamen_bank.freeze_latency_min":
            "Input should be greater than or equal to 0 (got -3)",
        "policies.bad.seed":
            "a policy cannot change the seed: every policy must see the same scams",
        "policies.bad.mule_network.layers.7.dwell_min":
            "mule_network.layers has 3 items; '7' is not an index",
        "policies.bad.scam_types": "the share values must sum to 1 (they sum to 0.5)",
    }


def test_a_policy_must_be_a_table_with_a_sensible_name(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, '[policies]\nplain = 3\n"../x" = {}\n')
    found = problems(path)
    assert "policies.plain" in found
    assert found["policies.../x"].startswith("a policy name must start with a letter or digit")


def test_baseline_policy_must_be_declared(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, "[policies.a]\n[policies.b]\n", top='baseline_policy = "c"\n')
    assert problems(path) == {
        "baseline_policy": "unknown name 'c'; allowed: a, b, base"}
    ok = scenario_file(tmp_path, "[policies.a]\n[policies.b]\n", top='baseline_policy = "b"\n')
    assert load_scenario(ok).baseline_policy == "b"


def test_base_problems_are_not_repeated_per_policy(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, "[policies.a]\n[policies.b]\n")
    found = problems(path, ("banks.xiamen_bank.stop_latency_min=-1",))
    assert list(found) == ["banks.xiamen_bank.stop_latency_min"]


def test_warmup_days() -> None:
    assert load_scenario(XIAMEN).time.warmup_days == 0
    assert load_scenario(XIAMEN, ["time.warmup_days=1.5"]).time.warmup_days == 1.5
    with pytest.raises(ScenarioError, match="greater than or equal to 0"):
        load_scenario(XIAMEN, ["time.warmup_days=-1"])
    with pytest.raises(ScenarioError, match="warmup_days must be below horizon_days"):
        load_scenario(XIAMEN, ["time.warmup_days=3"])


def test_selection_and_baseline() -> None:
    scenario = load_scenario(XIAMEN)
    assert select_policies(scenario, None) == ["as_reported", "stop_in_20_min", "manual_counter"]
    assert select_policies(scenario, ["manual_counter", "base"]) == ["manual_counter", "base"]
    with pytest.raises(ExperimentError, match="unknown policy 'nope'"):
        select_policies(scenario, ["nope"])
    with pytest.raises(ExperimentError, match="more than once"):
        select_policies(scenario, ["base", "base"])
    chosen = ["stop_in_20_min", "manual_counter"]
    assert order_with_baseline(scenario, chosen, None) == chosen
    assert order_with_baseline(scenario, chosen, "manual_counter") == chosen[::-1]
    with pytest.raises(ExperimentError, match="not among the selected"):
        order_with_baseline(scenario, chosen, "as_reported")
    declared = load_scenario(XIAMEN, ['baseline_policy="manual_counter"'])
    assert order_with_baseline(declared, select_policies(declared, None), None)[0] == (
        "manual_counter")


def test_scenario_without_policies_has_base_only() -> None:
    scenario = load_scenario(XIAMEN, ["policies={}"])
    assert select_policies(scenario, None) == ["base"]
    with pytest.raises(KeyError, match="unknown policy"):
        scenario_for_policy(scenario, "as_reported")


def test_baseline_policy_base_runs_the_plain_scenario_as_the_baseline() -> None:
    """``baseline_policy = "base"`` adds the plain scenario to the default selection, first.

    It used to be dropped for the first declared policy, without a word.
    """
    declared = load_scenario(XIAMEN, ['baseline_policy="base"'])
    chosen = select_policies(declared, None)
    assert chosen == ["base", "as_reported", "stop_in_20_min", "manual_counter"]
    assert order_with_baseline(declared, chosen, None) == chosen
    # ``--baseline base`` likewise, whatever the scenario declares.
    plain = load_scenario(XIAMEN)
    assert select_policies(plain, None, "base")[0] == "base"
    assert order_with_baseline(plain, select_policies(plain, None, "base"), "base")[0] == "base"
    assert select_policies(plain, None) == chosen[1:]  # otherwise base is not run


@pytest.mark.parametrize("declared", ["base", "manual_counter"])
def test_a_declared_baseline_outside_the_selection_is_refused(declared: str) -> None:
    """The declared baseline is never swapped for another: it is refused, as ``--baseline``."""
    scenario = load_scenario(XIAMEN, [f'baseline_policy="{declared}"'])
    chosen = select_policies(scenario, ["as_reported", "stop_in_20_min"])
    with pytest.raises(ExperimentError) as info:
        order_with_baseline(scenario, chosen, None)
    assert str(info.value) == (
        f"baseline {declared!r} (the scenario's baseline_policy) is not among the selected "
        "policies: as_reported, stop_in_20_min")
    # An explicit baseline among the selection still wins over the declared one.
    assert order_with_baseline(scenario, chosen, "stop_in_20_min")[0] == "stop_in_20_min"


@pytest.mark.parametrize("key, value, message", [
    ("time.warmup_days", "2.5", "a policy cannot change the warm-up: every policy counts the "
                                "same cases, so that the policies can be paired"),
    ("time.horizon_days", "6", "a policy cannot change the horizon: every policy is measured "
                               "over the same days, so that the policies can be paired"),
    ("time.drain_days", "30", "a policy cannot change the drain: every policy's money is "
                              "followed for as long, so that what is still in flight at the "
                              "end compares"),
    ("time.resource_bin_min", "15", "a policy cannot change the resource bins: every policy's "
                                    "queue waits are counted on the same bins (the warm-up cut "
                                    "falls on a bin's edge)"),
])
def test_a_policy_may_not_change_the_measurement_window(
    key: str, value: str, message: str, tmp_path: Path
) -> None:
    """A policy counting other cases than the baseline would not be paired with it."""
    path = scenario_file(tmp_path, f'[policies.a]\n[policies.odd]\n"{key}" = {value}\n')
    assert problems(path) == {f"policies.odd.{key}": message}
    dotted = scenario_file(tmp_path, f"[policies.a]\n[policies.odd]\n{key} = {value}\n")
    assert problems(dotted) == {f"policies.odd.{key}": message}
