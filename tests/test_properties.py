"""Invariants of the model over randomly generated valid scenarios (hypothesis)."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pyarrow as pa
from hypothesis import HealthCheck, event, example, given, settings

from fraudsim import simulate
from fraudsim.model.cases import STOPPERS
from fraudsim.results import write_parquet
from fraudsim.scenario import Scenario
from fraudsim.scenario.loading import validate_scenario
from tests.conftest import xiamen
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


def paying_on(*overrides: str) -> Scenario:
    """The Xiamen replay's victim paying 1,000, 2,000 and 3,000 fen ten minutes apart.

    She reports at once and does not stop on her own, so what prevents her
    later installments is the response: guidance half a minute after the
    report, or a patrol three minutes after it when guidance fails.
    """
    raw = xiamen(overrides).model_dump(by_alias=True)
    raw["scripted_cases"][0].update(installments_fen=[1000, 2000, 3000], gap_min=10,
                                    realisation_min=0, self_stop=False)
    return validate_scenario(raw)


# The random scenarios reach guidance and patrols rarely (a few examples in
# sixty): each has an example of its own.
BY_GUIDANCE = paying_on("response.guidance.success_prob=1")
BY_PATROL = paying_on("response.guidance.success_prob=0", "response.patrols.dispatch_prob=1")


def test_the_pinned_examples_are_stopped_by_guidance_and_by_a_patrol() -> None:
    for scenario, who in ((BY_GUIDANCE, "guidance"), (BY_PATROL, "patrol")):
        (row,) = simulate(scenario).cases.to_pylist()
        assert (row["halted_by"], row[f"prevented_by_{who}_fen"]) == (who, 5000)


@PROPERTY_SETTINGS
@given(scenarios())
@example(BY_GUIDANCE)
@example(BY_PATROL)
def test_money_is_conserved_exactly_for_every_case(scenario: Scenario) -> None:
    result = simulate(scenario)
    t = result.cases
    # Which money paths the example took (pytest --hypothesis-show-statistics).
    for name in (*(f"prevented_by_{w}_fen" for w in STOPPERS), "frozen_by_police_fen",
                 "frozen_by_bank_fen", "held_by_stop_fen", "in_transit_fen", "unpaid_at_end_fen"):
        if col(t, name).sum() > 0:
            event(name)
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
    # One stopper per case: what was prevented, recalls of delayed credits
    # aside, was prevented by whoever halted her, and by no one if nobody did.
    halted = np.asarray(t.column("halted_by").to_pylist(), dtype=object)
    for who in STOPPERS:
        if who != "recall":
            credited = col(t, f"prevented_by_{who}_fen")
            assert not (credited[halted != who] != 0).any(), who
            assert (credited[halted == who] > 0).all(), who
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
