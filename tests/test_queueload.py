"""The queue-load sums the clock keeps for the speed benchmark (fraudsim/model/queueload.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fraudsim.model.queueload import QueueLoad


def test_steps_are_weighted_by_their_events() -> None:
    load = QueueLoad()
    load.sample(events=30, pending=10.0, after=12, near=2.0)
    load.sample(events=10, pending=50.0, after=40, near=6.0)
    load.sample(events=0, pending=1e9, after=7, near=1e9)  # a step that ran nothing
    assert load.summary() == {
        "mean_pending": (30 * 10.0 + 10 * 50.0) / 40,
        "peak_pending": 40.0,
        "mean_near": (30 * 2.0 + 10 * 6.0) / 40,
    }


def test_a_run_without_events_has_zero_load() -> None:
    assert QueueLoad().summary() == {"mean_pending": 0.0, "peak_pending": 0.0, "mean_near": 0.0}


@given(
    st.lists(
        st.tuples(
            st.integers(1, 10**6),
            st.floats(0, 1e6, allow_nan=False),
            st.integers(0, 10**6),
            st.floats(0, 1e6, allow_nan=False),
        ),
        min_size=1,
        max_size=50,
    )
)
def test_means_lie_between_the_smallest_and_largest_sample(
    steps: list[tuple[int, float, int, float]],
) -> None:
    load = QueueLoad()
    for events, pending, after, near in steps:
        load.sample(events, pending, after, near)
    s = load.summary()
    pendings = [p for _, p, _, _ in steps]
    nears = [n for _, _, _, n in steps]
    assert min(pendings) - 1e-6 <= s["mean_pending"] <= max(pendings) + 1e-6
    assert min(nears) - 1e-6 <= s["mean_near"] <= max(nears) + 1e-6
    assert s["peak_pending"] == pytest.approx(max(a for _, _, a, _ in steps))
