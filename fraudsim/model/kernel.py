"""The event kernel: one SimPy environment with a fast path for handler calls.

A generator process per victim or per money movement would cost a SimPy
process (and its generator frames) for every one of tens of millions of
movements, and even a bare ``simpy.Event`` per happening costs an object
with a dict and a callbacks list. Instead a future happening is one entry
in the clock's event queue: a handler and its payload (a case, an account)
in place of an event object, in SimPy's order (time first, then priority,
then scheduling order).

The queue (:mod:`fraudsim.model.pyqueue` says how it works) is in C in the
compiled engine (:mod:`fraudsim.model.cqueue`) and in Python in the Python
engine (:class:`~fraudsim.model.pyqueue.PyQueue`): the same order, the same
results. The clock's loop is the queue's: it calls back into the clock for
each happening, with its time, so that ``now`` is set before the model's
code runs.

The clock is still a ``simpy.Environment``: ordinary SimPy events and
processes can share it (:meth:`Clock.schedule` queues them beside the
handler calls, and :meth:`Clock.step` runs both).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import simpy
from simpy.core import EmptySchedule
from simpy.events import NORMAL, EventPriority

from fraudsim.model.farqueue import BUCKET_MIN, RING_BUCKETS
from fraudsim.model.pyqueue import EventQueue, Popped, PyQueue
from fraudsim.model.queueload import QueueLoad

__all__ = [
    "BUCKET_MIN",
    "RING_BUCKETS",
    "Call",
    "Clock",
    "Dispatcher",
    "Handler",
    "QueueFactory",
    "default_queue",
]

Handler = Callable[[Any], None]
"""A handler, called with the payload it was scheduled with: a :class:`Call`, or any callable."""

RUN_STEPS: Final = 100
"""Steps of :meth:`Clock.run_to`: progress reports and queue-load samples."""


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


QueueFactory = Callable[[int], EventQueue]
"""Makes a clock's event queue, given its ring's size in buckets."""


def default_queue() -> QueueFactory:
    """Return the engine's event queue: in C when the engine is compiled, else in Python.

    The Python engine (``FRAUDSIM_ENGINE=python``, or no compiled build) does
    not find :mod:`fraudsim.model.cqueue` (see :mod:`fraudsim.engine`).
    """
    try:
        from fraudsim.model.cqueue import CQueue
    except ImportError:
        return PyQueue
    return CQueue


class Clock(simpy.Environment):
    """The simulation's SimPy environment, with handler scheduling.

    Time is in simulated minutes.

    Args:
        ring_buckets: Buckets in the far queue's ring (a power of two; see
            :class:`~fraudsim.model.farqueue.FarQueue`).
        queue: Makes the event queue (default: :func:`default_queue`'s).

    Attributes:
        events_processed: Happenings (handler calls and SimPy events) run so far.
    """

    # SimPy's own state, declared so that a compiled build (see
    # fraudsim/engine.py) keeps it in the object's fields rather than in its
    # __dict__: the clock is read at nearly every happening. SimPy's code
    # still sets and reads these names as before.
    _now: float

    def __init__(self, ring_buckets: int = RING_BUCKETS, queue: QueueFactory | None = None) -> None:
        super().__init__()
        self.events_processed = 0
        self._q: EventQueue = (default_queue() if queue is None else queue)(ring_buckets)
        # The queue's push as a bound method, kept: called through it, a
        # compiled build makes one call, where a method call on the queue
        # looks the method up by name each time.
        self._push: Callable[[float, Any, Any], None] = self._q.push
        # Queue-load samples of run_to (see queue_load).
        self._load = QueueLoad()

    @property
    def now(self) -> float:
        """Return the current simulation time in minutes (as SimPy's ``now``)."""
        return self._now

    @property
    def pending(self) -> int:
        """Return the number of happenings scheduled and not yet run."""
        return self._q.pending

    @property
    def near(self) -> int:
        """Return the number of happenings pending in the open bucket of the queue."""
        return self._q.near

    def after(self, delay_min: float, handler: Handler, payload: Any) -> None:
        """Call ``handler(payload)`` after ``delay_min`` minutes."""
        self._push(self._now + delay_min, handler, payload)

    def at(self, time_min: float, handler: Handler, payload: Any) -> None:
        """Call ``handler(payload)`` at absolute time ``time_min`` (not before now)."""
        # now + (time - now), not time: the same float SimPy's delay gives.
        now = self._now
        self.after(time_min - now if time_min > now else 0.0, handler, payload)

    def schedule(
        self, event: simpy.Event, priority: EventPriority = NORMAL, delay: float = 0
    ) -> None:
        """Schedule an ordinary SimPy event (as ``simpy.Environment.schedule`` does)."""
        self._q.push_event(self._now + delay, int(priority), event)

    def pending_entries(self) -> list[Popped]:
        """Return every pending happening, in no particular order (for tests and inspection).

        Each is ``(time, priority, handler or event, payload, is_handler)``.
        """
        return self._q.entries()

    def drop_pending(self) -> None:
        """Drop every pending happening, once the run is over.

        A pending happening holds its handler, hence the part of the model
        that runs it, and that part holds the clock: a finished world is a
        web of reference cycles, which only Python's cyclic collector frees,
        after scanning everything the world still reaches. Dropped here,
        what the happenings held (cases, accounts, stop requests) is freed
        at once by reference counting.
        """
        self._q.clear()

    def peek(self) -> float:
        """Return the time of the next happening (infinity if there is none)."""
        return self._q.peek()

    def step(self) -> None:
        """Process the next happening: a handler call or an ordinary SimPy event.

        Raises:
            EmptySchedule: If nothing is scheduled.
        """
        entry = self._q.pop()
        if entry is None:
            raise EmptySchedule()
        t, _, handler, payload, is_handler = entry
        self.events_processed += 1
        if is_handler:
            self._happen(t, handler, payload)
        else:
            self._happen_event(t, handler)

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

    def _happen(self, t: float, handler: Any, payload: Any) -> None:
        """Run a handler call due at ``t``: the queue's callback (see :meth:`_run_before`)."""
        self._now = t
        if isinstance(handler, Call):
            handler.owner.dispatch(handler.code, payload)  # native (see Dispatcher)
        else:
            handler(payload)

    def _happen_event(self, t: float, event: Any) -> None:
        """Run an ordinary SimPy event due at ``t``: the queue's other callback."""
        self._now = t
        _fire(event)

    def _run_before(self, until: float) -> None:
        """Process every happening due before ``until``, then set the clock to it.

        The queue runs the loop, the simulator's innermost code, and calls
        :meth:`_happen` or :meth:`_happen_event` for each happening.
        """
        q = self._q
        try:
            q.run_before(until, self._happen, self._happen_event)
        finally:
            self.events_processed += q.take_done()
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
