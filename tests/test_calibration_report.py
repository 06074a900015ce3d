"""Tables of calibration checks for people: numbers, what each target measures, alignment."""

from __future__ import annotations

import math
from typing import Any

import pytest

from fraudsim.calibration.report import number, observable_text, table
from fraudsim.scenario.targets import Target


def target(**kw: Any) -> Target:
    """Return a target of a made-up fact with an absolute tolerance of 1."""
    return Target.model_validate({"fact": "x", "tolerance": 1, **kw})


@pytest.mark.parametrize(("x", "text"), [
    (math.nan, "n/a"), (1234567.0, "1,234,567"), (40.0, "40"), (12.34, "12.3"), (0.12345, "0.123"),
])
def test_numbers_are_written_readably(x: float, text: str) -> None:
    assert number(x) == text


@pytest.mark.parametrize(("kw", "text"), [
    ({"observable": "metric", "metrics": ["dissuaded", "reported"], "scale": 2.5},
     "dissuaded+reported x2.5"),
    ({"observable": "mule_exit_share", "within_min": 15, "layer": 1}, "layer 2 exits ≤ 15 min"),
    ({"observable": "exit_channel_share", "channels": ["atm", "crypto"]},
     "cash-out via atm+crypto"),
    ({"observable": "delay_share", "start": "first_payment", "end": "report", "within_min": 60},
     "report - first_payment ≤ 60 min"),
    ({"observable": "delay_shares", "start": "realise", "end": "report"}, "report - realise"),
    ({"observable": "delay_shares", "start": "realise", "end": "report",
      "scam_types": ["phone", "romance"]}, "report - realise (phone+romance)"),
])
def test_each_target_says_what_it_measures(kw: dict[str, Any], text: str) -> None:
    """The observable column names the metrics, layer, channels, span and scam types read."""
    assert observable_text(target(**kw)) == text


def test_a_table_aligns_its_columns_under_a_rule() -> None:
    lines = table([("a", "123"), ("long name", "4")], ("name", "n"))
    assert lines == ["name       n", "---------  ---", "a          123", "long name  4"]
