"""Sizes and amounts beyond what a run can hold (fraudsim/scenario/limits.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fraudsim import simulate
from fraudsim.scenario import Scenario, ScenarioError, load_scenario
from fraudsim.scenario.distributions import Lognormal
from fraudsim.scenario.limits import (
    MAX_DAYS,
    MAX_EXPECTED_CASES,
    MAX_EXPECTED_CONTACTS,
    MAX_EXPECTED_FALSE_POSITIVES,
    MAX_EXPECTED_TRANSFERS,
    MAX_EXPECTED_WOULD_BE,
    MAX_MEAN_FAN_OUT,
    MAX_MEAN_INSTALLMENT_FEN,
    MAX_RESOURCE_BINS,
    expected_cases,
    expected_contacts,
    expected_exposure,
    expected_false_positives,
    expected_transfers,
    expected_would_be,
    limit_problems,
)
from tests.conftest import BUSY, SCENARIOS, XIAMEN, busy, xiamen


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


def test_a_rate_far_beyond_every_limit_is_one_problem_in_readable_figures() -> None:
    """Victims, money and contacts all overflow: the first of them is said, once."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(XIAMEN, ["contacts.rate_per_hour=1e18"])
    [(key, problem)] = info.value.problems
    assert key == "contacts.rate_per_hour"
    assert problem.startswith("about 7.2e+19 hooked victims expected in a replication; at most "
                              f"{MAX_EXPECTED_CASES:,}")
    small = problems(["contacts.rate_per_hour=1e6"])["contacts.rate_per_hour"]
    assert small.startswith("about 72,000,000 hooked victims")


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


# The Xiamen replay runs for 72 hours; one scam type, hook_prob 1, no
# interception, one scripted payment and three layers with fan-outs 1, 2, 1.
HOURS = 72.0
JUST = 1e-9
"""How far either side of a limit the boundary tests go, relatively."""

# Each per-hour rate's limit, with what makes it the binding one: no one
# hooked (everything intercepted) for the would-be victims and the
# contacts, one contact in a billion hooked for the contacts.
RATES = [
    (
        ["contacts.interception_share=1"],
        "contacts.rate_per_hour",
        MAX_EXPECTED_WOULD_BE,
        expected_would_be,
        "would-be victims",
    ),
    (
        ["contacts.interception_share=1", "scam_types.customer_service.hook_prob=1e-9"],
        "contacts.rate_per_hour",
        MAX_EXPECTED_CONTACTS,
        expected_contacts,
        "contacts expected",
    ),
    (
        ["early_warning.enabled=true"],
        "early_warning.false_positives_per_hour",
        MAX_EXPECTED_FALSE_POSITIVES,
        expected_false_positives,
        "false alarms expected",
    ),
]


@pytest.mark.parametrize(("setup", "key", "limit", "expected", "fragment"), RATES)
def test_a_rate_is_refused_just_above_its_limit_and_named_with_it(
    setup: list[str],
    key: str,
    limit: int,
    expected: Callable[[Scenario], float],
    fragment: str,
) -> None:
    rate = limit / HOURS
    below = xiamen([*setup, f"{key}={rate * (1 - JUST)!r}"])
    assert expected(below) == pytest.approx(limit, rel=2 * JUST)
    assert limit_problems(below) == []
    found = problems([*setup, f"{key}={rate * (1 + JUST)!r}"])
    assert list(found) == [key]
    assert fragment in found[key]
    assert f"at most {limit:,}" in found[key]


def test_an_intercepted_flood_is_refused_by_its_would_be_victims() -> None:
    # Every contact intercepted, so no one is hooked; each would-be victim
    # is drawn all the same (524 TiB of them, before this limit).
    scenario = ["contacts.rate_per_hour=1e12", "contacts.interception_share=1"]
    found = problems(scenario)
    assert list(found) == ["contacts.rate_per_hour"]
    assert "7.2e+13 would-be victims" in found["contacts.rate_per_hour"]


def test_false_alarms_count_only_when_early_warning_runs() -> None:
    idle = xiamen(["early_warning.false_positives_per_hour=1e12"])
    assert expected_false_positives(idle) == 0.0
    assert limit_problems(idle) == []
    national = load_scenario(SCENARIOS / "national-year.toml")
    assert 1e6 < expected_false_positives(national) < MAX_EXPECTED_FALSE_POSITIVES / 10


def test_the_national_year_is_far_below_the_contact_and_transfer_limits() -> None:
    national = load_scenario(SCENARIOS / "national-year.toml")
    assert 1e7 < expected_contacts(national) < MAX_EXPECTED_CONTACTS / 1000
    assert 1e6 < expected_would_be(national) < MAX_EXPECTED_WOULD_BE / 10
    # It makes 17.5 million money movements (benchmarks/README.md).
    assert 17.5e6 < expected_transfers(national) < MAX_EXPECTED_TRANSFERS / 10


@pytest.mark.parametrize("layer", [0, 1, 2])
def test_a_fan_out_is_refused_above_its_limit_and_accepted_at_it(layer: int) -> None:
    key = f"mule_network.layers.{layer}.fan_out"
    assert limit_problems(xiamen([f"{key}={MAX_MEAN_FAN_OUT!r}"])) == []
    found = problems([f"{key}={MAX_MEAN_FAN_OUT * (1 + JUST)!r}"])
    assert list(found) == [key]
    assert f"mean at most {MAX_MEAN_FAN_OUT:g}" in found[key]


def test_an_endless_sweep_is_refused_by_its_layer() -> None:
    found = problems(["mule_network.layers.1.fan_out=1e15"])
    assert found == {"mule_network.layers.1.fan_out": "mean at most 1000 (got 1e+15)"}


def test_a_mean_beyond_floats_is_beyond_the_limit_not_a_crash() -> None:
    # Built without validation, which may bound the spread: this lognormal's
    # mean, exp(mu + sigma^2 / 2) with sigma 420, is past floats.
    wide = Lognormal.model_construct(kind="lognormal", median=1.0, p95=1e300)
    with pytest.raises(OverflowError):
        wide.mean()
    base = xiamen()
    layers = list(base.mule_network.layers)
    layers[1] = layers[1].model_copy(update={"fan_out": wide})
    network = base.mule_network.model_copy(update={"layers": layers})
    scam = base.scam_types["customer_service"].model_copy(update={"installments": wide})
    scenario = base.model_copy(
        update={"mule_network": network, "scam_types": {"customer_service": scam}}
    )
    assert dict(limit_problems(scenario)) == {
        "scam_types.customer_service.installments": "mean at most 10000 (got inf)",
        "mule_network.layers.1.fan_out": "mean at most 1000 (got inf)",
    }


def test_a_policy_fan_out_beyond_the_limit_is_named_under_the_policy() -> None:
    found = problems(['policies.wide={"mule_network.layers.0.fan_out"=5000}'])
    assert list(found) == ["policies.wide.mule_network.layers.0.fan_out"]


def test_the_expected_transfers_multiply_the_fan_outs_layer_by_layer() -> None:
    scenario = busy(["time.horizon_days=20", "mule_network.layers.0.fan_out=3"])
    # 40 contacts an hour, one in twenty hooked, 2.1 payments each, and the
    # scripted one; each payment reaches 1, then 3, then 3 x 2 accounts.
    payments = 40 * 24 * 20 * 0.05 * 2.1 + 1
    assert expected_transfers(scenario) == pytest.approx(payments * (1 + 3 + 6))
    # A fan-out below one still sends the balance to one account.
    thin = busy(["time.horizon_days=20", "mule_network.layers.1.fan_out=0.2"])
    assert expected_transfers(thin) == pytest.approx(payments * 3)


def test_a_run_without_pooling_makes_about_the_expected_transfers() -> None:
    # Pools too large to merge sweeps, and nobody reports, so no money is
    # stopped: each payment is credited to 1 + 3 + 3 x 2 accounts, and each
    # of the six last-layer credits is cashed out, 16 movements in all.
    scenario = busy(["mule_network.layers.0.fan_out=3", "mule_network.accounts_per_bank=100000",
                     "scam_types.customer_service.report_prob=0"])
    credits = simulate(scenario).stats["money_movements"] * 10 / 16
    expected = expected_transfers(scenario)
    # About 240 victims, Poisson, ten transfers for each of their payments.
    assert 0.8 * expected < credits < expected + 4 * 10 * (expected / 10) ** 0.5


def test_fan_outs_within_their_limit_can_multiply_beyond_the_transfers() -> None:
    # Each layer at its limit: a payment makes 1 + 1000 + 1000^2 transfers.
    wide = [f"mule_network.layers.{k}.fan_out={MAX_MEAN_FAN_OUT!r}" for k in (0, 1)]
    per_payment = 1 + MAX_MEAN_FAN_OUT + MAX_MEAN_FAN_OUT**2
    # Random payments (one each) besides the scripted one, as the rate gives them.
    rate = (MAX_EXPECTED_TRANSFERS / per_payment - 1) / HOURS
    below = xiamen([*wide, f"contacts.rate_per_hour={rate * (1 - JUST)!r}"])
    assert expected_transfers(below) == pytest.approx(MAX_EXPECTED_TRANSFERS, rel=2 * JUST)
    assert limit_problems(below) == []
    found = problems([*wide, f"contacts.rate_per_hour={rate * (1 + JUST)!r}"])
    assert list(found) == ["mule_network.layers"]
    assert f"at most {MAX_EXPECTED_TRANSFERS:,}" in found["mule_network.layers"]
