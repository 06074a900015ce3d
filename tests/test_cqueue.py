"""The compiled engine's event queue in C (fraudsim/model/cqueue.c): references and errors.

Its order and interface are tested with the Python queue's, in
tests/test_pyqueue.py and tests/test_kernel.py. Here: what C adds, that
every reference it takes is given back, and that its arguments are checked.
Skipped where the compiled engine is not built.
"""

from __future__ import annotations

import gc
import math
import sys
import weakref
from typing import Any

import pytest

cqueue = pytest.importorskip("fraudsim.model.cqueue", reason="the compiled engine is not built")
CQueue = cqueue.CQueue


class Payload:
    """A payload that can be watched through a weak reference."""

    def __init__(self, queue: Any = None) -> None:
        self.queue = queue


def test_every_reference_taken_is_given_back() -> None:
    q = CQueue()
    handler, payload, event = object(), object(), object()

    def counts() -> tuple[int, int, int]:
        return sys.getrefcount(handler), sys.getrefcount(payload), sys.getrefcount(event)

    before = counts()
    for t in (0.5, 30.0, 1e9, math.inf):  # the heap, the ring, the overflow, never
        q.push(t, handler, payload)
        q.push_event(t, 1, event)
    assert counts() == (before[0] + 4, before[1] + 4, before[2] + 4)
    q.run_before(math.inf, lambda t, h, p: None, lambda t, e: None)
    assert q.pending == 2  # those at infinity
    assert q.pop() is not None and q.pop() is not None and q.pop() is None
    assert counts() == before


def test_a_queue_freed_with_entries_pending_frees_them() -> None:
    q = CQueue(4)
    payloads = [Payload() for _ in range(4)]
    watch = [weakref.ref(p) for p in payloads]
    for t, p in zip((0.5, 2.0, 100.0, math.inf), payloads, strict=True):
        q.push(t, "h", p)
    assert q.peek() == 0.5
    del payloads, p, q
    assert all(w() is None for w in watch)


def test_clear_gives_back_every_reference() -> None:
    q = CQueue(4)
    payloads = [Payload() for _ in range(5)]
    watch = [weakref.ref(p) for p in payloads]
    handler = object()
    before = sys.getrefcount(handler)
    for t, p in zip((0.5, 0.5, 2.0, 100.0, math.inf), payloads, strict=True):
        q.push(t, handler, p)
    assert q.pop() is not None  # the open bucket's run is part-used
    del payloads, p
    q.clear()
    assert all(w() is None for w in watch)
    assert sys.getrefcount(handler) == before and q.pending == 0


def test_a_cycle_through_the_queue_is_collected() -> None:
    # The model's own cycle: the queue holds a handler that holds the clock
    # that holds the queue. The collector must see through the queue.
    q = CQueue()
    payload = Payload(q)
    q.push(5.0, "h", payload)
    q.push(0.25, "h", payload)
    watch = weakref.ref(payload)
    del q, payload
    gc.collect()
    assert watch() is None


def test_arguments_are_checked() -> None:
    q = CQueue()
    bad_calls: list[tuple[Any, type[Exception], str]] = [
        (lambda: q.push(1.0, "h"), TypeError, "takes 3 arguments"),
        (lambda: q.push("soon", "h", None), TypeError, "must be real number"),
        (lambda: q.push_event(1.0, -1, "e"), ValueError, "priority must be 0 to 255"),
        (lambda: q.push_event(1.0, 256, "e"), ValueError, "priority must be 0 to 255"),
        (lambda: q.run_before(1.0, None), TypeError, "takes 3 arguments"),
        (lambda: CQueue(ring_buckets=6), ValueError, "power of two, not 6"),
    ]
    for call, error, message in bad_calls:
        with pytest.raises(error, match=message):
            call()
    assert q.pending == 0


def test_an_int_time_is_taken_as_a_float() -> None:
    q = CQueue()
    q.push(3, "h", None)
    assert q.pop() == (3.0, 1, "h", None, True)


def test_a_queue_never_initialised_refuses_to_schedule() -> None:
    q = CQueue.__new__(CQueue)
    with pytest.raises(RuntimeError, match="__init__ was not called"):
        q.push(1.0, "h", None)
    assert q.pop() is None and q.entries() == []
