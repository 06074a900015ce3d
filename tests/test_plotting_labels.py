"""Axis words of the figures (fraudsim/plotting/labels.py): units, key labels and measures.

Every figure's x axis is labelled from a scenario key path and every panel
from a measure name; a wrong unit on a slide misleads a policy audience, so
the mapping is checked key by key and, for its invariants, on random keys.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsim.plotting.labels import (
    is_report_lag,
    is_stop_latency,
    key_label,
    measure_label,
    unit_of,
)

SUFFIXES = {
    "_min": "minutes",
    "_days": "days",
    "_fen": "fen",
    "_prob": "probability",
    "_share": "share",
    "_per_hour": "per hour",
}
"""Key suffixes and the unit each names (as documented for the axes)."""

segment = st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True)
key_paths = st.lists(segment, min_size=1, max_size=4).map(".".join)


@pytest.mark.parametrize(("key", "unit"), [
    ("banks.b1.stop_latency_min", "minutes"),
    ("time.warmup_days", "days"),
    ("scam_types.a.installment_fen", "fen"),
    ("response.patrols.dispatch_prob", "probability"),
    ("mule_network.layers.0.cross_bank_share", "share"),
    ("contacts.rate_per_hour", "per hour"),
    ("response.analysts.staff", ""),
    ("response.analysts.triage", ""),
])
def test_unit_of_reads_the_suffix_of_the_last_part(key: str, unit: str) -> None:
    """Each documented suffix gives its unit; a key without one has no unit."""
    assert unit_of(key) == unit


def test_unit_of_ignores_suffixes_of_the_owner() -> None:
    """Only the key's last part counts: ``x_min.staff`` is a count, not minutes."""
    assert unit_of("x_min.staff") == ""
    assert unit_of("a_days.b_fen") == "fen"


@pytest.mark.parametrize(("key", "first_line"), [
    ("banks.xiamen_bank.stop_latency_min", "stop-payment latency of bank xiamen_bank (minutes)"),
    ("banks.b2.freeze_latency_min", "freeze latency of bank b2 (minutes)"),
    ("victims.report_lag_min", "victim's report delay (minutes)"),
    ("scam_types.customer_service.report_lag_min",
     "victim's report delay (customer service) (minutes)"),
    ("mule_network.layers.0.dwell_min", "mule dwell time (minutes)"),
    ("response.analysts.staff", "staff on duty (analysts)"),
    ("response.patrols.travel_min", "patrol travel time (patrols) (minutes)"),
    ("response.analysts.triage", "triage (analysts)"),
    ("seed", "seed"),
    ("hook_prob", "victim hooked (probability)"),
    ("early_warning.flag_share", "victims flagged (early warning) (share)"),
    ("contacts.interception_share", "contacts intercepted (share)"),
    ("banks.b1.risk_freeze_prob", "own risk freeze of bank b1 (probability)"),
    ("time.warmup_days", "warmup (time) (days)"),
    ("contacts.rate_per_hour", "scam contacts (per hour)"),  # its name says its owner
])
def test_key_label_names_the_parameter_its_owner_and_unit(key: str, first_line: str) -> None:
    """A key path reads as words with its owner and unit, the path itself below.

    Banks are named as banks; list indices (``layers.0``) and the victims'
    table are no owner worth naming.
    """
    assert key_label(key) == f"{first_line}\n{key}"


def test_key_label_strips_one_suffix_only() -> None:
    """``*_share_min`` is minutes; the ``_share`` left in the stem is part of the name."""
    assert key_label("x.cut_share_min").splitlines()[0] == "cut share (x) (minutes)"


@settings(max_examples=60, deadline=None)
@given(key_paths)
def test_key_label_always_ends_with_the_key_and_shows_its_unit(key: str) -> None:
    """Property: two lines, the key path second, the unit (if any) closing the first.

    The first line is words: no underscores, except in a bank's own name.
    """
    first, second = key_label(key).split("\n")
    assert second == key
    unit = unit_of(key)
    if unit:
        assert first.endswith(f" ({unit})")
    elif "." not in key:
        assert "(" not in first  # no owner, no unit: the name alone
    parts = key.split(".")
    if not (parts[0] == "banks" and len(parts) == 3):
        assert "_" not in first


@settings(max_examples=60, deadline=None)
@given(key_paths, st.sampled_from(sorted(SUFFIXES)))
def test_unit_of_any_key_with_a_known_suffix(key: str, suffix: str) -> None:
    """Property: appending a documented suffix to any key's last part gives its unit."""
    assert unit_of(key + suffix) == SUFFIXES[suffix]


@pytest.mark.parametrize(("key", "expected"), [
    ("banks.xiamen_bank.stop_latency_min", True),
    ("banks.b.stop_latency_min", True),
    ("banks.b.freeze_latency_min", False),
    ("banks..stop_latency_min", False),
    ("banks.a.b.stop_latency_min", False),
    ("xbanks.a.stop_latency_min", False),
    ("banks.a.stop_latency_min_x", False),
    ("banks.a.stop_latency", False),
])
def test_is_stop_latency_only_for_a_banks_stop_latency(key: str, expected: bool) -> None:
    """The Xiamen mark is drawn only on a bank's own stop-payment latency axis."""
    assert is_stop_latency(key) is expected


@pytest.mark.parametrize(("key", "expected"), [
    ("victims.report_lag_min", True),
    ("scam_types.customer_service.report_lag_min", True),
    ("victims.report_lag_min.median", False),
    ("victims.report_lag", False),
    ("response.analysts.handling_min", False),
])
def test_is_report_lag_for_victims_and_scam_types(key: str, expected: bool) -> None:
    """Both the victims' delay and a scam type's own delay give a golden-hour sweep."""
    assert is_report_lag(key) is expected


def test_measure_label_of_known_measures_carries_the_unit() -> None:
    """Headline measures have written-out labels with their unit."""
    assert measure_label("saved_yuan") == "money saved, mean per replication (yuan)"
    assert measure_label("report_to_first_stop_p90_min") == (
        "report to first stop, 90th percentile (minutes)")


def test_measure_label_of_an_unknown_measure_spells_its_name() -> None:
    """An unknown measure is still readable: underscores become spaces."""
    assert measure_label("cases_started") == "cases started"
    assert measure_label("x") == "x"
