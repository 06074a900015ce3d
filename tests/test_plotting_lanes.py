"""The Gantt chart's data of a traced case (fraudsim/plotting/lanes.py): lanes, bars, moments, hops.

Traced cases are written here by hand (a case row, its trace and money
tree), so each bar and mark of the timeline is known in minutes after the
scam contact: the victim's grooming and payments, the queues and the call,
the analyst and the patrol, the money resting in each account and what
became of it. The Xiamen replay's own timeline is checked in
``test_plotting.py``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsim.api import SimulationResult
from fraudsim.model.world import AccountState, TraceEvent
from fraudsim.plotting.casedata import VICTIM
from fraudsim.plotting.lanes import MAX_ACCOUNT_LANES, Mark, Span, Timeline, timeline
from fraudsim.plotting.replay import TracedCase
from tests.conftest import xiamen

SCENARIO = xiamen()
"""The scenario a traced case records (not read by the timeline)."""

T0 = 1000.0
"""Simulated minute of the scam contact in the hand-written cases."""

NAN = math.nan
L1, L2 = "L1:b#0", "L2:b#1"


def row(**times: float) -> dict[str, Any]:
    """Return a case row: contact at T0, nothing else happened unless given."""
    base = {"contact_min": T0, "first_payment_min": NAN, "realise_min": NAN, "report_min": NAN,
            "call_start_min": NAN, "case_start_min": NAN, "patrol_arrival_min": NAN,
            "paid_fen": 0}
    return {**base, **times}


def traced_case(case_row: dict[str, Any], events: Sequence[tuple[float, str, str, int]],
                tree: Sequence[tuple[float, str, str, int]] = (),
                status: dict[str, AccountState] | None = None) -> TracedCase:
    """Return a traced case from its row, events ``(minute, event, account, fen)`` and tree."""
    trace = [TraceEvent(t, kind, account, fen, f"{kind} detail")
             for t, kind, account, fen in events]
    result = SimulationResult(SCENARIO, 0, 0, pa.table({}), pa.table({}), [], trace, list(tree),
                              dict(status or {}))
    return TracedCase(result, 0, "", case_row)


def reported_case() -> TracedCase:
    """A reported case: ¥5 paid to L1, ¥2 passed on and cashed out, ¥3 stopped then frozen.

    Minutes after contact: pays at 30, realises at 100, reports at 120, the
    call starts at 125 and ends at 127 with guidance, the analyst takes the
    case at 140 and asks a stop at 145 (executed at 150), the patrol arrives
    at 160, police freeze ¥3 at 200, the mule cashes ¥2 out at 210.
    """
    events = [
        (T0, "contact", VICTIM, 500), (T0 + 30, "payment", L1, 500),
        (T0 + 100, "hop", L2, 200), (T0 + 120, "report", VICTIM, 500),
        (T0 + 127, "call_taken", VICTIM, 0), (T0 + 127, "guidance", VICTIM, 0),
        (T0 + 145, "stop_requested", L1, 0), (T0 + 148, "stop_requested", L1, 0),
        (T0 + 150, "stop_executed", L1, 300), (T0 + 200, "freeze", L1, 300),
        (T0 + 210, "cash_out", L2, 200),
    ]
    case_row = row(first_payment_min=T0 + 30, realise_min=T0 + 100, report_min=T0 + 120,
                   call_start_min=T0 + 125, case_start_min=T0 + 140,
                   patrol_arrival_min=T0 + 160, paid_fen=500)
    tree = [(T0 + 30, VICTIM, L1, 500), (T0 + 100, L1, L2, 200)]
    status = {L1: AccountState("frozen", 0), L2: AccountState("active", 0)}
    return traced_case(case_row, events, tree, status)


# -- a reported case ------------------------------------------------------------------------


def test_lanes_are_the_victim_the_response_then_the_accounts() -> None:
    """People first in the fixed order, then one lane per account, depth first."""
    tl = timeline(reported_case())
    assert tl.lanes == ["Victim", "Call-taker (110)", "Analyst", "Patrol", L1, L2]
    assert tl.contact_min == T0
    assert tl.hidden_accounts == 0


def test_bars_of_a_reported_case() -> None:
    """Every span in minutes after contact: grooming, queues, call, dispatch, money, stop.

    L1 holds the money from the payment until the freeze (its last event);
    L2 from the transfer until the cash-out; the stop-payment runs from the
    first request to its execution.
    """
    tl = timeline(reported_case())
    v, c, a, p, l1, l2 = range(6)
    assert set(tl.spans) == {
        Span(v, 0.0, 30.0, "grooming", "grooming"),
        Span(c, 120.0, 125.0, "queue", "queue"),
        Span(c, 125.0, 127.0, "call", "call"),
        Span(a, 127.0, 140.0, "queue", "queue"),
        Span(p, 140.0, 160.0, "travel", "dispatch"),
        Span(l1, 30.0, 200.0, "rest:frozen", ""),
        Span(l2, 100.0, 210.0, "rest:cashed_out", ""),
        Span(l1, 145.0, 150.0, "stop", "stop-payment"),
    }
    assert len(tl.spans) == 8


def test_marks_of_a_reported_case() -> None:
    """Every moment on its lane: the victim's, guidance at the call, the response, the money.

    Events the chart has no mark for (``hop``, ``call_taken``,
    ``stop_requested``) give none.
    """
    tl = timeline(reported_case())
    v, c, a, p, l1, l2 = range(6)
    got = {(m.lane, m.time, m.kind, m.fen) for m in tl.marks}
    assert got == {
        (v, 0.0, "contact", 500), (v, 30.0, "payment", 500), (v, 100.0, "realise", 0),
        (v, 120.0, "report", 500), (c, 127.0, "guidance", 0), (a, 140.0, "case_start", 0),
        (p, 160.0, "patrol", 0), (l1, 150.0, "stop_executed", 0), (l1, 200.0, "freeze", 300),
        (l2, 210.0, "cash_out", 200),
    }
    assert len(tl.marks) == len(got)
    labels = {m.kind: m.label for m in tl.marks}
    assert labels["realise"] == "realises" and labels["patrol"] == "arrives"
    assert labels["payment"] == "payment detail"


def test_hops_are_the_transfers_between_lanes() -> None:
    """Each transfer: minutes after contact, from lane, to lane, fen."""
    tl = timeline(reported_case())
    assert tl.hops == [(30.0, 0, 4, 500), (100.0, 4, 5, 200)]


def test_end_is_the_last_time_drawn() -> None:
    """The chart ends at the cash-out, 210 minutes after contact."""
    assert timeline(reported_case()).end == 210.0


def test_end_of_an_empty_timeline_is_zero() -> None:
    """Nothing drawn: the chart ends at the contact."""
    assert Timeline(["Victim"], [], [], [], 0.0, 0).end == 0.0
    tl = Timeline(["Victim"], [Span(0, 0.0, 4.0, "grooming")], [Mark(0, 9.5, "report")], [],
                  0.0, 0)
    assert tl.end == 9.5


# -- other cases ---------------------------------------------------------------------------------


def test_an_unreported_case_has_no_response_lanes() -> None:
    """Nobody responded: the victim's lane and the accounts only, no queue or call bars."""
    case = traced_case(row(first_payment_min=T0 + 10, realise_min=T0 + 50, paid_fen=100),
                       [(T0, "contact", VICTIM, 100), (T0 + 10, "payment", L1, 100),
                        (T0 + 40, "cash_out", L1, 100)],
                       [(T0 + 10, VICTIM, L1, 100)], {L1: AccountState("active", 0)})
    tl = timeline(case)
    assert tl.lanes == ["Victim", L1]
    assert {s.kind for s in tl.spans} == {"grooming", "rest:cashed_out"}
    assert Span(1, 10.0, 40.0, "rest:cashed_out", "") in tl.spans


def test_a_case_prevented_before_paying_has_no_grooming_bar() -> None:
    """No first payment (NaN): no grooming bar, no account; the prevention is a mark."""
    case = traced_case(row(realise_min=T0 + 5),
                       [(T0, "contact", VICTIM, 800), (T0 + 5, "prevented", VICTIM, 800)])
    tl = timeline(case)
    assert tl.lanes == ["Victim"]
    assert tl.spans == []
    assert {(m.kind, m.time, m.fen) for m in tl.marks} == {
        ("contact", 0.0, 800), ("realise", 5.0, 0), ("prevented", 5.0, 800)}
    assert tl.hops == []


def test_early_warning_gets_its_lane_after_the_victim() -> None:
    """A flagged payment and a warning call are marks on the early-warning team's lane."""
    case = traced_case(row(first_payment_min=T0 + 20, report_min=T0 + 60,
                           call_start_min=T0 + 60),
                       [(T0 + 15, "flagged", VICTIM, 0), (T0 + 18, "warning_call", VICTIM, 0),
                        (T0 + 61, "call_taken", VICTIM, 0)])
    tl = timeline(case)
    assert tl.lanes == ["Victim", "Early warning", "Call-taker (110)"]
    warn = [(m.kind, m.time) for m in tl.marks if m.lane == 1]
    assert sorted(warn) == [("flag", 15.0), ("warning", 18.0)]
    assert Span(2, 60.0, 61.0, "call", "call") in tl.spans


def test_guidance_after_the_call_is_the_analysts() -> None:
    """Guidance at the end of the call is the call-taker's, any later guidance the analyst's."""
    case = traced_case(row(report_min=T0 + 1, call_start_min=T0 + 1, case_start_min=T0 + 9),
                       [(T0 + 3, "call_taken", VICTIM, 0), (T0 + 3, "guidance", VICTIM, 0),
                        (T0 + 12, "guidance", VICTIM, 0)])
    tl = timeline(case)
    guidance = sorted((tl.lanes[m.lane], m.time) for m in tl.marks if m.kind == "guidance")
    assert guidance == [("Analyst", 12.0), ("Call-taker (110)", 3.0)]


def test_money_still_held_rests_until_the_last_event() -> None:
    """An account still holding money at the end rests until the trace's last event."""
    case = traced_case(row(first_payment_min=T0 + 10, paid_fen=900),
                       [(T0 + 10, "payment", L1, 900), (T0 + 20, "stop_requested", L1, 0),
                        (T0 + 400, "stop_executed", L1, 900)],
                       [(T0 + 10, VICTIM, L1, 900)], {L1: AccountState("stopped", 900)})
    tl = timeline(case)
    rest = [s for s in tl.spans if s.kind.startswith("rest:")]
    assert rest == [Span(1, 10.0, 400.0, "rest:held", "")]
    assert Span(1, 20.0, 400.0, "stop", "stop-payment") in tl.spans


def test_a_stop_executed_without_a_request_is_a_moment() -> None:
    """No recorded request: the stop's bar starts and ends at its execution."""
    case = traced_case(row(first_payment_min=T0, paid_fen=50),
                       [(T0 + 7, "stop_executed", L1, 50)],
                       [(T0, VICTIM, L1, 50)], {L1: AccountState("stopped", 50)})
    assert Span(1, 7.0, 7.0, "stop", "stop-payment") in timeline(case).spans


def wide_case(n: int) -> TracedCase:
    """The victim pays ``n`` first-layer accounts: account ``i`` gets ``100 + i`` fen at minute i.

    Each account's money is frozen a minute later.
    """
    accounts = [f"L1:b#{i}" for i in range(n)]
    tree = [(T0 + i, VICTIM, a, 100 + i) for i, a in enumerate(accounts)]
    events = [(T0 + i + 1, "freeze", a, 100 + i) for i, a in enumerate(accounts)]
    status = {a: AccountState("frozen", 0) for a in accounts}
    return traced_case(row(first_payment_min=T0, paid_fen=sum(t[3] for t in tree)), events,
                       tree, status)


def test_only_the_accounts_that_received_most_get_a_lane() -> None:
    """With 20 accounts, the 16 that received most are drawn (in time order), 4 counted hidden.

    The hidden accounts' transfers and freezes are not drawn either.
    """
    tl = timeline(wide_case(MAX_ACCOUNT_LANES + 4))
    shown = [f"L1:b#{i}" for i in range(4, 20)]
    assert tl.lanes == ["Victim", *shown]
    assert tl.hidden_accounts == 4
    assert [h[3] for h in tl.hops] == [100 + i for i in range(4, 20)]
    assert [(h[0], h[1], h[2]) for h in tl.hops] == [(float(i), 0, i - 3) for i in range(4, 20)]
    freezes = sorted(m.fen for m in tl.marks if m.kind == "freeze")
    assert freezes == [100 + i for i in range(4, 20)]


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 24))
def test_lanes_and_hidden_accounts_add_up(n: int) -> None:
    """Property: every account is either a lane or hidden, and at most 16 are lanes."""
    tl = timeline(wide_case(n))
    accounts = len(tl.lanes) - 1
    assert accounts == min(n, MAX_ACCOUNT_LANES)
    assert accounts + tl.hidden_accounts == n
    assert all(s.start <= s.end for s in tl.spans)
    assert tl.end == pytest.approx(n)  # the last freeze, a minute after the last payment
