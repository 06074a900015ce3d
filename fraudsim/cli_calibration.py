"""The ``fraudsim verify``, ``fraudsim check`` and ``fraudsim calibrate`` sub-commands.

``register`` adds them to the ``fraudsim`` argument parser and returns their
handlers. Exit codes follow the rest of the command: 0 success, 1 a check or
target failed, 2 bad input (scenario, targets, arguments).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fraudsim.cli_args import (
    EXIT_FAILED,
    MAX_REPLICATIONS,
    MAX_WORKERS,
    Handler,
    add_scenario_args,
    whole_number,
    with_source,
)
from fraudsim.scenario.loading import ScenarioError, load_scenario


def _scenario_args(p: argparse.ArgumentParser, replications: int) -> None:
    add_scenario_args(p, "scenario file (TOML) with [[targets]]")
    p.add_argument("--replications", type=whole_number(2, MAX_REPLICATIONS),
                   default=replications, metavar="N",
                   help=f"replications per policy (default {replications})")
    p.add_argument("--seed", type=whole_number(0), help="root seed (default: the scenario's)")
    p.add_argument("--workers", type=whole_number(1, MAX_WORKERS), default=1, metavar="N",
                   help="worker processes (default 1 = this process)")


def register(subparsers: Any) -> dict[str, Handler]:
    """Add the ``verify``, ``check`` and ``calibrate`` sub-commands; return their handlers."""
    verify = subparsers.add_parser(
        "verify", help="run reduced forms of the model against known answers (queueing "
        "theory, configured distributions, conservation of money)")
    verify.add_argument("--quick", action="store_true",
                        help="fewer replications and samples (the same checks; for tests)")
    verify.add_argument("--base", type=Path, metavar="FILE",
                        help="base scenario of the reductions (default scenarios/verify-base.toml)")
    check = subparsers.add_parser(
        "check", help="run a scenario and compare it with its published targets")
    _scenario_args(check, 10)
    calibrate = subparsers.add_parser(
        "calibrate", help="fit scenario parameters to the scenario's targets")
    _scenario_args(calibrate, 5)
    calibrate.add_argument("--fit", required=True, metavar="KEY[=LOW:HIGH],...",
                           help="parameters to fit, comma-separated key paths with optional "
                           "bounds, e.g. mule_network.layers.0.dwell_min.median=5:120")
    calibrate.add_argument("--max-evals", type=whole_number(2), default=60, metavar="N",
                           help="most candidate parameter sets to run (default 60)")
    return {"verify": cmd_verify, "check": cmd_check, "calibrate": cmd_calibrate}


def cmd_verify(args: argparse.Namespace) -> int:
    """Run every verification check and print the pass/fail table."""
    from fraudsim.verify import FULL, QUICK, render, run_verification

    effort = QUICK if args.quick else FULL
    rows = run_verification(quick=args.quick, base_path=args.base)
    print(render(rows, f"fraudsim verify: reduced forms of the model against known answers "
                       f"({effort.describe()})"))
    return 0 if all(r.passed for r in rows) else EXIT_FAILED


def cmd_check(args: argparse.Namespace) -> int:
    """Run a scenario's replications and print each target's verdict."""
    from fraudsim.calibration import check_scenario
    from fraudsim.calibration.report import check_text

    scenario = load_scenario(args.scenario, args.overrides)
    try:
        report = check_scenario(scenario, args.replications, args.seed, args.workers)
    except ScenarioError as err:
        raise with_source(args.scenario, err) from None
    print(check_text(report, f"fraudsim check {args.scenario}"))
    return 0 if report.passed else EXIT_FAILED


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit the named parameters and print the fitted values and the remaining error."""
    from fraudsim.calibration import calibrate, parse_fit
    from fraudsim.calibration.report import check_text, number, table

    scenario = load_scenario(args.scenario, args.overrides)
    try:
        params = parse_fit(args.fit, scenario)
        fit = calibrate(scenario, params, args.replications, args.seed, args.max_evals,
                        args.workers)
    except ScenarioError as err:
        raise with_source(args.scenario, err) from None
    rows = [(p.path, number(p.start), number(v), f"{number(p.low)} … {number(p.high)}")
            for p, v in zip(fit.parameters, fit.values, strict=True)]
    print(f"fraudsim calibrate {args.scenario}: {fit.evaluations} candidates, "
          f"{args.replications} replications each (common random numbers)\n")
    print("\n".join(table(rows, ("parameter", "scenario", "fitted", "bounds"))))
    print(f"\nerror (sum of squared misses, in tolerances): {fit.start_error:.4g} in the "
          f"scenario, {fit.report.error():.4g} fitted")
    print("to use the fit: " + " ".join(
        f"--set {p.path}={int(v) if p.integer else f'{v:.6g}'}"
        for p, v in zip(fit.parameters, fit.values, strict=True)))
    print()
    print(check_text(fit.report, "targets at the fitted values"))
    return 0 if fit.report.passed else EXIT_FAILED
