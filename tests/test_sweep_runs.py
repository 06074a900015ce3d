"""Tests of the benchmark's sweep timings (``benchmarks/sweep_runs.py``)."""

from __future__ import annotations

import time
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import load_benchmark


@pytest.fixture(scope="module")
def runs() -> ModuleType:
    """The sweep timings, loaded from their file (with the modules they import)."""
    return load_benchmark("sweep_runs")


def test_a_sweep_timing_starts_with_1_or_2_workers_only(runs: ModuleType) -> None:
    with pytest.raises(ValueError, match="first must be 1 or 2"):
        runs.sweep_speedup(0.01, first=3)


def test_a_sweep_is_timed_with_each_worker_count_and_gives_the_same_curve(
    runs: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The benchmark refuses a speed-up whose curve differs from the one worker's."""
    import fraudsim

    workers_seen: list[int] = []
    sweep = fraudsim.sweep

    def counted(scenario: Any, vary: Any, **options: Any) -> Any:
        workers_seen.append(options["workers"])
        return sweep(scenario, vary, **options)

    monkeypatch.setattr(fraudsim, "sweep", counted)
    one, two = runs.sweep_speedup(0.01, replications=4, first=2)
    assert workers_seen == [2, 1] and one > 0 and two > 0

    def seeded(scenario: Any, vary: Any, **options: Any) -> Any:
        return sweep(scenario, vary, seed=options["workers"], **options)

    monkeypatch.setattr(fraudsim, "sweep", seeded)  # a runner whose results hang on the workers
    with pytest.raises(RuntimeError, match="curve differs between 1 and 2 workers"):
        runs.sweep_speedup(0.01, replications=4)


JOB_S = 0.05
"""How long each stand-in job of the machine timing takes."""


def sleeping_job(n_events: int) -> int:
    """A stand-in for the bare loop whose time is known (a module function: it is pickled)."""
    if n_events > 1:  # the pool's warm-up jobs run one event
        time.sleep(JOB_S)
    return n_events


@pytest.mark.parametrize("first", [1, 2])
def test_the_machine_is_timed_with_1_and_2_processes(
    runs: ModuleType, first: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four jobs of 50 ms: 200 ms one after another, about 100 ms on two processes."""
    monkeypatch.setattr(runs, "bare_heapq_loop", sleeping_job)
    one, two = runs.machine_speedup(jobs=4, n_events=1000, first=first)
    assert 4 * JOB_S <= one < 4 * JOB_S + 0.5
    assert 2 * JOB_S <= two < one


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


NOISY = [(4.1, 2.3), (5.0, 2.4), (4.4, 2.6), (5.2, 2.5), (4.7, 2.9), (4.3, 2.2)]


def test_the_interval_holds_the_pooled_speed_up_and_is_reproducible(runs: ModuleType) -> None:
    low, high = runs.speedup_interval(NOISY)
    assert low < runs.pooled_speedup(NOISY) < high
    assert runs.speedup_interval(NOISY) == (low, high)


def test_timings_that_agree_give_an_interval_of_one_point(runs: ModuleType) -> None:
    low, high = runs.speedup_interval([(4.0, 2.0), (6.0, 3.0), (5.0, 2.5)])
    assert low == pytest.approx(2.0) and high == pytest.approx(2.0)


def test_noisier_timings_give_a_wider_interval(runs: ModuleType) -> None:
    # The same timings with each one's deviation from x1.9 doubled.
    noisier = [(2.0 * one - 1.9 * two, two) for one, two in NOISY]
    low, high = runs.speedup_interval(NOISY)
    wide_low, wide_high = runs.speedup_interval(noisier)
    assert wide_high - wide_low > 1.5 * (high - low)


def test_a_higher_confidence_gives_a_wider_interval(runs: ModuleType) -> None:
    low, high = runs.speedup_interval(NOISY, confidence=0.8)
    wide_low, wide_high = runs.speedup_interval(NOISY, confidence=0.99)
    assert wide_low < low and high < wide_high


@pytest.mark.parametrize(
    ("timings", "confidence", "message"),
    [
        ([(4.0, 2.0)], 0.95, "at least 2 timings"),
        ([(4.0, 2.0), (4.0, 0.0)], 0.95, "at least one timing, every time positive"),
        (NOISY, 1.0, "confidence must be between 0 and 1"),
        (NOISY, 0.0, "confidence must be between 0 and 1"),
    ],
)
def test_the_interval_refuses_too_few_timings_bad_times_or_confidence(
    runs: ModuleType, timings: list[tuple[float, float]], confidence: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        runs.speedup_interval(timings, confidence=confidence)
