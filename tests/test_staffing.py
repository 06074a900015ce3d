"""Tests of staffing calendars (fraudsim/scenario/staffing.py)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from fraudsim.scenario.distributions import Constant
from fraudsim.scenario.response import Analysts
from fraudsim.scenario.staffing import HOURS_PER_WEEK, UNLIMITED, Shift, Staffing

MON, TUE, SAT, SUN = 0, 1, 5, 6


def hour(day: int, h: int) -> int:
    """Index of hour ``h`` of weekday ``day`` in the weekly capacity."""
    return day * 24 + h


def on_duty(cap: list[int]) -> dict[int, int]:
    """The hours with anyone on duty, and how many."""
    return {i: n for i, n in enumerate(cap) if n}


def test_constant_staff() -> None:
    cap = Staffing(staff=3).weekly_capacity()
    assert cap == [3] * HOURS_PER_WEEK


def test_zero_staff_is_valid() -> None:
    assert Staffing(staff=0).weekly_capacity() == [0] * HOURS_PER_WEEK


def test_unlimited() -> None:
    cap = Staffing(unlimited=True).weekly_capacity()
    assert cap == [UNLIMITED] * HOURS_PER_WEEK
    assert UNLIMITED > 10**9


def test_day_shift_every_day_by_default() -> None:
    cap = Staffing(shifts=[Shift(start_hour=8, hours=8, staff=2)]).weekly_capacity()
    assert len(cap) == HOURS_PER_WEEK
    expected = {hour(d, h): 2 for d in range(7) for h in range(8, 16)}
    assert on_duty(cap) == expected


def test_shift_crossing_midnight_runs_into_next_day() -> None:
    cap = Staffing(shifts=[Shift(days=[MON], start_hour=22, hours=4, staff=1)]).weekly_capacity()
    assert on_duty(cap) == {hour(MON, 22): 1, hour(MON, 23): 1, hour(TUE, 0): 1, hour(TUE, 1): 1}


def test_sunday_night_shift_wraps_to_monday_morning() -> None:
    cap = Staffing(shifts=[Shift(days=[SUN], start_hour=20, hours=8, staff=5)]).weekly_capacity()
    expected = {hour(SUN, h): 5 for h in range(20, 24)} | {hour(MON, h): 5 for h in range(4)}
    assert on_duty(cap) == expected


def test_full_day_shift_from_late_hour_on_sunday() -> None:
    cap = Staffing(shifts=[Shift(days=[SUN], start_hour=23, hours=24, staff=1)]).weekly_capacity()
    expected = {hour(SUN, 23): 1} | {hour(MON, h): 1 for h in range(23)}
    assert on_duty(cap) == expected


def test_overlapping_shifts_add_up() -> None:
    staffing = Staffing(
        shifts=[
            Shift(start_hour=8, hours=8, staff=2),  # 08-16
            Shift(start_hour=12, hours=8, staff=3),  # 12-20
            Shift(days=[SAT], start_hour=14, hours=1, staff=10),
        ]
    )
    cap = staffing.weekly_capacity()
    for day in range(7):
        assert cap[hour(day, 7)] == 0
        assert cap[hour(day, 8)] == 2
        assert cap[hour(day, 11)] == 2
        assert cap[hour(day, 12)] == 5
        assert cap[hour(day, 15)] == 5
        assert cap[hour(day, 16)] == 3
        assert cap[hour(day, 19)] == 3
        assert cap[hour(day, 20)] == 0
    assert cap[hour(SAT, 14)] == 15
    assert cap[hour(SUN, 14)] == 5


def test_night_shift_overlapping_next_morning_shift() -> None:
    staffing = Staffing(
        shifts=[
            Shift(days=[SUN], start_hour=22, hours=10, staff=1),  # Sun 22 -> Mon 08
            Shift(days=[MON], start_hour=6, hours=4, staff=2),  # Mon 06 -> 10
        ]
    )
    cap = staffing.weekly_capacity()
    assert cap[hour(SUN, 22)] == 1
    assert cap[hour(MON, 5)] == 1
    assert cap[hour(MON, 6)] == 3
    assert cap[hour(MON, 7)] == 3
    assert cap[hour(MON, 8)] == 2
    assert cap[hour(MON, 10)] == 0


def test_empty_calendar_means_nobody() -> None:
    assert Staffing(shifts=[]).weekly_capacity() == [0] * HOURS_PER_WEEK


def test_subclasses_share_the_calendar() -> None:
    analysts = Analysts(
        shifts=[Shift(days=[SUN], start_hour=23, hours=2, staff=4)],
        handling_min=Constant(value=5),
        triage="fifo",
    )
    assert on_duty(analysts.weekly_capacity()) == {hour(SUN, 23): 4, hour(MON, 0): 4}


@pytest.mark.parametrize(
    "spec",
    [
        {},
        {"unlimited": False},
        {"staff": 2, "shifts": [{"start_hour": 0, "hours": 24, "staff": 1}]},
        {"staff": 2, "unlimited": True},
        {"shifts": [], "unlimited": True},
        {"staff": 0, "shifts": [], "unlimited": True},
    ],
    ids=[
        "nothing",
        "unlimited-false",
        "staff+shifts",
        "staff+unlimited",
        "shifts+unlimited",
        "all",
    ],
)
def test_exactly_one_of_staff_shifts_unlimited(spec: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="exactly one of staff, shifts or unlimited"):
        Staffing.model_validate(spec)


def test_exactly_one_rule_applies_to_subclasses() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        Analysts.model_validate({"handling_min": 5, "triage": "fifo"})


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"start_hour": 24, "hours": 1, "staff": 1}, "less than or equal to 23"),
        ({"start_hour": -1, "hours": 1, "staff": 1}, "greater than or equal to 0"),
        ({"start_hour": 0, "hours": 0, "staff": 1}, "greater than or equal to 1"),
        ({"start_hour": 0, "hours": 25, "staff": 1}, "less than or equal to 24"),
        ({"start_hour": 0, "hours": 8, "staff": -1}, "greater than or equal to 0"),
        ({"days": [], "start_hour": 0, "hours": 8, "staff": 1}, "non-empty list of weekdays"),
        ({"days": [7], "start_hour": 0, "hours": 8, "staff": 1}, "weekdays 0 \\(Monday\\)"),
        ({"days": [-1], "start_hour": 0, "hours": 8, "staff": 1}, "weekdays 0 \\(Monday\\)"),
        ({"start_hour": 0, "hours": 8}, "Field required"),
        ({"start_hour": 0, "hours": 8, "staff": 1, "crew": 2}, "Extra inputs"),
    ],
)
def test_invalid_shift(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Shift.model_validate(spec)


def test_negative_staff() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        Staffing(staff=-1)


def test_staffing_is_immutable() -> None:
    staffing = Staffing(staff=1)
    with pytest.raises(ValidationError):
        staffing.staff = 2  # type: ignore[misc]  # the frozen model must refuse it


shift_strategy = st.builds(
    Shift,
    days=st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True),
    start_hour=st.integers(0, 23),
    hours=st.integers(1, 24),
    staff=st.integers(0, 50),
)


@settings(database=None, deadline=None)
@given(shifts=st.lists(shift_strategy, max_size=6))
def test_calendar_conserves_person_hours(shifts: list[Shift]) -> None:
    cap = Staffing(shifts=shifts).weekly_capacity()
    assert len(cap) == HOURS_PER_WEEK
    assert min(cap, default=0) >= 0
    assert sum(cap) == sum(s.staff * s.hours * len(s.days) for s in shifts)


@settings(database=None, deadline=None)
@given(a=st.lists(shift_strategy, max_size=3), b=st.lists(shift_strategy, max_size=3))
def test_calendars_add_hour_by_hour(a: list[Shift], b: list[Shift]) -> None:
    cap_a = Staffing(shifts=a).weekly_capacity()
    cap_b = Staffing(shifts=b).weekly_capacity()
    both = Staffing(shifts=a + b).weekly_capacity()
    assert both == [x + y for x, y in zip(cap_a, cap_b, strict=True)]
