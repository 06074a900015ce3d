"""The numbers each figure draws are its results table's numbers.

Each figure's data lines carry a ``gid`` naming what they show, so the
tests find the drawn points and compare them with the folder's tables
(curve, replications, differences, cases, resources) or with the same
figures worked out by hand. The folders are the session fixtures of
``tests/conftest.py``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from fraudsim.plotting import ResultsFolder, figures, series
from fraudsim.plotting.style import policy_colours
from tests.plotting_folders import POLICIES, build, gid_of, lines, one_line, xy

# -- the drawn numbers are the tables' numbers ------------------------------------------


def _share_by_hand(folder: ResultsFolder) -> dict[tuple[int, str], float]:
    rows = pq.read_table(folder.path / "replications.parquet").to_pylist()
    out: dict[tuple[int, str], list[float]] = {}
    for r in rows:
        out.setdefault((r["point"], r["policy"]), []).append(r["saved_share"])
    return {k: float(np.mean(v)) for k, v in out.items()}


def test_outcome_curve_draws_the_curve_table(swept_latency: ResultsFolder) -> None:
    fig = build(swept_latency, "outcome-curve")
    curve = pq.read_table(swept_latency.path / "curve.parquet").to_pylist()
    key = "banks.xiamen_bank.stop_latency_min"
    by_x = sorted(curve, key=lambda r: r[key])
    x, y = one_line(fig, "saved_yuan:base:")  # "base": the plain scenario
    assert list(x) == [r[key] for r in by_x] == [1, 3, 10, 30]
    assert list(y) == pytest.approx([r["saved_yuan_mean"] for r in by_x])
    x, share = one_line(fig, "saved_share:base:")
    hand = _share_by_hand(swept_latency)
    assert list(share) == pytest.approx([hand[(r["point"], "base")] for r in by_x])
    # The Xiamen replay: all saved at a fast bank, all lost at 30 minutes.
    assert share[0] == 1.0 and share[-1] == 0.0


def test_outcome_curve_marks_the_xiamen_case(swept_latency: ResultsFolder) -> None:
    fig = build(swept_latency, "outcome-curve")
    stars = lines(fig, "xiamen")
    assert len(stars) == 2  # on the share and on the yuan panel
    points = sorted((xy(s)[0][0], xy(s)[1][0]) for s in stars)
    assert points == [(2.5, 1.0), (2.5, 1_500_000.0)]
    texts = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert "Xiamen 2023-09-27 (observed): stopped 3 min after the report, all ¥1.50 M saved" in (
        texts)


def test_no_xiamen_mark_for_other_scenarios(swept_lag: ResultsFolder) -> None:
    assert not lines(build(swept_lag, "outcome-curve"), "xiamen")


def test_two_key_sweep_draws_a_panel_per_value(swept_lag: ResultsFolder) -> None:
    fig = build(swept_lag, "outcome-curve")
    panels = {gid_of(ln).split(":")[2] for ln in lines(fig, "saved_share:")}
    assert panels == {'"fifo"', '"largest_first"'} or panels == {"fifo", "largest_first"}
    curve = pq.read_table(swept_lag.path / "curve.parquet").to_pylist()
    hand = _share_by_hand(swept_lag)
    for ln in lines(fig, "saved_share:"):
        _, policy, panel = gid_of(ln).split(":")
        rows = sorted((r for r in curve if r["policy"] == policy
                       and panel.strip('"') == r["response.analysts.triage"]),
                      key=lambda r: r["victims.report_lag_min"])
        assert xy(ln)[0] == [r["victims.report_lag_min"] for r in rows]
        assert xy(ln)[1] == pytest.approx([hand[(r["point"], policy)] for r in rows],
                                                     nan_ok=True)


def test_golden_hour_sweep_draws_the_share_against_the_report_delay(
    swept_lag: ResultsFolder,
) -> None:
    fig = build(swept_lag, "golden-hour")
    hand = _share_by_hand(swept_lag)
    curve = pq.read_table(swept_lag.path / "curve.parquet").to_pylist()
    for ln in lines(fig, "saved_share:"):
        _, policy, panel = gid_of(ln).split(":")
        rows = sorted((r for r in curve if r["policy"] == policy
                       and panel.strip('"') == r["response.analysts.triage"]),
                      key=lambda r: r["victims.report_lag_min"])
        assert xy(ln)[1] == pytest.approx([hand[(r["point"], policy)] for r in rows],
                                                     nan_ok=True)


def _golden_by_hand(cases: list[dict[str, Any]]) -> dict[int, float]:
    edges = series.REPORT_BINS_MIN
    saved: dict[int, float] = {}
    exposed: dict[int, float] = {}
    for c in cases:
        if not c["reported"]:
            continue
        delay = c["report_min"] - c["realise_min"]
        b = next(i for i in range(len(edges) - 1) if edges[i] <= delay < edges[i + 1])
        saved[b] = saved.get(b, 0) + c["saved_fen"]
        exposed[b] = exposed.get(b, 0) + c["exposed_fen"]
    return {b: saved[b] / exposed[b] for b in saved}


def test_golden_hour_of_a_run_bins_its_cases(folders: dict[str, ResultsFolder]) -> None:
    folder = folders["busy"]
    x, y = one_line(build(folder, "golden-hour"), f"golden:{folder.scenario_name}")
    hand = _golden_by_hand(pq.read_table(folder.path / "cases.parquet").to_pylist())
    assert dict(zip(x.astype(int), y, strict=True)) == pytest.approx(hand)
    assert len(hand) >= 3


def test_ratio_interval_brackets_the_ratio() -> None:
    saved = np.array([0.0, 50.0, 100.0, 20.0])
    exposed = np.array([100.0, 100.0, 100.0, 40.0])
    r, low, high = series.ratio_interval(saved, exposed)
    assert r == pytest.approx(170 / 340)
    assert 0 <= low < r < high <= 1
    assert math.isnan(series.ratio_interval(saved[:1], exposed[:1])[1])


def test_golden_hour_of_a_comparison_has_a_line_per_policy(compared: ResultsFolder) -> None:
    fig = build(compared, "golden-hour")
    assert sorted(gid_of(ln) for ln in lines(fig, "golden:")) == sorted(
        f"golden:{p}" for p in POLICIES)


def test_policy_comparison_draws_the_paired_differences_sorted(compared: ResultsFolder) -> None:
    fig = build(compared, "policy-comparison")
    rows = [r for r in json_rows(compared.path / "differences.csv") if r["measure"] == "saved_yuan"]
    drawn = {gid_of(ln).split(":")[1]: (xy(ln)[0][0], xy(ln)[1][0])
             for ln in lines(fig, "saved_yuan:")}
    assert set(drawn) == {"more_analysts", "slow_bank"}
    for r in rows:
        assert drawn[r["policy"]][0] == pytest.approx(float(r["mean_diff"]))
    top_to_bottom = sorted(drawn, key=lambda p: -drawn[p][1])
    means = [drawn[p][0] for p in top_to_bottom]
    assert means == sorted(means, reverse=True)


def json_rows(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open() as f:
        return list(csv.DictReader(f))


def _ccdf_by_hand(lost_yuan: np.ndarray) -> tuple[list[float], list[float]]:
    xs = sorted({v for v in lost_yuan if v > 0})
    return xs, [float(np.mean(lost_yuan >= x)) for x in xs]


def test_loss_distribution_of_a_run_draws_every_case(folders: dict[str, ResultsFolder]) -> None:
    folder = folders["busy"]
    fig = build(folder, "loss-distribution")
    cases = pq.read_table(folder.path / "cases.parquet")
    lost = np.asarray(cases.column("cashed_out_fen").to_pylist(), float) / 100
    x, y = one_line(fig, f"ccdf:{folder.scenario_name}")
    hx, hy = _ccdf_by_hand(lost)
    assert list(x) == pytest.approx(hx) and list(y) == pytest.approx(hy)
    assert fig.axes[1].get_xscale() == "log" and fig.axes[1].get_yscale() == "log"
    exposed = np.asarray(cases.column("exposed_fen").to_pylist(), float) / 100
    x, y = one_line(fig, "ccdf:exposed")
    assert list(x) == pytest.approx(_ccdf_by_hand(exposed)[0])


def test_loss_distribution_of_a_comparison_uses_the_kept_cases(compared: ResultsFolder) -> None:
    fig = build(compared, "loss-distribution")
    for policy in POLICIES:
        kept = compared.kept_cases(policy)
        assert kept is not None
        lost = np.asarray(kept.column("cashed_out_fen").to_pylist(), float) / 100
        _, y = one_line(fig, f"ccdf:{policy}")
        assert list(y) == pytest.approx(_ccdf_by_hand(lost)[1])


def test_one_case_has_no_distributions(folders: dict[str, ResultsFolder]) -> None:
    names = [s.name for s in figures(folders["xiamen"])]
    assert "loss-distribution" not in names and "golden-hour" not in names


def test_loss_distribution_without_cases_uses_replications(compared_lean: ResultsFolder) -> None:
    fig = build(compared_lean, "loss-distribution")
    rows = pq.read_table(compared_lean.path / "replications.parquet").to_pylist()
    for policy in POLICIES:
        want = sorted(r["lost_fen"] / 100 for r in rows if r["policy"] == policy
                      and r["lost_fen"] > 0)
        _, y = one_line(fig, f"lost:{policy}")
        assert sorted(v for v in y if v > 0) == pytest.approx(want)
    pooled = [r["lost_fen"] for r in rows if r["lost_fen"] > 0]
    wide = max(pooled) >= 10 * min(pooled)  # a log axis only where it helps
    assert fig.axes[0].get_yscale() == ("log" if wide else "linear")


def test_policies_keep_their_colour_across_figures(compared: ResultsFolder) -> None:
    """Every figure of a folder colours a policy alike, by the folder's colour order.

    Colours used to follow the experiment's own policy list; they now follow
    the scenario's full comparison (tests/test_plotting_colours.py), which
    here is the same list: all declared policies, the first the baseline.
    """
    assert compared.colour_order == compared.policies
    colours = policy_colours(compared.colour_order)
    assert colours["baseline"] == "#000000"
    for name in ("policy-comparison", "loss-distribution", "golden-hour"):
        fig = build(compared, name)
        for ln in lines(fig, ""):
            gid = ln.get_gid() or ""
            policy = gid.split(":")[1] if ":" in gid else ""
            if policy in colours:
                assert ln.get_color() == colours[policy], (name, policy)


def test_resources_draw_the_resource_table(folders: dict[str, ResultsFolder]) -> None:
    folder = folders["busy"]
    fig = build(folder, "resources")
    table = pq.read_table(folder.path / "resources.parquet").to_pylist()
    for name in ("call_takers", "analysts"):
        rows = sorted((r for r in table if r["resource"] == name), key=lambda r: r["bin_start_min"])
        edges = [r["bin_start_min"] / 1440 for r in rows] + [rows[-1]["bin_end_min"] / 1440]
        for gid, column in (("busy", "mean_busy"), ("capacity", "mean_capacity"),
                            ("queue", "mean_queue"), ("utilisation", "utilisation")):
            x, y = one_line(fig, f"{gid}:{name}")
            assert list(x) == pytest.approx(edges)
            values = [r[column] for r in rows]
            assert list(y) == pytest.approx([*values, values[-1]], nan_ok=True), gid
    assert not lines(fig, "busy:warning_team")  # no early warning in the busy town


def test_resources_of_long_runs_are_merged_exactly() -> None:
    from fraudsim.plotting.resources import ResourceSeries, coarsen

    n = 2000
    busy_values = np.arange(n, dtype=float) % 7
    s = ResourceSeries("analysts", np.arange(n + 1) / 24, np.full(n, 4.0), busy_values,
                       busy_values / 4, np.zeros(n), np.arange(n, dtype=float))
    c = coarsen(s, 800)
    assert len(c.busy) <= 800 and len(c.edges_day) == len(c.busy) + 1
    assert c.edges_day[0] == 0 and c.edges_day[-1] == s.edges_day[-1]
    assert c.busy[0] == pytest.approx(busy_values[:3].mean())
    assert c.max_queue[0] == 2.0

