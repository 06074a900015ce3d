"""Time-weighted statistics of a resource (queue length, busy servers) in bins.

Presenters plot queue lengths and utilisation over the day; analysts check
Little's law. The monitor integrates the piecewise-constant queue length and
number busy over fixed-width time bins as the simulation advances, which
costs O(1) per state change (plus one step per bin crossed).
"""

from __future__ import annotations

import math
from array import array
from typing import Final

from librt.vecs import append, vec
from mypy_extensions import i64

WAIT_CHUNK: Final = 1024
"""Waits gathered in a list before they are moved to an array of their own."""


class BinnedMonitor:
    """Accumulates a resource's state over time bins.

    A bin's figures are columns of unboxed numbers (``librt.vecs.vec``),
    one item per bin, which a compiled build (see fraudsim/engine.py) reads
    and changes in place. In a list, every change of a bin's area or count
    made a new Python number (an int above 256 is an object too): the
    bank-request monitor changes about twenty times per case.

    Args:
        name: Resource name (e.g. ``analysts``).
        bin_min: Width of a bin in minutes.
    """

    def __init__(self, name: str, bin_min: float) -> None:
        self.name = name
        self.bin_min = bin_min
        self._queue_area: vec[float] = vec[float]()
        self._busy_area: vec[float] = vec[float]()
        self._capacity_area: vec[float] = vec[float]()
        self._wait_sum: vec[float] = vec[float]()
        self._max_queue: vec[i64] = vec[i64]()
        self._arrivals: vec[i64] = vec[i64]()
        self._starts: vec[i64] = vec[i64]()
        # Every job's wait, 8 bytes each (a list of floats would cost 32), read
        # through the property waits. The newest are gathered in a short vec
        # first: a compiled build appends to it natively with no float object
        # made, but to an array only through a generic method call (some 700
        # instructions a wait). Each full vec becomes an array of its own,
        # joined only when read: one array grown a chunk at a time was
        # reallocated (and, unless the memory after it happened to be free,
        # copied whole) every sixteenth of its size, megabytes no longer in
        # the cache over a national year.
        self._wait_chunks: list[array[float]] = []
        self._new_waits: vec[float] = vec[float]()
        # The state since the last change, at _last. Counts and bin numbers
        # are machine ints (i64): a compiled build then indexes the vecs
        # and converts to float without testing for a boxed int first.
        self._last = 0.0
        self._queue: i64 = 0
        self._busy: i64 = 0
        self._capacity = 0.0
        # The bin of _last, and its end (minus infinity before the first change).
        self._cur: i64 = 0
        self._bin_end = -math.inf

    def _bin(self, t: float) -> i64:
        b: i64 = int(t // self.bin_min)
        return self._grow(b)

    def _bin_of_now(self, now: float) -> i64:
        """Return the bin of ``now``: the bin of the last change if that was at ``now``.

        That bin was computed by :meth:`_bin` from the same time, so this is
        exact, and it spares a float floor division (through C's ``fmod``)
        at most calls: a resource's arrival, start and state change usually
        come at the same time.
        """
        return self._cur if self._last == now and now < self._bin_end else self._bin(now)

    def _grow(self, b: i64) -> i64:
        """Make sure bin ``b`` exists; return it."""
        while len(self._queue_area) <= b:
            self._queue_area = append(self._queue_area, 0.0)
            self._busy_area = append(self._busy_area, 0.0)
            self._capacity_area = append(self._capacity_area, 0.0)
            self._wait_sum = append(self._wait_sum, 0.0)
            self._max_queue = append(self._max_queue, 0)
            self._arrivals = append(self._arrivals, 0)
            self._starts = append(self._starts, 0)
        return b

    def advance(self, now: float) -> None:
        """Integrate the current state from the last change up to ``now``."""
        t = self._last
        if now <= t:
            return
        # Counts as floats, as int * float converts them in Python.
        q, busy, cap = float(self._queue), float(self._busy), self._capacity
        if now < self._bin_end:
            # Fast path: still inside the bin of the last change.
            b = self._cur
            dt = now - t
            self._queue_area[b] += q * dt
            self._busy_area[b] += busy * dt
            self._capacity_area[b] += cap * dt
            self._last = now
            return
        # Walk the bins by index: recomputing the bin from t could stall when a
        # bin edge (b + 1) * width floor-divides back into bin b in binary.
        b = self._bin(t)
        queue = self._queue
        while t < now:
            end = min(now, float(b + 1) * self.bin_min)
            if end > t:
                dt = end - t
                self._queue_area[b] += q * dt
                self._busy_area[b] += busy * dt
                self._capacity_area[b] += cap * dt
                if queue > self._max_queue[b]:
                    self._max_queue[b] = queue
                t = end
            b = self._grow(b + 1)
        self._last = now
        b = self._cur = self._bin(now)
        self._bin_end = float(b + 1) * self.bin_min

    def set_state(self, now: float, queue: int, busy: int, capacity: float) -> None:
        """Record a change of queue length, busy servers or capacity at ``now``."""
        self.advance(now)
        self._queue, self._busy, self._capacity = queue, busy, capacity
        b = self._bin_of_now(now)
        if queue > self._max_queue[b]:
            self._max_queue[b] = queue

    def add_busy(self, now: float, change: int) -> None:
        """Change the number busy by ``change`` at ``now``; queue and capacity stay.

        Exactly ``set_state(now, queue, busy + change, capacity)``, in fewer
        steps on the common path: the bank-request monitor changes about
        twenty times per case. Within the bin of the last change the queue's
        maximum needs no update: the queue has not changed since the
        change that recorded it there.
        """
        if self._last <= now < self._bin_end:
            self.advance(now)  # nothing, or its same-bin path
            self._busy += change
        else:
            self.set_state(now, self._queue, self._busy + change, self._capacity)

    def arrival(self, now: float) -> None:
        """Count a job arriving at ``now``."""
        b = self._bin_of_now(now)  # first: it may grow the columns, which replaces them
        self._arrivals[b] += 1

    def start(self, now: float, wait: float) -> None:
        """Count a job starting service at ``now`` after waiting ``wait`` minutes."""
        b = self._bin_of_now(now)
        self._starts[b] += 1
        self._wait_sum[b] += wait
        new = self._new_waits = append(self._new_waits, wait)
        if len(new) == WAIT_CHUNK:
            self._flush_waits()

    def starts_before(self, b: int) -> int:
        """Return the number of jobs that started service in the bins before bin ``b``.

        Waits are kept in the order jobs started, so these are the first
        waits of :attr:`waits`.
        """
        return sum(self._starts[:b])

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
        if len(self._new_waits):
            # Copied as one block of bytes through the vec's buffer. Given
            # the vec itself, array() iterates it, boxing each wait as a
            # float and parsing it back (about 270 instructions a wait,
            # counted with callgrind: 2.4% of a replication of the sweep).
            chunk = array("d")
            chunk.frombytes(memoryview(self._new_waits).cast("B"))
            self._wait_chunks.append(chunk)
            self._new_waits = vec[float]()

    def rows(self, end: float) -> list[dict[str, float | int | str]]:
        """Return one row per bin up to ``end`` with means over the bin."""
        self.advance(end)
        self._bin(max(0.0, end - 1e-9))
        out: list[dict[str, float | int | str]] = []
        for b in range(len(self._queue_area)):
            lo = float(b) * self.bin_min
            width = min(self.bin_min, end - lo)
            if width <= 0:
                break
            cap = self._capacity_area[b] / width
            busy = self._busy_area[b] / width
            unlimited = math.isinf(cap) or cap >= 1e12
            out.append(
                {
                    "resource": self.name,
                    "bin_start_min": lo,
                    "bin_end_min": lo + width,
                    "mean_queue": self._queue_area[b] / width,
                    "max_queue": self._max_queue[b],
                    "mean_busy": busy,
                    "mean_capacity": math.nan if unlimited else cap,
                    "utilisation": math.nan if unlimited or cap == 0 else busy / cap,
                    "arrivals": self._arrivals[b],
                    "starts": self._starts[b],
                    "mean_wait_min": (
                        self._wait_sum[b] / float(self._starts[b]) if self._starts[b] else math.nan
                    ),
                }
            )
        return out
