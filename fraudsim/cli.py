"""The ``fraudsim`` command: a thin front over the Python API.

Exit codes: 0 success, 2 bad input (scenario, overrides, arguments), 1 an
unexpected failure. Bad input is reported as a list of problems on stderr,
never as a traceback, and leaves no results folder behind.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from fraudsim.cli_args import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    Handler,
    add_scenario_args,
    whole_number,
    with_source,
)
from fraudsim.cli_calibration import register as register_calibration
from fraudsim.cli_experiments import register as register_experiments
from fraudsim.cli_plots import register as register_plots
from fraudsim.engine import StaleEngineError
from fraudsim.scenario.distributions import MoneyRangeError
from fraudsim.scenario.loading import ScenarioError, load_scenario
from fraudsim.scenario.schema import Scenario


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of every sub-command."""
    parser = argparse.ArgumentParser(
        prog="fraudsim", description="Simulate anti-fraud fund interception."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a scenario and write a results folder")
    add_scenario_args(run)
    run.add_argument("--seed", type=whole_number(0), help="root seed (default: the scenario's)")
    run.add_argument("--replication", type=whole_number(0), default=0, help="replication number")
    run.add_argument("--out", type=Path, help="results folder (default: results/<name>)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    trace = sub.add_parser("trace", help="print one case's timeline and money tree")
    add_scenario_args(trace)
    trace.add_argument("--case", type=int, required=True, help="case id (row of cases.parquet)")
    trace.add_argument("--seed", type=whole_number(0), help="root seed (default: the scenario's)")
    trace.add_argument("--replication", type=whole_number(0), default=0, help="replication number")

    validate = sub.add_parser("validate", help="check a scenario file without running it")
    add_scenario_args(validate)

    sub.add_parser("schema", help="print the JSON Schema of scenario files")
    handlers = {
        **COMMANDS,
        **register_experiments(sub),
        **register_plots(sub),
        **register_calibration(sub),
    }
    for name, handler in handlers.items():
        sub.choices[name].set_defaults(handler=handler)
    return parser


def _load(args: argparse.Namespace) -> Scenario:
    return load_scenario(args.scenario, args.overrides)


def _progress_bar(
    scenario: Scenario, quiet: bool
) -> tuple[Callable[[float], None], Callable[[], None]]:
    """Return a progress callback over simulated days, and a closer."""
    from tqdm import tqdm

    days = scenario.time.horizon_days + scenario.time.drain_days
    bar = tqdm(
        total=round(days, 2),
        unit="day",
        desc="simulating",
        disable=quiet or None,
        leave=False,
        file=sys.stderr,
    )

    def update(minute: float) -> None:
        bar.update(round(minute / 1440.0, 2) - bar.n)

    return update, bar.close


def cmd_run(args: argparse.Namespace) -> int:
    """Run a scenario, print the summary and write the results folder."""
    from fraudsim.api import simulate
    from fraudsim.engine import engine
    from fraudsim.report_text import summary_text
    from fraudsim.results import DestinationError, check_destination, write_results

    scenario = _load(args)
    out = args.out or Path("results") / scenario.name
    try:
        check_destination(out)  # before the run, not after it
    except DestinationError as err:
        print(f"fraudsim run: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    update, close = _progress_bar(scenario, args.quiet)
    try:
        result = simulate(scenario, seed=args.seed, replication=args.replication, progress=update)
    finally:
        close()
    write_results(result, out, args.command_line, args.overrides)
    print(summary_text(result))
    # The engine is named because a machine without a C compiler installs
    # the slower Python one, and the install says so only when verbose.
    print(
        f"results written to {out}/ ({result.cases.num_rows} cases, "
        f"{result.stats['wall_s']:.2f} s, {engine()} engine)"
    )
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    """Print one case's timeline and money tree."""
    from fraudsim.api import simulate
    from fraudsim.report_text import timeline_text, tree_text

    scenario = _load(args)
    try:
        result = simulate(
            scenario, seed=args.seed, replication=args.replication, trace_case=args.case
        )
    except ValueError as err:
        print(f"fraudsim trace: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(timeline_text(result, args.case))
    print()
    print(tree_text(result))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check a scenario file, its targets against the seed facts, and say what it holds."""
    from fraudsim.calibration import goals_for

    scenario = _load(args)
    try:
        goals_for(scenario)  # what fraudsim check would refuse, refused here too
    except ScenarioError as err:
        raise with_source(args.scenario, err) from None
    print(
        f"{args.scenario}: valid scenario {scenario.name!r}: {len(scenario.scam_types)} scam "
        f"types, {len(scenario.regions)} regions, {len(scenario.banks)} banks, "
        f"{len(scenario.mule_network.layers)} mule layers, "
        f"{len(scenario.scripted_cases)} scripted cases, {len(scenario.targets)} targets"
    )
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of scenario files."""
    schema = Scenario.model_json_schema(by_alias=True)
    print(json.dumps(schema, indent=2, sort_keys=True))
    return 0


COMMANDS: dict[str, Handler] = {
    "run": cmd_run,
    "trace": cmd_trace,
    "validate": cmd_validate,
    "schema": cmd_schema,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``fraudsim`` command; returns the exit code."""
    words = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(words)
    args.command_line = ["fraudsim", *words]
    try:
        handler: Handler = args.handler
        return handler(args)
    except ScenarioError as err:
        print(f"{err.source}: {len(err.problems)} problem(s):", file=sys.stderr)
        print(err.render(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except MoneyRangeError as err:
        # Valid input whose draws were too large for exact money (a rare
        # draw from a heavy tail): the scenario's to change, in one line.
        print(f"fraudsim {words[0]}: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted; no results were written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader has gone (``fraudsim schema | head``): stop quietly, as
        # Unix tools do, and keep Python from complaining at exit too.
        with contextlib.suppress(OSError, ValueError):  # stdout without a descriptor
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except (StaleEngineError, OSError) as err:
        # A folder that cannot be written, a full disk (what was complete is
        # kept: every folder is written atomically), or FRAUDSIM_ENGINE=compiled
        # with an engine older than its sources: said in one line.
        print(f"fraudsim {words[0]}: {err}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
