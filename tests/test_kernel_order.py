"""The event kernel's order (fraudsim/model/kernel.py), property-tested.

Random plans of handler calls, near and far ahead, run in exact time then
scheduling order; with SimPy events of every priority among them, and
follow-ups scheduled as they run, in exactly the order plain SimPy runs
them; on rings of any size. Each test runs on both event queues
(fraudsim/model/pyqueue.py and cqueue.c); the kernel's other behaviour:
tests/test_kernel.py.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st
from simpy.events import EventPriority

from fraudsim.model.kernel import RING_BUCKETS, Clock, QueueFactory
from tests.conftest import event_queues

# Every test runs on both event queues: the Python engine's and the C one.
pytestmark = pytest.mark.parametrize("queue", event_queues())


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.0, 1.5, 63.999, 64.0, 64.0 * 3, 128.5, 1000.0, 5000.25]),
            st.floats(min_value=0.0, max_value=10_000.0, allow_nan=False, allow_subnormal=False),
            st.booleans(),
        ),
        max_size=60,
    ),
    st.floats(min_value=0.5, max_value=20_000.0, allow_nan=False),
    st.sampled_from([1, 2, 64, 1024, RING_BUCKETS]),
)
def test_the_two_level_queue_runs_in_exact_time_then_scheduling_order(
    queue: QueueFactory, plan: list[tuple[float, float, bool]], until: float, ring: int
) -> None:
    """Near heap and far buckets together give the order of one heap: (time, id).

    Happenings are scheduled at bucket edges, inside buckets and far ahead;
    some schedule a follow-up when they run. The order run must be exactly
    sorted by (time, scheduling order), whatever the buckets. Small rings
    send most far happenings to overflow buckets, and some buckets get
    entries both in the ring and in the overflow.
    """
    clock = Clock(ring_buckets=ring, queue=queue)
    seq = itertools.count()
    expected: list[tuple[float, int]] = []
    ran: list[tuple[float, int]] = []

    def handler(item: tuple[int, float, bool]) -> None:
        tag, delay, chain = item
        ran.append((clock.now, tag))
        if chain:
            schedule(delay / 7.0, False)

    def schedule(delay: float, chain: bool) -> None:
        tag = next(seq)
        expected.append((clock.now + delay, tag))
        clock.after(delay, handler, (tag, delay, chain))

    for at, delay, chain in plan:
        tag = next(seq)
        expected.append((at, tag))
        clock.at(at, handler, (tag, delay, chain))
    clock.run_to(until)
    due = sorted(e for e in expected if e[0] < until)
    assert ran == due
    assert clock.pending == len(expected) - len(ran)


def simpy_event(clock: Clock, note: Any, ran: list[tuple[float, Any]]) -> simpy.Event:
    """A triggered SimPy event that notes (time, note) when it is processed."""
    event = clock.event()
    event._ok, event._value = True, None
    event.callbacks.append(lambda _: ran.append((clock.now, note)))
    return event


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.25, 3.0, 3.0, 100.5, 100.5, 20_000.0]),
            st.sampled_from([None, simpy.events.URGENT, simpy.events.NORMAL]),
        ),
        max_size=30,
    ),
    st.sampled_from([1, 64, RING_BUCKETS]),
)
def test_simpy_events_of_any_priority_keep_simpys_order_in_far_buckets(
    queue: QueueFactory, plan: list[tuple[float, EventPriority | None]], ring: int
) -> None:
    """Handler calls (priority None here) and SimPy events at equal times: (time, priority, id)."""
    clock = Clock(ring_buckets=ring, queue=queue)
    ran: list[tuple[float, Any]] = []
    expected = []
    for tag, (at, priority) in enumerate(plan):
        if priority is None:
            clock.at(at, lambda t: ran.append((clock.now, t)), tag)
        else:
            clock.schedule(simpy_event(clock, tag, ran), priority, at)
        expected.append((at, 1 if priority is None else int(priority), tag))
    clock.run_to(30_000.0)
    assert ran == [(at, tag) for at, _, tag in sorted(expected)]


Step = tuple[float, EventPriority | None, tuple[float, EventPriority | None] | None]
"""A planned happening: (time, priority or None for a handler call, follow-up or None)."""


def play(env: simpy.Environment, plan: list[Step], on_clock: bool) -> list[tuple[float, str]]:
    """Run ``plan`` on ``env``; return (time, tag) of every happening in the order run.

    A follow-up (delay, priority) is scheduled by its happening when it runs.
    On the clock a priority of None is a handler call; plain SimPy has no
    handler calls, so there it is an event of NORMAL priority, the
    handlers' own.
    """
    ran: list[tuple[float, str]] = []

    def note(tag: str, follow: tuple[float, EventPriority | None] | None) -> None:
        ran.append((env.now, tag))
        if follow is not None:
            add(tag + "'", follow[0], follow[1], None)

    def add(tag: str, delay: float, prio: EventPriority | None, follow: Any) -> None:
        if on_clock and prio is None:
            assert isinstance(env, Clock)
            env.after(delay, lambda _: note(tag, follow), None)
            return
        event = env.event()
        event._ok, event._value = True, None
        event.callbacks.append(lambda _: note(tag, follow))
        env.schedule(event, simpy.events.NORMAL if prio is None else prio, delay)

    for k, (at, prio, follow) in enumerate(plan):
        add(str(k), at, prio, follow)
    env.run(until=30_000.0)
    return ran


PRIORITIES = st.sampled_from([None, simpy.events.URGENT, simpy.events.NORMAL])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.0, 0.25, 3.0, 3.0, 100.5, 100.5, 20_000.0]),
            PRIORITIES,
            st.none() | st.tuples(st.sampled_from([0.0, 0.0, 0.5, 97.5, 100.5]), PRIORITIES),
        ),
        max_size=30,
    ),
    st.sampled_from([1, 64, RING_BUCKETS]),
)
def test_the_order_is_simpys_own_with_follow_ups_at_equal_times(
    queue: QueueFactory, plan: list[Step], ring: int
) -> None:
    """The same plan on the clock and on a plain SimPy environment runs in the same order.

    Follow-ups scheduled at the time they are made (delay 0) or landing on
    the time of entries waiting in a far bucket tie with those entries on
    time, and sometimes on priority: the heap's and the bucket's entries
    must then interleave as SimPy's ids would order them.
    """
    assert play(Clock(ring_buckets=ring, queue=queue), plan, True) == play(
        simpy.Environment(), plan, False
    )


def test_an_urgent_event_runs_before_earlier_scheduled_ones_at_its_time(
    queue: QueueFactory,
) -> None:
    clock = Clock(queue=queue)
    ran: list[tuple[float, Any]] = []
    clock.at(100.5, lambda t: ran.append((clock.now, t)), "handler")
    clock.schedule(simpy_event(clock, "normal", ran), simpy.events.NORMAL, 100.5)
    clock.schedule(simpy_event(clock, "urgent", ran), simpy.events.URGENT, 100.5)
    clock.run_to(200.0)
    assert [note for _, note in ran] == ["urgent", "handler", "normal"]
