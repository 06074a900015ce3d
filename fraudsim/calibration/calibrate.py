"""Fitting scenario parameters to the scenario's targets.

``fraudsim calibrate SCENARIO --fit key.path[,key.path...]`` searches the
named parameters, within bounds, for the values that bring every target
closest to its published figure. The error of a candidate is the sum over
target values of the squared miss measured in tolerances (a met bound
counts zero), the same quantity ``fraudsim check`` judges.

Every candidate runs the same replications with the same seed (common
random numbers), so the error is a deterministic function of the parameters
and differences between candidates are not noise from fresh random draws.
The search is Powell's method (scipy; line searches along each parameter
and then along the directions that worked, no derivatives) in the unit box:
each parameter is mapped to [0, 1] between its bounds, on a log scale when
the bounds span a factor of ten or more. Candidates the schema rejects
(e.g. a lognormal p95 below its median) get a large error. Integer
parameters (staff, account pools) are rounded, which leaves flat steps that
the search may stop on. The best candidate seen is returned.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fraudsim.calibration.check import CheckReport, evaluate, goals_for, measure_goals
from fraudsim.scenario.loading import ScenarioError, apply_overrides, node_at, validate_scenario
from fraudsim.scenario.schema import Scenario
from fraudsim.seeds import Fact

REJECTED = 1e9
"""Error of a candidate the scenario schema rejects."""

DEFAULT_SPAN = 4.0
"""Without given bounds, a positive parameter is searched within [x/4, 4x]."""


@dataclass(frozen=True)
class Parameter:
    """A scenario value to fit.

    Attributes:
        path: Key path, as for ``--set`` (``mule_network.layers.0.dwell_min.median``).
        start: The scenario's value.
        low: Lower bound.
        high: Upper bound.
        integer: Whether the value is a whole number (rounded when set).
    """

    path: str
    start: float
    low: float
    high: float
    integer: bool

    @property
    def log_scale(self) -> bool:
        """Whether the search moves on a log scale (bounds a factor of ten apart or more)."""
        return self.low > 0 and self.high / self.low >= 10

    def to_unit(self, x: float) -> float:
        """Map a value to [0, 1] between the bounds."""
        if self.high == self.low:
            return 0.0
        if self.log_scale:
            return math.log(x / self.low) / math.log(self.high / self.low)
        return (x - self.low) / (self.high - self.low)

    def from_unit(self, u: float) -> float:
        """Map a point of [0, 1] back to a value (rounded for integers)."""
        u = min(1.0, max(0.0, float(u)))
        if self.log_scale:
            x = self.low * (self.high / self.low) ** u
        else:
            x = self.low + u * (self.high - self.low)
        return float(round(x)) if self.integer else float(x)


def value_at(data: Any, path: str) -> Any:
    """Return the value at a key path of plain scenario data (None if absent)."""
    node = node_at(data, path)
    if isinstance(node, Mapping) and node.get("kind") == "constant":
        return node.get("value")
    return node


def _is_share(path: str) -> bool:
    last = path.rsplit(".", 1)[-1]
    return last.endswith(("_prob", "_share")) or last == "share"


def parse_fit(spec: str, scenario: Scenario) -> list[Parameter]:
    """Read ``--fit`` (``a.b,c.d=LOW:HIGH``) into parameters with bounds.

    Without bounds, probabilities and shares are searched in [0, 1] and other
    values within a factor of four of the scenario's value.

    Raises:
        ScenarioError: If a key is empty, given twice or the seed, a path
            holds no number, or bounds are malformed.
    """
    data = scenario.model_dump(mode="json", by_alias=True)
    params, problems = [], []
    seen: set[str] = set()
    for item in (s.strip() for s in spec.split(",")):
        path, _, bounds = item.partition("=")
        path = path.strip()
        refused = _refused(path, seen)
        if refused:
            problems.append((path or "--fit", refused))
            continue
        seen.add(path)
        start = value_at(data, path)
        if not _is_number(start):
            problems.append((path, f"not a number in the scenario ({_what_is_there(path, start)})"))
            continue
        try:
            low, high = _bounds(path, float(start), bounds)
        except ValueError as err:
            problems.append((path, str(err)))
            continue
        params.append(Parameter(path, float(start), low, high, isinstance(start, int)))
    if problems:
        raise ScenarioError("--fit", list(dict.fromkeys(problems)))  # each said once
    return params


def _refused(path: str, seen: set[str]) -> str:
    """Say why a ``--fit`` key cannot be fitted at all ("" if it can be)."""
    if not path:
        return "an empty key (two commas, or one at an end?)"
    if path in seen:
        return "given twice"
    if path == "seed":
        # Every candidate is run on the same random numbers (common random
        # numbers); fitting the seed would fit the noise.
        return "the seed cannot be fitted: it picks the random numbers, not the model"
    return ""


def _is_number(value: Any) -> bool:
    """Whether a scenario value is a number a fit can move (a boolean is not one)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _what_is_there(path: str, found: Any) -> str:
    """Say what a ``--fit`` key holds instead of a number, and what to name instead."""
    if found is None:
        return "no value there: a key the scenario does not set"
    if isinstance(found, Mapping) and "kind" in found:
        numbers = [f"{path}.{k}" for k, v in found.items() if k != "kind" and _is_number(v)]
        what = f"a distribution of kind {found['kind']}"
        if not numbers:
            return f"{what}, with no single number to fit"
        return f"{what}: fit {' or '.join(numbers)}"
    return f"found {found!r}"


def _bounds(path: str, start: float, text: str) -> tuple[float, float]:
    if text:
        lo, sep, hi = text.partition(":")
        if not sep:
            raise ValueError("bounds must look like LOW:HIGH")
        try:
            low, high = float(lo), float(hi)
        except ValueError:
            raise ValueError(f"bounds must be numbers, LOW:HIGH (got {text!r})") from None
        if not (math.isfinite(low) and math.isfinite(high)):
            raise ValueError(f"bounds must be finite numbers (got {text!r})")
    elif _is_share(path):
        low, high = 0.0, 1.0
    elif start > 0:
        low, high = start / DEFAULT_SPAN, start * DEFAULT_SPAN
    else:
        raise ValueError("the value is 0: give bounds, e.g. path=0:10")
    if not low <= start <= high or low >= high:
        raise ValueError(f"bounds {low:g}:{high:g} must be increasing and contain {start:g}")
    return low, high


def with_values(
    scenario: Scenario, params: Sequence[Parameter], values: Sequence[float]
) -> Scenario:
    """Return the scenario with the parameters set (validated like a file).

    Raises:
        ScenarioError: If the values make an invalid scenario.
    """
    raw = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    overrides = [f"{p.path}={int(v) if p.integer else float(v)!r}"
                 for p, v in zip(params, values, strict=True)]
    return validate_scenario(apply_overrides(raw, overrides, "--fit"), "--fit")


@dataclass(frozen=True)
class Fit:
    """The outcome of a calibration.

    Attributes:
        parameters: The parameters searched.
        values: Their fitted values.
        start_error: Error of the scenario as written.
        report: The targets checked at the fitted values.
        evaluations: Candidates run.
    """

    parameters: list[Parameter]
    values: list[float]
    start_error: float
    report: CheckReport
    evaluations: int


class _Objective:
    """Error of candidate parameter values, remembered per candidate."""

    def __init__(self, scenario: Scenario, params: Sequence[Parameter], replications: int,
                 seed: int, workers: int, facts: Mapping[str, Fact] | None) -> None:
        self.scenario, self.params = scenario, list(params)
        self.replications, self.seed, self.workers = replications, seed, workers
        self.facts = facts
        self.reports: dict[tuple[float, ...], CheckReport | None] = {}

    def report(self, values: tuple[float, ...]) -> CheckReport | None:
        if values not in self.reports:
            try:
                candidate = with_values(self.scenario, self.params, values)
            except ScenarioError:
                self.reports[values] = None
                return None
            goals = goals_for(candidate, self.facts)
            measured = measure_goals(candidate, goals, self.replications, self.seed, self.workers)
            self.reports[values] = CheckReport(evaluate(goals, measured), self.replications,
                                               self.seed)
        return self.reports[values]

    def __call__(self, unit: Sequence[float]) -> float:
        values = tuple(p.from_unit(u) for p, u in zip(self.params, unit, strict=True))
        found = self.report(values)
        return REJECTED if found is None else found.error()


def calibrate(
    scenario: Scenario,
    params: Sequence[Parameter],
    replications: int = 5,
    seed: int | None = None,
    max_evals: int = 60,
    workers: int = 1,
    facts: Mapping[str, Fact] | None = None,
) -> Fit:
    """Search ``params`` for the values that best match the scenario's targets.

    Args:
        scenario: A validated scenario with ``targets``.
        params: The parameters to fit (see :func:`parse_fit`).
        replications: Replications per candidate (the same ones each time).
        seed: Root seed (default: the scenario's).
        max_evals: Most candidates to try.
        workers: Worker processes per candidate (1 = this process).
        facts: Seed facts (default: the repository's ``seeds/``).
    """
    from scipy.optimize import minimize

    goals_for(scenario, facts)  # fail early, with every target problem listed
    root = scenario.seed if seed is None else seed
    objective = _Objective(scenario, params, replications, root, workers, facts)
    start = [p.to_unit(p.start) for p in params]
    start_error = objective(start)
    minimize(objective, start, method="Powell", bounds=[(0.0, 1.0)] * len(params),
             options={"maxfev": max_evals, "xtol": 1e-3, "ftol": 1e-4})
    best = min((v for v, r in objective.reports.items() if r is not None),
               key=lambda v: objective.reports[v].error())  # type: ignore[union-attr]
    best_report = objective.reports[best]
    assert best_report is not None
    return Fit(list(params), list(best), start_error, best_report, len(objective.reports))
