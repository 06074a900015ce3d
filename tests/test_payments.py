"""Victims' installments and what stops them (fraudsim/model/payments.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pytest

from fraudsim import simulate
from fraudsim.model.world import RawRun, run_world
from fraudsim.scenario import Scenario
from fraudsim.scenario.loading import validate_scenario
from tests.conftest import busy, xiamen

CONTACT, GROOMING = 3480.0, 20.0
FIRST = CONTACT + GROOMING  # the Xiamen victim's first payment, Wednesday 10:20


def replay(spec: dict[str, Any], overrides: Sequence[str] = ()) -> Scenario:
    """The Xiamen replay with its scripted victim changed by ``spec``."""
    raw = xiamen(overrides).model_dump(by_alias=True)
    raw["scripted_cases"][0].update(spec)
    return validate_scenario(raw)


def row(scenario: Scenario) -> dict[str, Any]:
    (only,) = simulate(scenario).cases.to_pylist()
    return only  # type: ignore[no-any-return]


THREE = {"installments_fen": [1000, 2000, 3000], "gap_min": 10.0}


def held_after_15_minutes(overrides: Sequence[str]) -> RawRun:
    """The busy city, no replay and no reports, every victim's account held 15 min in."""
    raw = busy(
        [
            "response.holds.risk_flag_prob=1",
            "response.holds.risk_flag_min=15",
            "scam_types.customer_service.report_prob=0",
            *overrides,
        ]
    ).model_dump(by_alias=True)
    raw["scripted_cases"] = []
    return run_world(validate_scenario(raw))


def test_realising_at_once_stops_every_payment_after_the_first() -> None:
    r = row(replay({**THREE, "realisation_min": 0.0, "self_stop": True, "reports": False}))
    assert r["installments_paid"] == 1
    assert r["paid_fen"] == 1000
    assert r["prevented_by_self_fen"] == 5000
    assert r["halted_by"] == "self"
    assert r["halted_min"] == FIRST


def test_realising_later_stops_only_the_payments_due_after_it() -> None:
    r = row(replay({**THREE, "realisation_min": 15.0, "self_stop": True, "reports": False}))
    assert r["installments_paid"] == 2  # at +0 and +10; the one at +20 is after realising
    assert r["prevented_by_self_fen"] == 3000
    assert r["halted_min"] == FIRST + 15.0
    assert r["last_payment_min"] == FIRST + 10.0


def test_a_victim_who_does_not_stop_herself_pays_everything() -> None:
    r = row(replay({**THREE, "realisation_min": 0.0, "self_stop": False, "reports": False}))
    assert r["installments_paid"] == 3
    assert r["paid_fen"] == 6000
    assert r["prevented_fen"] == 0
    assert r["halted_by"] == ""
    assert math.isnan(r["halted_min"])
    assert r["first_payment_min"] == FIRST
    assert r["last_payment_min"] == FIRST + 20.0


def test_a_victim_who_stopped_on_her_own_keeps_the_credit_when_police_act_later() -> None:
    # She realises 5 minutes after her first payment and reports at once;
    # the call is guided before her next installment (due at +60) would
    # have shown that she had stopped: the rest is hers, not the guidance's.
    spec = {**THREE, "gap_min": 60.0, "realisation_min": 5.0, "self_stop": True}
    r = row(replay({**spec, "report_lag_min": 0.0}, ["response.patrols.dispatch_prob=0"]))
    assert r["guidance_min"] > r["realise_min"]
    assert r["prevented_by_self_fen"] == 5000
    assert r["prevented_by_guidance_fen"] == 0
    assert r["halted_by"] == "self"
    assert r["halted_min"] == FIRST + 5.0


def test_the_trace_shows_a_self_stop_when_she_realised() -> None:
    # Her stop is found out at the next installment, 5 minutes after she
    # realised; the timeline puts it where the case table does, in order.
    spec = {**THREE, "realisation_min": 15.0, "self_stop": True, "reports": False}
    run = run_world(replay(spec), trace_case=0)
    (case,) = run.cases
    (stop,) = [e for e in run.trace if e.event == "prevented"]
    assert stop.time_min == case.halted_min == case.realise_min < case.pay_times[2]
    times = [e.time_min for e in run.trace]
    assert times == sorted(times)


def test_a_hold_is_credited_only_with_what_she_would_have_paid_on() -> None:
    # Every victim stops on her own at realising and gets a hold 15 minutes
    # after her first payment: a hold before she realises saves the rest,
    # one after it finds she had already stopped.
    run = held_after_15_minutes(
        [
            "scam_types.customer_service.self_stop_prob=1",
            'scam_types.customer_service.realisation_min={kind="exponential",mean=15}',
        ]
    )
    by: dict[str, int] = {"hold": 0, "self": 0}
    for c in run.cases:
        if c.halted_by == "":
            assert c.paid_fen == c.exposed_fen  # paid everything before either
            continue
        expected = "self" if c.realise_min <= c.risk_hold_min else "hold"
        assert c.halted_by == expected
        assert c.halted_min == min(c.realise_min, c.risk_hold_min)
        assert c.prevented[expected] == c.exposed_fen - c.paid_fen
        by[expected] += 1
    assert by["hold"] > 10 and by["self"] > 10  # both orders happened


def test_each_payment_records_its_first_layer_account_in_order() -> None:
    scenario = replay({**THREE, "realisation_min": 0.0, "self_stop": False, "reports": False})
    run = run_world(scenario, trace_case=0)
    (case,) = run.cases
    paid_into = [int(e.account.split("#")[1]) for e in run.trace if e.event == "payment"]
    assert list(case.l1_accounts) == paid_into and len(paid_into) == 3


def test_the_report_comes_the_lag_after_realising() -> None:
    r = row(replay({"realisation_min": 5.0, "report_lag_min": 7.0}))
    assert r["realise_min"] == FIRST + 5.0
    assert r["report_min"] == FIRST + 12.0
    assert r["reported"] is True
    quiet = row(replay({"reports": False}))
    assert quiet["reported"] is False
    assert math.isnan(quiet["report_min"])


def test_a_risk_hold_stops_the_payments_due_after_it() -> None:
    run = held_after_15_minutes(["scam_types.customer_service.self_stop_prob=0"])
    held = 0
    for c in run.cases:
        hold = c.first_pay_min + 15.0
        assert c.risk_hold_min == hold
        due_before = [k for k, t in enumerate(c.pay_times) if t < hold]
        assert len(c.l1_accounts) == len(due_before)
        assert c.paid_fen == sum(c.installments[k] for k in due_before)
        assert c.prevented["hold"] == c.exposed_fen - c.paid_fen
        if len(due_before) < len(c.installments):
            held += 1
            assert c.hold_min == hold
            assert c.halted_by == "hold"
        else:
            assert math.isnan(c.hold_min)
    assert held > 10  # the rule did act on many victims


def test_hold_min_is_the_hold_that_acted_not_a_later_one() -> None:
    # The bank's own hold 15 minutes in, then, on the victim's report, the
    # analyst's hold: the second finds nothing left to stop and must not
    # move the first one's time.
    run = held_after_15_minutes([
        "scam_types.customer_service.self_stop_prob=0",
        "scam_types.customer_service.report_prob=1",
        "victims.report_lag_min=1",
        "response.holds.on_report=true",
        "response.holds.latency_min=30",
    ])
    halted = [c for c in run.cases if c.halted_by == "hold"]
    later = [c for c in halted if c.case_start_min + 30.0 > c.risk_hold_min]  # NaN: no case
    assert len(later) > 10  # a second hold came after the first in many cases
    assert all(c.hold_min == c.halted_min == c.risk_hold_min for c in halted)


DELAYED = [
    "mule_network.delayed_credit.enabled=true",
    "mule_network.delayed_credit.threshold_fen=1500",
    "mule_network.delayed_credit.delay_min=60",
]


def test_only_transfers_at_or_above_the_threshold_are_delayed() -> None:
    scenario = replay(
        {"installments_fen": [1000, 1500], "gap_min": 1.0, "self_stop": False, "reports": False},
        DELAYED,
    )
    run = run_world(scenario, trace_case=0)
    hops = [(e.time_min, e.amount_fen) for e in run.trace if e.event == "hop"]
    # The 1000 fen reaches the mule at once and moves on a 22-minute dwell later;
    # the 1500 fen reaches it 60 minutes after it was paid.
    assert hops[0] == (FIRST + 22.0, 1000)
    assert (FIRST + 1.0 + 60.0 + 22.0, 1500) in hops


def test_money_still_delayed_at_the_end_is_in_transit() -> None:
    scenario = replay(
        {"reports": False},
        [
            "mule_network.delayed_credit.enabled=true",
            "mule_network.delayed_credit.threshold_fen=1",
            "mule_network.delayed_credit.delay_min=1000",
            "time.drain_days=0",  # the run ends at 4320 min, before the credit at 4500
        ],
    )
    r = row(scenario)
    assert r["paid_fen"] == r["in_transit_fen"] == r["in_flight_fen"] == 150_000_000
    assert r["cashed_out_fen"] == r["frozen_fen"] == 0


def test_a_report_recalls_only_credits_still_delayed() -> None:
    r = row(
        replay(
            {"installments_fen": [1000, 2000], "gap_min": 10.0, "self_stop": False},
            [*DELAYED, "response.guidance.success_prob=0", "response.patrols.dispatch_prob=0"],
        )
    )
    # 1000 fen goes straight to the mule; 2000 fen is paid after the report and recalled.
    assert r["installments_paid"] == 2
    assert r["prevented_by_recall_fen"] == 2000
    assert r["paid_fen"] == 1000
    # She did make the recalled payment: it is listed among hers, ten minutes after the first.
    assert r["payment_fen"] == [1000, 2000]
    assert r["payment_min"] == [FIRST, FIRST + 10.0]
    assert r["exposed_fen"] == 3000


def test_payments_not_yet_due_at_the_end_are_unpaid() -> None:
    r = row(
        replay(
            {**THREE, "gap_min": 2000.0, "self_stop": False, "reports": False},
            ["time.drain_days=0"],
        )
    )
    # Payments at 3500, 5500 and 7500 minutes; the run ends at 4320.
    assert r["installments_paid"] == 1
    assert r["unpaid_at_end_fen"] == 5000
    assert r["in_flight_fen"] == 5000 + r["paid_fen"] - r["frozen_fen"] - r["cashed_out_fen"]


@pytest.mark.parametrize("by", ["guidance", "self"])
def test_the_trace_names_who_prevented_the_rest(by: str) -> None:
    spec = {**THREE, "realisation_min": 0.0, "self_stop": by == "self", "reports": by != "self"}
    run = run_world(replay(spec), trace_case=0)
    events = [e.event for e in run.trace]
    assert events[0] == "contact"
    assert events.count("payment") == 1
    (prevented,) = [e for e in run.trace if e.event == "prevented"]
    assert prevented.amount_fen == 5000
    assert prevented.detail.endswith(f"stopped by {by}")
