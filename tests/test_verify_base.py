"""The reduced scenarios of verification (fraudsim/verify/base.py).

Reading the base file, applying ``--set`` style overrides and structural
edits, validating the result, and the edits themselves: unlimited teams and
the cash-out layer alone. The base data is shared by every check, so a
reduction must never change it.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsim.scenario import ScenarioError
from fraudsim.verify.base import (
    TEAMS,
    cash_out_layer_only,
    days_to_min,
    default_base_path,
    load_base,
    reduced,
    unlimited,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def shared_base() -> dict[str, Any]:
    """The base scenario data, read once for the module (tests copy it before changing it)."""
    return load_base()


@pytest.fixture
def base(shared_base: dict[str, Any]) -> dict[str, Any]:
    """A private copy of the base data."""
    return copy.deepcopy(shared_base)


# --- the base file ------------------------------------------------------------------------


def test_default_base_is_the_shipped_verify_scenario() -> None:
    """The default base is scenarios/verify-base.toml of this repository, and it exists."""
    assert default_base_path() == ROOT / "scenarios" / "verify-base.toml"
    assert default_base_path().is_file()


def test_load_base_reads_the_file_as_plain_data(base: dict[str, Any]) -> None:
    """The default base is the file's own TOML data, unvalidated and unchanged."""
    expected = tomllib.loads(default_base_path().read_text(encoding="utf-8"))
    assert base == expected
    assert base["name"] == "verify-base"


def test_load_base_reads_another_file(tmp_path: Path) -> None:
    """A base given by path is read instead of the shipped one."""
    path = tmp_path / "other.toml"
    path.write_text('name = "mine"\n[time]\nhorizon_days = 2.5\n', encoding="utf-8")
    assert load_base(path) == {"name": "mine", "time": {"horizon_days": 2.5}}


def test_load_base_of_a_missing_file_raises(tmp_path: Path) -> None:
    """A missing base is an error naming the file, not an empty scenario."""
    with pytest.raises(ScenarioError, match=r"nope\.toml: \(top\): cannot read the file"):
        load_base(tmp_path / "nope.toml")


# --- reductions ---------------------------------------------------------------------------


def test_plain_reduction_validates_the_base(base: dict[str, Any]) -> None:
    """With nothing changed the reduction is the base scenario, validated."""
    scenario = reduced(base)
    assert scenario.name == "verify-base"
    assert scenario.response.analysts.staff == base["response"]["analysts"]["staff"]
    assert len(scenario.mule_network.layers) == len(base["mule_network"]["layers"])


def test_overrides_reach_the_scenario(base: dict[str, Any]) -> None:
    """``key.path=value`` overrides set values, distributions included."""
    scenario = reduced(base, [
        "response.analysts.staff=7",
        'response.analysts.handling_min={kind="exponential",mean=4}',
        "mule_network.layers.1.fan_out=2",
    ])
    assert scenario.response.analysts.staff == 7
    handling = scenario.response.analysts.handling_min
    assert handling.kind == "exponential" and handling.mean() == 4.0
    assert scenario.mule_network.layers[1].fan_out.mean() == 2.0


def test_edits_run_after_the_overrides_in_order(base: dict[str, Any]) -> None:
    """Each edit sees the overrides and the edits before it."""
    seen: list[int] = []

    def record(raw: dict[str, Any]) -> None:
        seen.append(raw["response"]["analysts"]["staff"])

    def double(raw: dict[str, Any]) -> None:
        raw["response"]["analysts"]["staff"] *= 2

    scenario = reduced(base, ["response.analysts.staff=5"], record, double, record)
    assert seen == [5, 10]
    assert scenario.response.analysts.staff == 10


def test_a_reduction_never_changes_the_base(base: dict[str, Any]) -> None:
    """Every check reduces the same base: overrides and edits work on a copy."""
    before = copy.deepcopy(base)
    reduced(base, ["response.analysts.staff=9", "time.horizon_days=2"],
            unlimited("analysts", "warning_team"), cash_out_layer_only)
    assert base == before


def test_an_invalid_reduction_is_refused_with_its_key_path(base: dict[str, Any]) -> None:
    """A reduction the schema rejects fails like a scenario file, naming the key."""
    with pytest.raises(ScenarioError) as info:
        reduced(base, ["response.analysts.staff=-1"])
    assert info.value.source == "verify reduction"
    assert [p for p, _ in info.value.problems] == ["response.analysts.staff"]


def test_a_malformed_override_is_refused(base: dict[str, Any]) -> None:
    """An override without '=' cannot be applied: it is reported under the reduction's source."""
    with pytest.raises(ScenarioError) as info:
        reduced(base, ["response.analysts.staff"])
    assert info.value.source == "verify"
    assert info.value.problems[0][1] == "an override must look like key.path=value"


def test_an_edit_that_breaks_the_scenario_is_refused(base: dict[str, Any]) -> None:
    """Structural edits are validated too: dropping every layer is not a scenario."""
    def no_layers(raw: dict[str, Any]) -> None:
        raw["mule_network"]["layers"] = []

    with pytest.raises(ScenarioError) as info:
        reduced(base, (), no_layers)
    assert [p for p, _ in info.value.problems] == ["mule_network.layers"]


# --- the edits ----------------------------------------------------------------------------


def test_teams_point_at_staffing_tables(base: dict[str, Any]) -> None:
    """Each named team's path leads to a staffing table of the base (with a staff count)."""
    assert set(TEAMS) == {"call_takers", "analysts", "patrols", "warning_team"}
    for section, key in TEAMS.values():
        assert "staff" in base[section][key]


@pytest.mark.parametrize("team", sorted(TEAMS))
def test_unlimited_makes_exactly_that_team_unlimited(base: dict[str, Any], team: str) -> None:
    """The named team loses its head count and becomes unlimited; the others keep theirs."""
    raw = copy.deepcopy(base)
    unlimited(team)(raw)
    for name, (section, key) in TEAMS.items():
        table = raw[section][key]
        if name == team:
            assert table.get("unlimited") is True
            assert "staff" not in table and "shifts" not in table
        else:
            assert table == base[section][key]


def test_unlimited_removes_shift_calendars(base: dict[str, Any]) -> None:
    """A team on shifts becomes unlimited too (staffing allows exactly one of the three forms)."""
    raw = copy.deepcopy(base)
    table = raw["response"]["patrols"]
    del table["staff"]
    table["shifts"] = [{"start_hour": 8, "hours": 12, "staff": 2}]
    unlimited("patrols", "analysts")(raw)
    scenario = reduced(raw)
    assert scenario.response.patrols.unlimited and scenario.response.analysts.unlimited
    assert scenario.response.patrols.shifts is None and scenario.response.patrols.staff is None
    assert not scenario.response.call_takers.unlimited


def test_unlimited_of_an_unknown_team_raises(base: dict[str, Any]) -> None:
    """A misspelt team is an error, not a silently unchanged world."""
    with pytest.raises(KeyError, match="analyst"):
        unlimited("analyst")(copy.deepcopy(base))


def test_cash_out_layer_only_keeps_the_last_layer(base: dict[str, Any]) -> None:
    """Only the last mule layer (the one without dwell) remains."""
    raw = copy.deepcopy(base)
    cash_out_layer_only(raw)
    assert raw["mule_network"]["layers"] == base["mule_network"]["layers"][-1:]
    scenario = reduced(base, (), cash_out_layer_only)
    assert len(scenario.mule_network.layers) == 1
    assert scenario.mule_network.layers[0].dwell_min.mean() == 0.0


# --- units ----------------------------------------------------------------------------------


def test_days_to_min() -> None:
    """A day is 1,440 minutes."""
    assert days_to_min(1) == 1440.0
    assert days_to_min(0.5) == 720.0
    assert days_to_min(0) == 0.0


@settings(max_examples=30)
@given(a=st.floats(0, 1e4), b=st.floats(0, 1e4))
def test_days_to_min_is_additive(a: float, b: float) -> None:
    """Converting a sum of periods is the sum of the conversions (the conversion is linear)."""
    assert days_to_min(a + b) == pytest.approx(days_to_min(a) + days_to_min(b), rel=1e-12)
