"""Tests of the benchmark's sweep timings (``benchmarks/sweep_runs.py``)."""

from __future__ import annotations

from types import ModuleType

import pytest

from tests.conftest import load_benchmark


@pytest.fixture(scope="module")
def runs() -> ModuleType:
    """The sweep timings, loaded after the runs they import (``national_runs``)."""
    load_benchmark("national_runs")
    return load_benchmark("sweep_runs")


def test_a_sweep_timing_starts_with_1_or_2_workers_only(runs: ModuleType) -> None:
    with pytest.raises(ValueError, match="first must be 1 or 2"):
        runs.sweep_speedup(0.01, first=3)


def test_a_sweep_is_timed_with_each_worker_count(runs: ModuleType) -> None:
    one, two = runs.sweep_speedup(0.01, replications=4, first=2)
    assert one > 0 and two > 0


@pytest.mark.parametrize("first", [1, 2])
def test_the_machine_is_timed_with_1_and_2_processes(runs: ModuleType, first: int) -> None:
    one, two = runs.machine_speedup(jobs=2, n_events=1000, first=first)
    assert one > 0 and two > 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"first": 0}, "first must be 1 or 2"),
        ({"jobs": 0}, "jobs and n_events must be at least 1"),
        ({"n_events": 0}, "jobs and n_events must be at least 1"),
    ],
)
def test_the_machine_timing_refuses_bad_arguments(
    runs: ModuleType, kwargs: dict[str, int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        runs.machine_speedup(**kwargs)


def test_the_pooled_speed_up_is_total_time_over_total_time(runs: ModuleType) -> None:
    # Two timings of x2.0 and x1.5: their totals give 7 / 4, not the mean of the ratios.
    assert runs.pooled_speedup([(4.0, 2.0), (3.0, 2.0)]) == pytest.approx(1.75)
    assert runs.pooled_speedup([(3.0, 2.0)]) == pytest.approx(1.5)
    # A long timing weighs more than a short one.
    assert runs.pooled_speedup([(10.0, 5.0), (1.0, 1.0)]) == pytest.approx(11.0 / 6.0)


@pytest.mark.parametrize("timings", [[], [(1.0, 0.0)], [(0.0, 1.0)], [(2.0, 1.0), (1.0, -1.0)]])
def test_the_pooled_speed_up_refuses_no_timing_or_a_time_not_positive(
    runs: ModuleType, timings: list[tuple[float, float]]
) -> None:
    with pytest.raises(ValueError, match="at least one timing"):
        runs.pooled_speedup(timings)
