"""Aggregate tables of an experiment, computed from the per-replication rows.

* ``policies``: per policy and measure, the mean over replications and its
  95% confidence interval, with the policy's rank by money saved;
* ``differences``: per non-baseline policy and headline measure, the mean
  paired difference (policy - baseline, replication by replication) and its
  interval, with a verdict;
* ``curve`` (sweeps): one row per grid point x policy, the varied values
  and the mean and interval of every headline measure.

All are pure functions of the rows sorted by (point, policy, replication),
so they are identical whatever ran the replications.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from fraudsim.experiments.measures import CONTEXT, HEADLINE, SAVED, Measure
from fraudsim.experiments.stats import Estimate, estimate, paired, verdict

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


class Split:
    """Per-replication rows split by (point, policy), read one measure at a time.

    Args:
        rows: Rows sorted by (point, policy, replication).
    """

    def __init__(self, rows: pa.Table) -> None:
        self._rows = rows
        keys = zip(rows.column("point").to_pylist(), rows.column("policy").to_pylist(),
                   strict=True)
        self._index: dict[tuple[int, str], list[int]] = {}
        for i, key in enumerate(keys):
            self._index.setdefault(key, []).append(i)
        self._columns: dict[str, FloatArray] = {}

    def values(self, point: int, policy: str, column: str) -> FloatArray:
        """Return one measure of one policy at one point, in replication order."""
        if column not in self._columns:
            self._columns[column] = np.asarray(
                self._rows.column(column).to_numpy(zero_copy_only=False), dtype=np.float64)
        return self._columns[column][self._index.get((point, policy), [])]


def ranks(split: Split, policies: Sequence[str], point: int = 0) -> dict[str, int]:
    """Return each policy's rank by mean money saved (1 = saves most; ties share a rank)."""
    means = {p: estimate(split.values(point, p, SAVED)).mean for p in policies}
    ordered = sorted(means.values(), key=lambda m: -m if m == m else np.inf)
    return {p: 1 + ordered.index(m) if m == m else len(policies) for p, m in means.items()}


def _estimate_columns(e: Estimate) -> dict[str, Any]:
    return {"n": e.n, "mean": e.mean, "ci_low": e.low, "ci_high": e.high,
            "half_width": e.half_width, "sd": e.sd}


_POLICY_SCHEMA = pa.schema([
    ("policy", pa.string()), ("baseline", pa.bool_()), ("rank", pa.int64()),
    ("measure", pa.string()), ("unit", pa.string()), ("n", pa.int64()),
    ("mean", pa.float64()), ("ci_low", pa.float64()), ("ci_high", pa.float64()),
    ("half_width", pa.float64()), ("sd", pa.float64()),
])


def policies_table(rows: pa.Table, policies: Sequence[str], point: int = 0) -> pa.Table:
    """Return mean and 95% interval of every measure per policy (baseline first)."""
    split = Split(rows)
    rank = ranks(split, policies, point)
    out = []
    for i, policy in enumerate(policies):
        for m in (*HEADLINE, *CONTEXT):
            e = estimate(split.values(point, policy, m.column))
            out.append({"policy": policy, "baseline": i == 0, "rank": rank[policy],
                        "measure": m.column, "unit": m.unit, **_estimate_columns(e)})
    return pa.Table.from_pylist(out, schema=_POLICY_SCHEMA)


_DIFF_SCHEMA = pa.schema([
    ("policy", pa.string()), ("baseline", pa.string()), ("rank", pa.int64()),
    ("measure", pa.string()), ("unit", pa.string()), ("n", pa.int64()),
    ("mean_diff", pa.float64()), ("ci_low", pa.float64()), ("ci_high", pa.float64()),
    ("half_width", pa.float64()), ("sd", pa.float64()), ("verdict", pa.string()),
])


def differences_table(rows: pa.Table, policies: Sequence[str], point: int = 0) -> pa.Table:
    """Return paired differences (policy - baseline) of every headline measure.

    The baseline is ``policies[0]``; replications are paired by number, so
    under common random numbers each pair saw the same scams.
    """
    baseline, others = policies[0], policies[1:]
    split = Split(rows)
    rank = ranks(split, policies, point)
    out = []
    for policy in others:
        for m in HEADLINE:
            d = paired(split.values(point, policy, m.column),
                       split.values(point, baseline, m.column))
            cols = _estimate_columns(d)
            cols["mean_diff"] = cols.pop("mean")
            out.append({"policy": policy, "baseline": baseline, "rank": rank[policy],
                        "measure": m.column, "unit": m.unit, **cols, "verdict": verdict(d)})
    return pa.Table.from_pylist(out, schema=_DIFF_SCHEMA)


def value_column(values: Sequence[Any]) -> pa.Array:
    """Return varied values as one typed column (tables and lists as JSON text)."""
    if all(isinstance(v, bool) for v in values):
        return pa.array(values, pa.bool_())
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.array(values, pa.int64())
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pa.array([float(v) for v in values], pa.float64())
    if all(isinstance(v, str) for v in values):
        return pa.array(values, pa.string())
    return pa.array([json.dumps(v, sort_keys=True) for v in values], pa.string())


def _curve_columns(m: Measure, e: Estimate) -> dict[str, float]:
    return {f"{m.column}_mean": e.mean, f"{m.column}_ci_low": e.low,
            f"{m.column}_ci_high": e.high, f"{m.column}_half_width": e.half_width}


def curve_table(
    rows: pa.Table, points: Sequence[Mapping[str, Any]], policies: Sequence[str]
) -> pa.Table:
    """Return one row per grid point x policy: varied values, n, mean and CI per measure."""
    keys = list(points[0]) if points else []
    split = Split(rows)
    records: list[dict[str, Any]] = []
    for i, _ in enumerate(points):
        for policy in policies:
            n = len(split.values(i, policy, SAVED))
            rec: dict[str, Any] = {"point": i, "policy": policy, "n": n}
            for m in (*HEADLINE, *CONTEXT):
                rec.update(_curve_columns(m, estimate(split.values(i, policy, m.column))))
            records.append(rec)
    columns: dict[str, Any] = {k: value_column([points[r["point"]][k] for r in records])
                               for k in keys}
    for name in (records[0] if records else {}):
        kind = pa.string() if name == "policy" else (
            pa.int64() if name in ("point", "n") else pa.float64())
        columns[name] = pa.array([r[name] for r in records], kind)
    return pa.table(columns)
