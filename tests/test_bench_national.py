"""The national benchmark's helpers still work (CI does not run the benchmark itself).

The benchmark reads the clock's queue load from the run's stats and wraps
``executors.run_job`` in its child processes; these tests fail if a refactor
removes either.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_national.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_national", PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_national"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc")
def test_rss_is_read(bench: ModuleType) -> None:
    now = bench.current_rss_mib()
    assert 1 < now <= bench.peak_rss_mib() + 1


@pytest.mark.parametrize("pending", [1, 1000, 50_000])
def test_bare_loop_runs_any_heap_size(bench: ModuleType, pending: int) -> None:
    assert bench.bare_heapq_loop(2000, pending) > 0


def test_measure_reports_the_queue_load_and_the_tenths(bench: ModuleType) -> None:
    m = bench.measure(0.05, drain_days=0.5)
    assert m["events"] > 0 and m["cases"] > 0
    assert 0 < m["mean_pending"] <= m["peak_pending"] * 2
    assert 0 < m["mean_near"] <= m["mean_pending"]
    assert len(m["tenths_s"]) == 10 and all(t >= 0 for t in m["tenths_s"])
    assert sum(m["tenths_s"]) <= m["wall_s"]


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
        return {"days": days, "call": float(len(calls))}

    monkeypatch.setattr(bench, "in_subprocess", fake)
    by_size = bench.scaling_runs([10, 20], 3, 7.0)
    days = [10 / bench.CASES_PER_DAY, 20 / bench.CASES_PER_DAY]
    assert calls == [(d, 7.0) for d in days] * 3  # rounds, not one size after another
    assert [r["call"] for r in by_size[10]] == [1.0, 3.0, 5.0]
    assert [r["call"] for r in by_size[20]] == [2.0, 4.0, 6.0]
