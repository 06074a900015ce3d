"""The event queues (fraudsim/model/pyqueue.py, cqueue.c): one interface, one order.

Every test runs on both queues, the Python engine's and the compiled one's.
The order is SimPy's: time, then priority, then scheduling order.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsim.model.farqueue import RING_BUCKETS
from fraudsim.model.pyqueue import EventQueue, Popped
from tests.conftest import event_queues

pytestmark = pytest.mark.parametrize("make", event_queues())

# Times at bucket edges, inside buckets, beyond a small ring, and never.
TIMES = [0.0, 0.5, 1.0, 1.0, 2.75, 3.0, 17.0, 64.0, 1000.5, 40_000.0, math.inf]


def drain(q: EventQueue) -> list[Popped]:
    out = []
    while (entry := q.pop()) is not None:
        out.append(entry)
    return out


def test_an_empty_queue_has_nothing_to_give(make: Any) -> None:
    q = make(RING_BUCKETS)
    assert q.pending == 0 and q.near == 0
    assert q.peek() == math.inf
    assert q.pop() is None
    assert q.entries() == []
    q.run_before(100.0, _never, _never)
    assert q.take_done() == 0


def _never(*args: Any) -> None:
    raise AssertionError(f"nothing should run: {args}")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(TIMES), st.sampled_from([None, 0, 1, 2])), max_size=50),
    st.sampled_from([1, 4, 64, RING_BUCKETS]),
)
def test_pop_gives_time_then_priority_then_scheduling_order(
    make: Any, plan: list[tuple[float, int | None]], ring: int
) -> None:
    """Handler calls (priority None here, SimPy's NORMAL) and events of any priority."""
    q = make(ring)
    expected: list[tuple[tuple[float, int, int], Popped]] = []
    for n, (t, priority) in enumerate(plan):
        if priority is None:
            q.push(t, "handler", n)
            expected.append(((t, 1, n), (t, 1, "handler", n, True)))
        else:
            q.push_event(t, priority, f"event {n}")
            expected.append(((t, priority, n), (t, priority, f"event {n}", None, False)))
    assert q.pending == len(plan)
    assert sorted(q.entries()) == sorted(popped for _, popped in expected)
    assert drain(q) == [popped for _, popped in sorted(expected)]
    assert q.pending == 0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(TIMES[:-1]), min_size=1, max_size=30),
    st.lists(st.floats(min_value=0.0, max_value=90.0, allow_nan=False), max_size=30),
    st.sampled_from([1, 64, RING_BUCKETS]),
)
def test_what_is_scheduled_while_draining_keeps_the_order(
    make: Any, first: list[float], delays: list[float], ring: int
) -> None:
    """Each popped entry schedules the next delay after its own time: a running model."""
    q = make(ring)
    seq = 0
    expected: list[tuple[float, int]] = []
    for t in first:
        q.push(t, "h", seq)
        expected.append((t, seq))
        seq += 1
    ran: list[tuple[float, int]] = []
    todo = list(delays)
    while (entry := q.pop()) is not None:
        t, _, _, n, _ = entry
        ran.append((t, n))
        if todo:
            due = t + todo.pop()
            q.push(due, "h", seq)
            expected.append((due, seq))
            seq += 1
    assert ran == sorted(expected)


def test_run_before_calls_back_with_each_time_and_stops_before_until(make: Any) -> None:
    q = make(RING_BUCKETS)
    calls: list[tuple[Any, ...]] = []
    q.push(5.0, "a", 1)
    q.push_event(2.5, 0, "urgent")
    q.push(2.5, "b", 2)
    q.push(9.0, "late", 3)
    q.run_before(
        9.0,
        lambda t, h, p: calls.append((t, h, p)),
        lambda t, e: calls.append((t, e)),
    )
    assert calls == [(2.5, "urgent"), (2.5, "b", 2), (5.0, "a", 1)]
    assert q.take_done() == 3 and q.take_done() == 0
    assert q.pending == 1 and q.peek() == 9.0


def test_a_callback_may_schedule_into_the_open_bucket(make: Any) -> None:
    q = make(RING_BUCKETS)
    ran: list[tuple[float, Any]] = []

    def happen(t: float, handler: Any, payload: Any) -> None:
        ran.append((t, payload))
        if payload < 3:
            q.push(t, handler, payload + 1)  # at the same time: after those already due
            q.push(t + 0.25, handler, payload + 10)

    q.push(7.5, "h", 0)
    q.push(7.5, "h", 100)
    q.run_before(8.0, happen, _never)
    at_once = [(7.5, 0), (7.5, 100), (7.5, 1), (7.5, 2), (7.5, 3)]
    assert ran == [*at_once, (7.75, 10), (7.75, 11), (7.75, 12)]
    assert q.near == 0 and q.pending == 0


def test_an_exception_leaves_the_rest_in_order_and_is_counted(make: Any) -> None:
    q = make(RING_BUCKETS)
    for n, t in enumerate([1.5, 2.5, 3.5]):
        q.push(t, "h", n)

    def happen(t: float, handler: Any, payload: Any) -> None:
        if payload == 1:
            raise RuntimeError("bank platform down")

    with pytest.raises(RuntimeError, match="bank platform down"):
        q.run_before(10.0, happen, _never)
    assert q.take_done() == 2  # the failed one ran too
    assert [e[3] for e in drain(q)] == [2]


def test_clear_drops_every_entry_and_the_queue_goes_on_from_where_it_was(make: Any) -> None:
    q = make(4)  # a small ring: 40,000 is in the overflow
    for n, t in enumerate(TIMES):
        q.push(t, "h", n)
    q.push_event(3.0, 0, "urgent")
    assert q.pop() is not None and q.peek() == 0.5  # the first bucket is open
    q.clear()
    assert (q.pending, q.near, q.peek(), q.entries()) == (0, 0, math.inf, [])
    assert q.pop() is None
    q.push(40_000.0, "h", "later")
    q.push(2.0, "h", "soon")
    q.push(0.75, "h", "now")  # still in the open bucket
    assert [e[3] for e in drain(q)] == ["now", "soon", "later"]


def test_a_callback_that_clears_the_queue_ends_the_run(make: Any) -> None:
    q = make(RING_BUCKETS)
    for n, t in enumerate([1.0, 1.0, 1.5, 90.0]):
        q.push(t, "h", n)
    ran: list[Any] = []

    def happen(t: float, handler: Any, payload: Any) -> None:
        ran.append(payload)
        q.clear()

    q.run_before(math.inf, happen, _never)
    assert ran == [0] and q.pending == 0 and q.take_done() == 1


def test_counts_split_the_open_bucket_from_the_far_ones(make: Any) -> None:
    q = make(RING_BUCKETS)
    q.push(0.5, "h", "near")  # in the first bucket, open from the start
    q.push(30.0, "h", "far")
    q.push(1e9, "h", "overflow")
    assert (q.pending, q.near) == (3, 1)
    assert q.pop() is not None
    assert q.peek() == 30.0  # opens the bucket of minute 30
    assert (q.pending, q.near) == (2, 1)


def test_nan_and_a_ring_not_a_power_of_two_are_refused(make: Any) -> None:
    with pytest.raises(ValueError, match="NaN"):
        make(RING_BUCKETS).push(math.nan, "h", None)
    with pytest.raises(ValueError, match="NaN"):
        make(RING_BUCKETS).push_event(math.nan, 1, "event")
    for size in (0, 3, 1000):
        with pytest.raises(ValueError, match="power of two"):
            make(size)
