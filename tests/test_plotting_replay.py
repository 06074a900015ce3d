"""Replaying one case of a results folder: which case, under which seed and policy, and checked.

:mod:`fraudsim.plotting.replay` plans the replay of a case from a run or a
comparison (seed, replication and baseline policy from the manifest; the
Xiamen case, else the largest exposure, by default), replays it with its
trace, and refuses a replay that does not reproduce what the folder
recorded. Expected cases are read from the folders' tables with pyarrow.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fraudsim
from fraudsim.plotting import ResultsFolder, ResultsFolderError, open_folder
from fraudsim.plotting.replay import (
    XIAMEN,
    largest_exposure,
    mismatch,
    plan_case,
    trace_case,
)
from fraudsim.results import write_results
from tests.conftest import busy
from tests.plotting_folders import with_policies

SHORT = ["time.horizon_days=1"]
"""One day of the busy town: a few dozen cases, enough to choose among."""

RUN_SEED, RUN_REP = 7, 2


def write_run(dest: Path, name: str, seed: int = RUN_SEED, rep: int = RUN_REP) -> ResultsFolder:
    """Run the short busy town (named ``name``) once and write its results folder."""
    result = fraudsim.simulate(busy([*SHORT, f"name={name}"]), seed=seed, replication=rep)
    write_results(result, dest, ["test"], [])
    return open_folder(dest)


def cases_of(path: Path) -> list[dict[str, Any]]:
    """Return a case table's rows, read directly."""
    rows: list[dict[str, Any]] = pq.read_table(path).to_pylist()
    return rows


def first_largest(rows: list[dict[str, Any]]) -> int:
    """Return the case id of the first row with the largest exposure."""
    top = max(r["exposed_fen"] for r in rows)
    return int(next(r["case_id"] for r in rows if r["exposed_fen"] == top))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> ResultsFolder:
    """A run of the short busy town at seed 7, replication 2."""
    return write_run(tmp_path_factory.mktemp("replay") / "run", "busy-town")


@pytest.fixture(scope="module")
def comparisons(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ResultsFolder]:
    """The same comparison (baseline: the slow bank) with and without its case tables kept."""
    root = tmp_path_factory.mktemp("replay-cmp")
    scenario = with_policies(busy(SHORT))
    out = {}
    for name, keep in (("kept", True), ("lean", False)):
        fraudsim.compare(scenario, replications=2, workers=1, out=root / name,
                         baseline="slow_bank", keep_cases=keep)
        out[name] = open_folder(root / name)
    return out


# -- the default case -------------------------------------------------------------------


def test_largest_exposure_of_no_cases_is_none() -> None:
    """An empty case table has no case to show."""
    empty = pa.table({"case_id": pa.array([], pa.int64()), "exposed_fen": pa.array([], pa.int64())})
    assert largest_exposure(empty) is None


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=12), st.integers(0, 100))
def test_largest_exposure_is_the_first_of_the_largest(exposed: list[int], offset: int) -> None:
    """The case id (not the row number) of the first case with the largest exposure."""
    ids = [offset + 3 * i for i in range(len(exposed))]
    table = pa.table({"case_id": ids, "exposed_fen": exposed})
    rows = [{"case_id": i, "exposed_fen": e} for i, e in zip(ids, exposed, strict=True)]
    assert largest_exposure(table) == first_largest(rows)


def test_a_run_replays_its_largest_case_with_its_seed_and_replication(run: ResultsFolder) -> None:
    """The plan takes the seed and replication from the manifest, and the largest exposure."""
    plan = plan_case(run)
    assert plan is not None
    assert (plan.seed, plan.replication, plan.policy) == (RUN_SEED, RUN_REP, "")
    assert plan.case_id == first_largest(cases_of(run.path / "cases.parquet"))
    assert plan.scenario.name == "busy-town"


def test_the_xiamen_scenario_replays_case_zero_even_if_smaller(tmp_path: Path) -> None:
    """Under the Xiamen name, case 0 (the real case) is shown, not the largest exposure."""
    folder = write_run(tmp_path / "x", XIAMEN)
    rows = cases_of(folder.path / "cases.parquet")
    assert first_largest(rows) != 0  # the busy town's largest case is another one
    plan = plan_case(folder)
    assert plan is not None and plan.case_id == 0


def test_a_run_without_cases_has_nothing_to_replay(tmp_path: Path) -> None:
    """A run that drew no case plans no replay (and no case figure)."""
    result = fraudsim.simulate(busy(["name=empty", "contacts.rate_per_hour=0",
                                     "scripted_cases=[]", *SHORT]))
    assert result.cases.num_rows == 0
    write_results(result, tmp_path / "empty", ["test"], [])
    assert plan_case(open_folder(tmp_path / "empty")) is None


@pytest.mark.parametrize("case", [-1, -100])
def test_a_negative_case_is_refused(run: ResultsFolder, case: int) -> None:
    """Negative ids are no cases (not rows counted from the end)."""
    n = len(cases_of(run.path / "cases.parquet"))
    with pytest.raises(ResultsFolderError,
                       match=rf"--case {case}: this run has {n} cases \(ids 0 to {n - 1}\)"):
        plan_case(run, case)


# -- comparisons ---------------------------------------------------------------------------


def test_a_comparison_replays_under_its_baseline(comparisons: dict[str, ResultsFolder]) -> None:
    """The baseline policy's changes are applied; replication 0 at the experiment's seed."""
    folder = comparisons["lean"]
    plan = plan_case(folder)
    assert plan is not None
    assert plan.policy == "slow_bank" and plan.replication == 0
    assert plan.seed == folder.manifest["seed"]
    raw = plan.scenario.model_dump(mode="json", by_alias=True)
    assert raw["banks"]["xiamen_bank"]["stop_latency_min"] == {"kind": "constant", "value": 60.0}
    assert not raw["policies"]  # the policy is applied, its table dropped


def test_a_lean_comparison_finds_the_same_case_as_a_kept_one(
    comparisons: dict[str, ResultsFolder],
) -> None:
    """Without case tables the baseline is rerun; it picks the case the kept tables show."""
    kept = cases_of(comparisons["kept"].path / "replications/slow_bank/rep-00000.cases.parquet")
    want = first_largest(kept)
    for name in ("kept", "lean"):
        plan = plan_case(comparisons[name])
        assert plan is not None and plan.case_id == want, name


def test_a_traced_case_is_the_recorded_case(comparisons: dict[str, ResultsFolder]) -> None:
    """The traced row is the row the comparison kept for that case, and its trace is there."""
    folder = comparisons["kept"]
    plan = plan_case(folder, 1)
    assert plan is not None and plan.case_id == 1
    traced = trace_case(folder, plan)
    assert (traced.case_id, traced.policy) == (1, "slow_bank")
    kept = cases_of(folder.path / "replications/slow_bank/rep-00000.cases.parquet")
    want = next(r for r in kept if r["case_id"] == 1)
    for key in ("contact_min", "exposed_fen", "saved_fen", "cashed_out_fen"):
        assert traced.row[key] == want[key], key
    assert traced.row["case_id"] == 1
    assert traced.result.trace and traced.result.trace[0].event == "contact"


def test_a_case_beyond_a_comparison_is_refused(comparisons: dict[str, ResultsFolder]) -> None:
    """A comparison's case count is only known by replaying: the error names the case."""
    folder = comparisons["lean"]
    plan = plan_case(folder, 99_999)
    assert plan is not None and plan.case_id == 99_999
    with pytest.raises(ResultsFolderError, match="--case 99999: case 99999 does not exist"):
        trace_case(folder, plan)


# -- checking the replay ------------------------------------------------------------------


def test_a_faithful_replay_matches(run: ResultsFolder, comparisons: dict[str, ResultsFolder]
                                   ) -> None:
    """The run's own draw, and the comparison's baseline replication 0, match their folders."""
    again = fraudsim.simulate(run.scenario(), seed=RUN_SEED, replication=RUN_REP)
    assert mismatch(run, again) is None
    for folder in comparisons.values():
        plan = plan_case(folder, 0)
        assert plan is not None
        replay = fraudsim.simulate(plan.scenario, seed=plan.seed, replication=0)
        assert mismatch(folder, replay) is None


def test_another_replication_does_not_match(run: ResultsFolder,
                                            comparisons: dict[str, ResultsFolder]) -> None:
    """A different draw is caught from the case table, or from the replication's measures."""
    other = fraudsim.simulate(run.scenario(), seed=RUN_SEED, replication=RUN_REP + 1)
    recorded = len(cases_of(run.path / "cases.parquet"))
    assert mismatch(run, other) == (f"the replay gives {other.cases.num_rows} cases, the "
                                    f"results {recorded} (or different amounts)")
    plan = plan_case(comparisons["lean"], 0)
    assert plan is not None
    wrong_seed = fraudsim.simulate(plan.scenario, seed=plan.seed + 1, replication=0)
    problem = mismatch(comparisons["lean"], wrong_seed)
    assert problem is not None
    assert problem.startswith("the replay's ") and problem.endswith(
        " differ from replications.parquet")
    assert "exposed_fen" in problem  # a new draw of the scams exposes other amounts


def test_a_replication_the_comparison_did_not_run_cannot_be_checked(
    comparisons: dict[str, ResultsFolder],
) -> None:
    """Replication 5 of a two-replication comparison has no record: nothing to compare."""
    plan = plan_case(comparisons["lean"], 0)
    assert plan is not None
    result = fraudsim.simulate(plan.scenario, seed=plan.seed, replication=5)
    assert mismatch(comparisons["lean"], result) is None


def test_a_case_table_changed_after_the_run_is_refused(run: ResultsFolder, tmp_path: Path
                                                       ) -> None:
    """One case's saved amount edited in cases.parquet: the replay no longer matches."""
    dest = tmp_path / "edited"
    shutil.copytree(run.path, dest)
    table = pq.read_table(dest / "cases.parquet")
    saved = table.column("saved_fen").to_pylist()
    saved[0] += 1
    edited = table.set_column(table.schema.get_field_index("saved_fen"), "saved_fen",
                              pa.array(saved, table.schema.field("saved_fen").type))
    pq.write_table(edited, dest / "cases.parquet")
    folder = open_folder(dest)
    plan = plan_case(folder, 0)
    assert plan is not None
    with pytest.raises(ResultsFolderError,
                       match=r"cannot replay the case exactly: the replay gives .*rerun"):
        trace_case(folder, plan)
