"""The sweep's speed-up with 2 worker processes, and the machine's own beside it.

A sweep of independent replications should run nearly twice as fast on 2
workers as on 1. Whether it does depends on the sweep runner and on the
machine: on a shared (virtual) machine the second core is not always a
whole core, and then no runner reaches x2. So each timing of the sweep
(:func:`sweep_speedup`) is paired with the same timing of work that has
no runner and no model at all (:func:`machine_speedup`): the same number
of jobs of the bare heapq loop, run one after another and then in a pool
of 2 processes. Their ratio is what this machine gives two processes at
that moment, as far as the processor goes: the loop stays in the cache,
so what two model processes lose by sharing the machine's memory does not
show in it, and the sweep may fall short of it without any fault of the
runner.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from bare_loops import bare_heapq_loop
from national_runs import SCENARIO, _overrides

SWEEP_GRID = {"response.analysts.triage": ["fifo", "largest_first"]}
"""The sweep's grid: two points, so that the replications are split between them."""


def _timed_pair(timed: Callable[[int], float], first: int) -> tuple[float, float]:
    """Return ``(timed(1), timed(2))``, run with ``first`` (1 or 2) processes first.

    A machine that speeds up or slows down over the timings then favours
    neither count when the caller alternates ``first``.
    """
    if first not in (1, 2):
        raise ValueError(f"first must be 1 or 2 workers, not {first}")
    times = {n: timed(n) for n in (first, 3 - first)}
    return times[1], times[2]


def sweep_speedup(days: float, replications: int = 16, first: int = 1) -> tuple[float, float]:
    """Return wall times of a 2-point sweep x replications with 1 and with 2 workers.

    Args:
        days: Days of contacts per replication.
        replications: Replications in all (half at each grid point).
        first: The worker count timed first (1 or 2).

    Raises:
        RuntimeError: If the two sweeps' curves differ: a speed-up bought
            with other results would be no speed-up.
    """
    import io

    from fraudsim import load_scenario, sweep
    from fraudsim.results import write_parquet

    scenario = load_scenario(SCENARIO, _overrides(days))
    curves: dict[int, bytes] = {}

    def timed(workers: int) -> float:
        started = time.perf_counter()
        curve = sweep(scenario, SWEEP_GRID, replications=replications // 2, workers=workers)
        took = time.perf_counter() - started
        sink = io.BytesIO()
        write_parquet(curve, sink)  # bytes, NaN included (Table.equals takes NaN != NaN)
        curves[workers] = sink.getvalue()
        return took

    times = _timed_pair(timed, first)
    if curves[1] != curves[2]:
        raise RuntimeError("the sweep's curve differs between 1 and 2 workers")
    return times


def pooled_speedup(timings: list[tuple[float, float]]) -> float:
    """Return the speed-up of all timings added up: total 1-worker time over total 2-worker time.

    Each timing's own ratio swings with the machine's pace in the seconds
    it ran (a sweep of 16 half-second replications is too short to average
    it out), and their median keeps the swing of the middle timing. Added
    up, the timings weigh every second of both worker counts alike, as one
    sweep as long as all of them would: the same reading as the scaling
    table's time per case (``national_runs.pooled``).

    Args:
        timings: ``(1-worker seconds, 2-worker seconds)`` of each timing.

    Raises:
        ValueError: If there is no timing, or a time is not positive.
    """
    if not timings or any(one <= 0 or two <= 0 for one, two in timings):
        raise ValueError(f"need at least one timing, every time positive: {timings}")
    return sum(one for one, _ in timings) / sum(two for _, two in timings)


def speedup_interval(
    timings: list[tuple[float, float]], confidence: float = 0.95
) -> tuple[float, float]:
    """Return a bootstrap confidence interval of :func:`pooled_speedup`.

    The timings are resampled as pairs (a 1-worker time with the 2-worker
    time taken beside it, at the same spell of the machine), and the
    interval is the percentile interval of the pooled speed-up over the
    resamples (``scipy.stats.bootstrap``, seeded, so the same timings give
    the same interval). It says how far the machine's swings from one
    timing to the next leave the speed-up uncertain: whether an aim of
    x1.8 is met, missed, or not settled by these timings. It cannot see a
    drift that slows every timing of the hour alike.

    Args:
        timings: ``(1-worker seconds, 2-worker seconds)`` of each timing.
        confidence: The interval's confidence level, between 0 and 1.

    Raises:
        ValueError: If there are fewer than 2 timings, a time is not
            positive, or ``confidence`` is not between 0 and 1.
    """
    import numpy as np
    from scipy.stats import bootstrap

    if len(timings) < 2:
        raise ValueError(f"an interval needs at least 2 timings, not {len(timings)}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    pooled_speedup(timings)  # the same checks of the times
    one, two = (np.array([t[k] for t in timings]) for k in (0, 1))

    def pooled(ones: Any, twos: Any, axis: int = -1) -> Any:
        return ones.sum(axis=axis) / twos.sum(axis=axis)

    result = bootstrap(
        (one, two), pooled, paired=True, vectorized=True, method="percentile",
        confidence_level=confidence, rng=np.random.default_rng(0),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def machine_speedup(jobs: int = 16, n_events: int = 300_000, first: int = 1) -> tuple[float, float]:
    """Return wall times of ``jobs`` bare-loop jobs run one after another and on 2 processes.

    The jobs are :func:`bare_loops.bare_heapq_loop` runs of ``n_events``
    each (300,000 events: 0.2 to 0.3 s at the 1.0 to 1.6 million events a
    second this project's machine has run, near the 0.4 s of a replication
    of the sweep), so the two times differ only by how much the machine
    runs two processes at once. The pool is started before its timing
    begins.

    Args:
        jobs: Jobs in all (at least 1).
        n_events: Events of each job (at least 1).
        first: The process count timed first (1 or 2).

    Raises:
        ValueError: If ``jobs`` or ``n_events`` is below 1, or ``first`` is neither 1 nor 2.
    """
    if jobs < 1 or n_events < 1:
        raise ValueError(f"jobs and n_events must be at least 1, not {jobs} and {n_events}")

    def timed(processes: int) -> float:
        if processes == 1:
            started = time.perf_counter()
            for _ in range(jobs):
                bare_heapq_loop(n_events)
            return time.perf_counter() - started
        with ProcessPoolExecutor(max_workers=2) as pool:
            # Both processes started (and warmed) before the clock starts.
            list(pool.map(bare_heapq_loop, [1, 1]))
            started = time.perf_counter()
            list(pool.map(bare_heapq_loop, [n_events] * jobs))
            return time.perf_counter() - started

    return _timed_pair(timed, first)
