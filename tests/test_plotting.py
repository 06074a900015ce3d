"""Figures of results folders: each kind builds, in both formats, at slide size, byte-stable.

Results folders are made with the Python API (``simulate`` +
``write_results`` for runs, ``fraudsim.experiments`` for comparisons and
sweeps) by the session fixtures of ``tests/conftest.py``; the numbers the
figures draw are checked in ``tests/test_plotting_drawn.py``, the case
figures in ``tests/test_plotting_cases.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fraudsim.plotting import (
    ResultsFolder,
    ResultsFolderError,
    figures,
    open_folder,
    render,
    write_figures,
)
from fraudsim.plotting.style import DPI, SLIDE_IN
from tests.conftest import XIAMEN, xiamen
from tests.plotting_folders import POLICIES, make_run, png_size

# -- folders ------------------------------------------------------------------


def test_folder_kinds_are_detected(
    folders: dict[str, ResultsFolder], compared: ResultsFolder, swept_latency: ResultsFolder
) -> None:
    assert folders["xiamen"].kind == "run"
    assert compared.kind == "compare"
    assert compared.policies == list(POLICIES)
    assert swept_latency.kind == "sweep"
    assert list(swept_latency.vary) == ["banks.xiamen_bank.stop_latency_min"]


def test_a_folder_that_is_no_results_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ResultsFolderError, match=r"no manifest\.json"):
        open_folder(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"scenario": {"name": "x"}}))
    with pytest.raises(ResultsFolderError, match="not a results folder"):
        open_folder(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ResultsFolderError, match="cannot be read"):
        open_folder(tmp_path)


# -- every figure builds, in both formats, at slide size -------------------------


EXPECTED = {
    "xiamen": ["case-0-timeline", "case-0-money-tree", "resources"],
    "compare": ["policy-comparison", "golden-hour", "loss-distribution", "timeline",
                "money-tree"],
    "sweep": ["outcome-curve"],
    "sweep_lag": ["outcome-curve", "golden-hour"],
}


@pytest.mark.parametrize("which", sorted(EXPECTED))
def test_every_figure_is_written_as_png_and_svg(
    which: str, folders: dict[str, ResultsFolder], compared: ResultsFolder,
    swept_latency: ResultsFolder, swept_lag: ResultsFolder, tmp_path: Path,
) -> None:
    folder = {"xiamen": folders["xiamen"], "compare": compared, "sweep": swept_latency,
              "sweep_lag": swept_lag}[which]
    written = write_figures(folder, tmp_path)
    stems = [p.stem for p in written if p.suffix == ".png"]
    assert len(stems) == len(EXPECTED[which])
    for stem, expected in zip(stems, EXPECTED[which], strict=True):
        assert expected in stem
    for path in written:
        data = path.read_bytes()
        assert len(data) > 10_000, path
        if path.suffix == ".png":
            assert png_size(data) == (2000, 1125)
        else:
            assert data.startswith(b"<?xml") and b"<dc:date>" not in data


def test_figures_are_slide_sized(folders: dict[str, ResultsFolder]) -> None:
    for spec in figures(folders["busy"]):
        fig = spec.build()
        assert tuple(fig.get_size_inches()) == pytest.approx(SLIDE_IN)
        assert fig.dpi == DPI
        assert fig.get_suptitle(), spec.name


def test_only_png_when_asked(swept_latency: ResultsFolder, tmp_path: Path) -> None:
    written = write_figures(swept_latency, tmp_path, ["png"])
    assert written and all(p.suffix == ".png" for p in written)


# -- same results, same bytes ---------------------------------------------------------


def test_same_results_give_identical_files(
    folders: dict[str, ResultsFolder], compared: ResultsFolder, swept_lag: ResultsFolder,
) -> None:
    """Every kind of figure, built twice from the same folder, gives the same bytes."""
    specs = [*figures(folders["busy"]), *(s for s in figures(compared)
                                          if s.name == "policy-comparison"), *figures(swept_lag)]
    assert len(specs) == 8
    for spec in specs:
        first, second = spec.build(), spec.build()
        for fmt in ("png", "svg"):
            assert render(first, fmt) == render(second, fmt), (spec.name, fmt)


def test_a_second_results_folder_of_the_same_run_gives_the_same_files(
    folders: dict[str, ResultsFolder], tmp_path: Path
) -> None:
    again = make_run(tmp_path / "again", xiamen(), ["fraudsim", "run", str(XIAMEN)])
    first = write_figures(folders["xiamen"], tmp_path / "a", ["png"])
    second = write_figures(again, tmp_path / "b", ["png"])
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name

