"""Resources over time: who was on duty, how busy they were, and how long the queues grew."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from fraudsim.plotting.folder import column
from fraudsim.plotting.style import (
    OKABE_ITO,
    bottom_legend,
    new_figure,
    percent_formatter,
    with_style,
)

RESOURCES = ("call_takers", "analysts", "patrols", "warning_team", "bank_requests")
"""Resources in the order drawn (others follow alphabetically)."""

NAMES = {
    "call_takers": "call-takers\n(110/96110)",
    "analysts": "anti-fraud\nanalysts",
    "patrols": "patrol units",
    "warning_team": "early-warning\nteam",
    "bank_requests": "bank requests\n(in progress)",
}

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(frozen=True)
class ResourceSeries:
    """One resource's time bins, as drawn.

    Attributes:
        name: Resource name (``analysts``, ...).
        edges_day: Bin edges in days from Monday 00:00 of week one (n + 1).
        capacity: Mean servers on duty per bin (NaN: unlimited).
        busy: Mean busy servers per bin.
        utilisation: Busy over on duty per bin (NaN: unlimited or nobody on duty).
        mean_queue: Mean queue length per bin.
        max_queue: Longest queue per bin.
    """

    name: str
    edges_day: FloatArray
    capacity: FloatArray
    busy: FloatArray
    utilisation: FloatArray
    mean_queue: FloatArray
    max_queue: FloatArray


def _floats(table: pa.Table, name: str) -> FloatArray:
    return np.asarray([np.nan if v is None else v for v in column(table, name)],
                      dtype=np.float64)


MAX_BINS = 1000
"""Bins drawn per resource at most; longer runs are merged into coarser bins."""


def _merge(values: FloatArray, k: int, how: str) -> FloatArray:
    """Merge every ``k`` consecutive bins by mean or max, ignoring NaN (unlimited)."""
    pad = (-len(values)) % k
    grid = np.append(values, np.full(pad, np.nan)).reshape(-1, k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN groups stay NaN
        merged = np.nanmax(grid, axis=1) if how == "max" else np.nanmean(grid, axis=1)
    return np.asarray(merged, dtype=np.float64)


def coarsen(s: ResourceSeries, max_bins: int = MAX_BINS) -> ResourceSeries:
    """Return the series with at most ``max_bins`` bins (means per merged bin; max of maxima).

    A year of hourly bins cannot be read at slide size; merging ``k`` bins
    keeps the busy and on-duty means exact over each merged bin.
    """
    n = len(s.busy)
    if n <= max_bins:
        return s
    k = -(-n // max_bins)
    edges = np.append(s.edges_day[:-1:k], s.edges_day[-1])
    capacity = _merge(s.capacity, k, "mean")
    busy = _merge(s.busy, k, "mean")
    with np.errstate(invalid="ignore", divide="ignore"):
        utilisation = np.where(capacity > 0, busy / capacity, np.nan)
    return ResourceSeries(s.name, edges, capacity, busy, utilisation,
                          _merge(s.mean_queue, k, "mean"), _merge(s.max_queue, k, "max"))


def resource_series(resources: pa.Table) -> list[ResourceSeries]:
    """Split the resource table per resource; leave out resources that never had work."""
    names = column(resources, "resource")
    known = [r for r in RESOURCES if r in names]
    order = known + sorted(set(names) - set(known))
    out = []
    for name in order:
        part = resources.filter(pc.equal(resources.column("resource"), name))
        part = part.sort_by("bin_start_min")
        busy = _floats(part, "mean_busy")
        if _floats(part, "arrivals").sum() == 0 and not np.nansum(busy):
            continue
        edges = np.append(_floats(part, "bin_start_min"), _floats(part, "bin_end_min")[-1:])
        out.append(ResourceSeries(name, edges / 1440.0, _floats(part, "mean_capacity"), busy,
                                  _floats(part, "utilisation"), _floats(part, "mean_queue"),
                                  _floats(part, "max_queue")))
    return out


def steps(ax: Axes, edges: FloatArray, values: FloatArray, **style: Any) -> None:
    """Draw per-bin values as a step line over the bin edges (gid and style in ``style``).

    A plain line with a steps drawstyle: :meth:`Axes.stairs` computes its
    limits segment by segment, far too slowly for a year of bins.
    """
    ax.plot(edges, np.append(values, values[-1:]), drawstyle="steps-post", **style)


def _duty(ax: Axes, s: ResourceSeries) -> None:
    busy = np.append(s.busy, s.busy[-1:])
    ax.fill_between(s.edges_day, busy, step="post", color=OKABE_ITO["sky_blue"], linewidth=0,
                    label="busy servers")
    steps(ax, s.edges_day, s.busy, color=OKABE_ITO["sky_blue"], linewidth=0.8,
          gid=f"busy:{s.name}")
    if not np.isnan(s.capacity).all():
        steps(ax, s.edges_day, s.capacity, color=OKABE_ITO["black"], linewidth=1.6,
              label="on duty (shifts)", gid=f"capacity:{s.name}")
    ax.set_ylim(0, _top(np.fmax(s.busy, np.nan_to_num(s.capacity))))


def _utilisation(ax: Axes, s: ResourceSeries) -> None:
    if np.isnan(s.utilisation).all():
        ax.text(0.5, 0.5, "unlimited capacity", transform=ax.transAxes, ha="center",
                va="center", color="#555555")
    else:
        steps(ax, s.edges_day, np.nan_to_num(s.utilisation), color=OKABE_ITO["blue"],
              linewidth=1.6, gid=f"utilisation:{s.name}")
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(percent_formatter())


def _queue(ax: Axes, s: ResourceSeries) -> None:
    steps(ax, s.edges_day, s.max_queue, color=OKABE_ITO["orange"], alpha=0.45, linewidth=1.2,
          label="longest queue")
    steps(ax, s.edges_day, s.mean_queue, color=OKABE_ITO["vermillion"], linewidth=1.8,
          gid=f"queue:{s.name}", label="mean queue")
    ax.set_ylim(0, _top(s.max_queue))


def _top(values: FloatArray) -> float:
    """Return an axis top with head-room for the legend (at least 1)."""
    finite = values[np.isfinite(values)]
    return max(1.0, float(finite.max()) if len(finite) else 0.0) * 1.35


@with_style
def resources_figure(series: list[ResourceSeries], scenario: str, bin_min: float,
                     warmup_days: float = 0.0) -> Figure:
    """Draw each resource's staffing, utilisation and queue over the simulated time.

    One row per resource: servers on duty (the shift calendar, a step line)
    and busy (area); utilisation (busy / on duty); queue length (mean and
    longest per bin). Resources that never had work are left out.
    """
    series = [coarsen(s) for s in series]
    fig = new_figure()
    axes = fig.subplots(len(series), 3, sharex=True, squeeze=False)
    for row, s in zip(axes, series, strict=True):
        _duty(row[0], s)
        _utilisation(row[1], s)
        _queue(row[2], s)
        row[0].set_ylabel(NAMES.get(s.name, s.name), fontsize=11)
        for ax in row:
            if warmup_days > 0:
                ax.axvspan(0, warmup_days, color="#EEEEEE", zorder=0)
    titles = ("servers on duty and busy", "utilisation (busy / on duty)",
              "queue length (jobs waiting)")
    for ax, title in zip(axes[0], titles, strict=True):
        ax.set_title(title, fontsize=14)
    handles = [h for ax in (axes[0][0], axes[0][2]) for h in ax.get_legend_handles_labels()[0]]

    for ax in axes[-1]:
        ax.set_xlabel("simulated day (from Monday 00:00)")
    fig.suptitle("Resources over time: staffing, utilisation and queues")
    warm = f" · grey: warm-up ({warmup_days:g} days)" if warmup_days > 0 else ""
    bottom_legend(fig, handles, f"{scenario} · means over {bin_min:g}-minute bins{warm}")
    return fig
