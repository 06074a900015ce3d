"""Tests of bad scenario files (fraudsim/scenario/loading.py), one class of problem each.

Each test breaks the valid base (the Xiamen 2023 replay) in one way and
checks that the problem is reported with its key path and a message that
says what is wrong and what is allowed: unknown keys, wrong types, missing
keys, values out of range, shares that do not add up, names that point
nowhere, and files that are not TOML, not UTF-8 or not there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fraudsim.scenario import Scenario, ScenarioError, load_scenario
from tests.test_loading import (
    BASE,
    BASE_TEXT,
    edited,
    only_problem,
    only_problem_of,
    problems_of,
    write,
)


def test_unknown_key_lists_allowed_keys(tmp_path: Path) -> None:
    key, msg = only_problem(write(tmp_path, edited(add=(("time", "horizon_dayz = 2"),))))
    assert key == "time.horizon_dayz"
    assert msg == (
        "unknown key; allowed keys: drain_days, horizon_days, resource_bin_min, warmup_days"
    )


def test_unknown_top_level_key(tmp_path: Path) -> None:
    key, msg = only_problem(write(tmp_path, edited(add=(("", "seeds = 1"),))))
    assert key == "seeds"
    assert msg.startswith("unknown key; allowed keys: banks, baseline_policy, cites, contacts, ")
    assert "seed," in msg and "scripted_cases" in msg


def test_unknown_key_in_staffed_service_lists_staffing_keys(tmp_path: Path) -> None:
    key, msg = only_problem(write(tmp_path, edited(add=(("response.analysts", "staf = 2"),))))
    assert key == "response.analysts.staf"
    assert msg == "unknown key; allowed keys: handling_min, shifts, staff, triage, unlimited"


def test_unknown_key_in_a_named_table(tmp_path: Path) -> None:
    key, msg = only_problem(write(tmp_path, edited(add=(("banks.xiamen_bank", "branch = 3"),))))
    assert key == "banks.xiamen_bank.branch"
    assert "allowed keys: freeze_latency_min, inquiry_latency_min, market_share, region" in msg


def test_unknown_key_inside_distribution_in_array_of_tables(tmp_path: Path) -> None:
    key, msg = only_problem_of(
        tmp_path,
        (
            "mule_network.layers.1",
            "dwell_min",
            '{ kind = "lognormal", median = 8, p95 = 30, p59 = 1 }',
        ),
    )
    assert key == "mule_network.layers.1.dwell_min.p59"
    assert msg == "unknown key; allowed keys: kind, mean, median, p95, sd"


def test_unknown_key_inside_mixture_component(tmp_path: Path) -> None:
    mixture = (
        '{ kind = "mixture", components = [{ weight = 0.5, dist = 1 },'
        ' { weight = 0.5, dist = { kind = "exponential", mean = 3, rate = 1 } }] }'
    )
    key, msg = only_problem_of(tmp_path, ("victims", "report_lag_min", mixture))
    assert key == "victims.report_lag_min.components.1.dist.rate"
    assert msg == "unknown key; allowed keys: kind, mean"


def test_distribution_without_kind(tmp_path: Path) -> None:
    key, msg = only_problem_of(
        tmp_path, ("response.patrols", "travel_min", "{ median = 2, p95 = 9 }")
    )
    assert key == "response.patrols.travel_min"
    assert "needs a kind" in msg and "lognormal" in msg and "bare number" in msg


def test_unknown_distribution_kind(tmp_path: Path) -> None:
    key, msg = only_problem_of(
        tmp_path, ("response.patrols", "travel_min", '{ kind = "poisson", mean = 2 }')
    )
    assert key == "response.patrols.travel_min"
    assert "'poisson'" in msg and "'exponential'" in msg


def test_distribution_rule_broken(tmp_path: Path) -> None:
    key, msg = only_problem_of(
        tmp_path, ("response.patrols", "travel_min", '{ kind = "lognormal", median = 9, p95 = 2 }')
    )
    assert key == "response.patrols.travel_min"
    assert msg == "p95 must be greater than median"


@pytest.mark.parametrize(
    ("table", "key", "value", "fragment"),
    [
        ("time", "horizon_days", '"three"', "valid number"),
        ("", "seed", '"x"', "valid integer"),
        ("mule_network", "accounts_per_bank", "2.5", "valid integer"),
        ("cross_region", "cooperation", '"yes please"', "valid boolean"),
        ("", "name", "2023", "valid string"),
        ("response.analysts", "triage", '"random"', "'fifo', 'lifo', 'largest_first' or"),
        ("response.guidance", "at", '"sms"', "'call' or 'analyst'"),
        ("early_warning", "team", "3", "a table is needed here (got 3)"),
        ("banks.xiamen_bank", "stop_latency_min", '"fast"',
         'a distribution is a number or a table such as { kind = "exponential", mean = 5 } '
         "(got 'fast')"),
        ("scripted_cases.0", "installments_fen", "150000000", "valid list"),
        ("contacts", "rate_per_hour", "[1, 2]", "valid number"),
    ],
)
def test_wrong_type(tmp_path: Path, table: str, key: str, value: str, fragment: str) -> None:
    problem_key, msg = only_problem_of(tmp_path, (table, key, value))
    assert problem_key == (f"{table}.{key}" if table else key)
    assert fragment in msg


def test_wrong_type_message_shows_the_value(tmp_path: Path) -> None:
    _, msg = only_problem_of(tmp_path, ("time", "horizon_days", '"three"'))
    assert msg.endswith("(got 'three')")


def test_missing_required_key(tmp_path: Path) -> None:
    key, msg = only_problem_of(tmp_path, ("", "seed", None))
    assert key == "seed"
    assert msg == "required key is missing"


def test_missing_required_key_in_array_of_tables(tmp_path: Path) -> None:
    key, msg = only_problem_of(tmp_path, ("mule_network.layers.2", "fan_out", None))
    assert key == "mule_network.layers.2.fan_out"
    assert msg == "required key is missing"


def test_missing_required_table(tmp_path: Path) -> None:
    text = edited(("victims", "report_lag_min", None)).replace("[victims]", "")
    key, msg = only_problem(write(tmp_path, text))
    assert key == "victims"
    assert msg == "required key is missing"


@pytest.mark.parametrize(
    ("table", "key", "value", "path"),
    [
        ("time", "drain_days", "-3.0", "time.drain_days"),
        ("scripted_cases.0", "contact_min", "-1.0", "scripted_cases.0.contact_min"),
        ("scripted_cases.0", "report_lag_min", "-5", "scripted_cases.0.report_lag_min"),
        # a bare number is a constant; the path is the key the user wrote
        ("banks.xiamen_bank", "stop_latency_min", "-2.0", "banks.xiamen_bank.stop_latency_min"),
        ("mule_network.layers.0", "dwell_min", "-22", "mule_network.layers.0.dwell_min"),
        (
            "mule_network.layers.0",
            "dwell_min",
            '{ kind = "uniform", low = -5, high = 5 }',
            "mule_network.layers.0.dwell_min.low",
        ),
        (
            "mule_network.layers.0",
            "dwell_min",
            "{ value = -5 }",
            "mule_network.layers.0.dwell_min.value",
        ),
    ],
)
def test_negative_time(tmp_path: Path, table: str, key: str, value: str, path: str) -> None:
    problem_key, msg = only_problem_of(tmp_path, (table, key, value))
    assert problem_key == path
    assert "greater than or equal to 0" in msg
    assert "(got -" in msg


@pytest.mark.parametrize(
    ("table", "key", "path"),
    [
        ("time", "horizon_days", "time.horizon_days"),
        ("response.stop_payment", "expiry_min", "response.stop_payment.expiry_min"),
    ],
)
def test_times_that_must_be_positive(tmp_path: Path, table: str, key: str, path: str) -> None:
    problem_key, msg = only_problem_of(tmp_path, (table, key, "0"))
    assert problem_key == path
    assert "greater than 0 (got 0)" in msg


@pytest.mark.parametrize(
    ("override", "key", "fragment"),
    [
        ("contacts.rate_per_hour=inf", "contacts.rate_per_hour", "finite number (got inf)"),
        ("time.drain_days=nan", "time.drain_days", "finite number (got nan)"),
        (
            'banks.xiamen_bank.stop_latency_min={kind="exponential",mean=inf}',
            "banks.xiamen_bank.stop_latency_min.mean",
            "finite number",
        ),
        ("response.analysts.staff=true", "response.analysts.staff", "valid integer (got True)"),
    ],
)
def test_infinities_and_flags_for_head_counts_are_refused(
    override: str, key: str, fragment: str
) -> None:
    # Each passed the bounds (inf > 0, True == 1): infinity failed deep in
    # a run, and true put one person on duty.
    with pytest.raises(ScenarioError) as info:
        load_scenario(BASE, [override])
    problems = dict(info.value.problems)
    assert len(problems) == 1, problems
    ((path, msg),) = problems.items()
    assert path == key and fragment in msg


def test_a_byte_order_mark_is_read_past(tmp_path: Path) -> None:
    path = tmp_path / "windows.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE_TEXT.encode())
    assert load_scenario(path) == load_scenario(BASE)


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("name", '"../elsewhere"', "should match pattern"),
        ("name", '""', "should match pattern"),
        ("seed", str(2**63), "less than or equal to 9223372036854775807"),
    ],
)
def test_names_that_are_not_folder_names_and_seeds_beyond_64_bits(
    tmp_path: Path, key: str, value: str, fragment: str
) -> None:
    # The name makes the default results folder, results/<name>; result
    # tables keep the seed as a 64-bit integer.
    problem_key, msg = only_problem_of(tmp_path, ("", key, value))
    assert problem_key == key
    assert fragment in msg


@pytest.mark.parametrize(
    ("table", "key", "value", "fragment"),
    [
        ("scam_types.customer_service", "hook_prob", "1.5", "less than or equal to 1 (got 1.5)"),
        ("contacts", "interception_share", "-0.1", "greater than or equal to 0 (got -0.1)"),
        ("response.stop_payment", "freeze_prob", "2", "less than or equal to 1 (got 2)"),
        ("banks.xiamen_bank", "risk_freeze_prob", "1.01", "less than or equal to 1"),
        ("early_warning", "success_prob", "-1", "greater than or equal to 0"),
        ("mule_network.layers.2", "cross_region_share", "3", "less than or equal to 1"),
    ],
)
def test_probability_outside_unit_interval(
    tmp_path: Path, table: str, key: str, value: str, fragment: str
) -> None:
    problem_key, msg = only_problem_of(tmp_path, (table, key, value))
    assert problem_key == f"{table}.{key}"
    assert fragment in msg


def test_layer_shares_must_fit(tmp_path: Path) -> None:
    key, msg = only_problem_of(
        tmp_path,
        ("mule_network.layers.2", "cross_bank_share", "0.6"),
        ("mule_network.layers.2", "cross_region_share", "0.6"),
    )
    assert key == "mule_network.layers.2"
    assert msg == "cross_bank_share + cross_region_share must not exceed 1"


@pytest.mark.parametrize(
    ("table", "key", "value", "path", "field"),
    [
        ("scam_types.customer_service", "share", "0.6", "scam_types", "share"),
        ("regions.xiamen", "population_share", "0.5", "regions", "population_share"),
        ("banks.xiamen_bank", "market_share", "0.9", "banks", "market_share"),
        (
            "mule_network",
            "cash_out.atm",
            "{ share = 0.5, delay_min = 5.0 }",
            "mule_network.cash_out",
            "share",
        ),
    ],
)
def test_shares_must_sum_to_one(
    tmp_path: Path, table: str, key: str, value: str, path: str, field: str
) -> None:
    problem_key, msg = only_problem_of(tmp_path, (table, key, value))
    assert problem_key == path
    assert msg.startswith(f"the {field} values must sum to 1 (they sum to 0.")


def test_shares_summing_over_several_entries(tmp_path: Path) -> None:
    text = edited(
        ("regions.xiamen", "population_share", "0.7"),
        ("mule_network", "cash_out.atm", "{ share = 0.25, delay_min = 5.0 }"),
        add=(("mule_network", "cash_out.crypto = { share = 0.5, delay_min = 1 }"),),
    )
    text += "\n[regions.fuzhou]\npopulation_share = 0.3\n"
    key, msg = only_problem(write(tmp_path, text))
    assert key == "mule_network.cash_out"
    assert "they sum to 0.75" in msg


def test_bank_naming_missing_region(tmp_path: Path) -> None:
    key, msg = only_problem_of(tmp_path, ("banks.xiamen_bank", "region", '"amoy"'))
    assert key == "banks.xiamen_bank.region"
    assert msg == "unknown name 'amoy'; allowed: xiamen"


def test_scripted_case_naming_missing_scam_type(tmp_path: Path) -> None:
    key, msg = only_problem_of(tmp_path, ("scripted_cases.0", "scam_type", '"investment"'))
    assert key == "scripted_cases.0.scam_type"
    assert msg == "unknown name 'investment'; allowed: customer_service"


def test_scripted_case_naming_missing_region(tmp_path: Path) -> None:
    key, msg = only_problem_of(tmp_path, ("scripted_cases.0", "region", '"fuzhou"'))
    assert key == "scripted_cases.0.region"
    assert msg == "unknown name 'fuzhou'; allowed: xiamen"


def test_cross_region_delay_naming_missing_region(tmp_path: Path) -> None:
    line = 'delays = [{ from = "xiamen", to = "taipei", delay_min = 60 }]'
    key, msg = only_problem(write(tmp_path, edited(add=(("cross_region", line),))))
    assert key == "cross_region.delays.0.to"
    assert msg == "unknown name 'taipei'; allowed: xiamen"


def test_malformed_toml(tmp_path: Path) -> None:
    text = edited(("", "name", '"xiamen-2023'))
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("name ="))
    key, msg = only_problem(write(tmp_path, text))
    assert key == ""
    assert msg.startswith("not valid TOML: ")
    assert f"line {line}" in msg


def test_duplicate_key_is_malformed_toml(tmp_path: Path) -> None:
    _, msg = only_problem(write(tmp_path, edited(add=(("time", "drain_days = 1"),))))
    assert msg.startswith("not valid TOML")


def test_missing_file(tmp_path: Path) -> None:
    key, msg = only_problem(tmp_path / "nope.toml")
    assert key == ""
    assert msg == "cannot read the file: No such file or directory"


def test_directory_instead_of_file(tmp_path: Path) -> None:
    key, msg = only_problem(tmp_path)
    assert key == ""
    assert msg.startswith("cannot read the file")


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('description = "Xiamen café"\n'.encode("latin-1"))
    key, msg = only_problem(path)
    assert key == ""
    assert "UTF-8" in msg


def test_empty_file_lists_required_keys(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, ""))
    required = [n for n, f in Scenario.model_fields.items() if f.is_required()]
    assert sorted(problems) == sorted(required)
    assert set(problems.values()) == {"required key is missing"}
