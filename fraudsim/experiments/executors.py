"""Where replications run: in this process, in a local process pool, or on Dask.

Every executor takes a batch of jobs and hands each finished result to a
callback, in whatever order the jobs finish. The callback returns False to
stop the experiment (a replication failed): jobs not yet started are
cancelled. Results do not depend on the executor: each job fixes its own
random streams, and the experiment sorts rows before it aggregates them.

The local pool uses the platform's start method (fork on Linux, spawn on macOS
and Windows, where a script calling the experiment functions needs the usual
``if __name__ == "__main__":`` guard). Dask is imported only when asked for
(``pip install 'fraudsim[dask]'``); workers of a remote cluster need the same
fraudsim version installed.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    as_completed,
    wait,
)
from typing import Any, Protocol

from fraudsim.experiments.errors import ExperimentError
from fraudsim.experiments.jobs import Job, JobResult, run_job

POLL_S = 0.2
"""How often the parent looks for Ctrl-C while waiting for results."""

PARENT_CHECK_S = 1.0
"""How often a pool worker checks that the experiment's process is still alive."""

OnResult = Callable[[JobResult], bool]
"""Called with each finished job; returns False to stop the experiment."""


class Executor(Protocol):
    """Runs batches of jobs."""

    def describe(self) -> str:
        """Return where the jobs run, for people."""
        ...

    def run(self, jobs: Sequence[Job], on_result: OnResult) -> None:
        """Run ``jobs`` and pass each result to ``on_result`` as it finishes."""
        ...

    def close(self) -> None:
        """Release workers (idempotent)."""
        ...


class SerialExecutor:
    """Runs jobs one after another in this process (``--workers 1``)."""

    def describe(self) -> str:
        """Return where the jobs run."""
        return "this process (1 worker)"

    def run(self, jobs: Sequence[Job], on_result: OnResult) -> None:
        """Run each job in turn; stop as soon as ``on_result`` says so."""
        for job in jobs:
            if not on_result(run_job(job)):
                return

    def close(self) -> None:
        """Nothing to release."""


def _start_worker() -> None:
    """Prepare a pool worker: leave Ctrl-C to the parent, and die with the parent.

    The parent handles Ctrl-C (it cancels pending jobs and keeps finished
    ones). If the parent is killed outright, nothing would tell the worker
    to stop, so a watchdog thread ends it once its parent is gone.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="fraudsim-parent-watch", daemon=True).start()


class _CtrlC:
    """While active, the first Ctrl-C only sets ``pressed``; a second raises KeyboardInterrupt."""

    def __init__(self) -> None:
        self.pressed = False
        self._old: Any = None

    def __enter__(self) -> _CtrlC:
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.pressed:
            raise KeyboardInterrupt
        self.pressed = True

    def __exit__(self, *exc: object) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


def _lost(job: Job, err: BaseException) -> JobResult:
    """Return the result of a job whose worker died before answering."""
    return JobResult(job.key, job.seed, None, error=f"worker lost: {type(err).__name__}: {err}")


class PoolExecutor:
    """Runs jobs in a pool of local worker processes.

    Args:
        workers: Number of processes.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        pool = ProcessPoolExecutor(workers, initializer=_start_worker)
        # Start the workers now, before progress bars or clients start threads:
        # with the fork start method, a process should fork while single-threaded.
        for fut in [pool.submit(int) for _ in range(workers)]:
            fut.result()
        self._pool: ProcessPoolExecutor | None = pool

    def describe(self) -> str:
        """Return where the jobs run."""
        return f"local process pool ({self.workers} workers)"

    def run(self, jobs: Sequence[Job], on_result: OnResult) -> None:
        """Run ``jobs`` in the pool; on stop or Ctrl-C, cancel the rest and keep the running.

        Ctrl-C is turned into a request to stop (a second one aborts at once),
        so that it never lands in the middle of filing a result.
        """
        if self._pool is None:
            raise RuntimeError("the pool is closed")
        futures = {self._pool.submit(run_job, job): job for job in jobs}
        pending: set[Future[JobResult]] = set(futures)
        with _CtrlC() as ctrl_c:
            stopped = False
            while pending and not stopped and not ctrl_c.pressed:
                done, pending = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
                for fut in done:
                    if not on_result(self._result(fut, futures[fut])):
                        stopped = True
                        pending |= {f for f in done if f is not fut and not f.cancelled()}
                        break
            if pending and (stopped or ctrl_c.pressed):
                self._drain(pending, futures, on_result)
            if ctrl_c.pressed:
                raise KeyboardInterrupt

    def _drain(self, pending: set[Future[JobResult]], futures: dict[Future[JobResult], Job],
               on_result: OnResult) -> None:
        """Cancel jobs not started; pass on the results of those already running."""
        for fut in pending:
            fut.cancel()
        for fut in as_completed(pending):
            if not fut.cancelled():
                on_result(self._result(fut, futures[fut]))

    @staticmethod
    def _result(fut: Future[JobResult], job: Job) -> JobResult:
        try:
            return fut.result()
        except Exception as err:  # the worker process died (BrokenProcessPool)
            return _lost(job, err)

    def close(self) -> None:
        """Shut the pool down, cancelling anything still queued."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _distributed() -> Any:
    """Import ``dask.distributed`` (the optional ``fraudsim[dask]`` extra) on first use."""
    try:
        import dask.distributed
    except ImportError:
        raise ExperimentError("--dask needs the optional Dask extra: "
                              "pip install 'fraudsim[dask]'") from None
    return dask.distributed


class DaskExecutor:
    """Runs jobs on a Dask cluster.

    Args:
        target: ``"local"`` to start a local cluster of ``workers`` processes,
            a scheduler address (``tcp://host:8786``), or a connected
            ``dask.distributed.Client`` (left open on close).
        workers: Processes of a local cluster (default: all cores).
    """

    def __init__(self, target: Any, workers: int | None = None) -> None:
        dd = _distributed()
        self._owned: list[Any] = []
        if isinstance(target, str) and target == "local":
            cluster = dd.LocalCluster(n_workers=workers or os.cpu_count() or 1,
                                      threads_per_worker=1, processes=True,
                                      dashboard_address=None)
            self._owned.append(cluster)
            target = cluster
        self._client: Any = target
        if not isinstance(target, dd.Client):
            try:
                self._client = dd.Client(target)
            except (OSError, TimeoutError, ValueError) as err:
                self.close()
                raise ExperimentError(f"cannot connect to the Dask scheduler at {target}: "
                                      f"{err}") from None
            self._owned.insert(0, self._client)

    def describe(self) -> str:
        """Return where the jobs run."""
        workers = len(self._client.scheduler_info().get("workers", {}))
        plural = "" if workers == 1 else "s"
        return f"Dask cluster at {self._client.scheduler.address} ({workers} worker{plural})"

    def run(self, jobs: Sequence[Job], on_result: OnResult) -> None:
        """Submit ``jobs`` to the cluster; on stop or Ctrl-C, cancel what is unfinished.

        Told to stop, it still passes on the results that had finished by
        then (as the pool passes on its running jobs), so that a failed
        replication does not throw away work the store could keep.
        """
        futures = {self._client.submit(run_job, job, pure=False): job for job in jobs}
        handed: set[Any] = set()
        stopped = False
        try:
            for fut in _distributed().as_completed(list(futures)):
                handed.add(fut)
                if not on_result(self._result(fut, futures[fut])):
                    stopped = True
                    break
        finally:
            unfinished = [f for f in futures if not f.done()]
            if unfinished:
                self._client.cancel(unfinished)
        if stopped:
            for fut, job in futures.items():
                if fut not in handed and fut.status == "finished":
                    on_result(self._result(fut, job))

    @staticmethod
    def _result(fut: Any, job: Job) -> JobResult:
        try:
            result: JobResult = fut.result()
            return result
        except Exception as err:  # e.g. KilledWorker: the worker process died
            return _lost(job, err)

    def close(self) -> None:
        """Close the client and cluster this executor started."""
        for thing in self._owned:
            thing.close()
        self._owned = []


def make_executor(workers: int | None = None, dask: Any = None,
                  jobs: int | None = None) -> Executor:
    """Return the executor asked for.

    Args:
        workers: Worker processes (default: ``os.cpu_count()``); 1 runs the
            jobs in this process.
        dask: None for local execution; ``"local"``, a scheduler address or
            a ``dask.distributed.Client`` for Dask.
        jobs: How many jobs there are to run, if known: a local pool has no
            more processes than that (the pool starts every process at once,
            and a process with no job would only cost memory).
    """
    if dask is not None:
        return DaskExecutor(dask, workers)
    count = workers or os.cpu_count() or 1
    if jobs is not None:
        count = max(1, min(count, jobs))
    return SerialExecutor() if count == 1 else PoolExecutor(count)
