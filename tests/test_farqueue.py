"""The far part of the event queue (fraudsim/model/farqueue.py): buckets opened in order."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fraudsim.model.farqueue import BUCKET_MIN, FAR_ID, Entry, FarQueue


def entry(t: float, name: object, priority: int = 1) -> Entry:
    return (t, priority, FAR_ID, "handler", name)


def drain(far: FarQueue) -> list[tuple[int, list[object]]]:
    """Open every bucket in turn: (bucket number, payloads in running order)."""
    out = []
    while (run := far.open_next()) is not None:
        out.append((far.open_bucket, [e[4] for e in reversed(run)]))
    return out


def test_an_empty_queue_opens_nothing() -> None:
    far = FarQueue()
    assert far.count == 0 and far.open_next() is None and far.open_bucket == 0


def test_push_returns_the_bucket_and_buckets_open_in_time_order() -> None:
    far = FarQueue(ring_buckets=4)
    assert far.push(3.5 * BUCKET_MIN, entry(3.5 * BUCKET_MIN, "b")) == 3
    assert far.push(1.25 * BUCKET_MIN, entry(1.25 * BUCKET_MIN, "a")) == 1
    assert far.push(3.2 * BUCKET_MIN, entry(3.2 * BUCKET_MIN, "a2")) == 3
    assert far.push(900.0 * BUCKET_MIN, entry(900.0 * BUCKET_MIN, "overflow")) == 900
    assert far.count == 4
    assert drain(far) == [(1, ["a"]), (3, ["a2", "b"]), (900, ["overflow"])]
    assert far.count == 0


def test_equal_times_keep_scheduling_order_and_infinity_comes_last() -> None:
    far = FarQueue()
    far.push(math.inf, entry(math.inf, "never"))
    for k in range(5):
        far.push(7.0, entry(7.0, k))
    assert drain(far) == [(7, [0, 1, 2, 3, 4]), (1 << 62, ["never"])]


def test_clear_drops_the_ring_and_the_overflow_and_keeps_the_open_bucket() -> None:
    far = FarQueue(ring_buckets=4)
    far.push(1.5 * BUCKET_MIN, entry(1.5 * BUCKET_MIN, "a"))
    assert far.open_next() is not None and far.open_bucket == 1
    far.push(2.5 * BUCKET_MIN, entry(2.5 * BUCKET_MIN, "ring"))
    far.push(900.0 * BUCKET_MIN, entry(900.0 * BUCKET_MIN, "overflow"))
    far.push(3.0 * BUCKET_MIN, (3.0 * BUCKET_MIN, 0, FAR_ID, "event"))
    far.mark_mixed(3)
    far.clear()
    assert far.count == 0 and far.entries() == [] and far.open_next() is None
    assert far.open_bucket == 1
    far.push(2.5 * BUCKET_MIN, entry(2.5 * BUCKET_MIN, "again"))
    assert drain(far) == [(2, ["again"])]


def test_a_mixed_bucket_is_sorted_by_priority_too() -> None:
    far = FarQueue()
    b = far.push(5.0, entry(5.0, "normal", priority=1))
    far.push(5.0, entry(5.0, "urgent", priority=0))
    far.mark_mixed(b)
    assert drain(far) == [(5, ["urgent", "normal"])]


def test_nan_is_refused_and_the_ring_must_be_a_power_of_two() -> None:
    with pytest.raises(ValueError, match="NaN"):
        FarQueue().push(math.nan, entry(math.nan, "bad"))
    with pytest.raises(ValueError, match="power of two"):
        FarQueue(ring_buckets=6)


@given(st.lists(st.floats(min_value=1.0, max_value=5_000.0), max_size=60),
       st.sampled_from([1, 2, 8, 1 << 14]))
def test_every_entry_comes_out_once_in_time_then_scheduling_order(
    times: list[float], ring: int
) -> None:
    far = FarQueue(ring_buckets=ring)
    for k, t in enumerate(times):
        assert far.push(t, entry(t, k)) == int(t / BUCKET_MIN)
    out = [k for _, names in drain(far) for k in names]
    assert out == sorted(range(len(times)), key=lambda k: (times[k], k))
