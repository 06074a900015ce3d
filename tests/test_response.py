"""Police and bank response: calls, analysts, guidance, patrols, stops, tracing.

Tests of fraudsim/model/response.py, mostly on the Xiamen replay whose timing
is known to the minute: first payment at 3500, report at once, call 0.5 min,
bank stop 2.5 min, first-layer dwell 22 min.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pytest

from fraudsim import simulate
from fraudsim.model.cases import MINUTES_PER_DAY, Case
from fraudsim.model.response import _triage_key, cross_region_delays
from fraudsim.model.world import build_world
from fraudsim.scenario import Scenario
from fraudsim.scenario.loading import validate_scenario
from tests.conftest import xiamen

FIRST = 3500.0  # first payment = report
CALL_END = FIRST + 0.5


def replay(spec: dict[str, Any], overrides: Sequence[str] = (), **tables: Any) -> Scenario:
    """The Xiamen replay with its victim changed by ``spec`` and whole tables replaced."""
    raw = xiamen(overrides).model_dump(by_alias=True)
    raw["scripted_cases"][0].update(spec)
    for path, value in tables.items():
        *parents, last = path.split("__")
        node = raw
        for p in parents:
            node = node[p]
        node[last] = value
    return validate_scenario(raw)


def row(scenario: Scenario) -> dict[str, Any]:
    (only,) = simulate(scenario).cases.to_pylist()
    return only  # type: ignore[no-any-return]


def keeps_paying(n: int, gap: float) -> dict[str, Any]:
    """A victim paying n times 1000 fen who does not stop on her own."""
    return {"installments_fen": [1000] * n, "gap_min": gap, "self_stop": False}


# -- guidance, patrols, holds ------------------------------------------------------


def test_guidance_at_the_call_halts_the_payments_after_the_call() -> None:
    r = row(replay(keeps_paying(3, 60.0), ["response.guidance.at=call"]))
    assert r["guidance_min"] == CALL_END
    assert r["installments_paid"] == 1
    assert r["prevented_by_guidance_fen"] == 2000
    assert r["halted_min"] == CALL_END


def test_guidance_by_the_analyst_waits_for_the_analyst() -> None:
    # Analysts only from 12:00: the case starts at Wednesday 12:00 = minute 3600.
    day_shift = {"staff": None, "shifts": [{"start_hour": 12, "hours": 8, "staff": 1}]}
    analysts = {**xiamen().response.analysts.model_dump(by_alias=True), **day_shift}
    r = row(
        replay(
            keeps_paying(3, 60.0),
            ["response.guidance.at=analyst"],
            response__analysts=analysts,
        )
    )
    assert r["call_start_min"] == FIRST
    assert r["case_start_min"] == r["guidance_min"] == 3600.0
    assert r["installments_paid"] == 2  # at 3500 and 3560; the one at 3620 is prevented
    assert r["prevented_by_guidance_fen"] == 1000


def test_the_trace_gives_the_wait_before_the_analyst() -> None:
    # As above: the call ends at 3500.5 and the case waits for 12:00 (3600).
    day_shift = {"staff": None, "shifts": [{"start_hour": 12, "hours": 8, "staff": 1}]}
    analysts = {**xiamen().response.analysts.model_dump(by_alias=True), **day_shift}
    scenario = replay(keeps_paying(3, 60.0), response__analysts=analysts)
    (start,) = [e for e in simulate(scenario, trace_case=0).trace if e.event == "case_start"]
    assert start.time_min == 3600.0
    assert start.detail == "analyst takes the case after 99.5 min"


def test_guidance_not_followed_prevents_nothing() -> None:
    r = row(
        replay(
            keeps_paying(3, 10.0),
            ["response.guidance.success_prob=0", "response.patrols.dispatch_prob=0"],
        )
    )
    assert r["guidance_min"] == CALL_END
    assert r["installments_paid"] == 3
    assert r["prevented_fen"] == 0


def test_a_patrol_arriving_halts_the_remaining_payments() -> None:
    r = row(
        replay(
            keeps_paying(4, 10.0),
            ["response.guidance.success_prob=0", "response.patrols.travel_min=25"],
        )
    )
    assert r["patrol_arrival_min"] == CALL_END + 25.0
    assert r["installments_paid"] == 3  # 3500, 3510, 3520; 3530 is after the patrol
    assert r["prevented_by_patrol_fen"] == 1000
    assert r["halted_by"] == "patrol"


def test_no_patrol_when_none_is_dispatched() -> None:
    r = row(replay(keeps_paying(2, 10.0), ["response.patrols.dispatch_prob=0"]))
    assert math.isnan(r["patrol_arrival_min"])


def test_a_hold_placed_on_report_halts_the_payments_after_it() -> None:
    r = row(
        replay(
            keeps_paying(3, 10.0),
            [
                "response.guidance.success_prob=0",
                "response.patrols.dispatch_prob=0",
                "response.holds.on_report=true",
                "response.holds.latency_min=15",
            ],
        )
    )
    assert r["hold_min"] == CALL_END + 15.0
    assert r["installments_paid"] == 2
    assert r["prevented_by_hold_fen"] == 1000


def test_no_analyst_means_no_stop_and_the_money_is_lost() -> None:
    r = row(replay({}, ["response.analysts.staff=0"]))
    assert r["call_start_min"] == FIRST
    assert math.isnan(r["case_start_min"])
    assert math.isnan(r["first_stop_min"])
    assert r["stop_requests"] == 0
    assert r["cashed_out_fen"] == 150_000_000


# -- stop-payments ---------------------------------------------------------------


def test_payments_after_the_case_started_are_stopped_too() -> None:
    r = row(
        replay(
            keeps_paying(3, 10.0),
            [
                "response.guidance.success_prob=0",
                "response.patrols.dispatch_prob=0",
                "response.stop_payment.max_trace_depth=0",
            ],
        )
    )
    assert r["installments_paid"] == 3
    assert r["first_stop_min"] == CALL_END + 2.5
    assert r["frozen_fen"] == 3000  # every payment's account stopped within its dwell
    assert 1 <= r["stop_requests"] <= 3  # one per distinct first-layer account


@pytest.mark.parametrize(("depth", "hops"), [(0, 0), (1, 1), (2, 3), (3, 3)])
def test_tracing_depth_limits_the_hops_traced(depth: int, hops: int) -> None:
    # Too slow for the first layer: the money is followed hop by hop (1 -> 1 -> 2 accounts).
    r = row(
        replay(
            {},
            [
                "banks.xiamen_bank.stop_latency_min=30",
                f"response.stop_payment.max_trace_depth={depth}",
            ],
        )
    )
    assert r["hops_traced"] == hops
    assert r["stop_requests"] == 1 + hops


def world_until(scenario: Scenario, until: float) -> list[Case]:
    """Build the world as run_world does, but stop its clock at ``until``; return its cases."""
    world = build_world(scenario)
    world.clock.run_to(until)
    return world.cases


def test_tracing_state_is_freed_once_nothing_more_can_be_asked() -> None:
    # The stop (at 3530.5) comes after the first sweep (3522): three hops are traced.
    scenario = replay({}, ["banks.xiamen_bank.stop_latency_min=30"])
    (during,) = world_until(scenario, 3525.0)  # the stop request is still open
    assert during.open_requests == 1 and not during.tracing_over
    assert len(during.trail) > 0 and len(during.requested) > 0
    (after,) = world_until(scenario, 3 * MINUTES_PER_DAY)
    assert after.hops_traced == 3 and after.stop_requests == 4
    assert after.open_requests == 0 and after.tracing_over
    assert len(after.trail) == 0 and len(after.requested) == 0


def test_tracing_state_stays_while_payments_can_follow() -> None:
    # Payments every 5 hours after the case starts: each one asks for a stop later.
    scenario = replay(
        keeps_paying(3, 300.0),
        ["response.guidance.success_prob=0", "response.patrols.dispatch_prob=0"],
    )
    (case,) = world_until(scenario, FIRST + 150.0)  # requests answered, two payments to come
    assert case.open_requests == 0 and case.next_i < case.n_pay
    assert not case.tracing_over and len(case.requested) > 0
    (case,) = world_until(scenario, 3 * MINUTES_PER_DAY)
    assert case.next_i == case.n_pay and case.tracing_over


def test_a_stop_fast_enough_needs_no_tracing() -> None:
    r = row(replay({}))
    assert r["hops_traced"] == 0
    assert r["stop_requests"] == 1
    assert r["first_stop_min"] == CALL_END + 2.5


# -- cross-region delays ------------------------------------------------------------


def regions_raw(cooperation: bool, pairs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Three regions a, b, c; the victim lives in a; the only bank is in b."""
    raw = xiamen().model_dump(by_alias=True)
    raw["regions"] = {
        "a": {"population_share": 0.5},
        "b": {"population_share": 0.25},
        "c": {"population_share": 0.25},
    }
    raw["banks"]["xiamen_bank"]["region"] = "b"
    raw["scripted_cases"][0]["region"] = "a"
    raw["cross_region"] = {
        "default_delay_min": 60.0,
        "delays": pairs or [],
        "cooperation": cooperation,
        "cooperative_delay_min": 2.0,
    }
    return raw


PAIRS = [{"from": "a", "to": "b", "delay_min": 5.0}, {"from": "c", "to": "a", "delay_min": 100.0}]


def test_cross_region_matrix_without_cooperation_uses_default_and_pairs() -> None:
    assert cross_region_delays(validate_scenario(regions_raw(False))) == [
        [0.0, 60.0, 60.0],
        [60.0, 0.0, 60.0],
        [60.0, 60.0, 0.0],
    ]
    assert cross_region_delays(validate_scenario(regions_raw(False, PAIRS))) == [
        [0.0, 5.0, 60.0],  # a -> b overridden (one direction only)
        [60.0, 0.0, 60.0],
        [100.0, 60.0, 0.0],  # c -> a overridden
    ]


def test_cross_region_matrix_with_cooperation_ignores_the_pairs() -> None:
    assert cross_region_delays(validate_scenario(regions_raw(True, PAIRS))) == [
        [0.0, 2.0, 2.0],
        [2.0, 0.0, 2.0],
        [2.0, 2.0, 0.0],
    ]


@pytest.mark.parametrize(
    ("cooperation", "pairs", "delay"), [(False, None, 60.0), (False, PAIRS, 5.0), (True, None, 2.0)]
)
def test_a_stop_to_a_bank_in_another_region_waits_the_delay(
    cooperation: bool, pairs: list[dict[str, Any]] | None, delay: float
) -> None:
    r = row(validate_scenario(regions_raw(cooperation, pairs)))
    assert r["region"] == "a"
    assert r["first_stop_min"] == pytest.approx(CALL_END + 2.5 + delay)
    # Only a stop inside the 22-minute dwell saves the money.
    assert r["frozen_fen"] == (150_000_000 if 3.0 + delay < 22.0 else 0)


# -- triage ----------------------------------------------------------------------


def test_triage_keys() -> None:
    case = Case(0, 0, 0, 100.0, [500, 700], [110.0, 120.0], 130.0)
    assert _triage_key("fifo", case) == _triage_key("lifo", case) == 0.0
    assert _triage_key("freshest_first", case) == -100.0  # nothing paid yet: the contact
    case.paid_fen, case.last_pay_min = 1200, 120.0
    assert _triage_key("largest_first", case) == -1200.0
    assert _triage_key("freshest_first", case) == -120.0


# Victims queued for the one analyst (100 min a case) while case 0 holds him from
# 1000.5 to 1100.5: (contact, payment, fen paid by the report, report), in minutes.
# Each pays once and reports; case 3 would have paid 5000 fen more but stopped on
# realising, so only what she paid (100 fen), not her exposure, counts for
# largest_first. Contacts come in another order than payments: freshest_first
# goes by the payment.
QUEUED = {
    1: (605.0, 1005.0, 300, 1010.0),
    2: (900.0, 900.0, 900, 1020.0),
    3: (725.0, 1025.0, 100, 1030.0),
    4: (950.0, 950.0, 500, 1040.0),
    5: (1100.0, 1100.0, 700, 1150.0),  # joins the queue after the analyst took his first case
}


def queued_victims() -> list[dict[str, Any]]:
    """Scripted victims: case 0 occupies the analyst, the QUEUED ones wait for him."""

    def victim(contact: float, paid_at: float, fens: list[int], report_at: float) -> dict[str, Any]:
        return {
            "contact_min": contact,
            "scam_type": "customer_service",
            "region": "xiamen",
            "grooming_min": paid_at - contact,
            "installments_fen": fens,
            "gap_min": 500.0,
            "realisation_min": report_at - paid_at,
            "self_stop": True,
            "reports": True,
            "report_lag_min": 0.0,
        }

    victims = [victim(990.0, 990.0, [50], 1000.0)]
    for cid, (contact, paid_at, fen, report_at) in QUEUED.items():
        victims.append(victim(contact, paid_at, [fen, 5000] if cid == 3 else [fen], report_at))
    return victims


@pytest.mark.parametrize(
    ("triage", "order"),
    [
        ("fifo", [1, 2, 3, 4, 5]),
        # Last come first: 4 of {1..4} at 1100.5; then 5, who came meanwhile.
        ("lifo", [4, 5, 3, 2, 1]),
        # Most paid at the report (900, then 700 of 5 who came meanwhile, ...).
        ("largest_first", [2, 5, 4, 1, 3]),
        # Most recent payment (1025, then 5's at 1100, 1005, 950, 900).
        ("freshest_first", [3, 5, 1, 4, 2]),
    ],
)
def test_the_triage_rule_orders_the_waiting_cases_in_a_run(triage: str, order: list[int]) -> None:
    raw = xiamen(
        [f"response.analysts.triage={triage}", "response.analysts.handling_min=100"]
    ).model_dump(by_alias=True)
    raw["scripted_cases"] = queued_victims()
    # Cases are numbered by contact time: tell the victims apart by their report.
    label = {1000.0: 0} | {q[3]: cid for cid, q in QUEUED.items()}
    rows = {label[r["report_min"]]: r for r in simulate(validate_scenario(raw)).cases.to_pylist()}
    assert len(rows) == 6
    assert [rows[cid]["paid_fen"] for cid in QUEUED] == [q[2] for q in QUEUED.values()]
    assert [rows[cid]["last_payment_min"] for cid in QUEUED] == [q[1] for q in QUEUED.values()]
    start = {cid: r["case_start_min"] for cid, r in rows.items()}
    assert start[0] == 1000.5  # at once, after the half-minute call
    # One case each 100 minutes from 1100.5, in the rule's order.
    assert sorted(start, key=start.__getitem__)[1:] == order
    assert [start[cid] for cid in order] == [1100.5 + 100.0 * k for k in range(5)]


def test_bank_requests_have_unlimited_capacity_in_every_bin() -> None:
    result = simulate(xiamen())
    banks = [r for r in result.resources.to_pylist() if r["resource"] == "bank_requests"]
    assert banks and all(math.isnan(r["mean_capacity"]) for r in banks)
