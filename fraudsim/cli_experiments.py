"""The ``fraudsim compare`` and ``fraudsim sweep`` sub-commands.

``register`` adds both to the ``fraudsim`` argument parser and returns their
handlers. Exit codes follow the rest of the command: 0 success, 2 bad input
(scenario, arguments, a results folder holding another experiment), 1 a
replication failed (finished replications are kept; rerun to resume), 130
interrupted (finished replications are kept; rerun to resume).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fraudsim.cli_args import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    MAX_REPLICATIONS,
    MAX_WORKERS,
    Handler,
    add_scenario_args,
    positive_share,
    whole_number,
)
from fraudsim.scenario.loading import load_scenario


def _common(p: argparse.ArgumentParser, default_n: int) -> None:
    """Add the arguments compare and sweep share."""
    add_scenario_args(p)
    p.add_argument("--policies", metavar="A,B,...",
                   help="policies to run (compare: all declared by default, sweep: the "
                   "baseline; 'base' is the plain scenario)")
    p.add_argument("--baseline", metavar="NAME", help="policy to compare against "
                   "(default: the scenario's baseline_policy, else the first policy)")
    n = p.add_mutually_exclusive_group()
    n.add_argument("--replications", type=whole_number(2, MAX_REPLICATIONS), default=default_n,
                   metavar="N", help=f"replications per policy (default {default_n})")
    n.add_argument("--precision", type=positive_share, metavar="H",
                   help="add replications until every headline 95%% half-width is at most H "
                   "times its mean (e.g. 0.05 = ±5%%)")
    p.add_argument("--precision-on", metavar="MEASURE,...",
                   help="measures the --precision rule applies to (default: every headline "
                   "measure), e.g. saved_fen,lost_fen")
    # No default here: None tells "not given" apart, so that a cap given
    # without --precision is refused (see _check_cap) instead of ignored.
    p.add_argument("--max-replications", type=whole_number(2, MAX_REPLICATIONS), metavar="N",
                   help="cap of the --precision rule (default 200)")
    p.add_argument("--workers", type=whole_number(1, MAX_WORKERS), metavar="N",
                   help="worker processes (default: all cores; 1 = no pool)")
    p.add_argument("--dask", metavar="tcp://HOST:PORT|local",
                   help="run on a Dask cluster (needs fraudsim[dask]); 'local' starts one")
    p.add_argument("--out", type=Path, metavar="DIR", help="results folder (resumable)")
    p.add_argument("--seed", type=whole_number(0), help="root seed (default: the scenario's)")
    p.add_argument("--keep-cases", action="store_true",
                   help="also keep every replication's case table")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def register(subparsers: Any) -> dict[str, Handler]:
    """Add the ``compare`` and ``sweep`` sub-commands; return their handlers."""
    compare = subparsers.add_parser(
        "compare", help="compare policies with common random numbers and confidence intervals")
    _common(compare, 20)
    sweep = subparsers.add_parser(
        "sweep", help="vary one or two parameters over a grid and write the outcome curve")
    _common(sweep, 20)
    sweep.add_argument("--vary", action="append", required=True, metavar="KEY=V1,V2,...",
                       help="a parameter and its values (give --vary once or twice)")
    return {"compare": cmd_compare, "sweep": cmd_sweep}


def _check_cap(name: str, args: argparse.Namespace) -> int | None:
    """Refuse the precision rule's options without --precision; return the exit code, or None.

    The cap only bounds the precision rule, and --precision-on only says
    which measures it watches; a fixed run uses --replications. Ignored
    silently, ``--max-replications 5 --replications 10`` ran 10.
    """
    if args.precision is not None:
        return None
    if args.max_replications is not None:
        print(f"fraudsim {name}: error: argument --max-replications: only with --precision "
              "(it caps the precision rule; a fixed count is --replications N)", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.precision_on is not None:
        print(f"fraudsim {name}: error: argument --precision-on: only with --precision "
              "(it names the measures the precision rule watches)", file=sys.stderr)
        return EXIT_BAD_INPUT
    return None


def _options(args: argparse.Namespace, out: Path) -> dict[str, Any]:
    policies = None if args.policies is None else args.policies.split(",")
    return {"policies": policies, "baseline": args.baseline,
            "replications": args.replications, "precision": args.precision,
            "workers": args.workers, "dask": args.dask, "out": out, "seed": args.seed,
            "keep_cases": args.keep_cases, "progress": not args.quiet,
            "command": ["fraudsim", *sys.argv[1:]],
            **({} if args.max_replications is None
               else {"max_replications": args.max_replications}),
            **({} if args.precision_on is None
               else {"precision_on": tuple(args.precision_on.split(","))})}


def _guarded(name: str, out: Path, run: Callable[[], str]) -> int:
    """Run an experiment, turning its failures into messages and exit codes."""
    from fraudsim.experiments.errors import ExperimentError, ReplicationError

    try:
        text = run()
    except ExperimentError as err:
        print(f"fraudsim {name}: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ReplicationError as err:
        print(f"fraudsim {name}: {err.what} failed: {err.error}", file=sys.stderr)
        print(f"the experiment stopped; {err.kept} finished replications are kept in {out}/; "
              "run the same command again to resume", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"fraudsim {name}: interrupted; finished replications are kept in {out}/; run the "
              "same command again to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(text)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare policies and print means, paired differences and the ranking."""
    if (refused := _check_cap("compare", args)) is not None:
        return refused
    from fraudsim.experiments.api import compare
    from fraudsim.experiments.report import comparison_text

    scenario = load_scenario(args.scenario, args.overrides)
    out: Path = args.out or Path("results") / f"{scenario.name}-compare"

    def run() -> str:
        result = compare(scenario, **_options(args, out))
        return (comparison_text(result, scenario.name) + f"\n\nresults written to {out}/ "
                "(policies.csv, differences.csv, replications.parquet, manifest.json)")

    return _guarded("compare", out, run)


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run a sweep and print the outcome curve of money saved and lost."""
    if (refused := _check_cap("sweep", args)) is not None:
        return refused
    from fraudsim.experiments.api import run_sweep
    from fraudsim.experiments.errors import ExperimentError
    from fraudsim.experiments.report import sweep_text
    from fraudsim.experiments.sweep import parse_vary

    scenario = load_scenario(args.scenario, args.overrides)
    out: Path = args.out or Path("results") / f"{scenario.name}-sweep"

    def run() -> str:
        vary = dict(parse_vary(text) for text in args.vary)
        if len(vary) != len(args.vary):
            raise ExperimentError("the same key is given to --vary twice")
        result = run_sweep(scenario, vary, **_options(args, out))
        return (sweep_text(result, scenario.name) + f"\n\nresults written to {out}/ "
                "(curve.csv, curve.parquet, replications.parquet, manifest.json)")

    return _guarded("sweep", out, run)
