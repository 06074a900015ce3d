"""The Python API: load a scenario, simulate it, get tables back.

The command line is a thin front over these functions::

    import fraudsim
    scenario = fraudsim.load_scenario("scenarios/xiamen-2023.toml")
    result = fraudsim.simulate(scenario, seed=1)
    result.cases.to_pandas()          # one row per case
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa

from fraudsim.metrics import Metric, summarise
from fraudsim.model.world import AccountState, TraceEvent, no_cyclic_gc, run_world
from fraudsim.records import cases_table, resources_table, waits_by_resource
from fraudsim.scenario.schema import Scenario


@dataclass(frozen=True)
class SimulationResult:
    """Everything one run produces.

    Attributes:
        scenario: The scenario that was run.
        seed: The root seed used.
        replication: The replication number.
        cases: One row per case (see the README for the columns).
        resources: Queue length and utilisation per resource and time bin.
        summary: Headline metrics.
        trace: Timeline of the traced case (empty unless one was traced).
        tree: Money-tree edges of the traced case: (minute, from, to, fen).
        tree_status: Final state of each account in the traced case's tree.
        stats: Run statistics: wall time, cases, events processed, money
            movements, simulated minutes, and the event queue's load
            (``mean_pending``, ``peak_pending``, ``mean_near``: see
            :meth:`fraudsim.model.kernel.Clock.queue_load`).
    """

    scenario: Scenario
    seed: int
    replication: int
    cases: pa.Table
    resources: pa.Table
    summary: list[Metric]
    trace: list[TraceEvent] = field(default_factory=list)
    tree: list[tuple[float, str, str, int]] = field(default_factory=list)
    tree_status: dict[str, AccountState] = field(default_factory=dict)
    stats: dict[str, float] = field(default_factory=dict)

    def summary_table(self) -> pa.Table:
        """Return the summary as a table (metric, value, unit)."""
        return pa.table(
            {
                "metric": [m.metric for m in self.summary],
                "value": [m.value for m in self.summary],
                "unit": [m.unit for m in self.summary],
            }
        )

    def metric(self, name: str) -> float:
        """Return one headline metric by name."""
        for m in self.summary:
            if m.metric == name:
                return m.value
        raise KeyError(name)


def simulate(
    scenario: Scenario,
    seed: int | None = None,
    replication: int = 0,
    trace_case: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> SimulationResult:
    """Run one replication of a scenario and return its tables.

    Args:
        scenario: A validated scenario (see :func:`fraudsim.load_scenario`).
        seed: Root seed; defaults to the scenario's ``seed``.
        replication: Replication number; replication r of any policy of the
            same scenario sees the same scams (common random numbers).
        trace_case: Id of a case whose timeline and money tree to record.
        progress: Called with the simulated minute reached, about 100 times.

    Returns:
        The run's case table, resource table, summary and (if asked) trace.
    """
    started = time.perf_counter()
    # The collector stays paused until the tables are made: the first
    # collection after the run would scan every object the run left (half
    # the time of the case table at a hundred thousand cases, compiled),
    # and the collection below frees the run at once anyway.
    with no_cyclic_gc():
        run = run_world(scenario, seed, replication, trace_case, progress)
        cases = cases_table(run, release=True)
        resources = resources_table(run)
        summary = summarise(
            cases,
            waits_by_resource(run),
            run.counts.contacts,
            run.counts.intercepted,
            run.cashed_by_channel,
        )
    stats = {
        "wall_s": 0.0,  # set below, once the run is cleared away
        "cases": float(cases.num_rows),
        "events": float(run.events_processed),
        "money_movements": float(run.movements),
        "simulated_min": run.end_min,
        **run.queue_load,
    }
    result = SimulationResult(
        scenario=scenario,
        seed=run.seed,
        replication=replication,
        cases=cases,
        resources=resources,
        summary=summary,
        trace=run.trace,
        tree=run.tree,
        tree_status=run.tree_status,
        stats=stats,
    )
    # The finished world (clock, network, teams) is a web of reference
    # cycles that only the cyclic collector frees, and on its own schedule
    # that can be many replications later: a sweep's memory would creep up.
    # Collect now, once the cases are gone and little else is alive. The
    # world was made while the collector was paused, so it is all in the
    # young generation (or the middle one, if a collection ran since the
    # pause ended): collecting those two finds it, where a full collection
    # also rescanned every long-lived object of the process (about 20 ms a
    # replication, a twentieth of a ten-thousand-case run, finding nothing).
    del run
    gc.collect(1)
    stats["wall_s"] = time.perf_counter() - started
    return result
