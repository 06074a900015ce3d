"""Argument types and exit codes shared by every ``fraudsim`` sub-command."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import Final

from fraudsim.scenario.loading import ScenarioError

EXIT_FAILED = 1
"""A check, target or replication failed."""
EXIT_BAD_INPUT = 2
"""Bad input: scenario, overrides, arguments, or a results folder of another experiment."""
EXIT_INTERRUPTED = 130
"""Interrupted by Ctrl-C (what was finished is kept)."""

MAX_INT64: Final = 2**63 - 1
"""Largest whole number an argument may be: result tables keep seeds, replication
numbers and counts as 64-bit integers (a scenario's seed has the same bound)."""

MAX_REPLICATIONS: Final = 100_000
"""Most replications per policy and grid point: the jobs are planned up front,
and a 95% interval narrows as one over the square root of their number, so a
hundred thousand is far beyond any question (and days of runs of a large
scenario); a slip of a few zeros is refused instead of filling memory."""
MAX_WORKERS: Final = 1024
"""Most worker processes asked for (a pool never starts more than its jobs)."""

Handler = Callable[[argparse.Namespace], int]
"""Runs a parsed sub-command and returns its exit code."""


def with_source(path: Path, err: ScenarioError) -> ScenarioError:
    """Return the problems of ``err`` as the scenario file's own (named by its path).

    Targets are resolved after the file has loaded, under the scenario's
    name; the command reports them under the file the user gave.
    """
    return ScenarioError(str(path), err.problems)


def whole_number(least: int, most: int = MAX_INT64) -> Callable[[str], int]:
    """Return an argument type accepting whole numbers from ``least`` to ``most``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}")
        if value > most:
            raise argparse.ArgumentTypeError(f"must be at most {most}")
        return value

    return parse


def positive_share(text: str) -> float:
    """Argument type of a positive, finite share such as a relative precision (0.05)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError("must be a positive share, e.g. 0.05")
    return value


def add_scenario_args(p: argparse.ArgumentParser, what: str = "scenario file (TOML)") -> None:
    """Add the scenario file argument and its ``--set`` overrides."""
    p.add_argument("scenario", type=Path, help=what)
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario value, e.g. --set banks.b1.stop_latency_min=10",
    )
