"""Terminal views: clock times, yuan, case timeline, money tree (fraudsim/report_text.py)."""

from __future__ import annotations

import math
import re

import pytest

import fraudsim
from fraudsim.api import SimulationResult
from fraudsim.report_text import clock_time, summary_text, timeline_text, tree_text, yuan
from tests.conftest import busy, xiamen

DAY = 1440.0


@pytest.mark.parametrize(
    ("minute", "text"),
    [
        (0.0, "Mon d1 00:00:00"),
        (3480.0, "Wed d3 10:00:00"),  # the Xiamen contact
        (3500.5, "Wed d3 10:20:30"),
        (DAY - 0.01, "Mon d1 23:59:59"),  # 86399.4 s rounds down
        (DAY - 0.001, "Tue d2 00:00:00"),  # 86399.94 s rounds up, across midnight
        (7 * DAY - 0.0001, "Mon d8 00:00:00"),  # ... and across the end of the week
        (6 * DAY + 1439.5, "Sun d7 23:59:30"),
        (7 * DAY, "Mon d8 00:00:00"),
        (15 * DAY + 61.25, "Tue d16 01:01:15"),
    ],
)
def test_clock_time(minute: float, text: str) -> None:
    assert clock_time(minute) == text


def test_clock_time_of_nothing_is_a_dash() -> None:
    assert clock_time(math.nan) == "-"


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "¥0.00"),
        (1, "¥0.01"),
        (99, "¥0.99"),
        (100, "¥1.00"),
        (123_456_789, "¥1,234,567.89"),
        (150_000_000, "¥1,500,000.00"),
    ],
)
def test_yuan(fen: int, text: str) -> None:
    assert yuan(fen) == text


@pytest.fixture(scope="module")
def saved() -> SimulationResult:
    return fraudsim.simulate(xiamen(), trace_case=0)


@pytest.fixture(scope="module")
def lost() -> SimulationResult:
    return fraudsim.simulate(xiamen(["banks.xiamen_bank.stop_latency_min=30"]), trace_case=0)


LINE = re.compile(r"^(\w{3} d\d+ \d\d:\d\d:\d\d)\s+(-?\d+\.\d)\s+(\w+)\s")


def events(text: str) -> list[tuple[str, float, str]]:
    """(clock time, minutes after the contact, event) of each timeline line."""
    out = []
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            out.append((m.group(1), float(m.group(2)), m.group(3)))
    return out


def test_timeline_of_the_xiamen_replay(saved: SimulationResult) -> None:
    text = timeline_text(saved, 0)
    lines = text.splitlines()
    assert lines[0] == "case 0: customer_service scam, region xiamen, exposed ¥1,500,000.00"
    assert lines[-1] == (
        "outcome: prevented ¥0.00, frozen ¥1,500,000.00, cashed out ¥0.00, in flight ¥0.00"
    )
    assert events(text) == [
        ("Wed d3 10:00:00", 0.0, "contact"),
        ("Wed d3 10:20:00", 20.0, "payment"),
        ("Wed d3 10:20:00", 20.0, "report"),
        ("Wed d3 10:20:30", 20.5, "call_taken"),
        ("Wed d3 10:20:30", 20.5, "guidance"),
        ("Wed d3 10:20:30", 20.5, "case_start"),
        ("Wed d3 10:20:30", 20.5, "stop_requested"),
        ("Wed d3 10:23:00", 23.0, "patrol_arrives"),  # three minutes after the report
        ("Wed d3 10:23:00", 23.0, "stop_executed"),
        ("Wed d3 11:23:00", 83.0, "freeze"),
    ]
    assert len(lines) == 2 + len(saved.trace) + 1
    payment = next(line for line in lines if " payment " in line)
    assert "L1:xiamen_bank#0" in payment and "¥1,500,000.00" in payment
    assert "installment 1 of 1" in payment


def test_timeline_of_the_lost_replay_is_in_time_order(lost: SimulationResult) -> None:
    found = events(timeline_text(lost, 0))
    assert len(found) == len(lost.trace)
    offsets = [m for _, m, _ in found]
    assert offsets == sorted(offsets)
    names = [e for _, _, e in found]
    assert names.count("hop") == 3
    assert names.count("cash_out") == 2
    assert "freeze" not in names
    assert names.index("hop") < names.index("cash_out")
    assert timeline_text(lost, 0).endswith("cashed out ¥1,500,000.00, in flight ¥0.00")


def test_money_tree_of_the_saved_replay(saved: SimulationResult) -> None:
    assert tree_text(saved).splitlines() == [
        "money tree:",
        "victim",
        "    └─ L1:xiamen_bank#0  ¥1,500,000.00 at Wed d3 10:20:00  "
        "[¥1,500,000.00 frozen]",
    ]


def test_money_tree_of_the_lost_replay_is_indented_by_hop(lost: SimulationResult) -> None:
    lines = tree_text(lost).splitlines()[2:]
    depth = [(len(line) - len(line.lstrip())) // 4 for line in lines]
    assert depth == [1, 2, 3, 3]
    assert lines[0].lstrip().startswith("└─ L1:")
    assert lines[1].lstrip().startswith("└─ L2:")
    assert "at Wed d3 10:42:00" in lines[1]  # after the 22-minute dwell
    for line in lines[2:]:
        assert line.lstrip().startswith("└─ L3:")
        assert "¥750,000.00 at Wed d3 10:50:00" in line
        assert line.endswith("cashed out ¥750,000.00]")


def test_money_tree_speaks_only_of_the_traced_cases_money() -> None:
    # Busy-town case 0: all of it cashed out; its accounts are frozen later,
    # for other victims' money, which is no part of this case's tree.
    result = fraudsim.simulate(busy(), trace_case=0)
    row = result.cases.slice(0, 1).to_pylist()[0]
    assert row["frozen_fen"] == 0 and row["cashed_out_fen"] == row["paid_fen"] > 0
    assert "frozen" in {s.status for s in result.tree_status.values()}  # the trap is there
    lines = tree_text(result).splitlines()[2:]
    assert not [line for line in lines if "frozen" in line]
    notes = [line[line.index("[") :] for line in lines]
    assert notes[:2] == ["[passed on]", "[passed on]"]
    assert all(n.startswith("[cashed out ¥") for n in notes[2:]) and len(notes) > 2


def test_money_tree_names_money_still_held_where_it_rests() -> None:
    # The stop holds the money, is never turned into a freeze, and the run
    # ends (no drain) before it expires.
    held = xiamen(["time.drain_days=0", "response.stop_payment.freeze_prob=0"])
    (line,) = tree_text(fraudsim.simulate(held, trace_case=0)).splitlines()[2:]
    assert line.endswith("[account stopped at the end, still holds ¥1,500,000.00]")


def test_money_tree_without_a_traced_case_is_just_the_victim() -> None:
    assert tree_text(fraudsim.simulate(xiamen())) == "money tree:\nvictim"


def test_summary_text_shows_money_shares_and_dashes() -> None:
    result = fraudsim.simulate(xiamen())
    text = summary_text(result)
    assert text.splitlines()[0] == "xiamen-2023  (seed 20230927, replication 0)"
    assert re.search(r"frozen\s+¥1,500,000\.00$", text, re.MULTILINE)
    assert re.search(r"saved share \(prevented \+ frozen\)\s+100\.0%$", text, re.MULTILINE)
    assert re.search(r"report -> first stop, median\s+3\.0 min$", text, re.MULTILINE)
    none = fraudsim.simulate(
        xiamen(["scripted_cases.0.reports=false", "scripted_cases.0.installments_fen=[1]"])
    )
    assert re.search(r"report -> first stop, median\s+-$", summary_text(none), re.MULTILINE)


def test_each_money_movement_appears_once_in_the_tree() -> None:
    raw = xiamen(["mule_network.accounts_per_bank=1"]).model_dump(by_alias=True)
    raw["scripted_cases"][0].update(
        installments_fen=[1000, 2000], gap_min=1.0, self_stop=False, reports=False
    )
    from fraudsim.scenario.loading import validate_scenario

    result = fraudsim.simulate(validate_scenario(raw), trace_case=0)
    assert len(result.tree) == 5  # two payments into one L1 account, one sweep, split in two
    movements = [line for line in tree_text(result).splitlines() if "└─" in line]
    assert len(movements) == len(result.tree)
