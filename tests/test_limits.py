"""Sizes and amounts beyond what a run can hold (fraudsim/scenario/limits.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fraudsim import simulate
from fraudsim.scenario import ScenarioError, load_scenario
from fraudsim.scenario.limits import (
    MAX_DAYS,
    MAX_EXPECTED_CASES,
    MAX_MEAN_INSTALLMENT_FEN,
    MAX_RESOURCE_BINS,
    expected_cases,
    expected_exposure,
    limit_problems,
)
from tests.conftest import BUSY, SCENARIOS, XIAMEN, busy


def problems(overrides: list[str], path: Path = XIAMEN) -> dict[str, str]:
    """Load expecting failure; return the problems, {key path: message}."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return dict(info.value.problems)


def test_every_shipped_scenario_is_within_the_limits() -> None:
    for path in sorted(SCENARIOS.glob("*.toml")):
        assert limit_problems(load_scenario(path)) == [], path.name


def test_the_expected_number_of_victims_is_what_a_run_draws() -> None:
    # Contacts x (1 - interception) x the type-weighted hook probability.
    scenario = busy(["time.horizon_days=20"])
    expected = expected_cases(scenario)
    assert expected == pytest.approx(40 * 24 * 20 * 0.05)  # no interception in the replay
    drawn = simulate(scenario).cases.num_rows - len(scenario.scripted_cases)
    assert abs(drawn - expected) < 4 * expected**0.5  # Poisson: within four sd


def test_the_national_year_is_far_below_the_victim_limit() -> None:
    national = load_scenario(SCENARIOS / "national-year.toml")
    assert 0.5e6 < expected_cases(national) < MAX_EXPECTED_CASES / 10


@pytest.mark.parametrize(
    ("override", "key", "fragment"),
    [
        ("contacts.rate_per_hour=1e6", "contacts.rate_per_hour", "hooked victims expected"),
        ("time.horizon_days=1e300", "time.horizon_days", f"at most {MAX_DAYS:g} days"),
        ("time.drain_days=1e9", "time.drain_days", f"at most {MAX_DAYS:g} days"),
        ("time.resource_bin_min=1e-9", "time.resource_bin_min", f"{MAX_RESOURCE_BINS:,}"),
        (
            "scam_types.customer_service.installment_fen=1e19",
            "scam_types.customer_service.installment_fen",
            f"mean at most {MAX_MEAN_INSTALLMENT_FEN:,} fen",
        ),
        (
            'scam_types.customer_service.installments={kind="constant",value=1e5}',
            "scam_types.customer_service.installments",
            "mean at most 10000",
        ),
        (
            "scripted_cases.0.installments_fen=[9000000000000000000]",
            "scripted_cases.0.installments_fen",
            "in all",
        ),
    ],
)
def test_a_value_beyond_a_limit_is_named_once(override: str, key: str, fragment: str) -> None:
    # Once, not again under each of the replay's three policies.
    found = problems([override])
    assert list(found) == [key]
    assert fragment in found[key]


def test_a_policy_beyond_a_limit_is_named_under_the_policy() -> None:
    found = problems(['policies.huge={"contacts.rate_per_hour"=1e7}'])
    assert list(found) == ["policies.huge.contacts.rate_per_hour"]


def test_victims_expected_to_pay_more_than_exact_money_holds_are_refused() -> None:
    # Each value is within its own limit; together they are not.
    heavy = ["scam_types.customer_service.installment_fen=1e12",
             "scam_types.customer_service.installments=10000"]
    scenario = busy(["time.horizon_days=0.01", *heavy])
    # 40 contacts an hour, one in twenty hooked, 10,000 payments of 10^12 fen.
    assert expected_exposure(scenario) == pytest.approx(40 * 0.24 * 0.05 * 1e4 * 1e12)
    found = problems([*BUSY, *heavy])
    assert list(found) == ["contacts.rate_per_hour"]
    assert "victims expected to pay about" in found["contacts.rate_per_hour"]
