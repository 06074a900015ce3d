"""A team of servers working shifts, with a queue under a triage rule.

Call-takers, analysts, patrol units and the dissuasion team are all such
pools. Capacity follows the weekly calendar: at a shift change extra staff
start on waiting jobs at once; when staff leave, those busy finish their job
first (nobody drops a victim mid-call) and no new job starts until the
number busy is below the new capacity.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable
from typing import Any

from fraudsim.model.kernel import Call, Clock
from fraudsim.model.monitor import BinnedMonitor
from fraudsim.scenario.staffing import HOURS_PER_WEEK

MINUTES_PER_HOUR = 60.0
MINUTES_PER_WEEK = HOURS_PER_WEEK * MINUTES_PER_HOUR

StartHandler = Call | Callable[[Any, float], None]
"""What a server taking a job does: a :class:`~fraudsim.model.kernel.Call`, run
with the job (its wait is the pool's ``wait``), or any callable, called with
(job, wait in minutes)."""


class _Queue:
    """Waiting jobs: FIFO, LIFO, or smallest key first (ties in arrival order)."""

    def __init__(self, discipline: str) -> None:
        self.discipline = discipline
        self._deque: deque[tuple[Any, float]] = deque()
        self._heap: list[tuple[float, int, Any, float]] = []
        self._seq = 0  # arrival order, the tie-break of equal keys (an int: see push)
        self.size = 0  # jobs waiting: an attribute, read on every arrival and release

    def __len__(self) -> int:
        return self.size

    def push(self, job: Any, key: float, arrived: float) -> None:
        self.size += 1
        if self.discipline in ("fifo", "lifo"):
            self._deque.append((job, arrived))
        else:
            # An int field, not itertools.count: a compiled build calls next()
            # through the builtins module.
            seq = self._seq
            self._seq = seq + 1
            heapq.heappush(self._heap, (key, seq, job, arrived))

    def pop(self) -> tuple[Any, float]:
        self.size -= 1
        if self.discipline == "fifo":
            return self._deque.popleft()
        if self.discipline == "lifo":
            return self._deque.pop()
        _, _, job, arrived = heapq.heappop(self._heap)
        return job, arrived


class ServerPool:
    """Servers with a weekly capacity calendar and a waiting queue.

    The pool only assigns servers: the caller schedules the service and calls
    :meth:`release` when the job is done. The model's pools start their jobs
    through a ``Call``, which a compiled build runs natively, where a plain
    callable goes through CPython's generic call with its wait boxed.

    Args:
        clock: The simulation clock.
        name: Resource name used in results.
        weekly_capacity: Servers on duty in each hour of the week (168 values).
        discipline: ``fifo``, ``lifo`` or ``key`` (smallest key first).
        on_start: What a server taking a job does (see :data:`StartHandler`).
        bin_min: Width of the monitor's time bins.
        end_min: End of the simulation (no shift changes scheduled past it).

    Attributes:
        wait: The wait in minutes of the job a server took last.
    """

    def __init__(
        self,
        clock: Clock,
        name: str,
        weekly_capacity: list[int],
        discipline: str,
        on_start: StartHandler,
        bin_min: float,
        end_min: float,
    ) -> None:
        self.clock = clock
        self.name = name
        self.on_start = on_start
        self.wait = 0.0
        self.queue = _Queue(discipline)
        self.busy = 0
        self.capacity = weekly_capacity[0]
        self.monitor = BinnedMonitor(name, bin_min)
        self.monitor.set_state(0.0, 0, 0, self.capacity)
        # Bound once: each pending shift change holds its handler (see Network).
        self._shift_handler: Callable[[int], None] = self._on_shift_change
        self._schedule_shift_changes(weekly_capacity, end_min)

    def _schedule_shift_changes(self, weekly: list[int], end_min: float) -> None:
        changes = [h for h in range(1, HOURS_PER_WEEK) if weekly[h] != weekly[h - 1]]
        if weekly[0] != weekly[-1]:
            changes.append(HOURS_PER_WEEK)
        weeks = int(end_min // MINUTES_PER_WEEK) + 1
        for w in range(weeks):
            for h in changes:
                t = w * MINUTES_PER_WEEK + h * MINUTES_PER_HOUR
                if 0 < t < end_min:
                    self.clock.at(t, self._shift_handler, weekly[h % HOURS_PER_WEEK])

    def _on_shift_change(self, capacity: int) -> None:
        self.capacity = capacity
        self._start_waiting()
        self._record()

    def _record(self) -> None:
        self.monitor.set_state(self.clock.now, self.queue.size, self.busy, self.capacity)

    def request(self, job: Any, key: float = 0.0) -> None:
        """Ask for a server for ``job``; ``key`` orders the queue (smaller first)."""
        now = self.clock.now
        # The arrival is counted after the state change at the same time,
        # so that the monitor finds its bin open (counts do not depend on
        # the order).
        if self.busy < self.capacity and not self.queue.size:
            self.busy += 1
            self._record()
            self.monitor.arrival(now)
            self.monitor.start(now, 0.0)
            self._begin(job, 0.0)
            return
        self.queue.push(job, key, now)
        self._record()
        self.monitor.arrival(now)

    def release(self) -> None:
        """Free one server (its job is done) and start the next waiting job."""
        self.busy -= 1
        self._start_waiting()
        self._record()

    def _start_waiting(self) -> None:
        now = self.clock.now
        while self.busy < self.capacity and self.queue.size:
            job, arrived = self.queue.pop()
            self.busy += 1
            wait = now - arrived
            self.monitor.start(now, wait)
            self._begin(job, wait)

    def _begin(self, job: Any, wait: float) -> None:
        """Hand ``job``, taken by a server after ``wait`` minutes, to the pool's handler."""
        self.wait = wait
        on_start = self.on_start
        if isinstance(on_start, Call):
            on_start.run(job)
        else:
            on_start(job, wait)
