"""The benchmark's bare loops (``benchmarks/bare_loops.py``) run at any queue size.

The benchmark divides the model's events per second by these loops', so
each must run its events and return a finite, positive rate whatever the
number of pending entries, one included.
"""

from __future__ import annotations

import math
from types import ModuleType

import pytest

from tests.conftest import load_benchmark


@pytest.fixture(scope="module")
def loops() -> ModuleType:
    """The bare loops, loaded from their file."""
    return load_benchmark("bare_loops")


@pytest.mark.parametrize("pending", [1, 1000, 50_000])
def test_bare_loop_runs_any_heap_size(loops: ModuleType, pending: int) -> None:
    assert 0 < loops.bare_heapq_loop(2000, pending) < math.inf


@pytest.mark.parametrize("pending", [1, 1000, 50_000])
def test_clock_loop_runs_any_queue_size(loops: ModuleType, pending: int) -> None:
    assert 0 < loops.clock_loop(2000, pending) < math.inf
