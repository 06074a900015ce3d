"""The numbers behind the experiment figures, computed from small hand-written results tables.

:mod:`fraudsim.plotting.series` turns a sweep's curve, a comparison's
replications and case tables into what the figures draw: outcome bands,
the share saved by report delay (golden hour), loss distributions and
paired differences. Each test writes the few tables a function reads into
a temporary folder and checks the result against sums and Student-t
intervals worked out independently (``scipy.stats``).
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from fraudsim.plotting.folder import Kind, ResultsFolder, ResultsFolderError
from fraudsim.plotting.series import (
    REPORT_BIN_LABELS,
    REPORT_BINS_MIN,
    Losses,
    bands,
    ccdf,
    curve_table,
    differences,
    golden_hour,
    losses,
    measure_columns,
    ratio_interval,
    share_estimates,
    worth_a_distribution,
    x_axis,
)

NAN = math.nan


def folder(path: Path, kind: Kind, tables: dict[str, list[dict[str, Any]]],
           **manifest: Any) -> ResultsFolder:
    """Write ``tables`` (Parquet or CSV by file name) into ``path``; return the folder."""
    path.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".csv"):
            pacsv.write_csv(pa.Table.from_pylist(rows), target)
        else:
            pq.write_table(pa.Table.from_pylist(rows), target)
    return ResultsFolder(path, kind, {"scenario": {"name": "town"}, **manifest})


def t95(df: int) -> float:
    """Return Student's t at 97.5% (a two-sided 95% interval) from scipy."""
    return float(stats.t.ppf(0.975, df))


def floats(values: Any) -> list[float]:
    """Return an array's values as floats (NaN kept)."""
    return [float(v) for v in np.asarray(values, float)]


# -- the swept key along x ----------------------------------------------------------


def test_numbers_are_drawn_at_their_value() -> None:
    """A numeric swept key is drawn at its values, in the curve's row order."""
    axis, xs = x_axis(pa.table({"lag": [60, 0, 7.5]}), "lag")
    assert axis.numeric and axis.labels == [] and axis.key == "lag"
    assert floats(xs) == [60.0, 0.0, 7.5]


def test_categories_are_drawn_at_positions_in_first_seen_order() -> None:
    """Text, booleans and tables are categories, numbered as they first appear."""
    axis, xs = x_axis(pa.table({"triage": ["lifo", "fifo", "lifo", "largest"]}), "triage")
    assert not axis.numeric and axis.labels == ["lifo", "fifo", "largest"]
    assert floats(xs) == [0.0, 1.0, 0.0, 2.0]
    axis, xs = x_axis(pa.table({"on": [True, False, True]}), "on")
    assert not axis.numeric and axis.labels == ["true", "false"]  # a bool is no number
    assert floats(xs) == [0.0, 1.0, 0.0]
    dists = pa.table({"d": [{"mean": 5.0, "kind": "exp"}, {"mean": 9.0, "kind": "exp"}]})
    axis, _ = x_axis(dists, "d")
    assert axis.labels == ['{"kind": "exp", "mean": 5.0}', '{"kind": "exp", "mean": 9.0}']


# -- outcome bands ------------------------------------------------------------------------


def curve_row(point: int, policy: str, lag: float, mean: float | None, n: int = 3,
              **extra: Any) -> dict[str, Any]:
    """Return a curve row of the ``saved_yuan`` measure with a ±1 interval."""
    return {"lag": lag, "point": point, "policy": policy, "n": n, "saved_yuan_mean": mean,
            "saved_yuan_ci_low": None if mean is None else mean - 1,
            "saved_yuan_ci_high": None if mean is None else mean + 1, **extra}


def test_curve_table_prefers_parquet_then_csv(tmp_path: Path) -> None:
    """The CSV copy of the curve is read when the Parquet one is missing; neither is an error."""
    rows = [curve_row(0, "base", 1, 5.0)]
    both = folder(tmp_path / "both", "sweep",
                  {"curve.parquet": rows, "curve.csv": [curve_row(0, "base", 1, 9.0)]})
    assert curve_table(both).column("saved_yuan_mean").to_pylist() == [5.0]
    csv_only = folder(tmp_path / "csv", "sweep", {"curve.csv": rows})
    assert curve_table(csv_only).column("saved_yuan_mean").to_pylist() == [5.0]
    with pytest.raises(ResultsFolderError, match=r"curve\.csv is missing"):
        curve_table(folder(tmp_path / "none", "sweep", {}))


def test_bands_are_one_line_per_policy_sorted_along_x(tmp_path: Path) -> None:
    """Rows come in any order; each policy's line runs left to right, in the policies' order."""
    rows = [curve_row(2, "slow", 30, 1.0), curve_row(0, "base", 0, 10.0),
            curve_row(1, "base", 30, None, n=0), curve_row(0, "slow", 0, 4.0),
            curve_row(2, "base", 10, 7.0)]
    f = folder(tmp_path, "sweep", {"curve.parquet": rows}, policies=["base", "slow", "gone"])
    axis, lines = bands(f, "saved_yuan", "lag")
    assert axis.numeric
    assert [(b.policy, b.panel) for b in lines] == [("base", ""), ("slow", "")]
    base, slow = lines
    assert floats(base.x) == [0.0, 10.0, 30.0]
    assert floats(base.mean)[:2] == [10.0, 7.0] and math.isnan(base.mean[2])  # null: NaN
    assert floats(base.low)[:2] == [9.0, 6.0] and floats(base.high)[:2] == [11.0, 8.0]
    assert floats(base.n) == [3.0, 3.0, 0.0]
    assert floats(slow.x) == [0.0, 30.0] and floats(slow.mean) == [4.0, 1.0]


def test_a_second_swept_key_makes_panels(tmp_path: Path) -> None:
    """With a panel key, each of its values (first seen first) gets every policy's line."""
    rows = [curve_row(i, pol, lag, float(i), triage=tri)
            for i, (pol, lag, tri) in enumerate([
                ("base", 0, "lifo"), ("base", 5, "fifo"), ("base", 5, "lifo"),
                ("alt", 0, "fifo"), ("base", 0, "fifo")])]
    f = folder(tmp_path, "sweep", {"curve.parquet": rows}, policies=["base", "alt"])
    _, lines = bands(f, "saved_yuan", "lag", "triage")
    assert [(b.panel, b.policy, floats(b.x), floats(b.mean)) for b in lines] == [
        ("lifo", "base", [0.0, 5.0], [0.0, 2.0]),
        ("fifo", "base", [0.0, 5.0], [4.0, 1.0]),
        ("fifo", "alt", [0.0], [3.0]),
    ]


SHARES: dict[tuple[int, str], list[float | None]] = {
    (0, "base"): [0.5, 0.7, None], (0, "alt"): [0.9], (1, "base"): [0.2, 0.4, 0.9]}


def replications(shares: dict[tuple[int, str], list[float | None]]) -> list[dict[str, Any]]:
    """Return replication rows holding the given shares saved."""
    return [{"point": p, "policy": pol, "replication": r, "saved_share": v}
            for (p, pol), values in shares.items() for r, v in enumerate(values)]


def test_share_saved_is_estimated_from_the_replications(tmp_path: Path) -> None:
    """Without share columns in the curve, each point's share is a Student-t mean of its reps."""
    curve = [curve_row(0, "base", 0, 1.0), curve_row(0, "alt", 0, 1.0),
             curve_row(1, "base", 5, 1.0), curve_row(1, "alt", 5, 1.0)]
    f = folder(tmp_path, "sweep", {"curve.parquet": curve,
                                   "replications.parquet": replications(SHARES)})
    est = share_estimates(f)
    mean, low, high, n = est[(0, "base")]  # the missing value is left out
    assert n == 2 and mean == pytest.approx(0.6)
    half = t95(1) * float(np.std([0.5, 0.7], ddof=1)) / math.sqrt(2)
    assert (low, high) == pytest.approx((0.6 - half, 0.6 + half))
    mean, low, high, n = est[(1, "base")]
    half = t95(2) * float(np.std([0.2, 0.4, 0.9], ddof=1)) / math.sqrt(3)
    assert (mean, low, high, n) == pytest.approx((0.5, 0.5 - half, 0.5 + half, 3))
    mean, low, high, n = est[(0, "alt")]
    assert (mean, n) == (0.9, 1) and math.isnan(low) and math.isnan(high)
    # The curve's rows in order; (1, alt) has no replication at all: NaN, n = 0.
    columns = measure_columns(f, "saved_share")
    assert floats(columns[0])[:3] == pytest.approx([0.6, 0.9, 0.5])
    assert math.isnan(columns[0][3]) and floats(columns[3]) == [2.0, 1.0, 3.0, 0.0]


def test_share_columns_of_the_curve_are_used_as_they_are(tmp_path: Path) -> None:
    """A curve that holds the share saved needs no replications table."""
    curve = [curve_row(0, "base", 0, 1.0, saved_share_mean=0.25, saved_share_ci_low=0.2,
                       saved_share_ci_high=0.3)]
    f = folder(tmp_path, "sweep", {"curve.parquet": curve})
    assert share_estimates(f) == {(0, "base"): (0.25, 0.2, 0.3, 3)}
    assert [floats(c) for c in measure_columns(f, "saved_share")] == [[0.25], [0.2], [0.3], [3.0]]


# -- golden hour ------------------------------------------------------------------------


def test_report_bins_have_a_label_each_and_rise() -> None:
    """Ten bins from 0 to infinity, each edge above the last, each with its label."""
    assert len(REPORT_BIN_LABELS) == len(REPORT_BINS_MIN) - 1 == 10
    assert all(a < b for a, b in itertools.pairwise(REPORT_BINS_MIN))
    assert REPORT_BINS_MIN[0] == 0 and math.isinf(REPORT_BINS_MIN[-1])
    assert REPORT_BIN_LABELS[4] == "1\u20132 h" and REPORT_BIN_LABELS[-1] == "> 3 days"


def case(delay: float | None, saved: int, exposed: int, reported: bool = True) -> dict[str, Any]:
    """Return a case realised at minute 100 and reported ``delay`` minutes later."""
    return {"realise_min": 100.0, "report_min": None if delay is None else 100.0 + delay,
            "reported": reported, "saved_fen": saved, "exposed_fen": exposed}


def test_golden_hour_bins_cases_by_report_delay() -> None:
    """Bins are closed on the left: 5 minutes is in 5-15, 4,320 (three days) is over 3 days."""
    cases = pa.Table.from_pylist([
        case(0.0, 100, 100), case(4.5, 0, 300),          # under 5 minutes: 100 of 400
        case(5.0, 50, 100),                              # 5-15 minutes
        case(60.0, 30, 60), case(119.0, 10, 40),         # 1-2 hours: 40 of 100
        case(4320.0, 0, 500),                            # over three days
        case(None, 70, 100, reported=False), case(None, 0, 300, reported=False),
    ])
    gh = golden_hour(cases, "base")
    assert gh.label == "base"
    assert gh.bins == [0, 1, 4, 9]
    assert [REPORT_BIN_LABELS[b] for b in gh.bins] == [
        "< 5 min", "5\u201315 min", "1\u20132 h", "> 3 days"]
    assert floats(gh.share) == pytest.approx([0.25, 0.5, 0.4, 0.0])
    assert gh.cases == [2, 1, 2, 1]
    assert gh.unreported_share == pytest.approx(70 / 400)
    assert math.isnan(gh.low[1]) and math.isnan(gh.high[1])  # one case: no interval


def test_golden_hour_without_unreported_cases() -> None:
    """If every case was reported, the unreported share is undefined (NaN), not 0."""
    gh = golden_hour(pa.Table.from_pylist([case(1.0, 5, 10), case(2.0, 5, 10)]), "x")
    assert gh.bins == [0] and floats(gh.share) == [0.5]
    assert math.isnan(gh.unreported_share)


def test_ratio_interval_by_hand() -> None:
    """Ratio of sums with the linearised standard error and Student's t (n - 1 df)."""
    saved = np.array([40.0, 50.0, 60.0, 20.0])
    exposed = np.array([100.0, 100.0, 100.0, 40.0])
    r = 170 / 340
    resid = [40 - r * 100, 50 - r * 100, 60 - r * 100, 20 - r * 40]  # -10, 0, 10, 0
    se = math.sqrt(sum(x * x for x in resid) / (4 * 3)) / (340 / 4)
    low, high = r - t95(3) * se, r + t95(3) * se
    assert 0 < low < high < 1  # not clipped
    assert ratio_interval(saved, exposed) == pytest.approx((r, low, high))


def test_ratio_interval_is_clipped_and_undefined_without_money() -> None:
    """The interval stays within [0, 1]; no case or no exposure gives NaN throughout."""
    r, low, high = ratio_interval(np.array([0.0, 100.0]), np.array([100.0, 100.0]))
    assert (r, low, high) == (0.5, 0.0, 1.0)
    for s, e in (([], []), ([0.0, 0.0], [0.0, 0.0])):
        assert all(math.isnan(v) for v in ratio_interval(np.array(s), np.array(e)))
    r, low, high = ratio_interval(np.array([3.0]), np.array([4.0]))
    assert r == 0.75 and math.isnan(low) and math.isnan(high)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 10**6), st.floats(0, 1)), min_size=2, max_size=30))
def test_ratio_interval_holds_the_ratio_of_sums(pairs: list[tuple[int, float]]) -> None:
    """The point estimate is the share of all money saved, inside its interval, within [0, 1]."""
    exposed = np.array([float(e) for e, _ in pairs])
    saved = np.array([float(math.floor(e * f)) for e, f in pairs])
    r, low, high = ratio_interval(saved, exposed)
    assert r == pytest.approx(saved.sum() / exposed.sum())
    assert 0.0 <= low <= r * (1 + 1e-12) and r <= high * (1 + 1e-12) and high <= 1.0


# -- losses ------------------------------------------------------------------------------


def lost_cases(lost: list[int], exposed: list[int]) -> list[dict[str, Any]]:
    """Return case rows with the given money cashed out and exposed."""
    return [{"cashed_out_fen": c, "exposed_fen": e} for c, e in zip(lost, exposed, strict=True)]


def test_losses_of_a_run_are_per_case(tmp_path: Path) -> None:
    """A run's losses are its cases' cash-outs, under the scenario's name, with exposures."""
    f = folder(tmp_path, "run", {"cases.parquet": lost_cases([0, 500, 20], [100, 900, 20])})
    data = losses(f)
    assert data is not None and data.unit == "case"
    assert {k: floats(v) for k, v in data.lost_fen.items()} == {"town": [0.0, 500.0, 20.0]}
    assert data.exposed_fen is not None and floats(data.exposed_fen) == [100.0, 900.0, 20.0]


def test_losses_of_a_comparison_with_kept_cases_join_every_replication(tmp_path: Path) -> None:
    """Kept case tables of all replications are joined; exposures come from the baseline."""
    kept = {f"replications/{p}/rep-{r:05d}.cases.parquet": lost_cases(lost, exposed)
            for p, r, lost, exposed in (("base", 0, [1, 2], [10, 20]), ("base", 1, [3], [30]),
                                        ("fast", 0, [0, 0], [10, 20]), ("fast", 1, [1], [30]))}
    f = folder(tmp_path, "compare", kept, policies=["base", "fast"], baseline="base")
    data = losses(f)
    assert data is not None and data.unit == "case"
    assert {k: floats(v) for k, v in data.lost_fen.items()} == {
        "base": [1.0, 2.0, 3.0], "fast": [0.0, 0.0, 1.0]}
    assert data.exposed_fen is not None and floats(data.exposed_fen) == [10.0, 20.0, 30.0]


def test_losses_of_a_lean_comparison_are_per_replication(tmp_path: Path) -> None:
    """Without kept cases, each replication's total loss is one value; sweeps have none."""
    rows = [{"policy": p, "replication": r, "lost_fen": v}
            for p, r, v in (("base", 0, 5.0), ("fast", 0, 1.0), ("base", 1, 7.0),
                            ("fast", 1, None))]
    f = folder(tmp_path / "cmp", "compare", {"replications.parquet": rows},
               policies=["base", "fast"])
    data = losses(f)
    assert data is not None and data.unit == "replication" and data.exposed_fen is None
    assert floats(data.lost_fen["base"]) == [5.0, 7.0]
    assert floats(data.lost_fen["fast"])[0] == 1.0 and math.isnan(data.lost_fen["fast"][1])
    assert losses(folder(tmp_path / "sweep", "sweep", {})) is None


def as_losses(lost: list[float], exposed: list[float] | None = None) -> Losses:
    """Return one policy's losses (and exposures) as arrays."""
    return Losses("case", {"p": np.asarray(lost, float)},
                  None if exposed is None else np.asarray(exposed, float))


def test_a_distribution_needs_five_positive_values_not_all_equal() -> None:
    """Four losses, or five equal ones, are no distribution; exposures count as values too."""
    assert not worth_a_distribution(as_losses([0, 1, 2, 3, 4]))
    assert worth_a_distribution(as_losses([1, 2, 3, 4, 5]))
    assert not worth_a_distribution(as_losses([7] * 6))
    assert not worth_a_distribution(as_losses([0, 0], [9, 9, 9, 9, 9]))
    assert worth_a_distribution(as_losses([0, 0, 1], [9, 9, 9, 9]))


def test_ccdf_by_hand() -> None:
    """Zeros count among all cases but are not drawn; ties step down once."""
    xs, share = ccdf(np.array([0.0, 5.0, 0.0, 3.0, 10.0, 5.0]))
    assert floats(xs) == [3.0, 5.0, 10.0]
    assert floats(share) == pytest.approx([4 / 6, 3 / 6, 1 / 6])
    for values in ([], [0.0, 0.0]):
        xs, share = ccdf(np.array(values))
        assert len(xs) == 0 and len(share) == 0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 20), max_size=40))
def test_ccdf_is_the_share_at_or_above_each_value(values: list[int]) -> None:
    """Each drawn point is the share of all values at or above it; the curve only falls."""
    arr = np.asarray(values, float)
    xs, share = ccdf(arr)
    assert floats(xs) == sorted({float(v) for v in values if v > 0})
    for x, s in zip(xs, share, strict=True):
        assert s == pytest.approx(sum(v >= x for v in values) / len(values))
    assert all(a > b for a, b in itertools.pairwise(share))


# -- paired differences -----------------------------------------------------------------


def diff_row(policy: str, mean: float | None, verdict: str | None = "better",
             measure: str = "saved_yuan") -> dict[str, Any]:
    """Return a row of differences.csv (an interval of ±2 around the mean)."""
    return {"policy": policy, "measure": measure, "mean_diff": mean,
            "ci_low": None if mean is None else mean - 2,
            "ci_high": None if mean is None else mean + 2, "verdict": verdict}


def test_differences_are_sorted_largest_first_undefined_last(tmp_path: Path) -> None:
    """Largest gain first, ties by name, an undefined mean last; other measures ignored."""
    rows = [diff_row("b", 3.0), diff_row("z", None, None), diff_row("a", 3.0),
            diff_row("c", -1.0, "worse"), diff_row("a", 99.0, measure="lost_yuan")]
    f = folder(tmp_path, "compare", {"differences.csv": rows})
    got = differences(f, "saved_yuan")
    assert [d.policy for d in got] == ["a", "b", "c", "z"]
    assert (got[2].mean, got[2].low, got[2].high, got[2].verdict) == (-1.0, -3.0, 1.0, "worse")
    assert math.isnan(got[3].mean) and math.isnan(got[3].low) and got[3].verdict == ""
    ordered = differences(f, "saved_yuan", order=["c", "z", "b"])
    assert [d.policy for d in ordered] == ["c", "z", "b", "a"]  # unlisted policies last
    assert differences(f, "frozen_share_of_paid") == []


def test_differences_need_their_table(tmp_path: Path) -> None:
    """A comparison without differences.csv (e.g. interrupted) says so and gives its status."""
    f = folder(tmp_path, "compare", {}, status="interrupted")
    with pytest.raises(ResultsFolderError, match=r"differences\.csv is missing.*'interrupted'"):
        differences(f, "saved_yuan")
