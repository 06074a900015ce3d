"""Policies side by side: paired differences against the baseline, and loss distributions."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, MaxNLocator, NullFormatter

from fraudsim.plotting.folder import ResultsFolder
from fraudsim.plotting.labels import measure_label
from fraudsim.plotting.series import Difference, Losses, ccdf, differences, warmup_note
from fraudsim.plotting.style import (
    LEGEND_COLUMNS,
    bottom_legend,
    footnote,
    new_figure,
    policy_colours,
    share_text,
    with_style,
    yuan_axis_formatter,
    yuan_short,
)

COMPARED = {
    "saved_yuan": "money saved\n(yuan per replication)",
    "lost_yuan": "money lost\n(yuan per replication)",
    "report_to_first_stop_median_min": "report to first stop\n(median, minutes)",
}
"""Measures of the policy comparison and their panel titles; policies sorted by the first."""

MINUS = "\u2212"


def _value_text(measure: str, value: float) -> str:
    if math.isnan(value):
        return "n/a"
    sign = "+" if value > 0 else MINUS if value < 0 else ""
    if measure.endswith("_yuan"):
        return sign + yuan_short(abs(value) * 100)
    return f"{sign}{abs(value):.1f} min"


def _x_range(rows: list[Difference]) -> tuple[float, float]:
    """Return x limits holding zero, every mean and interval, with room for the value labels."""
    ends = [v for d in rows for v in (d.mean, d.low, d.high) if not math.isnan(v)] + [0.0]
    low, high = min(ends), max(ends)
    pad = 0.08 * (high - low) if high > low else 1.0
    return low - pad, high + pad


def _label_side(x: float, limits: tuple[float, float]) -> tuple[str, float]:
    """Return (alignment, offset in points) so a value label near an edge grows inwards."""
    low, high = limits
    where = (x - low) / (high - low)
    if where < 0.3:
        return "left", -6.0
    if where > 0.7:
        return "right", 6.0
    return "center", 0.0


def _difference_panel(ax: Axes, measure: str, rows: list[Difference],
                      colours: dict[str, str]) -> None:
    """Draw one measure's differences as points with 95% interval bars, first row on top."""
    ys = np.arange(len(rows))[::-1]
    limits = _x_range(rows)
    ax.set_xlim(*limits)
    for y, d in zip(ys, rows, strict=True):
        clear = d.low > 0 or d.high < 0
        xerr = np.nan_to_num([[d.mean - d.low], [d.high - d.mean]])
        bars = ax.errorbar([d.mean], [y], xerr=xerr, color=colours[d.policy], marker="o",
                           markersize=11, capsize=6, linewidth=2.5,
                           markerfacecolor=colours[d.policy] if clear else "white")
        bars.lines[0].set_gid(f"{measure}:{d.policy}")
        # Labels near a panel's edge are anchored at the point and grow inwards.
        ha, dx = _label_side(d.mean, limits) if not math.isnan(d.mean) else ("center", 0.0)
        ax.annotate(_value_text(measure, d.mean), (d.mean, y), xytext=(dx, 12),
                    textcoords="offset points", ha=ha, fontsize=11,
                    annotation_clip=False, gid=f"value:{measure}:{d.policy}")
    ax.axvline(0, color="#555555", linewidth=1.2)
    ax.set_yticks(ys, [d.policy for d in rows])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_title(COMPARED.get(measure, measure_label(measure)), fontsize=14)
    if measure.endswith("_yuan"):
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.xaxis.set_major_formatter(yuan_axis_formatter())
        ax.set_xlabel("policy \u2212 baseline (yuan)")
    else:
        ax.set_xlabel("policy \u2212 baseline (minutes)")


@with_style
def policy_comparison(folder: ResultsFolder) -> Figure:
    """Paired differences of each policy against the baseline, with 95% intervals.

    Replication r of every policy saw the same scams (common random numbers),
    so each policy's difference is measured replication by replication.
    Policies are sorted by the difference in money saved, most first; a
    filled marker means the interval excludes zero.
    """
    first = next(iter(COMPARED))
    order = [d.policy for d in differences(folder, first)]
    colours = policy_colours(folder.colour_order)
    fig = new_figure()
    axes = fig.subplots(1, len(COMPARED), sharey=True)
    for ax, measure in zip(axes, COMPARED, strict=True):
        _difference_panel(ax, measure, differences(folder, measure, order), colours)
    n = folder.manifest.get("replications_used", "?")
    fig.suptitle(f"Policies against the baseline '{folder.baseline}': paired differences")
    footnote(fig, f"{folder.scenario_name} · {n} replications per policy, common random "
             "numbers · bars: 95% confidence intervals · filled: interval excludes 0 · "
             "sorted by money saved")
    return fig


def _log_bins(values: list[np.ndarray]) -> np.ndarray:
    positive = np.concatenate([v[v > 0] for v in values]) if values else np.zeros(0)
    if len(positive) == 0:
        return np.array([1.0, 10.0])
    low, high = math.floor(math.log10(positive.min())), math.ceil(math.log10(positive.max()))
    return np.logspace(low, max(high, low + 1), 4 * max(1, high - low) + 1)


def _zero_note(values: np.ndarray, unit: str) -> str:
    """Say what share of the cases (or replications) lost nothing."""
    if not len(values):
        return f"no {unit}s"
    return f"{share_text(float(np.mean(values <= 0)), 0)} of {unit}s lost nothing"


def _case_losses(fig: Figure, data: Losses, colours: dict[str, str]) -> list[Artist]:
    """Histogram (log-spaced bins) and survival curve (log-log) of per-case losses.

    Returns:
        The legend's handles (one per policy, saying how many of its cases
        lost nothing, and the exposure): the legend goes under both panels,
        where it covers no bar and no step.
    """
    hist_ax, tail_ax = fig.subplots(1, 2)
    yuan = {p: v / 100 for p, v in data.lost_fen.items()}
    series = list(yuan.values()) + ([data.exposed_fen / 100] if data.exposed_fen is not None
                                    else [])
    bins = _log_bins(series)
    for policy, values in yuan.items():
        label = f"{policy} ({_zero_note(values, 'case')})"
        hist_ax.hist(values[values > 0], bins=bins, histtype="step", linewidth=2.5,
                     color=colours[policy])
        x, share = ccdf(values)
        tail_ax.step(x, share, where="post", color=colours[policy], label=label,
                     marker="o" if len(x) < 30 else None, gid=f"ccdf:{policy}")
    if data.exposed_fen is not None:
        x, share = ccdf(data.exposed_fen / 100)
        tail_ax.step(x, share, where="post", color="#888888", linestyle="--",
                     label="exposed (no response)", marker="s" if len(x) < 30 else None,
                     gid="ccdf:exposed")
    if not any((v > 0).any() for v in yuan.values()):
        hist_ax.text(0.5, 0.5, "no case lost any money", transform=hist_ax.transAxes,
                     ha="center", va="center", fontsize=16, color="#555555")
    hist_ax.set_xscale("log")
    hist_ax.set_xlabel("money lost per case (yuan, log scale)")
    hist_ax.set_ylabel("cases")
    hist_ax.set_title("How many cases lose how much", fontsize=14)
    tail_ax.set_xscale("log")
    tail_ax.set_yscale("log")
    tail_ax.set_ylim(top=1.3)
    tail_ax.set_xlabel("money lost per case, at least (yuan, log scale)")
    tail_ax.set_ylabel("share of cases (log scale)")
    tail_ax.set_title("The heavy tail: share of cases losing at least x", fontsize=14)
    for ax in (hist_ax, tail_ax):
        ax.xaxis.set_major_locator(LogLocator(base=100.0))
        ax.xaxis.set_major_formatter(yuan_axis_formatter())
    handles: list[Artist] = tail_ax.get_legend_handles_labels()[0]
    return handles


LOG_RANGE = 10.0
"""Losses spanning less than this factor are drawn on a linear axis: a log one adds nothing."""


def wide_range(positive: list[np.ndarray]) -> bool:
    """Return whether positive losses span a factor :data:`LOG_RANGE` or more (a log axis helps)."""
    pooled = np.concatenate(positive) if positive else np.zeros(0)
    return len(pooled) > 0 and float(pooled.max()) >= LOG_RANGE * float(pooled.min())


def _loss_axis(ax: Axes, log: bool) -> None:
    """Scale and label the y axis of per-replication losses, once the points are drawn.

    Every tick is written in yuan: on a log axis the majors are 1, 2 and 5
    times powers of ten and the minors are left unlabelled.
    """
    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_minor_formatter(NullFormatter())
    else:
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6))
        ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(yuan_axis_formatter())
    ax.set_ylabel("money lost per replication (yuan" + (", log scale)" if log else ")"))


def _replication_losses(fig: Figure, data: Losses, colours: dict[str, str]) -> bool:
    """Per-replication losses of each policy, box and points; return whether the axis is log.

    A log axis cannot show replications that lost nothing; a linear one
    (losses within a factor :data:`LOG_RANGE`) shows them all.
    """
    ax = fig.subplots()
    policies = list(data.lost_fen)
    values = [data.lost_fen[p] / 100 for p in policies]
    log = wide_range([v[v > 0] for v in values])
    shown = [v[v > 0] if log else v for v in values]
    ax.boxplot([v if len(v) else [math.nan] for v in shown], positions=range(len(policies)),
               widths=0.5, showfliers=False)
    for i, (policy, v) in enumerate(zip(policies, shown, strict=True)):
        jitter = np.linspace(-0.15, 0.15, len(v)) if len(v) > 1 else np.zeros(len(v))
        ax.plot(i + jitter, v, "o", color=colours[policy], alpha=0.7, gid=f"lost:{policy}")
    _loss_axis(ax, log)
    ax.set_xticks(range(len(policies)), [f"{p}\n({_zero_note(v, 'replication')})"
                                         for p, v in zip(policies, values, strict=True)])
    return log


@with_style
def loss_distribution(folder: ResultsFolder, data: Losses) -> Figure:
    """Distribution of losses per policy on log scales, so the heavy tail shows.

    From case tables (a run, or a comparison that kept them): losses per
    case, with the exposure (what a case would lose with no response) for
    reference. Otherwise from the per-replication totals.
    """
    colours = policy_colours(folder.colour_order)
    fig = new_figure()
    handles: list[Artist] = []
    if data.unit == "case":
        handles = _case_losses(fig, data, colours)
        log = True
    else:
        log = _replication_losses(fig, data, colours)
    fig.suptitle("Losses per policy: most cases lose little, a few lose most"
                 if data.unit == "case" else "Money lost per replication, by policy")
    if data.unit == "case":
        source = "per case" + (", all kept replications" if folder.kind == "compare" else "")
    else:
        source = "per replication: each point is one replication's total"
    zeros = (f" · {data.unit}s that lost nothing are counted but not drawn on log axes"
             if log else "")
    note = (f"{folder.scenario_name} · {folder.kind} · losses = money cashed out, "
            f"{source}{zeros}{warmup_note(folder)}")
    if handles:
        bottom_legend(fig, handles, note, columns=LEGEND_COLUMNS)
    else:
        footnote(fig, note)
    return fig
