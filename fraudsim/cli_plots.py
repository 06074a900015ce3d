"""The ``fraudsim plot`` and ``fraudsim report`` sub-commands.

``fraudsim plot RESULTS_DIR`` draws every figure that applies to a results
folder of ``fraudsim run``, ``compare`` or ``sweep`` (PNG and SVG, into
``RESULTS_DIR/figures/``); ``fraudsim report RESULTS_DIR`` writes one
self-contained HTML file (``RESULTS_DIR/report.html``). Matplotlib is
imported only when one of them runs.

Exit codes: 0 success, 2 bad input (not a results folder, a missing table,
a case that does not exist).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fraudsim.cli_args import EXIT_BAD_INPUT, Handler, whole_number

FORMATS = ("png", "svg")


def _formats(text: str) -> list[str]:
    chosen = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown format {', '.join(unknown) or '(none)'}; allowed: {', '.join(FORMATS)}")
    return list(dict.fromkeys(chosen))


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> dict[str, Handler]:
    """Add the ``plot`` and ``report`` sub-commands; return their handlers by name."""
    plot = subparsers.add_parser("plot", help="draw the figures of a results folder (PNG, SVG)")
    plot.add_argument("results", type=Path, metavar="RESULTS_DIR",
                      help="results folder of fraudsim run, compare or sweep")
    plot.add_argument("--format", type=_formats, default=list(FORMATS), metavar="png,svg",
                      help="file formats, comma-separated (default: png,svg)")
    plot.add_argument("--out", type=Path, help="folder for the figures "
                      "(default: RESULTS_DIR/figures)")
    plot.add_argument("--case", type=whole_number(0), help="case id of the timeline and money tree "
                      "(default: the Xiamen replay's case 0, else the largest exposure)")
    report = subparsers.add_parser("report", help="write one self-contained HTML report")
    report.add_argument("results", type=Path, metavar="RESULTS_DIR",
                        help="results folder of fraudsim run, compare or sweep")
    report.add_argument("--out", type=Path, help="HTML file (default: RESULTS_DIR/report.html)")
    report.add_argument("--case", type=whole_number(0),
                        help="case id of the timeline and money tree")
    return {"plot": cmd_plot, "report": cmd_report}


def cmd_plot(args: argparse.Namespace) -> int:
    """Draw every figure that applies to the folder."""
    from fraudsim.plotting import ResultsFolderError, open_folder, write_figures

    out = args.out or args.results / "figures"
    if _blocked("plot", out):
        return EXIT_BAD_INPUT
    try:
        folder = open_folder(args.results)
        paths = write_figures(folder, out, args.format, args.case)
    except ResultsFolderError as err:
        print(f"fraudsim plot: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for path in paths:
        print(path)
    print(f"{len(paths)} files written to {out}/ ({folder.kind} folder)", file=sys.stderr)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write the HTML report of the folder."""
    from fraudsim.plotting import ResultsFolderError, open_folder
    from fraudsim.report_html import write_report

    target = args.out or args.results / "report.html"
    if _blocked("report", target.parent):
        return EXIT_BAD_INPUT
    try:
        folder = open_folder(args.results)
        out = write_report(folder, target, args.case)
    except ResultsFolderError as err:
        print(f"fraudsim report: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(out)
    return 0


def _blocked(command: str, folder: Path) -> bool:
    """Say so, and return True, if a file stands where ``folder`` must be made."""
    from fraudsim.results import file_in_the_way

    blocking = file_in_the_way(folder)
    if blocking is not None:
        print(f"fraudsim {command}: {blocking} is a file, not a folder; choose another --out",
              file=sys.stderr)
    return blocking is not None
