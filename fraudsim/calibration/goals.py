"""Targets resolved against the seed facts: published values, units, tolerances.

Before anything runs, every target of a scenario is checked against the
seed facts and the scenario itself: the fact must exist and carry a number
(or bins, for a distribution), its unit must be comparable with the
observable's, and the policy, mule layer, cash-out channels and metrics
named must exist. Every problem is reported at once, with its key path
(``targets.2.fact``), like any other scenario problem.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass

from fraudsim.calibration.observables import (
    TargetError,
    conversion,
    known_metrics,
    native_unit,
    unknown_metric_text,
)
from fraudsim.scenario.policies import BASE_POLICY
from fraudsim.scenario.schema import Scenario
from fraudsim.scenario.targets import Target
from fraudsim.seeds import Fact

Problem = tuple[str, str]
"""A problem found: the key path and what is wrong."""


@dataclass(frozen=True)
class Goal:
    """A target with everything needed to judge it.

    Attributes:
        index: Position of the target in the scenario's ``targets``.
        target: The target as declared.
        fact: The seed fact it is held to.
        published: The published value, or the share of each bin.
        labels: What each value is (the bin, for a distribution).
        factor: Turns the observable's native unit into the fact's, times ``scale``.
        allowed: The tolerance of each value, in the fact's unit.
    """

    index: int
    target: Target
    fact: Fact
    published: tuple[float, ...]
    labels: tuple[str, ...]
    factor: float
    allowed: tuple[float, ...]

    @property
    def bins(self) -> tuple[float, ...] | None:
        """Return the bin edges of a binned fact."""
        return self.fact.bins


def _bin_labels(bins: tuple[float, ...]) -> tuple[str, ...]:
    def edge(x: float) -> str:
        return "inf" if math.isinf(x) else f"{x:g}"

    return tuple(f"[{edge(lo)}, {edge(hi)})" for lo, hi in itertools.pairwise(bins))


def _values(target: Target, fact: Fact) -> tuple[tuple[float, ...], tuple[str, ...]]:
    """Return the published values of a fact and their labels, as the target reads them."""
    if target.observable == "delay_shares":
        if fact.bins is None or fact.shares is None:
            raise TargetError(f"fact {fact.id!r} has no bins; delay_shares needs a distribution")
        return fact.shares, _bin_labels(fact.bins)
    if fact.value is None:
        raise TargetError(f"fact {fact.id!r} has no value (qualitative or binned)")
    return (fact.value,), ("",)


def _factor(target: Target, fact: Fact) -> float:
    unit = native_unit(target)
    fact_unit = "share" if target.observable == "delay_shares" else (fact.unit or "")
    return conversion(unit, fact_unit) * target.scale


def _scenario_problems(target: Target, scenario: Scenario) -> list[str]:
    """Return what the target names that the scenario does not have."""
    out = []
    if target.policy != BASE_POLICY and target.policy not in scenario.policies:
        declared = ", ".join(scenario.policies) or "(none)"
        out.append(f"unknown policy {target.policy!r}; declared: {declared}")
    if target.observable == "mule_exit_share" and target.layer >= len(scenario.mule_network.layers):
        out.append(f"layer {target.layer} does not exist "
                   f"({len(scenario.mule_network.layers)} layers, counted from 0)")
    if target.observable == "metric":
        known = known_metrics(scenario)
        names = [m for m in target.metrics if m not in known]
        if names:
            out.append(unknown_metric_text(names, known))
    unknown = [c for c in target.channels if c not in scenario.mule_network.cash_out]
    if unknown:
        out.append(f"unknown cash-out channel {', '.join(unknown)}; "
                   f"known: {', '.join(scenario.mule_network.cash_out)}")
    return out


def resolve(scenario: Scenario, facts: Mapping[str, Fact]) -> tuple[list[Goal], list[Problem]]:
    """Resolve every target of ``scenario`` against the seed facts.

    Returns:
        The goals, and the problems found (a target with a problem has no goal).
    """
    goals: list[Goal] = []
    problems: list[Problem] = []
    for i, target in enumerate(scenario.targets):
        where = f"targets.{i}"
        fact = facts.get(target.fact)
        if fact is None:
            problems.append((f"{where}.fact", f"unknown seed fact {target.fact!r}"))
            continue
        found = [(where, m) for m in _scenario_problems(target, scenario)]
        try:
            published, labels = _values(target, fact)
            factor = _factor(target, fact)
        except TargetError as err:
            found.append((where, str(err)))
        if found:
            problems += found
            continue
        allowed = tuple(
            target.tolerance if target.tolerance is not None
            else (target.rel_tolerance or 0.0) * abs(p) for p in published)
        if 0.0 in allowed:
            # A share of a published 0 is 0: no miss could ever be measured in it.
            zero = "a bin's published share is 0" if labels[0] else "the published value is 0"
            problems.append((f"{where}.rel_tolerance",
                             f"{zero}, so a relative tolerance allows no miss at all; "
                             "give an absolute tolerance"))
            continue
        goals.append(Goal(i, target, fact, published, labels, factor, allowed))
    return goals, problems
