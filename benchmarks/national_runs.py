"""The runs behind ``bench_national.py``: one replication, its phases, memory, scaling.

Each function measures one thing and returns numbers; the script
(``benchmarks/bench_national.py``) runs them, most in a child process of
their own so that peak memory is their own, and prints the table. See the
script's docstring for what each figure means.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# A sibling module: the script's own directory is first on sys.path.
from bare_loops import bare_heapq_loop

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "national-year.toml"
SCRIPT = Path(__file__).resolve().with_name("bench_national.py")
"""The benchmark's script, which runs each measurement in a child process of its own."""
CASES_PER_DAY = 1_000_000 / 365  # the scenario's design load
MEMORY_SWEEP_GRID = {"response.analysts.triage": ["largest_first"]}  # one point: N replications
"""Grid of the sweep-runner memory check: a single point, so the runs are its replications."""

MemoryRow = tuple[int, int, float, float]
"""One row of the memory check: (run, replication, current RSS MiB, peak RSS MiB)."""


def current_rss_mib() -> float:
    """Return this process's resident memory now, in MiB.

    Read from ``/proc/self/statm`` (second field: resident pages) times the
    page size; ``ru_maxrss`` is only the peak so far.
    """
    with open("/proc/self/statm") as f:
        resident_pages = int(f.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mib() -> float:
    """Return this process's peak resident memory so far, in MiB.

    ``ru_maxrss`` (KiB on Linux), or the current resident memory if higher:
    the kernel updates its counters a few pages at a time, so the two can
    disagree by a fraction of a MiB.
    """
    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, current_rss_mib())


def _overrides(days: float, drain_days: float | None = None) -> list[str]:
    """Return the scenario overrides for a run of ``days`` (and a drain, if given)."""
    out = [f"time.horizon_days={days}"]
    if drain_days is not None:
        out.append(f"time.drain_days={drain_days}")
    return out


def measure(days: float, drain_days: float | None = None, probe_events: int = 0) -> dict[str, Any]:
    """Run one replication of ``days`` of the national year (in this process).

    The queue's load (``mean_pending``, ``peak_pending``, ``mean_near``)
    comes with the run's stats: the clock samples it at each of its hundred
    steps (``Clock.queue_load``), so it is measured the same way whether
    the model runs as Python or compiled.

    With ``probe_events``, the bare heapq loop (:func:`bare_heapq_loop`,
    1,000 pending) is timed over that many events after each tenth of the
    run, in the run's own process, so that the model's speed can be set
    against the machine's speed at the same minutes: this machine's pace
    drifts over a minute-long run, and a loop timed only after it can
    catch another spell. The probes' time is left out of the run's wall
    time and of its tenths.

    Args:
        days: Simulated days of contacts (``time.horizon_days``).
        drain_days: ``time.drain_days`` of the run (default: the scenario's).
        probe_events: Events of each probe of the bare loop (0: no probes).

    Returns:
        The run's stats (cases, events, money movements, queue load ...),
        its wall time (``simulate``'s own: the run and its tables, not
        reading the scenario) and peak memory, ``tenths_s``: the wall time
        of each tenth of its simulated time (see :func:`tenths`), and
        ``probes``: the bare loop's events per second at each probe.
    """
    from fraudsim import load_scenario, simulate

    scenario = load_scenario(SCENARIO, _overrides(days, drain_days))
    marks: list[float] = []
    probes: list[float] = []
    paused = 0.0  # time spent in probes so far

    def progress(minute: float) -> None:
        nonlocal paused
        now = time.perf_counter()
        marks.append(now - paused)
        if probe_events > 0 and len(marks) % 10 == 0:
            probes.append(bare_heapq_loop(probe_events))
            paused += time.perf_counter() - now

    started = time.perf_counter()
    result = simulate(scenario, progress=progress)
    return {
        "days": days,
        **result.stats,
        # simulate's own wall time (the run and its tables), probes left out.
        "wall_s": result.stats["wall_s"] - paused,
        "peak_mib": peak_rss_mib(),
        "tenths_s": tenths(started, marks),
        "probes": probes,
    }


def check_windows(starts: list[float], length: float) -> None:
    """Check the windows of :func:`phase_windows`: positive length, in order, none overlapping.

    Raises:
        ValueError: If they are not.
    """
    if not length > 0:
        raise ValueError("a window must last more than 0 days")
    if any(a < 0 for a in starts):
        raise ValueError("a window cannot start before day 0")
    if any(b < a + length for a, b in itertools.pairwise(starts)):
        raise ValueError("windows must start in increasing order, each after the last one ends")


def phase_windows(starts: list[float], length: float, days: float) -> list[dict[str, float]]:
    """Time windows of one run of ``days``: the events and wall time of each.

    The world is built and its clock run (in this process) to the start of
    each window, then through ``length`` days, timed. Comparing a window of
    the first days with one of the steady load shows how much of the
    growth in time per case with the run's size comes within one run, as
    the load builds up (see the script's docstring).

    Args:
        starts: Day each window starts (in increasing order).
        length: Days each window lasts.
        days: Simulated days of contacts of the run (``time.horizon_days``).

    Returns:
        Per window: ``start`` (day), ``events``, ``wall_s`` and ``pending``
        (happenings pending at its end).

    Raises:
        ValueError: If the windows are not as :func:`check_windows` wants.
    """
    check_windows(starts, length)
    from fraudsim import load_scenario
    from fraudsim.model.cases import MINUTES_PER_DAY
    from fraudsim.model.world import build_world, no_cyclic_gc

    scenario = load_scenario(SCENARIO, _overrides(days))
    out: list[dict[str, float]] = []
    with no_cyclic_gc():
        clock = build_world(scenario).clock
        for start in starts:
            if start * MINUTES_PER_DAY > clock.now:
                clock.run_to(start * MINUTES_PER_DAY)
            done, started = clock.events_processed, time.perf_counter()
            clock.run_to((start + length) * MINUTES_PER_DAY)
            wall = time.perf_counter() - started
            events = clock.events_processed - done
            out.append({"start": start, "events": events, "wall_s": wall, "pending": clock.pending})
    return out


def tenths(started: float, marks: list[float]) -> list[float]:
    """Return the wall time of each tenth of a run's simulated time.

    Args:
        started: When the run started (``time.perf_counter``).
        marks: When each of the clock's progress steps ended (a hundred,
            evenly spaced in simulated time).

    Returns:
        Ten durations in seconds; the first includes building the world,
        the last the drain. Empty unless there are a hundred marks.
    """
    if len(marks) != 100:
        return []
    ends = [marks[k] for k in range(9, 100, 10)]
    return [b - a for a, b in zip([started, *ends[:-1]], ends, strict=True)]


def memory_by_replication(mode: str, reps: int, days: float) -> dict[str, Any]:
    """Run ``reps`` replications in this process; record memory after each.

    Each replication's result is discarded at once (no forced garbage
    collection: what a sweep sees).

    Args:
        mode: ``"simulate"`` to call ``fraudsim.simulate(scenario,
            replication=r)`` for r = 0 .. reps-1; ``"sweep"`` to run
            ``fraudsim.sweep`` over one grid point with ``reps`` replications
            and ``workers=1`` (jobs run in this process), recording after
            each job by wrapping ``fraudsim.experiments.executors.run_job``
            in this process.
        reps: Replications to run.
        days: Simulated days of contacts per replication.

    Returns:
        ``{"start": [current MiB, peak MiB] after loading the scenario,
        "rows": [(run, replication, current MiB, peak MiB), ...]}``; no
        rows in sweep mode if the runner no longer calls ``run_job`` there.
    """
    from fraudsim import load_scenario, simulate, sweep

    scenario = load_scenario(SCENARIO, _overrides(days))
    start = [current_rss_mib(), peak_rss_mib()]
    rows: list[MemoryRow] = []
    if mode == "simulate":
        for r in range(reps):
            simulate(scenario, replication=r)  # the result is dropped at once
            rows.append((r + 1, r, current_rss_mib(), peak_rss_mib()))
    else:
        from fraudsim.experiments import executors
        from fraudsim.experiments.jobs import Job, JobResult

        original = executors.run_job  # type: ignore[attr-defined]

        def recorded(job: Job) -> JobResult:
            result = original(job)
            rows.append((len(rows) + 1, job.replication, current_rss_mib(), peak_rss_mib()))
            return result

        executors.run_job = recorded  # type: ignore[attr-defined]
        try:
            sweep(scenario, MEMORY_SWEEP_GRID, replications=reps, workers=1)
        finally:
            executors.run_job = original  # type: ignore[attr-defined]
    return {"start": start, "rows": rows}


SCALING_SECONDS = 20.0
"""Seconds of runs each size of the scaling table adds up to, about (``--scaling-seconds``)."""

MAX_RUNS = 40
"""Most runs of one size of the scaling table."""


def runs_wanted(first_wall_s: float, repeats: int, seconds: float) -> int:
    """Return how many runs a size of the scaling table gets, given its first run's wall time.

    At least ``repeats``, and as many as add up to about ``seconds``, at
    most :data:`MAX_RUNS`. This machine's pace swings by half within
    seconds: a one-minute run averages the swings out, a half-second run
    catches one or two, so a short size needs many runs for its time per
    case to be as steady as a long one's.
    """
    if seconds <= 0:
        return repeats
    if first_wall_s <= 0:
        return max(repeats, MAX_RUNS)
    return max(repeats, min(MAX_RUNS, math.ceil(seconds / first_wall_s)))


def scaling_runs(
    sizes: list[int], repeats: int, drain_days: float | None, seconds: float = 0.0
) -> dict[int, list[dict[str, Any]]]:
    """Run every size of the scaling table, in rounds; return the runs by size.

    Every size runs ``repeats`` times, or more (see :func:`runs_wanted`)
    if its first run took less than ``seconds``. The first round runs
    every size once; each later round (``repeats - 1`` of them, at least
    one if a size wants more runs) runs every size its share of the runs
    left, so that a slow spell of the machine falls on all sizes alike
    rather than on whichever size ran during it.
    """
    by_size: dict[int, list[dict[str, Any]]] = {n: [] for n in sizes}

    def run(n: int) -> None:
        by_size[n].append(in_subprocess(n / CASES_PER_DAY, drain_days))

    for n in sizes:
        run(n)
    left = {n: runs_wanted(by_size[n][0]["wall_s"], repeats, seconds) - 1 for n in sizes}
    rounds = max(repeats - 1, 1 if any(left.values()) else 0)
    for k in range(rounds):
        for n in sizes:
            # Round k's share of the runs left: they add up to left[n].
            for _ in range(left[n] * (k + 1) // rounds - left[n] * k // rounds):
                run(n)
    return by_size


def pooled(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Return a size's runs added up: ``wall_s``, ``cases`` and ``events`` of them all.

    Their ratios are the time per case and per event at the machine's mean
    pace over the runs, as a long run's own are: the median of many short
    runs would leave out the slow spells that a long run cannot.
    """
    return {key: float(sum(r[key] for r in runs)) for key in ("wall_s", "cases", "events")}


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the run of median wall time (the lower middle one of an even count)."""
    ranked = sorted(runs, key=lambda r: r["wall_s"])
    return ranked[(len(ranked) - 1) // 2]


def run_child(args: list[str]) -> Any:
    """Run the benchmark script with ``args`` in a new process; return its last line as JSON."""
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"child process {' '.join(args)} failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def in_subprocess(
    days: float, drain_days: float | None = None, probe_events: int = 0
) -> dict[str, Any]:
    """Return :func:`measure` (``days``, ``drain_days``, ``probe_events``) run in a new process."""
    args = ["--child", str(days)]
    if drain_days is not None:
        args += ["--child-drain", str(drain_days)]
    if probe_events > 0:
        args += ["--child-probe", str(probe_events)]
    out: dict[str, Any] = run_child(args)
    return out


def phases_in_subprocess(starts: list[float], length: float, days: float) -> list[dict[str, float]]:
    """Return :func:`phase_windows` run in a new process."""
    args = ["--phases", ",".join(map(str, starts)), "--phase-length", str(length)]
    out: list[dict[str, float]] = run_child([*args, "--days", str(days), "--child-phases"])
    return out


def memory_in_subprocess(mode: str, reps: int, days: float) -> dict[str, Any]:
    """Return :func:`memory_by_replication` of ``mode`` run in a new process."""
    args = ["--child-memory", mode, "--memory-reps", str(reps), "--memory-days", str(days)]
    out: dict[str, Any] = run_child(args)
    return out
