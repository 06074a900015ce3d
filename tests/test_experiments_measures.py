"""What an experiment measures per replication (fraudsim/experiments/measures.py).

The pure parts (the warm-up cut of cases, the queue waits of resource bins)
are checked on tables written by hand; :func:`replication_metrics` on small
runs whose warm-up is changed after the fact (it reads only the scenario's
``time.warmup_days``).
"""

from __future__ import annotations

import dataclasses
import math
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsim.api import SimulationResult, simulate
from fraudsim.experiments.measures import (
    CONTEXT,
    COUNT_COLUMNS,
    HEADLINE,
    PRECISION_MEASURES,
    SAVED,
    WAITED_RESOURCES,
    after_warmup,
    mean_waits,
    replication_metrics,
    warmup_min,
)
from tests.conftest import busy, xiamen

NAN = math.nan


@lru_cache(maxsize=1)
def busy_run() -> SimulationResult:
    """The busy city over two days (hourly resource bins), run once for the module."""
    return simulate(busy(["time.horizon_days=2", "time.resource_bin_min=60"]))


def with_warmup(result: SimulationResult, days: float) -> SimulationResult:
    """The same run, read as if its scenario had a warm-up of ``days``."""
    time = result.scenario.time.model_copy(update={"warmup_days": days})
    return dataclasses.replace(result, scenario=result.scenario.model_copy(update={"time": time}))


def contacts(times: list[float]) -> pa.Table:
    """A case table of contact times only, with each case's position as its id."""
    return pa.table({"case_id": list(range(len(times))), "contact_min": times})


def bins(rows: list[tuple[str, float, int, float]]) -> pa.Table:
    """A resource table of (resource, bin start, jobs started, their mean wait) rows."""
    names, start, count, mean = zip(*rows, strict=True) if rows else ((), (), (), ())
    return pa.table({
        "resource": pa.array(names, pa.string()),
        "bin_start_min": pa.array(start, pa.float64()),
        "starts": pa.array(count, pa.int64()),
        "mean_wait_min": pa.array(mean, pa.float64()),
    })


def same(a: float, b: float) -> bool:
    """Equal floats, NaN equal to NaN."""
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-12)


@pytest.mark.parametrize("days, minutes", [(0.0, 0.0), (0.5, 720.0), (1.25, 1800.0)])
def test_the_warmup_ends_at_its_days_in_minutes(days: float, minutes: float) -> None:
    """``time.warmup_days`` is read in days; cases and bins are cut in minutes."""
    assert warmup_min(with_warmup(busy_run(), days)) == minutes


def test_cases_at_or_after_the_warmup_are_kept_in_their_order() -> None:
    """A case contacted exactly at the end of the warm-up counts; the order is not changed."""
    table = contacts([5.0, 20.0, 35.0, 20.0, 10.0])
    kept = after_warmup(table, 20.0)
    assert kept.column("case_id").to_pylist() == [1, 2, 3]


@pytest.mark.parametrize("start", [0.0, -10.0])
def test_no_warmup_keeps_the_table_itself(start: float) -> None:
    """Without a warm-up nothing is filtered, not even a copy made."""
    table = contacts([0.0, 3.0])
    assert after_warmup(table, start) is table


@settings(max_examples=40, deadline=None)
@given(times=st.lists(st.floats(0, 1e4), max_size=30), start=st.floats(-10, 1.1e4))
def test_after_warmup_keeps_exactly_the_late_cases(times: list[float], start: float) -> None:
    """Whatever the times, the kept cases are those contacted at or after the cut."""
    kept = after_warmup(contacts(times), start).column("case_id").to_pylist()
    expected = [i for i, t in enumerate(times) if start <= 0 or t >= start]
    assert kept == expected


RESOURCES = bins([
    ("call_takers", 0.0, 2, 10.0),
    ("call_takers", 60.0, 1, 4.0),
    ("call_takers", 120.0, 3, 2.0),
    ("call_takers", 180.0, 0, NAN),  # a bin where nobody started: its mean is undefined
    ("analysts", 0.0, 5, 1.0),
    ("warning_team", 60.0, 0, NAN),
    ("bank_requests", 60.0, 4, 100.0),  # not a staffed resource: not measured
])


def test_mean_waits_weigh_each_bin_by_the_jobs_started_in_it() -> None:
    """The mean wait is over jobs, not over bins: (2·10 + 1·4 + 3·2) / 6 = 5."""
    waits = mean_waits(RESOURCES, 0.0)
    assert list(waits) == [f"{r}_wait_mean_min" for r in WAITED_RESOURCES]
    assert waits["call_takers_wait_mean_min"] == 5.0
    assert waits["analysts_wait_mean_min"] == 1.0
    assert math.isnan(waits["patrols_wait_mean_min"])  # no bin at all
    assert math.isnan(waits["warning_team_wait_mean_min"])  # bins, but no job


@pytest.mark.parametrize("start", [60.0, 30.0, 0.5])
def test_mean_waits_leave_out_bins_beginning_before_the_warmup(start: float) -> None:
    """A bin counts if it begins at or after the cut: a cut inside a bin is rounded up.

    From 60 on: (1·4 + 3·2) / 4 = 2.5; the analysts' only bin begins before
    the cut, so their mean wait is undefined rather than 0.
    """
    waits = mean_waits(RESOURCES, start)
    assert waits["call_takers_wait_mean_min"] == 2.5
    assert math.isnan(waits["analysts_wait_mean_min"])


def test_mean_waits_of_an_empty_resource_table_are_undefined() -> None:
    """A run without resource bins gives NaN for every resource, not an error."""
    waits = mean_waits(bins([]), 0.0)
    assert len(waits) == len(WAITED_RESOURCES)
    assert all(math.isnan(v) for v in waits.values())


BIN = st.tuples(st.sampled_from(WAITED_RESOURCES), st.integers(0, 20).map(lambda k: 60.0 * k),
                st.integers(0, 50), st.floats(0, 500))


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(BIN, max_size=25), start=st.floats(0, 1300),
       early=st.lists(st.tuples(st.integers(1, 50), st.floats(0, 500)), min_size=1, max_size=5))
def test_mean_waits_lie_between_the_bins_kept_and_ignore_the_early_ones(
    rows: list[tuple[str, float, int, float]], start: float, early: list[tuple[int, float]],
) -> None:
    """Each mean lies within the kept bins' means; bins before the cut do not move it."""
    table = bins([(r, s, n, w if n else NAN) for r, s, n, w in rows])
    waits = mean_waits(table, start)
    # Busy bins that begin before the cut, with any waits, change nothing.
    extra = [(r, float(math.floor(start) - 1), n, w) for r in WAITED_RESOURCES for n, w in early]
    noisy = bins([*[(r, s, n, w if n else NAN) for r, s, n, w in rows], *extra])
    for resource in WAITED_RESOURCES:
        value = waits[f"{resource}_wait_mean_min"]
        kept = [w for r, s, n, w in rows if r == resource and s >= start and n > 0]
        if not kept:
            assert math.isnan(value)
        else:
            assert min(kept) - 1e-9 <= value <= max(kept) + 1e-9
        assert same(mean_waits(noisy, start)[f"{resource}_wait_mean_min"], value)


def test_a_replication_row_starts_with_the_two_counts_as_integers() -> None:
    """The counts are integers (they are filed as int64); every measure after them a float."""
    row = replication_metrics(busy_run())
    assert list(row)[:2] == list(COUNT_COLUMNS)
    assert all(type(row[c]) is int for c in COUNT_COLUMNS)
    assert all(type(v) is float for k, v in row.items() if k not in COUNT_COLUMNS)


def test_a_replication_row_holds_every_measure_the_tables_read() -> None:
    """The aggregate tables read each headline and context column from the rows."""
    row = replication_metrics(busy_run())
    assert {m.column for m in (*HEADLINE, *CONTEXT)} <= set(row)
    assert {f"{r}_wait_mean_min" for r in WAITED_RESOURCES} <= set(row)
    assert row["saved_yuan"] == row["saved_fen"] / 100
    assert row["lost_yuan"] == row["lost_fen"] / 100


@settings(max_examples=20, deadline=None)
@given(early=st.floats(0, 1.99), late=st.floats(0, 1.99))
def test_a_longer_warmup_leaves_out_more_cases_and_counts_less_money(
    early: float, late: float
) -> None:
    """Cases before the warm-up are counted as excluded; saved money never grows with it."""
    early, late = sorted((early, late))
    run = busy_run()
    contact = run.cases.column("contact_min").to_numpy()
    saved = run.cases.column("saved_fen").to_numpy()
    rows = [replication_metrics(with_warmup(run, days)) for days in (early, late)]
    for days, row in zip((early, late), rows, strict=True):
        cut = days * 1440
        before = contact < cut if cut > 0 else np.zeros(len(contact), dtype=bool)
        assert row["cases_total"] == len(contact)
        assert row["cases_excluded_warmup"] == int(before.sum())
        assert row["cases"] == len(contact) - int(before.sum())
        assert row["saved_fen"] == float(saved[~before].sum())
    assert rows[1]["cases_excluded_warmup"] >= rows[0]["cases_excluded_warmup"]
    assert rows[1]["saved_fen"] <= rows[0]["saved_fen"]


def test_a_warmup_that_leaves_no_case_gives_zeros_and_undefined_shares() -> None:
    """With every case before the cut, sums are 0 and shares, medians and waits undefined."""
    row = replication_metrics(simulate(xiamen(["time.warmup_days=2.5"])))  # its case: day 2.4
    assert (row["cases_total"], row["cases_excluded_warmup"], row["cases"]) == (1, 1, 0.0)
    assert row["saved_fen"] == row["lost_fen"] == row["exposed_fen"] == 0.0
    for name in ("saved_share", "frozen_share_of_paid", "report_to_first_stop_median_min",
                 "call_takers_wait_mean_min", "analysts_wait_mean_min"):
        assert math.isnan(row[name]), name


def test_the_precision_rule_leaves_out_only_the_yuan_twins() -> None:
    """Yuan measures repeat fen ones (same label); the rule would check them twice."""
    columns = [m.column for m in HEADLINE]
    assert len(set(columns)) == len(columns)
    labels = {m.column: m.label for m in HEADLINE}
    twins = [c for c in columns if c.endswith("_yuan")]
    assert twins and all(labels[c] == labels[c.replace("_yuan", "_fen")] for c in twins)
    assert tuple(c for c in columns if c not in twins) == PRECISION_MEASURES
    assert SAVED in PRECISION_MEASURES
