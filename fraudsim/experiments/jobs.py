"""One replication as an independent job, runnable in any worker process.

A job carries plain data only (the policy's scenario as a dict, the seed and
the replication number), so it pickles cheaply and a worker on another
machine rebuilds exactly the same scenario. The worker never raises: a
failure comes back as an error message naming the replication, so that the
experiment can stop cleanly and say which run failed.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from fraudsim.api import simulate
from fraudsim.experiments.measures import KEY_COLUMNS, replication_metrics
from fraudsim.scenario.schema import Scenario

Key = tuple[int, str, int]
"""Identity of a replication within an experiment: (grid point, policy, replication)."""


@dataclass(frozen=True)
class Job:
    """One replication of one policy at one grid point.

    Attributes:
        point: Grid point of a sweep (0 in a comparison).
        policy: Policy name.
        replication: Replication number; with ``seed``, it fixes every
            random stream (common random numbers across policies and points).
        seed: Root seed.
        scenario: The policy's scenario at this point, as plain data.
        keep_cases: Whether to return the case table too.
    """

    point: int
    policy: str
    replication: int
    seed: int
    scenario: dict[str, Any]
    keep_cases: bool = False

    @property
    def key(self) -> Key:
        """Return the job's (point, policy, replication)."""
        return (self.point, self.policy, self.replication)


@dataclass(frozen=True)
class JobResult:
    """What a worker sends back: the replication's row, or its error.

    Attributes:
        key: The job's (point, policy, replication).
        seed: The job's root seed.
        row: Key columns and measures, or None if the run failed.
        cases: The full case table, if asked for.
        error: ``"Type: message"`` if the run raised.
        detail: The worker's traceback, if the run raised.
    """

    key: Key
    seed: int
    row: dict[str, Any] | None
    cases: pa.Table | None = None
    error: str | None = None
    detail: str | None = None


def run_job(job: Job) -> JobResult:
    """Run one replication in the calling process; never raises ``Exception``."""
    try:
        scenario = Scenario.model_validate(job.scenario)
        result = simulate(scenario, seed=job.seed, replication=job.replication)
        keys = (job.point, job.policy, job.replication, job.seed)
        row: dict[str, Any] = dict(zip(KEY_COLUMNS, keys, strict=True))
        row.update(replication_metrics(result))
        return JobResult(job.key, job.seed, row, result.cases if job.keep_cases else None)
    except Exception as err:
        return JobResult(job.key, job.seed, None, error=f"{type(err).__name__}: {err}",
                         detail=traceback.format_exc())
