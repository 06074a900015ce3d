"""The Python API (fraudsim/api.py): simulate() and SimulationResult."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import fraudsim
from fraudsim.api import SimulationResult
from fraudsim.model.kernel import Clock
from fraudsim.model.world import AccountState, TraceEvent
from tests.conftest import busy, xiamen


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    return fraudsim.simulate(busy(), seed=11, replication=2)


def same(a: pa.Table, b: pa.Table) -> bool:
    """Tables equal value for value, NaN included (Table.equals treats NaN as unequal)."""
    if a.schema != b.schema or a.num_rows != b.num_rows:
        return False
    for name in a.column_names:
        if pa.types.is_large_list(a.schema.field(name).type):  # each payment: never NaN
            if a.column(name).to_pylist() != b.column(name).to_pylist():
                return False
            continue
        x = a.column(name).to_numpy(zero_copy_only=False)
        y = b.column(name).to_numpy(zero_copy_only=False)
        nan_ok = x.dtype.kind == "f"
        if not np.array_equal(x, y, equal_nan=nan_ok):
            return False
    return True


def total(result: SimulationResult, column: str) -> float:
    return float(result.cases.column(column).to_numpy(zero_copy_only=False).sum())


def test_the_summary_matches_the_cases_table(result: SimulationResult) -> None:
    cases = result.cases
    assert result.metric("cases") == cases.num_rows > 50
    for name in (
        "exposed_fen",
        "paid_fen",
        "prevented_fen",
        "frozen_fen",
        "cashed_out_fen",
        "in_flight_fen",
        "saved_fen",
        "hops_traced",
        "accounts_frozen",
    ):
        assert result.metric(name) == total(result, name), name
    assert result.metric("reported") == total(result, "reported")
    started = ~np.isnan(cases.column("case_start_min").to_numpy(zero_copy_only=False))
    assert result.metric("cases_started") == started.sum()
    assert result.metric("saved_share") == pytest.approx(
        total(result, "saved_fen") / total(result, "exposed_fen")
    )
    channels = sum(m.value for m in result.summary if m.metric.startswith("cashed_out_via_"))
    assert channels == total(result, "cashed_out_fen")


def test_the_result_records_seed_replication_and_scenario(result: SimulationResult) -> None:
    assert result.seed == 11
    assert result.replication == 2
    assert result.scenario == busy()
    assert set(result.cases.column("replication").to_pylist()) == {2}
    assert result.stats["cases"] == result.cases.num_rows
    assert result.stats["events"] > result.cases.num_rows
    assert result.stats["simulated_min"] == (5 + 1) * 1440.0
    assert result.stats["wall_s"] > 0


def test_the_seed_defaults_to_the_scenarios() -> None:
    scenario = busy()
    default = fraudsim.simulate(scenario)
    assert default.seed == scenario.seed
    assert same(default.cases, fraudsim.simulate(scenario, seed=scenario.seed).cases)
    assert not same(default.cases, fraudsim.simulate(scenario, seed=scenario.seed + 1).cases)


def test_summary_table_has_every_metric(result: SimulationResult) -> None:
    t = result.summary_table()
    assert t.column_names == ["metric", "value", "unit"]
    assert t.column("metric").to_pylist() == [m.metric for m in result.summary]
    assert t.num_rows == len(result.summary)


def test_metric_of_an_unknown_name_is_a_key_error(result: SimulationResult) -> None:
    with pytest.raises(KeyError, match="no_such_metric"):
        result.metric("no_such_metric")


def test_no_trace_unless_asked(result: SimulationResult) -> None:
    assert result.trace == []
    assert result.tree == []
    assert result.tree_status == {}


def test_a_traced_case_has_its_timeline_and_money_tree() -> None:
    traced = fraudsim.simulate(xiamen(), trace_case=0)
    assert traced.trace and all(isinstance(e, TraceEvent) for e in traced.trace)
    assert traced.trace[0].event == "contact"
    assert traced.tree == [(3500.0, "victim", "L1:xiamen_bank#0", 150_000_000)]
    assert traced.tree_status == {"L1:xiamen_bank#0": AccountState("frozen", 0)}
    # Tracing only records: the outcome is the same as without it.
    assert same(traced.cases, fraudsim.simulate(xiamen()).cases)


def test_tracing_a_case_that_does_not_exist_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="case 5 does not exist"):
        fraudsim.simulate(xiamen(), trace_case=5)


def test_progress_is_reported_up_to_the_end() -> None:
    reached: list[float] = []
    fraudsim.simulate(xiamen(), progress=reached.append)
    assert len(reached) == 100
    assert reached[-1] == (3 + 3) * 1440.0


def test_a_finished_run_leaves_nothing_behind() -> None:
    """Replications in one process do not pile up: each run's world is freed at once.

    The world's parts refer to one another, so without a collection at the
    end of ``simulate`` they would wait for the cyclic collector's own
    schedule, replications later.
    """
    scenario = busy()
    gc.collect()
    fraudsim.simulate(scenario, replication=0)
    after_one = len(gc.get_objects())
    for rep in range(1, 6):
        fraudsim.simulate(scenario, replication=rep)
    assert len(gc.get_objects()) - after_one < 100
    assert not [o for o in gc.get_objects() if isinstance(o, Clock)]


def test_a_case_table_in_many_chunks_gives_the_same_results(
    result: SimulationResult, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from fraudsim import records
    from fraudsim.results import write_parquet

    monkeypatch.setattr(records, "CHUNK_CASES", 5)
    chunked = fraudsim.simulate(busy(), seed=11, replication=2)
    assert chunked.cases.column("case_id").num_chunks > 1
    assert same(chunked.cases, result.cases)
    assert chunked.summary == result.summary
    assert chunked.stats["cases"] == result.stats["cases"] == result.cases.num_rows
    write_parquet(chunked.cases, tmp_path / "cases.parquet")
    assert same(pq.read_table(tmp_path / "cases.parquet"), result.cases)


def test_the_collector_is_paused_while_the_case_table_is_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first collection after a run would rescan every object the run left."""
    import fraudsim.api as api
    from fraudsim.records import cases_table as real

    seen: list[bool] = []

    def watched(*args: Any, **kwargs: Any) -> pa.Table:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "cases_table", watched)
    assert gc.isenabled()
    result = fraudsim.simulate(busy())
    assert seen == [False]
    assert gc.isenabled()
    assert result.cases.num_rows > 0


def test_a_run_collects_only_the_young_generations(monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's world is young; a full collection would rescan the whole process too."""
    import fraudsim.api as api

    generations: list[int] = []

    class Watched:
        def __getattr__(self, name: str) -> Any:
            return getattr(gc, name)

        def collect(self, generation: int = 2) -> int:
            generations.append(generation)
            return gc.collect(generation)

    monkeypatch.setattr(api, "gc", Watched())
    fraudsim.simulate(busy(), replication=0)
    assert generations == [1]
    assert not [o for o in gc.get_objects() if isinstance(o, Clock)]
