"""Aggregate tables of an experiment (fraudsim/experiments/tables.py), on rows written by hand.

Each measure column of the hand-made rows holds the cell's values plus
1000 times the measure's position, so that a table reading the wrong
column shows it. Expected intervals use Student's t quantiles from the
printed tables (t(0.975; 1, 2, 3) = 12.7062, 4.3027, 3.1824).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsim.experiments.measures import CONTEXT, HEADLINE
from fraudsim.experiments.tables import (
    Split,
    curve_table,
    differences_table,
    policies_table,
    ranks,
    value_column,
)

MEASURES = (*HEADLINE, *CONTEXT)
OFFSET = {m.column: 1000.0 * i for i, m in enumerate(MEASURES)}
T_975 = {1: 12.706204736174698, 2: 4.302652729749464, 3: 3.182446305284263}
"""Two-sided 95% Student t quantiles by degrees of freedom (printed tables)."""

Cells = Mapping[tuple[int, str], Sequence[float]]


def make_rows(cells: Cells) -> pa.Table:
    """Per-replication rows, sorted by (point, policy, replication), from values per cell."""
    out: list[dict[str, Any]] = []
    for (point, policy), values in sorted(cells.items()):
        for rep, v in enumerate(values):
            row: dict[str, Any] = {"point": point, "policy": policy, "replication": rep,
                                   "seed": 1}
            row.update({m.column: v + OFFSET[m.column] for m in MEASURES})
            out.append(row)
    return pa.Table.from_pylist(out)


def by(table: pa.Table, **match: Any) -> dict[str, Any]:
    """The one row of ``table`` whose columns have the given values."""
    found = [r for r in table.to_pylist() if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    row: dict[str, Any] = found[0]
    return row


def interval(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean, sample sd and 95% half-width of a few values, computed by hand."""
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return mean, sd, T_975[n - 1] * sd / math.sqrt(n)


A = [1.0, 2.0, 3.0, 4.0]
"""Baseline values: mean 2.5, sd 1.2910, 95% half-width 2.0543."""


def test_split_reads_one_measure_of_one_cell_in_replication_order() -> None:
    """Values come back per (point, policy), in row order, as floats."""
    split = Split(make_rows({(0, "a"): [3.0, 1.0, 2.0], (0, "b"): [9.0], (1, "a"): [7.0, 8.0]}))
    assert split.values(0, "a", "saved_fen").tolist() == [3.0, 1.0, 2.0]
    assert split.values(1, "a", "saved_fen").tolist() == [7.0, 8.0]
    assert split.values(0, "b", "lost_fen").tolist() == [9.0 + OFFSET["lost_fen"]]
    replications = split.values(1, "a", "replication")
    assert replications.dtype == np.float64 and replications.tolist() == [0.0, 1.0]


def test_split_of_a_cell_without_rows_is_empty() -> None:
    """A policy or point with no replication gives an empty array, not an error."""
    split = Split(make_rows({(0, "a"): A}))
    assert split.values(0, "zzz", "saved_fen").tolist() == []
    assert split.values(5, "a", "saved_fen").tolist() == []


def test_split_reads_a_missing_value_as_nan() -> None:
    """A null in a row (a measure undefined in that replication) is a NaN, left out later."""
    rows = make_rows({(0, "a"): A})
    median = rows.column("report_to_first_stop_median_min").to_pylist()
    rows = rows.set_column(rows.schema.get_field_index("report_to_first_stop_median_min"),
                           "report_to_first_stop_median_min", pa.array([None, *median[1:]]))
    values = Split(rows).values(0, "a", "report_to_first_stop_median_min")
    assert math.isnan(values[0]) and values[1:].tolist() == median[1:]


def test_ranks_by_mean_money_saved_with_ties_sharing_a_rank() -> None:
    """1 saves most; equal means share a rank and the next rank is skipped; no data is last."""
    rows = make_rows({(0, "low"): A, (0, "hi1"): [5.0, 5.0], (0, "hi2"): [4.0, 6.0]})
    assert ranks(Split(rows), ["low", "hi1", "hi2", "none"]) == {
        "hi1": 1, "hi2": 1, "low": 3, "none": 4}


def test_ranks_are_read_at_the_point_asked_for() -> None:
    """At each grid point the policies are ranked by their own replications there."""
    rows = make_rows({(0, "a"): [1.0, 1.0], (0, "b"): [2.0, 2.0],
                      (1, "a"): [9.0, 9.0], (1, "b"): [2.0, 2.0]})
    assert ranks(Split(rows), ["a", "b"], point=0) == {"b": 1, "a": 2}
    assert ranks(Split(rows), ["a", "b"], point=1) == {"a": 1, "b": 2}


def test_policies_table_has_each_measure_of_each_policy_baseline_first() -> None:
    """One row per policy and measure, headline then context, in the policies' order."""
    table = policies_table(make_rows({(0, "a"): A, (0, "b"): [10.0, 20.0]}), ["b", "a"])
    rows = table.to_pylist()
    assert [(r["policy"], r["measure"]) for r in rows] == [
        (p, m.column) for p in ("b", "a") for m in MEASURES]
    assert [r["baseline"] for r in rows] == [True] * len(MEASURES) + [False] * len(MEASURES)
    assert {(r["measure"], r["unit"]) for r in rows} == {(m.column, m.unit) for m in MEASURES}
    assert {r["policy"]: r["rank"] for r in rows} == {"b": 1, "a": 2}


def test_policies_table_gives_the_mean_and_student_t_interval() -> None:
    """Mean 2.5, sd √(5/3), half-width t(3)·sd/2, for every measure at its own offset."""
    table = policies_table(make_rows({(0, "a"): A}), ["a"])
    mean, sd, half = interval(A)
    for m in MEASURES:
        row = by(table, measure=m.column)
        assert row["n"] == 4
        assert row["mean"] == pytest.approx(mean + OFFSET[m.column], rel=1e-12)
        assert row["sd"] == pytest.approx(sd, rel=1e-9)
        assert row["half_width"] == pytest.approx(half, rel=1e-9)
        assert row["ci_low"] == pytest.approx(row["mean"] - half, rel=1e-9)
        assert row["ci_high"] == pytest.approx(row["mean"] + half, rel=1e-9)


def test_policies_table_of_one_replication_has_no_interval() -> None:
    """One replication gives a mean but no spread: NaN, not a zero-width interval."""
    row = by(policies_table(make_rows({(0, "a"): [7.0]}), ["a"]), measure="saved_fen")
    assert row["n"] == 1 and row["mean"] == 7.0
    assert all(math.isnan(row[k]) for k in ("sd", "half_width", "ci_low", "ci_high"))


@pytest.mark.parametrize("values, verdict", [
    ([2.0, 4.0, 6.0, 8.0], "higher"),  # differences 1, 2, 3, 4
    ([0.5, 1.5, 2.5, 3.5], "lower"),  # differences all -0.5
    ([2.0, 1.0, 5.0, 2.0], "no clear difference"),  # differences 1, -1, 2, -2
    (A, "identical"),
])
def test_differences_pair_replications_by_number(values: list[float], verdict: str) -> None:
    """The paired difference is taken replication by replication, with its interval."""
    table = differences_table(make_rows({(0, "base"): A, (0, "p"): values}), ["base", "p"])
    diffs = [v - a for v, a in zip(values, A, strict=True)]
    mean, sd, half = interval(diffs)
    assert table.num_rows == len(HEADLINE)
    for m, row in zip(HEADLINE, table.to_pylist(), strict=True):
        assert (row["policy"], row["baseline"], row["measure"], row["unit"]) == (
            "p", "base", m.column, m.unit)
        assert row["n"] == 4 and row["verdict"] == verdict
        assert row["mean_diff"] == pytest.approx(mean, abs=1e-9)
        assert row["sd"] == pytest.approx(sd, abs=1e-9)
        assert row["half_width"] == pytest.approx(half, abs=1e-9)


def test_differences_leave_out_the_baseline_and_the_context_counts() -> None:
    """Only the other policies, and only headline measures, are compared."""
    rows = make_rows({(0, "a"): A, (0, "b"): A, (0, "c"): [9.0, 9.0, 9.0, 9.0]})
    table = differences_table(rows, ["a", "b", "c"])
    assert [(r["policy"], r["measure"]) for r in table.to_pylist()] == [
        (p, m.column) for p in ("b", "c") for m in HEADLINE]
    assert {r["policy"]: r["rank"] for r in table.to_pylist()} == {"b": 2, "c": 1}


def test_differences_of_a_lone_policy_are_an_empty_table_with_its_columns() -> None:
    """A comparison of one policy has nothing to compare, but the table keeps its schema."""
    table = differences_table(make_rows({(0, "a"): A}), ["a"])
    assert table.num_rows == 0
    assert table.column_names == ["policy", "baseline", "rank", "measure", "unit", "n",
                                  "mean_diff", "ci_low", "ci_high", "half_width", "sd",
                                  "verdict"]


@pytest.mark.parametrize("values, kind, expected", [
    ([True, False], pa.bool_(), [True, False]),
    ([1, 3, 10], pa.int64(), [1, 3, 10]),
    ([1, 2.5], pa.float64(), [1.0, 2.5]),
    (["fifo", "largest_first"], pa.string(), ["fifo", "largest_first"]),
    ([{"mean": 5.0, "kind": "exponential"}, 60.0], pa.string(),
     ['{"kind": "exponential", "mean": 5.0}', "60.0"]),
    ([[1, 2], [3]], pa.string(), ["[1, 2]", "[3]"]),
    ([True, 1], pa.string(), ["true", "1"]),  # a flag is not the number 1
])
def test_varied_values_get_one_typed_column(
    values: list[Any], kind: pa.DataType, expected: list[Any]
) -> None:
    """Numbers stay numbers, flags flags, words words; tables become JSON text, keys sorted."""
    column = value_column(values)
    assert column.type == kind
    assert column.to_pylist() == expected


@settings(max_examples=30)
@given(st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=8)
       | st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=8))
def test_varied_numbers_keep_their_values(values: list[Any]) -> None:
    """Integers and floats are kept exactly (integers as int64, not converted to floats)."""
    column = value_column(values)
    assert column.to_pylist() == values
    assert column.type == (pa.int64() if all(type(v) is int for v in values) else pa.float64())


@settings(max_examples=30)
@given(st.lists(st.dictionaries(st.sampled_from("abc"), st.integers(0, 9), min_size=1),
                min_size=1, max_size=5))
def test_varied_tables_read_back_from_their_json(values: list[dict[str, int]]) -> None:
    """A distribution or table varied over the grid can be read back from its column."""
    assert [json.loads(v) for v in value_column(values).to_pylist()] == values


POINTS = [{"staff": 1, "triage": "fifo"}, {"staff": 3, "triage": "fifo"}]


def test_curve_has_a_row_per_point_and_policy_with_the_varied_values_first() -> None:
    """Varied keys come first, then point, policy, n and each measure's mean and interval."""
    rows = make_rows({(0, "a"): A, (0, "b"): [5.0, 5.0], (1, "a"): [6.0, 8.0],
                      (1, "b"): [1.0, 2.0, 3.0]})
    curve = curve_table(rows, POINTS, ["a", "b"])
    assert curve.column_names[:5] == ["staff", "triage", "point", "policy", "n"]
    assert curve.column_names[5:] == [f"{m.column}_{s}" for m in MEASURES
                                      for s in ("mean", "ci_low", "ci_high", "half_width")]
    assert curve.schema.field("staff").type == pa.int64()
    assert curve.column("staff").to_pylist() == [1, 1, 3, 3]
    assert curve.column("triage").to_pylist() == ["fifo"] * 4
    assert curve.column("policy").to_pylist() == ["a", "b", "a", "b"]
    assert curve.column("n").to_pylist() == [4, 2, 2, 3]
    for point, policy, values in [(0, "a", A), (1, "b", [1.0, 2.0, 3.0])]:
        row = by(curve, point=point, policy=policy)
        mean, _, half = interval(values)
        lost = OFFSET["lost_fen"]
        assert row["lost_fen_mean"] == pytest.approx(mean + lost, rel=1e-12)
        assert row["lost_fen_half_width"] == pytest.approx(half, rel=1e-9)
        assert row["lost_fen_ci_low"] == pytest.approx(mean + lost - half, rel=1e-9)
        assert row["lost_fen_ci_high"] == pytest.approx(mean + lost + half, rel=1e-9)
    exact = by(curve, point=0, policy="b")
    assert exact["saved_fen_mean"] == 5.0 and exact["saved_fen_half_width"] == 0.0


def test_a_curve_cell_without_replications_has_n_zero_and_no_values() -> None:
    """A grid point a policy has no rows at is listed with n = 0 and NaN, not left out."""
    curve = curve_table(make_rows({(0, "a"): A}), POINTS, ["a"])
    missing = by(curve, point=1)
    assert missing["n"] == 0 and missing["staff"] == 3
    assert math.isnan(missing["saved_fen_mean"]) and math.isnan(missing["saved_fen_ci_low"])
