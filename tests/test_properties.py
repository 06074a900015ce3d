"""Invariants of the model over randomly generated valid scenarios (hypothesis)."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pyarrow as pa
from hypothesis import HealthCheck, given, settings

from fraudsim import simulate
from fraudsim.model.cases import STOPPERS
from fraudsim.results import write_parquet
from fraudsim.scenario import Scenario
from tests.strategies import scenarios

PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    write_parquet(table, sink)
    return sink.getvalue()


def col(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False))


@PROPERTY_SETTINGS
@given(scenarios())
def test_money_is_conserved_exactly_for_every_case(scenario: Scenario) -> None:
    result = simulate(scenario)
    t = result.cases
    exposed = col(t, "exposed_fen")
    parts = (
        col(t, "prevented_fen")
        + col(t, "frozen_fen")
        + col(t, "cashed_out_fen")
        + col(t, "in_flight_fen")
    )
    assert t.column("exposed_fen").type == pa.int64()
    assert np.array_equal(exposed, parts)
    # The components are themselves consistent and never negative.
    for name in (
        "prevented_fen",
        "frozen_fen",
        "cashed_out_fen",
        "in_flight_fen",
        "paid_fen",
        "held_by_stop_fen",
        "unpaid_at_end_fen",
        "in_transit_fen",
    ):
        assert (col(t, name) >= 0).all(), name
    by_stopper = sum(col(t, f"prevented_by_{w}_fen") for w in STOPPERS)
    assert np.array_equal(by_stopper, col(t, "prevented_fen"))
    assert np.array_equal(
        col(t, "frozen_by_police_fen") + col(t, "frozen_by_bank_fen"), col(t, "frozen_fen")
    )
    # Every planned payment was paid, prevented, or not yet due at the end ...
    unpaid = col(t, "unpaid_at_end_fen")
    assert np.array_equal(col(t, "paid_fen") + col(t, "prevented_fen") + unpaid, exposed)
    # ... and what was paid is frozen, cashed out, or still moving.
    assert np.array_equal(
        col(t, "frozen_fen") + col(t, "cashed_out_fen") + col(t, "in_flight_fen") - unpaid,
        col(t, "paid_fen"),
    )
    # Money under a stop is money still in accounts: not in transit, not unpaid.
    in_accounts = col(t, "in_flight_fen") - col(t, "in_transit_fen") - unpaid
    assert (col(t, "held_by_stop_fen") <= in_accounts).all()
    # Saved is what never left her plus what was frozen, case by case.
    assert np.array_equal(col(t, "saved_fen"), col(t, "prevented_fen") + col(t, "frozen_fen"))
    channels = sum(m.value for m in result.summary if m.metric.startswith("cashed_out_via_"))
    assert channels == col(t, "cashed_out_fen").sum()
    # Her installments, listed one by one, are what she paid: what reached a
    # mule plus the delayed credits recalled before they did.
    listed = t.select(["payment_fen", "payment_min", "installments_paid"]).to_pylist()
    recalled = col(t, "prevented_by_recall_fen")
    for row, paid, back in zip(listed, col(t, "paid_fen"), recalled, strict=True):
        assert len(row["payment_fen"]) == len(row["payment_min"]) == row["installments_paid"]
        assert sum(row["payment_fen"]) == paid + back


@PROPERTY_SETTINGS
@given(scenarios())
def test_time_order_of_each_case(scenario: Scenario) -> None:
    t = simulate(scenario).cases
    contact, first = col(t, "contact_min"), col(t, "first_payment_min")
    report, call = col(t, "report_min"), col(t, "call_start_min")
    case_start, first_stop = col(t, "case_start_min"), col(t, "first_stop_min")
    times = t.column("payment_min").to_pylist()
    assert all(a <= b for pays in times for a, b in itertools.pairwise(pays))
    assert [p[0] if p else None for p in times] == [None if np.isnan(f) else f for f in first]
    assert [p[-1] if p else None for p in times] == [
        None if np.isnan(f) else f for f in col(t, "last_payment_min")
    ]
    with np.errstate(invalid="ignore"):
        assert not (first < contact).any()
        assert not (call < report).any()
        assert not (case_start < call).any()
        assert not (first_stop < case_start).any()
    # A case is started only after it was reported.
    assert not (~np.isnan(case_start) & np.isnan(report)).any()
    # The report the run saw is the one drawn; a drawn one is seen unless it
    # falls after the run's end (a clock time is now + (time - now): equal
    # up to rounding).
    due, end = col(t, "report_due_min"), scenario.time.horizon_days * 1440.0 + (
        scenario.time.drain_days * 1440.0)
    seen = ~np.isnan(report)
    assert np.allclose(report[seen], due[seen], rtol=0.0, atol=1e-6)
    with np.errstate(invalid="ignore"):
        assert not (np.isnan(report) & (due < end - 1e-6)).any()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_same_seed_same_cases(scenario: Scenario) -> None:
    a = simulate(scenario).cases
    b = simulate(scenario).cases
    assert parquet_bytes(a) == parquet_bytes(b)
    assert a.num_rows == b.num_rows
