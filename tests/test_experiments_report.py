"""The text report of a comparison (fraudsim/experiments/report.py), on rows written by hand.

A measure undefined in some replications (a median of no reported cases)
rests on fewer values than the others, and its paired difference on fewer
pairs: the report says so, or the difference would seem not to match the
two means shown above it.
"""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa

from fraudsim.experiments.api import ComparisonResult, Outcome
from fraudsim.experiments.measures import CONTEXT, HEADLINE
from fraudsim.experiments.report import comparison_text
from fraudsim.experiments.tables import differences_table, policies_table

P90 = "report_to_first_stop_p90_min"
UNDEFINED_IN = {("b", 1), ("b", 3)}
"""(policy, replication) where policy b's 90th percentile is undefined."""


def rows() -> pa.Table:
    """Four replications of policies a and b; b's 90th percentile undefined in two."""
    out: list[dict[str, Any]] = []
    for policy in ("a", "b"):
        for rep in range(4):
            row: dict[str, Any] = {"point": 0, "policy": policy, "replication": rep, "seed": 1}
            row.update({m.column: 10.0 + rep + (5.0 if policy == "b" else 0.0)
                        for m in (*HEADLINE, *CONTEXT)})
            if (policy, rep) in UNDEFINED_IN:
                row[P90] = math.nan
            out.append(row)
    return pa.Table.from_pylist(out)


def report() -> list[str]:
    table, names = rows(), ["a", "b"]
    outcome = Outcome(table, 4, None, 0, "here", None)
    result = ComparisonResult(policies_table(table, names), differences_table(table, names),
                              table, "a", names, outcome)
    return comparison_text(result, "s").splitlines()


def lines_of(label: str) -> list[str]:
    return [line for line in report() if line.strip().startswith(label)]


def test_a_difference_over_fewer_pairs_says_how_many() -> None:
    """b's 90th percentile differs from a's in 2 of the 4 pairs; its other measures in all 4."""
    p90 = lines_of("report to first stop, 90th percentile")
    assert len(p90) == 3  # a's mean, b's mean, b's difference
    assert p90[2].endswith("higher  (2 of 4 pairs)")
    saved = lines_of("money saved")
    assert saved[2].endswith("higher") and "pairs)" not in "".join(saved)


def test_a_mean_over_fewer_replications_says_how_many() -> None:
    p90 = lines_of("report to first stop, 90th percentile")
    assert "of 4" not in p90[0]
    assert p90[1].endswith("]  (2 of 4 replications)")
