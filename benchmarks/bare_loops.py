"""The bare loops the benchmark sets beside the model: a minimal heapq loop and the clock.

The model's events per second mean little alone on a machine whose pace
drifts; ``bench_national.py`` times these loops over as many events, in the
same run, and prints the ratios (see its docstring). ``bare_heapq_loop`` is
also the job of the machine's own sweep speed-up (``sweep_runs.py``).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable


def _trivial_handler(payload: int) -> None:
    """Do nothing: the bare loop's handler."""


def bare_heapq_loop(n_events: int, pending: int = 1000) -> float:
    """Return events per second of a minimal heapq event loop with a trivial handler.

    The heap holds exactly ``pending`` entries ``(time, seq, payload)`` for
    the whole run (float time, int sequence number, int payload; initially
    spread over the next 7 time units). Each of the ``n_events`` events
    pops the earliest entry, calls a module-level do-nothing function with
    its payload, and pushes one new entry 1 to 7 time units later, so the
    heap's size never changes. This is the model kernel's inner loop
    (``heappop``, one handler call, ``heappush``) with every model cost
    taken out: no five-field entries, no SimPy event check, no work in the
    handler. Only the loop is timed, not building the heap.

    Args:
        n_events: Events to process (pops, handler calls and pushes).
        pending: Entries kept in the heap (at least 1).

    Returns:
        Events per second.
    """
    pending = max(1, pending)
    # Sorted by time, hence already a heap.
    heap: list[tuple[float, int, int]] = [(i * 7.0 / pending, i, i) for i in range(pending)]
    seq = pending
    handler: Callable[[int], None] = _trivial_handler
    pop, push = heapq.heappop, heapq.heappush
    started = time.perf_counter()
    for _ in range(n_events):
        t, _, k = pop(heap)
        handler(k)
        seq += 1
        push(heap, (t + 1.0 + (seq % 7), seq, k))
    return n_events / (time.perf_counter() - started)


def clock_loop(n_events: int, pending: int = 1000) -> float:
    """Return events per second of :func:`bare_heapq_loop`'s work run through the model's clock.

    The same queue as the bare loop, in ``fraudsim``'s event kernel
    (:class:`fraudsim.model.kernel.Clock`, compiled when the model is):
    ``pending`` happenings spread over the first 7 minutes, and each one's
    handler (a plain Python function, as the bare loop's) schedules one new
    happening 1 to 7 minutes later, so about ``pending`` stay pending. Set
    beside the bare loop and the model, it tells the kernel's cost per
    event from the model's own work. The clock runs until about
    ``n_events`` have run (the mean delay is 4 minutes); the rate is of
    those that ran. Only the run is timed.

    Args:
        n_events: Events to process, about.
        pending: Happenings kept pending (at least 1).

    Returns:
        Events per second.
    """
    from fraudsim.model.kernel import Clock

    pending = max(1, pending)
    clock = Clock()
    seq = [pending]

    def handler(k: int) -> None:
        seq[0] += 1
        clock.after(1.0 + (seq[0] % 7), handler, k)

    for i in range(pending):
        clock.at(i * 7.0 / pending, handler, i)
    horizon = n_events * 4.0 / pending
    started = time.perf_counter()
    clock.run_to(horizon)
    return clock.events_processed / (time.perf_counter() - started)
