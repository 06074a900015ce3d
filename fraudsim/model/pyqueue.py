"""The event queue: its interface, and the Python engine's implementation.

The clock (:class:`fraudsim.model.kernel.Clock`) keeps its pending
happenings in an event queue with the interface :class:`EventQueue`. There
are two implementations with the same order and the same results: the
compiled engine's (:mod:`fraudsim.model.cqueue`, in C, see
``fraudsim/model/cqueue.c``) and :class:`PyQueue`, here, which the Python
engine runs. The tests run both.

A pending happening is a handler call, ``handler(payload)``, or an ordinary
SimPy event. The order is SimPy's: time first, then priority, then
scheduling order.

The queue has two levels. Tens of thousands of happenings are pending at
any time in a national run, most of them hours or days ahead (reports,
later installments, stop-payment expiries), and a binary heap's cost grows
with its size: at 100 thousand cases a pop cost three microseconds. So only
happenings due in the current bucket of time (:data:`BUCKET_MIN` wide) are
near; later ones wait, unsorted, in one list per bucket (the far queue,
:mod:`fraudsim.model.farqueue`). A bucket is opened once everything near
is done: its entries are sorted once, into the *run*, and what is scheduled
into the open bucket afterwards goes to a small heap. The next happening is
the smaller of the run's next and the heap's top. Sorting beats heapifying
here: ``list.sort`` compares tuples whose first items are all floats at C
speed, while every heap comparison goes through Python's generic tuple and
float comparison (at 1,500 entries, a heap pop made about 15 of them: a
tenth of the whole run's instructions). Every entry keeps its time and
priority; entries in the heap have ids in scheduling order, and entries of
a bucket keep that order through a stable sort (see
:data:`~fraudsim.model.farqueue.FAR_ID`). A bucket is opened only once
every earlier one is done, so the order is exactly that of a single heap.

An entry here is a tuple, ``(time, priority, id, handler, payload)`` for a
handler call and SimPy's own ``(time, priority, id, event)`` for an event.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from typing import Any, Final, Protocol

from fraudsim.model.farqueue import BUCKET_MIN, FAR_ID, RING_BUCKETS, Entry, FarQueue

__all__ = ["EventQueue", "Happen", "HappenEvent", "Popped", "PyQueue"]

HANDLER_PRIORITY: Final = 1
"""SimPy's NORMAL priority (``simpy.events.NORMAL``), which handler calls share."""

Happen = Callable[[float, Any, Any], None]
"""The clock's callback for a handler call: ``happen(time, handler, payload)``."""

HappenEvent = Callable[[float, Any], None]
"""The clock's callback for an ordinary SimPy event: ``happen_event(time, event)``."""

Popped = tuple[float, int, Any, Any, bool]
"""An entry taken out of a queue: ``(time, priority, handler or event, payload, is_handler)``.

The payload is None for a SimPy event (``is_handler`` False)."""

# Module-level names: one lookup each in the Python engine's loop, not two.
_heappush: Final = heapq.heappush
_heappop: Final = heapq.heappop


class EventQueue(Protocol):
    """What the clock needs of an event queue (both implementations have it)."""

    @property
    def pending(self) -> int:
        """Return the number of entries waiting, near and far."""

    @property
    def near(self) -> int:
        """Return the number of entries waiting in the open bucket."""

    def push(self, t: float, handler: Any, payload: Any, /) -> None:
        """Schedule ``handler(payload)`` at time ``t`` (not NaN: ValueError)."""

    def push_event(self, t: float, priority: int, event: Any, /) -> None:
        """Schedule an ordinary SimPy event of ``priority`` at time ``t``."""

    def run_before(self, until: float, happen: Happen, happen_event: HappenEvent, /) -> None:
        """Take out and run, in order, every entry due before ``until``.

        Each entry leaves the queue before its callback runs, so that what
        the callback schedules, or an exception it raises, finds the queue
        in order.
        """

    def take_done(self) -> int:
        """Return the entries :meth:`run_before` ran since the last call, and reset the count."""

    def peek(self) -> float:
        """Return the time of the next entry (infinity if there is none)."""

    def pop(self) -> Popped | None:
        """Take out the next entry and return it (None if there is none)."""

    def entries(self) -> list[Popped]:
        """Return every entry waiting, as :meth:`pop` would, in no particular order."""

    def clear(self) -> None:
        """Drop every entry waiting; the queue stays usable from where it was."""


def _popped(entry: Entry) -> Popped:
    if len(entry) == 5:
        return (entry[0], entry[1], entry[3], entry[4], True)
    return (entry[0], entry[1], entry[3], None, False)


class PyQueue:
    """The two-level event queue in Python (see the module docstring).

    Args:
        ring_buckets: Buckets in the far queue's ring (a power of two; see
            :class:`~fraudsim.model.farqueue.FarQueue`).
    """

    def __init__(self, ring_buckets: int = RING_BUCKETS) -> None:
        # The id of the next entry pushed on the heap (see FAR_ID), in
        # scheduling order.
        self._seq = FAR_ID + 1
        # Everything due before _near_end is near: the run (the open bucket's
        # entries, sorted descending so that the next one is last) and the
        # heap (entries scheduled into the open bucket). Later entries wait
        # in the far queue.
        self._heap: list[Entry] = []
        self._run: list[Entry] = []
        self._near_end = BUCKET_MIN
        self._far = FarQueue(ring_buckets)
        self._done = 0

    @property
    def pending(self) -> int:
        """Return the number of entries waiting, near and far."""
        return self.near + self._far.count

    @property
    def near(self) -> int:
        """Return the number of entries waiting in the open bucket (run and heap)."""
        return len(self._heap) + len(self._run)

    def push(self, t: float, handler: Any, payload: Any) -> None:
        """Schedule ``handler(payload)`` at time ``t``."""
        if t < self._near_end:
            eid = self._seq
            self._seq = eid + 1
            _heappush(self._heap, (t, HANDLER_PRIORITY, eid, handler, payload))
        else:
            self._far.push(t, (t, HANDLER_PRIORITY, FAR_ID, handler, payload))

    def push_event(self, t: float, priority: int, event: Any) -> None:
        """Schedule an ordinary SimPy event of ``priority`` at time ``t``."""
        if t < self._near_end:
            eid = self._seq
            self._seq = eid + 1
            _heappush(self._heap, (t, priority, eid, event))
        else:
            b = self._far.push(t, (t, priority, FAR_ID, event))
            if priority != HANDLER_PRIORITY:
                self._far.mark_mixed(b)

    def _refill(self) -> bool:
        """Open the next far bucket once nothing near is left; False if no bucket is left."""
        run = self._far.open_next()
        if run is None:
            return False
        self._run = run
        self._near_end = (self._far.open_bucket + 1) * BUCKET_MIN
        return True

    def _next(self) -> Entry | None:
        """Return the next entry without removing it (None if nothing is left)."""
        while True:
            run, heap = self._run, self._heap
            if run:
                return heap[0] if heap and heap[0] < run[-1] else run[-1]
            if heap:
                return heap[0]
            if not self._refill():
                return None

    def peek(self) -> float:
        """Return the time of the next entry (infinity if there is none)."""
        entry = self._next()
        return math.inf if entry is None else float(entry[0])

    def pop(self) -> Popped | None:
        """Take out the next entry and return it (None if there is none)."""
        entry = self._next()
        if entry is None:
            return None
        if self._run and self._run[-1] is entry:
            self._run.pop()
        else:
            _heappop(self._heap)
        return _popped(entry)

    def entries(self) -> list[Popped]:
        """Return every entry waiting, in no particular order."""
        return [_popped(e) for e in [*self._heap, *self._run, *self._far.entries()]]

    def clear(self) -> None:
        """Drop every entry waiting; the queue stays usable from where it was."""
        # In place: a running run_before holds the lists, and must find them empty.
        self._heap.clear()
        self._run.clear()
        self._far.clear()

    def take_done(self) -> int:
        """Return the entries :meth:`run_before` ran since the last call, and reset the count."""
        done, self._done = self._done, 0
        return done

    def run_before(self, until: float, happen: Happen, happen_event: HappenEvent) -> None:
        """Take out and run, in order, every entry due before ``until``.

        The queue's innermost loop, run tens of millions of times by the
        Python engine.
        """
        heap, run = self._heap, self._run
        done = 0
        # Times are read once into locals and compared first: a heap entry
        # and the run's next compare as whole tuples only when their times
        # are equal (the order is exactly the tuples' order).
        try:
            while True:
                if run:
                    entry = run[-1]
                    t: float = entry[0]
                    from_heap = False
                    if heap:
                        top = heap[0]
                        t_top: float = top[0]
                        if t_top < t or (t_top == t and top < entry):
                            entry, t, from_heap = top, t_top, True
                    if t >= until:
                        break
                    if from_heap:
                        _heappop(heap)
                    else:
                        run.pop()
                elif heap:
                    entry = heap[0]
                    t = entry[0]
                    if t >= until:
                        break
                    _heappop(heap)
                elif self._refill():
                    run = self._run
                    continue
                else:
                    break
                done += 1
                if len(entry) == 5:
                    happen(t, entry[3], entry[4])
                else:
                    happen_event(t, entry[3])
        finally:
            self._done += done
