"""Servers working shifts with a queue (fraudsim/model/staff.py)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsim.model.kernel import Clock
from fraudsim.model.staff import ServerPool
from fraudsim.scenario.staffing import HOURS_PER_WEEK


class Team:
    """A pool whose jobs each take a given service time; records every start.

    Beside the pool, a plain list of the jobs waiting, in arrival order, says
    which job the discipline should start next (see :meth:`reference_pick`):
    ``expected`` is the order of starts that reference gives.
    """

    def __init__(
        self,
        weekly: list[int],
        discipline: str = "fifo",
        end_min: float = 10_000.0,
        bin_min: float = 60.0,
    ) -> None:
        self.clock = Clock()
        self.discipline = discipline
        self.service: dict[Any, float] = {}
        self.keys: dict[Any, float] = {}
        self.waiting: list[Any] = []  # the reference queue, in arrival order
        self.expected: list[Any] = []
        self.arrived: dict[Any, float] = {}
        self.starts: list[tuple[Any, float, float]] = []  # (job, time, wait)
        self.violations: list[str] = []
        self.pool = ServerPool(
            self.clock, "team", weekly, discipline, self._start, bin_min, end_min
        )

    def _start(self, job: Any, wait: float) -> None:
        now = self.clock.now
        if self.pool.busy > self.pool.capacity:
            self.violations.append(f"{job}: busy {self.pool.busy} > {self.pool.capacity}")
        if self.pool.wait != wait:
            self.violations.append(f"{job}: the pool's wait {self.pool.wait} is not {wait}")
        self.starts.append((job, now, wait))
        # A job starting while others wait came from the queue: the reference picks one.
        self.expected.append(self.reference_pick() if self.waiting else job)
        self.clock.after(self.service[job], self._done, job)

    def reference_pick(self) -> Any:
        """Take the job the discipline serves next out of the reference queue."""
        if self.discipline == "fifo":
            at = 0
        elif self.discipline == "lifo":
            at = len(self.waiting) - 1
        else:  # smallest key, ties in arrival order
            at = min(range(len(self.waiting)), key=lambda i: (self.keys[self.waiting[i]], i))
        return self.waiting.pop(at)

    def _done(self, job: object) -> None:
        self.pool.release()
        if len(self.pool.queue) and self.pool.busy < self.pool.capacity:
            self.violations.append(f"idle server while {len(self.pool.queue)} wait")

    def _arrive(self, arrival: tuple[str, float]) -> None:
        job, key = arrival
        self.arrived[job] = self.clock.now
        self.pool.request(job, key)
        started = self.starts and self.starts[-1][0] == job
        if not started:
            self.waiting.append(job)
            if self.pool.busy < self.pool.capacity:
                self.violations.append(f"{job} queued with a free server")

    def job(self, name: Any, at: float, service: float, key: float = 0.0) -> None:
        self.service[name] = service
        self.keys[name] = key
        self.clock.at(at, self._arrive, (name, key))

    def run(self, until: float = 10_000.0) -> None:
        self.clock.run_to(until)

    def order(self) -> list[Any]:
        return [job for job, _, _ in self.starts]

    def start_of(self, job: Any) -> float:
        return next(t for j, t, _ in self.starts if j == job)


def constant(n: int) -> list[int]:
    return [n] * HOURS_PER_WEEK


def hour_one_changes(before: int, after: int) -> list[int]:
    """``before`` servers in the first hour of the week, ``after`` for the rest."""
    return [before] + [after] * (HOURS_PER_WEEK - 1)


def test_a_free_server_starts_a_job_at_once() -> None:
    team = Team(constant(2))
    team.job("a", 5.0, 10.0)
    team.job("b", 6.0, 10.0)
    team.run()
    assert team.starts == [("a", 5.0, 0.0), ("b", 6.0, 0.0)]


def test_fifo_serves_in_arrival_order_and_records_waits() -> None:
    team = Team(constant(1))
    for k, t in enumerate([0.0, 1.0, 2.0, 3.0]):
        team.job(k, t, 10.0)
    team.run()
    assert team.starts == [(0, 0.0, 0.0), (1, 10.0, 9.0), (2, 20.0, 18.0), (3, 30.0, 27.0)]
    assert team.pool.monitor.waits.tolist() == [0.0, 9.0, 18.0, 27.0]
    assert team.pool.busy == 0


def test_lifo_serves_the_latest_arrival_first() -> None:
    team = Team(constant(1), "lifo")
    for k, t in enumerate([0.0, 1.0, 2.0, 3.0]):
        team.job(k, t, 10.0)
    team.run()
    assert team.order() == [0, 3, 2, 1]


def test_key_order_serves_the_smallest_key_first_and_ties_by_arrival() -> None:
    team = Team(constant(1), "key")
    team.job("first", 0.0, 10.0, key=0.0)
    for name, t, key in [("b", 1, 5.0), ("c", 2, -3.0), ("d", 3, 5.0), ("e", 4, 1.0)]:
        team.job(name, float(t), 10.0, key)
    team.run()
    assert team.order() == ["first", "c", "e", "b", "d"]


def test_more_staff_at_a_shift_change_start_waiting_jobs_at_once() -> None:
    team = Team(hour_one_changes(1, 3))
    for k in range(5):
        team.job(k, 0.0, 1000.0)
    team.run(2000.0)
    assert team.start_of(0) == 0.0
    assert team.start_of(1) == team.start_of(2) == 60.0  # the shift change at 01:00
    assert team.start_of(3) == 1000.0  # first job done
    assert not team.violations
    caps = [r["mean_capacity"] for r in team.pool.monitor.rows(120.0)]
    assert caps == [1.0, 3.0]


def test_fewer_staff_finish_their_jobs_and_start_nothing_new_until_below_capacity() -> None:
    team = Team(hour_one_changes(3, 1))
    for k in range(3):
        team.job(k, 0.0, 100.0)
    team.job(3, 10.0, 100.0)
    team.job(4, 70.0, 100.0)  # arrives after the change, three still busy
    team.run(1000.0)
    assert [team.start_of(k) for k in range(3)] == [0.0, 0.0, 0.0]
    # All three finish at 100 (nobody leaves mid-job); only then is busy below 1.
    assert team.start_of(3) == 100.0
    assert team.start_of(4) == 200.0
    rows = team.pool.monitor.rows(120.0)
    assert rows[1]["mean_busy"] == pytest.approx((3 * 40 + 1 * 20) / 60)
    assert not [v for v in team.violations if "free server" in v or "idle" in v]


def test_zero_staff_queues_everything() -> None:
    team = Team(constant(0))
    team.job("a", 1.0, 5.0)
    team.run(500.0)
    assert team.starts == []
    assert len(team.pool.queue) == 1
    assert team.pool.monitor.rows(60.0)[0]["mean_queue"] == pytest.approx(59 / 60)


def test_shift_changes_repeat_every_week_and_not_after_the_end() -> None:
    week = HOURS_PER_WEEK * 60.0
    weekly = [0] * HOURS_PER_WEEK
    weekly[10] = 1  # one server from 10:00 to 11:00 on Mondays
    team = Team(weekly, end_min=2.5 * week)
    team.job("late", 11 * 60.0, 5.0)  # just missed Monday's hour
    team.run(3 * week)
    assert team.starts == [("late", week + 600.0, week + 600.0 - 660.0)]
    team2 = Team(weekly, end_min=week)  # ends before next Monday: no second shift
    team2.job("late", 11 * 60.0, 5.0)
    team2.run(3 * week)
    assert team2.starts == []


def test_arrivals_are_counted_by_the_monitor() -> None:
    team = Team(constant(1), bin_min=10.0)
    for k, t in enumerate([1.0, 2.0, 15.0]):
        team.job(k, t, 30.0)
    team.run(100.0)
    rows = team.pool.monitor.rows(100.0)
    assert [r["arrivals"] for r in rows[:3]] == [2, 1, 0]
    assert [r["starts"] for r in rows[:5]] == [1, 0, 0, 1, 0]


jobs_strategy = st.lists(
    st.tuples(st.floats(0, 30), st.floats(0, 40), st.integers(0, 3)),
    min_size=1,
    max_size=40,
)


@settings(max_examples=100, deadline=None)
@given(
    jobs=jobs_strategy,
    capacity=st.integers(1, 3),
    discipline=st.sampled_from(["fifo", "lifo", "key"]),
)
def test_never_more_busy_than_capacity_and_every_job_starts_once(
    jobs: list[tuple[float, float, int]], capacity: int, discipline: str
) -> None:
    team = Team(constant(capacity), discipline, end_min=1e6)
    t = 0.0
    for k, (gap, service, key) in enumerate(jobs):
        t += gap
        team.job(k, t, service, float(key))
    team.run(1e6)
    assert not team.violations
    assert sorted(team.order()) == list(range(len(jobs)))
    for job, start, wait in team.starts:
        assert wait == start - team.arrived[job]
        assert wait >= 0
    assert team.pool.busy == 0 and len(team.pool.queue) == 0
    # Every discipline starts its jobs in the order the reference queue gives.
    assert team.order() == team.expected and team.waiting == []
    if discipline == "fifo":
        assert team.order() == list(range(len(jobs)))
        assert [s for _, s, _ in team.starts] == sorted(s for _, s, _ in team.starts)
    if capacity == 1 and discipline == "fifo":
        # A single FIFO server: each start is max(arrival, previous start + service).
        free = 0.0
        for job, start, _ in team.starts:
            assert start == max(team.arrived[job], free)
            free = start + team.service[job]
