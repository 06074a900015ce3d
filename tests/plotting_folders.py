"""Results folders for the end-to-end figure tests, and helpers to read drawn lines.

The folders themselves are session fixtures in ``tests/conftest.py``
(``folders``, ``compared``, ``compared_lean``, ``swept_latency``,
``swept_lag``), built once with the helpers here and shared by
``tests/test_plotting.py``, ``tests/test_plotting_drawn.py`` and
``tests/test_plotting_cases.py``. Each figure's data lines carry a ``gid``
naming what they show, so the tests find the drawn points by it.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

import fraudsim
from fraudsim.experiments import compare, run_sweep
from fraudsim.plotting import ResultsFolder, figures, open_folder
from fraudsim.results import write_results
from fraudsim.scenario import Scenario
from fraudsim.scenario.loading import validate_scenario
from tests.conftest import busy

# -- building results folders -------------------------------------------------

BUSY_RUN = ["name=busy-town",
            'victims.report_lag_min={kind="lognormal",median=30,p95=1500}']
"""The busy town under its own name (so its default case is the largest), reporting late."""

POLICIES = {
    "baseline": {},
    "more_analysts": {"response.analysts.staff": 3},
    "slow_bank": {"banks.xiamen_bank.stop_latency_min": 60.0},
}


def make_run(dest: Path, scenario: Scenario, command: Sequence[str] = ("test",)) -> ResultsFolder:
    """Run one replication and write its results folder; return it opened."""
    result = fraudsim.simulate(scenario)
    write_results(result, dest, list(command), [])
    return open_folder(dest)


def with_policies(scenario: Scenario, name: str = "busy-town") -> Scenario:
    """Return the scenario with the test policies declared."""
    raw = scenario.model_dump(mode="json", by_alias=True)
    raw["policies"] = POLICIES
    raw["name"] = name
    return validate_scenario(raw)


def make_compare(dest: Path, keep_cases: bool) -> ResultsFolder:
    """Compare the test policies of the busy town (3 replications) into ``dest``."""
    compare(with_policies(busy(BUSY_RUN)), replications=3, workers=1, out=dest,
            keep_cases=keep_cases)
    return open_folder(dest)


def make_sweep(dest: Path, scenario: Scenario, vary: dict[str, list[Any]],
               policies: list[str] | None = None) -> ResultsFolder:
    """Sweep ``vary`` (2 replications per point) into ``dest``."""
    run_sweep(scenario, vary, policies, replications=2, workers=1, out=dest)
    return open_folder(dest)


# -- reading figures -----------------------------------------------------------


def build(folder: ResultsFolder, name: str, case: int | None = None) -> Figure:
    """Build the figure called ``name`` (a prefix is enough) of a folder."""
    spec = next(s for s in figures(folder, case) if s.name.startswith(name))
    return spec.build()


def lines(fig: Figure, gid: str) -> list[Line2D]:
    """Return every line of a figure whose gid starts with ``gid``."""
    return [ln for ax in fig.axes for ln in ax.get_lines() if (ln.get_gid() or "").startswith(gid)]


def gid_of(line: Line2D) -> str:
    """Return a line's gid (every line the figures draw has one)."""
    gid = line.get_gid()
    assert gid is not None
    return gid


def xy(line: Line2D) -> tuple[list[float], list[float]]:
    """Return a line's points as lists of floats."""
    return (np.asarray(line.get_xdata(), float).tolist(),
            np.asarray(line.get_ydata(), float).tolist())


def one_line(fig: Figure, gid: str) -> tuple[np.ndarray, np.ndarray]:
    """Return the x and y of the one line whose gid starts with ``gid``."""
    found = lines(fig, gid)
    assert len(found) == 1, [ln.get_gid() for ax in fig.axes for ln in ax.get_lines()]
    return np.asarray(found[0].get_xdata(), float), np.asarray(found[0].get_ydata(), float)


def png_size(data: bytes) -> tuple[int, int]:
    """Return a PNG's width and height in pixels, read from its header."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height

