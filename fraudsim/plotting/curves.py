"""Outcome curves (money saved against a swept parameter) and the golden-hour curve."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from fraudsim.plotting.folder import ResultsFolder
from fraudsim.plotting.labels import key_label
from fraudsim.plotting.observed import Observed, xiamen_point
from fraudsim.plotting.series import (
    REPORT_BIN_LABELS,
    REPORT_BINS_MIN,
    SHARE,
    Band,
    GoldenHour,
    XAxis,
    bands,
)
from fraudsim.plotting.style import (
    LEGEND_COLUMNS,
    OKABE_ITO,
    bottom_legend,
    new_figure,
    percent_formatter,
    policy_colours,
    with_style,
    yuan_axis_formatter,
    yuan_short,
)

SHARED_LABEL_HEIGHT = 0.075
"""Height (figure fraction) of a two-line x label shared by the columns of a figure."""

GOLDEN_HOUR_MIN = 60.0
"""The first hour after realising, when stopping the money is most likely."""


def _draw_band(ax: Axes, band: Band, colour: str, label: str | None, measure: str) -> None:
    """Draw a mean line with its shaded 95% interval (gid ``measure:policy:panel``)."""
    gid = f"{measure}:{band.policy}:{band.panel}"
    ax.fill_between(band.x, band.low, band.high, color=colour, alpha=0.18, linewidth=0,
                    gid=f"band:{gid}")
    ax.plot(band.x, band.mean, color=colour, marker="o", label=label, gid=gid)


def _set_x(ax: Axes, axis: XAxis, label: bool = True) -> None:
    """Label the x axis (unless the figure shares one label) and name categories."""
    if label:
        ax.set_xlabel(key_label(axis.key))
    if not axis.numeric:
        ax.set_xticks(range(len(axis.labels)), axis.labels, rotation=20, ha="right")


def xiamen_label(point: Observed) -> str:
    """Return the legend text of the real case, from the shipped replay's numbers."""
    return (f"Xiamen 2023-09-27 (observed): stopped {point.after_report:g} min after the "
            f"report, all {yuan_short(point.yuan * 100)} saved")


def _mark_xiamen(share_ax: Axes, yuan_ax: Axes, point: Observed) -> None:
    """Star the real case in both panels of a column, named briefly beside the top star."""
    x = point.latency
    for ax, y in ((share_ax, 1.0), (yuan_ax, point.yuan)):
        ax.axvline(x, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=1.5)
        ax.plot([x], [y], marker="*", markersize=22, color=OKABE_ITO["vermillion"],
                markeredgecolor="black", linestyle="none", zorder=5, gid="xiamen",
                label=xiamen_label(point))
    # The name goes on the side of the star with more room, so it stays in its panel.
    low, high = share_ax.get_xlim()
    right = x <= (low + high) / 2
    share_ax.annotate("Xiamen 2023\n(observed)", (x, 1.0), xytext=(14 if right else -14, -10),
                      textcoords="offset points", ha="left" if right else "right", va="top",
                      fontsize=12, color=OKABE_ITO["vermillion"], gid="xiamen-note")


def _panels(folder: ResultsFolder, x_key: str) -> str | None:
    others = [k for k in folder.vary if k != x_key]
    return others[0] if others else None


def panel_title(key: str, value: str) -> str:
    """Return a panel's title: the other key in words with its value, over its path."""
    return f"{key_label(key).splitlines()[0]} = {value}\n{key}"


def _handles(axes: list[Axes]) -> list[Any]:
    """Return one handle per label drawn in any of the axes (policies, the real case)."""
    found: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            found.setdefault(label, handle)
    return list(found.values())


def _draw_column(share_ax: Axes, yuan_ax: Axes, share: list[Band], yuan: list[Band],
                 colours: dict[str, str]) -> None:
    """Draw one column of the outcome curve: share saved on top, yuan below."""
    for b in share:
        _draw_band(share_ax, b, colours[b.policy], b.policy, SHARE)
    for b in yuan:
        _draw_band(yuan_ax, b, colours[b.policy], None, "saved_yuan")
    share_ax.set_ylim(-0.02, 1.05)
    share_ax.yaxis.set_major_formatter(percent_formatter())
    yuan_ax.yaxis.set_major_formatter(yuan_axis_formatter())
    yuan_ax.set_ylim(bottom=0)


def _legend_under_panels(fig: Figure, axes: list[Axes], axis: XAxis, note: str) -> None:
    """Put the legend of ``axes`` under the panels, with one x label for all of several.

    The legend covers no line there; with several panels, their one x label
    goes in the height kept for it between the panels and the legend.
    """
    shared = len(axes) > 1
    label = (fig.supxlabel(key_label(axis.key), va="bottom", fontsize=14, in_layout=False)
             if shared else None)
    top = bottom_legend(fig, _handles(axes), note,
                        above=SHARED_LABEL_HEIGHT if shared else 0.0, columns=LEGEND_COLUMNS)
    if label is not None:
        label.set_y(top)


@with_style
def outcome_curve(folder: ResultsFolder, x_key: str | None = None) -> Figure:
    """Money saved against a swept parameter: share (top) and yuan (bottom), one line per policy.

    Each line is the mean over replications at each grid point; the band is
    its 95% confidence interval. A two-key sweep gets one column per value of
    the other key, under one x label. The real Xiamen case is starred where
    :func:`~fraudsim.plotting.observed.xiamen_point` says it belongs.
    """
    x_key = x_key or next(iter(folder.vary))
    panel_key = _panels(folder, x_key)
    axis, share_bands = bands(folder, SHARE, x_key, panel_key)
    _, yuan_bands = bands(folder, "saved_yuan", x_key, panel_key)
    panels = list(dict.fromkeys(b.panel for b in share_bands))
    fig = new_figure()
    axes = fig.subplots(2, len(panels), sharex=True, squeeze=False)
    colours = policy_colours(folder.colour_order)
    point = xiamen_point(folder, x_key) if axis.numeric else None
    for col, panel in enumerate(panels):
        share_ax, yuan_ax = axes[0][col], axes[1][col]
        _draw_column(share_ax, yuan_ax, [b for b in share_bands if b.panel == panel],
                     [b for b in yuan_bands if b.panel == panel], colours)
        if panel:
            share_ax.set_title(panel_title(str(panel_key), panel), fontsize=12)
        if point and point.in_panel(panel_key, panel):
            _mark_xiamen(share_ax, yuan_ax, point)
        _set_x(yuan_ax, axis, label=len(panels) == 1)
    axes[0][0].set_ylabel("share of exposed\nmoney saved")
    axes[1][0].set_ylabel("money saved per\nreplication (yuan)")
    fig.suptitle(f"Money saved against {key_label(x_key).splitlines()[0]}")
    n = int(np.nanmax([b.n.max() for b in share_bands])) if share_bands else 0
    _legend_under_panels(fig, list(axes[0]), axis, f"{folder.scenario_name} · sweep · "
                         f"lines: mean over {n} replications per point (common random "
                         "numbers) · bands: 95% confidence intervals")
    return fig


def _golden_axes(ax: Axes, span: tuple[float, float] | None) -> None:
    """Shade the golden hour over ``span`` of the x axis (None: not on this axis)."""
    if span is not None:
        ax.axvspan(*span, color=OKABE_ITO["yellow"], alpha=0.25, linewidth=0,
                   label="golden hour (first 60 min)")
    ax.set_ylim(-0.02, 1.05)
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_ylabel("share of exposed money saved")


@with_style
def golden_hour_binned(series: Sequence[GoldenHour], colours: dict[str, str],
                       source: str, note: str = "") -> Figure:
    """Share saved by report delay, binned from case tables: one line per policy.

    Args:
        series: One binned series per policy (or the run).
        colours: Colour per series label, from the folder's
            :attr:`~fraudsim.plotting.folder.ResultsFolder.colour_order`.
        source: Where the cases come from, for the footnote.
        note: Ends the footnote (e.g. which cases the warm-up left out).
    """
    fig = new_figure()
    ax = fig.subplots()
    # The bins that end by the first hour, drawn one apart from 0.
    hour_bins = sum(1 for edge in REPORT_BINS_MIN[1:] if edge <= GOLDEN_HOUR_MIN)
    _golden_axes(ax, (-0.5, hour_bins - 0.5))
    for i, g in enumerate(series):
        err = np.vstack([g.share - g.low, g.high - g.share])
        dodge = 0.08 * (i - (len(series) - 1) / 2)
        bars = ax.errorbar(np.asarray(g.bins) + dodge, g.share, yerr=np.nan_to_num(err),
                           color=colours[g.label], marker="o", capsize=5, label=g.label)
        bars.lines[0].set_gid(f"golden:{g.label}")
        if len(series) == 1:
            for b, s, n in zip(g.bins, g.share, g.cases, strict=True):
                ax.annotate(f"{n} case{'s' if n != 1 else ''}", (b, s), xytext=(0, 10),
                            textcoords="offset points", ha="center", fontsize=11)
        if not math.isnan(g.unreported_share):
            ax.axhline(g.unreported_share, color=colours[g.label], linestyle=":", linewidth=1.5,
                       label="dotted: cases never reported" if i == 0 else None)
    ax.set_xticks(range(len(REPORT_BIN_LABELS)), REPORT_BIN_LABELS, rotation=20, ha="right")
    ax.set_xlim(-0.5, len(REPORT_BIN_LABELS) - 0.5)
    ax.set_xlabel("victim's report delay: from realising to calling the police")
    fig.suptitle("The golden hour: money saved by how fast the victim reports")
    # Error bars reach 100%: the legend goes under the axes, where it covers none.
    bottom_legend(fig, ax.get_legend_handles_labels()[0], f"{source} · points: Σ saved / "
                  "Σ exposed of the reported cases in each delay bin · bars: 95% confidence "
                  f"intervals (ratio estimator){note}", columns=LEGEND_COLUMNS)
    return fig


@with_style
def golden_hour_sweep(folder: ResultsFolder, lag_key: str) -> Figure:
    """Share saved against a swept report delay, one line per policy, with 95% bands."""
    panel_key = _panels(folder, lag_key)
    axis, share_bands = bands(folder, SHARE, lag_key, panel_key)
    panels = list(dict.fromkeys(b.panel for b in share_bands))
    fig = new_figure()
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    colours = policy_colours(folder.colour_order)
    for ax, panel in zip(axes, panels, strict=True):
        # Swept distributions (a categorical axis) have no place for an hour.
        _golden_axes(ax, (0.0, GOLDEN_HOUR_MIN) if axis.numeric else None)
        for b in (b for b in share_bands if b.panel == panel):
            _draw_band(ax, b, colours[b.policy], b.policy, SHARE)
        if panel:
            ax.set_title(panel_title(str(panel_key), panel), fontsize=12)
        _set_x(ax, axis, label=len(panels) == 1)
    fig.suptitle("The golden hour: money saved against the victim's report delay")
    # As the outcome curve (shares start near 100% at short delays).
    _legend_under_panels(fig, list(axes), axis, f"{folder.scenario_name} · sweep of "
                         f"{lag_key} · lines: mean over replications · bands: 95% "
                         "confidence intervals")
    return fig
