"""The event kernel (fraudsim/model/kernel.py): handler calls in time and scheduling order.

Each test runs on both event queues (fraudsim/model/pyqueue.py and cqueue.c);
the order against SimPy's own, property-tested: tests/test_kernel_order.py.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import simpy

from fraudsim.model.kernel import BUCKET_MIN, RING_BUCKETS, Call, Clock, Dispatcher, QueueFactory
from tests.conftest import event_queues

# Every test runs on both event queues: the Python engine's and the C one.
pytestmark = pytest.mark.parametrize("queue", event_queues())


class Recorder:
    """A handler that notes (time, payload) of every call."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.calls: list[tuple[float, Any]] = []

    def __call__(self, payload: Any) -> None:
        self.calls.append((self.clock.now, payload))


def test_after_and_at_fire_in_time_order_with_their_payloads(queue: QueueFactory) -> None:
    clock = Clock(queue=queue)
    rec = Recorder(clock)
    clock.after(30.0, rec, "c")
    clock.at(10.0, rec, "a")
    clock.after(20.0, rec, {"case": 2})
    clock.at(25.5, rec, ("tuple", 1))
    clock.run_to(100.0)
    assert rec.calls == [(10.0, "a"), (20.0, {"case": 2}), (25.5, ("tuple", 1)), (30.0, "c")]


class Owner(Dispatcher):
    """A part of a model with two happenings, noting (time, code, payload) of each run."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.runs: list[tuple[float, int, Any]] = []

    def dispatch(self, code: int, payload: Any) -> None:
        self.runs.append((self.clock.now, code, payload))


@pytest.mark.pure_python  # a compiled Dispatcher cannot be subclassed by a test's class
def test_calls_run_through_their_owners_dispatch_in_order_with_plain_handlers(
    queue: QueueFactory,
) -> None:
    # On the compiled engine the model's own dispatchers are checked instead:
    # test_model's test_every_pending_handler_is_bound_once and the golden runs.
    clock = Clock(queue=queue)
    owner, rec = Owner(clock), Recorder(clock)
    first, second = Call(owner, 0, "_first"), Call(owner, 1, "_second")
    clock.after(5.0, second, "b")
    clock.after(5.0, rec, "plain")
    clock.at(2.0, first, "a")
    clock.after(5.0, first, "c")
    clock.after(RING_BUCKETS * BUCKET_MIN * 2, second, "far")  # an overflow bucket
    clock.run_to(RING_BUCKETS * BUCKET_MIN * 3)
    assert owner.runs == [
        (2.0, 0, "a"),
        (5.0, 1, "b"),
        (5.0, 0, "c"),
        (RING_BUCKETS * BUCKET_MIN * 2, 1, "far"),
    ]
    assert rec.calls == [(5.0, "plain")]
    assert clock.events_processed == 5
    # A Call is a plain callable too (as SimPy's step and the tests call it).
    first("direct")
    assert owner.runs[-1][1:] == (0, "direct")
    assert repr(first) == "<Owner._first>"


def test_a_dispatcher_without_its_own_dispatch_refuses_to_run(queue: QueueFactory) -> None:
    clock = Clock(queue=queue)
    clock.after(1.0, Call(Dispatcher(), 0, "_nothing"), None)
    with pytest.raises(NotImplementedError):
        clock.run_to(2.0)


def test_payload_is_the_very_object_scheduled(queue: QueueFactory) -> None:
    clock = Clock(queue=queue)
    obj: list[int] = []
    seen: list[object] = []
    clock.after(1.0, seen.append, obj)
    clock.run_to(2.0)
    assert seen[0] is obj


def test_equal_times_fire_in_scheduling_order(queue: QueueFactory) -> None:
    clock = Clock(queue=queue)
    rec = Recorder(clock)
    for k in range(20):
        if k % 2:
            clock.after(5.0, rec, k)
        else:
            clock.at(5.0, rec, k)
    clock.run_to(10.0)
    assert [p for _, p in rec.calls] == list(range(20))
    assert all(t == 5.0 for t, _ in rec.calls)


def test_a_handler_scheduling_at_the_same_time_runs_after_those_already_due(
    queue: QueueFactory,
) -> None:
    clock = Clock(queue=queue)
    order: list[str] = []

    def first(_: None) -> None:
        order.append("first")
        clock.after(0.0, order.append, "nested")

    clock.at(3.0, first, None)
    clock.at(3.0, order.append, "second")
    clock.run_to(4.0)
    assert order == ["first", "second", "nested"]


def test_at_in_the_past_fires_now_not_earlier(queue: QueueFactory) -> None:
    clock = Clock(queue=queue)
    times: list[float] = []

    def late(_: None) -> None:
        clock.at(2.0, lambda _: times.append(clock.now), None)

    clock.at(10.0, late, None)
    clock.run_to(20.0)
    assert times == [10.0]


def test_run_to_stops_at_the_end_and_leaves_later_events(queue: QueueFactory) -> None:
    clock = Clock(queue=queue)
    rec = Recorder(clock)
    clock.after(50.0, rec, "in")
    clock.after(150.0, rec, "out")
    clock.run_to(100.0)
    assert clock.now == 100.0
    assert rec.calls == [(50.0, "in")]
    clock.run_to(200.0)  # a later call continues from where it stopped
    assert rec.calls == [(50.0, "in"), (150.0, "out")]


def test_dropped_happenings_never_run_and_the_clock_keeps_its_time(queue: QueueFactory) -> None:
    clock = Clock(queue=queue)
    rec = Recorder(clock)
    for t in (50.0, 150.0, 1e7):
        clock.after(t, rec, t)
    clock.run_to(100.0)
    clock.drop_pending()
    assert clock.pending == 0 and clock.now == 100.0 and clock.peek() == math.inf
    clock.run_to(2e7)
    assert rec.calls == [(50.0, 50.0)]


def test_run_to_reports_progress_about_a_hundred_times_up_to_the_end(queue: QueueFactory) -> None:
    clock = Clock(queue=queue)
    rec = Recorder(clock)
    for k in range(1, 1000):
        clock.at(k * 1.234, rec, k)
    reached: list[float] = []
    clock.run_to(1440.0, reached.append)
    assert len(reached) == 100
    assert reached == sorted(reached)
    assert reached[0] == pytest.approx(14.4)
    assert reached[-1] == 1440.0
    assert len(rec.calls) == 999  # progress reporting does not skip events


def test_progress_without_any_event(queue: QueueFactory) -> None:
    clock = Clock(queue=queue)
    reached: list[float] = []
    clock.run_to(7.0, reached.append)
    assert len(reached) == 100
    assert reached[-1] == clock.now == 7.0


def test_events_processed_counts_every_handler_call_run(queue: QueueFactory) -> None:
    clock = Clock(queue=queue)
    assert clock.events_processed == 0

    def chain(link: int) -> None:
        if link < 4:
            clock.after(1.0, chain, link + 1)

    clock.after(1.0, chain, 0)
    clock.at(2.0, lambda _: None, None)
    clock.after(500.0, lambda _: None, None)  # beyond the end: not run, not counted
    clock.run_to(100.0)
    assert clock.events_processed == 6  # 5 links of the chain + 1


def test_simpy_processes_share_the_clock_in_time_order(queue: QueueFactory) -> None:
    """Ordinary SimPy events and processes run on the same clock, interleaved in time."""
    clock = Clock(queue=queue)
    order: list[tuple[float, str]] = []

    def patrol(env: simpy.Environment) -> simpy.events.ProcessGenerator:
        yield env.timeout(5.0)
        order.append((env.now, "process"))
        yield env.timeout(10.0)
        order.append((env.now, "process"))

    clock.process(patrol(clock))
    clock.after(10.0, lambda tag: order.append((clock.now, tag)), "handler")
    clock.after(20.0, lambda tag: order.append((clock.now, tag)), "handler")
    clock.run_to(30.0)
    assert order == [(5.0, "process"), (10.0, "handler"), (15.0, "process"), (20.0, "handler")]


def test_simpy_run_and_step_work_on_handler_calls_too(queue: QueueFactory) -> None:
    """SimPy's own ``run`` drives the clock through ``step`` with the same order."""
    clock = Clock(queue=queue)
    rec = Recorder(clock)
    for k in range(5):
        clock.at(5.0 - k, rec, k)
    clock.run(until=10.0)
    assert [p for _, p in rec.calls] == [4, 3, 2, 1, 0]
    assert clock.now == 10.0
    with pytest.raises(simpy.core.EmptySchedule):
        clock.step()


def test_a_failed_simpy_event_nobody_handles_stops_the_run(queue: QueueFactory) -> None:
    clock = Clock(queue=queue)
    event = clock.event()
    event.fail(RuntimeError("bank platform down"))
    with pytest.raises(RuntimeError, match="bank platform down"):
        clock.run_to(1.0)



def test_happenings_far_ahead_wait_in_far_buckets(queue: QueueFactory) -> None:
    clock = Clock(queue=queue)
    rec = Recorder(clock)
    for k in range(100):
        clock.after(10_000.0 + k, rec, k)  # days ahead: far buckets
    clock.after(BUCKET_MIN / 2, rec, "soon")  # inside the open bucket: near
    assert clock.near == 1 and clock.pending == 101
    clock.run_to(20_000.0)
    assert [p for _, p in rec.calls] == ["soon", *range(100)]
    assert clock.pending == 0


@pytest.mark.parametrize("ring", [1, 4, RING_BUCKETS])
def test_one_bucket_in_the_ring_and_the_overflow_runs_in_order(
    ring: int, queue: QueueFactory
) -> None:
    clock = Clock(ring_buckets=ring, queue=queue)
    rec = Recorder(clock)
    clock.at(100.5, rec, "overflow")  # bucket 100, beyond a small ring's window
    clock.at(99.0, rec, "opens the window")
    clock.at(99.9, rec, "keeps bucket 99 open")
    clock.run_to(99.5)
    assert rec.calls == [(99.0, "opens the window")]
    clock.at(100.25, rec, "ring")  # the same bucket, now inside the window
    clock.at(100.5, rec, "ring, same time")  # after "overflow": scheduled later
    clock.at(math.inf, rec, "never")
    assert clock.pending == 5
    clock.run_to(1e9)
    assert [p for _, p in rec.calls] == [
        "opens the window",
        "keeps bucket 99 open",
        "ring",
        "overflow",
        "ring, same time",
    ]
    assert clock.pending == 1


def test_buckets_one_ring_apart_never_share_a_slot(queue: QueueFactory) -> None:
    clock = Clock(ring_buckets=2, queue=queue)
    rec = Recorder(clock)
    clock.at(10.0, rec, 10.0)
    clock.at(10.9, rec, 10.9)
    clock.run_to(10.5)  # bucket 10 is open: the ring holds buckets 11 and 12
    for t in (13.5, 12.5, 11.5, 14.5):  # 11 and 13 (and 12 and 14) map to one slot
        clock.at(t, rec, t)
    clock.run_to(100.0)
    assert [p for _, p in rec.calls] == [10.0, 10.9, 11.5, 12.5, 13.5, 14.5]


@pytest.mark.parametrize("size", [0, 3, 1000])
def test_a_ring_not_a_power_of_two_is_refused(size: int, queue: QueueFactory) -> None:
    with pytest.raises(ValueError, match="power of two"):
        Clock(ring_buckets=size, queue=queue)


def test_scheduling_at_nan_is_an_error_and_at_infinity_never_runs(queue: QueueFactory) -> None:
    clock = Clock(queue=queue)
    rec = Recorder(clock)
    with pytest.raises(ValueError, match="NaN"):
        clock.after(math.nan, rec, "bad")
    clock.after(math.inf, rec, "never")
    clock.after(5.0, rec, "ok")
    clock.run_to(1e12)
    assert rec.calls == [(5.0, "ok")]
    assert clock.peek() == math.inf


def test_queue_load_weighs_each_step_by_its_events(queue: QueueFactory) -> None:
    clock = Clock(queue=queue)
    rec = Recorder(clock)
    # Ten happenings all due in the first step (of a hundred), nothing later:
    # the step starts with 10 pending and ends with 0, so an average event
    # of that step sees 5.
    for k in range(10):
        clock.after(0.5 + k * 0.01, rec, k)
    clock.run_to(100.0)
    assert len(rec.calls) == 10
    assert clock.queue_load() == {"mean_pending": 5.0, "peak_pending": 0.0, "mean_near": 5.0}


def test_queue_load_counts_far_happenings_as_pending_not_near(queue: QueueFactory) -> None:
    clock = Clock(queue=queue)
    rec = Recorder(clock)
    # A run over one bucket in a hundred steps of BUCKET_MIN / 100 each.
    clock.after(0.005 * BUCKET_MIN, rec, "first")  # run in step 1, near
    clock.after(0.755 * BUCKET_MIN, rec, "second")  # run in step 76, near
    clock.after(1000 * BUCKET_MIN, rec, "far")  # far ahead, beyond the run's end
    clock.run_to(BUCKET_MIN)
    # Step 1: 3 pending (2 near) before, 2 (1) after. Step 76: 2 (1) before;
    # then nothing is near, so the far bucket is opened: 1 (1) after.
    assert clock.queue_load() == {"mean_pending": 2.0, "peak_pending": 2.0, "mean_near": 1.25}


def test_queue_load_of_a_clock_that_ran_nothing_is_zero(queue: QueueFactory) -> None:
    assert Clock(queue=queue).queue_load() == {
        "mean_pending": 0.0,
        "peak_pending": 0.0,
        "mean_near": 0.0,
    }
