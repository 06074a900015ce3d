"""Queue checks: each staffed stage as M/M/c, infinite servers, Little's law.

Each stage of the response chain is isolated in a reduced world where its
arrivals are a Poisson process and its service times are exponential:

* call-takers: every contact is a victim who reports at once, so reports
  keep the contacts' Poisson timing;
* analysts: call-takers unlimited and instant, so cases reach the analysts
  at the Poisson report times;
* patrols: call-takers and analysts unlimited, every case dispatches a unit
  with no travel time, so the unit is busy for its on-scene time alone;
* warning team: no victims at all, only the risk model's false positives,
  which the model draws as a Poisson process.

The model's mean wait, probability of waiting and mean busy servers must then
match Erlang's M/M/c formulas; waits are measured after a one-day warm-up.
Little's law (mean queue length = arrival rate x mean wait) is an identity on
any run that starts and ends with an empty queue, so it checks that the
resource monitor's time-weighted queue length and its recorded waits agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from fraudsim.model.monitor import BinnedMonitor
from fraudsim.model.world import RawRun, run_world
from fraudsim.records import resources_table
from fraudsim.verify.base import Edit, cash_out_layer_only, days_to_min, reduced, unlimited
from fraudsim.verify.erlang import MMc
from fraudsim.verify.results import CheckResult, failed, fmt, theory_in_interval

WARMUP_DAYS = 1.0
"""Left out of wait statistics: the queues start empty."""

LITTLE_TOLERANCE = 1e-6
"""Relative tolerance of Little's law, an exact identity on a run that empties."""


@dataclass(frozen=True)
class Stage:
    """A staffed stage reduced to an M/M/c queue.

    Attributes:
        resource: The resource's name in results (``analysts``).
        queue: The M/M/c queue the reduction must behave as.
        arrivals: Overrides that make the stage's arrivals a Poisson process.
        unlimited: Teams made unlimited (so that they do not shape arrivals).
    """

    resource: str
    queue: MMc
    arrivals: tuple[str, ...]
    unlimited: tuple[str, ...]

    def overrides(self) -> tuple[str, ...]:
        """Return every override of the reduction: arrivals, servers, service times."""
        staff, service = _SERVICE[self.resource]
        mean = self.queue.service_mean_min
        return (
            *self.arrivals,
            f"{staff}={self.queue.servers}",
            f'{service}={{kind="exponential",mean={mean}}}',
        )


_SERVICE = {
    "call_takers": ("response.call_takers.staff", "response.call_takers.handling_min"),
    "analysts": ("response.analysts.staff", "response.analysts.handling_min"),
    "patrols": ("response.patrols.staff", "response.patrols.on_scene_min"),
    "warning_team": ("early_warning.team.staff", "early_warning.call_min"),
}
"""Where each stage's number of servers and service time are set."""


def _reports(per_hour: float) -> tuple[str, ...]:
    """Overrides making every contact a victim who reports at once, at ``per_hour``."""
    return (f"contacts.rate_per_hour={per_hour}", "scam_types.plain.report_prob=1")


_INSTANT_CALLS = "response.call_takers.handling_min=0"

STAGES = (
    Stage("call_takers", MMc(15 / 60, 5.0, 2), _reports(15), ("analysts",)),
    Stage("analysts", MMc(6 / 60, 20.0, 3), (*_reports(6), _INSTANT_CALLS), ("call_takers",)),
    Stage(
        "patrols",
        MMc(4 / 60, 30.0, 3),
        (*_reports(4), _INSTANT_CALLS, "response.patrols.dispatch_prob=1",
         "response.patrols.travel_min=0"),
        ("call_takers", "analysts"),
    ),
    Stage(
        "warning_team",
        MMc(30 / 60, 6.0, 4),
        ("early_warning.enabled=true", "early_warning.false_positives_per_hour=30"),
        (),
    ),
)
"""The four staffed stages and the M/M/c queue each must behave as."""


@dataclass(frozen=True)
class StageRun:
    """What one replication of a stage gave.

    Attributes:
        waits: Queue waits (minutes) of jobs that started after the warm-up.
        busy: Time-average busy servers between the warm-up and the horizon.
        resources: The run's resource table.
    """

    waits: np.ndarray[Any, np.dtype[np.float64]]
    busy: float
    resources: pa.Table


def _monitor(run: RawRun, name: str) -> BinnedMonitor:
    return next(m for m in run.monitors if m.name == name)


def waits_after(monitor: BinnedMonitor, start_min: float) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Return the waits of jobs that started service at or after ``start_min``.

    Waits are recorded in start order and each bin counts its starts, so the
    waits of the bins before the cut are the first ones of the list.
    """
    first_bin = math.ceil(start_min / monitor.bin_min)
    skip = monitor.starts_before(first_bin)
    return np.asarray(monitor.waits[skip:], dtype=np.float64)


def _mean_busy(resources: pa.Table, name: str, start_min: float, end_min: float) -> float:
    rows = resources.filter(pa.compute.equal(resources.column("resource"), name)).to_pylist()
    kept = [r for r in rows if r["bin_start_min"] >= start_min and r["bin_end_min"] <= end_min]
    width = float(sum(r["bin_end_min"] - r["bin_start_min"] for r in kept))
    busy = float(sum(r["mean_busy"] * (r["bin_end_min"] - r["bin_start_min"]) for r in kept))
    return busy / width


def stage_run(base: dict[str, Any], stage: Stage, replication: int) -> StageRun:
    """Run one replication of a stage's reduced world."""
    edits: list[Edit] = [cash_out_layer_only]
    if stage.unlimited:
        edits.append(unlimited(*stage.unlimited))
    scenario = reduced(base, stage.overrides(), *edits)
    run = run_world(scenario, replication=replication)
    resources = resources_table(run)
    start = days_to_min(WARMUP_DAYS)
    horizon = days_to_min(scenario.time.horizon_days)
    waits = waits_after(_monitor(run, stage.resource), start)
    return StageRun(waits, _mean_busy(resources, stage.resource, start, horizon), resources)


def mmc_checks(stage: Stage, runs: list[StageRun]) -> list[CheckResult]:
    """Compare a stage's replications with Erlang C: P(wait), mean wait, busy servers."""
    q, name = stage.queue, stage.resource
    waited = [float((r.waits > 0).mean()) for r in runs]
    mean_wait = [float(r.waits.mean()) for r in runs]
    busy = [r.busy for r in runs]
    return [
        theory_in_interval("M/M/c P(wait)", name, waited, q.prob_wait(), ""),
        theory_in_interval("M/M/c mean wait", name, mean_wait, q.mean_wait_min(), "min"),
        theory_in_interval("M/M/c busy servers", name, busy, q.offered_load, ""),
    ]


def little_check(name: str, resources: pa.Table) -> CheckResult:
    """Check L = lambda x W on the whole run of one resource.

    ``L`` is the time-average queue length from the resource table, ``lambda``
    its arrivals per minute and ``W`` the mean wait of the jobs served.
    """
    rows = resources.filter(pa.compute.equal(resources.column("resource"), name)).to_pylist()
    if not sum(r["arrivals"] for r in rows):
        # 0 = 0 would pass without testing anything: a stage nobody reached fails.
        return CheckResult("Little's law L = λW", name, "jobs arriving", "no job arrived",
                           f"equal within {LITTLE_TOLERANCE:g} (rel.)", False)
    span = sum(r["bin_end_min"] - r["bin_start_min"] for r in rows)
    length = sum(r["mean_queue"] * (r["bin_end_min"] - r["bin_start_min"]) for r in rows) / span
    arrivals = sum(r["arrivals"] for r in rows)
    starts = sum(r["starts"] for r in rows)
    waited = sum(r["mean_wait_min"] * r["starts"] for r in rows if r["starts"])
    lam_w = arrivals / span * (waited / starts if starts else 0.0)
    ok = abs(length - lam_w) <= LITTLE_TOLERANCE * max(length, lam_w) + 1e-12
    return CheckResult(
        "Little's law L = λW",
        name,
        f"λW = {fmt(lam_w)}",
        f"L = {fmt(length)}",
        f"equal within {LITTLE_TOLERANCE:g} (rel.)",
        bool(ok and arrivals == starts),
    )


def queue_checks(base: dict[str, Any], replications: int) -> list[CheckResult]:
    """Run every stage's reduction and return its M/M/c and Little's law rows."""
    rows: list[CheckResult] = []
    for stage in STAGES:
        try:
            runs = [stage_run(base, stage, r) for r in range(replications)]
        except Exception as err:  # a broken model must show as a failed row
            rows.append(failed("M/M/c", stage.resource, err))
            continue
        rows += mmc_checks(stage, runs)
        rows.append(little_check(stage.resource, runs[0].resources))
    return rows


def infinite_server_checks(base: dict[str, Any]) -> list[CheckResult]:
    """With every team unlimited nobody ever waits and no queue ever forms."""
    overrides = (
        *_reports(30),
        "response.patrols.dispatch_prob=1",
        "early_warning.enabled=true",
        "early_warning.false_positives_per_hour=30",
        "time.horizon_days=2",
    )
    names = ("call_takers", "analysts", "patrols", "warning_team")
    try:
        scenario = reduced(base, overrides, cash_out_layer_only, unlimited(*names))
        run = run_world(scenario)
        table = resources_table(run)
    except Exception as err:
        return [failed("infinite servers", ", ".join(names), err)]
    rows = []
    for name in names:
        mon = _monitor(run, name)
        sub = table.filter(pa.compute.equal(table.column("resource"), name))
        worst_wait = max(mon.waits, default=0.0)
        worst_queue = max(sub.column("max_queue").to_pylist(), default=0)
        rows.append(CheckResult(
            "infinite servers: no wait",
            name,
            "wait 0, queue 0",
            f"max wait {fmt(worst_wait, 'min')}, max queue {worst_queue} ({len(mon.waits)} jobs)",
            "exactly 0",
            worst_wait == 0 and worst_queue == 0 and len(mon.waits) > 0,
        ))
    return rows
