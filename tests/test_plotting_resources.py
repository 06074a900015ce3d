"""Resources over time: the per-resource series read from the resource table, and their figure.

:func:`resource_series` splits a results folder's ``resources.parquet`` per
resource (fixed order, idle resources left out, minutes turned into days);
:func:`coarsen` merges bins of long runs; :func:`resources_figure` draws a
row per resource. Tables here are written by hand so that every expected
number is known without running the model.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from fraudsim.plotting.resources import (
    MAX_BINS,
    NAMES,
    ResourceSeries,
    coarsen,
    resource_series,
    resources_figure,
    steps,
)
from fraudsim.plotting.style import new_figure

NAN = math.nan


def row(resource: str, start: float, busy: float | None, capacity: float | None = 2.0,
        arrivals: int = 1, queue: float = 0.0, max_queue: int = 0,
        width: float = 60.0) -> dict[str, Any]:
    """Return one bin of a resource table (utilisation derived by hand: busy / capacity)."""
    util = None if capacity is None or busy is None or capacity == 0 else busy / capacity
    return {"resource": resource, "bin_start_min": start, "bin_end_min": start + width,
            "mean_queue": queue, "max_queue": max_queue, "mean_busy": busy,
            "mean_capacity": capacity, "utilisation": util, "arrivals": arrivals}


def table(rows: list[dict[str, Any]]) -> pa.Table:
    """Return the rows as a resource table with the real table's column types."""
    schema = pa.schema([("resource", pa.string()), ("bin_start_min", pa.float64()),
                        ("bin_end_min", pa.float64()), ("mean_queue", pa.float64()),
                        ("max_queue", pa.int64()), ("mean_busy", pa.float64()),
                        ("mean_capacity", pa.float64()), ("utilisation", pa.float64()),
                        ("arrivals", pa.int64())])
    return pa.Table.from_pylist(rows, schema=schema)


def series(name: str, busy: list[float], capacity: list[float], max_queue: list[float],
           bin_day: float = 1 / 24) -> ResourceSeries:
    """Return a series of equal bins (utilisation busy / capacity, NaN where unlimited)."""
    b, c = np.asarray(busy, float), np.asarray(capacity, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        util = np.where(c > 0, b / c, NAN)
    q = np.asarray(max_queue, float)
    edges = np.asarray(np.arange(len(b) + 1) * bin_day, dtype=np.float64)
    return ResourceSeries(name, edges, c, b, util, q / 2, q)


def lines_of(ax: Axes) -> dict[str, Line2D]:
    """Return an axes' lines by gid (or label when they have none)."""
    return {str(ln.get_gid() or ln.get_label()): ln for ln in ax.get_lines()}


def ydata(line: Line2D) -> list[float]:
    """Return a line's y values as floats."""
    return [float(v) for v in np.asarray(line.get_ydata(), float)]


# -- splitting the table ------------------------------------------------------------


MIXED = table([
    row("zeta_desk", 0, 1.0),
    row("analysts", 60, 1.5, max_queue=3, queue=1.25),
    row("analysts", 0, 0.5),                       # bins out of order in the table
    row("alpha_desk", 0, 0.0, arrivals=2),         # arrivals but never busy: kept
    row("patrols", 0, 0.0, arrivals=0),            # never any work: left out
    row("bank_requests", 0, 3.0, capacity=None),   # unlimited: no capacity, no utilisation
    row("call_takers", 0, 1.0, capacity=0.0),      # nobody on duty yet busy (overtime)
])


def test_resources_come_in_the_fixed_order_then_alphabetically() -> None:
    """Known resources first (call-takers to bank requests), others by name; idle ones dropped."""
    assert [s.name for s in resource_series(MIXED)] == [
        "call_takers", "analysts", "bank_requests", "alpha_desk", "zeta_desk"]


def test_a_resource_series_holds_its_bins_in_time_order_in_days() -> None:
    """Bins are sorted by start; edges are the starts and the last end, in days."""
    analysts = next(s for s in resource_series(MIXED) if s.name == "analysts")
    assert analysts.edges_day.tolist() == [0.0, 60 / 1440, 120 / 1440]
    assert analysts.busy.tolist() == [0.5, 1.5]
    assert analysts.capacity.tolist() == [2.0, 2.0]
    assert analysts.utilisation.tolist() == [0.25, 0.75]
    assert analysts.mean_queue.tolist() == [0.0, 1.25]
    assert analysts.max_queue.tolist() == [0.0, 3.0]


def test_unlimited_capacity_reads_as_nan() -> None:
    """Nulls (unlimited servers, undefined utilisation) become NaN, not zero."""
    bank = next(s for s in resource_series(MIXED) if s.name == "bank_requests")
    assert math.isnan(bank.capacity[0]) and math.isnan(bank.utilisation[0])
    assert bank.busy.tolist() == [3.0]


def test_a_table_of_idle_resources_gives_no_series() -> None:
    """With no arrival and nobody busy anywhere there is nothing to draw."""
    idle = table([row("analysts", 0, 0.0, arrivals=0), row("patrols", 0, None, arrivals=0)])
    assert resource_series(idle) == []


# -- merging bins ------------------------------------------------------------------


def test_short_series_are_left_as_they_are() -> None:
    """Up to ``max_bins`` bins the very same series comes back."""
    s = series("analysts", [1.0] * 5, [2.0] * 5, [0.0] * 5)
    assert coarsen(s, 5) is s
    assert coarsen(s) is s and MAX_BINS >= 5


def test_coarsen_by_hand() -> None:
    """Seven bins into groups of three: means, maxima, the last group shorter, NaN kept."""
    s = series("bank_requests", [0, 1, 2, 3, 4, 5, 6],
               [NAN, NAN, NAN, 4, 4, NAN, 2], [5, 0, 1, 2, 9, 3, 7])
    c = coarsen(s, 3)
    assert c.name == "bank_requests"
    assert c.edges_day.tolist() == pytest.approx([0, 3 / 24, 6 / 24, 7 / 24])
    assert c.busy.tolist() == [1.0, 4.0, 6.0]
    assert math.isnan(c.capacity[0])                # unlimited throughout: still unlimited
    assert c.capacity[1:].tolist() == [4.0, 2.0]    # mean of the bins that had a capacity
    assert math.isnan(c.utilisation[0])
    assert c.utilisation[1:].tolist() == [1.0, 3.0]
    assert c.max_queue.tolist() == [5.0, 9.0, 7.0]
    assert c.mean_queue.tolist() == [1.0, 7 / 3, 3.5]


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_coarsened_bins_summarise_the_bins_they_cover(data: st.DataObject) -> None:
    """Each merged bin is the mean (busy, queue) or max (longest queue) of the bins it spans."""
    n = data.draw(st.integers(1, 80), label="bins")
    limit = data.draw(st.integers(1, 25), label="max_bins")
    value = st.floats(0, 50, allow_nan=False)
    busy = data.draw(st.lists(value, min_size=n, max_size=n))
    queue = data.draw(st.lists(value, min_size=n, max_size=n))
    cap = data.draw(st.lists(st.sampled_from([NAN, 1.0, 3.0]), min_size=n, max_size=n))
    s = series("analysts", busy, cap, queue)
    c = coarsen(s, limit)
    assert len(c.busy) <= limit and len(c.edges_day) == len(c.busy) + 1
    assert c.edges_day[0] == s.edges_day[0] and c.edges_day[-1] == s.edges_day[-1]
    starts = s.edges_day[:-1]
    for i in range(len(c.busy)):
        inside = (starts >= c.edges_day[i]) & (starts < c.edges_day[i + 1])
        assert inside.any()
        assert c.busy[i] == pytest.approx(np.mean(np.asarray(busy)[inside]))
        assert c.max_queue[i] == max(np.asarray(queue)[inside])
        limited = np.asarray(cap)[inside]
        limited = limited[~np.isnan(limited)]
        if len(limited):
            assert c.capacity[i] == pytest.approx(limited.mean())
            assert c.utilisation[i] == pytest.approx(c.busy[i] / limited.mean())
        else:
            assert math.isnan(c.capacity[i]) and math.isnan(c.utilisation[i])
    assert sum(((starts >= a) & (starts < b)).sum()
               for a, b in zip(c.edges_day[:-1], c.edges_day[1:], strict=True)) == n


# -- drawing -------------------------------------------------------------------------


def test_steps_draws_each_value_over_its_bin() -> None:
    """A step line over n + 1 edges: the last value repeats so the last bin is drawn."""
    ax = new_figure((2.0, 2.0)).subplots()
    steps(ax, np.array([0.0, 1.0, 3.0]), np.array([2.0, 5.0]), gid="busy:x", color="red")
    (line,) = ax.get_lines()
    assert np.asarray(line.get_xdata(), float).tolist() == [0.0, 1.0, 3.0]
    assert ydata(line) == [2.0, 5.0, 5.0]
    assert line.get_drawstyle() == "steps-post"
    assert line.get_gid() == "busy:x" and line.get_color() == "red"


ANALYSTS = series("analysts", [0.5, 1.5, 2.0], [2.0, 2.0, 1.0], [0.0, 4.0, 2.0])
BANK = series("bank_requests", [3.0, 1.0, 0.0], [NAN] * 3, [0.0] * 3)


@pytest.fixture(scope="module")
def figure() -> Iterator[Figure]:
    """The figure of a staffed resource and an unlimited one, with two days of warm-up."""
    fig = resources_figure([ANALYSTS, BANK], "busy-town", 60.0, warmup_days=2.0)
    yield fig
    fig.clear()


def test_one_row_per_resource_with_three_panels(figure: Figure) -> None:
    """Rows: on duty and busy, utilisation, queue; titled on the first row, named per row."""
    axes = figure.axes
    assert len(axes) == 6
    assert [ax.get_title() for ax in axes[:3]] == [
        "servers on duty and busy", "utilisation (busy / on duty)",
        "queue length (jobs waiting)"]
    assert [ax.get_title() for ax in axes[3:]] == ["", "", ""]
    assert axes[0].get_ylabel() == NAMES["analysts"] == "anti-fraud\nanalysts"
    assert axes[3].get_ylabel() == "bank requests\n(in progress)"
    assert [ax.get_xlabel() for ax in axes[3:]] == ["simulated day (from Monday 00:00)"] * 3
    assert figure.get_suptitle() == "Resources over time: staffing, utilisation and queues"


def test_the_lines_are_the_series(figure: Figure) -> None:
    """Busy, on-duty, utilisation and queue lines carry the series' values over its edges."""
    duty, util, queue = (lines_of(ax) for ax in figure.axes[:3])
    edges = [0.0, 1 / 24, 2 / 24, 3 / 24]
    assert np.asarray(duty["busy:analysts"].get_xdata(), float).tolist() == pytest.approx(edges)
    assert ydata(duty["busy:analysts"]) == [0.5, 1.5, 2.0, 2.0]
    assert ydata(duty["capacity:analysts"]) == [2.0, 2.0, 1.0, 1.0]
    assert ydata(util["utilisation:analysts"]) == [0.25, 0.75, 2.0, 2.0]
    assert ydata(queue["queue:analysts"]) == [0.0, 2.0, 1.0, 1.0]
    assert ydata(queue["longest queue"]) == [0.0, 4.0, 2.0, 2.0]


def test_axis_tops_leave_room_for_the_legend(figure: Figure) -> None:
    """Tops are 1.35 x the largest value (busy or on duty; longest queue), at least 1.35."""
    duty, util, queue, bank_duty, _, bank_queue = figure.axes
    assert duty.get_ylim() == pytest.approx((0, 2.0 * 1.35))
    assert queue.get_ylim() == pytest.approx((0, 4.0 * 1.35))
    assert util.get_ylim() == pytest.approx((0, 1.05))
    assert util.yaxis.get_major_formatter()(0.5, 0) == "50%"
    assert bank_duty.get_ylim() == pytest.approx((0, 3.0 * 1.35))
    assert bank_queue.get_ylim() == pytest.approx((0, 1.35))  # never a queue


def test_unlimited_capacity_has_no_duty_or_utilisation_line(figure: Figure) -> None:
    """Without a shift calendar there is nothing on duty to draw, and utilisation is undefined."""
    bank_duty, bank_util = figure.axes[3], figure.axes[4]
    assert "capacity:bank_requests" not in lines_of(bank_duty)
    assert "busy:bank_requests" in lines_of(bank_duty)
    assert not bank_util.get_lines()
    assert [t.get_text() for t in bank_util.texts] == ["unlimited capacity"]
    assert not figure.axes[1].texts


def test_warm_up_is_shaded_and_named(figure: Figure) -> None:
    """Every panel shades the warm-up days, and the note says what the grey is."""
    for ax in figure.axes:
        (shade,) = ax.patches
        assert isinstance(shade, Rectangle)
        assert shade.get_facecolor()[:3] == pytest.approx((14 / 15,) * 3)  # #EEEEEE
        assert (shade.get_x(), shade.get_x() + shade.get_width()) == (0.0, 2.0)
    notes = [t.get_text() for t in figure.texts]
    assert "busy-town · means over 60-minute bins · grey: warm-up (2 days)" in notes
    labels = [t.get_text() for t in figure.legends[0].get_texts()]
    assert labels == ["busy servers", "on duty (shifts)", "longest queue", "mean queue"]


def test_no_warm_up_no_shade_and_long_runs_are_merged() -> None:
    """Without warm-up nothing is shaded; a long series is drawn in at most MAX_BINS bins."""
    n = 2 * MAX_BINS + 1
    long = series("call_takers", [1.0] * n, [2.0] * n, [0.0] * n)
    fig = resources_figure([long], "long", 10.0)
    try:
        assert all(not ax.patches for ax in fig.axes)
        assert "long · means over 10-minute bins" in [t.get_text() for t in fig.texts]
        (busy,) = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "busy:call_takers"]
        points = np.asarray(busy.get_xdata(), float)
        assert len(points) <= MAX_BINS + 1
        assert points[0] == 0.0 and points[-1] == pytest.approx(n / 24)
    finally:
        fig.clear()
