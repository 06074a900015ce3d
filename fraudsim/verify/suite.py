"""The whole verification suite: every check, in the order the table shows them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraudsim.scenario.loading import ScenarioError, validate_scenario
from fraudsim.verify.base import default_base_path, load_base, reduced
from fraudsim.verify.delays import delay_checks
from fraudsim.verify.money import BUSY_WORLD, money_checks
from fraudsim.verify.queues import infinite_server_checks, queue_checks
from fraudsim.verify.results import CheckResult


@dataclass(frozen=True)
class Effort:
    """How much simulation the checks do.

    Attributes:
        replications: Independent replications of each M/M/c reduction.
        payments: Payments of the traced victim whose delays are fitted.
    """

    replications: int
    payments: int

    def describe(self) -> str:
        """Return the effort in words for the table's title."""
        return (f"{self.replications} replications per queue, "
                f"{self.payments} traced payments")


NEEDS = ("a scam type named plain, banks bank_a and bank_b, at least two mule layers, "
         "as in scenarios/verify-base.toml")
"""What every reduction of the checks names in the base scenario."""


def check_base(base: dict[str, Any], source: str) -> None:
    """Check that a base scenario is valid and has what the reductions name.

    A base the reductions cannot use would fail every check, which reads as
    a model that fails; it is refused as bad input instead.

    Raises:
        ScenarioError: If the base is invalid, or the busiest reduction
            (every mechanism on) cannot be built from it.
    """
    scenario = validate_scenario(base, source)
    missing = [f"{table}.{name}" for table, names in (("scam_types", ["plain"]),
                                                      ("banks", ["bank_a", "bank_b"]))
               for name in names if name not in getattr(scenario, table)]
    if len(scenario.mule_network.layers) < 2:
        missing.append("mule_network.layers.1")
    if missing:
        raise ScenarioError(source, [(m, f"missing (the checks need {NEEDS})") for m in missing])
    try:
        reduced(base, BUSY_WORLD)
    except ScenarioError as err:
        problems = [(path, f"{message} (the checks need {NEEDS})")
                    for path, message in err.problems]
        raise ScenarioError(source, problems) from None


FULL = Effort(replications=20, payments=10_000)
QUICK = Effort(replications=8, payments=2_000)


def run_verification(quick: bool = False, base_path: Path | None = None) -> list[CheckResult]:
    """Run every verification check and return the table's rows.

    Args:
        quick: Fewer replications and payments (for the test suite); the
            checks and their criteria are the same.
        base_path: The base scenario (default ``scenarios/verify-base.toml``).
    """
    effort = QUICK if quick else FULL
    base = load_base(base_path)
    check_base(base, str(base_path or default_base_path()))
    return [
        *queue_checks(base, effort.replications),
        *infinite_server_checks(base),
        *delay_checks(base, effort.payments),
        *money_checks(base),
    ]
