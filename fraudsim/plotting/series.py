"""The numbers behind the experiment figures, taken from the results tables.

Pure functions, no matplotlib: each returns exactly what a figure draws, so
tests can compare a drawn line with the table it came from.

* outcome curves: per policy, mean and 95% interval of a measure at each
  grid point of a sweep (``curve.parquet``; the share saved, which the curve
  does not hold, is estimated from ``replications.parquet`` the same way);
* the golden hour: share of money saved by how long the victim waited to
  report, binned from a case table;
* losses: what each case (or replication) lost, for the loss distribution;
* paired differences against the baseline, sorted.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from fraudsim.experiments.stats import estimate, t_critical
from fraudsim.model.cases import MINUTES_PER_DAY
from fraudsim.plotting.folder import ResultsFolder, column

FloatArray = np.ndarray[Any, np.dtype[np.float64]]

SHARE = "saved_share"
"""Share of the exposed money saved (prevented + frozen)."""


@dataclass(frozen=True)
class Band:
    """One policy's line over the swept values, with its 95% confidence band.

    Attributes:
        policy: The policy.
        panel: The other swept key's value (``""`` for a one-key sweep).
        x: Positions on the x axis (the values, or category positions).
        mean: Mean over replications at each position.
        low: Lower end of the 95% interval (NaN where undefined).
        high: Upper end of the 95% interval.
        n: Replications behind each point.
    """

    policy: str
    panel: str
    x: FloatArray
    mean: FloatArray
    low: FloatArray
    high: FloatArray
    n: FloatArray


@dataclass(frozen=True)
class XAxis:
    """The swept key drawn along x.

    Attributes:
        key: Its key path.
        numeric: Whether the values are numbers (else categories).
        labels: Tick labels of categorical values, in position order.
    """

    key: str
    numeric: bool
    labels: list[str]


def curve_table(folder: ResultsFolder) -> pa.Table:
    """Return the sweep's curve table (Parquet preferred, else CSV)."""
    table = folder.table("curve.parquet")
    return table if table is not None else folder.need("curve.csv")


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def x_axis(curve: pa.Table, key: str) -> tuple[XAxis, FloatArray]:
    """Return how to draw ``key`` along x and each curve row's x position."""
    values = column(curve, key)
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return XAxis(key, True, []), np.asarray(values, dtype=np.float64)
    labels = list(dict.fromkeys(_as_text(v) for v in values))
    positions = [labels.index(_as_text(v)) for v in values]
    return XAxis(key, False, labels), np.asarray(positions, dtype=np.float64)


Estimates = dict[tuple[int, str], tuple[float, float, float, int]]


def share_estimates(folder: ResultsFolder) -> Estimates:
    """Return (mean, low, high, n) of the share saved per (grid point, policy).

    Uses the curve's ``saved_share_*`` columns if it has them, else
    estimates them from ``replications.parquet`` (Student-t, 95%), exactly
    as the experiment estimates every other measure.
    """
    curve = curve_table(folder)
    if f"{SHARE}_mean" in curve.column_names:
        return {
            (int(p), str(pol)): (float(m), float(lo), float(hi), int(n))
            for p, pol, m, lo, hi, n in zip(
                column(curve, "point"), column(curve, "policy"), column(curve, f"{SHARE}_mean"),
                column(curve, f"{SHARE}_ci_low"), column(curve, f"{SHARE}_ci_high"),
                column(curve, "n"), strict=True)
        }
    rows = folder.need("replications.parquet")
    groups: dict[tuple[int, str], list[float]] = {}
    for p, pol, v in zip(column(rows, "point"), column(rows, "policy"), column(rows, SHARE),
                         strict=True):
        groups.setdefault((int(p), str(pol)), []).append(math.nan if v is None else float(v))
    out = {}
    for key, values in groups.items():
        e = estimate(values)
        out[key] = (e.mean, e.low, e.high, e.n)
    return out


def measure_columns(folder: ResultsFolder, measure: str) -> tuple[FloatArray, ...]:
    """Return (mean, low, high, n) of a measure for every curve row, in row order."""
    curve = curve_table(folder)
    if measure == SHARE:
        est = share_estimates(folder)
        got = [est.get((int(p), str(pol)), (math.nan, math.nan, math.nan, 0))
               for p, pol in zip(column(curve, "point"), column(curve, "policy"), strict=True)]
        return tuple(np.asarray([g[i] for g in got], dtype=np.float64) for i in range(4))
    names = (f"{measure}_mean", f"{measure}_ci_low", f"{measure}_ci_high", "n")
    return tuple(_floats(column(curve, name)) for name in names)


def _floats(values: list[Any]) -> FloatArray:
    return np.asarray([math.nan if v is None else float(v) for v in values], dtype=np.float64)


def bands(
    folder: ResultsFolder, measure: str, x_key: str, panel_key: str | None = None
) -> tuple[XAxis, list[Band]]:
    """Return the lines of an outcome curve: one per policy (and panel), sorted by x.

    Args:
        folder: A sweep's results folder.
        measure: A headline measure (e.g. ``saved_yuan``) or ``saved_share``.
        x_key: The swept key drawn along x.
        panel_key: The other swept key of a two-key sweep (one panel per value).
    """
    curve = curve_table(folder)
    axis, xs = x_axis(curve, x_key)
    mean, low, high, n = measure_columns(folder, measure)
    policies = column(curve, "policy")
    panels = [_as_text(v) for v in column(curve, panel_key)] if panel_key else [""] * len(xs)
    out = []
    for panel in dict.fromkeys(panels):
        for policy in folder.policies:
            idx = [i for i, (p, q) in enumerate(zip(policies, panels, strict=True))
                   if p == policy and q == panel]
            if not idx:
                continue
            idx.sort(key=lambda i: xs[i])
            take = np.asarray(idx, dtype=np.int64)
            out.append(Band(policy, panel, xs[take], mean[take], low[take], high[take], n[take]))
    return axis, out


REPORT_BINS_MIN = (0.0, 5.0, 15.0, 30.0, 60.0, 120.0, 240.0, 480.0, 1440.0, 4320.0, math.inf)
"""Edges of the report-delay bins (minutes from realising to reporting)."""

_DASH = "\u2013"
REPORT_BIN_LABELS = ("< 5 min", *(f"{a}{_DASH}{b}" for a, b in (
    ("5", "15 min"), ("15", "30 min"), ("30", "60 min"), ("1", "2 h"), ("2", "4 h"),
    ("4", "8 h"), ("8", "24 h"), ("1", "3 days"))), "> 3 days")


@dataclass(frozen=True)
class GoldenHour:
    """Share of money saved by report delay, binned from one or more case tables.

    Attributes:
        label: Whose cases (a policy, or the run's scenario).
        bins: Indices into :data:`REPORT_BIN_LABELS` of the bins with cases.
        share: Money saved over money exposed, per bin.
        low: Lower end of the 95% interval of the share (ratio estimator).
        high: Upper end.
        cases: Cases per bin.
        unreported_share: Share saved in cases that were never reported.
    """

    label: str
    bins: list[int]
    share: FloatArray
    low: FloatArray
    high: FloatArray
    cases: list[int]
    unreported_share: float


def ratio_interval(saved: FloatArray, exposed: FloatArray) -> tuple[float, float, float]:
    """Return ``Σ saved / Σ exposed`` and its 95% interval (linearised ratio estimator).

    With n cases and ratio R, the standard error is
    ``sqrt(Σ (s_i - R e_i)² / (n (n - 1))) / mean(e)``; the interval uses
    Student's t with n - 1 degrees of freedom and is clipped to [0, 1].
    """
    n, total = len(saved), float(exposed.sum())
    if n == 0 or total <= 0:
        return math.nan, math.nan, math.nan
    r = float(saved.sum()) / total
    if n < 2:
        return r, math.nan, math.nan
    resid = saved - r * exposed
    se = math.sqrt(float((resid**2).sum()) / (n * (n - 1))) / (total / n)
    half = t_critical(n - 1) * se
    return r, max(0.0, r - half), min(1.0, r + half)


def golden_hour(cases: pa.Table, label: str) -> GoldenHour:
    """Bin reported cases by report delay (report - realisation) and return the share saved."""
    delay = _floats(column(cases, "report_min")) - _floats(column(cases, "realise_min"))
    saved = _floats(column(cases, "saved_fen"))
    exposed = _floats(column(cases, "exposed_fen"))
    reported = np.asarray(column(cases, "reported"), dtype=bool) & ~np.isnan(delay)
    which = np.digitize(np.where(reported, delay, 0.0), REPORT_BINS_MIN[1:-1])
    bins, share, low, high, counts = [], [], [], [], []
    for b in range(len(REPORT_BIN_LABELS)):
        keep = reported & (which == b)
        if keep.any():
            r, lo, hi = ratio_interval(saved[keep], exposed[keep])
            bins.append(b)
            share.append(r)
            low.append(lo)
            high.append(hi)
            counts.append(int(keep.sum()))
    never = ~np.asarray(column(cases, "reported"), dtype=bool)
    unreported = ratio_interval(saved[never], exposed[never])[0]
    return GoldenHour(label, bins, _floats(share), _floats(low), _floats(high), counts,
                      unreported)


@dataclass(frozen=True)
class Losses:
    """What was lost, per case or per replication, for each policy.

    Attributes:
        unit: ``"case"`` (from case tables) or ``"replication"``.
        lost_fen: Policy -> money cashed out, in fen, per case or replication.
        exposed_fen: What victims would have lost with no response (per case;
            the same for every policy under common random numbers), or None.
    """

    unit: str
    lost_fen: dict[str, FloatArray]
    exposed_fen: FloatArray | None


def warmup_note(folder: ResultsFolder) -> str:
    """Say, for a footnote, which cases a figure of case tables counts with a warm-up ("" without).

    A comparison's figures cut the warm-up as its measures do; a run's keep
    every case, as its summary does. The note is a line of its own (it
    starts with a line break), to end a footnote with.
    """
    days = folder.warmup_min / MINUTES_PER_DAY
    if days <= 0:
        return ""
    if folder.kind == "run":
        return f"\ncases of the {days:g}-day warm-up included, as in the run's summary"
    return f"\ncases contacted in the {days:g}-day warm-up left out, as in the tables"


def losses(folder: ResultsFolder) -> Losses | None:
    """Return the losses of a run or a comparison (None if the folder has none).

    A comparison's kept case tables are cut at the warm-up, like its measures.
    """
    if folder.kind == "run":
        cases = folder.need("cases.parquet")
        return Losses("case", {folder.scenario_name: _floats(column(cases, "cashed_out_fen"))},
                      _floats(column(cases, "exposed_fen")))
    if folder.kind != "compare":
        return None
    kept = {p: folder.kept_cases(p) for p in folder.policies}
    if all(t is not None for t in kept.values()):
        tables = {p: t for p, t in kept.items() if t is not None}
        base = tables[folder.baseline]
        return Losses("case", {p: _floats(column(t, "cashed_out_fen")) for p, t in tables.items()},
                      _floats(column(base, "exposed_fen")))
    rows = folder.need("replications.parquet")
    policy = column(rows, "policy")
    lost = _floats(column(rows, "lost_fen"))
    return Losses("replication", {
        p: lost[np.asarray([q == p for q in policy], dtype=bool)] for p in folder.policies}, None)


MIN_LOSS_VALUES = 5
"""A loss distribution needs this many positive values (cases or replications, all series)."""


def worth_a_distribution(data: Losses) -> bool:
    """Return whether there are enough losses (or exposures) to draw a distribution.

    Needs :data:`MIN_LOSS_VALUES` positive values in all, not all equal: a
    replay of a single case (even replicated), or a comparison in which
    nothing was lost, has no distribution to show.
    """
    pools = [*data.lost_fen.values()] + ([data.exposed_fen] if data.exposed_fen is not None
                                         else [])
    positive = np.concatenate([v[v > 0] for v in pools]) if pools else np.zeros(0)
    return len(positive) >= MIN_LOSS_VALUES and len(np.unique(positive)) >= 2


def ccdf(values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the share of all values at or above each positive value (a survival curve).

    Zeros (nothing lost) count in the denominator but are not drawn: on a
    log axis the curve starts at the share of cases that lost anything.
    """
    n = len(values)
    positive = np.sort(values[values > 0])
    if n == 0 or len(positive) == 0:
        return np.zeros(0), np.zeros(0)
    xs, first = np.unique(positive, return_index=True)
    share = (len(positive) - first) / n
    return xs.astype(np.float64), share.astype(np.float64)


@dataclass(frozen=True)
class Difference:
    """A policy's mean paired difference against the baseline, with its 95% interval."""

    policy: str
    mean: float
    low: float
    high: float
    verdict: str


def differences(folder: ResultsFolder, measure: str, order: list[str] | None = None
                ) -> list[Difference]:
    """Return the paired differences of one measure, largest first (or in ``order``)."""
    table = folder.need("differences.csv")
    rows = [r for r in table.to_pylist() if r["measure"] == measure]
    out = [Difference(str(r["policy"]), _none_nan(r["mean_diff"]), _none_nan(r["ci_low"]),
                      _none_nan(r["ci_high"]), str(r.get("verdict") or "")) for r in rows]
    if order is not None:
        rank = {p: i for i, p in enumerate(order)}
        return sorted(out, key=lambda d: rank.get(d.policy, len(rank)))
    return sorted(out, key=lambda d: (-d.mean if d.mean == d.mean else math.inf, d.policy))


def _none_nan(value: Any) -> float:
    return math.nan if value is None else float(value)
