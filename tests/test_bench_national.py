"""The national benchmark still works (CI does not run the full benchmark).

The benchmark (``benchmarks/bench_national.py``, its runs in
``benchmarks/national_runs.py``) reads the clock's queue load from the
run's stats and wraps ``executors.run_job`` in its child processes; these
tests fail if a refactor removes either, and run the script end to end on
a tiny run.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import BENCHMARKS, load_benchmark


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    """The benchmark's runs (``national_runs``), loaded from their file."""
    return load_benchmark("national_runs")


def test_the_script_prints_every_part_of_a_tiny_benchmark() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_national.py"), "--days", "0.02",
         "--sizes", "20,40", "--drain-days", "0.2", "--repeats", "2",
         "--scaling-seconds", "0",
         "--memory-reps", "2", "--memory-days", "0.02", "--sweep-days", "0.02",
         "--sweep-repeats", "2",
         "--phases", "0,0.01", "--phase-length", "0.01"],
        capture_output=True, text=True, check=False, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for part in ("engine: ", ", event queue ", "wall time", "ratio model / bare",
                 "ratio clock / bare", "ratio model / clock", "time per case by size",
                 "2 runs)", "fraudsim.simulate in a loop", "sweep runner, workers=1",
                 "growth from run 2 to run 2", "median speed-up",
                 "time per event by window of one run"):
        assert part in out, part
    assert out.count("speed-up x") == 4  # two timings, their median and their totals
    # The sweep's timings alternate which worker count runs first, and each
    # has the machine's own speed-up beside it (and their median too).
    assert "(1 first)" in out and "(2 first)" in out
    # Beside each timing, the totals, the totals of each order and the interval.
    assert out.count("machine x") == 6
    assert "added up by the worker count timed first: 1 first x" in out
    assert ")   2 first x" in out
    assert "(machine, 16 bare-loop jobs on 2 processes: x" in out
    assert "all timings added up: 1 worker" in out
    assert "95% interval of the added-up speed-up (bootstrap over the 2 timings): x" in out


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc")
def test_rss_is_read(bench: ModuleType) -> None:
    now = bench.current_rss_mib()
    assert 1 < now <= bench.peak_rss_mib() + 1


def test_measure_reports_the_queue_load_and_the_tenths(bench: ModuleType) -> None:
    m = bench.measure(0.05, drain_days=0.5)
    assert m["events"] > 0 and m["cases"] > 0
    assert 0 < m["mean_pending"] <= m["peak_pending"] * 2
    assert 0 < m["mean_near"] <= m["mean_pending"]
    assert len(m["tenths_s"]) == 10 and all(t >= 0 for t in m["tenths_s"])
    assert sum(m["tenths_s"]) <= m["wall_s"]


def test_probes_of_the_bare_loop_follow_each_tenth_and_are_not_timed_as_the_run(
    bench: ModuleType,
) -> None:
    started = time.perf_counter()
    m = bench.measure(0.05, drain_days=0.5, probe_events=50_000)
    elapsed = time.perf_counter() - started
    assert len(m["probes"]) == 10 and all(rate > 0 for rate in m["probes"])
    probing = sum(50_000 / rate for rate in m["probes"])  # the probes' own loops
    # Counted in the run's wall time, the probes would leave no room for it.
    assert m["wall_s"] + probing <= elapsed
    assert sum(m["tenths_s"]) <= m["wall_s"]
    assert bench.measure(0.05, drain_days=0.5)["probes"] == []  # none unless asked


def test_tenths_are_the_time_between_every_tenth_mark(bench: ModuleType) -> None:
    marks = [1.0 + 0.5 * k for k in range(100)]  # a step every half second from 1.0
    assert bench.tenths(0.0, marks) == [5.5] + [5.0] * 9  # the first from the start
    assert bench.tenths(0.0, marks[:50]) == []  # not a full run of the clock


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc")
@pytest.mark.parametrize("mode", ["simulate", "sweep"])
def test_memory_check_sees_every_replication(bench: ModuleType, mode: str) -> None:
    out = bench.memory_by_replication(mode, 2, 0.05)
    assert [(run, rep) for run, rep, _, _ in out["rows"]] == [(1, 0), (2, 1)]


def test_the_median_run_is_the_middle_wall_time(bench: ModuleType) -> None:
    runs = [{"wall_s": w, "cases": 1.0} for w in (3.0, 1.0, 2.0)]
    assert bench.median_run(runs)["wall_s"] == 2.0
    assert bench.median_run(runs[:2])["wall_s"] == 1.0  # even count: the lower middle
    assert bench.median_run(runs[:1])["wall_s"] == 3.0


def test_scaling_runs_every_size_once_per_round(
    bench: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[float, float | None]] = []

    def fake(days: float, drain_days: float | None = None) -> dict[str, float]:
        calls.append((days, drain_days))
        return {"days": days, "call": float(len(calls)), "wall_s": 1.0}

    monkeypatch.setattr(bench, "in_subprocess", fake)
    by_size = bench.scaling_runs([10, 20], 3, 7.0)
    days = [10 / bench.CASES_PER_DAY, 20 / bench.CASES_PER_DAY]
    assert calls == [(d, 7.0) for d in days] * 3  # rounds, not one size after another
    assert [r["call"] for r in by_size[10]] == [1.0, 3.0, 5.0]
    assert [r["call"] for r in by_size[20]] == [2.0, 4.0, 6.0]


def test_short_sizes_run_more_often_spread_over_the_later_rounds(
    bench: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    walls = {10: 0.5, 20: 4.0, 40: 30.0}  # seconds a run of each size takes
    calls: list[int] = []

    def fake(days: float, drain_days: float | None = None) -> dict[str, float]:
        n = round(days * bench.CASES_PER_DAY)
        calls.append(n)
        return {"wall_s": walls[n]}

    monkeypatch.setattr(bench, "in_subprocess", fake)
    by_size = bench.scaling_runs([10, 20, 40], 3, None, seconds=10.0)
    # 10 s of half-second runs, of four-second ones: at least 3 runs each.
    assert {n: len(runs) for n, runs in by_size.items()} == {10: 20, 20: 3, 40: 3}
    # The first round runs each size once; the 19 runs left of the short
    # size are split over the two later rounds, each of which runs every size.
    assert calls == [10, 20, 40, *[10] * 9, 20, 40, *[10] * 10, 20, 40]


@pytest.mark.parametrize(
    ("wall", "repeats", "seconds", "runs"),
    [(0.5, 3, 20.0, 40), (0.3, 3, 0.0, 3), (5.7, 3, 20.0, 4), (60.0, 3, 20.0, 3),
     (0.0, 2, 20.0, 40), (2.0, 1, 3.0, 2), (100.0, 5, 20.0, 5)],
)
def test_runs_wanted_add_up_to_the_seconds_asked_within_bounds(
    bench: ModuleType, wall: float, repeats: int, seconds: float, runs: int
) -> None:
    assert bench.runs_wanted(wall, repeats, seconds) == runs
    assert bench.MAX_RUNS == 40


def test_one_repeat_still_gives_a_short_size_its_runs(
    bench: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench, "in_subprocess", lambda days, drain_days=None: {"wall_s": 1.0})
    by_size = bench.scaling_runs([10, 20], 1, None, seconds=3.0)
    assert [len(by_size[10]), len(by_size[20])] == [3, 3]
    assert [len(r) for r in bench.scaling_runs([10], 1, None).values()] == [1]


def test_pooled_runs_add_up_wall_time_cases_and_events(bench: ModuleType) -> None:
    runs = [{"wall_s": 1.0, "cases": 10.0, "events": 100.0, "peak_mib": 5.0},
            {"wall_s": 3.0, "cases": 10.0, "events": 300.0, "peak_mib": 6.0}]
    assert bench.pooled(runs) == {"wall_s": 4.0, "cases": 20.0, "events": 400.0}
    # The mean pace over the runs: 0.2 s a case, not the median run's 0.1 or 0.3.
    total = bench.pooled(runs)
    assert total["wall_s"] / total["cases"] == pytest.approx(0.2)


def test_phase_windows_count_every_event_of_their_days_once(bench: ModuleType) -> None:
    from fraudsim import load_scenario
    from fraudsim.model.cases import MINUTES_PER_DAY
    from fraudsim.model.world import build_world

    windows = bench.phase_windows([0.0, 0.01], 0.01, 0.02)
    assert [w["start"] for w in windows] == [0.0, 0.01]
    assert all(w["events"] > 0 and w["wall_s"] > 0 for w in windows)
    clock = build_world(load_scenario(bench.SCENARIO, ["time.horizon_days=0.02"])).clock
    clock.run_to(0.02 * MINUTES_PER_DAY)
    assert sum(w["events"] for w in windows) == clock.events_processed
    assert windows[-1]["pending"] == clock.pending


@pytest.mark.parametrize(
    ("starts", "length", "problem"),
    [([0.0, 3.0], 5.0, "after the last one ends"), ([5.0, 0.0], 1.0, "increasing order"),
     ([0.0], 0.0, "more than 0 days"), ([-1.0], 1.0, "before day 0")],
)
def test_windows_that_overlap_or_go_backwards_are_refused(
    bench: ModuleType, starts: list[float], length: float, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        bench.phase_windows(starts, length, 0.02)


def test_the_script_refuses_bad_windows_before_running_anything() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_national.py"), "--phases", "0,2",
         "--phase-length", "5"],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert done.returncode == 2 and "after the last one ends" in done.stderr
    assert done.stdout == ""


def test_the_script_refuses_negative_scaling_seconds_before_running_anything() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_national.py"), "--scaling-seconds", "-1"],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert done.returncode == 2 and "--scaling-seconds cannot be negative" in done.stderr
    assert done.stdout == ""
