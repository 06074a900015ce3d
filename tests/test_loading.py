"""Tests of reading scenario files (fraudsim/scenario/loading.py).

The Xiamen 2023 replay is the valid base; each test copies it to a temporary
directory, breaks it in one or more ways and checks that every problem is
reported with its key path and a helpful message. This file holds the
helpers that edit the base, the valid file, several problems at once and
the rendering of the list; one class of problem each is in
``test_loading_problems.py``, the ``--set`` overrides in
``test_loading_overrides.py``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from fraudsim.scenario import Scenario, ScenarioError, apply_overrides, load_scenario
from fraudsim.scenario.distributions import Constant
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
