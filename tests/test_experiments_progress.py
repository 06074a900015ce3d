"""The progress bar of an experiment (fraudsim/experiments/engine.py, ``Runner``).

The bar's note gives the widest relative half-width of money saved so far;
it must not claim a precision before any interval exists.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest

import fraudsim.experiments.engine as engine
from fraudsim.experiments.engine import Plan, Runner
from fraudsim.experiments.jobs import Job, JobResult
from fraudsim.experiments.policies import Cell


class FakeBar:
    """Stands in for tqdm: records every note set on the bar."""

    notes: ClassVar[list[str]] = []

    def __init__(self, total: int, initial: int, **_: Any) -> None:
        self.total, self.n, self.disable = total, initial, False

    def update(self, k: int) -> None:
        self.n += k

    def refresh(self) -> None:
        """Nothing to draw."""

    def close(self) -> None:
        """Nothing to close."""

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        del refresh  # nothing is drawn
        FakeBar.notes.append(text)


class Replay:
    """An executor that finishes each job at once, money saved growing with the replication."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs  # the first batch's, as the runner tells its executor

    def run(self, jobs: Sequence[Job], on_result: Callable[[JobResult], bool]) -> None:
        for job in jobs:
            on_result(JobResult(job.key, job.seed, {"saved_fen": 100.0 + 10 * job.replication}))

    def describe(self) -> str:
        return "replay"

    def close(self) -> None:
        """Nothing to release."""


@pytest.fixture
def notes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The notes the bar shows; the clock moves a second per reading (no throttling)."""
    clock = itertools.count(start=100)
    monkeypatch.setattr(engine, "tqdm", FakeBar)
    # The engine's clock only: pytest keeps the real one.
    monkeypatch.setattr("fraudsim.experiments.engine.time",
                        SimpleNamespace(monotonic=lambda: float(next(clock))))
    FakeBar.notes = []
    yield FakeBar.notes


def test_no_precision_is_shown_before_a_cell_has_two_replications(notes: list[str]) -> None:
    """One replication per cell gives no interval: the note says n/a, never "±0.0%"."""
    cells = [Cell(0, "a", {}), Cell(0, "b", {})]
    runner = Runner(Plan(cells, seed=1, replications=3), Replay, None, {}, progress=True)
    runner.ensure(3)  # replication-major: a0, b0, a1, b1, a2, b2
    runner.close()
    assert notes[:2] == ["saved ±n/a", "saved ±n/a"]
    assert all(n.startswith("saved ±") and n.endswith("% of mean") for n in notes[2:])
    assert len(notes) == 6 and "saved ±0.0% of mean" not in notes
    assert runner.widest_saved() == pytest.approx(0.2258, abs=1e-4)  # 110 ± 24.8
