"""The ``plot`` and ``report`` sub-commands: argument types, output folders, messages, exit codes.

The format and case argument types are checked through the sub-commands'
own parser; the handlers on one results folder of the Xiamen replay (one
case), with the drawing of figures replaced by fakes (``test_plotting_cli.py``
draws real ones) and output sent to temporary folders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import fraudsim
from fraudsim.cli_args import EXIT_BAD_INPUT
from fraudsim.cli_plots import register
from fraudsim.plotting import ResultsFolder
from fraudsim.results import write_results
from tests.conftest import XIAMEN, xiamen
from tests.subcommands import SubCommands

COMMANDS = SubCommands(register)
parse = COMMANDS.parse
run = COMMANDS.run
usage_error = COMMANDS.usage_error








@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("plots") / "xiamen"
    write_results(fraudsim.simulate(xiamen()), dest, ["fraudsim", "run", str(XIAMEN)], [])
    return dest


# --- arguments ---------------------------------------------------------------------------------


def test_defaults_draw_both_formats_into_the_folder() -> None:
    """Without options: PNG and SVG, the default output place, the default case."""
    _, plot = parse(["plot", "r"])
    assert (plot.results, plot.format, plot.out, plot.case) == (Path("r"), ["png", "svg"], None,
                                                                None)
    _, report = parse(["report", "r"])
    assert (report.results, report.out, report.case) == (Path("r"), None, None)


@pytest.mark.parametrize(("text", "formats"), [
    ("png", ["png"]),
    ("SVG", ["svg"]),
    (" svg , png ", ["svg", "png"]),
    ("png,png,svg,png", ["png", "svg"]),
    ("png,,svg,", ["png", "svg"]),
])
def test_formats_are_read_case_blind_without_repeats_in_the_order_given(
    text: str, formats: list[str]
) -> None:
    """Each file is drawn once, in the order asked, whatever the spelling."""
    assert parse(["plot", "r", "--format", text])[1].format == formats


@pytest.mark.parametrize(("text", "message"), [
    ("pdf", "unknown format pdf; allowed: png, svg"),
    ("png,pdf,jpg", "unknown format pdf, jpg; allowed: png, svg"),
    ("", "unknown format (none); allowed: png, svg"),
    (" , ", "unknown format (none); allowed: png, svg"),
])
def test_unknown_or_missing_formats_are_usage_errors(
    text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The message names every unknown format, or says none was given, and the allowed ones."""
    assert message in usage_error(["plot", "r", "--format", text], capsys)


@pytest.mark.parametrize("command", ["plot", "report"])
def test_case_ids_are_whole_numbers_from_zero(command: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Case 0 is the first case; negative ids and words are refused as usage errors."""
    assert parse([command, "r", "--case", "0"])[1].case == 0
    assert parse([command, "r", "--case", "31"])[1].case == 31
    assert "argument --case: must be at least 0" in usage_error(
        [command, "r", "--case", "-1"], capsys)
    assert "argument --case: not a whole number: 'one'" in usage_error(
        [command, "r", "--case", "one"], capsys)


# --- fraudsim plot -------------------------------------------------------------------------------


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Replace the drawing of figures by a fake that records its arguments and names 3 files."""
    calls: list[tuple[Any, ...]] = []

    def write_figures(folder: ResultsFolder, out: Path, formats: list[str],
                      case: int | None) -> list[Path]:
        calls.append((folder.path, folder.kind, out, formats, case))
        return [out / f"fig{i}.{formats[0]}" for i in range(3)]

    monkeypatch.setattr("fraudsim.plotting.write_figures", write_figures)
    return calls


def test_plot_draws_into_the_folders_figures_by_default(
    results: Path, drawn: list[tuple[Any, ...]], capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --out the figures go to RESULTS_DIR/figures, in both formats."""
    code, _, err = run(["plot", str(results)], capsys)
    assert code == 0
    assert drawn == [(results, "run", results / "figures", ["png", "svg"], None)]
    assert err == f"3 files written to {results / 'figures'}/ (run folder)\n"


def test_plot_lists_each_file_and_says_how_many_were_written(
    results: Path, drawn: list[tuple[Any, ...]], tmp_path: Path,
    capsys: pytest.CaptureFixture[str]
) -> None:
    """Paths on standard output (one per line, for scripts), the count on standard error."""
    out = tmp_path / "figs"
    code, stdout, err = run(["plot", str(results), "--format", "svg", "--out", str(out),
                             "--case", "0"], capsys)
    assert code == 0
    assert drawn == [(results, "run", out, ["svg"], 0)]
    assert stdout == "".join(f"{out / f'fig{i}.svg'}\n" for i in range(3))
    assert err == f"3 files written to {out}/ (run folder)\n"


def test_plot_of_an_unreadable_manifest_exits_2(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A damaged manifest.json is bad input, reported in one line under the command's name."""
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    code, out, err = run(["plot", str(tmp_path)], capsys)
    assert (code, out) == (EXIT_BAD_INPUT, "")
    assert err.startswith(f"fraudsim plot: {tmp_path / 'manifest.json'} cannot be read: ")
    assert err.count("\n") == 1
    assert not (tmp_path / "figures").exists()


@pytest.mark.parametrize(("command", "out"), [
    ("plot", "notes.txt"), ("plot", "notes.txt/figs"), ("report", "notes.txt/r.html"),
])
def test_a_file_where_the_output_folder_must_be_exits_2(
    results: Path, tmp_path: Path, command: str, out: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file in the way of --out is named, before anything is drawn (not 'File exists')."""
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    code, stdout, err = run([command, str(results), "--out", str(tmp_path / out)], capsys)
    assert (code, stdout) == (EXIT_BAD_INPUT, "")
    assert err == (f"fraudsim {command}: {tmp_path / 'notes.txt'} is a file, not a folder; "
                   "choose another --out\n")
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


# --- fraudsim report -----------------------------------------------------------------------------


def test_report_writes_where_asked_making_the_folders(
    results: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    """--out may name a file in folders that do not exist yet; its path is printed.

    The figures are left out (drawing them is the plotting package's job).
    """
    monkeypatch.setattr("fraudsim.report_html.figures", lambda folder, case: [])
    target = tmp_path / "a" / "b" / "xiamen.html"
    code, out, _ = run(["report", str(results), "--out", str(target), "--case", "0"], capsys)
    assert code == 0
    assert out == f"{target}\n"
    text = target.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<h1>xiamen-2023</h1>" in text
    assert not (results / "report.html").exists()


def test_report_of_a_case_that_does_not_exist_exits_2_and_writes_nothing(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Xiamen replay has one case: asking for case 7 is bad input, said plainly."""
    target = tmp_path / "r.html"
    code, out, err = run(["report", str(results), "--out", str(target), "--case", "7"], capsys)
    assert (code, out) == (EXIT_BAD_INPUT, "")
    assert err == "fraudsim report: --case 7: this run has 1 cases (ids 0 to 0)\n"
    assert not target.exists()
