"""Staffing of a service: a fixed team, a weekly shift calendar, or unlimited.

Call-takers, anti-fraud analysts, patrol units and the early-warning team all
work shifts. A calendar is a list of shifts; the number on duty in each hour
of the week is the sum of the shifts covering that hour.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

HOURS_PER_WEEK = 168

UNLIMITED = 1 << 40
"""Capacity used for an unlimited team: larger than any queue can grow."""


class Frozen(BaseModel):
    """Base of every scenario table: unknown keys are errors, values immutable."""

    # Infinity and NaN are refused: no scenario value means them, and they
    # pass bounds such as gt=0 to fail deep in a run.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


class Shift(Frozen):
    """One recurring shift: on these weekdays, from this hour, for so many hours."""

    days: list[int] = Field(
        default=[0, 1, 2, 3, 4, 5, 6],
        description="Weekdays the shift runs (0 = Monday ... 6 = Sunday).",
    )
    start_hour: int = Field(ge=0, le=23, description="Hour of day the shift starts (0-23).")
    hours: int = Field(
        ge=1, le=24, description="Length of the shift in hours (may cross midnight)."
    )
    # strict: true is not a head count (lax validation reads it as 1).
    staff: int = Field(ge=0, strict=True, description="People (or units) on duty during the shift.")

    @model_validator(mode="after")
    def _valid_days(self) -> Self:
        if not self.days or any(d < 0 or d > 6 for d in self.days):
            raise ValueError("days must be a non-empty list of weekdays 0 (Monday) to 6 (Sunday)")
        return self


class Staffing(Frozen):
    """How many servers are on duty: exactly one of staff, shifts or unlimited."""

    staff: int | None = Field(
        default=None, ge=0, strict=True, description="A constant number on duty around the clock."
    )
    shifts: list[Shift] | None = Field(
        default=None, description="A weekly calendar of shifts; overlapping shifts add up."
    )
    unlimited: bool = Field(
        default=False, description="Infinitely many servers: nobody ever waits (for what-ifs)."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = (self.staff is not None) + (self.shifts is not None) + self.unlimited
        if given != 1:
            raise ValueError("give exactly one of staff, shifts or unlimited = true")
        return self

    def weekly_capacity(self) -> list[int]:
        """Return the number on duty in each of the 168 hours of the week."""
        if self.unlimited:
            return [UNLIMITED] * HOURS_PER_WEEK
        if self.staff is not None:
            return [self.staff] * HOURS_PER_WEEK
        cap = [0] * HOURS_PER_WEEK
        for shift in self.shifts or []:
            for day in shift.days:
                start = day * 24 + shift.start_hour
                for h in range(start, start + shift.hours):
                    cap[h % HOURS_PER_WEEK] += shift.staff
        return cap
