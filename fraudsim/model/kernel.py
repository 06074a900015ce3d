"""The event kernel: one SimPy environment with a fast path for handler calls.

A generator process per victim or per money movement would cost a SimPy
process (and its generator frames) for every one of tens of millions of
movements, and even a bare ``simpy.Event`` per happening costs an object
with a dict and a callbacks list. Instead a future happening is one entry
in SimPy's own event queue, ``(time, priority, id, handler, payload)``, in
SimPy's order (time first, then priority, then scheduling order), with the
handler and its payload (a case, an account) in place of the event object.

The queue has two levels. Tens of thousands of happenings are pending at
any time in a national run, most of them hours or days ahead (reports,
later installments, stop-payment expiries), and a binary heap's cost grows
with its size: at 100 thousand cases a pop cost three microseconds. So only
happenings due in the current bucket of time (:data:`BUCKET_MIN` wide) are
near; later ones wait, unsorted, in one list per bucket (the far queue,
:mod:`fraudsim.model.farqueue`). A bucket is opened once everything near
is done: its entries are sorted once, into the *run*,
and what is scheduled into the open bucket afterwards goes to a small heap
(SimPy's own queue). The next happening is the smaller of the run's next
and the heap's top. Sorting beats heapifying here: ``list.sort`` compares
tuples whose first items are all floats at C speed, while every heap
comparison goes through Python's generic tuple and float comparison (at
1,500 entries, a heap pop made about 15 of them: a tenth of the whole run's
instructions). Every entry keeps its time and priority; entries in the
heap have ids in scheduling order, and entries of a bucket keep that order
through a stable sort (see :data:`~fraudsim.model.farqueue.FAR_ID`). A
bucket is opened only once every earlier one is done, so the order is
exactly that of a single heap.

The clock is still a ``simpy.Environment``: ordinary SimPy events and
processes can share it (their entries have four fields, ours five, and
:meth:`Clock.step` runs both).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from itertools import count
from typing import Any, Final

import simpy
from simpy.core import EmptySchedule
from simpy.events import NORMAL, EventPriority

from fraudsim.model.farqueue import BUCKET_MIN, FAR_ID, RING_BUCKETS, Entry, FarQueue
from fraudsim.model.queueload import QueueLoad

__all__ = ["BUCKET_MIN", "RING_BUCKETS", "Call", "Clock", "Dispatcher", "Entry", "Handler"]

Handler = Callable[[Any], None]
"""A handler, called with the payload it was scheduled with: a :class:`Call`, or any callable."""

_HANDLER_PRIORITY: Final = int(NORMAL)
"""SimPy's NORMAL priority, which handler calls share, as a constant a compiled build inlines."""

RUN_STEPS: Final = 100
"""Steps of :meth:`Clock.run_to`: progress reports and queue-load samples."""

# The heap functions as final names: a compiled build keeps them in C
# statics, where an imported name is looked up in the module's dict at
# every call.
_heappush: Final = heapq.heappush
_heappop: Final = heapq.heappop

# The two as ready-made objects for the entries: a compiled build boxes an
# int constant each time it puts one in a tuple, where an object is only
# referenced.
_HANDLER_PRIORITY_OBJ: Final[object] = _HANDLER_PRIORITY
_FAR_ID_OBJ: Final[object] = FAR_ID


class Dispatcher:
    """A part of the model whose happenings the clock runs through :meth:`dispatch`.

    The clock calls a plain handler, a bound method say, through CPython's
    generic call: in a compiled build, a method object, an argument
    parser and a check of the result around the method's own code, some
    hundred instructions for each of tens of millions of happenings. A
    :class:`Call`'s owner is a Dispatcher, whose ``dispatch`` a compiled
    clock calls as a native method (one indirect call).
    """

    def dispatch(self, code: int, payload: Any) -> None:
        """Run the owner's happening ``code`` (one of its own constants) with ``payload``."""
        raise NotImplementedError


class Call:
    """A handler the clock runs as ``owner.dispatch(code, payload)``; also a plain callable.

    Made once per kind of happening (a pending entry holds it until it runs).

    Args:
        owner: The part of the model that runs the happening.
        code: Which of its happenings.
        name: The method that runs it, for messages.
    """

    def __init__(self, owner: Dispatcher, code: int, name: str) -> None:
        self.owner = owner
        self.code = code
        self.name = name

    def __call__(self, payload: Any) -> None:
        """Run the happening, called as a plain handler (through the generic call)."""
        self.run(payload)

    def run(self, payload: Any) -> None:
        """Run the happening now: the same as calling it, but a native call when compiled.

        For one part of the model to tell another of something as it
        happens (a payment made, a report), without CPython's generic call.
        """
        self.owner.dispatch(self.code, payload)

    def __repr__(self) -> str:
        return f"<{type(self.owner).__name__}.{self.name}>"


class Clock(simpy.Environment):
    """The simulation's SimPy environment, with handler scheduling.

    Time is in simulated minutes.

    Args:
        ring_buckets: Buckets in the far queue's ring (a power of two; see
            :class:`~fraudsim.model.farqueue.FarQueue`).

    Attributes:
        events_processed: Happenings (handler calls and SimPy events) run so far.
    """

    # SimPy's own state, declared so that a compiled build (see
    # fraudsim/engine.py) keeps it in the object's fields rather than in its
    # __dict__: the clock is read at nearly every happening. SimPy's code
    # still sets and reads these names as before.
    _now: float
    _eid: count[int]  # set by SimPy, unused: ids come from _seq (see after)

    def __init__(self, ring_buckets: int = RING_BUCKETS) -> None:
        super().__init__()
        self.events_processed = 0
        # The id of the next entry pushed on the heap (see FAR_ID), in
        # scheduling order. An int field, not SimPy's itertools.count: a
        # compiled build increments it in place, where next() on the counter
        # is a call through the builtins.
        self._seq = FAR_ID + 1
        # Everything due before _near_end is near: the run (the open bucket's
        # entries, sorted descending so that the next one is last) and the
        # heap, SimPy's own queue (entries scheduled into the open bucket).
        # Later entries wait in the far queue.
        self._heap: list[Entry] = self._queue
        self._run: list[Entry] = []
        self._near_end = BUCKET_MIN
        self._far = FarQueue(ring_buckets)
        # Queue-load samples of run_to (see queue_load).
        self._load = QueueLoad()

    @property
    def now(self) -> float:
        """Return the current simulation time in minutes (as SimPy's ``now``)."""
        return self._now

    @property
    def pending(self) -> int:
        """Return the number of happenings scheduled and not yet run."""
        return self.near + self._far.count

    @property
    def near(self) -> int:
        """Return the number of happenings pending in the open bucket (run and heap)."""
        return len(self._heap) + len(self._run)

    def after(self, delay_min: float, handler: Handler, payload: Any) -> None:
        """Call ``handler(payload)`` after ``delay_min`` minutes."""
        t = self._now + delay_min
        if t < self._near_end:
            eid = self._seq
            self._seq = eid + 1
            _heappush(self._heap, (t, _HANDLER_PRIORITY_OBJ, eid, handler, payload))
        else:
            self._far.push(t, (t, _HANDLER_PRIORITY_OBJ, _FAR_ID_OBJ, handler, payload))

    def at(self, time_min: float, handler: Handler, payload: Any) -> None:
        """Call ``handler(payload)`` at absolute time ``time_min`` (not before now)."""
        # now + (time - now), not time: the same float SimPy's delay gives.
        now = self._now
        self.after(time_min - now if time_min > now else 0.0, handler, payload)

    def schedule(
        self, event: simpy.Event, priority: EventPriority = NORMAL, delay: float = 0
    ) -> None:
        """Schedule an ordinary SimPy event (as ``simpy.Environment.schedule`` does)."""
        t = self._now + delay
        if t < self._near_end:
            eid = self._seq
            self._seq = eid + 1
            _heappush(self._heap, (t, priority, eid, event))
        else:
            b = self._far.push(t, (t, priority, _FAR_ID_OBJ, event))
            if priority != _HANDLER_PRIORITY:
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
        """Return the next happening without removing it (None if nothing is left)."""
        while True:
            run, heap = self._run, self._heap
            if run:
                return heap[0] if heap and heap[0] < run[-1] else run[-1]
            if heap:
                return heap[0]
            if not self._refill():
                return None

    def _take(self, entry: Entry) -> None:
        """Remove ``entry``, the one :meth:`_next` returned, from the near queue."""
        if self._run and self._run[-1] is entry:
            self._run.pop()
        else:
            _heappop(self._heap)

    def peek(self) -> float:
        """Return the time of the next happening (infinity if there is none)."""
        entry = self._next()
        return math.inf if entry is None else float(entry[0])

    def step(self) -> None:
        """Process the next happening: a handler call or an ordinary SimPy event.

        Raises:
            EmptySchedule: If nothing is scheduled.
        """
        entry = self._next()
        if entry is None:
            raise EmptySchedule()
        self._take(entry)
        self._now = entry[0]
        self.events_processed += 1
        if len(entry) == 5:
            entry[3](entry[4])
        else:
            _fire(entry[3])

    def run_to(self, until_min: float, progress: Callable[[float], None] | None = None) -> None:
        """Run until ``until_min`` in a hundred steps, reporting progress after each.

        As with SimPy's ``run(until=...)``, happenings due exactly at
        ``until_min`` are left for a later run, and the clock ends at
        ``until_min``. Each step also samples the queue's load (see
        :meth:`queue_load`): a few hundred cheap reads per run.

        Args:
            until_min: End of the simulation in minutes.
            progress: Called with the simulated time reached after each step.
        """
        start = self._now
        for k in range(1, RUN_STEPS + 1):
            target = start + (until_min - start) * k / RUN_STEPS
            if target > self._now:
                before, near_before, done = self.pending, self.near, self.events_processed
                self._run_before(target)
                after = self.pending
                self._load.sample(
                    self.events_processed - done,
                    (before + after) / 2,
                    after,
                    (near_before + self.near) / 2,
                )
            if progress is not None:
                progress(self._now)

    def queue_load(self) -> dict[str, float]:
        """Return how full the event queue was while :meth:`run_to` ran (see :class:`QueueLoad`)."""
        return self._load.summary()

    def _run_before(self, until: float) -> None:
        """Process every happening due before ``until``, then set the clock to it.

        This is :meth:`step` inlined into one loop: the loop is the
        simulator's innermost code and runs tens of millions of times.
        """
        heap, run = self._heap, self._run
        done = 0
        # Times are read once into float locals: a compiled build then
        # compares them as doubles, where comparing the tuples' items (or an
        # item with ``until``) goes through CPython's generic comparison. A
        # heap entry and the run's next compare as whole tuples only when
        # their times are equal: the order is exactly the tuples' order.
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
                self._now = t
                done += 1
                # The length in a variable: mypy narrows a tuple tested by
                # len() to five items, and a compiled build then takes (and
                # drops) a reference to each of them where two are read.
                size = len(entry)
                if size == 5:
                    handler = entry[3]
                    if isinstance(handler, Call):
                        handler.owner.dispatch(handler.code, entry[4])  # native (see Dispatcher)
                    else:
                        handler(entry[4])
                else:
                    _fire(entry[3])
        finally:
            self.events_processed += done
        self._now = until


def _fire(event: simpy.Event) -> None:
    """Run an ordinary SimPy event's callbacks, as ``simpy.Environment.step`` does."""
    callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
    for callback in callbacks:
        callback(event)
    if not event._ok and not hasattr(event, "_defused"):
        # A failed event nobody handled crashes the run, as in SimPy.
        exc = type(event._value)(*event._value.args)
        exc.__cause__ = event._value
        raise exc
