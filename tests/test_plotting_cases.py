"""Figures of one case: the Xiamen timeline, money trees, and the replay they draw from.

A case figure replays its case from the results folder's scenario and
seed, and refuses a replay that differs from the recorded results. The
folders are the session fixtures of ``tests/conftest.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import fraudsim
from fraudsim.plotting import (
    ResultsFolder,
    ResultsFolderError,
    casedata,
    figures,
    lanes,
    open_folder,
    replay,
)
from fraudsim.results import write_results
from tests.plotting_folders import build, one_line

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
