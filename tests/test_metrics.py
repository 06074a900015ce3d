"""Headline metrics from a case table (fraudsim/metrics.py), on hand-made tables."""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa
import pytest

from fraudsim.metrics import Metric, summarise
from fraudsim.model.cases import STOPPERS

NAN = math.nan

MONEY = [
    "exposed_fen",
    "paid_fen",
    "prevented_fen",
    "frozen_fen",
    "cashed_out_fen",
    "in_flight_fen",
    "saved_fen",
    "held_by_stop_fen",
    "frozen_by_police_fen",
    "frozen_by_bank_fen",
    *[f"prevented_by_{w}_fen" for w in STOPPERS],
]
TIMES = ["report_min", "first_stop_min", "case_start_min", "warned_min"]
COUNTS = ["accounts_frozen", "hops_traced"]


def case(**values: Any) -> dict[str, Any]:
    """A case row: zero money, no events, unless given."""
    row: dict[str, Any] = dict.fromkeys(MONEY, 0) | dict.fromkeys(TIMES, NAN)
    row |= dict.fromkeys(COUNTS, 0)
    row |= values
    row["reported"] = not math.isnan(row["report_min"])
    return row


def table(rows: list[dict[str, Any]]) -> pa.Table:
    fields = [pa.field(c, pa.int64()) for c in MONEY + COUNTS]
    fields += [pa.field(c, pa.float64()) for c in TIMES] + [pa.field("reported", pa.bool_())]
    schema = pa.schema(fields)
    return pa.table({f.name: [r[f.name] for r in rows] for f in schema}, schema=schema)


# Three victims:
#   A was warned at 2 but paid 1000 fen anyway, 600 frozen by police and 400
#     cashed out; reported at 10, case started 12, first stop 15, 2 accounts
#     frozen, 3 hops traced.
#   B was warned and dissuaded: 5000 prevented, nothing paid.
#   C paid 2000 (100 frozen by the bank), 1500 prevented by guidance, 1900 still
#     in flight of which 700 held by a stop; reported at 100, started 130, stop 190.
ROWS = [
    case(
        exposed_fen=1000,
        paid_fen=1000,
        frozen_fen=600,
        frozen_by_police_fen=600,
        cashed_out_fen=400,
        saved_fen=600,
        report_min=10.0,
        case_start_min=12.0,
        first_stop_min=15.0,
        accounts_frozen=2,
        hops_traced=3,
        warned_min=2.0,
    ),
    case(
        exposed_fen=5000,
        prevented_fen=5000,
        prevented_by_dissuasion_fen=5000,
        saved_fen=5000,
        warned_min=3.0,
    ),
    case(
        exposed_fen=3500,
        paid_fen=2000,
        prevented_fen=1500,
        prevented_by_guidance_fen=1500,
        frozen_fen=100,
        frozen_by_bank_fen=100,
        in_flight_fen=1900,
        held_by_stop_fen=700,
        saved_fen=1600,
        report_min=100.0,
        case_start_min=130.0,
        first_stop_min=190.0,
    ),
]
WAITS = {"analysts": [0.0, 10.0, 20.0, 30.0], "patrols": [], "bank_requests": [5.0]}


def metrics(
    rows: list[dict[str, Any]], waits: dict[str, list[float]] | None = None
) -> dict[str, float]:
    out = summarise(table(rows), WAITS if waits is None else waits, 500, 120, {"atm": 400})
    names = [m.metric for m in out]
    assert len(names) == len(set(names)), "duplicate metric names"
    assert all(isinstance(m, Metric) and isinstance(m.value, float) for m in out)
    return {m.metric: m.value for m in out}


def test_money_totals_and_shares() -> None:
    m = metrics(ROWS)
    assert m["exposed_fen"] == 9500
    assert m["paid_fen"] == 3000
    assert m["prevented_fen"] == 6500
    assert m["frozen_fen"] == 700
    assert m["frozen_by_police_fen"] == 600
    assert m["frozen_by_bank_fen"] == 100
    assert m["cashed_out_fen"] == m["lost_fen"] == 400
    assert m["in_flight_fen"] == 1900
    assert m["held_by_stop_fen"] == 700
    assert m["saved_fen"] == 7200
    assert m["prevented_by_dissuasion_fen"] == 5000
    assert m["prevented_by_guidance_fen"] == 1500
    assert m["prevented_by_self_fen"] == 0
    assert m["saved_share"] == pytest.approx(7200 / 9500)
    assert m["frozen_share_of_paid"] == pytest.approx(700 / 3000)
    assert m["saved_yuan"] == 72.0
    assert m["lost_yuan"] == 4.0


def test_counts() -> None:
    m = metrics(ROWS)
    assert m["contacts"] == 500
    assert m["intercepted"] == 120
    assert m["cases"] == 3
    assert m["reported"] == 2
    assert m["cases_started"] == 2
    assert m["warned"] == 2  # A was warned and paid anyway: warned, not dissuaded
    assert m["dissuaded"] == 1
    assert m["accounts_frozen"] == 2
    assert m["hops_traced"] == 3
    assert m["cashed_out_via_atm_fen"] == 400


def test_timing_quantiles_ignore_cases_without_the_event() -> None:
    m = metrics(ROWS)
    # Report -> first stop: 5 and 90 minutes (B has neither).
    assert m["report_to_first_stop_median_min"] == pytest.approx(47.5)
    assert m["report_to_first_stop_p90_min"] == pytest.approx(5 + 0.9 * 85)
    # Report -> case start: 2 and 30 minutes.
    assert m["report_to_case_start_median_min"] == pytest.approx(16.0)
    assert m["report_to_case_start_p90_min"] == pytest.approx(2 + 0.9 * 28)


def test_waits_per_resource_skip_the_banks() -> None:
    m = metrics(ROWS)
    assert m["analysts_wait_mean_min"] == pytest.approx(15.0)
    assert m["analysts_wait_p90_min"] == pytest.approx(27.0)  # linear interpolation
    assert math.isnan(m["patrols_wait_mean_min"])
    assert math.isnan(m["patrols_wait_p90_min"])
    assert not any(k.startswith("bank_requests") for k in m)


def test_an_empty_case_table_gives_zeros_and_nans() -> None:
    m = metrics([], {"analysts": []})
    assert m["cases"] == m["reported"] == m["exposed_fen"] == m["saved_yuan"] == 0
    for name in (
        "saved_share",
        "frozen_share_of_paid",
        "report_to_first_stop_median_min",
        "report_to_case_start_p90_min",
        "analysts_wait_mean_min",
    ):
        assert math.isnan(m[name]), name


def test_nothing_paid_gives_a_nan_frozen_share_but_a_saved_share() -> None:
    m = metrics([ROWS[1]])
    assert m["saved_share"] == 1.0
    assert math.isnan(m["frozen_share_of_paid"])
    assert math.isnan(m["report_to_first_stop_median_min"])


def test_reported_but_never_stopped_counts_as_reported_only() -> None:
    m = metrics([case(exposed_fen=10, paid_fen=10, cashed_out_fen=10, report_min=5.0)])
    assert m["reported"] == 1
    assert m["cases_started"] == 0
    assert math.isnan(m["report_to_first_stop_median_min"])
