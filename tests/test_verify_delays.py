"""Delay checks: dwell, cash-out and bank delays read from a trace (fraudsim/verify/delays.py).

The bookkeeping is checked on hand-made traces and ledgers whose delays are
known (arrivals and departures set by hand, pooled visits, fan-outs,
stop-payments never executed); the verdict rows on hand-made samples that fit
or do not fit their distribution; and the traced reduction on a short real run,
whose payments and hops must follow the scenario it was built from.
"""

from __future__ import annotations

import copy
from collections import Counter
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from fraudsim.model.world import TraceEvent
from fraudsim.scenario.schema import Scenario
from fraudsim.verify.delays import (
    DRAIN_DAYS,
    GAP_MIN,
    Sample,
    _bank,
    _layer,
    _Ledger,
    _row,
    _stays,
    delay_checks,
    ledger,
    samples,
    traced_scenario,
)


def book(
    arrivals: dict[str, list[float]],
    departures: dict[str, list[float]],
    channel: dict[str, str] | None = None,
    requested: dict[str, float] | None = None,
    executed: dict[str, float] | None = None,
) -> _Ledger:
    """A ledger written by hand."""
    out = _Ledger()
    for label, times in arrivals.items():
        out.arrivals[label] += times
    for label, times in departures.items():
        out.departures[label] += times
    out.channel.update(channel or {})
    out.requested.update(requested or {})
    out.executed.update(executed or {})
    return out


# --- labels -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "layer", "bank"),
    [("L1:bank_a#0", 0, "bank_a"), ("L4:xiamen_bank#17", 3, "xiamen_bank"),
     ("L12:b#3", 11, "b")],
)
def test_account_labels_give_layer_and_bank(label: str, layer: int, bank: str) -> None:
    """``L<k>:<bank>#<n>`` is layer k (counted from 1 in labels, from 0 here) at that bank."""
    assert _layer(label) == layer
    assert _bank(label) == bank


# --- dwell of one account ---------------------------------------------------------------------


def test_stays_of_successive_visits() -> None:
    """Visits that do not overlap give one dwell each, whatever order they were logged in."""
    ledger_ = book({"A": [100.0, 0.0, 30.0]}, {"A": [20.0, 101.5, 45.0]})
    assert _stays(ledger_, "A") == [20.0, 15.0, 1.5]


@pytest.mark.parametrize(
    ("arrivals", "departures"),
    [
        ([0.0, 10.0], [30.0, 40.0]),  # second payment lands while the first still rests: pooled
        ([0.0, 10.0], [5.0]),  # one visit never ends
        ([10.0], [5.0]),  # money leaves before it arrives
        ([0.0], []),  # never leaves (no departures at all)
    ],
    ids=["overlap", "unfinished", "leaves-first", "no-departure"],
)
def test_visits_that_cannot_be_timed(arrivals: list[float], departures: list[float]) -> None:
    """Overlapping, unfinished or inverted visits are not guessed at: the account is untimed."""
    assert _stays(book({"A": arrivals}, {"A": departures} if departures else {}), "A") is None


def test_back_to_back_visits_are_timed() -> None:
    """Money arriving the minute the last left is a new visit, not an overlap."""
    assert _stays(book({"A": [0.0, 5.0]}, {"A": [5.0, 9.0]}), "A") == [5.0, 4.0]


# --- the ledger read from a trace -------------------------------------------------------------


def fake_trace(monkeypatch: pytest.MonkeyPatch, events: list[TraceEvent]) -> None:
    """Make the model's run return ``events`` as the traced case's timeline."""
    monkeypatch.setattr("fraudsim.verify.delays.simulate",
                        lambda scenario, trace_case: SimpleNamespace(trace=events))


def test_ledger_reads_arrivals_departures_channels_and_stops(
    verify_plain: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Payments and hops are arrivals, a hop is its parent's departure, a fan-out departs once."""
    fake_trace(monkeypatch, [
        TraceEvent(0.0, "contact", "victim", 300, "scam contact"),
        TraceEvent(0.0, "payment", "L1:bank_a#0", 300, "installment 1 of 1"),
        TraceEvent(4.0, "hop", "L2:bank_a#1", 100, "from L1:bank_a#0"),
        TraceEvent(4.0, "hop", "L2:bank_b#2", 200, "from L1:bank_a#0"),  # same fan-out
        TraceEvent(9.0, "cash_out", "L2:bank_a#1", 100, "atm"),
        TraceEvent(12.0, "cash_out", "L2:bank_b#2", 200, "crypto"),
        TraceEvent(20.0, "stop_requested", "L1:bank_a#0", 0, "depth 0"),
        TraceEvent(23.5, "stop_executed", "L1:bank_a#0", 0, "status stopped"),
    ])
    found = ledger(verify_plain)
    assert dict(found.arrivals) == {"L1:bank_a#0": [0.0], "L2:bank_a#1": [4.0],
                                    "L2:bank_b#2": [4.0]}
    assert dict(found.departures) == {"L1:bank_a#0": [4.0], "L2:bank_a#1": [9.0],
                                      "L2:bank_b#2": [12.0]}
    assert found.channel == {"L2:bank_a#1": "atm", "L2:bank_b#2": "crypto"}
    assert (found.requested, found.executed) == ({"L1:bank_a#0": 20.0}, {"L1:bank_a#0": 23.5})


def test_ledger_keeps_separate_departures_of_one_account(
    verify_plain: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two hops out of one account at different times are two departures (two visits)."""
    fake_trace(monkeypatch, [
        TraceEvent(0.0, "payment", "L1:bank_a#0", 1, ""),
        TraceEvent(3.0, "hop", "L2:bank_a#1", 1, "from L1:bank_a#0"),
        TraceEvent(60.0, "payment", "L1:bank_a#0", 1, ""),
        TraceEvent(70.0, "hop", "L2:bank_a#2", 1, "from L1:bank_a#0"),
    ])
    found = ledger(verify_plain)
    assert found.departures["L1:bank_a#0"] == [3.0, 70.0]
    assert _stays(found, "L1:bank_a#0") == [3.0, 10.0]


# --- grouping into samples --------------------------------------------------------------------


def test_samples_group_by_layer_channel_and_bank(verify_plain: Scenario) -> None:
    """Resting layers give dwells, the last layer gives channel delays, stops give bank latency."""
    ledger_ = book(
        arrivals={"L1:bank_a#0": [0.0, 50.0], "L1:bank_b#1": [10.0], "L2:bank_a#2": [7.0],
                  "L3:bank_b#3": [8.0], "L4:bank_a#4": [20.0], "L4:bank_b#5": [30.0],
                  "L2:bank_b#6": [0.0, 1.0]},
        departures={"L1:bank_a#0": [7.0, 52.0], "L1:bank_b#1": [13.0], "L2:bank_a#2": [8.0],
                    "L3:bank_b#3": [20.0], "L4:bank_a#4": [45.0], "L4:bank_b#5": [31.0],
                    "L2:bank_b#6": [5.0, 6.0]},  # overlapping visits: untimed
        channel={"L4:bank_a#4": "atm", "L4:bank_b#5": "crypto"},
        requested={"L1:bank_a#0": 100.0, "L1:bank_b#1": 100.0, "L2:bank_b#6": 100.0},
        executed={"L1:bank_a#0": 103.0, "L1:bank_b#1": 130.0},
    )
    got = {(s.check, s.subject): s for s in samples(verify_plain, ledger_)}
    assert list(got) == [
        ("mule dwell", "layer 1"), ("mule dwell", "layer 2"), ("mule dwell", "layer 3"),
        ("cash-out delay", "atm"), ("cash-out delay", "crypto"),
        ("bank stop latency", "bank_a"), ("bank stop latency", "bank_b"),
    ]
    observed = {key: sorted(s.observed.tolist()) for key, s in got.items()}
    assert observed[("mule dwell", "layer 1")] == [2.0, 3.0, 7.0]
    assert observed[("mule dwell", "layer 2")] == [1.0]
    assert observed[("mule dwell", "layer 3")] == [12.0]
    assert observed[("cash-out delay", "atm")] == [25.0]
    assert observed[("cash-out delay", "crypto")] == [1.0]
    assert observed[("bank stop latency", "bank_a")] == [3.0]
    assert observed[("bank stop latency", "bank_b")] == [30.0]
    assert got[("mule dwell", "layer 2")].unpaired == 1
    assert got[("bank stop latency", "bank_b")].unpaired == 1  # asked, never executed
    assert got[("mule dwell", "layer 1")].unpaired == 0
    layers = verify_plain.mule_network.layers
    assert got[("mule dwell", "layer 2")].dist == layers[1].dwell_min
    bank_b = verify_plain.banks["bank_b"]
    assert got[("bank stop latency", "bank_b")].dist == bank_b.stop_latency_min


# --- verdict rows -----------------------------------------------------------------------------


def sample_of(verify_plain: Scenario, observed: Any, unpaired: int = 0) -> Sample:
    """A sample of layer 3's dwell (exponential, mean 10) with the given observations."""
    return Sample("mule dwell", "layer 3", verify_plain.mule_network.layers[2].dwell_min,
                  np.asarray(observed, dtype=np.float64), unpaired)


@pytest.mark.parametrize(
    ("n", "unpaired", "mostly"),
    [(100, 0, True), (100, 1, True), (100, 2, False), (0, 0, True), (0, 1, False),
     (1000, 10, True), (1000, 11, False)],
)
def test_mostly_paired_allows_one_percent(
    verify_plain: Scenario, n: int, unpaired: int, mostly: bool
) -> None:
    """At most 1% of visits may go untimed (and at least one visit is allowed for)."""
    assert sample_of(verify_plain, np.ones(n), unpaired).mostly_paired is mostly


def test_a_right_sample_passes_and_a_wrong_one_fails(verify_plain: Scenario) -> None:
    """Exponential(10) delays pass the row; the same delays doubled fail it."""
    rng = np.random.default_rng(7)
    right = rng.exponential(10.0, 800)
    good = _row(sample_of(verify_plain, right))
    assert good.passed
    assert good.check == "mule dwell (KS)" and good.subject == "layer 3"
    assert good.expected == "exponential(mean=10)"
    assert "(n=800)" in good.observed
    bad = _row(sample_of(verify_plain, 2.0 * right))
    assert not bad.passed


def test_a_good_fit_with_many_untimed_visits_fails(verify_plain: Scenario) -> None:
    """Losing track of visits is a failure even when the timed ones fit."""
    rng = np.random.default_rng(8)
    row = _row(sample_of(verify_plain, rng.exponential(10.0, 500), unpaired=50))
    assert not row.passed
    assert row.observed.endswith("(n=500, 50 untimed)")


def test_no_observations_fail(verify_plain: Scenario) -> None:
    """A component that produced no delays at all cannot be shown right."""
    assert not _row(sample_of(verify_plain, [])).passed


# --- the traced reduction ---------------------------------------------------------------------


def test_traced_scenario_is_one_late_reporting_victim(verify_world: dict[str, Any]) -> None:
    """One scripted victim pays n times an hour apart and reports half-way through the drain."""
    n = 30
    scenario = traced_scenario(verify_world, n)
    (case,) = scenario.scripted_cases
    assert case.installments_fen == [100000] * n
    assert case.gap_min == GAP_MIN == 60.0
    assert case.reports and case.report_lag_min == 0.0 and case.self_stop
    assert case.realisation_min == pytest.approx(n * 60.0 + DRAIN_DAYS * 1440 / 2)
    assert scenario.time.horizon_days == pytest.approx(n * 60.0 / 1440 + 1)
    assert scenario.time.drain_days == DRAIN_DAYS
    assert scenario.mule_network.accounts_per_bank == 100000
    assert scenario.contacts.rate_per_hour == 0.0  # nobody but the traced victim


def test_traced_run_follows_the_money(verify_world: dict[str, Any]) -> None:
    """On a real run every payment lands in layer 1 on the hour and moves down layer by layer.

    With fan-out 1 the departures of layer k are exactly the arrivals of
    layer k + 1, every last-layer account names a cash-out channel, and every
    first-layer account gets a stop-payment that executes after it was asked.
    """
    n = 40
    found = ledger(traced_scenario(verify_world, n))
    by_layer: dict[int, list[str]] = {}
    for label in found.arrivals:
        by_layer.setdefault(_layer(label), []).append(label)
    assert sorted(by_layer) == [0, 1, 2, 3]
    first = sorted(t for label in by_layer[0] for t in found.arrivals[label])
    assert first == [k * GAP_MIN for k in range(n)]
    for k in range(3):
        left = Counter(t for label in by_layer[k] for t in found.departures[label])
        arrived = Counter(t for label in by_layer[k + 1] for t in found.arrivals[label])
        assert left == arrived and sum(left.values()) == n
    assert {found.channel[label] for label in by_layer[3]} <= {"atm", "crypto"}
    assert set(found.requested) == set(by_layer[0])
    assert all(found.executed[label] >= found.requested[label] for label in found.requested)


def test_delay_checks_pass_on_the_model(verify_world: dict[str, Any]) -> None:
    """A short traced run already fits every configured delay: one row per component."""
    rows = delay_checks(verify_world, 300)
    assert [r.subject for r in rows] == [
        "layer 1", "layer 2", "layer 3", "atm", "crypto", "bank_a", "bank_b"]
    assert all(r.passed for r in rows), [r.observed for r in rows if not r.passed]


def test_delay_checks_on_a_broken_base_give_one_failed_row(verify_world: dict[str, Any]) -> None:
    """A base the reduction cannot use shows as a failed row with the reason, not a crash."""
    broken = copy.deepcopy(verify_world)
    broken["scam_types"] = {"other": broken["scam_types"]["plain"]}
    (row,) = delay_checks(broken, 10)
    assert not row.passed
    assert (row.check, row.subject) == ("delay fit", "mule layers, channels, banks")
    assert row.observed.startswith("ScenarioError")
    assert "'plain'" in row.observed
