"""One look for every figure: slide size, fonts, the Okabe-Ito palette, byte-stable files.

Figures are built on :class:`matplotlib.figure.Figure` directly (never through
``pyplot``), so no global backend or figure registry is touched; PNGs are
rendered by Agg. Every figure is built and saved inside :func:`styled`, which
starts from matplotlib's own defaults (ignoring any user ``matplotlibrc``) and
applies :data:`RC`, so the same data always gives the same bytes:

* PNG: no timestamp, a fixed ``Software`` entry;
* SVG: no ``Date``, glyphs as paths (no font lookup at view time), element
  ids salted with a fixed string.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ParamSpec

import matplotlib as mpl
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import FuncFormatter

SLIDE_IN = (13.334, 7.5)
"""A 16:9 slide, in inches (2000 x 1125 pixels at 150 dpi)."""

DPI = 150
"""Resolution of PNG files: a slide-size figure is 2000 x 1125 pixels."""

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
"""Okabe & Ito's palette, distinguishable with every common colour-vision deficiency."""

POLICY_COLOURS = tuple(
    OKABE_ITO[n]
    for n in ("black", "blue", "orange", "green", "vermillion", "purple", "sky_blue", "yellow")
)
"""Colours of policies by place in
:attr:`~fraudsim.plotting.folder.ResultsFolder.colour_order`: the first (the
scenario's declared baseline) is black, then the rest."""

STATE_COLOURS = {
    "victim": OKABE_ITO["blue"],
    "frozen": OKABE_ITO["green"],
    "cashed_out": OKABE_ITO["vermillion"],
    "held": OKABE_ITO["sky_blue"],
    "moving": OKABE_ITO["orange"],
    "passed_on": "#BBBBBB",
    "prevented": OKABE_ITO["purple"],
}
"""Colours of what became of money: the same in the timeline and the money tree."""

STATE_LABELS = {
    "victim": "victim",
    "frozen": "frozen (returned)",
    "cashed_out": "cashed out (lost)",
    "held": "held by a stop-payment",
    "moving": "still moving at the end",
    "passed_on": "passed on",
    "prevented": "never paid (prevented)",
}

PNG_METADATA = {"Software": "fraudsim"}
SVG_METADATA = {"Date": None, "Creator": "fraudsim"}

RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 14,
    "axes.titlesize": 16,
    "axes.titleweight": "bold",
    "axes.labelsize": 14,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "legend.frameon": False,
    "figure.titlesize": 20,
    "figure.titleweight": "bold",
    "figure.figsize": SLIDE_IN,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "lines.linewidth": 2.5,
    "lines.markersize": 8,
    "svg.fonttype": "path",
    "svg.hashsalt": "fraudsim",
    "path.simplify": False,
    "image.interpolation": "nearest",
}
"""Fixed settings applied over matplotlib's defaults for every figure."""

P = ParamSpec("P")


@contextmanager
def styled() -> Iterator[None]:
    """Apply the fraudsim style (from matplotlib's defaults) inside the block."""
    with mpl.rc_context():
        mpl.rcdefaults()
        params: Any = mpl.rcParams  # typed with literal keys; RC's keys are checked on update
        params.update(RC)
        yield


def with_style(build: Callable[P, Figure]) -> Callable[P, Figure]:
    """Decorate a figure builder: run it inside :func:`styled`, then freeze its layout."""

    @functools.wraps(build)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Figure:
        with styled():
            return freeze_layout(build(*args, **kwargs))

    return wrapper


def freeze_layout(fig: Figure) -> Figure:
    """Lay the figure out once (constrained layout, Agg metrics) and keep that layout.

    Constrained layout would otherwise run again at every save, with the
    text metrics of each output format, moving axes by a few thousandths of
    a pixel between PNG and SVG or between two saves: enough to change the
    SVG's clip-path ids. The solver's result also varies in the last bits
    from one build to the next, so positions are rounded to 1e-9 of the
    figure. A frozen layout makes every save of the same data byte-identical.
    """
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
    fig.set_layout_engine("none")
    for ax in fig.axes:  # the solver leaves noise in the last bits: round it off
        x0, y0, w, h = (round(float(v), 9) for v in ax.get_position().bounds)
        ax.set_position((x0, y0, w, h), which="both")
    for text in fig.texts:
        x, y = text.get_position()
        text.set_position((round(float(x), 9), round(float(y), 9)))
    return fig


def new_figure(size: tuple[float, float] = SLIDE_IN) -> Figure:
    """Return an empty slide-size figure on an Agg canvas, with constrained layout."""
    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def policy_colour(index: int) -> str:
    """Return the colour of the policy at ``index`` in the colour order (wrapping round)."""
    return POLICY_COLOURS[index % len(POLICY_COLOURS)]


def policy_colours(policies: Sequence[str]) -> dict[str, str]:
    """Return a colour per policy, fixed by its place in ``policies``.

    Figures pass a folder's
    :attr:`~fraudsim.plotting.folder.ResultsFolder.colour_order`, not its
    experiment's policies, so that a policy has one colour in every
    experiment on the scenario.
    """
    return {p: policy_colour(i) for i, p in enumerate(policies)}


def render(fig: Figure, fmt: str) -> bytes:
    """Return the figure as PNG or SVG bytes, identical for identical figures."""
    buf = io.BytesIO()
    metadata = PNG_METADATA if fmt == "png" else SVG_METADATA
    with styled():
        fig.savefig(buf, format=fmt, dpi=DPI, metadata=metadata)
    return buf.getvalue()


def yuan_short(fen: float) -> str:
    """Format fen as compact yuan for labels: ``¥1.50 M``, ``¥750 k``, ``¥820``.

    The unit is chosen after rounding: ¥999,999 shows as ``¥1.00 M``, not ``¥1,000 k``.
    """
    y = abs(fen) / 100
    sign = "\u2212" if fen < 0 and y >= 0.5 else ""  # no minus on a rounded zero
    if y >= 999.995e6:
        return f"{sign}¥{y / 1e9:,.2f} bn"
    if y >= 999.5e3:
        return f"{sign}¥{y / 1e6:,.2f} M"
    if y >= 9_999.5:
        return f"{sign}¥{y / 1e3:,.0f} k"
    return f"{sign}¥{y:,.0f}"


def share_text(share: float, places: int = 1) -> str:
    """Format a share as a percentage that never rounds a part up to 100% or down to 0%.

    A case that lost ¥689 of ¥2.6 M saved 99.97%, not "100.0%": more
    places are shown until the rounding stops claiming all or nothing, and
    past four a bound is shown (``>99.9999%``).
    """
    if math.isnan(share):
        return "\u2013"
    partial = 0 < share < 1
    for digits in range(places, 5):
        text = f"{share:.{digits}%}"
        if not partial or float(text.rstrip("%")) not in (0.0, 100.0):
            return text
    bound = f"{1 - 1e-6:.4%}" if share > 0.5 else f"{1e-6:.4%}"
    return f">{bound}" if share > 0.5 else f"<{bound}"


def yuan_tick(yuan: float) -> str:
    """Format a yuan axis value as briefly as possible: ``¥1.5 M``, ``¥250 k``, ``¥0.5``.

    Four significant digits, in the largest unit that shows at least 1 of it
    after rounding (999,999.9 is ``¥1 M``); a tick within a millionth of a
    yuan of zero (floating-point noise of the tick positions) is ``¥0``.
    """
    size = abs(yuan)
    if size < 1e-6:
        return "¥0"
    sign = "\u2212" if yuan < 0 else ""
    for scale, suffix in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
        shown = f"{size / scale:.4g}"
        if float(shown) >= 1:
            return f"{sign}¥{shown}{suffix}"
    return f"{sign}¥{size:.4g}"


def yuan_axis_formatter() -> FuncFormatter:
    """Return a tick formatter showing yuan values compactly (``¥1.5 M``)."""

    def fmt(value: float, _pos: int | None) -> str:
        return yuan_tick(value)

    return FuncFormatter(fmt)


def percent_formatter() -> FuncFormatter:
    """Return a tick formatter showing shares as percentages."""

    def fmt(value: float, _pos: int | None) -> str:
        return f"{value:.0%}"

    return FuncFormatter(fmt)


def footnote(fig: Figure, text: str, reserve: float = 0.0) -> float:
    """Write a small source line at the bottom left, below the axes.

    Args:
        fig: The figure (constrained layout).
        text: The source line (may hold line breaks).
        reserve: Further height (figure fraction) kept free above it, e.g.
            for a legend below the axes.

    Returns:
        The bottom of the area left to the axes (figure fraction), where a
        shared x label can stand.
    """
    engine = fig.get_layout_engine()
    lines = text.count("\n") + 1
    bottom = 0.04 * lines + reserve
    if isinstance(engine, ConstrainedLayoutEngine):
        engine.set(rect=(0, bottom, 1, 1 - bottom))
    fig.text(0.005, 0.005, text, fontsize=10, color="#555555", ha="left", va="bottom")
    return bottom


LEGEND_COLUMNS = 4
"""Entries per row of a legend under the axes: long policy names still fit a slide."""


def bottom_legend(fig: Figure, handles: Sequence[Artist], note: str,
                  title: str | None = None, above: float = 0.0,
                  columns: int | None = None) -> float:
    """Put a legend under the axes, above the source line ``note``.

    Args:
        fig: The figure (constrained layout).
        handles: What the legend shows.
        note: The source line.
        title: The legend's title, if any.
        above: Further height (figure fraction) kept free between the legend
            and the axes, e.g. for a shared x label.
        columns: Entries per row (default: all in one row); more take
            further rows.

    Returns:
        The top of the legend (figure fraction): the bottom of the height
        kept free by ``above``.
    """
    columns = max(1, min(len(handles), columns or len(handles)))
    rows = -(-len(handles) // columns) + (1 if title else 0)
    footnote(fig, note, reserve=0.05 * rows + above)
    base = 0.04 * (note.count("\n") + 1)
    fig.legend(handles=list(handles), loc="lower center", ncols=columns, fontsize=12,
               title=title, title_fontsize=12, bbox_to_anchor=(0.5, base))
    return base + 0.05 * rows
