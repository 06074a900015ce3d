"""Tests of ``--set`` overrides (fraudsim/scenario/loading.py: apply_overrides).

An override replaces one value of a scenario file before it is validated:
these tests check the key paths (tables, list items), the values (TOML
literals, else strings), that the file's data is never changed, and that a
bad override is reported like a bad value in the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fraudsim.scenario import ScenarioError, apply_overrides, load_scenario
from fraudsim.scenario.distributions import Constant, Exponential, Lognormal
from fraudsim.scenario.loading import validate_scenario
from tests.test_loading import BASE_RAW, BASE_TEXT, only_problem, problems_of, write


def test_override_sets_nested_key() -> None:
    before_horizon = BASE_RAW["time"]["horizon_days"]
    before_staff = BASE_RAW["response"]["analysts"]["staff"]
    data = apply_overrides(BASE_RAW, ["time.horizon_days=7", "response.analysts.staff=4"])
    assert data["time"]["horizon_days"] == 7
    assert data["response"]["analysts"]["staff"] == 4
    assert BASE_RAW["time"]["horizon_days"] == before_horizon, "the input must not change"
    assert BASE_RAW["response"]["analysts"]["staff"] == before_staff


def test_override_list_index() -> None:
    layers = BASE_RAW["mule_network"]["layers"]
    data = apply_overrides(BASE_RAW, ["mule_network.layers.0.dwell_min=5"])
    assert data["mule_network"]["layers"][0]["dwell_min"] == 5
    assert data["mule_network"]["layers"][1] == layers[1]
    assert layers[0]["dwell_min"] != 5, "the input must not change"


def test_override_list_item_and_whole_list() -> None:
    data = apply_overrides(
        BASE_RAW,
        ["scripted_cases.0.installments_fen.0=100", "contacts.daily_profile=[1, 1, 1, 1, 1, 2, 2]"],
    )
    assert data["scripted_cases"][0]["installments_fen"][0] == 100
    assert data["contacts"]["daily_profile"] == [1, 1, 1, 1, 1, 2, 2]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5", 5),
        ("-2", -2),
        ("2.5", 2.5),
        ("1e3", 1000.0),
        ("true", True),
        ("false", False),
        ('"lifo"', "lifo"),
        ("lifo", "lifo"),  # not a TOML literal: taken as a string
        ("two words", "two words"),
        ("[1, 2]", [1, 2]),
        ('{kind="exponential", mean=3}', {"kind": "exponential", "mean": 3}),
        (
            '{ kind = "lognormal", median = 12, p95 = 90 }',
            {"kind": "lognormal", "median": 12, "p95": 90},
        ),
        (" 7 ", 7),
        ("a=b", "a=b"),  # only the first = separates key and value
    ],
)
def test_override_values_are_toml_literals(text: str, value: Any) -> None:
    data = apply_overrides(BASE_RAW, [f"name={text}"])
    assert data["name"] == value
    assert type(data["name"]) is type(value)


def test_overrides_reach_the_scenario(tmp_path: Path) -> None:
    path = write(tmp_path, BASE_TEXT)
    scenario = load_scenario(
        path,
        [
            "banks.xiamen_bank.stop_latency_min=30",
            'mule_network.layers.0.dwell_min={kind="exponential", mean=3}',
            'mule_network.layers.1.dwell_min={ kind = "lognormal", median = 8, p95 = 40 }',
            "response.analysts.triage=largest_first",
            "early_warning.enabled=true",
            "time.drain_days=1",
        ],
    )
    assert scenario.banks["xiamen_bank"].stop_latency_min == Constant(value=30)
    first_dwell = Exponential(kind="exponential", mean_value=3)
    assert scenario.mule_network.layers[0].dwell_min == first_dwell
    assert isinstance(scenario.mule_network.layers[1].dwell_min, Lognormal)
    assert scenario.mule_network.layers[1].dwell_min.median == 8
    assert scenario.response.analysts.triage == "largest_first"
    assert scenario.early_warning.enabled is True
    assert scenario.time.drain_days == 1


def test_override_can_add_a_named_table() -> None:
    data = apply_overrides(
        BASE_RAW, ["regions.xiamen.population_share=0.75", "regions.fuzhou.population_share=0.25"]
    )
    scenario = validate_scenario(data)
    assert scenario.regions["fuzhou"].population_share == 0.25


def test_later_override_wins() -> None:
    assert apply_overrides(BASE_RAW, ["seed=1", "seed=2"])["seed"] == 2


def test_no_overrides_is_a_copy() -> None:
    data = apply_overrides(BASE_RAW, [])
    assert data == BASE_RAW
    data["time"]["horizon_days"] = -1
    assert BASE_RAW["time"]["horizon_days"] != -1


N_LAYERS = len(BASE_RAW["mule_network"]["layers"])


@pytest.mark.parametrize(
    ("item", "key", "fragment"),
    [
        (
            f"mule_network.layers.{N_LAYERS}.dwell_min=5",
            f"mule_network.layers.{N_LAYERS}.dwell_min",
            f"mule_network.layers has {N_LAYERS} items; '{N_LAYERS}' is not an index",
        ),
        (
            "mule_network.layers.first.dwell_min=5",
            "mule_network.layers.first.dwell_min",
            "'first' is not an index",
        ),
        (
            "mule_network.layers.-1.dwell_min=5",
            "mule_network.layers.-1.dwell_min",
            "'-1' is not an index",
        ),
        ("mule_network.layers.0=5", "mule_network.layers.0", None),
        (
            "scripted_cases.0.installments_fen.0.x=1",
            "scripted_cases.0.installments_fen.0.x",
            "scripted_cases.0.installments_fen.0 is a single value, not a table",
        ),
        (
            "banks.xiamen-bank.stop_latency_min=5",
            "banks.xiamen-bank.stop_latency_min",
            "banks has no 'xiamen-bank'; did you mean 'xiamen_bank'? (to add an entry of that "
            "name, give it whole: banks.xiamen-bank={...})",
        ),
        (
            "mule_network.cash_out.atn.delay_min=1",
            "mule_network.cash_out.atn.delay_min",
            "mule_network.cash_out has no 'atn'; did you mean 'atm'?",
        ),
        (
            "scam_types.customer-service.hook_prob=0.5",
            "scam_types.customer-service.hook_prob",
            "scam_types has no 'customer-service'; did you mean 'customer_service'?",
        ),
        (
            "contacts.hourly_profile.3=5",
            "contacts.hourly_profile.3",
            "contacts.hourly_profile is not in the file (its default applies), so it has no "
            "items to set: give the whole list, contacts.hourly_profile=[...]",
        ),
        ("time.horizon_days", "time.horizon_days", "an override must look like key.path=value"),
        ("=5", "=5", "an override must look like key.path=value"),
    ],
)
def test_bad_override(item: str, key: str, fragment: str | None) -> None:
    if fragment is None:  # a valid index: replacing a whole layer is allowed
        assert apply_overrides(BASE_RAW, [item])["mule_network"]["layers"][0] == 5
        return
    with pytest.raises(ScenarioError) as info:
        apply_overrides(BASE_RAW, [item])
    assert info.value.source == "--set"
    [(problem_key, msg)] = info.value.problems
    assert problem_key == key
    assert fragment in msg


def test_a_named_entry_or_a_default_table_may_still_be_given_whole() -> None:
    """Only a step through a name close to one there is is refused: a new entry given whole
    or key by key is allowed, and so is a table the file leaves at its default."""
    bank = {**BASE_RAW["banks"]["xiamen_bank"], "market_share": 0.5}
    data = apply_overrides(BASE_RAW, [f"banks.xiamen-bank={_inline(bank)}"])
    assert data["banks"]["xiamen-bank"] == bank
    data = apply_overrides(BASE_RAW, ["banks.fuzhou_bank.market_share=0.5"])
    assert data["banks"]["fuzhou_bank"] == {"market_share": 0.5}
    assert "delays" not in BASE_RAW["cross_region"]
    data = apply_overrides(BASE_RAW, ["cross_region.delays=[]"])
    assert data["cross_region"]["delays"] == []
    assert "withdrawal_delay" not in BASE_RAW["mule_network"]
    data = apply_overrides(BASE_RAW, ["mule_network.withdrawal_delay.enabled=true"])
    assert data["mule_network"]["withdrawal_delay"] == {"enabled": True}


def _inline(table: dict[str, object]) -> str:
    """Write a flat table of numbers and strings as a TOML inline table."""
    return "{" + ", ".join(f"{k} = {v!r}".replace("'", '"') for k, v in table.items()) + "}"


def test_bad_overrides_are_all_listed(tmp_path: Path) -> None:
    path = write(tmp_path, BASE_TEXT)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, ["mule_network.layers.99.fan_out=2", "oops", "seed=3"])
    assert info.value.source == str(path)
    assert [p for p, _ in info.value.problems] == ["mule_network.layers.99.fan_out", "oops"]


def test_override_to_unknown_key_reports_allowed_keys(tmp_path: Path) -> None:
    path = write(tmp_path, BASE_TEXT)
    problems = problems_of(path, ("time.horizon_dys=5", "response.triage=lifo"))
    assert problems == {
        "time.horizon_dys": "unknown key; allowed keys: drain_days, horizon_days, "
        "resource_bin_min, warmup_days",
        "response.triage": "unknown key; allowed keys: analysts, call_takers, guidance, holds, "
        "patrols, stop_payment",
    }


def test_override_to_unknown_table_reports_allowed_keys(tmp_path: Path) -> None:
    key, msg = only_problem(write(tmp_path, BASE_TEXT), ("respons.analysts.staff=3",))
    assert key == "respons"
    assert msg.startswith("unknown key; allowed keys: ")
    assert "response" in msg


def test_override_into_a_list_item_reports_allowed_keys(tmp_path: Path) -> None:
    key, msg = only_problem(write(tmp_path, BASE_TEXT), ("mule_network.layers.0.dwel_min=3",))
    assert key == "mule_network.layers.0.dwel_min"
    assert msg == (
        "unknown key; allowed keys: cross_bank_share, cross_region_share, dwell_min, fan_out"
    )


def test_invalid_override_value_is_reported_like_a_file_value(tmp_path: Path) -> None:
    path = write(tmp_path, BASE_TEXT)
    key, msg = only_problem(path, ("response.guidance.success_prob=1.2",))
    assert key == "response.guidance.success_prob"
    assert "less than or equal to 1 (got 1.2)" in msg


@pytest.mark.parametrize(("item", "problem"), [
    ("time.horizon_days=true", "time.horizon_days: Input should be a valid number (got True)"),
    ("seed=true", "seed: Input should be a valid integer (got True)"),
    ('time.horizon_days="3"', "time.horizon_days: Input should be a valid number (got '3')"),
    ('early_warning.enabled="yes"', "early_warning.enabled: Input should be a valid boolean"),
    ('response.holds.on_report="false"', "response.holds.on_report: Input should be a valid "
     "boolean (got 'false')"),
    ("mule_network.accounts_per_bank=2.0", "mule_network.accounts_per_bank: Input should be a "
     "valid integer (got 2.0)"),
    ("scam_types.customer_service.hook_prob=true", "hook_prob: Input should be a valid number"),
    ("banks.xiamen_bank.stop_latency_min.value=true", "stop_latency_min.value: Input should be a "
     "valid number (got True)"),
])
def test_a_value_of_the_wrong_type_is_refused_not_converted(item: str, problem: str) -> None:
    """``true`` is no number, ``"false"`` no boolean (it was read as True), ``2.0`` no count."""
    with pytest.raises(ScenarioError) as info:
        validate_scenario(apply_overrides(BASE_RAW, [item]))
    assert problem in info.value.render()


def test_a_whole_number_is_a_number() -> None:
    """Strict types still take ``3`` where a number is wanted (TOML writes it as an integer)."""
    data = apply_overrides(BASE_RAW, ["time.horizon_days=3", "response.guidance.success_prob=1"])
    assert validate_scenario(data).time.horizon_days == 3.0
