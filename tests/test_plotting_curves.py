"""Outcome curves and the golden hour (fraudsim/plotting/curves.py), drawn from hand-written tables.

Sweep folders are written here with a small curve table whose means and
intervals are chosen by hand (grid points out of order, a categorical key, a
second key for panels), so each drawn line and band is checked against the
numbers it must show; the golden-hour series are built by hand too (the
Xiamen mark: tests/test_plotting_observed.py). Figures are built on their
own Agg canvases, never through pyplot, so none is left open.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import matplotlib._pylab_helpers as pylab_helpers
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from fraudsim.plotting.curves import (
    golden_hour_binned,
    golden_hour_sweep,
    outcome_curve,
    panel_title,
)
from fraudsim.plotting.folder import ResultsFolder, open_folder
from fraudsim.plotting.series import GoldenHour

BLACK, BLUE = "#000000", "#0072b2"
"""Colours of the first two policies (Okabe-Ito: baseline black, then blue)."""

LATENCY = "banks.b1.stop_latency_min"
LAG = "victims.report_lag_min"
TRIAGE = "response.analysts.triage"
BIN_LABELS = ["< 5 min", "5\u201315 min", "15\u201330 min", "30\u201360 min", "1\u20132 h",
              "2\u20134 h", "4\u20138 h", "8\u201324 h", "1\u20133 days", "> 3 days"]


@pytest.fixture(autouse=True)
def no_pyplot_figures() -> Iterator[None]:
    """Each test leaves no figure open in pyplot's registry: figures are plain Agg figures."""
    yield
    assert pylab_helpers.Gcf.get_num_fig_managers() == 0


Row = tuple[dict[str, Any], str, float, float, int]
"""A curve row: the swept values, the policy, share saved, yuan saved, replications."""


def sweep_folder(path: Path, vary: dict[str, list[Any]], rows: Sequence[Row],
                 policies: Sequence[str] = ("base", "fast"), name: str = "town",
                 scenario: dict[str, Any] | None = None) -> ResultsFolder:
    """Write a sweep whose curve has the given rows, in that order (point = row's grid point).

    Intervals are the mean ± 0.05 (share) and ± ¥100 (yuan).
    """
    path.mkdir(parents=True, exist_ok=True)
    manifest = {"kind": "sweep", "scenario": {"name": name, **(scenario or {})}, "vary": vary,
                "policies": list(policies)}
    (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    points: list[dict[str, Any]] = []
    for values, *_ in rows:
        if values not in points:
            points.append(values)
    share = [r[2] for r in rows]
    yuan = [r[3] for r in rows]
    table = {
        **{k: [r[0][k] for r in rows] for k in vary},
        "point": [points.index(r[0]) for r in rows],
        "policy": [r[1] for r in rows],
        "n": [r[4] for r in rows],
        "saved_share_mean": share,
        "saved_share_ci_low": [s - 0.05 for s in share],
        "saved_share_ci_high": [s + 0.05 for s in share],
        "saved_yuan_mean": yuan,
        "saved_yuan_ci_low": [y - 100 for y in yuan],
        "saved_yuan_ci_high": [y + 100 for y in yuan],
    }
    pq.write_table(pa.table(table), path / "curve.parquet")
    return open_folder(path)


ONE_KEY: list[Row] = [
    ({LATENCY: 30}, "base", 0.1, 1000.0, 5), ({LATENCY: 30}, "fast", 0.3, 3000.0, 5),
    ({LATENCY: 1}, "base", 0.9, 9000.0, 5), ({LATENCY: 1}, "fast", 1.0, 10000.0, 4),
    ({LATENCY: 10}, "base", 0.5, 5000.0, 5), ({LATENCY: 10}, "fast", 0.6, 6000.0, 5),
]
"""A stop-latency sweep at 30, 1 and 10 minutes (grid order), two policies."""


def two_keys(lag_values: Sequence[Any]) -> list[Row]:
    """Rows of a report-delay x triage sweep: share 1 - delay/1000, lower with lifo."""
    rows: list[Row] = []
    for triage, cut in (("fifo", 0.0), ("lifo", 0.1)):
        for i, lag in enumerate(lag_values):
            for policy, bonus in (("base", 0.0), ("fast", 0.05)):
                share = 0.8 - 0.2 * i - cut + bonus
                rows.append(({LAG: lag, TRIAGE: triage}, policy, share, 1000 * share, 3))
    return rows


@pytest.fixture(scope="module")
def one_key(tmp_path_factory: pytest.TempPathFactory) -> ResultsFolder:
    return sweep_folder(tmp_path_factory.mktemp("sw"), {LATENCY: [1, 10, 30]}, ONE_KEY)


@pytest.fixture(scope="module")
def one_key_curve(one_key: ResultsFolder) -> Figure:
    return outcome_curve(one_key)


@pytest.fixture(scope="module")
def lag_sweep(tmp_path_factory: pytest.TempPathFactory) -> ResultsFolder:
    return sweep_folder(tmp_path_factory.mktemp("sw"), {LAG: [0, 60, 600],
                                                        TRIAGE: ["fifo", "lifo"]},
                        two_keys([0, 60, 600]))


def lines(fig: Figure | Axes, gid: str) -> list[Line2D]:
    """Return every line with this gid (``measure:policy:panel``, ``xiamen``, ...)."""
    axes = fig.axes if isinstance(fig, Figure) else [fig]
    return [ln for ax in axes for ln in ax.get_lines() if ln.get_gid() == gid]


def xy(fig: Figure | Axes, gid: str) -> tuple[list[float], list[float]]:
    """Return the points of the one line with this gid."""
    found = lines(fig, gid)
    assert len(found) == 1, gid
    return (np.asarray(found[0].get_xdata(), float).tolist(),
            np.asarray(found[0].get_ydata(), float).tolist())


def assert_line(where: Figure | Axes, gid: str, x: list[float], y: list[float]) -> None:
    """Check the points of the line with this gid: x exactly, y to rounding."""
    got_x, got_y = xy(where, gid)
    assert got_x == x, gid
    assert got_y == pytest.approx(y), gid


def legend_texts(fig: Figure) -> list[str]:
    """Return the entries of the figure's one legend (under the axes)."""
    (legend,) = fig.legends
    assert all(ax.get_legend() is None for ax in fig.axes)
    return [t.get_text() for t in legend.get_texts()]


def band(fig: Figure, gid: str) -> PolyCollection:
    found = [c for ax in fig.axes for c in ax.collections if c.get_gid() == f"band:{gid}"]
    assert len(found) == 1 and isinstance(found[0], PolyCollection), gid
    return found[0]


def band_vertices(fig: Figure, gid: str) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Return the outline of the shaded band with this gid, as (x, y) rows."""
    return np.asarray(band(fig, gid).get_paths()[0].vertices, dtype=np.float64)


def spans(ax: Axes) -> list[tuple[float, float]]:
    """Return the x extent of each shaded vertical span of the axes."""
    return [(p.get_x(), p.get_x() + p.get_width()) for p in ax.patches
            if isinstance(p, Rectangle)]


# -- outcome curve of one key -----------------------------------------------------------------


def test_lines_are_the_curve_means_sorted_by_the_swept_value(one_key_curve: Figure) -> None:
    """Share (top) and yuan (bottom) per policy, at 1, 10 and 30 minutes though swept 30, 1, 10."""
    expected = {"base": ([0.9, 0.5, 0.1], [9000.0, 5000.0, 1000.0]),
                "fast": ([1.0, 0.6, 0.3], [10000.0, 6000.0, 3000.0])}
    share_ax, yuan_ax = one_key_curve.axes
    for policy, (share, yuan) in expected.items():
        assert xy(share_ax, f"saved_share:{policy}:") == ([1.0, 10.0, 30.0], share)
        assert xy(yuan_ax, f"saved_yuan:{policy}:") == ([1.0, 10.0, 30.0], yuan)


def test_bands_are_the_95_percent_intervals(one_key_curve: Figure) -> None:
    """The shaded band runs from each point's low to its high end."""
    vertices = band_vertices(one_key_curve, "saved_share:base:")
    corners = {(round(float(x), 9), round(float(y), 9)) for x, y in vertices.tolist()}
    for x, mean in ((1.0, 0.9), (10.0, 0.5), (30.0, 0.1)):
        assert (x, round(mean - 0.05, 9)) in corners and (x, round(mean + 0.05, 9)) in corners
    assert vertices[:, 1].min() == pytest.approx(0.05)
    assert vertices[:, 1].max() == pytest.approx(0.95)
    yuan = band_vertices(one_key_curve, "saved_yuan:fast:")
    assert (yuan[:, 1].min(), yuan[:, 1].max()) == pytest.approx((2900.0, 10100.0))


def test_each_policy_keeps_its_colour_in_lines_and_bands(one_key_curve: Figure) -> None:
    """Baseline black, the next policy blue, in both panels and their bands."""
    for policy, colour in (("base", BLACK), ("fast", BLUE)):
        for measure in ("saved_share", "saved_yuan"):
            (line,) = lines(one_key_curve, f"{measure}:{policy}:")
            assert to_hex(line.get_color()) == colour
            face = np.asarray(band(one_key_curve, f"{measure}:{policy}:").get_facecolor(), float)
            assert to_hex(tuple(face[0][:3])) == colour


def test_words_of_the_outcome_curve(one_key_curve: Figure) -> None:
    """Axis words, a legend of policies, the title in words, the most replications per point."""
    share_ax, yuan_ax = one_key_curve.axes
    assert share_ax.get_ylabel() == "share of exposed\nmoney saved"
    assert yuan_ax.get_ylabel() == "money saved per\nreplication (yuan)"
    assert yuan_ax.get_xlabel() == f"stop-payment latency of bank b1 (minutes)\n{LATENCY}"
    assert legend_texts(one_key_curve) == ["base", "fast"]
    assert one_key_curve.get_suptitle() == (
        "Money saved against stop-payment latency of bank b1 (minutes)")
    assert "lines: mean over 5 replications per point" in one_key_curve.texts[-1].get_text()
    assert share_ax.get_ylim() == pytest.approx((-0.02, 1.05))
    assert yuan_ax.get_ylim()[0] == 0


def test_categorical_values_are_drawn_at_positions_in_sweep_order(tmp_path: Path) -> None:
    """Triage rules are categories: positions 0, 1, 2 in the order swept, labelled by name."""
    rows: list[Row] = [({TRIAGE: t}, "base", s, 10 * s, 2)
                       for t, s in (("lifo", 0.2), ("fifo", 0.4), ("largest_first", 0.7))]
    fig = outcome_curve(sweep_folder(tmp_path, {TRIAGE: ["fifo", "largest_first", "lifo"]},
                                     rows, policies=["base"]))
    yuan_ax = fig.axes[1]
    assert xy(fig.axes[0], "saved_share:base:") == ([0.0, 1.0, 2.0], [0.2, 0.4, 0.7])
    assert [t.get_text() for t in yuan_ax.get_xticklabels()] == ["lifo", "fifo", "largest_first"]


def test_a_second_key_gives_one_column_per_value(lag_sweep: ResultsFolder) -> None:
    """Report delay along x, one column of share and yuan panels per triage rule."""
    fig = outcome_curve(lag_sweep)
    assert len(fig.axes) == 4
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == [f"triage (analysts) = {t}\n{TRIAGE}" for t in ("fifo", "lifo")]
    assert_line(fig, "saved_share:fast:lifo", [0.0, 60.0, 600.0], [0.75, 0.55, 0.35])
    assert xy(fig, "saved_yuan:base:fifo")[1] == pytest.approx([800.0, 600.0, 400.0])
    assert legend_texts(fig) == ["base", "fast"]


def test_the_x_key_can_be_chosen(lag_sweep: ResultsFolder) -> None:
    """Triage along x instead: one column per report delay."""
    fig = outcome_curve(lag_sweep, TRIAGE)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == [f"victim's report delay (minutes) = {v}\n{LAG}" for v in (0, 60, 600)]
    assert_line(fig, "saved_share:base:60", [0.0, 1.0], [0.6, 0.5])


# -- the golden hour from case tables -----------------------------------------------------------


def golden(label: str, bins: list[int], share: list[float], low: list[float],
           high: list[float], cases: list[int], unreported: float) -> GoldenHour:
    as_array = np.asarray
    return GoldenHour(label, bins, as_array(share, float), as_array(low, float),
                      as_array(high, float), cases, unreported)


def error_bars(ax: Axes) -> list[list[list[float]]]:
    """Return the segments of the axes' error bars, as [[x0, y0], [x1, y1]]."""
    return [np.asarray(s, float).tolist() for c in ax.collections
            if isinstance(c, LineCollection) for s in c.get_segments()]


RUN = golden("town", [0, 3, 9], [0.9, 0.5, 0.0], [0.8, 0.3, np.nan], [1.0, 0.7, np.nan],
             [10, 1, 3], 0.2)
"""A run's reported cases: 10 within 5 min, 1 after 30-60 min, 3 after more than 3 days."""


@pytest.fixture(scope="module")
def run_golden() -> Figure:
    return golden_hour_binned([RUN], {"town": BLACK}, "town · one run")


def test_golden_hour_of_one_run_draws_its_bins(run_golden: Figure) -> None:
    """Points at their delay bins, vertical 95% bars, the number of cases written at each."""
    (ax,) = run_golden.axes
    assert xy(ax, "golden:town") == ([0.0, 3.0, 9.0], [0.9, 0.5, 0.0])
    bars = error_bars(ax)
    assert [[0.0, 0.8], [0.0, 1.0]] in bars and [[3.0, 0.3], [3.0, 0.7]] in bars
    assert [[9.0, 0.0], [9.0, 0.0]] in bars  # undefined interval: no bar
    assert sorted(t.get_text() for t in ax.texts) == ["1 case", "10 cases", "3 cases"]


def test_golden_hour_axes_words_and_shading(run_golden: Figure) -> None:
    """Delay bins as labelled categories, the first hour (bins 0-3) shaded, shares in 0-100%."""
    fig = run_golden
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == BIN_LABELS
    assert ax.get_xlim() == pytest.approx((-0.5, 9.5))
    assert spans(ax) == [(-0.5, 3.5)]
    assert ax.get_ylim() == pytest.approx((-0.02, 1.05))
    assert ax.get_xlabel() == "victim's report delay: from realising to calling the police"
    assert fig.get_suptitle() == "The golden hour: money saved by how fast the victim reports"
    assert fig.texts[-1].get_text().startswith("town · one run · points: Σ saved / Σ exposed")


def test_never_reported_cases_are_a_dotted_line(run_golden: Figure) -> None:
    """The share saved in cases never reported is a dotted level, named once in the legend."""
    (ax,) = run_golden.axes
    dotted = [ln for ln in ax.get_lines() if ln.get_linestyle() == ":"]
    assert len(dotted) == 1 and np.asarray(dotted[0].get_ydata(), float).tolist() == [0.2, 0.2]
    assert legend_texts(run_golden).count("dotted: cases never reported") == 1


def test_the_golden_hour_legend_is_under_the_axes(run_golden: Figure) -> None:
    """Error bars reach 100%: the legend sits below the axes, clear of every bar."""
    renderer = run_golden.canvas.get_renderer()  # type: ignore[attr-defined]
    (ax,) = run_golden.axes
    (legend,) = run_golden.legends
    assert ax.get_legend() is None
    assert legend.get_window_extent(renderer).y1 <= ax.get_window_extent(renderer).y0


def test_several_policies_are_dodged_and_not_annotated() -> None:
    """Two policies side by side (±0.04 around each bin); no dotted line where all were reported."""
    other = golden("fast", [0, 3], [0.95, 0.6], [0.9, 0.4], [1.0, 0.8], [8, 2], np.nan)
    fig = golden_hour_binned([RUN, other], {"town": BLACK, "fast": BLUE}, "src")
    (ax,) = fig.axes
    assert xy(ax, "golden:town")[0] == pytest.approx([-0.04, 2.96, 8.96])
    assert xy(ax, "golden:fast")[0] == pytest.approx([0.04, 3.04])
    assert to_hex(lines(ax, "golden:fast")[0].get_color()) == BLUE
    assert not ax.texts
    assert len([ln for ln in ax.get_lines() if ln.get_linestyle() == ":"]) == 1


# -- the golden hour of a report-delay sweep ----------------------------------------------------


def test_golden_hour_sweep_draws_the_share_against_the_delay(lag_sweep: ResultsFolder) -> None:
    """One panel per triage rule: the share saved per policy, the first 60 minutes shaded."""
    fig = golden_hour_sweep(lag_sweep, LAG)
    assert [ax.get_title() for ax in fig.axes] == [panel_title(TRIAGE, "fifo"),
                                                   panel_title(TRIAGE, "lifo")]
    assert_line(fig.axes[0], "saved_share:base:fifo", [0.0, 60.0, 600.0], [0.8, 0.6, 0.4])
    assert_line(fig.axes[1], "saved_share:fast:lifo", [0.0, 60.0, 600.0], [0.75, 0.55, 0.35])
    assert all(spans(ax) == [(0.0, 60.0)] for ax in fig.axes)
    # One x label under both panels, as the outcome curve has.
    assert [ax.get_xlabel() for ax in fig.axes] == ["", ""]
    assert fig.get_supxlabel() == f"victim's report delay (minutes)\n{LAG}"
    assert fig.get_suptitle() == "The golden hour: money saved against the victim's report delay"
    assert f"town · sweep of {LAG} · " in fig.texts[-1].get_text()


def test_golden_hour_sweep_legend_is_under_the_panels(lag_sweep: ResultsFolder) -> None:
    """Shares start near 100% at short delays: the legend sits below the axes, clear of them."""
    fig = golden_hour_sweep(lag_sweep, LAG)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    assert legend_texts(fig) == ["golden hour (first 60 min)", "base", "fast"]
    (legend,) = fig.legends
    assert all(legend.get_window_extent(renderer).y1 <= ax.get_window_extent(renderer).y0
               for ax in fig.axes)


def test_golden_hour_sweep_of_one_key_has_one_panel(tmp_path: Path) -> None:
    """A sweep of the report delay alone: one untitled panel, legend of policies."""
    rows: list[Row] = [({LAG: v}, p, s, 0.0, 2) for v, s in ((5, 0.9), (120, 0.2))
                       for p in ("base", "fast")]
    fig = golden_hour_sweep(sweep_folder(tmp_path, {LAG: [5, 120]}, rows), LAG)
    (ax,) = fig.axes
    assert ax.get_title() == ""
    assert ax.get_xlabel() == f"victim's report delay (minutes)\n{LAG}"
    assert xy(ax, "saved_share:fast:") == ([5.0, 120.0], [0.9, 0.2])
    assert legend_texts(fig) == ["golden hour (first 60 min)", "base", "fast"]


def test_golden_hour_sweep_over_distributions_shades_nothing(tmp_path: Path) -> None:
    """Swept distributions sit on a categorical axis: no span of it is the first hour."""
    medians = [600, 1200, 2400, 4800, 9600]  # every delay hours long
    values = [{"kind": "lognormal", "median": m, "p95": 4 * m} for m in medians]
    rows: list[Row] = [({LAG: json.dumps(v, sort_keys=True)}, "base", 0.1, 0.0, 2)
                       for v in values]
    fig = golden_hour_sweep(sweep_folder(tmp_path, {LAG: values}, rows, ["base"]), LAG)
    (ax,) = fig.axes
    assert spans(ax) == []
    assert "golden hour (first 60 min)" not in legend_texts(fig)
