"""Policies side by side (fraudsim/plotting/compare.py): paired differences and loss distributions.

The comparison's differences and the losses are written here by hand, so
each drawn point, interval, label and histogram count is known in advance:
policies sorted by money saved, filled markers only where the interval
excludes zero, the figures' words in yuan and minutes, and the losses'
histograms and survival curves on log axes. Figures are built on their own
Agg canvases, never through pyplot, so no figure is left open.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib._pylab_helpers as pylab_helpers
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon

from fraudsim.plotting.compare import loss_distribution, policy_comparison
from fraudsim.plotting.folder import Kind, ResultsFolder, ResultsFolderError, open_folder
from fraudsim.plotting.series import Losses

BLUE, ORANGE = "#0072B2", "#E69F00"
"""Colours of the second and third policies (Okabe-Ito: after the black baseline)."""

MINUS = "\u2212"

DIFFERENCES = """policy,measure,mean_diff,ci_low,ci_high,verdict
slow,saved_yuan,-25000,-40000,-10000,lower
fast,saved_yuan,1500,200,2800,higher
slow,lost_yuan,25000,10000,40000,higher
fast,lost_yuan,-1500,-2800,-200,lower
slow,report_to_first_stop_median_min,,,,
fast,report_to_first_stop_median_min,-2.5,-6,1,
"""
"""Paired differences against ``base``: fast saves ¥1,500 more, slow ¥25,000 less."""


@pytest.fixture(autouse=True)
def no_pyplot_figures() -> Iterator[None]:
    """Each test leaves no figure open in pyplot's registry: figures are plain Agg figures."""
    yield
    assert pylab_helpers.Gcf.get_num_fig_managers() == 0


def compare_folder(path: Path) -> ResultsFolder:
    """Write a comparison of base, fast and slow (4 replications) with its differences."""
    path.mkdir(parents=True, exist_ok=True)
    manifest = {"kind": "compare", "scenario": {"name": "town"},
                "policies": ["base", "fast", "slow"], "baseline": "base", "replications_used": 4}
    (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (path / "differences.csv").write_text(DIFFERENCES, encoding="utf-8")
    return open_folder(path)


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Figure:
    return policy_comparison(compare_folder(tmp_path_factory.mktemp("cmp")))


def gid_lines(fig: Figure, gid: str) -> list[Line2D]:
    """Return every line of the figure whose gid starts with ``gid``."""
    return [ln for ax in fig.axes for ln in ax.get_lines() if (ln.get_gid() or "").startswith(gid)]


def one_line(fig: Figure, gid: str) -> Line2D:
    found = gid_lines(fig, gid)
    assert len(found) == 1, gid
    return found[0]


def xy(line: Line2D) -> tuple[list[float], list[float]]:
    return (np.asarray(line.get_xdata(), float).tolist(),
            np.asarray(line.get_ydata(), float).tolist())


def bars(ax: Axes) -> list[list[list[float]]]:
    """Return the segments of the axes' interval bars, as [[x0, y0], [x1, y1]]."""
    return [np.asarray(seg, float).tolist() for c in ax.collections
            if isinstance(c, LineCollection) for seg in c.get_segments()]


def texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


# -- paired differences ------------------------------------------------------------------------


def test_three_panels_money_saved_lost_and_time_to_stop(comparison: Figure) -> None:
    """One panel per compared measure, titled in words, the x axis in its unit."""
    assert [ax.get_title() for ax in comparison.axes] == [
        "money saved\n(yuan per replication)", "money lost\n(yuan per replication)",
        "report to first stop\n(median, minutes)"]
    assert [ax.get_xlabel() for ax in comparison.axes] == [
        f"policy {MINUS} baseline (yuan)", f"policy {MINUS} baseline (yuan)",
        f"policy {MINUS} baseline (minutes)"]


def test_points_are_the_mean_differences_sorted_by_money_saved(comparison: Figure) -> None:
    """Fast (saves more) is on top in every panel, slow below, whatever each panel's values."""
    expected = {"saved_yuan": {"fast": 1500.0, "slow": -25000.0},
                "lost_yuan": {"fast": -1500.0, "slow": 25000.0},
                "report_to_first_stop_median_min": {"fast": -2.5}}
    for measure, means in expected.items():
        for policy, mean in means.items():
            x, y = xy(one_line(comparison, f"{measure}:{policy}"))
            assert x == [mean]
            assert y == [1.0 if policy == "fast" else 0.0]
    first = comparison.axes[0]  # the panels share their y axis: names on the first
    ticks = {float(t): lab.get_text()
             for t, lab in zip(first.get_yticks(), first.get_yticklabels(), strict=True)}
    assert ticks == {1.0: "fast", 0.0: "slow"}
    for ax in comparison.axes:
        assert ax.get_ylim() == pytest.approx((-0.7, 1.7))


def test_interval_bars_span_the_95_percent_interval(comparison: Figure) -> None:
    """Each horizontal bar runs from the interval's low to its high end at the policy's row."""
    assert sorted(bars(comparison.axes[0])) == [[[-40000.0, 0.0], [-10000.0, 0.0]],
                                                [[200.0, 1.0], [2800.0, 1.0]]]
    assert [[-6.0, 1.0], [1.0, 1.0]] in bars(comparison.axes[2])


def test_filled_markers_only_where_the_interval_excludes_zero(comparison: Figure) -> None:
    """A clear difference is a filled point in the policy's colour; an unclear one is hollow."""
    assert one_line(comparison, "saved_yuan:fast").get_markerfacecolor() == BLUE
    assert one_line(comparison, "saved_yuan:slow").get_markerfacecolor() == ORANGE
    assert one_line(comparison, "saved_yuan:slow").get_color() == ORANGE
    hollow = one_line(comparison, "report_to_first_stop_median_min:fast")
    assert hollow.get_markerfacecolor() == "white" and hollow.get_color() == BLUE


def test_values_are_written_with_sign_and_unit(comparison: Figure) -> None:
    """Yuan compactly with a sign, minutes to a tenth, an undefined difference as n/a."""
    saved, lost, stop = comparison.axes
    assert sorted(texts(saved)) == sorted(["+¥1,500", f"{MINUS}¥25 k"])
    assert sorted(texts(lost)) == sorted([f"{MINUS}¥1,500", "+¥25 k"])
    assert sorted(texts(stop)) == sorted([f"{MINUS}2.5 min", "n/a"])


def test_title_and_footnote_name_the_baseline_and_replications(comparison: Figure) -> None:
    """The baseline is in the title; the scenario and replications in the source line."""
    assert comparison.get_suptitle() == "Policies against the baseline 'base': paired differences"
    note = comparison.texts[-1].get_text()
    assert note.startswith("town · 4 replications per policy, common random numbers")
    assert "sorted by money saved" in note


def test_no_differences_table_is_an_error(tmp_path: Path) -> None:
    """A comparison folder without its differences names the missing file."""
    folder = compare_folder(tmp_path)
    (tmp_path / "differences.csv").unlink()
    with pytest.raises(ResultsFolderError, match=r"differences\.csv is missing"):
        policy_comparison(folder)


# -- losses per case ----------------------------------------------------------------------------


def folder_of(kind: Kind, policies: list[str], path: Path) -> ResultsFolder:
    """A folder of the given kind, with its policies in order (tables are not read)."""
    return ResultsFolder(path, kind, {"scenario": {"name": "town"}, "policies": policies})


def fen(*yuan: float) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.asarray(yuan, dtype=np.float64) * 100


CASES = Losses("case", {"base": fen(0, 0, 100, 2500, 2500), "fast": fen(0, 0, 0, 0, 50)},
               fen(100, 200, 3000, 2500, 2500))
"""Five cases: base loses ¥100 once and ¥2,500 twice, fast loses ¥50 once."""


@pytest.fixture(scope="module")
def case_losses(tmp_path_factory: pytest.TempPathFactory) -> Figure:
    return loss_distribution(folder_of("compare", ["base", "fast"],
                                       tmp_path_factory.mktemp("l")), CASES)


def outline(patch: Patch) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Return the vertices of a step histogram's outline: x0,0 x0,c1 x1,c1 x1,c2 ..."""
    assert isinstance(patch, Polygon)
    return np.asarray(patch.get_xy(), dtype=np.float64)


def step_counts(patch: Patch, bins: int) -> list[float]:
    """Return the bin counts of a step histogram."""
    return [float(v) for v in outline(patch)[1:2 * bins:2, 1]]


def test_histogram_has_four_log_bins_per_decade(case_losses: Figure) -> None:
    """Losses from ¥50 to ¥3,000 (the exposure) get bins from ¥10 to ¥10,000, 4 per decade.

    Base: ¥100 in the bin [100, 178), twice ¥2,500 in [1778, 3162); fast: ¥50
    in [31.6, 56.2). Zeros are not drawn.
    """
    hist = case_losses.axes[0]
    assert hist.get_xscale() == "log"
    base, fast = hist.patches
    edges = sorted(set(outline(base)[:, 0].tolist()))
    assert edges == pytest.approx([10 ** (1 + k / 4) for k in range(13)])
    assert step_counts(base, 12) == [0, 0, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0]
    assert step_counts(fast, 12) == [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert base.get_edgecolor()[:3] == pytest.approx((0, 0, 0))


def test_legend_says_how_many_cases_lost_nothing(case_losses: Figure) -> None:
    """Zeros cannot be drawn on a log axis, so the legend counts them."""
    (legend,) = case_losses.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "base (40% of cases lost nothing)", "fast (80% of cases lost nothing)",
        "exposed (no response)"]


def test_the_per_case_legend_is_under_both_panels(case_losses: Figure) -> None:
    """One legend below the axes, where it covers no bar of the histogram and no step."""
    renderer = case_losses.canvas.get_renderer()  # type: ignore[attr-defined]
    (legend,) = case_losses.legends
    assert all(ax.get_legend() is None for ax in case_losses.axes)
    assert all(legend.get_window_extent(renderer).y1 <= ax.get_window_extent(renderer).y0
               for ax in case_losses.axes)


def test_survival_curves_of_losses_and_exposure(case_losses: Figure) -> None:
    """Share of all cases losing at least x, per policy, and of the exposure (dashed)."""
    expected = {"base": ([100.0, 2500.0], [3 / 5, 2 / 5]), "fast": ([50.0], [1 / 5]),
                "exposed": ([100.0, 200.0, 2500.0, 3000.0], [1, 4 / 5, 3 / 5, 1 / 5])}
    for name, (xs, shares) in expected.items():
        x, share = xy(one_line(case_losses, f"ccdf:{name}"))
        assert x == xs
        assert share == pytest.approx(shares)
    base, exposed = one_line(case_losses, "ccdf:base"), one_line(case_losses, "ccdf:exposed")
    assert exposed.get_linestyle() == "--" and exposed.get_marker() == "s"
    assert base.get_drawstyle() == "steps-post" and base.get_marker() == "o"
    tail = case_losses.axes[1]
    assert (tail.get_xscale(), tail.get_yscale()) == ("log", "log")
    assert tail.get_ylim()[1] == pytest.approx(1.3)


def test_words_of_the_case_losses(case_losses: Figure) -> None:
    """Title, axis words and source line of losses per case from a comparison's kept cases."""
    assert case_losses.get_suptitle() == (
        "Losses per policy: most cases lose little, a few lose most")
    hist, tail = case_losses.axes
    assert hist.get_xlabel() == "money lost per case (yuan, log scale)"
    assert tail.get_ylabel() == "share of cases (log scale)"
    assert "per case, all kept replications" in case_losses.texts[-1].get_text()


def test_many_cases_are_drawn_without_markers(tmp_path: Path) -> None:
    """Thirty or more distinct losses: a plain step line, and the run's footnote says per case."""
    many = Losses("case", {"town": fen(*range(1, 41))}, None)
    fig = loss_distribution(folder_of("run", [], tmp_path), many)
    line = one_line(fig, "ccdf:town")
    assert line.get_marker() == "None"
    assert len(xy(line)[0]) == 40
    assert not gid_lines(fig, "ccdf:exposed")
    note = fig.texts[-1].get_text()
    assert note.startswith("town · run · losses = money cashed out, per case ·")


def test_no_case_lost_anything_is_said_in_words(tmp_path: Path) -> None:
    """Nothing lost: no histogram bars to draw, a sentence instead; only the exposure's tail."""
    nothing = Losses("case", {"base": fen(0, 0, 0)}, fen(10, 20, 30))
    fig = loss_distribution(folder_of("compare", ["base"], tmp_path), nothing)
    assert "no case lost any money" in texts(fig.axes[0])
    assert xy(one_line(fig, "ccdf:base")) == ([], [])
    assert xy(one_line(fig, "ccdf:exposed"))[0] == [10.0, 20.0, 30.0]


# -- losses per replication ---------------------------------------------------------------------


def test_losses_per_replication_are_points_over_boxes(tmp_path: Path) -> None:
    """Each replication that lost money is a point (spread sideways); the median is the box's.

    Losses from ¥1,000 to ¥40,000 span more than a factor ten: a log axis,
    on which the replications that lost nothing are counted, not drawn.
    """
    data = Losses("replication", {"base": fen(0, 1000, 40000), "fast": fen(0, 0, 0)}, None)
    fig = loss_distribution(folder_of("compare", ["base", "fast"], tmp_path), data)
    (ax,) = fig.axes
    x, y = xy(one_line(fig, "lost:base"))
    assert x == pytest.approx([-0.15, 0.15])
    assert y == [1000.0, 40000.0]
    assert xy(one_line(fig, "lost:fast")) == ([], [])
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "base\n(33% of replications lost nothing)", "fast\n(100% of replications lost nothing)"]
    medians = [xy(ln)[1] for ln in ax.get_lines() if not ln.get_gid()]
    assert [20500.0, 20500.0] in medians
    assert fig.get_suptitle() == "Money lost per replication, by policy"
    note = fig.texts[-1].get_text()
    assert "per replication: each point is one replication's total" in note
    assert "replications that lost nothing are counted but not drawn on log axes" in note
    assert "cases" not in note


def _tick_texts(fig: Figure) -> list[str]:
    """Return every y tick label (major and minor) drawn on the rendered figure."""
    fig.canvas.draw()
    (ax,) = fig.axes
    ticks = [*ax.yaxis.get_majorticklabels(), *ax.yaxis.get_minorticklabels()]
    return [t.get_text() for t in ticks if t.get_text() and t.get_visible()]


def test_a_narrow_range_of_losses_is_linear_with_yuan_ticks(tmp_path: Path) -> None:
    """¥9.6 M to ¥12.4 M: a log axis adds nothing; linear, every tick in yuan, zeros drawn."""
    data = Losses("replication", {"base": fen(9.6e6, 12.4e6, 11e6),
                                  "fast": fen(0, 10e6, 10.5e6)}, None)
    fig = loss_distribution(folder_of("compare", ["base", "fast"], tmp_path), data)
    (ax,) = fig.axes
    assert ax.get_yscale() == "linear"
    assert ax.get_ylabel() == "money lost per replication (yuan)"
    assert sorted(xy(one_line(fig, "lost:fast"))[1]) == [0.0, 10e6, 10.5e6]
    assert ax.get_ylim()[0] == 0 and ax.get_ylim()[1] >= 12.4e6  # every point in view
    ticks = _tick_texts(fig)
    assert ticks and all(t.startswith("¥") for t in ticks), ticks
    assert "not drawn on log axes" not in fig.texts[-1].get_text()


def test_every_tick_of_a_log_axis_is_in_yuan(tmp_path: Path) -> None:
    """A range within two decades used to get unformatted minor labels (1.1 x 10^7)."""
    data = Losses("replication", {"base": fen(2e5, 9e6, 1.2e7)}, None)
    fig = loss_distribution(folder_of("compare", ["base"], tmp_path), data)
    assert fig.axes[0].get_yscale() == "log"
    ticks = _tick_texts(fig)
    assert len(ticks) >= 3 and all(t.startswith("¥") for t in ticks), ticks


def test_replications_that_lost_nothing_keep_a_linear_axis(tmp_path: Path) -> None:
    """No positive loss at all: no log axis; a policy without replications says so."""
    data = Losses("replication", {"base": fen(0, 0), "fast": fen()}, None)
    fig = loss_distribution(folder_of("compare", ["base", "fast"], tmp_path), data)
    (ax,) = fig.axes
    assert ax.get_yscale() == "linear"
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "base\n(100% of replications lost nothing)", "fast\n(no replications)"]


def test_value_labels_stay_inside_their_panel(comparison: Figure) -> None:
    """A label by a point near a panel's edge grows inwards: none crosses a spine.

    Fast's +¥1,500 lies near the right end of the money-saved panel, slow's
    -¥25 k far left: centred on their points, they ran past the edge.
    """
    renderer = comparison.canvas.get_renderer()  # type: ignore[attr-defined]
    checked = 0
    for ax in comparison.axes:
        box = ax.get_window_extent(renderer)
        for text in ax.texts:
            if text.get_text() == "n/a":
                continue  # an undefined difference has no place on the axis
            inner = text.get_window_extent(renderer)
            assert box.x0 <= inner.x0 and inner.x1 <= box.x1, text.get_text()
            checked += 1
    assert checked == 5
