"""Figures of results folders: each builds, draws the numbers of its table, and is byte-stable.

Results folders are made here with the Python API (``simulate`` +
``write_results`` for runs, ``fraudsim.experiments`` for comparisons and
sweeps). Each figure's data lines carry a ``gid`` naming what they show, so
the tests find the drawn points and compare them with the tables.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

import fraudsim
from fraudsim.experiments import compare, run_sweep
from fraudsim.plotting import (
    ResultsFolder,
    ResultsFolderError,
    casedata,
    figures,
    lanes,
    open_folder,
    render,
    replay,
    series,
    write_figures,
)
from fraudsim.plotting.style import DPI, SLIDE_IN, policy_colours
from fraudsim.results import write_results
from fraudsim.scenario import Scenario
from fraudsim.scenario.loading import validate_scenario
from tests.conftest import XIAMEN, busy, xiamen

# -- building results folders -------------------------------------------------

BUSY_RUN = ["name=busy-town",
            'victims.report_lag_min={kind="lognormal",median=30,p95=1500}']
"""The busy town under its own name (so its default case is the largest), reporting late."""

POLICIES = {
    "baseline": {},
    "more_analysts": {"response.analysts.staff": 3},
    "slow_bank": {"banks.xiamen_bank.stop_latency_min": 60.0},
}


def make_run(dest: Path, scenario: Scenario, command: Sequence[str] = ("test",)) -> ResultsFolder:
    """Run one replication and write its results folder; return it opened."""
    result = fraudsim.simulate(scenario)
    write_results(result, dest, list(command), [])
    return open_folder(dest)


def with_policies(scenario: Scenario, name: str = "busy-town") -> Scenario:
    """Return the scenario with the test policies declared."""
    raw = scenario.model_dump(mode="json", by_alias=True)
    raw["policies"] = POLICIES
    raw["name"] = name
    return validate_scenario(raw)


def make_compare(dest: Path, keep_cases: bool) -> ResultsFolder:
    """Compare the test policies of the busy town (3 replications) into ``dest``."""
    compare(with_policies(busy(BUSY_RUN)), replications=3, workers=1, out=dest,
            keep_cases=keep_cases)
    return open_folder(dest)


def make_sweep(dest: Path, scenario: Scenario, vary: dict[str, list[Any]],
               policies: list[str] | None = None) -> ResultsFolder:
    """Sweep ``vary`` (2 replications per point) into ``dest``."""
    run_sweep(scenario, vary, policies, replications=2, workers=1, out=dest)
    return open_folder(dest)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ResultsFolder]:
    """Runs of the Xiamen replay (saved, and lost with a slow bank) and of the busy town."""
    root = tmp_path_factory.mktemp("runs")
    return {
        "xiamen": make_run(root / "xiamen", xiamen(), ["fraudsim", "run", str(XIAMEN)]),
        "xiamen_slow": make_run(root / "slow", xiamen(["banks.xiamen_bank.stop_latency_min=30"])),
        "busy": make_run(root / "busy", busy(BUSY_RUN)),
    }


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> ResultsFolder:
    return make_compare(tmp_path_factory.mktemp("cmp") / "kept", keep_cases=True)


@pytest.fixture(scope="module")
def compared_lean(tmp_path_factory: pytest.TempPathFactory) -> ResultsFolder:
    return make_compare(tmp_path_factory.mktemp("cmp") / "lean", keep_cases=False)


@pytest.fixture(scope="module")
def swept_latency(tmp_path_factory: pytest.TempPathFactory) -> ResultsFolder:
    return make_sweep(tmp_path_factory.mktemp("sw") / "latency", xiamen(),
                      {"banks.xiamen_bank.stop_latency_min": [30, 1, 3, 10]}, ["base"])


@pytest.fixture(scope="module")
def swept_lag(tmp_path_factory: pytest.TempPathFactory) -> ResultsFolder:
    return make_sweep(tmp_path_factory.mktemp("sw") / "lag", with_policies(busy()),
                      {"victims.report_lag_min": [0, 60, 600], "response.analysts.triage":
                       ["fifo", "largest_first"]}, ["baseline", "slow_bank"])


# -- helpers ------------------------------------------------------------------


def build(folder: ResultsFolder, name: str, case: int | None = None) -> Figure:
    """Build the figure called ``name`` (a prefix is enough) of a folder."""
    spec = next(s for s in figures(folder, case) if s.name.startswith(name))
    return spec.build()


def lines(fig: Figure, gid: str) -> list[Line2D]:
    """Return every line of a figure whose gid starts with ``gid``."""
    return [ln for ax in fig.axes for ln in ax.get_lines() if (ln.get_gid() or "").startswith(gid)]


def gid_of(line: Line2D) -> str:
    """Return a line's gid (every line the figures draw has one)."""
    gid = line.get_gid()
    assert gid is not None
    return gid


def xy(line: Line2D) -> tuple[list[float], list[float]]:
    """Return a line's points as lists of floats."""
    return (np.asarray(line.get_xdata(), float).tolist(),
            np.asarray(line.get_ydata(), float).tolist())


def one_line(fig: Figure, gid: str) -> tuple[np.ndarray, np.ndarray]:
    found = lines(fig, gid)
    assert len(found) == 1, [ln.get_gid() for ax in fig.axes for ln in ax.get_lines()]
    return np.asarray(found[0].get_xdata(), float), np.asarray(found[0].get_ydata(), float)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# -- folders ------------------------------------------------------------------


def test_folder_kinds_are_detected(
    folders: dict[str, ResultsFolder], compared: ResultsFolder, swept_latency: ResultsFolder
) -> None:
    assert folders["xiamen"].kind == "run"
    assert compared.kind == "compare"
    assert compared.policies == list(POLICIES)
    assert swept_latency.kind == "sweep"
    assert list(swept_latency.vary) == ["banks.xiamen_bank.stop_latency_min"]


def test_a_folder_that_is_no_results_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ResultsFolderError, match=r"no manifest\.json"):
        open_folder(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"scenario": {"name": "x"}}))
    with pytest.raises(ResultsFolderError, match="not a results folder"):
        open_folder(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ResultsFolderError, match="cannot be read"):
        open_folder(tmp_path)


# -- every figure builds, in both formats, at slide size -------------------------


EXPECTED = {
    "xiamen": ["case-0-timeline", "case-0-money-tree", "resources"],
    "compare": ["policy-comparison", "golden-hour", "loss-distribution", "timeline",
                "money-tree"],
    "sweep": ["outcome-curve"],
    "sweep_lag": ["outcome-curve", "golden-hour"],
}


@pytest.mark.parametrize("which", sorted(EXPECTED))
def test_every_figure_is_written_as_png_and_svg(
    which: str, folders: dict[str, ResultsFolder], compared: ResultsFolder,
    swept_latency: ResultsFolder, swept_lag: ResultsFolder, tmp_path: Path,
) -> None:
    folder = {"xiamen": folders["xiamen"], "compare": compared, "sweep": swept_latency,
              "sweep_lag": swept_lag}[which]
    written = write_figures(folder, tmp_path)
    stems = [p.stem for p in written if p.suffix == ".png"]
    assert len(stems) == len(EXPECTED[which])
    for stem, expected in zip(stems, EXPECTED[which], strict=True):
        assert expected in stem
    for path in written:
        data = path.read_bytes()
        assert len(data) > 10_000, path
        if path.suffix == ".png":
            assert png_size(data) == (2000, 1125)
        else:
            assert data.startswith(b"<?xml") and b"<dc:date>" not in data


def test_figures_are_slide_sized(folders: dict[str, ResultsFolder]) -> None:
    for spec in figures(folders["busy"]):
        fig = spec.build()
        assert tuple(fig.get_size_inches()) == pytest.approx(SLIDE_IN)
        assert fig.dpi == DPI
        assert fig.get_suptitle(), spec.name


def test_only_png_when_asked(swept_latency: ResultsFolder, tmp_path: Path) -> None:
    written = write_figures(swept_latency, tmp_path, ["png"])
    assert written and all(p.suffix == ".png" for p in written)


# -- same results, same bytes ---------------------------------------------------------


def test_same_results_give_identical_files(
    folders: dict[str, ResultsFolder], compared: ResultsFolder, swept_lag: ResultsFolder,
) -> None:
    """Every kind of figure, built twice from the same folder, gives the same bytes."""
    specs = [*figures(folders["busy"]), *(s for s in figures(compared)
                                          if s.name == "policy-comparison"), *figures(swept_lag)]
    assert len(specs) == 8
    for spec in specs:
        first, second = spec.build(), spec.build()
        for fmt in ("png", "svg"):
            assert render(first, fmt) == render(second, fmt), (spec.name, fmt)


def test_a_second_results_folder_of_the_same_run_gives_the_same_files(
    folders: dict[str, ResultsFolder], tmp_path: Path
) -> None:
    again = make_run(tmp_path / "again", xiamen(), ["fraudsim", "run", str(XIAMEN)])
    first = write_figures(folders["xiamen"], tmp_path / "a", ["png"])
    second = write_figures(again, tmp_path / "b", ["png"])
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


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


# -- the case: timeline and money tree --------------------------------------------------


def test_xiamen_timeline_shows_the_three_minute_stop(folders: dict[str, ResultsFolder]) -> None:
    folder = folders["xiamen"]
    plan = replay.plan_case(folder)
    assert plan is not None and plan.case_id == 0
    traced = replay.trace_case(folder, plan)
    tl = lanes.timeline(traced)
    assert tl.lanes[:4] == ["Victim", "Call-taker (110)", "Analyst", "Patrol"]
    marks = {(m.kind, tl.lanes[m.lane]): m.time for m in tl.marks}
    assert marks[("report", "Victim")] == 20.0
    assert marks[("stop_executed", "L1:xiamen_bank#0")] - marks[("report", "Victim")] == 3.0
    assert marks[("patrol", "Patrol")] == 23.0
    assert marks[("freeze", "L1:xiamen_bank#0")] == 83.0
    fig = build(folder, "case-0-timeline")
    x, _ = one_line(fig, "mark:stop_executed:L1:xiamen_bank#0")
    assert list(x) == [23.0]
    assert "100.0% saved" in fig.get_suptitle()


def test_money_tree_of_a_lost_case(folders: dict[str, ResultsFolder]) -> None:
    folder = folders["xiamen_slow"]
    plan = replay.plan_case(folder)
    assert plan is not None
    tree = casedata.money_tree(replay.trace_case(folder, plan))
    states = {n.account: (n.layer, n.state, n.cashed_fen) for n in tree.nodes}
    assert states["L1:xiamen_bank#0"][:2] == (1, "passed_on")
    cashed = [v for v in states.values() if v[1] == "cashed_out"]
    assert [c[0] for c in cashed] == [3, 3] and sum(c[2] for c in cashed) == 150_000_000
    fig = build(folder, "case-0-money-tree")
    texts = {t.get_gid(): t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid()}
    assert "cashed out ¥750 k" in texts["node:L3:xiamen_bank#2"]
    assert "¥1.50 M" in fig.get_suptitle()


def test_money_tree_accounts_for_the_money_of_a_busy_case(
    folders: dict[str, ResultsFolder],
) -> None:
    folder = folders["busy"]
    plan = replay.plan_case(folder)
    assert plan is not None
    traced = replay.trace_case(folder, plan)
    row = traced.row
    cases = pq.read_table(folder.path / "cases.parquet").to_pylist()
    assert row["exposed_fen"] == max(c["exposed_fen"] for c in cases)
    tree = casedata.money_tree(traced, max_leaves=None)
    nodes = tree.nodes[1:]
    assert sum(n.frozen_fen for n in nodes) == row["frozen_fen"]
    assert sum(n.cashed_fen for n in nodes) == row["cashed_out_fen"]
    paid_in = sum(e.fen for e in tree.edges if e.src == casedata.VICTIM)
    assert paid_in == row["paid_fen"] + row["prevented_by_recall_fen"]


def test_big_trees_keep_the_largest_branches() -> None:
    edge = casedata.Edge
    edges = [edge(0, "victim", "L1:b#0", 100), edge(1, "L1:b#0", "L2:b#1", 90),
             edge(1, "L1:b#0", "L2:b#2", 10)] + [edge(2, "L2:b#1", f"L3:b#{i}", 30)
                                                  for i in range(3, 6)]
    order = casedata.depth_first(edges)
    received = {e.dst: e.fen for e in edges}
    keep = casedata.largest_branches(order, edges, received, max_leaves=3)
    assert keep == {"L1:b#0", "L2:b#1", "L3:b#3", "L3:b#4", "L3:b#5"}


def test_a_case_can_be_chosen_and_must_exist(folders: dict[str, ResultsFolder]) -> None:
    folder = folders["busy"]
    plan = replay.plan_case(folder, 3)
    assert plan is not None and plan.case_id == 3
    assert [s.name for s in figures(folder, 3) if "case" in s.name] == [
        "case-3-timeline", "case-3-money-tree"]
    with pytest.raises(ResultsFolderError, match="--case 10000"):
        replay.plan_case(folder, 10_000)


def test_a_replay_that_differs_from_the_results_is_refused(
    folders: dict[str, ResultsFolder], tmp_path: Path
) -> None:
    src = folders["busy"].path
    dest = tmp_path / "tampered"
    dest.mkdir()
    for f in src.iterdir():
        (dest / f.name).write_bytes(f.read_bytes())
    manifest = json.loads((dest / "manifest.json").read_text())
    manifest["seed"] += 1
    (dest / "manifest.json").write_text(json.dumps(manifest))
    folder = open_folder(dest)
    plan = replay.plan_case(folder, 0)
    assert plan is not None
    with pytest.raises(ResultsFolderError, match="cannot replay the case exactly"):
        replay.trace_case(folder, plan)


def test_a_scenario_with_many_named_tables_replays_faithfully(tmp_path: Path) -> None:
    """The manifest sorts named tables; the scenario file named in the command restores order."""
    from tests.conftest import SCENARIOS

    path = SCENARIOS / "city-month.toml"
    scenario = fraudsim.load_scenario(path, ["time.horizon_days=3", "time.drain_days=1"])
    result = fraudsim.simulate(scenario)
    write_results(result, tmp_path / "city", ["fraudsim", "run", str(path)],
                  ["time.horizon_days=3", "time.drain_days=1"])
    folder = open_folder(tmp_path / "city")
    plan = replay.plan_case(folder)
    assert plan is not None
    traced = replay.trace_case(folder, plan)
    assert repr(traced.row) == repr(result.cases.slice(plan.case_id, 1).to_pylist()[0])


def test_a_comparison_replays_its_baseline(compared_lean: ResultsFolder) -> None:
    plan = replay.plan_case(compared_lean)
    assert plan is not None and plan.policy == "baseline" and plan.replication == 0
    traced = replay.trace_case(compared_lean, plan)
    assert traced.result.trace


def test_sweeps_have_no_case_figures(swept_latency: ResultsFolder) -> None:
    assert replay.plan_case(swept_latency) is None
