"""Time-weighted statistics of a resource (queue length, busy servers) in bins.

Presenters plot queue lengths and utilisation over the day; analysts check
Little's law. The monitor integrates the piecewise-constant queue length and
number busy over fixed-width time bins as the simulation advances, which
costs O(1) per state change (plus one step per bin crossed).
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from typing import Final

WAIT_CHUNK: Final = 1024
"""Waits gathered in a list before they are moved to an array of their own."""


@dataclass
class BinnedMonitor:
    """Accumulates a resource's state over time bins.

    Args:
        name: Resource name (e.g. ``analysts``).
        bin_min: Width of a bin in minutes.
    """

    name: str
    bin_min: float
    queue_area: list[float] = field(default_factory=list)
    busy_area: list[float] = field(default_factory=list)
    capacity_area: list[float] = field(default_factory=list)
    max_queue: list[int] = field(default_factory=list)
    arrivals: list[int] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    wait_sum: list[float] = field(default_factory=list)
    # Every job's wait, 8 bytes each (a list of floats would cost 32), read
    # through the property waits. The newest are gathered in a short list
    # first: a compiled build appends to a list natively, but to an array
    # only through a generic method call (some 700 instructions a wait).
    # Each full list becomes an array of its own, joined only when read: one
    # array grown a chunk at a time was reallocated (and, unless the memory
    # after it happened to be free, copied whole) every sixteenth of its
    # size, megabytes no longer in the cache over a national year.
    _wait_chunks: list[array[float]] = field(default_factory=list)
    _new_waits: list[float] = field(default_factory=list)
    _last: float = 0.0
    _queue: int = 0
    _busy: int = 0
    _capacity: float = 0.0
    _cur: int = 0
    # End of the open bin `_cur`; minus infinity while no bin is open.
    _bin_end: float = -math.inf
    # The open bin's three areas (see advance): plain float fields, which a
    # compiled build keeps unboxed, where adding to a list's float makes a
    # new float object each time. While a bin is open, the lists' entries
    # for it are stale.
    _cur_queue: float = 0.0
    _cur_busy: float = 0.0
    _cur_capacity: float = 0.0

    def _bin(self, t: float) -> int:
        return self._grow(int(t // self.bin_min))

    def _bin_of_now(self, now: float) -> int:
        """Return the bin of ``now``: the open bin if the last change was at ``now``.

        The open bin was computed by :meth:`_bin` from that same time, so
        this is exact, and it spares a float floor division (through C's
        ``fmod``) at most calls: a resource's arrival, start and state
        change usually come at the same time.
        """
        return self._cur if self._last == now and now < self._bin_end else self._bin(now)

    def _grow(self, b: int) -> int:
        """Make sure bin ``b`` exists; return it."""
        while len(self.queue_area) <= b:
            for col in (self.queue_area, self.busy_area, self.capacity_area, self.wait_sum):
                col.append(0.0)
            for icol in (self.max_queue, self.arrivals, self.starts):
                icol.append(0)
        return b

    def advance(self, now: float) -> None:
        """Integrate the current state from the last change up to ``now``."""
        t = self._last
        if now <= t:
            return
        q, busy, cap = self._queue, self._busy, self._capacity
        if now < self._bin_end:
            # Fast path: still inside the bin of the last change. The same
            # additions in the same order as on the lists, so the same sums.
            dt = now - t
            self._cur_queue += q * dt
            self._cur_busy += busy * dt
            self._cur_capacity += cap * dt
            self._last = now
            return
        self._close()
        # Walk the bins by index: recomputing the bin from t could stall when a
        # bin edge (b + 1) * width floor-divides back into bin b in binary.
        b = self._bin(t)
        while t < now:
            end = min(now, (b + 1) * self.bin_min)
            if end > t:
                dt = end - t
                self.queue_area[b] += q * dt
                self.busy_area[b] += busy * dt
                self.capacity_area[b] += cap * dt
                if q > self.max_queue[b]:
                    self.max_queue[b] = q
                t = end
            b = self._grow(b + 1)
        self._last = now
        b = self._cur = self._bin(now)
        self._bin_end = (b + 1) * self.bin_min
        self._cur_queue = self.queue_area[b]
        self._cur_busy = self.busy_area[b]
        self._cur_capacity = self.capacity_area[b]

    def _close(self) -> None:
        """Write the open bin's areas back to the lists and close it.

        Until :meth:`advance` opens a bin again, its fast path is closed too.
        """
        if self._bin_end > -math.inf:
            b = self._cur
            self.queue_area[b] = self._cur_queue
            self.busy_area[b] = self._cur_busy
            self.capacity_area[b] = self._cur_capacity
            self._bin_end = -math.inf

    def set_state(self, now: float, queue: int, busy: int, capacity: float) -> None:
        """Record a change of queue length, busy servers or capacity at ``now``."""
        self.advance(now)
        self._queue, self._busy, self._capacity = queue, busy, capacity
        b = self._bin_of_now(now)
        if queue > self.max_queue[b]:
            self.max_queue[b] = queue

    def add_busy(self, now: float, change: int) -> None:
        """Change the number busy by ``change`` at ``now``; queue and capacity stay.

        Exactly ``set_state(now, queue, busy + change, capacity)``, in fewer
        steps on the common path: the bank-request monitor changes about
        twenty times per case. Within the bin of the last change the queue's
        maximum needs no update, as the queue has not changed.
        """
        if self._last < now < self._bin_end:
            self.advance(now)  # its same-bin path
            self._busy += change
        else:
            self.set_state(now, self._queue, self._busy + change, self._capacity)

    def arrival(self, now: float) -> None:
        """Count a job arriving at ``now``."""
        # Not ``+= 1``: a compiled build adds to a list's item through the
        # generic number protocol, but adds ints it has read natively.
        b = self._bin_of_now(now)
        self.arrivals[b] = self.arrivals[b] + 1

    def start(self, now: float, wait: float) -> None:
        """Count a job starting service at ``now`` after waiting ``wait`` minutes."""
        b = self._bin_of_now(now)
        self.starts[b] = self.starts[b] + 1  # as in arrival
        self.wait_sum[b] = self.wait_sum[b] + wait
        new = self._new_waits
        new.append(wait)
        if len(new) == WAIT_CHUNK:
            self._flush_waits()

    @property
    def waits(self) -> array[float]:
        """Return every job's wait in minutes, in the order they started service."""
        self._flush_waits()
        chunks = self._wait_chunks
        if len(chunks) != 1:
            # Joined once (and kept joined): every chunk's bytes, copied once.
            joined = array("d")
            joined.frombytes(b"".join(chunks))
            self._wait_chunks = chunks = [joined]
        return chunks[0]

    def _flush_waits(self) -> None:
        if self._new_waits:
            self._wait_chunks.append(array("d", self._new_waits))  # sized once
            self._new_waits.clear()

    def rows(self, end: float) -> list[dict[str, float | int | str]]:
        """Return one row per bin up to ``end`` with means over the bin."""
        self.advance(end)
        self._close()
        self._bin(max(0.0, end - 1e-9))
        out: list[dict[str, float | int | str]] = []
        for b in range(len(self.queue_area)):
            lo = b * self.bin_min
            width = min(self.bin_min, end - lo)
            if width <= 0:
                break
            cap = self.capacity_area[b] / width
            busy = self.busy_area[b] / width
            unlimited = math.isinf(cap) or cap >= 1e12
            out.append(
                {
                    "resource": self.name,
                    "bin_start_min": lo,
                    "bin_end_min": lo + width,
                    "mean_queue": self.queue_area[b] / width,
                    "max_queue": self.max_queue[b],
                    "mean_busy": busy,
                    "mean_capacity": math.nan if unlimited else cap,
                    "utilisation": math.nan if unlimited or cap == 0 else busy / cap,
                    "arrivals": self.arrivals[b],
                    "starts": self.starts[b],
                    "mean_wait_min": (
                        self.wait_sum[b] / self.starts[b] if self.starts[b] else math.nan
                    ),
                }
            )
        return out
