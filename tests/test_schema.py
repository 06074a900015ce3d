"""The scenario schema (fraudsim/scenario/schema.py), used directly on plain data.

Each section's own rules and defaults (time, contacts and the weekly contact
rates, scripted cases, the scenario's top-level keys), and the cross-section
rules of :func:`cross_problems` on data that may be malformed anywhere.
Reading files and the messages the loader builds from these rules are tested
in test_loading.py.
"""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from fraudsim.scenario.schema import (
    MAX_SEED,
    SHARE_TOLERANCE,
    Contacts,
    Scenario,
    ScriptedCase,
    TimeSettings,
    cross_problems,
)
from tests.conftest import XIAMEN

RAW: dict[str, Any] = tomllib.loads(XIAMEN.read_text(encoding="utf-8"))


def raw(**changes: Any) -> dict[str, Any]:
    """A copy of the Xiamen replay's data with top-level keys replaced."""
    return {**copy.deepcopy(RAW), **changes}


def refused(model: type[Any], data: dict[str, Any], fragment: str) -> None:
    """Assert that ``data`` does not validate as ``model`` and the reason contains ``fragment``."""
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    assert fragment in str(info.value)


# --- time -------------------------------------------------------------------------------------


def test_time_defaults() -> None:
    """Hourly resource bins and no warm-up unless the file says otherwise."""
    time = TimeSettings.model_validate({"horizon_days": 3, "drain_days": 0})
    assert (time.resource_bin_min, time.warmup_days, time.drain_days) == (60.0, 0.0, 0.0)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"horizon_days": 0, "drain_days": 1}, "greater than 0"),
        ({"horizon_days": 1, "drain_days": -1}, "greater than or equal to 0"),
        ({"horizon_days": 1, "drain_days": 1, "resource_bin_min": 0}, "greater than 0"),
        ({"horizon_days": 2, "drain_days": 1, "warmup_days": 2},
         "warmup_days must be below horizon_days"),
        ({"horizon_days": 2}, "drain_days"),
        ({"horizon_days": 2, "drain_days": 1, "horizon": 2}, "Extra inputs are not permitted"),
    ],
    ids=["no-horizon", "negative-drain", "zero-bin", "warmup-whole-horizon", "no-drain",
         "unknown-key"],
)
def test_time_refuses(data: dict[str, Any], fragment: str) -> None:
    """A horizon of nothing, negative drain, zero bins, a warm-up covering everything."""
    refused(TimeSettings, data, fragment)


def test_warmup_just_below_the_horizon_is_allowed() -> None:
    """The warm-up rule is strict only at the horizon itself."""
    assert TimeSettings(horizon_days=2, drain_days=0, warmup_days=1.999).warmup_days == 1.999


# --- contacts -------------------------------------------------------------------------------


def contacts_data(rate: float, hourly: list[float] | None = None,
                  daily: list[float] | None = None) -> dict[str, Any]:
    """A contacts table; profiles left out take their defaults."""
    data: dict[str, Any] = {"rate_per_hour": rate, "interception_share": 0.0}
    if hourly is not None:
        data["hourly_profile"] = hourly
    if daily is not None:
        data["daily_profile"] = daily
    return data


def contacts(rate: float, hourly: list[float] | None = None,
             daily: list[float] | None = None) -> Contacts:
    return Contacts.model_validate(contacts_data(rate, hourly, daily))


def test_flat_profiles_give_the_rate_every_hour() -> None:
    """The default profiles are flat: every one of the 168 hours has the mean rate."""
    c = contacts(2.5)
    assert c.hourly_profile == [1.0] * 24 and c.daily_profile == [1.0] * 7
    assert c.weekly_rates() == pytest.approx([2.5] * 168)


def test_weekly_rates_start_on_monday_at_midnight() -> None:
    """All contacts on Monday between 09:00 and 10:00: that hour carries the whole week's mass."""
    hourly = [0.0] * 24
    hourly[9] = 1.0
    rates = contacts(1.0, hourly, [1, 0, 0, 0, 0, 0, 0]).weekly_rates()
    assert rates[9] == pytest.approx(168.0)
    assert sum(r for i, r in enumerate(rates) if i != 9) == 0


positive_profile = st.floats(0.0, 10.0)


@settings(max_examples=50, deadline=None)
@given(
    rate=st.floats(0.0, 500.0),
    hourly=st.lists(positive_profile, min_size=24, max_size=24).filter(lambda h: sum(h) > 0.1),
    daily=st.lists(positive_profile, min_size=7, max_size=7).filter(lambda d: sum(d) > 0.1),
)
def test_weekly_rates_follow_both_profiles_and_keep_the_mean(
    rate: float, hourly: list[float], daily: list[float]
) -> None:
    """Hour h of weekday d is rate·168·daily[d]·hourly[h] / (Σdaily·Σhourly); the mean is rate."""
    rates = contacts(rate, hourly, daily).weekly_rates()
    assert len(rates) == 168
    scale = rate * 168 / (sum(daily) * sum(hourly))
    expected = [scale * d * h for d in daily for h in hourly]
    assert rates == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert sum(rates) / 168 == pytest.approx(rate, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    ("hourly", "daily", "fragment"),
    [
        ([1.0] * 23 + [-0.1], None, "profile values must be non-negative"),
        (None, [0.0] * 7, "profiles must not be all zero"),
        ([1.0] * 23, None, "at least 24 items"),
        (None, [1.0] * 8, "at most 7 items"),
    ],
)
def test_contacts_refuse_bad_profiles(
    hourly: list[float] | None, daily: list[float] | None, fragment: str
) -> None:
    """Negative or all-zero intensities and profiles of the wrong length are refused."""
    refused(Contacts, contacts_data(1.0, hourly, daily), fragment)


# --- scripted cases -----------------------------------------------------------------------

CASE = {"contact_min": 10.0, "scam_type": "t", "region": "r", "grooming_min": 0.0,
        "installments_fen": [100], "realisation_min": 5.0, "reports": True}


def test_scripted_case_defaults() -> None:
    """A replayed case pays in one go, stops on realising and reports at once, unless told."""
    case = ScriptedCase.model_validate(CASE)
    assert (case.gap_min, case.self_stop, case.report_lag_min) == (0.0, True, 0.0)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"installments_fen": []}, "at least 1 item"),
        ({"installments_fen": [100, 0]}, "installments_fen must be positive amounts"),
        ({"installments_fen": [-5]}, "installments_fen must be positive amounts"),
        ({"installments_fen": [1.5]}, "valid integer"),
        ({"contact_min": -1.0}, "greater than or equal to 0"),
        ({"reports": None}, "valid boolean"),
    ],
)
def test_scripted_case_refuses(change: dict[str, Any], fragment: str) -> None:
    """Payments must be whole, positive fen; times cannot be negative; reporting must be said."""
    refused(ScriptedCase, {**CASE, **change}, fragment)


# --- the whole scenario -------------------------------------------------------------------


def test_optional_top_level_keys_default_to_empty() -> None:
    """Without description, cites, scripted cases, targets and policies the scenario is plain."""
    data = raw()
    for key in ("description", "cites", "scripted_cases", "targets", "policies",
                "baseline_policy"):
        data.pop(key, None)
    scenario = Scenario.model_validate(data)
    assert scenario.description == "" and scenario.cites == []
    assert scenario.scripted_cases == [] and scenario.targets == []
    assert scenario.policies == {} and scenario.baseline_policy is None


@pytest.mark.parametrize("seed", [0, MAX_SEED])
def test_seed_range_ends_are_allowed(seed: int) -> None:
    """Seeds from 0 to 2**63 - 1, the whole range a 64-bit results column can hold."""
    assert MAX_SEED == 2**63 - 1
    assert Scenario.model_validate(raw(seed=seed)).seed == seed


@pytest.mark.parametrize("name", ["a", "city-month", "v1.2_final", "9lives"])
def test_folder_safe_names_are_allowed(name: str) -> None:
    """Letters, digits, dots, underscores and dashes, starting with a letter or digit."""
    assert Scenario.model_validate(raw(name=name)).name == name


@pytest.mark.parametrize("name", ["-x", ".hidden", "a b", "a/b", "café"])
def test_names_that_are_not_folder_names_are_refused(name: str) -> None:
    """A name that would make an awkward or unsafe results folder is refused."""
    refused(Scenario, raw(name=name), "should match pattern")


def test_a_scenario_is_immutable() -> None:
    """A validated scenario cannot be changed in place (policies make new ones)."""
    scenario = Scenario.model_validate(RAW)
    with pytest.raises(ValidationError, match="frozen"):
        scenario.seed = 1  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        scenario.time.horizon_days = 9  # type: ignore[misc]


def test_a_cross_section_problem_stops_validation_with_its_path() -> None:
    """Field rules pass but a bank names a missing region: the model refuses, saying where."""
    data = raw()
    data["banks"]["xiamen_bank"]["region"] = "amoy"
    refused(Scenario, data, "banks.xiamen_bank.region: unknown name 'amoy'; allowed: xiamen")


def test_required_sections() -> None:
    """Each section without a default must be present."""
    required = sorted(n for n, f in Scenario.model_fields.items() if f.is_required())
    assert required == sorted(["name", "seed", "time", "contacts", "scam_types", "victims",
                               "regions", "cross_region", "banks", "mule_network", "response",
                               "early_warning"])
    data = raw()
    del data["mule_network"]
    refused(Scenario, data, "mule_network\n  Field required")


@pytest.mark.parametrize("table", ["scam_types", "regions", "banks"])
def test_named_tables_need_an_entry(table: str) -> None:
    """A scenario with no scam type, region or bank has nothing to simulate."""
    refused(Scenario, raw(**{table: {}}), "at least 1 item")


# --- cross-section rules on plain data ----------------------------------------------------


def test_nothing_to_check_in_empty_data() -> None:
    """With no sections at all there is no cross-section problem (fields report the gaps)."""
    assert cross_problems({}) == []


def test_malformed_sections_are_skipped_not_crashed_on() -> None:
    """Any section of the wrong shape is left to field validation: no exception, no problem."""
    data = {
        "regions": 3, "scam_types": "x", "banks": [1, {"market_share": "a"}],
        "mule_network": {"cash_out": 5}, "cross_region": {"delays": [3, {"from": 7}]},
        "scripted_cases": [None, {"region": ["r"]}], "policies": "none",
    }
    assert cross_problems(data) == []


def test_shares_that_are_not_all_numbers_are_left_to_field_validation() -> None:
    """One share given as text stops the sum rule: the field error alone is reported."""
    data = {"regions": {"a": {"population_share": "half"}, "b": {"population_share": 0.2}}}
    assert cross_problems(data) == []


@settings(max_examples=50)
@given(weights=st.lists(st.floats(0.01, 100.0), min_size=1, max_size=8),
       factor=st.floats(0.5, 2.0))
def test_shares_must_sum_to_one_within_the_tolerance(weights: list[float], factor: float) -> None:
    """Shares normalised to 1 pass; the same shares scaled away from 1 fail with one problem."""
    total = sum(weights)
    shares = [w / total for w in weights]
    table = {f"b{i}": {"market_share": s} for i, s in enumerate(shares)}
    assert cross_problems({"banks": table}) == []
    scaled = {k: {"market_share": v["market_share"] * factor} for k, v in table.items()}
    found = cross_problems({"banks": scaled})
    if abs(factor - 1.0) > 2 * SHARE_TOLERANCE:
        assert len(found) == 1 and found[0][0] == ("banks",)
        assert found[0][1].startswith("the market_share values must sum to 1 (they sum to ")
    elif abs(factor - 1.0) < SHARE_TOLERANCE / 2:
        assert found == []


def test_a_sum_just_outside_the_tolerance_shows_its_miss() -> None:
    """A miss finer than six digits is still shown, not as \"they sum to 1\"."""
    found = cross_problems({"regions": {"a": {"population_share": 0.4},
                                        "b": {"population_share": 0.6000019}}})
    assert found == [(("regions",),
                      "the population_share values must sum to 1 (they sum to 1.0000019)")]


def test_each_share_table_is_summed_on_its_own_field() -> None:
    """Scam types, regions, banks and cash-out channels each have their own share rule."""
    data = {
        "scam_types": {"a": {"share": 0.5}},
        "regions": {"r": {"population_share": 0.25}, "s": {"population_share": 0.25}},
        "banks": {"b": {"market_share": 1.0}},
        "mule_network": {"cash_out": {"atm": {"share": 0.9}, "crypto": {"share": 0.2}}},
    }
    assert cross_problems(data) == [
        (("scam_types",), "the share values must sum to 1 (they sum to 0.5)"),
        (("regions",), "the population_share values must sum to 1 (they sum to 0.5)"),
        (("mule_network", "cash_out"), "the share values must sum to 1 (they sum to 1.1)"),
    ]


def test_references_to_regions_and_scam_types() -> None:
    """Banks, cross-region delays and scripted cases must name declared regions and scam types."""
    data = {
        "regions": {"xiamen": {}, "fuzhou": {}},
        "scam_types": {"investment": {}},
        "banks": {"b1": {"region": "xiamen"}, "b2": {"region": "amoy"}},
        "cross_region": {"delays": [{"from": "xiamen", "to": "fuzhou"},
                                    {"from": "taipei", "to": "quanzhou"}]},
        "scripted_cases": [{"scam_type": "investment", "region": "fuzhou"},
                           {"scam_type": "romance", "region": "xiamen"}],
    }
    allowed = "allowed: fuzhou, xiamen"
    assert cross_problems(data) == [
        (("banks", "b2", "region"), f"unknown name 'amoy'; {allowed}"),
        (("cross_region", "delays", "1", "from"), f"unknown name 'taipei'; {allowed}"),
        (("cross_region", "delays", "1", "to"), f"unknown name 'quanzhou'; {allowed}"),
        (("scripted_cases", "1", "scam_type"), "unknown name 'romance'; allowed: investment"),
    ]


def test_references_with_nothing_declared() -> None:
    """An empty table of regions says so; a missing one leaves the reference unchecked."""
    assert cross_problems({"regions": {}, "banks": {"b": {"region": "x"}}}) == [
        (("banks", "b", "region"), "unknown name 'x'; allowed: (none defined)")]
    assert cross_problems({"banks": {"b": {"region": "x"}}}) == []


@pytest.mark.parametrize(
    ("policies", "baseline", "expected"),
    [
        ({"fast": {}, "v1.2+x": {}}, "fast", []),
        ({}, "base", []),
        ({}, None, []),
        ({"fast": {}}, "slow",
         [(("baseline_policy",), "unknown name 'slow'; allowed: base, fast")]),
        ({}, "fast", [(("baseline_policy",), "unknown name 'fast'; allowed: base")]),
        ({"-x": {}, "a b": {}}, None, [
            (("policies", "-x"), "a policy name must start with a letter or digit and hold only "
                                 "letters, digits and _ . + -"),
            (("policies", "a b"), "a policy name must start with a letter or digit and hold only "
                                  "letters, digits and _ . + -")]),
    ],
    ids=["declared", "base", "none", "undeclared", "undeclared-no-policies", "bad-names"],
)
def test_policy_names_and_baseline(
    policies: dict[str, Any], baseline: str | None, expected: list[Any]
) -> None:
    """Policy names become folder names; the baseline must be ``base`` or a declared policy."""
    data: dict[str, Any] = {"policies": policies}
    if baseline is not None:
        data["baseline_policy"] = baseline
    assert cross_problems(data) == expected
