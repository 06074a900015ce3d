"""What an experiment measures in each replication, after the warm-up.

A replication's headline measures are recomputed from its case table (and
its resource table for queue waits) once the warm-up is cut off, with the
same pure functions that summarise a single run (:mod:`fraudsim.metrics`).
Steady-state scenarios start empty: the first days see short queues and
few cases in progress, which would flatter every policy; ``time.warmup_days``
leaves them out:

* cases whose scam contact comes before the warm-up ends are excluded
  (how many is reported), and
* queue waits count only jobs that start service in resource bins that
  begin at or after the warm-up (so the cut is rounded up to a bin edge).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudsim.api import SimulationResult
from fraudsim.metrics import count_metrics, money_metrics, summarise, timing_metrics
from fraudsim.model.cases import MINUTES_PER_DAY

KEY_COLUMNS = ("point", "policy", "replication", "seed")
"""Columns that identify a replication: grid point, policy, replication, root seed."""

COUNT_COLUMNS = ("cases_total", "cases_excluded_warmup")
"""Integer columns: cases simulated, and cases left out by the warm-up."""

WAITED_RESOURCES = ("call_takers", "analysts", "patrols", "warning_team")
"""Staffed resources whose mean queue wait is measured."""


@dataclass(frozen=True)
class Measure:
    """A headline measure reported for every policy.

    Attributes:
        column: Column of the per-replication table.
        unit: Unit of the values.
        label: What it is, for people.
        precision: Whether the ``--precision`` rule applies to it (the yuan
            twins of fen measures and the counts do not).
    """

    column: str
    unit: str
    label: str
    precision: bool = True


HEADLINE = (
    Measure("saved_fen", "fen", "money saved (prevented + frozen)"),
    Measure("saved_yuan", "yuan", "money saved (prevented + frozen)", precision=False),
    Measure("frozen_share_of_paid", "share of paid", "share of paid money frozen"),
    Measure("lost_fen", "fen", "money lost (cashed out)"),
    Measure("lost_yuan", "yuan", "money lost (cashed out)", precision=False),
    Measure("report_to_first_stop_median_min", "minutes", "report to first stop, median"),
    Measure("report_to_first_stop_p90_min", "minutes", "report to first stop, 90th percentile"),
    Measure("call_takers_wait_mean_min", "minutes", "queue wait for a call-taker, mean"),
    Measure("analysts_wait_mean_min", "minutes", "queue wait for an analyst, mean"),
)
"""The measures of the policies, differences and curve tables, in order."""

PRECISION_MEASURES = tuple(m.column for m in HEADLINE if m.precision)
"""Measures the ``--precision`` rule applies to unless told otherwise."""

CONTEXT = (
    Measure("cases", "cases", "cases in the statistics", precision=False),
    Measure("cases_excluded_warmup", "cases", "cases left out by the warm-up", precision=False),
)
"""Counts reported beside the headline measures, to read them by."""

SAVED = "saved_fen"
"""The measure policies are ranked by."""


def warmup_min(result: SimulationResult) -> float:
    """Return the end of the warm-up of the run's scenario, in minutes."""
    return result.scenario.time.warmup_days * MINUTES_PER_DAY


def after_warmup(cases: pa.Table, start_min: float) -> pa.Table:
    """Return the cases whose scam contact is at or after ``start_min``."""
    if start_min <= 0:
        return cases
    return cases.filter(pc.greater_equal(cases.column("contact_min"), start_min))


def mean_waits(resources: pa.Table, start_min: float) -> dict[str, float]:
    """Return the mean queue wait of each staffed resource after ``start_min``.

    Each resource bin holds the jobs that started service in it and their
    mean wait; bins that begin before ``start_min`` are left out.
    """
    out = {}
    names = resources.column("resource").to_numpy(zero_copy_only=False)
    starts = resources.column("bin_start_min").to_numpy()
    count = resources.column("starts").to_numpy()
    mean = np.nan_to_num(resources.column("mean_wait_min").to_numpy(zero_copy_only=False))
    for name in WAITED_RESOURCES:
        keep = (names == name) & (starts >= start_min)
        jobs = int(count[keep].sum())
        out[f"{name}_wait_mean_min"] = (
            float((mean[keep] * count[keep]).sum()) / jobs if jobs else math.nan
        )
    return out


def replication_metrics(result: SimulationResult) -> dict[str, float | int]:
    """Return one replication's measures, with the warm-up cut off.

    Returns:
        ``cases_total`` and ``cases_excluded_warmup`` (ints), then every
        count, money and timing metric of :mod:`fraudsim.metrics` and the
        mean queue wait per staffed resource (floats).
    """
    return _measured(result.cases, result.resources, warmup_min(result))


def _measured(all_cases: pa.Table, resources: pa.Table, start: float) -> dict[str, float | int]:
    """Return the measures of a run's tables, counting from minute ``start``."""
    cases = after_warmup(all_cases, start)
    row: dict[str, float | int] = {
        "cases_total": all_cases.num_rows,
        "cases_excluded_warmup": all_cases.num_rows - cases.num_rows,
    }
    for m in count_metrics(cases) + money_metrics(cases) + timing_metrics(cases):
        row[m.metric] = m.value
    row.update(mean_waits(resources, start))
    return row


class _NoRows:
    """A table with no rows and every column (as floats): what an empty run would give.

    Only what the measures read of a table is provided: its row count and
    its columns by name.
    """

    num_rows = 0

    def column(self, name: str) -> pa.Array:
        """Return an empty column, whatever the name."""
        del name  # every column is empty
        return pa.array([], pa.float64())


@functools.cache
def summary_names(resources: tuple[str, ...], channels: tuple[str, ...]) -> tuple[str, ...]:
    """Return the names of a run's headline metrics (``summary.csv``), found as row_columns'.

    Args:
        resources: The staffed resources whose queue waits are reported.
        channels: The scenario's cash-out channels.
    """
    waits: dict[str, list[float]] = {name: [] for name in resources}
    summary = summarise(_NoRows(), waits, 0, 0, dict.fromkeys(channels, 0))
    return tuple(m.metric for m in summary)


@functools.cache
def row_columns() -> tuple[str, ...]:
    """Return the columns of a replication's row, in the order a replication writes them.

    The measures are named by the functions that compute them, so the names
    are found by computing them on tables with no rows, not kept in a second
    list that could drift from the first: a row read back from a results
    folder is checked against them (see :class:`fraudsim.experiments.store.Store`).
    """
    return (*KEY_COLUMNS, *_measured(_NoRows(), _NoRows(), 0.0))
