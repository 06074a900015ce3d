"""The shared look of the figures: money labels, colours, the style context and byte-stable files.

:mod:`fraudsim.plotting.style` formats yuan for labels and ticks, gives
policies and money states fixed colours, applies one fixed set of
matplotlib settings whatever the user's own are, freezes a figure's layout
and renders it to PNG or SVG without timestamps.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Iterator

import matplotlib as mpl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Patch

from fraudsim.plotting.style import (
    DPI,
    RC,
    SLIDE_IN,
    STATE_COLOURS,
    STATE_LABELS,
    bottom_legend,
    footnote,
    new_figure,
    percent_formatter,
    policy_colour,
    policy_colours,
    render,
    share_text,
    styled,
    with_style,
    yuan_axis_formatter,
    yuan_short,
    yuan_tick,
)

MINUS = "\u2212"


@pytest.fixture(autouse=True)
def own_rc() -> Iterator[None]:
    """Keep any change a test makes to matplotlib's global settings inside the test."""
    with mpl.rc_context():
        yield


def small_figure() -> Figure:
    """Return a tiny styled figure with a line, a title and a footnote (fast to render)."""

    @with_style
    def build() -> Figure:
        fig = new_figure((3.0, 2.0))
        ax = fig.subplots()
        ax.plot([0, 1, 2], [2, 0, 1], label="a line")
        ax.set_title("title")
        footnote(fig, "source")
        return fig

    return build()


def parse_yuan(text: str) -> tuple[float, float]:
    """Return the yuan a label shows and half the unit of its last digit.

    Parses ``[minus sign]¥<digits>[.<digits>][ k| M| bn]`` independently of the formatter.
    """
    m = re.fullmatch(r"(\u2212?)¥([\d,]+)(?:\.(\d+))?( k| M| bn)?", text)
    assert m is not None, text
    sign, whole, decimals, suffix = m.groups()
    scale = {None: 1.0, " k": 1e3, " M": 1e6, " bn": 1e9}[suffix]
    value = float(whole.replace(",", "") + ("." + decimals if decimals else "")) * scale
    half_unit = 0.5 * scale * 10.0 ** -(len(decimals) if decimals else 0)
    return (-value if sign else value), half_unit


# -- yuan labels --------------------------------------------------------------------


@pytest.mark.parametrize(("fen", "text"), [
    (0, "¥0"),
    (82_000, "¥820"),
    (1_000_000, "¥10 k"),
    (75_000_000, "¥750 k"),
    (150_000_000, "¥1.50 M"),
    (123_456_789_000, "¥1.23 bn"),
    (-15_000, f"{MINUS}¥150"),
    (-150_000_000, f"{MINUS}¥1.50 M"),
    # The unit is chosen after rounding: never ¥10,000, ¥1,000 k or ¥1,000.00 M.
    (999_950, "¥10 k"),
    (99_990_000, "¥1.00 M"),
    (99_999_999_999, "¥1.00 bn"),
    (-40, "¥0"),  # no minus on a rounded zero
])
def test_yuan_short_picks_the_unit_by_size(fen: int, text: str) -> None:
    """Labels switch to k at ¥10,000, to M at a million and to bn at a billion yuan.

    Input is in fen (1/100 yuan): a slip of the factor 100 would show ¥150 M
    for the ¥1.5 M Xiamen case.
    """
    assert yuan_short(fen) == text


@pytest.mark.parametrize(("yuan", "text"), [
    (0.0, "¥0"),
    (0.5, "¥0.5"),
    (999.0, "¥999"),
    (250_000.0, "¥250 k"),
    (1_500_000.0, "¥1.5 M"),
    (2e9, "¥2 bn"),
    (-2_000.0, f"{MINUS}¥2 k"),
    (999_999.9, "¥1 M"),  # not ¥1000 k
    (999.96, "¥1 k"),
    (1.7e-93, "¥0"),  # floating-point noise of a tick at zero
])
def test_yuan_tick_is_as_short_as_possible(yuan: float, text: str) -> None:
    """Axis ticks are in yuan (not fen) and drop trailing zeros (``¥1.5 M``, not ``¥1.50 M``)."""
    assert yuan_tick(yuan) == text


@settings(max_examples=60, deadline=None)
@given(st.integers(-10**14, 10**14))
def test_yuan_short_shows_the_amount_to_its_last_digit(fen: int) -> None:
    """Whatever the unit, the label is the amount rounded to the last digit it shows."""
    shown, half_unit = parse_yuan(yuan_short(fen))
    assert abs(shown - fen / 100) <= half_unit * (1 + 1e-9) + 1e-9


@settings(max_examples=60, deadline=None)
@given(st.integers(-10**14, 10**14))
def test_yuan_tick_keeps_four_significant_digits(fen: int) -> None:
    """A tick (any amount to the fen) reads back within four significant digits, sign included."""
    yuan = fen / 100
    shown, _ = parse_yuan(yuan_tick(yuan))
    assert shown == pytest.approx(yuan, rel=5e-4, abs=5e-5)


def test_tick_formatters_format_values() -> None:
    """The axis formatters apply the yuan and percent formats to tick values."""
    assert yuan_axis_formatter()(1_500_000.0, 0) == "¥1.5 M"
    assert percent_formatter()(0.25, None) == "25%"
    assert percent_formatter()(1.0, 3) == "100%"


# -- colours ---------------------------------------------------------------------------


def test_policy_colours_follow_the_order_and_wrap() -> None:
    """The baseline (first) is black, then Okabe-Ito blue, orange...; the ninth wraps round."""
    assert policy_colours(["base", "fast", "slow"]) == {
        "base": "#000000", "fast": "#0072B2", "slow": "#E69F00"}
    assert policy_colour(8) == "#000000" and policy_colour(9) == "#0072B2"
    assert len({policy_colour(i) for i in range(8)}) == 8


def test_every_money_state_has_a_label_and_its_own_colour() -> None:
    """The timeline and the tree share these: a state without a label would break a legend."""
    assert set(STATE_LABELS) == set(STATE_COLOURS)
    assert len(set(STATE_COLOURS.values())) == len(STATE_COLOURS)
    assert STATE_COLOURS["frozen"] == "#009E73" and STATE_COLOURS["cashed_out"] == "#D55E00"


# -- the style context ---------------------------------------------------------------


def test_styled_applies_the_style_over_matplotlib_defaults() -> None:
    """Inside, a user's own settings are gone; outside, they are back."""
    mpl.rcParams["axes.facecolor"] = "red"
    mpl.rcParams["font.size"] = 30.0
    with styled():
        assert mpl.rcParams["axes.facecolor"] == "white"  # matplotlib's default, not the user's
        assert mpl.rcParams["font.size"] == 14.0
        for key in ("figure.figsize", "svg.hashsalt", "axes.spines.top", "lines.linewidth"):
            got = mpl.rcParams[key]
            assert (list(got) if key == "figure.figsize" else got) == (
                list(RC[key]) if key == "figure.figsize" else RC[key]), key
    assert mpl.rcParams["axes.facecolor"] == "red" and mpl.rcParams["font.size"] == 30.0


def test_with_style_builds_inside_the_style_and_freezes_the_layout() -> None:
    """The builder sees the style; the figure comes back laid out once, positions rounded."""
    seen: list[float] = []

    @with_style
    def build(size: float) -> Figure:
        """Build a figure."""
        seen.append(float(mpl.rcParams["font.size"]))
        fig = new_figure((size, size))
        fig.subplots(1, 2)
        return fig

    mpl.rcParams["font.size"] = 30.0
    fig = build(3.0)
    assert seen == [14.0]
    assert build.__name__ == "build" and build.__doc__ == "Build a figure."
    assert not isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
    left, right = (ax.get_position() for ax in fig.axes)
    assert left.x1 < right.x0  # laid out side by side
    for box in (left, right):
        assert all(round(float(v), 9) == v for v in (box.x0, box.y0))
        assert all(abs(round(float(v), 9) - v) < 1e-15 for v in (box.width, box.height))
        assert 0 < box.x0 < box.x1 < 1 and 0 < box.y0 < box.y1 < 1


def test_new_figure_is_a_constrained_slide_on_an_agg_canvas() -> None:
    """Figures are 2000 x 1125 pixels (16:9 at 150 dpi), never made through pyplot."""
    fig = new_figure()
    assert tuple(fig.get_size_inches()) == pytest.approx(SLIDE_IN)
    assert fig.dpi == DPI == 150
    assert round(SLIDE_IN[0] * DPI) == 2000 and round(SLIDE_IN[1] * DPI) == 1125
    assert isinstance(fig.canvas, FigureCanvasAgg)
    assert isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
    assert tuple(new_figure((4.0, 3.0)).get_size_inches()) == pytest.approx((4.0, 3.0))


# -- rendering ---------------------------------------------------------------------


def test_render_png_has_the_figure_size_and_no_matplotlib_stamp() -> None:
    """A PNG is as large as the figure at 150 dpi and names fraudsim, not matplotlib's version."""
    data = render(small_figure(), "png")
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (450, 300)
    assert b"Software\x00fraudsim" in data
    assert b"matplotlib version" not in data and b"Creation Time" not in data


def test_render_svg_has_no_date_and_no_fonts_to_look_up() -> None:
    """SVG text is drawn as glyph paths, with no date: the same data gives the same file."""
    text = render(small_figure(), "svg").decode()
    assert text.startswith("<?xml")
    assert "<dc:date>" not in text
    assert "<text" not in text  # glyphs as paths
    assert "fraudsim" in text


def test_render_ignores_the_users_settings_and_repeats_byte_for_byte() -> None:
    """The same figure gives the same bytes twice, and whatever the user's rcParams say."""
    fig = small_figure()
    first = {fmt: render(fig, fmt) for fmt in ("png", "svg")}
    mpl.rcParams["savefig.facecolor"] = "red"
    mpl.rcParams["svg.hashsalt"] = None
    mpl.rcParams["svg.fonttype"] = "none"
    for fmt in ("png", "svg"):
        assert render(fig, fmt) == first[fmt], fmt
    assert render(small_figure(), "png") == first["png"]  # a second build of the same figure


# -- footnotes and legends --------------------------------------------------------------


def test_footnote_reserves_room_under_the_axes() -> None:
    """Two lines of footnote and a reserve lift the layout's bottom to 2 x 0.04 + reserve."""
    fig = new_figure()
    footnote(fig, "line one\nline two", reserve=0.05)
    engine = fig.get_layout_engine()
    assert isinstance(engine, ConstrainedLayoutEngine)
    assert engine.get()["rect"] == pytest.approx((0, 0.13, 1, 0.87))
    (text,) = fig.texts
    assert text.get_text() == "line one\nline two"
    assert text.get_position() == (0.005, 0.005) and text.get_fontsize() == 10


def test_footnote_on_a_figure_without_layout_only_adds_the_text() -> None:
    """A plain figure has no layout rectangle to move; the note is still written."""
    fig = Figure()
    footnote(fig, "note")
    assert fig.get_layout_engine() is None
    assert [t.get_text() for t in fig.texts] == ["note"]


def test_bottom_legend_is_one_row_above_the_note() -> None:
    """All handles in one row, titled if asked; the layout keeps room for it and its title."""
    fig = new_figure((8.0, 3.0))
    handles = [Patch(label=name) for name in ("frozen", "cashed out", "held")]
    bottom_legend(fig, handles, "a note", title="what became of the money")
    (legend,) = fig.legends
    texts = legend.get_texts()
    assert [t.get_text() for t in texts] == ["frozen", "cashed out", "held"]
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in texts]
    assert len({round(b.y0, 3) for b in boxes}) == 1  # one row
    assert boxes[0].x1 < boxes[1].x0 < boxes[1].x1 < boxes[2].x0
    assert legend.get_title().get_text() == "what became of the money"
    engine = fig.get_layout_engine()
    assert isinstance(engine, ConstrainedLayoutEngine)
    assert engine.get()["rect"][1] == pytest.approx(0.04 + 0.05 * 2)
    untitled = new_figure()
    bottom_legend(untitled, handles[:1], "a note")
    engine = untitled.get_layout_engine()
    assert isinstance(engine, ConstrainedLayoutEngine)
    assert engine.get()["rect"][1] == pytest.approx(0.04 + 0.05)



def test_bottom_legend_wraps_into_rows_and_keeps_room_above_it() -> None:
    """Five entries, three to a row: two rows reserved, plus the height asked for above."""
    fig = new_figure()
    handles = [Patch(label=f"policy {i}") for i in range(5)]
    top = bottom_legend(fig, handles, "a note", above=0.075, columns=3)
    (legend,) = fig.legends
    fig.canvas.draw()
    rows = {round(t.get_window_extent().y0, 3) for t in legend.get_texts()}
    assert len(rows) == 2
    engine = fig.get_layout_engine()
    assert isinstance(engine, ConstrainedLayoutEngine)
    assert engine.get()["rect"][1] == pytest.approx(0.04 + 0.05 * 2 + 0.075)
    assert top == pytest.approx(0.04 + 0.05 * 2)  # where a shared x label can stand


@pytest.mark.parametrize(("share", "places", "text"), [
    (0.99974, 1, "99.97%"),
    (0.99974, 0, "99.97%"),
    (0.9995, 1, "99.95%"),
    (0.0002, 1, "0.02%"),
    (0.1718, 0, "17%"),
    (0.5, 1, "50.0%"),
    (1.0, 1, "100.0%"),
    (0.0, 0, "0%"),
    (1 - 1e-9, 1, ">99.9999%"),
    (1e-9, 1, "<0.0001%"),
    (math.nan, 1, "\u2013"),
])
def test_share_text_never_rounds_a_part_to_all_or_nothing(
    share: float, places: int, text: str
) -> None:
    """Only all is 100% and only nothing is 0%: a part gets the places it needs."""
    assert share_text(share, places) == text
