"""Running an experiment: every cell (policy x grid point) to n replications.

The engine turns cells into jobs, skips those already in the results folder,
hands the rest to an executor and files each result as it arrives. With a
precision target it works in batches: run n replications, compute every
headline interval, and, until each relative half-width is at most the
target (or the cap is reached), ask for more. Each decision depends only on
the replications so far, never on timing, so a resumed or re-distributed
experiment takes exactly the same decisions and ends with the same numbers.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from fraudsim.experiments.errors import ReplicationError
from fraudsim.experiments.executors import Executor
from fraudsim.experiments.jobs import Job, JobResult, Key
from fraudsim.experiments.measures import PRECISION_MEASURES, SAVED
from fraudsim.experiments.policies import Cell
from fraudsim.experiments.stats import estimate, next_replications, precision_ratio
from fraudsim.experiments.store import Store, rows_table
from fraudsim.experiments.tables import Split

FIRST_BATCH = 10
"""Replications per cell before the precision rule is first checked."""

BATCH_STEP = 5
"""Fewest replications the precision rule adds at a time."""


@dataclass(frozen=True)
class Plan:
    """What to run.

    Attributes:
        cells: Every policy at every grid point.
        seed: Root seed shared by all cells (common random numbers).
        replications: Replications per cell (fixed), or the first batch
            when ``precision`` is set.
        precision: Target relative half-width (e.g. 0.05 = ±5% of the
            mean) of every headline measure, or None for a fixed count.
        max_replications: Cap of the precision rule.
        keep_cases: Whether to keep each replication's case table.
        precision_on: The measures the precision rule applies to.
    """

    cells: list[Cell]
    seed: int
    replications: int
    precision: float | None = None
    max_replications: int = 200
    keep_cases: bool = False
    precision_on: tuple[str, ...] = PRECISION_MEASURES


@dataclass(frozen=True)
class Precision:
    """How the precision rule ended.

    Attributes:
        target: The target relative half-width.
        met: Whether every headline measure of every cell reached it.
        replications: Replications per cell when the rule stopped.
        widest: The widest relative half-width found (inf if a mean is 0).
        where: Cell and measure of the widest.
        measures: The measures the rule applied to.
    """

    target: float
    met: bool
    replications: int
    widest: float
    where: str
    measures: tuple[str, ...] = PRECISION_MEASURES


def precision_status(
    rows: pa.Table, cells: Sequence[Cell], target: float, measures: Sequence[str]
) -> tuple[float, str]:
    """Return the worst ratio of relative half-width to ``target``, and where it is."""
    worst, where = 0.0, ""
    split = Split(rows)
    for cell in cells:
        for column in measures:
            values = split.values(cell.point, cell.policy, column)
            ratio = precision_ratio([estimate(values)], target)
            if ratio > worst or not where:
                worst, where = ratio, f"{_cell_name(cell)}: {column}"
    return worst, where


def _cell_name(cell: Cell) -> str:
    return f"{cell.policy} ({cell.label})" if cell.label else cell.policy


class Runner:
    """Runs a plan's jobs, keeping every finished row (and filing it in a store).

    Args:
        plan: What to run.
        make_executor: Returns the executor, given the number of jobs of the first
            batch; called when there is something to run.
        store: Results folder, or None to keep results in memory only.
        done: Rows already finished (read back from the store).
        progress: Whether to show a progress bar on stderr.
    """

    def __init__(self, plan: Plan, make_executor: Callable[[int], Executor], store: Store | None,
                 done: dict[Key, dict[str, Any]], progress: bool) -> None:
        self.plan = plan
        self._make_executor = make_executor
        self._executor: Executor | None = None
        self.store = store
        self.rows = dict(done)
        self._done = set(done)
        self._failure: JobResult | None = None
        self._progress = progress
        self._bar: tqdm[Any] | None = None
        self._shown = 0.0

    def close(self) -> None:
        """Close the progress bar and release the workers."""
        if self._bar is not None:
            self._bar.close()
        if self._executor is not None:
            self._executor.close()

    def where(self) -> str:
        """Return where the replications ran ("" if every one was read back)."""
        return "" if self._executor is None else self._executor.describe()

    def table(self, n: int) -> pa.Table:
        """Return the rows of replications ``0 .. n-1`` of every cell, sorted."""
        keys = {(c.point, c.policy, r) for c in self.plan.cells for r in range(n)}
        return rows_table([row for key, row in self.rows.items() if key in keys])

    def reused(self, n: int) -> int:
        """Return how many of replications ``0 .. n-1`` were read back, not run."""
        return sum(1 for (_, _, r) in self._done if r < n)

    def ensure(self, n: int) -> None:
        """Run whatever is missing of replications ``0 .. n-1`` of every cell.

        Raises:
            ReplicationError: If a replication raised (finished ones are kept).
        """
        # replication-major, so that an interrupted run has every policy equally far
        wanted = [(c, r) for r in range(n) for c in self.plan.cells]
        jobs = [self._job(c, r) for c, r in wanted if (c.point, c.policy, r) not in self.rows]
        if jobs:
            if self._executor is None:  # before the progress bar starts its thread
                self._executor = self._make_executor(len(jobs))
            self._show_batch(len(wanted), len(wanted) - len(jobs))
            self._executor.run(jobs, self._on_result)
        if self._failure is not None:
            raise self._failed(self._failure)

    def _show_batch(self, total: int, done: int) -> None:
        """Grow the progress bar to a new batch (created on first use)."""
        if self._bar is None:
            self._bar = tqdm(total=total, initial=done, desc="replications", unit="rep",
                             file=sys.stderr, disable=not self._progress, dynamic_ncols=True,
                             leave=False)
        else:
            self._bar.total = total
            self._bar.n = done
            self._bar.refresh()

    def _job(self, cell: Cell, replication: int) -> Job:
        return Job(cell.point, cell.policy, replication, self.plan.seed, cell.scenario,
                   self.plan.keep_cases)

    def _on_result(self, result: JobResult) -> bool:
        if result.row is None:
            self._failure = self._failure or result
            return False
        self.rows[result.key] = result.row
        if self.store is not None:
            self.store.write(result)
        if self._bar is not None:
            self._bar.update(1)
            self._show_precision(self._bar)
        return self._failure is None

    def _show_precision(self, bar: tqdm[Any]) -> None:
        """Show the widest relative half-width of saved money, twice a second at most."""
        now = time.monotonic()
        if bar.disable or now - self._shown < 0.5:
            return
        self._shown = now
        widest = self.widest_saved()
        # Until some cell has two replications there is no interval: "±0.0%"
        # would claim an exact estimate.
        shown = "n/a" if widest is None else f"{widest:.1%} of mean"
        bar.set_postfix_str(f"saved ±{shown}", refresh=False)

    def widest_saved(self) -> float | None:
        """Return the widest relative half-width of saved money over the cells so far.

        Returns:
            The widest over the cells with an interval (two replications or
            more), or None while no cell has one.
        """
        widths = []
        for cell in self.plan.cells:
            saved = [row[SAVED] for (p, pol, _), row in self.rows.items()
                     if (p, pol) == (cell.point, cell.policy)]
            rel = estimate(np.asarray(saved)).relative_half_width
            if not math.isnan(rel):
                widths.append(rel)
        return max(widths, default=None)

    def _failed(self, result: JobResult) -> ReplicationError:
        point, policy, rep = result.key
        label = next((c.label for c in self.plan.cells if c.point == point and c.label), "")
        where = f" at {label}" if label else ""
        what = f"replication {rep} of policy {policy!r}{where} (seed {result.seed})"
        return ReplicationError(what, result.error or "unknown error", result.detail,
                                 len(self.rows))


def run_plan(plan: Plan, runner: Runner) -> tuple[int, Precision | None]:
    """Run a plan to its end; return the replications used per cell and the precision outcome."""
    if plan.precision is None:
        runner.ensure(plan.replications)
        return plan.replications, None
    n = min(plan.replications, plan.max_replications)
    while True:
        runner.ensure(n)
        ratio, where = precision_status(runner.table(n), plan.cells, plan.precision,
                                        plan.precision_on)
        if ratio <= 1 or n >= plan.max_replications:
            return n, Precision(plan.precision, ratio <= 1, n, ratio * plan.precision, where,
                                plan.precision_on)
        n = next_replications(n, ratio, plan.max_replications, BATCH_STEP)
