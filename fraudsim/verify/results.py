"""What a verification check found, and the pass/fail table printed for people."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from fraudsim.experiments.stats import estimate

CONFIDENCE = 0.995
"""Confidence level of the intervals of statistical checks: a correct model
fails one such row about once in 200 seeds (seeds are fixed, so the verdict
is reproducible)."""

SLACK = 0.02
"""Bias allowed beyond the interval, as a share of the theory (runs start empty)."""

PRECISION = 0.5
"""Widest interval (half-width as a share of the theory) that still decides."""


@dataclass(frozen=True)
class CheckResult:
    """One row of the verification table.

    Attributes:
        check: What is checked (``M/M/c mean wait``, ``Little's law``, ...).
        subject: The model component (a resource, a mule layer, a bank).
        expected: The known answer, as text with its unit.
        observed: What the model gave, as text (with its interval or statistic).
        criterion: The rule that decides pass or fail.
        passed: Whether the model met the rule.
    """

    check: str
    subject: str
    expected: str
    observed: str
    criterion: str
    passed: bool


def failed(check: str, subject: str, error: BaseException) -> CheckResult:
    """Return the row of a check whose model run raised: a failure, with the reason."""
    return CheckResult(check, subject, "a finished run", f"{type(error).__name__}: {error}",
                       "the run completes", False)


def theory_in_interval(
    check: str,
    subject: str,
    values: ArrayLike,
    theory: float,
    unit: str,
    confidence: float = CONFIDENCE,
    slack: float = SLACK,
) -> CheckResult:
    """Compare replications of a statistic with its theoretical value.

    The model passes if the theory lies inside the ``confidence`` interval of
    the mean over replications, widened by ``slack`` (a share of the theory)
    for the small bias of finite runs that start empty, and if the interval
    is narrow enough to tell (half-width at most :data:`PRECISION` of the
    theory): a model so erratic that nothing can be concluded fails.

    Args:
        check: Name of the check.
        subject: The component checked.
        values: The statistic in each independent replication.
        theory: The known answer.
        unit: Unit for the table (``min``, ``""``).
        confidence: Confidence level of the interval.
        slack: Allowed relative bias.
    """
    est = estimate(np.asarray(values, dtype=np.float64), confidence)
    allowed = est.half_width + slack * abs(theory)
    precise = est.half_width <= PRECISION * abs(theory)
    passed = bool(est.n >= 2 and precise and abs(est.mean - theory) <= allowed)
    suffix = f" {unit}" if unit else ""
    return CheckResult(
        check,
        subject,
        f"{theory:.4g}{suffix}",
        f"{est.mean:.4g} ± {est.half_width:.2g}{suffix} (n={est.n})",
        f"theory in {confidence:.1%} CI (+{slack:.0%}), CI ≤ ±{PRECISION:.0%}",
        passed,
    )


def render(rows: Sequence[CheckResult], title: str) -> str:
    """Return the pass/fail table with a title line and a closing verdict."""
    header = ("check", "component", "expected", "simulated", "criterion", "result")
    cells = [header] + [
        (r.check, r.subject, r.expected, r.observed, r.criterion, "PASS" if r.passed else "FAIL")
        for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [title, ""]
    for k, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    bad = sum(not r.passed for r in rows)
    lines += ["", f"{len(rows) - bad} of {len(rows)} checks passed" + (
        f"; {bad} FAILED" if bad else "")]
    return "\n".join(lines)


def fmt(value: float, unit: str = "") -> str:
    """Return a number with four significant digits and its unit."""
    if math.isnan(value):
        return "n/a"
    return f"{value:.4g}" + (f" {unit}" if unit else "")
