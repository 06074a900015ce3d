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
* a bare heapq event loop with 1,000 pending entries timed in ten probes
  of 200,000 events, one after each tenth of the run, in the run's process
  (their time left out of the run's): the machine's pace at the minutes
  the model ran, whose median the model's speed is set against; then the
  bare loop over the same number of events as the run, twice: with 1000
  pending entries, and with as many pending entries as the model's mean
  queue (heapq's cost grows with the heap's size); and the model's speed as
  a ratio of each. Beside each, the same loop run through the model's own
  event kernel (``fraudsim.model.kernel.Clock``, with a trivial handler
  that schedules the next happening): its speed against the bare loop's is
  the kernel's cost, and the model's against it the model's own work;
* a scaling table from 10 thousand to 1 million cases (``--sizes``): runs,
  the median run's wall time, time per case and its ratio to the first
  size, events per case, time per event (all a size's runs added up; see
  below), mean pending happenings and the runs' peak memory. Growth in time
  per case comes either from more work per case (events per case; short
  runs cut late reporters off at the horizon, so they do less per case) or
  from slower events (time per event). ``--drain-days`` sets the drain of
  every run of the table;
* time per event in windows of one run of the year (``--phases``: five
  days from day 0 and from day 100 by default), each window timed in
  ``--repeats`` runs of their own: the first days, before reports,
  stop-payments and tracing have built up to their steady load, against
  days of the steady load. A short run (the scaling table's 10 thousand
  cases) is all first days, so part of the growth of time per case with
  the run's size shows here within one run;
* memory across the replications of a sweep (``--memory-reps`` runs of
  ``--memory-days`` each, in one process): current and peak resident memory
  after each replication, run through ``fraudsim.simulate`` in a loop and
  through the sweep runner in this process (``workers=1``), and the growth
  from the second replication to the last. Memory should not grow with the
  number of replications;
* the speed-up of a 16-replication sweep with 2 worker processes over 1
  (``--sweep-days`` of the national year per replication), and beside each
  timing the machine's own speed-up of 16 bare-loop jobs on 2 processes
  (``benchmarks/sweep_runs.py``): on a shared machine the second core is
  not always a whole one, and then no sweep runner reaches x2.

This machine's timings vary by a tenth or more from run to run, and a
short run more so: its pace swings by half within seconds (a bare loop
timed for a fifth of a second, again and again, gave 0.6 to 1.6 million
events per second), which a one-minute run averages out and a
half-second run does not. So every size of the scaling table runs at
least ``--repeats`` times and, if its runs are short, as often as adds up
to about ``--scaling-seconds`` (at most 40 runs), in rounds (the first
runs every size once, each later one every size its share of the runs
left, so that a slow spell falls on all sizes alike). The table's time
per case and per event are those of all a size's runs added up (the
machine's mean pace over them, as a long run's own are), with the median
run and the range beside them. The sweep is timed ``--sweep-repeats``
times, each timing running 1 and 2 workers in turn (1 first, then 2
first, and so on, so that a drift of the machine's speed favours
neither); the median speed-up is printed, and beside it the speed-up of
all timings added up (total 1-worker time over total 2-worker time), as
the scaling table adds up its runs, with its 95% bootstrap interval over
the timings: whether the aim is met, missed or not settled by them.
With the default flags the
whole script takes 5 to 12 minutes compiled and 33 to 46 in Python on
this project's machine, with its pace (38 to 46 in Python with the
present scaling table).

Flags:

* ``--days D``: simulated days of contacts of the single replication (365).
* ``--sizes N,N,...``: case counts of the scaling table ('' to skip).
* ``--drain-days X``: override ``time.drain_days`` in every run of the
  scaling table (default: the scenario's own). A longer drain lets every
  case of a short run play out, so per-case work is the same at every size.
* ``--phases D,D,...``: first days of the windows of one run ('0,100';
  '' to skip); ``--phase-length D``: days each lasts (5).
* ``--memory-reps N``: replications of the memory check (8; 0 to skip).
* ``--memory-days D``: simulated days of contacts per replication of the
  memory check (0.365).
* ``--sweep-days D``: days of contacts per replication of the sweep
  speed-up (3.65; 0 to skip).
* ``--repeats N``: runs of each size of the scaling table (at least) and
  of each window (3).
* ``--scaling-seconds S``: seconds of runs each size of the scaling table
  adds up to, about (20; 0 for ``--repeats`` runs of each size).
* ``--sweep-repeats N``: timings of the sweep speed-up (10).

Each measurement runs in its own process so that peak memory is its own;
the runs themselves are functions of ``benchmarks/national_runs.py`` and
``benchmarks/sweep_runs.py``.
The first line names the engine measured, and its event queue (``CQueue``
in C, or ``PyQueue``): ``compiled`` after the README's
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
import json
import statistics
from typing import Any

# A sibling module: the script's own directory is first on sys.path.
from national_runs import (
    MAX_RUNS,
    SCALING_SECONDS,
    MemoryRow,
    bare_heapq_loop,
    check_windows,
    clock_loop,
    in_subprocess,
    measure,
    median_run,
    memory_by_replication,
    memory_in_subprocess,
    phase_windows,
    phases_in_subprocess,
    pooled,
    scaling_runs,
)
from sweep_runs import machine_speedup, pooled_speedup, speedup_interval, sweep_speedup


def print_memory(mode: str, reps: int, days: float) -> None:
    """Run the memory check ``mode`` in a new process and print its table."""
    out = memory_in_subprocess(mode, reps, days)
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


PROBE_EVENTS = 200_000
"""Events of each probe of the bare loop during the year (about a fifth of a second here)."""


def print_year(days: float) -> None:
    """Run one replication of ``days`` in a new process; print its figures and the bare loops'."""
    from fraudsim.engine import engine
    from fraudsim.model.kernel import default_queue

    m = in_subprocess(days, probe_events=PROBE_EVENTS)
    wall = m["wall_s"]
    queue = default_queue().__name__
    print(f"engine: {engine()}, event queue {queue} (see README, The compiled engine)")
    print(f"national year, {days:g} days of contacts, one replication, one core")
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
    probes = sorted(m["probes"])
    if probes:
        bare = statistics.median(probes)
        print(
            f"  bare heapq loop      {bare:10,.0f} events per s   (1,000 pending; median of "
            f"{len(probes)} probes of {PROBE_EVENTS:,} events, one after each tenth of the run:"
            f" {probes[0]:,.0f} to {probes[-1]:,.0f})"
        )
        print(f"    ratio model / bare {model_rate / bare:10.2f}")
    for pending, note in ((1000, ""), (round(m["mean_pending"]), ", the model's mean")):
        bare = bare_heapq_loop(int(m["events"]), pending)
        print(
            f"  bare heapq loop      {bare:10,.0f} events per s   "
            f"({pending:,} pending{note}; after the run, as many events)"
        )
        print(f"    ratio model / bare {model_rate / bare:10.2f}")
        kernel = clock_loop(int(m["events"]), pending)
        print(f"  clock loop           {kernel:10,.0f} events per s   (the same, model's clock)")
        print(f"    ratio clock / bare {kernel / bare:10.2f}")
        print(f"    ratio model / clock{model_rate / kernel:10.2f}")


def print_scaling(
    sizes: list[int], repeats: int, drain_days: float | None, seconds: float
) -> None:
    """Run the scaling table (every size in rounds, short ones more often) and print it."""
    drain = "the scenario's drain" if drain_days is None else f"drain {drain_days:g} days"
    print(f"\ntime per case by size ({drain}; all runs of a size added up)")
    print(
        f"  {'cases':>10}  {'runs':>4}  {'wall s':>8}  {'us/case':>8}  {'x':>5}  "
        f"{'events/case':>11}  {'us/event':>8}  {'pending':>9}  {'peak MiB':>8}"
    )
    base = None
    by_size = scaling_runs(sizes, repeats, drain_days, seconds)
    for n in sizes:
        runs = by_size[n]
        r, total = median_run(runs), pooled(runs)
        per_case = total["wall_s"] / total["cases"] * 1e6
        base = base or per_case
        each = sorted(x["wall_s"] / x["cases"] * 1e6 for x in runs)
        spread = (
            f"  (median {statistics.median(each):.1f}, {each[0]:.1f} to {each[-1]:.1f})"
            if len(runs) > 1
            else ""
        )
        print(
            f"  {r['cases']:>10,.0f}  {len(runs):>4}  {r['wall_s']:8.1f}  {per_case:8.1f}  "
            f"{per_case / base:5.2f}  {total['events'] / total['cases']:11.1f}  "
            f"{total['wall_s'] / total['events'] * 1e6:8.2f}  {r['mean_pending']:9,.0f}  "
            f"{max(x['peak_mib'] for x in runs):8,.0f}{spread}"
        )


def print_phases(starts: list[float], length: float, repeats: int, days: float) -> None:
    """Time the windows of one run ``repeats`` times, each in a new process; print them."""
    print(f"\ntime per event by window of one run ({length:g} days each, {repeats} runs)")
    print(f"  {'from day':>8}  {'events':>9}  {'us/event':>8}  {'x':>5}  {'pending':>9}")
    runs = [phases_in_subprocess(starts, length, days) for _ in range(repeats)]
    base = None
    for k, start in enumerate(starts):
        windows = [run[k] for run in runs]
        per_event = sorted(w["wall_s"] / w["events"] * 1e6 for w in windows if w["events"])
        if not per_event:
            print(f"  {start:8g}  {0:9,}  (no events)")
            continue
        mid = statistics.median(per_event)
        base = base or mid
        spread = f"  ({per_event[0]:.2f} to {per_event[-1]:.2f})" if len(per_event) > 1 else ""
        print(
            f"  {start:8g}  {windows[0]['events']:9,.0f}  {mid:8.2f}  {mid / base:5.2f}  "
            f"{windows[0]['pending']:9,.0f}{spread}"
        )


def print_memory_checks(reps: int, days: float) -> None:
    """Print resident memory over ``reps`` replications, through simulate and the sweep runner."""
    print(
        f"\nmemory across {reps} replications of {days:g} days "
        "of contacts (all in one process per check)"
    )
    print_memory("simulate", reps, days)
    if reps >= 2:  # a sweep needs 2 replications at least
        print_memory("sweep", reps, days)


def print_sweep(days: float, repeats: int) -> None:
    """Time a 16-replication sweep with 1 and 2 workers ``repeats`` times; print the speed-ups.

    The order alternates (1 worker first, then 2 workers first, ...): a
    machine that slows down or speeds up over the timings then favours
    neither worker count. Each timing is followed, in the same order, by
    the machine's own speed-up of 16 bare-loop jobs on 2 processes
    (``sweep_runs.machine_speedup``): what this machine gave two processes
    at that moment. With more than one timing, the median speed-up and the
    speed-up of all timings added up (``sweep_runs.pooled_speedup``) follow,
    each with the machine's beside it, and the added-up speed-up's 95%
    bootstrap interval over the timings (``sweep_runs.speedup_interval``).
    """
    print(f"\nsweep of 16 replications ({days:g} days each)")
    timings: list[tuple[float, float]] = []
    bare_timings: list[tuple[float, float]] = []
    firsts: list[int] = []  # the worker count timed first, timing by timing
    for r in range(repeats):
        first = 1 if r % 2 == 0 else 2
        one, two = sweep_speedup(days, first=first)
        bare_one, bare_two = machine_speedup(first=first)
        timings.append((one, two))
        bare_timings.append((bare_one, bare_two))
        firsts.append(first)
        print(
            f"  1 worker {one:6.1f} s   2 workers {two:6.1f} s   speed-up x{one / two:4.2f}"
            f"   ({first} first)   machine x{bare_one / bare_two:4.2f}"
        )
    if repeats > 1:
        median = statistics.median(one / two for one, two in timings)
        bare_median = statistics.median(one / two for one, two in bare_timings)
        print(
            f"  median speed-up x{median:4.2f}"
            f"   (machine, 16 bare-loop jobs on 2 processes: x{bare_median:4.2f})"
        )
        one_s, two_s = (sum(t[k] for t in timings) for k in (0, 1))
        print(
            f"  all timings added up: 1 worker {one_s:6.1f} s   2 workers {two_s:6.1f} s"
            f"   speed-up x{pooled_speedup(timings):4.2f}"
            f"   (machine x{pooled_speedup(bare_timings):4.2f})"
        )
        # Each order apart: a bias of the order (a spell of the machine that
        # favours the worker count run first or second) shows as a gap
        # between the two, and an even count of timings weighs both alike.
        def of_order(all_timings: list[tuple[float, float]], first: int) -> float:
            chosen = [t for t, f in zip(all_timings, firsts, strict=True) if f == first]
            return pooled_speedup(chosen)

        by_order = "   ".join(
            f"{first} first x{of_order(timings, first):4.2f}"
            f" (machine x{of_order(bare_timings, first):4.2f})"
            for first in (1, 2)
        )
        print(f"  added up by the worker count timed first: {by_order}")
        low, high = speedup_interval(timings)
        bare_low, bare_high = speedup_interval(bare_timings)
        print(
            f"  95% interval of the added-up speed-up (bootstrap over the {repeats} timings):"
            f" x{low:4.2f} to x{high:4.2f}   (machine x{bare_low:4.2f} to x{bare_high:4.2f})"
        )


def parser() -> argparse.ArgumentParser:
    """Return the script's command-line parser (see the module docstring for the flags)."""
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--days", type=float, default=365.0, help="simulated days of contacts")
    p.add_argument(
        "--sizes",
        default="10000,100000,1000000",
        help="case counts for the scaling table ('' to skip)",
    )
    p.add_argument(
        "--drain-days",
        type=float,
        default=None,
        help="time.drain_days of every run of the scaling table (default: the scenario's); "
        "a longer drain lets every case of a short run play out, so per-case work is "
        "the same at every size",
    )
    p.add_argument(
        "--phases",
        default="0,100",
        help="first days of the windows of one run, in increasing order ('' to skip)",
    )
    p.add_argument("--phase-length", type=float, default=5.0, help="days each window lasts")
    p.add_argument(
        "--memory-reps",
        type=int,
        default=8,
        help="replications of the memory check, in one process (0 to skip)",
    )
    p.add_argument(
        "--memory-days",
        type=float,
        default=0.365,
        help="days of contacts per replication of the memory check",
    )
    p.add_argument(
        "--sweep-days",
        type=float,
        default=3.65,
        help="days of contacts per replication in the sweep test (0 to skip)",
    )
    p.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="runs of each size of the scaling table and of each window",
    )
    p.add_argument(
        "--scaling-seconds",
        type=float,
        default=SCALING_SECONDS,
        help="seconds of runs each size of the scaling table adds up to, about "
        f"(short sizes run more often, up to {MAX_RUNS} times; 0: --repeats runs each)",
    )
    p.add_argument(
        "--sweep-repeats",
        type=int,
        default=10,
        help="timings of the sweep, each with 1 and 2 workers in alternating order",
    )
    # A measurement run in a child process (see national_runs.run_child).
    p.add_argument("--child", type=float, help=argparse.SUPPRESS)
    p.add_argument("--child-drain", type=float, help=argparse.SUPPRESS)
    p.add_argument("--child-probe", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--child-memory", choices=["simulate", "sweep"], help=argparse.SUPPRESS)
    p.add_argument("--child-phases", action="store_true", help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> None:
    """Print the benchmark's figures, or, in a child process, one measurement as JSON."""
    p = parser()
    args = p.parse_args(argv)
    if args.repeats < 1:
        p.error("--repeats must be at least 1")
    if args.scaling_seconds < 0:
        p.error("--scaling-seconds cannot be negative")
    if args.sweep_repeats < 1:
        p.error("--sweep-repeats must be at least 1")
    try:
        starts = [float(x) for x in args.phases.split(",") if x]
        check_windows(starts, args.phase_length)
    except ValueError as err:
        p.error(f"--phases {args.phases!r}, --phase-length {args.phase_length:g}: {err}")
    if args.child is not None:
        print(json.dumps(measure(args.child, args.child_drain, args.child_probe)))
        return
    if args.child_phases:  # the windows of --phases, parsed and checked above
        print(json.dumps(phase_windows(starts, args.phase_length, args.days)))
        return
    if args.child_memory is not None:
        out: Any = memory_by_replication(args.child_memory, args.memory_reps, args.memory_days)
        print(json.dumps(out))
        return
    print_year(args.days)
    sizes = [int(x) for x in args.sizes.split(",") if x]
    if sizes:
        print_scaling(sizes, args.repeats, args.drain_days, args.scaling_seconds)
    if starts:
        print_phases(starts, args.phase_length, args.repeats, args.days)
    if args.memory_reps > 0:
        print_memory_checks(args.memory_reps, args.memory_days)
    if args.sweep_days > 0:
        print_sweep(args.sweep_days, args.sweep_repeats)


if __name__ == "__main__":
    main()
