"""The real Xiamen case on an outcome curve (fraudsim/plotting/observed.py and curves.py).

The observed point (stopped 3 min after the report, all ¥1.5 M saved) is a
fact about the shipped replay. These sweeps record the shipped replay in
their manifest, or a copy changed by a ``--set`` override, and check that
the point is drawn only where the swept world is the replay's: at the
replay's latency whatever the swept scenario says, not at all once another
setting changed, and in a two-key sweep only in the replay's panel. The
layout of a two-key figure is checked on the rendered canvas: one x label,
the note inside its panel, the legend clear of every panel.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from matplotlib.figure import Figure

from fraudsim.plotting.curves import outcome_curve
from fraudsim.plotting.folder import ResultsFolder
from fraudsim.plotting.observed import Observed, without, xiamen_point
from fraudsim.scenario.loading import node_at as lookup
from tests.conftest import xiamen
from tests.test_plotting_curves import Row, lines, sweep_folder, xy

KEY = "banks.xiamen_bank.stop_latency_min"
DWELL = "mule_network.layers.0.dwell_min"
LABEL = "Xiamen 2023-09-27 (observed): stopped 3 min after the report, all ¥1.50 M saved"


def replay(overrides: Sequence[str] = ()) -> dict[str, Any]:
    """Return the shipped replay (with overrides) as a manifest records it."""
    return xiamen(overrides).model_dump(mode="json", by_alias=True)


def latency_sweep(path: Path, overrides: Sequence[str] = (),
                  values: Sequence[float] = (1, 10, 30)) -> ResultsFolder:
    """A one-key sweep of the bank's stop latency over the replay (with overrides)."""
    rows: list[Row] = [({KEY: v}, "as_reported", 1.0 if v < 20 else 0.0,
                        1.5e6 if v < 20 else 0.0, 2) for v in values]
    return sweep_folder(path, {KEY: list(values)}, rows, ["as_reported"], "xiamen-2023",
                        replay(overrides))


def two_key_sweep(path: Path, overrides: Sequence[str] = ()) -> ResultsFolder:
    """Stop latency along x, one column per first-layer dwell (10, 22 and 45 minutes)."""
    rows: list[Row] = [({KEY: v, DWELL: d}, "as_reported", 1.0 if v < d else 0.0,
                        1.5e6 if v < d else 0.0, 3)
                       for d in (10, 22, 45) for v in (1, 10, 20, 30)]
    return sweep_folder(path, {KEY: [1, 10, 20, 30], DWELL: [10, 22, 45]}, rows,
                        ["as_reported"], "xiamen-2023", replay(overrides))


def test_the_point_is_the_shipped_replays_latency_and_money(tmp_path: Path) -> None:
    """2.5 min at the bank + 0.5 min call = 3 min after the report; ¥1.5 M paid, all saved."""
    assert xiamen_point(latency_sweep(tmp_path), KEY) == Observed(2.5, 1_500_000.0, 3.0, {})


def test_an_override_of_the_swept_key_does_not_move_the_point(tmp_path: Path) -> None:
    """``--set`` of the swept latency itself is replaced by the sweep: still the observed 2.5."""
    folder = latency_sweep(tmp_path, [f"{KEY}=15"])
    assert folder.manifest["scenario"]["banks"]["xiamen_bank"]["stop_latency_min"] == {
        "kind": "constant", "value": 15.0}
    point = xiamen_point(folder, KEY)
    assert point is not None and point.latency == 2.5


@pytest.mark.parametrize("override", [f"{DWELL}=5", "response.call_takers.handling_min=4",
                                      "seed=1"])
def test_no_point_once_an_override_changed_the_replay(tmp_path: Path, override: str) -> None:
    """A faster mule network, a slower call, another seed: not the world the case happened in."""
    folder = latency_sweep(tmp_path, [f"{KEY}=15", override])
    assert xiamen_point(folder, KEY) is None
    assert not lines(outcome_curve(folder), "xiamen")


@pytest.mark.parametrize(("name", "key"), [
    ("busy-town", KEY),
    ("xiamen-2023", "banks.xiamen_bank.freeze_latency_min"),
    ("xiamen-2023", "banks.other_bank.stop_latency_min"),
])
def test_no_point_where_it_does_not_apply(tmp_path: Path, name: str, key: str) -> None:
    """Only the Xiamen replay swept on its bank's stop latency."""
    folder = latency_sweep(tmp_path)
    folder.manifest["scenario"]["name"] = name
    assert xiamen_point(folder, key) is None


def test_one_key_curve_stars_the_point_with_its_words_in_the_legend(tmp_path: Path) -> None:
    """Stars at (2.5, 100%) and (2.5, ¥1.5 M); the legend says what was observed."""
    fig = outcome_curve(latency_sweep(tmp_path))
    assert sorted(xy(ax, "xiamen") for ax in fig.axes) == [([2.5], [1.0]),
                                                          ([2.5], [1_500_000.0])]
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["as_reported", LABEL]


def test_two_key_sweep_stars_only_the_replays_panel(tmp_path: Path) -> None:
    """The replay's first-layer dwell is 22 min: only that column shows the real case."""
    fig = outcome_curve(two_key_sweep(tmp_path))
    starred = [i for i, ax in enumerate(fig.axes) if lines(ax, "xiamen")]
    assert starred == [1, 4]  # the share (row 1) and the yuan panel (row 2) of column 2
    assert fig.axes[1].get_title().startswith("mule dwell time (minutes) = 22\n")


def test_panels_match_the_replays_value_as_numbers(tmp_path: Path) -> None:
    """The replay's dwell is the constant 22.0: the column "22" is it, "10" and "45" are not."""
    folder = two_key_sweep(tmp_path)
    point = xiamen_point(folder, KEY)
    assert point is not None
    assert [point.in_panel(DWELL, v) for v in ("10", "22", "22.0", "45")] == [
        False, True, True, False]


def _inside(fig: Figure) -> None:
    """Check every text of every panel lies within the panel, and the legend within none."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    for ax in fig.axes:
        box = ax.get_window_extent(renderer)
        for text in ax.texts:
            inner = text.get_window_extent(renderer)
            assert box.x0 <= inner.x0 and inner.x1 <= box.x1, text.get_text()
            assert box.y0 <= inner.y0 and inner.y1 <= box.y1, text.get_text()
        for legend in fig.legends:
            assert not legend.get_window_extent(renderer).overlaps(box)


def test_two_key_layout_one_x_label_notes_in_panels_legend_clear(tmp_path: Path) -> None:
    """One shared x label (no column repeats it); the note and the legend cover no panel."""
    fig = outcome_curve(two_key_sweep(tmp_path))
    assert fig.get_supxlabel() == f"stop-payment latency of bank xiamen_bank (minutes)\n{KEY}"
    assert [ax.get_xlabel() for ax in fig.axes] == [""] * 6
    assert any(ax.texts for ax in fig.axes)  # the short note beside the star
    _inside(fig)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    shared = next(t for t in fig.texts if t.get_text() == fig.get_supxlabel())
    top = shared.get_window_extent(renderer).y1  # below every panel, above the legend
    assert all(top <= ax.get_window_extent(renderer).y0 for ax in fig.axes)


def test_a_note_near_the_right_edge_grows_leftwards(tmp_path: Path) -> None:
    """A sweep of 0.5 to 3 min puts the observed 2.5 near the right edge: the note stays in."""
    fig = outcome_curve(latency_sweep(tmp_path, values=(0.5, 1, 3)))
    _inside(fig)


def test_lookup_and_without_follow_key_paths() -> None:
    """Key paths reach into tables and lists; ``without`` blanks a value on a copy."""
    tree = {"a": {"b": [{"c": 1}, {"c": 2}]}}
    assert lookup(tree, "a.b.1.c") == 2
    assert lookup(tree, "a.b.5.c") is None and lookup(tree, "a.x") is None
    assert without(tree, ["a.b.0.c", "a.x.y"]) == {"a": {"b": [{"c": None}, {"c": 2}]}}
    assert tree["a"]["b"][0]["c"] == 1
