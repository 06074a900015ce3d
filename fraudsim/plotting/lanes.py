"""One traced case as a Gantt chart's data: lanes, bars and moments.

Lanes are the victim, the people of the response chain (call-taker,
analyst, patrol, early-warning team) and the mule accounts that held the
case's money; bars are spans of time (grooming, queue waits, the call, the
patrol's trip, money resting in an account, a stop-payment from request to
execution); marks are moments (payments, the report, guidance, freezes,
cash-outs). Times are minutes after the scam contact. No matplotlib here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from fraudsim.plotting.casedata import VICTIM, Tree, depth_first, money_tree
from fraudsim.plotting.replay import TracedCase

Hop = tuple[float, int, int, int]
"""A transfer drawn between lanes: (minutes after contact, from lane, to lane, fen)."""


@dataclass(frozen=True)
class Span:
    """A bar of the timeline: ``kind`` from ``start`` to ``end`` (minutes after contact)."""

    lane: int
    start: float
    end: float
    kind: str
    label: str = ""


@dataclass(frozen=True)
class Mark:
    """A moment of the timeline, at ``time`` minutes after contact."""

    lane: int
    time: float
    kind: str
    label: str = ""
    fen: int = 0


@dataclass(frozen=True)
class Timeline:
    """What the Gantt chart of one case draws.

    Attributes:
        lanes: Lane names, top to bottom (victim, response, then accounts).
        spans: Bars.
        marks: Moments.
        hops: Transfers between lanes: (time, from lane, to lane, fen).
        contact_min: Simulated minute of the scam contact (time zero).
        hidden_accounts: Accounts left out to keep the chart readable.
    """

    lanes: list[str]
    spans: list[Span]
    marks: list[Mark]
    hops: list[Hop]
    contact_min: float
    hidden_accounts: int

    @property
    def end(self) -> float:
        """Return the last time drawn, in minutes after contact."""
        times = [s.end for s in self.spans] + [m.time for m in self.marks]
        return max(times, default=0.0)


MAX_ACCOUNT_LANES = 16
"""Accounts shown as lanes; the rest are counted in ``hidden_accounts``."""


def _finite(value: Any) -> bool:
    return value is not None and not math.isnan(float(value))


class _TimelineBuilder:
    """Collects the lanes, bars and marks of one case's timeline."""

    def __init__(self, traced: TracedCase) -> None:
        self.traced = traced
        self.t0 = float(traced.row["contact_min"])
        self.lanes: list[str] = []
        self.spans: list[Span] = []
        self.marks: list[Mark] = []

    def lane(self, name: str) -> int:
        if name not in self.lanes:
            self.lanes.append(name)
        return self.lanes.index(name)

    def span(self, lane: str, start: Any, end: Any, kind: str, label: str = "") -> None:
        if _finite(start) and _finite(end) and float(end) >= float(start):
            self.spans.append(Span(self.lane(lane), float(start) - self.t0,
                                   float(end) - self.t0, kind, label))

    def mark(self, lane: str, time: Any, kind: str, label: str = "", fen: int = 0) -> None:
        if _finite(time):
            self.marks.append(Mark(self.lane(lane), float(time) - self.t0, kind, label, fen))


_VICTIM_EVENTS = {"contact": "contact", "payment": "payment", "report": "report",
                  "prevented": "prevented", "recall": "recall"}
_WARNING_EVENTS = {"flagged": "flag", "warning_call": "warning"}


def _response_lanes(events: list[Any], row: dict[str, Any]) -> list[str]:
    """Return the lanes of the people involved, in a fixed order (victim first)."""
    lanes = ["Victim"]
    if any(e.event in _WARNING_EVENTS for e in events):
        lanes.append("Early warning")
    for lane, column_name in (("Call-taker (110)", "call_start_min"),
                              ("Analyst", "case_start_min"), ("Patrol", "patrol_arrival_min")):
        if _finite(row[column_name]):
            lanes.append(lane)
    return lanes


def _victim_and_response(b: _TimelineBuilder, events: list[Any], row: dict[str, Any]) -> None:
    """Add the victim's lane and the response chain's lanes."""
    b.span("Victim", row["contact_min"], row["first_payment_min"], "grooming", "grooming")
    b.mark("Victim", row["realise_min"], "realise", "realises")
    call_end = next((e.time_min for e in events if e.event == "call_taken"), math.nan)
    for e in events:
        if e.event in _VICTIM_EVENTS:
            b.mark("Victim", e.time_min, _VICTIM_EVENTS[e.event], e.detail, e.amount_fen)
        elif e.event in _WARNING_EVENTS:
            b.mark("Early warning", e.time_min, _WARNING_EVENTS[e.event], e.detail)
        elif e.event == "guidance":
            who = "Call-taker (110)" if e.time_min == call_end else "Analyst"
            b.mark(who, e.time_min, "guidance", e.detail)
    b.span("Call-taker (110)", row["report_min"], row["call_start_min"], "queue", "queue")
    b.span("Call-taker (110)", row["call_start_min"], call_end, "call", "call")
    b.span("Analyst", call_end, row["case_start_min"], "queue", "queue")
    b.mark("Analyst", row["case_start_min"], "case_start", "takes the case")
    b.span("Patrol", row["case_start_min"], row["patrol_arrival_min"], "travel", "dispatch")
    b.mark("Patrol", row["patrol_arrival_min"], "patrol", "arrives")


def _accounts(b: _TimelineBuilder, tree: Tree, events: list[Any]) -> list[Hop]:
    """Add one lane per account (money resting, stop-payments, freezes, cash-outs)."""
    accounts = [n for n in tree.nodes if n.account != VICTIM]
    biggest = sorted(accounts, key=lambda n: -n.received_fen)[:MAX_ACCOUNT_LANES]
    names = {n.account for n in biggest}
    inner = [e for e in tree.edges if e.dst in names and (e.src == VICTIM or e.src in names)]
    order = depth_first(inner)
    order += [n.account for n in accounts if n.account in names and n.account not in order]
    shown = [tree.node(a) for a in order]
    end = max((e.time_min for e in events), default=b.t0)
    for node in shown:
        into = [e.time_min for e in tree.edges if e.dst == node.account]
        out = [e.time_min for e in tree.edges if e.src == node.account]
        out += [e.time_min for e in events if e.account == node.account
                and e.event in ("cash_out", "freeze")]
        last = max(out) if out and node.held_fen == 0 else end
        b.span(node.account, min(into), last, f"rest:{node.state}", "")
    requested: dict[str, float] = {}
    for e in events:
        if e.account not in names:
            continue
        if e.event == "stop_requested":
            requested.setdefault(e.account, e.time_min)
        elif e.event == "stop_executed":
            b.span(e.account, requested.get(e.account, e.time_min), e.time_min, "stop",
                   "stop-payment")
            b.mark(e.account, e.time_min, "stop_executed", e.detail)
        elif e.event in ("freeze", "cash_out"):
            b.mark(e.account, e.time_min, e.event, e.detail, e.amount_fen)
    hops = []
    for e in tree.edges:
        if e.dst in names and (e.src == VICTIM or e.src in names):
            hops.append((e.time_min - b.t0, b.lane("Victim" if e.src == VICTIM else e.src),
                         b.lane(e.dst), e.fen))
    return hops


def timeline(traced: TracedCase) -> Timeline:
    """Return the Gantt chart of a traced case: who did what, when, and where the money was.

    Accounts get a lane each, the :data:`MAX_ACCOUNT_LANES` that received
    the most of the case's money, in depth-first order of the money tree.
    """
    tree = money_tree(traced, max_leaves=None)
    events = traced.result.trace
    b = _TimelineBuilder(traced)
    for lane in _response_lanes(events, traced.row):
        b.lane(lane)
    _victim_and_response(b, events, traced.row)
    hops = _accounts(b, tree, events)
    hidden = max(0, len(tree.nodes) - 1 - MAX_ACCOUNT_LANES)
    return Timeline(b.lanes, b.spans, b.marks, hops, b.t0, hidden)
