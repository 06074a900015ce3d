"""Speed and memory of one replication of the national year, and how they scale.

Prints the figures quoted for the engine's speed (one core):

* one replication of ``scenarios/national-year.toml`` (or a fraction of its
  year with ``--days``): wall time, cases, events and money movements per
  second, peak memory, and the mean number of happenings pending in the
  event queue (sampled at the run's hundred progress steps, weighted by the
  events each step processed; the peak sample is shown too), and the wall
  time of each tenth of its simulated time (after the first, which ramps
  up, the load is steady: a cost per event that grows with the run would
  show as tenths that take longer and longer);
* a bare heapq event loop over the same number of events, twice: with 1000
  pending entries, and with as many pending entries as the model's mean
  queue (heapq's cost grows with the heap's size); and the model's speed as
  a ratio of each;
* a scaling table from 10 thousand to 1 million cases (``--sizes``): wall
  time, time per case and its ratio to the first size, events per case,
  time per event, mean pending happenings and peak memory. Growth in time
  per case comes either from more work per case (events per case; short
  runs cut late reporters off at the horizon, so they do less per case) or
  from slower events (time per event). ``--drain-days`` sets the drain of
  every run of the table;
* memory across the replications of a sweep (``--memory-reps`` runs of
  ``--memory-days`` each, in one process): current and peak resident memory
  after each replication, run through ``fraudsim.simulate`` in a loop and
  through the sweep runner in this process (``workers=1``), and the growth
  from the second replication to the last. Memory should not grow with the
  number of replications;
* the speed-up of a 16-replication sweep with 2 worker processes over 1
  (``--sweep-days`` of the national year per replication).

This machine's timings vary by a tenth or more from run to run, and a
short run more so. Every size of the scaling table is run ``--repeats``
times, in rounds (each round runs every size once, so that a slow spell
falls on all sizes alike), and the table shows the median (and the
range); the sweep is timed ``--repeats`` times, 1 and 2 workers
alternately, and the median speed-up is quoted. With the default sizes
and ``--repeats`` the whole script takes about five minutes, compiled.

Flags:

* ``--days D``: simulated days of contacts of the single replication (365).
* ``--sizes N,N,...``: case counts of the scaling table ('' to skip).
* ``--drain-days X``: override ``time.drain_days`` in every run of the
  scaling table (default: the scenario's own). A longer drain lets every
  case of a short run play out, so per-case work is the same at every size.
* ``--memory-reps N``: replications of the memory check (8; 0 to skip).
* ``--memory-days D``: simulated days of contacts per replication of the
  memory check (0.365).
* ``--sweep-days D``: days of contacts per replication of the sweep
  speed-up (3.65; 0 to skip).
* ``--repeats N``: runs of each size of the scaling table, and timings of
  the sweep (3).

Each measurement runs in its own process so that peak memory is its own.
The first line names the engine measured: ``compiled`` after the README's
install on a machine with a C compiler, ``python`` without one, after
``FRAUDSIM_COMPILE=0 pip install -e '.[dev]'``, or with
``FRAUDSIM_ENGINE=python`` (which its worker processes inherit). CI does
not run this script.

    python benchmarks/bench_national.py                 # the full year and the scaling table
    python benchmarks/bench_national.py --days 36.5 --sizes 10000,100000
    python benchmarks/bench_national.py --days 0.365 --sizes 2000,5000 --sweep-days 0 \\
        --memory-reps 3 --memory-days 0.2              # a quick check of the script
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "national-year.toml"
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


def measure(days: float, drain_days: float | None = None) -> dict[str, Any]:
    """Run one replication of ``days`` of the national year (in this process).

    The queue's load (``mean_pending``, ``peak_pending``, ``mean_near``)
    comes with the run's stats: the clock samples it at each of its hundred
    steps (``Clock.queue_load``), so it is measured the same way whether
    the model runs as Python or compiled.

    Args:
        days: Simulated days of contacts (``time.horizon_days``).
        drain_days: ``time.drain_days`` of the run (default: the scenario's).

    Returns:
        The run's stats (cases, events, money movements, queue load ...),
        its wall time and peak memory, and ``tenths_s``: the wall time of
        each tenth of its simulated time (see :func:`tenths`).
    """
    from fraudsim import load_scenario, simulate

    scenario = load_scenario(SCENARIO, _overrides(days, drain_days))
    marks: list[float] = []
    started = time.perf_counter()
    result = simulate(scenario, progress=lambda minute: marks.append(time.perf_counter()))
    wall = time.perf_counter() - started
    return {
        "days": days,
        "wall_s": wall,
        "peak_mib": peak_rss_mib(),
        "tenths_s": tenths(started, marks),
        **result.stats,
    }


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


def _trivial_handler(payload: int) -> None:
    """Do nothing: the bare loop's handler."""


def bare_heapq_loop(n_events: int, pending: int = 1000) -> float:
    """Return events per second of a minimal heapq event loop with a trivial handler.

    The heap holds exactly ``pending`` entries ``(time, seq, payload)`` for
    the whole run (float time, int sequence number, int payload; initially
    spread over the next 7 time units). Each of the ``n_events`` events
    pops the earliest entry, calls a module-level do-nothing function with
    its payload, and pushes one new entry 1 to 7 time units later, so the
    heap's size never changes. This is the model kernel's inner loop
    (``heappop``, one handler call, ``heappush``) with every model cost
    taken out: no five-field entries, no SimPy event check, no work in the
    handler. Only the loop is timed, not building the heap.

    Args:
        n_events: Events to process (pops, handler calls and pushes).
        pending: Entries kept in the heap (at least 1).

    Returns:
        Events per second.
    """
    pending = max(1, pending)
    # Sorted by time, hence already a heap.
    heap: list[tuple[float, int, int]] = [(i * 7.0 / pending, i, i) for i in range(pending)]
    seq = pending
    handler: Callable[[int], None] = _trivial_handler
    pop, push = heapq.heappop, heapq.heappush
    started = time.perf_counter()
    for _ in range(n_events):
        t, _, k = pop(heap)
        handler(k)
        seq += 1
        push(heap, (t + 1.0 + (seq % 7), seq, k))
    return n_events / (time.perf_counter() - started)


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


def scaling_runs(
    sizes: list[int], repeats: int, drain_days: float | None
) -> dict[int, list[dict[str, Any]]]:
    """Run every size of the scaling table ``repeats`` times, in rounds; return the runs by size.

    Each round runs every size once, so that a slow spell of the machine
    (this one's timings drift by a tenth or more over minutes) falls on
    all sizes alike rather than on whichever size ran during it.
    """
    by_size: dict[int, list[dict[str, Any]]] = {n: [] for n in sizes}
    for _ in range(repeats):
        for n in sizes:
            by_size[n].append(in_subprocess(n / CASES_PER_DAY, drain_days))
    return by_size


def sweep_speedup(days: float, replications: int = 16) -> tuple[float, float]:
    """Return wall times of a 2-point sweep x replications with 1 and with 2 workers."""
    from fraudsim import load_scenario, sweep

    scenario = load_scenario(SCENARIO, _overrides(days))
    grid = {"response.analysts.triage": ["fifo", "largest_first"]}
    times = []
    for workers in (1, 2):
        started = time.perf_counter()
        sweep(scenario, grid, replications=replications // 2, workers=workers)
        times.append(time.perf_counter() - started)
    return times[0], times[1]


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the run of median wall time (the lower middle one of an even count)."""
    ranked = sorted(runs, key=lambda r: r["wall_s"])
    return ranked[(len(ranked) - 1) // 2]


def _child(args: list[str]) -> Any:
    """Run this script with ``args`` in a new process; return its last line as JSON."""
    proc = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"child process {' '.join(args)} failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def in_subprocess(days: float, drain_days: float | None = None) -> dict[str, Any]:
    """Return :func:`measure` of ``days`` (and ``drain_days``) run in a new process."""
    args = ["--child", str(days)]
    if drain_days is not None:
        args += ["--child-drain", str(drain_days)]
    out: dict[str, Any] = _child(args)
    return out


def print_memory(mode: str, reps: int, days: float) -> None:
    """Run the memory check ``mode`` in a new process and print its table."""
    out = _child(
        ["--child-memory", mode, "--memory-reps", str(reps), "--memory-days", str(days)]
    )
    title = "fraudsim.simulate in a loop" if mode == "simulate" else "sweep runner, workers=1"
    print(f"  {title}")
    rows: list[MemoryRow] = [tuple(r) for r in out["rows"]]
    if not rows:
        print("    no replication seen (fraudsim.experiments.executors.run_job is not called)")
        return
    print(f"    {'run':>5}  {'replication':>11}  {'current MiB':>11}  {'peak MiB':>9}")
    start_now, start_peak = out["start"]
    print(f"    {'start':>5}  {'-':>11}  {start_now:11,.1f}  {start_peak:9,.1f}")
    for run, rep, now, peak in rows:
        print(f"    {run:>5}  {rep:>11}  {now:11,.1f}  {peak:9,.1f}")
    if len(rows) >= 2:
        growth = rows[-1][2] - rows[1][2]
        per_rep = growth / (len(rows) - 2) if len(rows) > 2 else 0.0
        print(
            f"    growth from run 2 to run {len(rows)}: {growth:+,.1f} MiB "
            f"({per_rep:+,.2f} MiB per replication)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=float, default=365.0, help="simulated days of contacts")
    parser.add_argument(
        "--sizes",
        default="10000,100000,1000000",
        help="case counts for the scaling table ('' to skip)",
    )
    parser.add_argument(
        "--drain-days",
        type=float,
        default=None,
        help="time.drain_days of every run of the scaling table (default: the scenario's); "
        "a longer drain lets every case of a short run play out, so per-case work is "
        "the same at every size",
    )
    parser.add_argument(
        "--memory-reps",
        type=int,
        default=8,
        help="replications of the memory check, in one process (0 to skip)",
    )
    parser.add_argument(
        "--memory-days",
        type=float,
        default=0.365,
        help="days of contacts per replication of the memory check",
    )
    parser.add_argument(
        "--sweep-days",
        type=float,
        default=3.65,
        help="days of contacts per replication in the sweep test (0 to skip)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="runs of each size of the scaling table, and timings of the sweep",
    )
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--child-drain", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--child-memory", choices=["simulate", "sweep"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.child is not None:
        print(json.dumps(measure(args.child, args.child_drain)))
        return
    if args.child_memory is not None:
        print(json.dumps(memory_by_replication(args.child_memory, args.memory_reps,
                                               args.memory_days)))
        return

    from fraudsim.engine import engine

    m = in_subprocess(args.days)
    wall = m["wall_s"]
    print(f"engine: {engine()} (see README, The compiled engine)")
    print(f"national year, {args.days:g} days of contacts, one replication, one core")
    print(f"  wall time            {wall:10.1f} s")
    print(f"  cases                {m['cases']:10,.0f}   ({m['cases'] / wall:,.0f} per s)")
    print(f"  events               {m['events']:10,.0f}   ({m['events'] / wall:,.0f} per s)")
    print(
        f"  money movements      {m['money_movements']:10,.0f}   "
        f"({m['money_movements'] / wall:,.0f} per s)"
    )
    print(f"  peak memory          {m['peak_mib']:10,.0f} MiB")
    print(
        f"  mean pending events  {m['mean_pending']:10,.0f}   "
        f"(event-weighted over 100 steps; peak sample {m['peak_pending']:,.0f})"
    )
    print(
        f"  of which near        {m['mean_near']:10,.0f}   "
        "(due in the open bucket; the rest wait unsorted in far buckets)"
    )
    if m["tenths_s"]:
        steady = m["tenths_s"][1:9]
        print(
            "  wall time by tenth  "
            + " ".join(f"{t:.1f}" for t in m["tenths_s"])
            + " s  (the first builds the world, the last drains;"
            + f" 2nd to 9th: {min(steady):.1f} to {max(steady):.1f} s,"
            + f" 9th / 2nd x{steady[-1] / steady[0]:.2f})"
        )
    model_rate = m["events"] / wall
    for pending, note in ((1000, ""), (round(m["mean_pending"]), ", the model's mean")):
        bare = bare_heapq_loop(int(m["events"]), pending)
        print(f"  bare heapq loop      {bare:10,.0f} events per s   ({pending:,} pending{note})")
        print(f"    ratio model / bare {model_rate / bare:10.2f}")

    sizes = [int(x) for x in args.sizes.split(",") if x]
    if sizes:
        drain = "the scenario's drain" if args.drain_days is None else (
            f"drain {args.drain_days:g} days"
        )
        print(f"\ntime per case by size ({drain})")
        print(
            f"  {'cases':>10}  {'wall s':>8}  {'us/case':>8}  {'x':>5}  {'events/case':>11}  "
            f"{'us/event':>8}  {'pending':>9}  {'peak MiB':>8}"
        )
        base = None
        by_size = scaling_runs(sizes, args.repeats, args.drain_days)
        for n in sizes:
            runs = by_size[n]
            repeats = len(runs)
            r = median_run(runs)
            per_case = r["wall_s"] / r["cases"] * 1e6
            base = base or per_case
            walls = sorted(x["wall_s"] / x["cases"] * 1e6 for x in runs)
            spread = f"  ({walls[0]:.1f} to {walls[-1]:.1f}, {repeats} runs)" if repeats > 1 else ""
            print(
                f"  {r['cases']:>10,.0f}  {r['wall_s']:8.1f}  {per_case:8.1f}  "
                f"{per_case / base:5.2f}  {r['events'] / r['cases']:11.1f}  "
                f"{r['wall_s'] / r['events'] * 1e6:8.2f}  {r['mean_pending']:9,.0f}  "
                f"{r['peak_mib']:8,.0f}{spread}"
            )

    if args.memory_reps > 0:
        print(
            f"\nmemory across {args.memory_reps} replications of {args.memory_days:g} days "
            "of contacts (all in one process per check)"
        )
        print_memory("simulate", args.memory_reps, args.memory_days)
        if args.memory_reps >= 2:  # a sweep needs 2 replications at least
            print_memory("sweep", args.memory_reps, args.memory_days)

    if args.sweep_days > 0:
        print(f"\nsweep of 16 replications ({args.sweep_days:g} days each)")
        ratios = []
        for _ in range(args.repeats):
            one, two = sweep_speedup(args.sweep_days)
            ratios.append(one / two)
            print(f"  1 worker {one:6.1f} s   2 workers {two:6.1f} s   speed-up x{one / two:4.2f}")
        if len(ratios) > 1:
            print(f"  median speed-up x{statistics.median(ratios):4.2f}")


if __name__ == "__main__":
    main()
