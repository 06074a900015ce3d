"""Speed and memory of one replication of the national year, and how they scale.

Prints the figures quoted for the engine's speed (one core):

* one replication of ``scenarios/national-year.toml`` (or a fraction of its
  year with ``--days``): wall time, cases, events and money movements per
  second, peak memory;
* a bare heapq event loop over the same number of events, and the ratio;
* time per case from 10 thousand to 1 million cases (``--sizes``);
* the speed-up of a 16-replication sweep with 2 worker processes over 1
  (``--sweep-days`` of the national year per replication).

Each measurement runs in its own process so that peak memory is its own.
CI does not run this script.

    python benchmarks/bench_national.py                 # the full year and the scaling table
    python benchmarks/bench_national.py --days 36.5 --sizes 10000,100000
"""

from __future__ import annotations

import argparse
import heapq
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "national-year.toml"
CASES_PER_DAY = 1_000_000 / 365  # the scenario's design load


def measure(days: float) -> dict[str, float]:
    """Run one replication of ``days`` of the national year (in this process)."""
    from fraudsim import load_scenario, simulate

    scenario = load_scenario(SCENARIO, [f"time.horizon_days={days}"])
    started = time.perf_counter()
    result = simulate(scenario)
    wall = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"days": days, "wall_s": wall, "peak_mib": peak_mib, **result.stats}


def bare_heapq_loop(n_events: int) -> float:
    """Return events per second of a minimal heapq event loop with trivial handlers."""
    heap: list[tuple[float, int, int]] = []
    seq = 0
    for i in range(1000):
        heap.append((float(i), i, 0))
    seq = 1000
    heapq.heapify(heap)
    done = 0
    started = time.perf_counter()
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        t, _, k = pop(heap)
        done += 1
        if done + len(heap) <= n_events:
            seq += 1
            push(heap, (t + 1.0 + (seq % 7), seq, k))
    return done / (time.perf_counter() - started)


def sweep_speedup(days: float, replications: int = 16) -> tuple[float, float]:
    """Return wall times of a 2-point sweep x replications with 1 and with 2 workers."""
    from fraudsim import load_scenario, sweep

    scenario = load_scenario(SCENARIO, [f"time.horizon_days={days}"])
    grid = {"response.analysts.triage": ["fifo", "largest_first"]}
    times = []
    for workers in (1, 2):
        started = time.perf_counter()
        sweep(scenario, grid, replications=replications // 2, workers=workers)
        times.append(time.perf_counter() - started)
    return times[0], times[1]


def in_subprocess(days: float) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(days)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=float, default=365.0, help="simulated days of contacts")
    parser.add_argument(
        "--sizes",
        default="10000,100000,1000000",
        help="case counts for the scaling table ('' to skip)",
    )
    parser.add_argument(
        "--sweep-days",
        type=float,
        default=3.65,
        help="days of contacts per replication in the sweep test (0 to skip)",
    )
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(measure(args.child)))
        return

    m = in_subprocess(args.days)
    wall = m["wall_s"]
    print(f"national year, {args.days:g} days of contacts, one replication, one core")
    print(f"  wall time            {wall:10.1f} s")
    print(f"  cases                {m['cases']:10,.0f}   ({m['cases'] / wall:,.0f} per s)")
    print(f"  events               {m['events']:10,.0f}   ({m['events'] / wall:,.0f} per s)")
    print(
        f"  money movements      {m['money_movements']:10,.0f}   "
        f"({m['money_movements'] / wall:,.0f} per s)"
    )
    print(f"  peak memory          {m['peak_mib']:10,.0f} MiB")
    bare = bare_heapq_loop(int(m["events"]))
    print(f"  bare heapq loop      {bare:10,.0f} events per s")
    print(f"  ratio model / bare   {m['events'] / wall / bare:10.2f}")

    sizes = [int(x) for x in args.sizes.split(",") if x]
    if sizes:
        print("\ntime per case by size")
        base = None
        for n in sizes:
            r = in_subprocess(n / CASES_PER_DAY)
            per_case = r["wall_s"] / r["cases"] * 1e6
            base = base or per_case
            print(
                f"  {r['cases']:>10,.0f} cases  {r['wall_s']:8.1f} s  {per_case:8.1f} us/case  "
                f"x{per_case / base:4.2f}  peak {r['peak_mib']:,.0f} MiB"
            )

    if args.sweep_days > 0:
        one, two = sweep_speedup(args.sweep_days)
        print(f"\nsweep of 16 replications ({args.sweep_days:g} days each)")
        print(f"  1 worker {one:6.1f} s   2 workers {two:6.1f} s   speed-up x{one / two:4.2f}")


if __name__ == "__main__":
    main()
