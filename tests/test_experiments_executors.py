"""Where replications run (fraudsim/experiments/executors.py): in process, in a pool, on Dask.

Pools are kept to two workers and jobs to a few short replications of a
small city (a few hundredths of a second each).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any

import dask
import pytest
from dask.distributed import Client, LocalCluster

import fraudsim.experiments.jobs as jobs
from fraudsim.api import SimulationResult, simulate
from fraudsim.experiments.errors import ExperimentError
from fraudsim.experiments.executors import (
    DaskExecutor,
    Executor,
    PoolExecutor,
    SerialExecutor,
    make_executor,
)
from fraudsim.experiments.jobs import Job, JobResult, Key
from tests.conftest import busy

SMALL = ["time.horizon_days=0.5", "time.drain_days=0.25"]
SLOW_BANK = "banks.xiamen_bank.stop_latency_min=600"

fork_only = pytest.mark.skipif(multiprocessing.get_start_method() != "fork",
                               reason="the failure is injected into forked workers")


def make_jobs(replications: int, seed: int = 3) -> list[Job]:
    """Replications of two policies (the small city, and the same with a slow bank)."""
    scenarios = {"as_is": busy(SMALL), "slow_bank": busy([*SMALL, SLOW_BANK])}
    return [Job(0, policy, r, seed, s.model_dump(mode="json", by_alias=True))
            for r in range(replications) for policy, s in scenarios.items()]


class Collect:
    """An ``on_result`` callback that keeps every result and stops after ``stop_after``."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.results: list[JobResult] = []
        self.stop_after = stop_after

    def __call__(self, result: JobResult) -> bool:
        self.results.append(result)
        return self.stop_after is None or len(self.results) < self.stop_after

    @property
    def keys(self) -> list[Key]:
        return [r.key for r in self.results]


def rows_by_key(results: Sequence[JobResult]) -> dict[Key, list[Any]]:
    """Each result's row as a list of values, NaN made comparable, by key."""
    def norm(v: Any) -> Any:
        return "nan" if isinstance(v, float) and math.isnan(v) else v
    out = {}
    for r in results:
        assert r.row is not None, r.error
        out[r.key] = [(k, norm(v)) for k, v in r.row.items()]
    return out


def run_all(executor: Executor, batch: Sequence[Job]) -> Collect:
    collect = Collect()
    executor.run(batch, collect)
    return collect


@pytest.fixture(scope="module")
def pool() -> Iterator[Executor]:
    """One pool of two workers for the module, made as experiments make it."""
    executor = make_executor(workers=2)
    yield executor
    executor.close()


@pytest.fixture(scope="module")
def serial_rows() -> dict[Key, list[Any]]:
    """Rows of three replications of both policies, run in this process."""
    return rows_by_key(run_all(SerialExecutor(), make_jobs(3)).results)


def test_one_worker_runs_in_this_process() -> None:
    """``--workers 1`` needs no pool: the jobs run here, and say so."""
    executor = make_executor(workers=1)
    assert isinstance(executor, SerialExecutor)
    assert executor.describe() == "this process (1 worker)"


@pytest.mark.parametrize("cores", [1, None])
def test_the_default_is_one_worker_per_core(
    cores: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one core, or a count the platform cannot tell, the default runs in this process."""
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert isinstance(make_executor(), SerialExecutor)


def test_a_pool_has_no_more_workers_than_jobs() -> None:
    """Thirty workers asked for two jobs start two processes; one job runs here."""
    executor = make_executor(workers=30, jobs=2)
    try:
        assert isinstance(executor, PoolExecutor) and executor.workers == 2
        assert executor.describe() == "local process pool (2 workers)"
    finally:
        executor.close()
    assert isinstance(make_executor(workers=30, jobs=1), SerialExecutor)
    assert isinstance(make_executor(workers=30, jobs=0), SerialExecutor)


def test_the_default_on_two_cores_is_a_pool_of_two(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a worker count, every core gets a worker process."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    executor = make_executor()
    try:
        assert isinstance(executor, PoolExecutor) and executor.workers == 2
    finally:
        executor.close()


def test_more_workers_make_a_local_pool(pool: Executor) -> None:
    """Two workers make a process pool that names its size."""
    assert isinstance(pool, PoolExecutor)
    assert pool.describe() == "local process pool (2 workers)"


def test_in_process_jobs_run_in_order_and_each_once(serial_rows: dict[Key, list[Any]]) -> None:
    """The serial executor hands over each job's result as it finishes, in the jobs' order."""
    batch = make_jobs(2)
    collect = run_all(SerialExecutor(), batch)
    assert collect.keys == [j.key for j in batch]
    assert rows_by_key(collect.results) == {k: serial_rows[k] for k in collect.keys}


def test_in_process_stops_as_soon_as_told(monkeypatch: pytest.MonkeyPatch) -> None:
    """When a result says stop, no further replication is run at all."""
    ran: list[int] = []

    def counting(*args: Any, **kwargs: Any) -> SimulationResult:
        ran.append(kwargs["replication"])
        return simulate(*args, **kwargs)

    monkeypatch.setattr(jobs, "simulate", counting)
    batch = make_jobs(3)
    collect = Collect(stop_after=2)
    SerialExecutor().run(batch, collect)
    assert collect.keys == [j.key for j in batch[:2]]
    assert len(ran) == 2


def test_a_pool_gives_the_same_rows_as_one_process(
    pool: Executor, serial_rows: dict[Key, list[Any]]
) -> None:
    """Results do not depend on the number of workers: each job fixes its own streams."""
    collect = run_all(pool, make_jobs(3))
    assert sorted(collect.keys) == sorted(serial_rows)  # each job exactly once
    assert rows_by_key(collect.results) == serial_rows


def test_a_pool_stopped_early_cancels_what_has_not_started(pool: Executor) -> None:
    """Told to stop, the pool passes on only what was already running, and stays usable."""
    batch = make_jobs(20)
    collect = Collect(stop_after=1)
    pool.run(batch, collect)
    assert 1 <= len(collect.results) < len(batch)
    assert len(set(collect.keys)) == len(collect.keys)
    # The next batch (the precision rule's next round) runs in full.
    more = run_all(pool, make_jobs(1, seed=4))
    assert sorted(more.keys) == sorted(j.key for j in make_jobs(1))


def test_a_failing_job_in_the_pool_comes_back_as_its_error(pool: Executor) -> None:
    """A replication that raises in a worker is reported, not raised; the others finish."""
    batch = make_jobs(1)
    broken = Job(0, "broken", 0, 3, {"name": "not a scenario"})
    collect = run_all(pool, [*batch, broken])
    by_key = {r.key: r for r in collect.results}
    assert sorted(by_key) == sorted([*(j.key for j in batch), broken.key])
    failed = by_key[broken.key]
    assert failed.row is None and (failed.error or "").startswith("ValidationError: ")
    assert all(by_key[j.key].row is not None for j in batch)


@fork_only
def test_a_worker_that_dies_is_reported_as_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker killed outright (out of memory, say) gives an error per job, not a hang."""
    real = simulate

    def dying(*args: Any, **kwargs: Any) -> SimulationResult:
        if kwargs["replication"] == 1:
            os._exit(3)
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs, "simulate", dying)  # before the workers are forked
    executor = PoolExecutor(2)
    try:
        batch = make_jobs(2)
        collect = run_all(executor, batch)
    finally:
        executor.close()
    by_key = {r.key: r for r in collect.results}
    assert sorted(by_key) == sorted(j.key for j in batch)  # every job answered, once
    for policy in ("as_is", "slow_bank"):
        lost = by_key[(0, policy, 1)]
        assert lost.row is None and lost.seed == 3
        assert (lost.error or "").startswith("worker lost: BrokenProcessPool: ")
    executor.close()  # closing again is harmless
    with pytest.raises(RuntimeError, match="the pool is closed"):
        executor.run(batch, Collect())


def test_ctrl_c_in_the_pool_keeps_what_finished_then_interrupts(pool: Executor) -> None:
    """The first Ctrl-C never lands inside the filing of a result: it stops the run after it.

    The results of jobs already running are still passed on, then
    KeyboardInterrupt is raised, and the previous Ctrl-C handler is back.
    """
    before = signal.getsignal(signal.SIGINT)
    filed: list[Key] = []

    def press_ctrl_c_once(result: JobResult) -> bool:
        if not filed:
            signal.raise_signal(signal.SIGINT)  # arrives while the result is being filed
        filed.append(result.key)  # reached: the interrupt waited
        return True

    batch = make_jobs(20)
    with pytest.raises(KeyboardInterrupt):
        pool.run(batch, press_ctrl_c_once)
    assert 1 <= len(filed) < len(batch) and len(set(filed)) == len(filed)
    assert signal.getsignal(signal.SIGINT) is before


def test_a_second_ctrl_c_aborts_at_once(pool: Executor) -> None:
    """Pressed twice, Ctrl-C does not wait for running jobs any more."""
    before = signal.getsignal(signal.SIGINT)
    filed: list[Key] = []

    def press_twice(result: JobResult) -> bool:
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)
        filed.append(result.key)  # not reached: the second press raises here
        return True

    with pytest.raises(KeyboardInterrupt):
        pool.run(make_jobs(2), press_twice)
    assert filed == []
    assert signal.getsignal(signal.SIGINT) is before


def test_dask_without_its_extra_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dask is optional: asking for it without it installed is bad input, with the fix."""
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails as if missing
    with pytest.raises(ExperimentError, match=r"pip install 'fraudsim\[dask\]'"):
        make_executor(dask="local")


def _closed_port() -> int:
    """A local port nothing listens on (just released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_an_unreachable_dask_scheduler_is_bad_input() -> None:
    """A wrong scheduler address is said in one line, naming the address."""
    address = f"tcp://127.0.0.1:{_closed_port()}"
    # dask.distributed is imported (its settings loaded) at the top of this module:
    # settings set before that import would be dropped with it at the end of the block.
    with dask.config.set({"distributed.comm.timeouts.connect": "0.3s"}), pytest.raises(
        ExperimentError, match=f"cannot connect to the Dask scheduler at {address}: "
    ):
        make_executor(dask=address)


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    """A client of a one-worker cluster in this process (threads): fast to start."""
    # dask.distributed has no type hints for these constructors.
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,  # type: ignore[no-untyped-call]
                      dashboard_address=None) as cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        yield client


def test_dask_gives_the_same_rows_and_leaves_the_callers_client_open(
    dask_client: Any, serial_rows: dict[Key, list[Any]]
) -> None:
    """On a client the caller connected, results are the same and the client outlives us."""
    executor = make_executor(dask=dask_client)
    assert isinstance(executor, DaskExecutor)
    assert executor.describe() == f"Dask cluster at {dask_client.scheduler.address} (1 worker)"
    collect = run_all(executor, make_jobs(3))
    executor.close()
    assert rows_by_key(collect.results) == serial_rows
    assert dask_client.status == "running"
    assert dask_client.submit(sum, [1, 2]).result() == 3


def test_dask_stopped_early_cancels_the_unfinished(dask_client: Any) -> None:
    """Told to stop, the cluster drops what has not finished; each result comes once."""
    executor = DaskExecutor(dask_client)
    batch = make_jobs(4)
    collect = Collect(stop_after=1)
    executor.run(batch, collect)
    executor.close()
    assert 1 <= len(collect.results) < len(batch)
    assert len(set(collect.keys)) == len(collect.keys)


class StopWhenAllFinished(Collect):
    """Stops at the first result, but only once every job on the cluster has finished."""

    def __init__(self, client: Any) -> None:
        super().__init__(stop_after=1)
        self.client = client

    def __call__(self, result: JobResult) -> bool:
        if not self.results:
            deadline = time.monotonic() + 60
            while any(s.status == "pending" for s in self.client.futures.values()):
                assert time.monotonic() < deadline, "the cluster did not finish in a minute"
                time.sleep(0.05)
        return super().__call__(result)


def test_dask_stopped_early_still_hands_over_what_had_finished(dask_client: Any) -> None:
    """A stop (a failed replication) loses no finished result: the store keeps them all."""
    executor = DaskExecutor(dask_client)
    batch = make_jobs(2)
    collect = StopWhenAllFinished(dask_client)
    executor.run(batch, collect)
    executor.close()
    assert sorted(collect.keys) == sorted(j.key for j in batch)
