"""Experiments from Python: compare policies, sweep parameters, get tables.

::

    import fraudsim
    from fraudsim.experiments import compare, sweep

    result = compare("scenarios/xiamen-2023.toml", replications=50)
    result.policies.to_pandas()        # mean and 95% CI per policy and measure
    result.differences.to_pandas()     # paired differences against the baseline

    curve = sweep("scenarios/xiamen-2023.toml",
                  {"banks.xiamen_bank.stop_latency_min": [1, 3, 10, 30]})
    curve.to_pandas()                  # one row per grid point and policy
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from fraudsim.experiments.engine import FIRST_BATCH, Plan, Precision, Runner, run_plan
from fraudsim.experiments.errors import ExperimentError
from fraudsim.experiments.executors import make_executor
from fraudsim.experiments.measures import HEADLINE, PRECISION_MEASURES
from fraudsim.experiments.policies import Cell, policy_cells, policy_order
from fraudsim.experiments.store import Store
from fraudsim.experiments.sweep import check_conflicts, grid, label, point_scenario
from fraudsim.experiments.tables import (
    Split,
    curve_table,
    differences_table,
    policies_table,
    ranks,
)
from fraudsim.scenario.loading import load_scenario
from fraudsim.scenario.schema import Scenario

DEFAULT_REPLICATIONS = 20
DEFAULT_MAX_REPLICATIONS = 200


@dataclass(frozen=True)
class Settings:
    """How to run an experiment (shared by compare and sweep).

    Attributes:
        replications: Replications per policy (and grid point).
        precision: Target relative 95% half-width of every headline measure
            (0.05 = ±5% of the mean), or None for a fixed count.
        max_replications: Cap of the precision rule.
        workers: Worker processes (default: all cores; 1 = this process).
        dask: ``"local"``, a scheduler address or a Client, to run on Dask.
        out: Results folder (resumable), or None to keep results in memory.
        seed: Root seed (default: the scenario's).
        keep_cases: Keep each replication's case table in the results folder.
        progress: Show a progress bar on stderr.
        command: The command line, recorded in the manifest.
        precision_on: Measures the precision rule applies to (default: every
            headline measure but the yuan twins of fen measures).
    """

    replications: int = DEFAULT_REPLICATIONS
    precision: float | None = None
    max_replications: int = DEFAULT_MAX_REPLICATIONS
    workers: int | None = None
    dask: Any = None
    out: Path | None = None
    seed: int | None = None
    keep_cases: bool = False
    progress: bool = False
    command: list[str] | None = None
    precision_on: tuple[str, ...] = PRECISION_MEASURES

    def check(self) -> None:
        """Refuse settings that cannot give confidence intervals.

        Raises:
            ExperimentError: Saying what is wrong.
        """
        if self.replications < 2:
            raise ExperimentError("at least 2 replications are needed for a confidence interval")
        if self.precision is not None and not (0 < self.precision < math.inf):
            raise ExperimentError("the precision target must be a positive share, e.g. 0.05")
        if self.max_replications < 2:
            raise ExperimentError("max_replications must be at least 2")
        if self.workers is not None and self.workers < 1:
            raise ExperimentError("workers must be at least 1")
        if self.seed is not None and self.seed < 0:
            raise ExperimentError("the seed must be a non-negative integer")
        known = [m.column for m in HEADLINE]
        unknown = [m for m in self.precision_on if m not in known]
        if unknown or not self.precision_on:
            raise ExperimentError(f"the precision rule applies to headline measures: "
                                  f"{', '.join(known)} (not {', '.join(unknown) or 'none'})")


@dataclass(frozen=True)
class Outcome:
    """What running the replications gave, before aggregation.

    Attributes:
        rows: One row per replication used, sorted by (point, policy, replication).
        replications: Replications per policy (and grid point).
        precision: How the precision rule ended, if it was used.
        reused: Replications read back from the results folder, not run.
        executor: Where the replications ran.
        out: The results folder, if any.
    """

    rows: pa.Table
    replications: int
    precision: Precision | None
    reused: int
    executor: str
    out: Path | None


@dataclass(frozen=True)
class ComparisonResult:
    """Policies compared with common random numbers.

    Attributes:
        policies: Mean and 95% CI per policy and measure (baseline first).
        differences: Paired differences against the baseline, with CIs.
        replications: The per-replication measures behind both tables.
        baseline: The baseline policy.
        ranking: Policies by mean money saved, most first.
        outcome: How the replications were run.
        warmup_days: Warm-up of the scenario (cases before it left out).
    """

    policies: pa.Table
    differences: pa.Table
    replications: pa.Table
    baseline: str
    ranking: list[str]
    outcome: Outcome
    warmup_days: float = 0.0


@dataclass(frozen=True)
class SweepResult:
    """Outcome curves over a grid of one or two parameters.

    Attributes:
        curve: One row per grid point x policy: the varied values, n, and
            mean / CI of every headline measure.
        replications: The per-replication measures behind the curve.
        points: The grid points, as ``{key path: value}``.
        policies: The policies run at each point (baseline first).
        outcome: How the replications were run.
        warmup_days: Warm-up of each grid point, in grid order: they differ
            when the sweep varies ``time.warmup_days``.
    """

    curve: pa.Table
    replications: pa.Table
    points: list[dict[str, Any]]
    policies: list[str]
    outcome: Outcome
    warmup_days: tuple[float, ...] = field(default=())


def _as_scenario(scenario: Scenario | str | Path) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def _execute(cells: list[Cell], identity: dict[str, Any], settings: Settings,
             seed: int, by_point: bool) -> tuple[Outcome, Store | None]:
    """Run every cell to the replications asked for, filing results as they come."""
    settings.check()
    first = FIRST_BATCH if settings.precision is not None else settings.replications
    plan = Plan(cells, seed, first, settings.precision, settings.max_replications,
                settings.keep_cases, tuple(settings.precision_on))
    store = Store(settings.out, by_point) if settings.out is not None else None
    extra = {"command": settings.command, "replications": settings.replications,
             "precision": settings.precision, "max_replications": settings.max_replications,
             "keep_cases": settings.keep_cases, "precision_on": list(settings.precision_on),
             "random_streams": "replication r, stream s: numpy SeedSequence(entropy=seed, "
             "spawn_key=(r, blake2b-64(s) >> 1)); the same for every policy and grid point"}
    done = store.open(identity, extra) if store is not None else {}
    runner = Runner(plan, lambda jobs: make_executor(settings.workers, settings.dask, jobs),
                    store, done, settings.progress)
    try:
        n, precision = run_plan(plan, runner)
        where = runner.where()
    finally:
        runner.close()
    outcome = Outcome(runner.table(n), n, precision, runner.reused(n), where, settings.out)
    return outcome, store


def _result_manifest(outcome: Outcome) -> dict[str, Any]:
    p = outcome.precision
    return {"replications_used": outcome.replications, "executor": outcome.executor,
            "reused_replications": outcome.reused,
            "precision_outcome": None if p is None else {
                "target": p.target, "met": p.met, "widest": p.widest, "where": p.where}}


def compare(
    scenario: Scenario | str | Path,
    policies: Sequence[str] | None = None,
    replications: int = DEFAULT_REPLICATIONS,
    precision: float | None = None,
    workers: int | None = None,
    dask: Any = None,
    out: str | Path | None = None,
    *,
    baseline: str | None = None,
    **options: Any,
) -> ComparisonResult:
    """Compare policies of a scenario with common random numbers.

    Args:
        scenario: A validated scenario or the path of a scenario file.
        policies: Policies to compare (default: all declared, or the plain
            scenario ``"base"`` if none is).
        replications: Replications per policy (ignored with ``precision``).
        precision: Keep adding replications until every headline measure's
            95% half-width is at most this share of its mean (0.05 = ±5%).
        workers: Worker processes (default: all cores).
        dask: ``"local"``, ``"tcp://host:port"`` or a ``dask.distributed.Client``.
        out: Results folder; an unfinished experiment there is resumed.
        baseline: Policy to compare against (default: the scenario's
            ``baseline_policy``, else the first selected); it must be
            among ``policies`` when they are given.
        **options: Further :class:`Settings` fields (``max_replications``,
            ``seed``, ``keep_cases``, ``progress``, ``command``).

    Returns:
        Tables of means, paired differences and per-replication measures.

    Raises:
        ExperimentError: Bad arguments, or ``out`` holds another experiment.
        ReplicationError: A replication raised (finished ones are kept).
    """
    base = _as_scenario(scenario)
    names = policy_order(base, policies, baseline)
    settings = Settings(replications=replications, precision=precision, workers=workers,
                        dask=dask, out=None if out is None else Path(out), **options)
    seed = base.seed if settings.seed is None else settings.seed
    identity = {"kind": "compare", "scenario": base.model_dump(mode="json", by_alias=True),
                "policies": names, "baseline": names[0], "seed": seed, "vary": None}
    outcome, store = _execute(policy_cells(base, names), identity, settings, seed, False)
    rows = outcome.rows
    rank = ranks(Split(rows), names)
    result = ComparisonResult(
        policies=policies_table(rows, names), differences=differences_table(rows, names),
        replications=rows, baseline=names[0], ranking=sorted(names, key=lambda p: rank[p]),
        outcome=outcome, warmup_days=base.time.warmup_days)
    if store is not None:
        store.finish({"policies.csv": result.policies, "differences.csv": result.differences,
                      "replications.parquet": rows}, _result_manifest(outcome))
    return result


def run_sweep(
    scenario: Scenario | str | Path,
    vary: Mapping[str, Sequence[Any]],
    policies: Sequence[str] | None = None,
    *,
    baseline: str | None = None,
    **options: Any,
) -> SweepResult:
    """Run a sweep and return its curve with the details (see :func:`sweep`)."""
    base = _as_scenario(scenario)
    names = policy_order(base, policies, baseline)
    if policies is None:
        names = names[:1]  # a sweep runs the baseline unless told otherwise
    points = grid(vary)
    check_conflicts(base, names, list(vary))
    settings = Settings(**{**options, "out": None if options.get("out") is None
                           else Path(options["out"])})
    seed = base.seed if settings.seed is None else settings.seed
    scenarios = [point_scenario(base, point) for point in points]
    cells = [cell for i, (point, at) in enumerate(zip(points, scenarios, strict=True))
             for cell in policy_cells(at, names, i, label(point))]
    identity = {"kind": "sweep", "scenario": base.model_dump(mode="json", by_alias=True),
                "policies": names, "baseline": names[0], "seed": seed,
                "vary": {k: list(v) for k, v in vary.items()}}
    outcome, store = _execute(cells, identity, settings, seed, True)
    curve = curve_table(outcome.rows, points, names)
    if store is not None:
        store.finish({"curve.csv": curve, "curve.parquet": curve,
                      "replications.parquet": outcome.rows}, _result_manifest(outcome))
    return SweepResult(curve, outcome.rows, points, names, outcome,
                       tuple(at.time.warmup_days for at in scenarios))


def sweep(
    scenario: Scenario | str | Path,
    vary: Mapping[str, Sequence[Any]],
    policies: Sequence[str] | None = None,
    replications: int = DEFAULT_REPLICATIONS,
    precision: float | None = None,
    workers: int | None = None,
    dask: Any = None,
    out: str | Path | None = None,
    **options: Any,
) -> pa.Table:
    """Vary one or two parameters over a grid and return the outcome curve.

    Every grid point and policy runs replications ``0 .. n-1`` with the same
    seed: common random numbers across the whole grid.

    Args:
        scenario: A validated scenario or the path of a scenario file.
        vary: Key path -> values, one or two entries, e.g.
            ``{"banks.b1.stop_latency_min": [1, 3, 10, 30]}``.
        policies: Policies to run at each point (default: the baseline
            policy only, or the plain scenario if none is declared).
        replications: Replications per point and policy.
        precision: Relative half-width target, as in :func:`compare`.
        workers: Worker processes (default: all cores).
        dask: ``"local"``, ``"tcp://host:port"`` or a ``dask.distributed.Client``.
        out: Results folder (curve.csv, curve.parquet); resumable.
        **options: Further :class:`Settings` fields, and ``baseline``.

    Returns:
        The curve: one row per grid point x policy, with the varied values
        and the mean and 95% CI of every headline measure.
    """
    return run_sweep(scenario, vary, policies, replications=replications, precision=precision,
                     workers=workers, dask=dask, out=out, **options).curve
