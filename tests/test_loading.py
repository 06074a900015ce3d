"""Tests of reading scenario files (fraudsim/scenario/loading.py).

The Xiamen 2023 replay is the valid base; each test copies it to a temporary
directory, breaks it in one or more ways and checks that every problem is
reported with its key path and a helpful message.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from fraudsim.scenario import Scenario, ScenarioError, apply_overrides, load_scenario
from fraudsim.scenario.distributions import Constant, Exponential, Lognormal
from fraudsim.scenario.loading import validate_scenario

BASE = Path(__file__).resolve().parent.parent / "scenarios" / "xiamen-2023.toml"
BASE_TEXT = BASE.read_text(encoding="utf-8")
BASE_RAW: dict[str, Any] = tomllib.loads(BASE_TEXT)


def _is_header(line: str) -> bool:
    return line.lstrip().startswith("[")


def _table_lines(lines: list[str], table: str, item: int) -> tuple[int, int]:
    """Return the (start, end) line range of the body of ``[table]`` (or ``[[table]]``).

    ``table = ""`` is the top level (before the first header); ``item`` picks
    the n-th ``[[table]]`` of an array of tables.
    """
    if not table:
        start = 0
    else:
        heads = [
            i
            for i, line in enumerate(lines)
            if line.split("#")[0].strip() in (f"[{table}]", f"[[{table}]]")
        ]
        assert len(heads) > item, f"no [{table}] number {item} in the base scenario"
        start = heads[item] + 1
    end = next((i for i in range(start, len(lines)) if _is_header(lines[i])), len(lines))
    return start, end


def edited(*changes: tuple[str, str, str | None], add: tuple[tuple[str, str], ...] = ()) -> str:
    """Return the base scenario with keys changed and lines added.

    Each change is ``(table, key, value)``: the line ``key = ...`` of
    ``[table]`` (``"table.N"`` for the N-th item of an array of tables, ``""``
    for the top level) becomes ``key = value``, or is removed if value is None.
    Each ``add`` is ``(table, line)``: the line is inserted at the top of the
    table. Editing by key keeps the tests independent of the base file's values.
    """
    lines = BASE_TEXT.splitlines()
    for table, key, value in changes:
        start, end = _locate(lines, table)
        found = [i for i in range(start, end) if lines[i].split("=")[0].strip() == key]
        assert len(found) == 1, f"{table}.{key} is not a single line of the base scenario"
        if value is None:
            del lines[found[0]]
        else:
            lines[found[0]] = f"{key} = {value}"
    for table, line in add:
        start, _ = _locate(lines, table)
        lines.insert(start, line)
    return "\n".join(lines) + "\n"


def _locate(lines: list[str], table: str) -> tuple[int, int]:
    name, _, index = table.rpartition(".")
    if index.isdigit():
        return _table_lines(lines, name, int(index))
    return _table_lines(lines, table, 0)


def write(tmp_path: Path, text: str, name: str = "scenario.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path, overrides: tuple[str, ...] = ()) -> dict[str, str]:
    """Load ``path`` expecting failure; return its problems as {key path: message}."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    err = info.value
    assert err.source == str(path)
    paths = [p for p, _ in err.problems]
    assert len(paths) == len(set(paths)), f"a problem is reported twice: {err.problems}"
    return dict(err.problems)


def only_problem(path: Path, overrides: tuple[str, ...] = ()) -> tuple[str, str]:
    problems = problems_of(path, overrides)
    assert len(problems) == 1, problems
    return next(iter(problems.items()))


def only_problem_of(tmp_path: Path, *changes: tuple[str, str, str | None]) -> tuple[str, str]:
    return only_problem(write(tmp_path, edited(*changes)))


# --- the valid base -----------------------------------------------------------------------


def test_editing_helper_round_trips() -> None:
    assert tomllib.loads(edited()) == BASE_RAW
    changed = tomllib.loads(
        edited(
            ("", "seed", "7"),
            ("mule_network.layers.1", "fan_out", "9"),
            ("scripted_cases.0", "reports", None),
            add=(("time", "extra = 1"),),
        )
    )
    assert changed["seed"] == 7
    assert changed["mule_network"]["layers"][1]["fan_out"] == 9
    assert changed["mule_network"]["layers"][0] == BASE_RAW["mule_network"]["layers"][0]
    assert "reports" not in changed["scripted_cases"][0]
    assert changed["time"]["extra"] == 1


def test_valid_file_loads(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, BASE_TEXT))
    assert isinstance(scenario, Scenario)
    raw = BASE_RAW
    assert scenario.name == raw["name"] == "xiamen-2023"
    assert scenario.seed == raw["seed"]
    assert scenario.time.horizon_days == raw["time"]["horizon_days"]
    assert list(scenario.banks) == list(raw["banks"])
    bank = next(iter(raw["banks"]))
    latency = raw["banks"][bank]["stop_latency_min"]
    assert scenario.banks[bank].stop_latency_min == Constant(value=latency)
    assert len(scenario.mule_network.layers) == len(raw["mule_network"]["layers"])
    assert (
        scenario.mule_network.layers[1].fan_out.mean()
        == raw["mule_network"]["layers"][1]["fan_out"]
    )
    assert list(scenario.mule_network.cash_out) == list(raw["mule_network"]["cash_out"])
    assert scenario.response.analysts.triage == raw["response"]["analysts"]["triage"]
    assert scenario.early_warning.team.staff == raw["early_warning"]["team"]["staff"]
    assert (
        scenario.scripted_cases[0].installments_fen == raw["scripted_cases"][0]["installments_fen"]
    )
    assert scenario.contacts.hourly_profile == [1.0] * 24  # the default


def test_load_accepts_str_path() -> None:
    assert load_scenario(str(BASE)).name == "xiamen-2023"


@pytest.mark.parametrize(
    ("target", "attribute", "value"),
    [
        (lambda s: s, "name", "other"),
        (lambda s: s.time, "horizon_days", 1.0),
        (lambda s: s.banks["xiamen_bank"], "region", "elsewhere"),
        (lambda s: s.mule_network.layers[0], "cross_bank_share", 0.5),
        (lambda s: s.response.analysts, "staff", 9),
        (lambda s: s.banks["xiamen_bank"].stop_latency_min, "value", 30.0),
        (lambda s: s.scripted_cases[0], "reports", False),
    ],
)
def test_loaded_scenario_is_immutable(target: Any, attribute: str, value: Any) -> None:
    scenario = load_scenario(BASE)
    obj = target(scenario)
    before = getattr(obj, attribute)
    with pytest.raises(ValidationError, match="frozen"):
        setattr(obj, attribute, value)
    assert getattr(obj, attribute) == before


# --- each class of bad input --------------------------------------------------------------


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
        ("early_warning", "team", "3", "valid dictionary"),
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


# --- several problems at once -------------------------------------------------------------


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    text = edited(
        ("time", "drain_days", "-3.0"),
        ("banks.xiamen_bank", "region", '"amoy"'),
        ("scam_types.customer_service", "hook_prob", "7"),
        ("regions.xiamen", "population_share", "0.5"),
        add=(("time", "colour = 'red'"),),
    )
    problems = problems_of(write(tmp_path, text))
    assert set(problems) == {
        "time.drain_days",
        "time.colour",
        "scam_types.customer_service.hook_prob",
        "banks.xiamen_bank.region",
        "regions",
    }
    assert "greater than or equal to 0" in problems["time.drain_days"]
    assert "allowed keys" in problems["time.colour"]
    assert "less than or equal to 1" in problems["scam_types.customer_service.hook_prob"]
    assert "'amoy'" in problems["banks.xiamen_bank.region"]
    assert "sum to 0.5" in problems["regions"]


def test_cross_problems_alone_are_each_listed_once(tmp_path: Path) -> None:
    """With valid fields, the cross-reference problems appear once each, at their paths."""
    text = edited(
        ("banks.xiamen_bank", "region", '"amoy"'),
        ("scripted_cases.0", "scam_type", '"investment"'),
        ("banks.xiamen_bank", "market_share", "0.5"),
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, text))
    assert [p for p, _ in info.value.problems] == [
        "banks",
        "banks.xiamen_bank.region",
        "scripted_cases.0.scam_type",
    ]


def test_validate_scenario_directly() -> None:
    assert validate_scenario(BASE_RAW).name == "xiamen-2023"
    raw = apply_overrides(BASE_RAW, ["seed=-1"])
    with pytest.raises(ScenarioError) as info:
        validate_scenario(raw)
    assert info.value.source == "<scenario>"
    assert [p for p, _ in info.value.problems] == ["seed"]


# --- overrides ----------------------------------------------------------------------------


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


# --- rendering ----------------------------------------------------------------------------


def test_render_format() -> None:
    err = ScenarioError("a.toml", [("time.drain_days", "too small"), ("", "not valid TOML")])
    assert err.render() == "a.toml: time.drain_days: too small\na.toml: (top): not valid TOML"
    assert str(err) == err.render()


def test_render_of_a_real_file(tmp_path: Path) -> None:
    path = write(tmp_path, edited(("time", "drain_days", "-3.0"), add=(("time", "foo = 1"),)))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    lines = info.value.render().splitlines()
    assert len(lines) == 2
    for line, (key, msg) in zip(lines, info.value.problems, strict=True):
        assert line == f"{path}: {key}: {msg}"
    assert {key for key, _ in info.value.problems} == {"time.drain_days", "time.foo"}
