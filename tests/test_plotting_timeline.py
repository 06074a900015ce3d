"""The Gantt chart of one case: time units, staggered moments, and what the figure draws.

:func:`case_timeline` draws a :class:`~fraudsim.plotting.lanes.Timeline`
(lanes, bars, moments, transfers) for a traced case. The timelines here are
written by hand, so every bar, marker and label is known in advance; the
case behind the title and footnote is the Xiamen replay's case 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation

import fraudsim
from fraudsim.plotting.lanes import Mark, Span, Timeline
from fraudsim.plotting.replay import TracedCase
from fraudsim.plotting.style import STATE_COLOURS
from fraudsim.plotting.timeline import MARKS, SPANS, case_timeline, stagger, time_unit
from tests.conftest import xiamen

CONTACT = 2 * 1440 + 600.0
"""Wednesday of week one, 10:00: the Xiamen case's scam contact."""

LANES = ["Victim", "Call-taker (110)", "L1:bank_a#3", "L2:bank_a#9"]
PAID = 150_000_000

TIMELINE = Timeline(
    lanes=LANES,
    spans=[Span(0, 0, 10, "grooming"), Span(1, 20, 22, "queue"), Span(1, 22, 25, "call"),
           Span(1, 5, 5, "travel"),  # zero length: not drawn
           Span(2, 12, 80, "rest:frozen"), Span(3, 30, 50, "rest:cashed_out"),
           Span(2, 21, 24, "stop")],
    marks=[Mark(0, 0, "contact"), Mark(0, 10, "payment", fen=PAID), Mark(0, 20, "report"),
           Mark(0, 20, "guidance"), Mark(2, 24, "stop_executed"), Mark(2, 80, "freeze"),
           Mark(3, 50, "cash_out")],
    hops=[(12.0, 0, 2, PAID), (30.0, 2, 3, PAID)],
    contact_min=CONTACT,
    hidden_accounts=2,
)


@pytest.fixture(scope="module")
def traced() -> TracedCase:
    """The Xiamen replay's case 0, traced (all ¥1.5 M frozen)."""
    result = fraudsim.simulate(xiamen(), trace_case=0)
    return TracedCase(result, 0, "", result.cases.slice(0, 1).to_pylist()[0])


@pytest.fixture(scope="module")
def figure(traced: TracedCase) -> Iterator[Figure]:
    """The hand-written timeline drawn for the Xiamen case."""
    fig = case_timeline(traced, TIMELINE)
    yield fig
    fig.clear()


def axes_of(fig: Figure) -> Axes:
    """Return the chart's only axes."""
    (ax,) = fig.axes
    return ax


def marker_points(fig: Figure) -> dict[str, tuple[float, float]]:
    """Return each moment's (x, y) by its gid (``mark:<kind>:<lane>``)."""
    out = {}
    for ln in axes_of(fig).get_lines():
        gid = ln.get_gid()
        if gid and gid.startswith("mark:"):
            x, y = (float(np.asarray(v, float)[0]) for v in (ln.get_xdata(), ln.get_ydata()))
            out[gid] = (x, y)
    return out


def bars(fig: Figure) -> list[tuple[float, ...]]:
    """Return the bars as (left, width, centre lane, height), rounded, in drawing order."""
    out = []
    for p in axes_of(fig).patches:
        assert isinstance(p, Rectangle)
        box = (p.get_x(), p.get_width(), p.get_y() + p.get_height() / 2, p.get_height())
        out.append(tuple(round(float(v), 9) for v in box))
    return out


def notes(fig: Figure) -> list[str]:
    """Return the figure's texts other than its title (the footnote)."""
    return [t.get_text() for t in fig.texts if t.get_text() != fig.get_suptitle()]


def draw(traced: TracedCase, tl: Timeline, policy: str = "", **row: Any) -> Figure:
    """Draw ``tl`` for the traced case with some row values and the policy replaced."""
    return case_timeline(TracedCase(traced.result, traced.case_id, policy,
                                    {**traced.row, **row}), tl)


# -- time unit and overlapping moments --------------------------------------------------


@pytest.mark.parametrize(("span", "unit"), [
    (0.0, (1.0, "minutes")), (240.0, (1.0, "minutes")), (240.5, (60.0, "hours")),
    (72 * 60.0, (60.0, "hours")), (72 * 60 + 0.5, (1440.0, "days")), (1e6, (1440.0, "days")),
])
def test_time_unit_by_case_length(span: float, unit: tuple[float, str]) -> None:
    """Up to four hours in minutes, up to three days in hours, then days."""
    assert time_unit(span) == unit


def test_stagger_spreads_moments_at_the_same_time_on_a_lane() -> None:
    """Three moments at once spread over ±0.25; alone, or on another lane, they stay on it."""
    marks = [Mark(0, 5.0, "report"), Mark(0, 5.0, "guidance"), Mark(1, 5.0, "case_start"),
             Mark(0, 5.0000001, "realise"), Mark(0, 6.0, "payment"),
             Mark(2, 1.0, "freeze"), Mark(2, 1.0, "cash_out")]
    tl = replace(TIMELINE, marks=marks)
    assert stagger(tl) == pytest.approx([-0.25, 0.0, 0.0, 0.25, 0.0, -0.25, 0.25])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 4)), max_size=12))
def test_staggered_moments_never_overlap(spots: list[tuple[int, int]]) -> None:
    """Moments sharing a lane and a time get distinct offsets within ±0.25; lone ones get 0."""
    tl = replace(TIMELINE, marks=[Mark(lane, float(t), "payment") for lane, t in spots])
    offsets = stagger(tl)
    assert len(offsets) == len(spots)
    for spot in set(spots):
        mine = [o for s, o in zip(spots, offsets, strict=True) if s == spot]
        if len(mine) == 1:
            assert mine == [0.0]
        else:
            assert len(set(mine)) == len(mine)
            assert min(mine) == pytest.approx(-0.25) and max(mine) == pytest.approx(0.25)


# -- the figure -------------------------------------------------------------------------


def test_bars_are_the_spans_of_positive_length(figure: Figure) -> None:
    """Each bar starts and ends with its span, on its lane; the zero-length trip is not drawn."""
    assert bars(figure) == [
        (0, 10, 0, 0.5), (20, 2, 1, 0.5), (22, 3, 1, 0.5),
        (12, 68, 2, 0.6), (30, 20, 3, 0.6), (21, 3, 2, 0.22)]


def test_bars_are_coloured_by_kind_and_by_the_moneys_fate(figure: Figure) -> None:
    """Grooming is hatched white; money resting takes its state's colour, half transparent."""
    grooming, queue, _, frozen, cashed, stop = axes_of(figure).patches
    assert grooming.get_hatch() == "///" and grooming.get_facecolor() == to_rgba("white")
    assert queue.get_facecolor() == to_rgba(SPANS["queue"][0])
    assert frozen.get_facecolor() == to_rgba(STATE_COLOURS["frozen"], 0.55)
    assert cashed.get_facecolor() == to_rgba(STATE_COLOURS["cashed_out"], 0.55)
    assert stop.get_facecolor() == to_rgba(SPANS["stop"][0])


def test_moments_are_drawn_at_their_time_and_lane(figure: Figure) -> None:
    """Each moment is a marker at (minutes, lane); the report and guidance at once are staggered."""
    assert marker_points(figure) == {
        "mark:contact:Victim": (0.0, 0.0),
        "mark:payment:Victim": (10.0, 0.0),
        "mark:report:Victim": (20.0, -0.25),
        "mark:guidance:Victim": (20.0, 0.25),
        "mark:stop_executed:L1:bank_a#3": (24.0, 2.0),
        "mark:freeze:L1:bank_a#3": (80.0, 2.0),
        "mark:cash_out:L2:bank_a#9": (50.0, 3.0),
    }
    (freeze,) = (ln for ln in axes_of(figure).get_lines()
                 if ln.get_gid() == "mark:freeze:L1:bank_a#3")
    assert (freeze.get_marker(), freeze.get_color()) == MARKS["freeze"][:2]


def test_transfers_are_arrows_between_lanes(figure: Figure) -> None:
    """Each hop is an arrow at its time from the sender's lane to the receiver's."""
    arrows = [t for t in axes_of(figure).texts
              if isinstance(t, Annotation) and t.arrow_patch is not None]
    assert sorted((a.xyann, a.xy) for a in arrows) == [((12.0, 0.0), (12.0, 2.0)),
                                                      ((30.0, 2.0), (30.0, 3.0))]


def test_the_payment_is_labelled_with_its_amount(figure: Figure) -> None:
    """One payment: its amount beside it."""
    notes = [t.get_text() for t in axes_of(figure).texts if t.get_text()]
    assert notes == ["¥1.50 M"]


def test_lanes_axes_and_units(figure: Figure) -> None:
    """Lanes top to bottom with the layer set apart; time from just before contact, in minutes."""
    ax = axes_of(figure)
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Victim", "Call-taker (110)", "L1 · bank_a#3", "L2 · bank_a#9"]
    assert ax.get_ylim() == pytest.approx((3.6, -0.6))
    assert ax.get_xlim() == pytest.approx((-0.02 * 80, 80 * 1.04))
    assert ax.get_xlabel() == "time after the scam contact (minutes)"


def test_the_legend_lists_only_what_is_drawn(figure: Figure) -> None:
    """Bars in their fixed order, then resting money by fate, then the moments drawn, then hops."""
    (legend,) = figure.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "grooming (scammer at work)", "waiting in a queue", "report call",
        "stop-payment: request → executed",
        "money resting: frozen (returned)", "money resting: cashed out (lost)",
        "scam contact", "payment", "report to police", "guidance to the victim",
        "stop-payment executed", "freeze", "cash-out", "transfer (hop)"]


def test_title_and_footnote_name_the_case(figure: Figure) -> None:
    """The title sums up the case's money; the note gives seed, start and hidden accounts."""
    assert figure.get_suptitle() == (
        "Case 0: customer service scam, ¥1.50 M at stake, 100.0% saved\n"
        "prevented ¥0 · frozen ¥1.50 M · cashed out ¥0 · in flight ¥0")
    assert notes(figure) == [
        "xiamen-2023 · seed 20230927, replication 0 · time zero = scam contact at "
        "Wed d3 10:00:00 (simulated) · 2 more accounts not shown"]


def test_long_cases_in_hours_with_several_payments(traced: TracedCase) -> None:
    """A ten-hour case is drawn in hours; several payments are counted and summed."""
    tl = replace(TIMELINE, spans=[Span(0, 0, 600, "grooming")],
                 marks=[Mark(0, 120, "payment", fen=100_000), Mark(0, 300, "payment", fen=50_000)],
                 hops=[], hidden_accounts=0)
    fig = draw(traced, tl, "slow_bank", exposed_fen=0, saved_fen=0)
    try:
        ax = axes_of(fig)
        assert ax.get_xlabel() == "time after the scam contact (hours)"
        assert bars(fig) == [(0, 10, 0, 0.5)]
        paid = [float(np.asarray(ln.get_xdata(), float)[0]) for ln in ax.get_lines()
                if ln.get_gid() == "mark:payment:Victim"]
        assert paid == [2.0, 5.0]  # minutes 120 and 300
        (note,) = (t for t in ax.texts if t.get_text())
        assert note.get_text() == "2 payments, ¥1,500"
        assert isinstance(note, Annotation) and note.xy == (5.0, 0)  # beside the last one
        assert "¥0 at stake, - saved" in fig.get_suptitle()  # no exposure: no share
        (foot,) = notes(fig)
        assert "· policy slow_bank · seed" in foot and "not shown" not in foot
    finally:
        fig.clear()


@pytest.mark.parametrize(("exposed", "saved", "share"), [
    (260_365_028, 260_296_228, "99.97%"),  # ¥689 cashed out of ¥2.6 M: not "100.0%"
    (10**9, 10**9 - 1, ">99.9999%"),
    (10**9, 1, "<0.0001%"),
    (10**6, 10**6, "100.0%"),
    (10**6, 0, "0.0%"),
])
def test_the_title_never_rounds_a_part_to_all_or_nothing(
    traced: TracedCase, exposed: int, saved: int, share: str
) -> None:
    """A case that lost money is never "100.0% saved", one that saved some never "0.0%"."""
    fig = draw(traced, TIMELINE, exposed_fen=exposed, saved_fen=saved)
    try:
        assert f" at stake, {share} saved\n" in fig.get_suptitle()
    finally:
        fig.clear()
