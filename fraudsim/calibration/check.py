"""Checking a scenario against its targets: replications, means, intervals, verdicts.

Each policy named by a target runs replications ``0 .. n-1`` with the root
seed, exactly as ``fraudsim compare`` runs them (common random numbers, the
same warm-up cut). Every target's observable is measured in every
replication; its mean and 95% confidence interval over the replications
(Student's t, from :mod:`fraudsim.experiments.stats`) are converted to the
fact's unit and scale and compared with the published value:

* ``near``: the mean is within the tolerance of the published value;
* ``at_least`` / ``at_most``: the published value is a bound the mean may
  miss by no more than the tolerance.

The tolerance says how closely the model must match a figure that is itself
rounded, secondary or from another place; the interval says how well the
replications pin the model's own value down.
"""

from __future__ import annotations

import math
import multiprocessing
from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from fraudsim.api import simulate
from fraudsim.calibration.goals import Goal, resolve
from fraudsim.calibration.observables import Replication, measure, needs_run
from fraudsim.experiments.stats import Estimate, estimate
from fraudsim.scenario.loading import ScenarioError
from fraudsim.scenario.policies import scenario_for_policy
from fraudsim.scenario.schema import Scenario
from fraudsim.scenario.targets import Target
from fraudsim.seeds import Fact, load_facts

MISSED = 10.0
"""Residual (in tolerances) of a value the model cannot produce at all (NaN)."""


@dataclass(frozen=True)
class Outcome:
    """One published value against the model.

    Attributes:
        goal: The target it belongs to.
        label: The bin, for a distribution ("" otherwise).
        published: The published value, in the fact's unit.
        simulated: Mean and 95% interval over the replications, in the fact's unit.
        allowed: The tolerance, in the fact's unit.
        passed: Whether the target's rule is met.
        residual: Signed miss in tolerances (0 when a bound is met), for fitting.
    """

    goal: Goal
    label: str
    published: float
    simulated: Estimate
    allowed: float
    passed: bool
    residual: float


@dataclass(frozen=True)
class CheckReport:
    """Every target of a scenario checked.

    Attributes:
        outcomes: One row per published value (bins of a distribution apart).
        replications: Replications run per policy.
        seed: Root seed.
    """

    outcomes: list[Outcome]
    replications: int
    seed: int

    @property
    def passed(self) -> bool:
        """Whether every target passed (a scenario without targets passes)."""
        return all(o.passed for o in self.outcomes)

    def error(self) -> float:
        """Return the sum of squared residuals (in tolerances): what calibration minimises."""
        return math.fsum(o.residual**2 for o in self.outcomes)


def judge(compare: str, published: float, mean: float, allowed: float) -> tuple[bool, float]:
    """Return whether a mean meets a target's rule, and its residual in tolerances."""
    if math.isnan(mean):
        return False, MISSED
    miss = mean - published
    if compare == "at_least":
        miss = min(0.0, miss)
    elif compare == "at_most":
        miss = max(0.0, miss)
    return abs(miss) <= allowed, miss / allowed


def goals_for(scenario: Scenario, facts: Mapping[str, Fact] | None = None) -> list[Goal]:
    """Resolve the scenario's targets, raising every problem at once.

    Raises:
        ScenarioError: If a target names an unknown fact, policy, layer or
            channel, or its fact cannot be compared with its observable.
    """
    goals, problems = resolve(scenario, load_facts() if facts is None else facts)
    if problems:
        raise ScenarioError(scenario.name, problems)
    return goals


def _measure_one(args: tuple[dict[str, Any], int, int, list[dict[str, Any]],
                             list[tuple[float, ...] | None]]) -> list[list[float]]:
    """Run (if needed) one replication and measure targets in it (a worker's job)."""
    data, seed, rep, target_data, bins = args
    scenario = Scenario.model_validate(data)
    targets = [Target.model_validate(t) for t in target_data]
    run = any(needs_run(t) for t in targets)
    result = simulate(scenario, seed=seed, replication=rep) if run else None
    replication = Replication(scenario, seed, rep, result)
    return [measure(t, replication, b) for t, b in zip(targets, bins, strict=True)]


def _jobs(scenario: Scenario, goals: Sequence[Goal], seed: int, replications: int) -> list[Any]:
    """Return one job per policy and replication, and the goals each measures."""
    by_policy: dict[str, list[Goal]] = defaultdict(list)
    for g in goals:
        by_policy[g.target.policy].append(g)
    jobs = []
    for policy, group in by_policy.items():
        data = scenario_for_policy(scenario, policy).model_dump(mode="json", by_alias=True)
        targets = [g.target.model_dump(mode="json") for g in group]
        bins = [g.bins for g in group]
        jobs += [((data, seed, r, targets, bins), group) for r in range(replications)]
    return jobs


def measure_goals(scenario: Scenario, goals: Sequence[Goal], replications: int,
                  seed: int, workers: int = 1) -> dict[int, np.ndarray[Any, Any]]:
    """Return per goal index an array (replication x value) in the fact's unit and scale."""
    jobs = _jobs(scenario, goals, seed, replications)
    args = [a for a, _ in jobs]
    if workers > 1 and len(args) > 1:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            results = list(pool.map(_measure_one, args))
    else:
        results = [_measure_one(a) for a in args]
    rows: dict[int, list[list[float]]] = defaultdict(list)
    for (_, group), measured in zip(jobs, results, strict=True):
        for goal, values in zip(group, measured, strict=True):
            rows[goal.index].append([v * goal.factor for v in values])
    return {i: np.asarray(v, dtype=np.float64) for i, v in rows.items()}


def evaluate(goals: Sequence[Goal], values: Mapping[int, np.ndarray[Any, Any]]) -> list[Outcome]:
    """Compare the replications' means with the published values."""
    out = []
    for goal in goals:
        table = values[goal.index]
        for k, (label, published) in enumerate(zip(goal.labels, goal.published, strict=True)):
            est = estimate(table[:, k])
            ok, residual = judge(goal.target.compare, published, est.mean, goal.allowed[k])
            out.append(Outcome(goal, label, published, est, goal.allowed[k], ok, residual))
    return out


def check_scenario(
    scenario: Scenario,
    replications: int = 10,
    seed: int | None = None,
    workers: int = 1,
    facts: Mapping[str, Fact] | None = None,
) -> CheckReport:
    """Run a scenario and judge every one of its targets.

    Args:
        scenario: A validated scenario with ``targets``.
        replications: Replications per policy (at least 2, for an interval).
        seed: Root seed (default: the scenario's).
        workers: Worker processes (1 = this process).
        facts: Seed facts (default: the repository's ``seeds/``).

    Raises:
        ScenarioError: If a target cannot be resolved (see :func:`goals_for`).
        ValueError: If fewer than 2 replications are asked for.
    """
    if replications < 2:
        raise ValueError("at least 2 replications are needed for a confidence interval")
    goals = goals_for(scenario, facts)
    root = scenario.seed if seed is None else seed
    values = measure_goals(scenario, goals, replications, root, workers)
    return CheckReport(evaluate(goals, values), replications, root)
