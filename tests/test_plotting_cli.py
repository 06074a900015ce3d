"""``fraudsim plot`` and ``fraudsim report`` on the command line; matplotlib kept in its place."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

import fraudsim
from fraudsim import cli_plots
from fraudsim.results import write_results
from tests.conftest import ROOT, XIAMEN, xiamen


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Parse ``argv`` with the plot sub-commands and run the chosen one."""
    parser = argparse.ArgumentParser(prog="fraudsim")
    sub = parser.add_subparsers(dest="command", required=True)
    handlers = cli_plots.register(sub)
    args = parser.parse_args(argv)
    code = handlers[args.command](args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("cli") / "xiamen"
    result = fraudsim.simulate(xiamen(["banks.xiamen_bank.stop_latency_min=30"]))
    write_results(result, dest, ["fraudsim", "run", str(XIAMEN)],
                  ["banks.xiamen_bank.stop_latency_min=30"])
    return dest


def test_register_adds_plot_and_report() -> None:
    parser = argparse.ArgumentParser()
    handlers = cli_plots.register(parser.add_subparsers(dest="command"))
    assert sorted(handlers) == ["plot", "report"]
    args = parser.parse_args(["plot", "somewhere", "--format", "svg", "--case", "2"])
    assert args.format == ["svg"] and args.case == 2 and args.results == Path("somewhere")


def test_plot_writes_png_and_svg_into_figures(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["plot", str(results)], capsys)
    assert code == 0, err
    files = sorted(p.name for p in (results / "figures").iterdir())
    assert "case-0-timeline.png" in files and "case-0-money-tree.svg" in files
    assert len(files) == 6  # 3 figures: a single case has no loss or delay distribution
    printed = [Path(line) for line in out.splitlines()]
    assert len(printed) == 6 and all(p.parent == results / "figures" and p.is_file()
                                      for p in printed)
    assert "run folder" in err


def test_plot_options(results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(["plot", str(results), "--format", "png", "--out", str(tmp_path / "f"),
                      "--case", "0"], capsys)
    assert code == 0
    assert all(p.suffix == ".png" for p in (tmp_path / "f").iterdir())


def test_bad_format_is_a_usage_error(results: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run(["plot", str(results), "--format", "png,pdf"], capsys)
    assert exit_info.value.code == 2
    assert "unknown format pdf; allowed: png, svg" in capsys.readouterr().err


def test_not_a_results_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["plot", str(tmp_path)], capsys)
    assert code == 2
    assert "no manifest.json" in err and "Traceback" not in err
    code, _, err = run(["report", str(tmp_path)], capsys)
    assert code == 2 and "fraudsim report:" in err


def test_a_case_that_does_not_exist_exits_2(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["plot", str(results), "--case", "7", "--out", str(tmp_path)], capsys)
    assert code == 2
    assert "--case 7: this run has 1 cases" in err


def test_report_writes_one_html_file(results: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["report", str(results)], capsys)
    assert code == 0
    assert out.strip() == str(results / "report.html")
    text = (results / "report.html").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.count("<img ") == 3


def test_importing_the_cli_and_the_package_does_not_import_matplotlib() -> None:
    code = (
        "import sys, fraudsim, fraudsim.cli, fraudsim.cli_plots, fraudsim.results, "
        "fraudsim.report_text; assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_importing_plotting_changes_no_global_matplotlib_state() -> None:
    code = (
        "import matplotlib as mpl; before = dict(mpl.rcParams); backend = mpl.get_backend(); "
        "import fraudsim.plotting, fraudsim.report_html; "
        "assert dict(mpl.rcParams) == before; assert mpl.get_backend() == backend; "
        "import matplotlib._pylab_helpers as h; assert not h.Gcf.figs"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_only_the_plotting_package_imports_matplotlib() -> None:
    package = ROOT / "fraudsim"
    offenders = [
        str(p.relative_to(ROOT)) for p in package.rglob("*.py")
        if "plotting" not in p.parts
        and any(line.lstrip().startswith(("import matplotlib", "from matplotlib"))
                for line in p.read_text(encoding="utf-8").splitlines())
    ]
    assert offenders == []


def test_a_missing_case_of_a_comparison_writes_no_figure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "exp"
    fraudsim.compare(xiamen(), ["as_reported", "manual_counter"], replications=2, workers=1,
                     out=folder)
    out = tmp_path / "figs"
    code, _, err = run(["plot", str(folder), "--out", str(out), "--case", "99999"], capsys)
    assert code == 2
    assert "99999" in err
    assert not out.exists()
