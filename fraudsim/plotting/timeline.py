"""One case as a Gantt chart: the victim, the response chain and every mule account."""

from __future__ import annotations

from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from fraudsim.plotting.lanes import Timeline
from fraudsim.plotting.replay import TracedCase
from fraudsim.plotting.style import (
    OKABE_ITO,
    STATE_COLOURS,
    STATE_LABELS,
    footnote,
    new_figure,
    share_text,
    with_style,
    yuan_short,
)
from fraudsim.report_text import clock_time

SPANS: dict[str, tuple[str, float, str]] = {
    "grooming": ("#999999", 0.5, "grooming (scammer at work)"),
    "queue": (OKABE_ITO["yellow"], 0.5, "waiting in a queue"),
    "call": (OKABE_ITO["sky_blue"], 0.5, "report call"),
    "travel": (OKABE_ITO["purple"], 0.5, "patrol on its way"),
    "stop": (OKABE_ITO["blue"], 0.22, "stop-payment: request → executed"),
}
"""Colour, height and legend text of each kind of bar (money resting: by its fate)."""

MARKS: dict[str, tuple[str, str, float, str]] = {
    "contact": ("o", OKABE_ITO["black"], 9, "scam contact"),
    "payment": ("v", OKABE_ITO["vermillion"], 12, "payment"),
    "realise": ("s", OKABE_ITO["black"], 9, "victim realises"),
    "report": ("*", OKABE_ITO["black"], 18, "report to police"),
    "guidance": ("P", OKABE_ITO["green"], 12, "guidance to the victim"),
    "case_start": (">", OKABE_ITO["blue"], 11, "analyst takes the case"),
    "patrol": ("^", OKABE_ITO["purple"], 12, "patrol arrives"),
    "prevented": ("X", OKABE_ITO["purple"], 12, "remaining payments stopped"),
    "recall": ("D", OKABE_ITO["purple"], 9, "delayed credit recalled"),
    "flag": ("o", OKABE_ITO["orange"], 10, "early-warning flag"),
    "warning": ("d", OKABE_ITO["orange"], 11, "warning call"),
    "stop_executed": ("|", OKABE_ITO["blue"], 18, "stop-payment executed"),
    "freeze": ("D", OKABE_ITO["green"], 11, "freeze"),
    "cash_out": ("X", OKABE_ITO["vermillion"], 13, "cash-out"),
}
"""Marker, colour, size and legend text of each kind of moment."""


def time_unit(span_min: float) -> tuple[float, str]:
    """Return (minutes per unit, unit name) so that a case of this length reads well."""
    if span_min <= 240:
        return 1.0, "minutes"
    if span_min <= 72 * 60:
        return 60.0, "hours"
    return 1440.0, "days"


def _spans(ax: Axes, tl: Timeline, scale: float) -> set[str]:
    used = set()
    for s in tl.spans:
        width = (s.end - s.start) / scale
        if width <= 0:
            continue
        used.add(s.kind)
        if s.kind.startswith("rest:"):
            colour = STATE_COLOURS[s.kind.split(":", 1)[1]]
            ax.barh(s.lane, width, left=s.start / scale, height=0.6, color=colour, alpha=0.55,
                    edgecolor="none", zorder=2)
            continue
        colour, height, _ = SPANS[s.kind]
        hatched = s.kind == "grooming"
        ax.barh(s.lane, width, left=s.start / scale, height=height,
                color="white" if hatched else colour, hatch="///" if hatched else None,
                edgecolor="#999999" if hatched else "none", linewidth=0.8, zorder=2)
    return used


def stagger(tl: Timeline) -> list[float]:
    """Return a vertical offset per mark so that moments at the same time stay visible."""
    groups: dict[tuple[int, float], list[int]] = {}
    for i, m in enumerate(tl.marks):
        groups.setdefault((m.lane, round(m.time, 6)), []).append(i)
    offsets = [0.0] * len(tl.marks)
    for members in groups.values():
        if len(members) > 1:
            for k, i in enumerate(members):
                offsets[i] = -0.25 + 0.5 * k / (len(members) - 1)
    return offsets


def _payment_note(ax: Axes, tl: Timeline, scale: float) -> None:
    """Write the amount next to the payment (one), or the count and total (several)."""
    paid = [m for m in tl.marks if m.kind == "payment"]
    if not paid:
        return
    total = sum(m.fen for m in paid)
    text = yuan_short(total) if len(paid) == 1 else f"{len(paid)} payments, {yuan_short(total)}"
    last = max(paid, key=lambda m: m.time)
    ax.annotate(text, (last.time / scale, last.lane), xytext=(14, 0), textcoords="offset points",
                ha="left", va="center", fontsize=11, color=OKABE_ITO["vermillion"], zorder=5)


def _marks(ax: Axes, tl: Timeline, scale: float) -> set[str]:
    _payment_note(ax, tl, scale)
    used = set()
    for m, dy in zip(tl.marks, stagger(tl), strict=True):
        marker, colour, size, _ = MARKS[m.kind]
        ax.plot([m.time / scale], [m.lane + dy], marker=marker, color=colour, markersize=size,
                markeredgecolor="white" if marker not in "|" else colour, linestyle="none",
                zorder=4, gid=f"mark:{m.kind}:{tl.lanes[m.lane]}")
        used.add(m.kind)
    return used


def _hops(ax: Axes, tl: Timeline, scale: float) -> None:
    for t, src, dst, _ in tl.hops:
        ax.annotate("", xy=(t / scale, dst), xytext=(t / scale, src), zorder=3,
                    arrowprops={"arrowstyle": "-|>", "color": "#777777", "lw": 1.2,
                                "shrinkA": 4, "shrinkB": 6})


def _legend(fig: Figure, ax: Axes, spans: set[str], marks: set[str]) -> None:
    handles: list[Any] = []
    for kind, (colour, _, text) in SPANS.items():
        if kind == "grooming" and kind in spans:
            handles.append(Patch(facecolor="white", edgecolor="#999999", hatch="///",
                                 label=text))
        elif kind in spans:
            handles.append(Patch(color=colour, label=text))
    for state, text in STATE_LABELS.items():
        if f"rest:{state}" in spans:
            handles.append(Patch(color=STATE_COLOURS[state], alpha=0.55,
                                 label=f"money resting: {text}"))
    for kind, (marker, colour, size, text) in MARKS.items():
        if kind in marks:
            handles.append(Line2D([], [], marker=marker, color=colour, linestyle="none",
                                  markersize=min(size, 12), label=text))
    handles.append(Line2D([], [], color="#777777", marker=">", label="transfer (hop)"))
    fig.legend(handles=handles, loc="outside right center", fontsize=11)


def _title(traced: TracedCase) -> str:
    row = traced.row
    exposed = int(row["exposed_fen"])
    saved = int(row["saved_fen"])
    # A part is never rounded to all (or nothing): ¥689 lost of ¥2.6 M is 99.97% saved.
    share = share_text(saved / exposed) if exposed else "-"
    return (f"Case {traced.case_id}: {row['scam_type'].replace('_', ' ')} scam, "
            f"{yuan_short(exposed)} at stake, {share} saved\n"
            f"prevented {yuan_short(row['prevented_fen'])} · frozen "
            f"{yuan_short(row['frozen_fen'])} · cashed out {yuan_short(row['cashed_out_fen'])}"
            f" · in flight {yuan_short(row['in_flight_fen'])}")


@with_style
def case_timeline(traced: TracedCase, tl: Timeline) -> Figure:
    """Draw one case's timeline: who acted when, and where the money rested.

    Rows are the victim, the response chain (call-taker, analyst, patrol) and
    each mule account holding the case's money; time runs from the scam
    contact. Bars on account rows show the money resting there, coloured by
    what became of it, with stop-payment requests (request → executed) on top.
    """
    scale, unit = time_unit(tl.end)
    fig = new_figure()
    ax = fig.subplots()
    spans = _spans(ax, tl, scale)
    marks = _marks(ax, tl, scale)
    _hops(ax, tl, scale)
    ax.set_yticks(range(len(tl.lanes)), [lane.replace(":", " · ", 1) for lane in tl.lanes])
    ax.set_ylim(len(tl.lanes) - 0.4, -0.6)
    ax.set_xlim(-0.02 * tl.end / scale, tl.end / scale * 1.04 + 1e-9)
    ax.set_xlabel(f"time after the scam contact ({unit})")
    ax.grid(axis="y", visible=False)
    _legend(fig, ax, spans, marks)
    fig.suptitle(_title(traced), fontsize=18)
    hidden = f" · {tl.hidden_accounts} more accounts not shown" if tl.hidden_accounts else ""
    r = traced.result
    policy = f"policy {traced.policy} · " if traced.policy else ""
    footnote(fig, f"{r.scenario.name} · {policy}seed {r.seed}, replication "
             f"{r.replication} · time zero = scam contact at {clock_time(tl.contact_min)} "
             f"(simulated){hidden}")
    return fig
