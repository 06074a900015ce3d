"""Time-weighted resource statistics in bins (fraudsim/model/monitor.py)."""

from __future__ import annotations

import math
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsim.model.monitor import WAIT_CHUNK, BinnedMonitor
from fraudsim.scenario.staffing import UNLIMITED

Row = dict[str, float | int | str]


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeoutError in the main thread if the block runs longer than ``seconds``."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def example() -> BinnedMonitor:
    """Bins of 10 min: queue 0 -> 2 at t=5 -> 0 at t=25; busy 0 -> 1 -> 2; 2 servers."""
    m = BinnedMonitor("analysts", 10.0)
    m.set_state(0.0, 0, 0, 2)
    m.set_state(5.0, 2, 1, 2)
    m.set_state(25.0, 0, 2, 2)
    return m


def test_time_weighted_means_over_bins() -> None:
    rows = example().rows(30.0)
    assert [(r["bin_start_min"], r["bin_end_min"]) for r in rows] == [
        (0.0, 10.0),
        (10.0, 20.0),
        (20.0, 30.0),
    ]
    # bin 0: queue 0 for 5 min then 2 for 5 min; busy 0 then 1.
    assert rows[0]["mean_queue"] == pytest.approx(1.0)
    assert rows[0]["mean_busy"] == pytest.approx(0.5)
    assert rows[0]["utilisation"] == pytest.approx(0.25)
    # bin 1: the state of t=5 held through the whole bin.
    assert rows[1]["mean_queue"] == pytest.approx(2.0)
    assert rows[1]["mean_busy"] == pytest.approx(1.0)
    assert rows[1]["utilisation"] == pytest.approx(0.5)
    # bin 2: queue 2 then 0; busy 1 then 2.
    assert rows[2]["mean_queue"] == pytest.approx(1.0)
    assert rows[2]["mean_busy"] == pytest.approx(1.5)
    assert rows[2]["utilisation"] == pytest.approx(0.75)
    assert all(r["mean_capacity"] == pytest.approx(2.0) for r in rows)
    assert all(r["resource"] == "analysts" for r in rows)


def test_a_state_held_across_many_bins_counts_in_each() -> None:
    m = BinnedMonitor("x", 10.0)
    m.set_state(0.0, 0, 0, 4)
    m.set_state(3.0, 7, 3, 4)
    m.set_state(57.0, 1, 1, 4)
    rows = m.rows(60.0)
    assert len(rows) == 6
    assert rows[0]["mean_queue"] == pytest.approx(7 * 0.7)
    for r in rows[1:5]:
        assert r["mean_queue"] == pytest.approx(7.0)
        assert r["mean_busy"] == pytest.approx(3.0)
        assert r["max_queue"] == 7
    assert rows[5]["mean_queue"] == pytest.approx(7 * 0.7 + 1 * 0.3)
    assert rows[5]["max_queue"] == 7


def test_max_queue_sees_a_peak_of_zero_duration() -> None:
    m = BinnedMonitor("x", 10.0)
    m.set_state(0.0, 0, 0, 1)
    m.set_state(12.0, 5, 1, 1)
    m.set_state(12.0, 1, 1, 1)  # the queue drained at the same instant
    m.set_state(31.0, 0, 0, 1)
    rows = m.rows(40.0)
    assert [r["max_queue"] for r in rows] == [0, 5, 1, 1]
    assert rows[1]["mean_queue"] == pytest.approx(0.8)


def test_arrivals_starts_and_waits_per_bin() -> None:
    m = example()
    m.arrival(3.0)
    m.arrival(12.0)
    m.arrival(19.9)
    m.start(12.0, 4.0)
    m.start(14.0, 0.0)
    m.start(21.0, 2.5)
    rows = m.rows(30.0)
    assert [r["arrivals"] for r in rows] == [1, 2, 0]
    assert [r["starts"] for r in rows] == [0, 2, 1]
    assert math.isnan(rows[0]["mean_wait_min"])  # type: ignore[arg-type]
    assert rows[1]["mean_wait_min"] == pytest.approx(2.0)
    assert rows[2]["mean_wait_min"] == pytest.approx(2.5)
    assert m.waits.tolist() == [4.0, 0.0, 2.5]


def test_starts_before_counts_the_starts_of_earlier_bins() -> None:
    m = example()
    for t in (1.0, 2.0, 12.0, 25.0, 29.0):
        m.start(t, 0.0)
    assert [m.starts_before(b) for b in range(5)] == [0, 2, 3, 5, 5]


@settings(max_examples=200)
@given(st.lists(st.tuples(st.floats(0.0, 100.0), st.booleans()), max_size=30))
def test_counts_fall_in_the_bin_of_their_time(steps: list[tuple[float, bool]]) -> None:
    # Arrivals and starts at the time of the last state change (the open bin),
    # after it, or with no change at all: each is counted in floor(t / width).
    m = BinnedMonitor("x", 0.7)
    expected: dict[int, int] = {}
    for t, change in sorted(steps):
        if change:
            m.set_state(t, 1, 1, 2)
        m.arrival(t)
        m.start(t, 0.0)
        b = int(t // 0.7)
        expected[b] = expected.get(b, 0) + 1
    rows = m.rows(101.0)
    assert {b: r["arrivals"] for b, r in enumerate(rows) if r["arrivals"]} == expected
    assert {b: r["starts"] for b, r in enumerate(rows) if r["starts"]} == expected


@pytest.mark.parametrize("n", [0, 1, WAIT_CHUNK - 1, WAIT_CHUNK, 2 * WAIT_CHUNK + 3])
def test_every_wait_is_kept_in_order_across_chunks(n: int) -> None:
    m = BinnedMonitor("x", 10.0)
    waits = [0.25 * k for k in range(n)]
    for k, wait in enumerate(waits[: n // 2]):
        m.start(float(k), wait)
    assert m.waits.tolist() == waits[: n // 2]  # reading mid-run loses nothing
    for k, wait in enumerate(waits[n // 2 :], start=n // 2):
        m.start(float(k), wait)
    assert m.waits.tolist() == waits
    assert m.waits.tolist() == waits  # a second read is the same


def test_waits_keep_every_bit_of_their_floats_across_chunks() -> None:
    # Chunks are copied as bytes: any double comes back bit for bit, from
    # the tiniest subnormal to the largest finite, negatives and zero too.
    gen = np.random.default_rng(7)
    n = 2 * WAIT_CHUNK + 5
    bits = gen.integers(0, 2**63 - 2**52, size=n, dtype=np.int64)  # below the NaNs and inf
    waits = bits.view(np.float64) * np.where(gen.random(n) < 0.5, -1.0, 1.0)
    waits[:4] = [0.0, -0.0, 5e-324, np.finfo(np.float64).max]
    m = BinnedMonitor("x", 10.0)
    for wait in waits.tolist():
        m.start(1.0, wait)
    assert np.array_equal(np.frombuffer(m.waits, np.float64).view(np.int64), waits.view(np.int64))


def test_rows_stop_at_a_partial_last_bin() -> None:
    rows = example().rows(27.0)
    assert len(rows) == 3
    last = rows[-1]
    assert last["bin_start_min"] == 20.0
    assert last["bin_end_min"] == 27.0
    # Over [20, 27): queue 2 for 5 min, 0 for 2; busy 1 for 5 min, 2 for 2.
    assert last["mean_queue"] == pytest.approx(10 / 7)
    assert last["mean_busy"] == pytest.approx(9 / 7)


def test_rows_cover_idle_time_after_the_last_change() -> None:
    m = BinnedMonitor("x", 60.0)
    m.set_state(0.0, 0, 0, 1)
    m.set_state(10.0, 0, 1, 1)
    rows = m.rows(240.0)
    assert len(rows) == 4
    assert [r["mean_busy"] for r in rows] == pytest.approx([50 / 60, 1.0, 1.0, 1.0])


def test_a_bin_ending_exactly_at_the_end_gives_no_empty_row() -> None:
    assert len(example().rows(20.0)) == 2


@pytest.mark.parametrize("capacity", [UNLIMITED, math.inf])
def test_unlimited_capacity_gives_nan_capacity_and_utilisation(capacity: float) -> None:
    m = BinnedMonitor("bank_requests", 10.0)
    m.set_state(0.0, 0, 0, capacity)
    m.set_state(4.0, 0, 3, capacity)
    (row,) = m.rows(10.0)
    assert math.isnan(row["mean_capacity"])  # type: ignore[arg-type]
    assert math.isnan(row["utilisation"])  # type: ignore[arg-type]
    assert row["mean_busy"] == pytest.approx(1.8)


def test_zero_capacity_gives_nan_utilisation_but_zero_capacity() -> None:
    m = BinnedMonitor("x", 10.0)
    m.set_state(0.0, 3, 0, 0)
    (row,) = m.rows(10.0)
    assert row["mean_capacity"] == 0.0
    assert math.isnan(row["utilisation"])  # type: ignore[arg-type]
    assert row["mean_queue"] == pytest.approx(3.0)


def reference(
    states: list[tuple[float, int, int, int]], width: float, end: float
) -> list[tuple[float, float, int]]:
    """Brute-force (queue area, busy area, max queue) per bin."""
    n_bins = math.ceil(end / width)
    out = []
    for b in range(n_bins):
        lo, hi = b * width, min((b + 1) * width, end)
        q_area = busy_area = 0.0
        peak = 0
        for i, (t, q, busy, _) in enumerate(states):
            t_next = states[i + 1][0] if i + 1 < len(states) else end
            overlap = min(t_next, hi) - max(t, lo)
            if overlap > 0:
                q_area += q * overlap
                busy_area += busy * overlap
            if overlap > 0 or int(t // width) == b:
                peak = max(peak, q)
        out.append((q_area, busy_area, peak))
    return out


@settings(max_examples=150, deadline=None)
@given(
    width=st.integers(1, 30).map(float),
    steps=st.lists(st.tuples(st.floats(0, 40), st.integers(0, 9), st.integers(0, 5)), max_size=25),
    tail=st.floats(0.001, 50),
)
def test_bins_match_a_brute_force_integration(
    width: float, steps: list[tuple[float, int, int]], tail: float
) -> None:
    states = [(0.0, 0, 0, 5)]
    t = 0.0
    for dt, q, busy in steps:
        t += dt
        states.append((t, q, busy, 5))
    end = t + tail
    m = BinnedMonitor("x", width)
    for time, q, busy, cap in states:
        m.set_state(time, q, busy, cap)
    rows = m.rows(end)
    expected = reference(states, width, end)
    assert len(rows) == len(expected)
    for row, (q_area, busy_area, peak) in zip(rows, expected, strict=True):
        w = float(row["bin_end_min"]) - float(row["bin_start_min"])
        assert float(row["mean_queue"]) * w == pytest.approx(q_area, rel=1e-9, abs=1e-9)
        assert float(row["mean_busy"]) * w == pytest.approx(busy_area, rel=1e-9, abs=1e-9)
        assert row["max_queue"] == peak


# A bin edge (b + 1) * width may floor-divide back into bin b in binary
# (5 * 0.1 = 0.5 but 0.5 // 0.1 == 4.0); this once made the monitor loop forever.
@pytest.mark.parametrize("width", [0.1, 12.7])
def test_bin_widths_that_are_not_exact_in_binary_do_not_hang(width: float) -> None:
    m = BinnedMonitor("x", width)
    m.set_state(0.0, 1, 1, 1)
    with time_limit(0.5):
        m.set_state(100 * width, 0, 0, 1)
        rows = m.rows(100 * width)
    assert sum(float(r["mean_queue"]) * width for r in rows) == pytest.approx(100 * width)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.0, 0.25, 1.0, 7.5, 10.0, 29.999, 30.0, 61.0]),
            st.sampled_from([-1, 1, 2]),
            st.booleans(),
        ),
        max_size=40,
    )
)
def test_add_busy_is_set_state_with_the_same_queue(steps: list[tuple[float, int, bool]]) -> None:
    """The bank monitor's shortcut gives bin for bin the same floats as set_state."""
    fast, slow = BinnedMonitor("fast", 10.0), BinnedMonitor("slow", 10.0)
    for m in (fast, slow):
        m.set_state(0.0, 3, 5, 8.0)
    now, busy, queue = 0.0, 5, 3
    for gap, change, requeue in steps:
        now += gap
        busy += change
        if requeue:  # a queue change now and then, through set_state on both
            queue = (queue + 2) % 5
            fast.set_state(now, queue, busy, 8.0)
            slow.set_state(now, queue, busy, 8.0)
        else:
            fast.add_busy(now, change)
            slow.set_state(now, queue, busy, 8.0)
    # NaN (a bin with no starts has no mean wait) is compared as a string:
    # NaN != NaN, and a list compares equal only while both hold the very
    # same NaN object, which compiled code does not promise.
    assert _nan_safe(fast.rows(now + 1.0)) == _nan_safe(
        [{**r, "resource": "fast"} for r in slow.rows(now + 1.0)]
    )


def _nan_safe(rows: list[dict[str, float | int | str]]) -> list[dict[str, object]]:
    """Return the rows with every NaN replaced by the string 'nan'."""
    return [
        {k: "nan" if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
        for row in rows
    ]


def test_rows_read_midway_leave_the_later_rows_unchanged() -> None:
    changes = [(0.0, 2, 1), (5.0, 1, 1), (7.5, 0, 1), (12.0, 3, 0), (31.0, 1, 1), (33.0, 0, 0)]

    def fill(m: BinnedMonitor, upto: float) -> None:
        for t, q, busy in changes:
            if t < upto:
                m.set_state(t, q, busy, 2)

    plain = BinnedMonitor("x", 10.0)
    fill(plain, math.inf)
    midway = BinnedMonitor("x", 10.0)
    fill(midway, 13.0)
    first, second = midway.rows(12.5)  # ends inside the bin of the last change
    assert first["mean_queue"] == pytest.approx((2 * 5 + 1 * 2.5) / 10)
    assert second["mean_queue"] == pytest.approx(3 * 0.5 / 2.5)  # queue 3 from minute 12
    for t, q, busy in changes:
        if t >= 13.0:
            midway.set_state(t, q, busy, 2)
    # repr: exact floats, and NaN (no waits recorded) equal to NaN
    assert repr(midway.rows(40.0)) == repr(plain.rows(40.0))
