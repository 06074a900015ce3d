"""The parts of ``bench_national.py``'s printout: each runs its measurement and prints it.

Each ``print_*`` function runs one part of the benchmark (most in a child
process of its own, see ``national_runs.py``) and prints its lines; the
script's docstring says what each figure means, and its ``main`` chooses
the parts from the flags.
"""

from __future__ import annotations

import statistics

# Sibling modules: the script's own directory is first on sys.path.
from bare_loops import bare_heapq_loop, clock_loop
from national_runs import (
    MemoryRow,
    in_subprocess,
    median_run,
    memory_in_subprocess,
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
