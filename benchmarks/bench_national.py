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
the runs themselves are functions of ``benchmarks/national_runs.py``,
``benchmarks/sweep_runs.py`` and ``benchmarks/bare_loops.py``, printed by
``benchmarks/national_report.py``.
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
from typing import Any

# Sibling modules: the script's own directory is first on sys.path.
from national_report import (
    print_memory_checks,
    print_phases,
    print_scaling,
    print_sweep,
    print_year,
)
from national_runs import (
    MAX_RUNS,
    SCALING_SECONDS,
    check_windows,
    measure,
    memory_by_replication,
    phase_windows,
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
