"""Which policies an experiment compares, and the scenario each one runs.

A scenario declares its policies (``[policies.<name>]``); an experiment runs
all of them, or those asked for, plus the plain scenario under the name
``base`` if asked for (or if none is declared). One policy is the baseline
the others are compared against: the one asked for, else the scenario's
``baseline_policy``, else the first selected. A baseline named but not
selected is refused, never swapped for another: differences against a
baseline the analyst did not choose would be read as the ones asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fraudsim.experiments.errors import ExperimentError
from fraudsim.scenario.policies import BASE_POLICY, scenario_for_policy
from fraudsim.scenario.schema import Scenario


@dataclass(frozen=True)
class Cell:
    """One policy at one grid point: what its replications run.

    Attributes:
        point: Grid point of a sweep (0 in a comparison).
        policy: Policy name.
        scenario: The policy's scenario at this point, as plain data.
        label: The grid point's settings, for people ("" in a comparison).
    """

    point: int
    policy: str
    scenario: dict[str, Any]
    label: str = ""


def select_policies(scenario: Scenario, names: Sequence[str] | None,
                    baseline: str | None = None) -> list[str]:
    """Return the policies to run, in the order given (default: all declared).

    The default selection also runs the plain scenario when it is the
    baseline (``baseline="base"``, or the scenario's ``baseline_policy``):
    a baseline must be run to be compared against.

    Args:
        scenario: The validated scenario.
        names: Policies asked for, or None for the default selection.
        baseline: Baseline asked for, if any (it overrides ``baseline_policy``).

    Raises:
        ExperimentError: If a name is unknown or repeated.
    """
    declared = list(scenario.policies)
    if names is None:
        wanted = baseline if baseline is not None else scenario.baseline_policy
        plain = [BASE_POLICY] if wanted == BASE_POLICY and BASE_POLICY not in declared else []
        return plain + declared or [BASE_POLICY]
    chosen = [n.strip() for n in names if n.strip()]
    if not chosen:
        raise ExperimentError("no policy selected")
    unknown = [n for n in chosen if n not in declared and n != BASE_POLICY]
    if unknown:
        known = ", ".join(declared) or "(none declared)"
        raise ExperimentError(
            f"unknown policy {', '.join(map(repr, unknown))}; the scenario declares: {known} "
            f"(and {BASE_POLICY!r} is the plain scenario)")
    repeated = sorted({n for n in chosen if chosen.count(n) > 1})
    if repeated:
        raise ExperimentError(f"policy selected more than once: {', '.join(repeated)}")
    return chosen


def order_with_baseline(
    scenario: Scenario, selected: list[str], baseline: str | None
) -> list[str]:
    """Return the selected policies with the baseline first.

    The baseline is ``baseline`` if given, else the scenario's
    ``baseline_policy``, else the first selected policy.

    Raises:
        ExperimentError: If the baseline asked for or declared is not among
            ``selected``.
    """
    chosen = baseline if baseline is not None else scenario.baseline_policy
    if chosen is None:
        chosen = selected[0]
    if chosen not in selected:
        source = "" if baseline is not None else " (the scenario's baseline_policy)"
        raise ExperimentError(f"baseline {chosen!r}{source} is not among the selected "
                              f"policies: {', '.join(selected)}")
    return [chosen] + [p for p in selected if p != chosen]


def policy_order(scenario: Scenario, names: Sequence[str] | None = None,
                 baseline: str | None = None) -> list[str]:
    """Return the policies an experiment runs, baseline first.

    With no names and no baseline this is the scenario's full comparison,
    what a default ``fraudsim compare`` runs: figures colour every policy by
    its place in it, so a policy looks the same in every experiment.

    Args:
        scenario: The validated scenario.
        names: Policies asked for, or None for the default selection
            (see :func:`select_policies`).
        baseline: Baseline asked for, if any (see :func:`order_with_baseline`).

    Raises:
        ExperimentError: If a name is unknown or repeated, or the baseline is
            not among the selected policies.
    """
    return order_with_baseline(scenario, select_policies(scenario, names, baseline), baseline)


def policy_cells(scenario: Scenario, policies: Sequence[str], point: int = 0,
                 label: str = "") -> list[Cell]:
    """Return the cells of ``policies`` at one grid point, built from ``scenario``."""
    return [
        Cell(point, name, scenario_for_policy(scenario, name).model_dump(
            mode="json", by_alias=True), label)
        for name in policies
    ]
