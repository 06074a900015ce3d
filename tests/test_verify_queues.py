"""Queue checks: M/M/c stages, Little's law, infinite servers (fraudsim/verify/queues.py).

The verdicts are tested on hand-made inputs whose answer is known: resource
tables in which Little's law holds or is broken by a set amount, replications
whose waits and busy servers match Erlang C or miss it, and a monitor whose
jobs start at chosen minutes. One real replication of the analysts' reduction
checks that the reduced world is what the stage describes.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from fraudsim.model.monitor import BinnedMonitor
from fraudsim.verify.base import load_base
from fraudsim.verify.erlang import MMc
from fraudsim.verify.queues import (
    STAGES,
    WARMUP_DAYS,
    Stage,
    StageRun,
    _mean_busy,
    infinite_server_checks,
    little_check,
    mmc_checks,
    queue_checks,
    stage_run,
    waits_after,
)
from fraudsim.verify.results import CheckResult

NAMES = ("call_takers", "analysts", "patrols", "warning_team")


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    return load_base()


def stage(name: str) -> Stage:
    return next(s for s in STAGES if s.resource == name)


def resources(rows: Sequence[tuple[str, float, float, float, float, int, int, float]]) -> pa.Table:
    """A resource table by hand: (resource, start, end, mean_queue, mean_busy, arrivals, starts,
    mean_wait_min) per bin."""
    keys = ("resource", "bin_start_min", "bin_end_min", "mean_queue", "mean_busy", "arrivals",
            "starts", "mean_wait_min")
    return pa.Table.from_pylist([dict(zip(keys, r, strict=True)) for r in rows])


# --- the stages -------------------------------------------------------------------------------


def test_every_staffed_resource_has_one_stable_stage() -> None:
    """Each of the four teams is reduced to a stable M/M/c queue (else Erlang C is undefined)."""
    assert [s.resource for s in STAGES] == list(NAMES)
    for s in STAGES:
        assert s.queue.servers >= 1
        assert 0 < s.queue.utilisation < 1
        assert s.resource not in s.unlimited  # its own servers are the ones counted


def test_stage_overrides_set_arrivals_servers_and_exponential_service() -> None:
    """The reduction's overrides: the arrival process, then c servers and exponential service."""
    analysts = stage("analysts")
    assert analysts.overrides() == (
        "contacts.rate_per_hour=6",
        "scam_types.plain.report_prob=1",
        "response.call_takers.handling_min=0",
        "response.analysts.staff=3",
        'response.analysts.handling_min={kind="exponential",mean=20.0}',
    )
    custom = Stage("warning_team", MMc(0.5, 2.5, 7), ("early_warning.enabled=true",), ())
    assert custom.overrides() == (
        "early_warning.enabled=true",
        "early_warning.team.staff=7",
        'early_warning.call_min={kind="exponential",mean=2.5}',
    )


def test_arrival_rates_match_the_overrides() -> None:
    """Each stage's lambda (per minute) is the hourly rate its overrides switch on, over 60."""
    for s in STAGES:
        rates = [float(o.split("=")[1]) for o in s.arrivals
                 if o.startswith(("contacts.rate_per_hour=",
                                  "early_warning.false_positives_per_hour="))]
        assert len(rates) == 1
        assert s.queue.arrival_per_min == pytest.approx(rates[0] / 60)


# --- waits after the warm-up ------------------------------------------------------------------


def monitor_with_starts(starts: Sequence[tuple[float, float]]) -> BinnedMonitor:
    """A 60-minute-bin monitor in which jobs start at the given (minute, wait) pairs."""
    mon = BinnedMonitor("x", 60.0)
    for now, wait in starts:
        mon.start(now, wait)
    return mon


@pytest.mark.parametrize(
    ("cut", "expected"),
    [(0.0, [1.0, 2.0, 3.0, 4.0, 5.0]), (60.0, [3.0, 4.0, 5.0]), (61.0, [5.0]),
     (180.0, []), (30.0, [3.0, 4.0, 5.0])],
)
def test_waits_after_cut_at_the_next_bin_edge(cut: float, expected: list[float]) -> None:
    """Only jobs starting in bins that begin at or after the cut count (a cut mid-bin rounds up)."""
    mon = monitor_with_starts([(10.0, 1.0), (59.0, 2.0), (60.0, 3.0), (119.0, 4.0),
                               (130.0, 5.0)])
    assert waits_after(mon, cut).tolist() == expected


# --- busy servers ---------------------------------------------------------------------------


def test_mean_busy_is_time_weighted_over_whole_bins_in_the_window() -> None:
    """Busy servers average over bins inside [start, end], weighted by width; others ignored."""
    table = resources([
        ("analysts", 0.0, 60.0, 0.0, 9.0, 0, 0, 0.0),  # before the window
        ("analysts", 60.0, 120.0, 0.0, 1.0, 0, 0, 0.0),
        ("analysts", 120.0, 150.0, 0.0, 4.0, 0, 0, 0.0),
        ("analysts", 150.0, 210.0, 0.0, 9.0, 0, 0, 0.0),  # runs past the end
        ("patrols", 60.0, 120.0, 0.0, 7.0, 0, 0, 0.0),  # another resource
    ])
    assert _mean_busy(table, "analysts", 60.0, 150.0) == pytest.approx((60 + 120) / 90)


# --- Little's law -------------------------------------------------------------------------


def little_table(q1: float, q2: float, arrivals2: int = 1) -> pa.Table:
    """Two analysts' bins (60 and 30 minutes wide) plus a decoy resource.

    Four jobs start: three in the first bin waiting 10 minutes on average,
    one in the second waiting 6, so W = 36 / 4 = 9 minutes.
    """
    return resources([
        ("analysts", 0.0, 60.0, q1, 1.0, 3, 3, 10.0),
        ("analysts", 60.0, 90.0, q2, 1.0, arrivals2, 1, 6.0),
        ("patrols", 0.0, 60.0, 50.0, 1.0, 1, 1, 0.0),
    ])


def test_littles_law_holds_on_a_consistent_table() -> None:
    """L = (0.5·60 + 0.2·30) / 90 = 0.4 and lambda·W = 4/90 · 9 = 0.4: the row passes."""
    row = little_check("analysts", little_table(0.5, 0.2))
    assert row.passed
    assert (row.check, row.subject) == ("Little's law L = λW", "analysts")
    assert row.expected == "λW = 0.4" and row.observed == "L = 0.4"


def test_littles_law_weights_bins_by_width() -> None:
    """An unweighted mean of the bins (0.35 here) would be wrong: the short last bin counts less."""
    assert not little_check("analysts", little_table(0.35, 0.35)).passed


def test_littles_law_fails_a_misrecorded_queue() -> None:
    """A queue length off by a little (L = 0.4083 against 0.4) fails the exact identity."""
    row = little_check("analysts", little_table(0.5, 0.225))
    assert not row.passed
    assert row.observed == "L = 0.4083"


def test_littles_law_fails_jobs_that_never_start() -> None:
    """L = lambda·W can hold with a job left waiting (5/90 · 9 = 0.5 both ways); the row fails."""
    row = little_check("analysts", little_table(0.6, 0.3, arrivals2=2))
    assert row.expected == "λW = 0.5" and row.observed == "L = 0.5"
    assert not row.passed


def test_littles_law_of_a_stage_nobody_reached_fails() -> None:
    """0 = λ·0 would pass without testing anything: no arrival, or no row at all, fails."""
    idle = resources([("analysts", 0.0, 60.0, 0.0, 0.0, 0, 0, 0.0)])
    for name, table in (("analysts", idle), ("call_takers", little_table(0.5, 0.2))):
        row = little_check(name, table)
        assert not row.passed and row.observed == "no job arrived"


# --- Erlang C verdicts --------------------------------------------------------------------

ANALYSTS = stage("analysts")  # M/M/3 at a = 2: P(wait) = 4/9, Wq = 80/9 min


def runs_like(wait_scale: float = 1.0, waiting: int = 4, busy: float = 2.0) -> list[StageRun]:
    """Four replications of nine jobs each: ``waiting`` of them wait, with mean wait 80/9 · scale.

    Means vary by ±1% between replications, as real runs would.
    """
    out = []
    for jitter in (0.99, 1.0, 1.01, 1.0):
        each = 80.0 / waiting * wait_scale * jitter
        waits = np.array([each] * waiting + [0.0] * (9 - waiting))
        out.append(StageRun(waits, busy * jitter, pa.table({})))
    return out


def verdicts(rows: list[CheckResult]) -> dict[str, bool]:
    return {r.check: r.passed for r in rows}


def test_erlang_c_rows_pass_when_the_runs_match_theory() -> None:
    """Runs at P(wait) = 4/9, mean wait 80/9 and two busy servers pass all three rows."""
    rows = mmc_checks(ANALYSTS, runs_like())
    assert verdicts(rows) == {"M/M/c P(wait)": True, "M/M/c mean wait": True,
                              "M/M/c busy servers": True}
    assert {r.subject for r in rows} == {"analysts"}
    assert [r.expected for r in rows] == ["0.4444", "8.889 min", "2"]


@pytest.mark.parametrize(
    ("runs", "failing"),
    [
        (runs_like(wait_scale=0.5), "M/M/c mean wait"),
        (runs_like(waiting=2, wait_scale=1.0), "M/M/c P(wait)"),
        (runs_like(busy=2.5), "M/M/c busy servers"),
    ],
    ids=["short-waits", "too-few-wait", "too-busy"],
)
def test_each_erlang_c_row_fails_on_its_own_error(runs: list[StageRun], failing: str) -> None:
    """Halved waits, half as many waiting, or a quarter more busy time fail their row only."""
    result = verdicts(mmc_checks(ANALYSTS, runs))
    assert result == {check: check != failing for check in result}


# --- real reductions ----------------------------------------------------------------------


def test_analysts_reduction_is_the_described_queue(base: dict[str, Any]) -> None:
    """A real replication: waits after the warm-up, about a = 2 busy analysts, L = lambda·W exact.

    The other teams named by the stage are unlimited (no capacity in the table),
    and a second replication is a different sample.
    """
    first = stage_run(base, ANALYSTS, 0)
    table = first.resources
    analysts = table.filter(pa.compute.equal(table["resource"], "analysts")).to_pylist()
    counted = sum(r["starts"] for r in analysts if r["bin_start_min"] >= WARMUP_DAYS * 1440)
    assert len(first.waits) == counted > 500
    assert (first.waits >= 0).all() and (first.waits > 0).any()
    assert first.busy == pytest.approx(ANALYSTS.queue.offered_load, rel=0.15)
    call_takers = table.filter(pa.compute.equal(table["resource"], "call_takers"))
    assert all(np.isnan(c) for c in call_takers["mean_capacity"].to_pylist())
    assert little_check("analysts", table).passed
    second = stage_run(base, ANALYSTS, 1)
    assert not np.array_equal(first.waits, second.waits)


def broken(base: dict[str, Any]) -> dict[str, Any]:
    """A base with a negative seed: no reduction overrides the seed, so every one is invalid."""
    out = copy.deepcopy(base)
    out["seed"] = -1
    return out


def test_queue_checks_on_a_broken_base_fail_each_stage(base: dict[str, Any]) -> None:
    """A reduction that cannot run gives one failed row per stage with the error, not a crash."""
    rows = queue_checks(broken(base), 2)
    assert [(r.check, r.subject, r.passed) for r in rows] == [
        ("M/M/c", name, False) for name in NAMES]
    assert all(r.observed.startswith("ScenarioError") and "seed" in r.observed for r in rows)


def test_infinite_servers_on_a_broken_base_fail_once(base: dict[str, Any]) -> None:
    """The infinite-server reduction fails as one row naming all four teams."""
    (row,) = infinite_server_checks(broken(base))
    assert not row.passed
    assert row.subject == ", ".join(NAMES)
    assert row.observed.startswith("ScenarioError")

