"""One replication as a job (fraudsim/experiments/jobs.py): its identity, its row, its failure."""

from __future__ import annotations

import dataclasses
import math
import pickle
from functools import lru_cache
from typing import Any

import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fraudsim.experiments.jobs as jobs
from fraudsim.api import SimulationResult, simulate
from fraudsim.experiments.jobs import Job, JobResult, run_job
from fraudsim.experiments.measures import HEADLINE, KEY_COLUMNS, row_columns
from fraudsim.scenario import Scenario
from tests.conftest import busy
from tests.table_bytes import same_table

SMALL = ["time.horizon_days=1", "time.drain_days=0.5"]
"""The busy city over one day: a few dozen cases, a few hundredths of a second a run."""


@lru_cache(maxsize=1)
def small() -> Scenario:
    return busy(SMALL)


def plain(scenario: Scenario) -> dict[str, Any]:
    """The scenario as a job carries it (what an experiment's cells hold)."""
    return scenario.model_dump(mode="json", by_alias=True)


def job(replication: int = 1, seed: int = 5, **changes: Any) -> Job:
    """A job of the small city, policy ``p``, at grid point 0, with fields changed."""
    base = Job(0, "p", replication, seed, plain(small()))
    return dataclasses.replace(base, **changes)


def same_row(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Rows equal key for key, NaN equal to NaN."""
    def norm(v: Any) -> Any:
        return "nan" if isinstance(v, float) and math.isnan(v) else v
    return list(a) == list(b) and all(norm(a[k]) == norm(b[k]) for k in a)


@lru_cache(maxsize=4)
def reference(seed: int, replication: int) -> SimulationResult:
    """The run a job stands for, made directly (not through the job)."""
    return simulate(small(), seed=seed, replication=replication)


def test_the_key_is_point_policy_replication() -> None:
    """The key is what rows are filed and paired by, in this order."""
    assert job(replication=3, point=2, policy="manual").key == (2, "manual", 3)


def test_a_job_cannot_be_changed() -> None:
    """Jobs are values: the executor may hand the same one to any worker."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        job().seed = 6  # type: ignore[misc]


@settings(max_examples=25, deadline=None)
@given(point=st.integers(0, 500), policy=st.text(min_size=1, max_size=20),
       replication=st.integers(0, 10**5), seed=st.integers(0, 2**63 - 1),
       keep_cases=st.booleans())
def test_a_job_pickles_to_an_equal_job(
    point: int, policy: str, replication: int, seed: int, keep_cases: bool
) -> None:
    """A job crosses to a worker process (pickle) unchanged, scenario included."""
    sent = Job(point, policy, replication, seed, {"name": "x", "nested": {"a": [1, 2.5]}},
               keep_cases)
    assert pickle.loads(pickle.dumps(sent)) == sent


def test_a_job_row_has_its_key_columns_then_the_measures() -> None:
    """The row starts with the key columns, from the job, and holds every headline measure."""
    result = run_job(job(replication=2, seed=5, point=3, policy="q"))
    assert result.error is None and result.detail is None and result.row is not None
    row = result.row
    assert list(row)[:4] == list(KEY_COLUMNS)
    assert [row[c] for c in KEY_COLUMNS] == [3, "q", 2, 5]
    assert result.key == (3, "q", 2) and result.seed == 5
    assert {m.column for m in HEADLINE} <= set(row)


def test_the_row_columns_a_results_folder_expects_are_those_a_job_writes() -> None:
    """Resuming checks files against ``row_columns``: it must name a real row's columns, in order.

    Also when warm-up, staffed resources and undefined medians differ from run to run.
    """
    for scenario in (small(), busy([*SMALL, "time.warmup_days=0.5"])):
        row = run_job(dataclasses.replace(job(), scenario=plain(scenario))).row
        assert row is not None and tuple(row) == row_columns()


def test_a_job_runs_the_replication_its_seed_and_number_select() -> None:
    """The row's measures are those of ``simulate(scenario, seed, replication)``'s case table."""
    row = run_job(job(replication=2, seed=5)).row
    assert row is not None
    cases = reference(5, 2).cases
    assert row["cases_total"] == cases.num_rows > 0
    assert row["saved_fen"] == pc.sum(cases["saved_fen"]).as_py()
    assert row["lost_fen"] == pc.sum(cases["cashed_out_fen"]).as_py()
    assert row["saved_yuan"] == row["saved_fen"] / 100
    other = run_job(job(replication=3, seed=5)).row
    assert other is not None
    assert other["cases_total"] == reference(5, 3).cases.num_rows
    assert not same_row({**row, "replication": 0}, {**other, "replication": 0})


def test_the_same_job_gives_the_same_row() -> None:
    """A job fixes every random stream: rerun anywhere, it gives the same row."""
    a, b = run_job(job()), run_job(job())
    assert a.row is not None and b.row is not None
    assert same_row(a.row, b.row)


@pytest.mark.parametrize("keep", [False, True])
def test_the_case_table_comes_back_only_if_asked(keep: bool) -> None:
    """``keep_cases`` returns the replication's full case table; otherwise nothing is carried."""
    result = run_job(job(replication=2, seed=5, keep_cases=keep))
    if keep:
        assert result.cases is not None
        assert same_table(result.cases, reference(5, 2).cases)
    else:
        assert result.cases is None


def test_an_invalid_scenario_comes_back_as_an_error_not_an_exception() -> None:
    """A worker never raises: the failure is named, with the worker's traceback."""
    broken = plain(small())
    broken["time"]["horizon_days"] = -1
    result = run_job(job(scenario=broken, replication=4, seed=8))
    assert result.row is None and result.cases is None
    assert result.key == (0, "p", 4) and result.seed == 8
    assert result.error is not None and result.error.startswith("ValidationError: ")
    assert "horizon_days" in result.error
    assert result.detail is not None and result.detail.startswith("Traceback")


def test_a_run_that_raises_comes_back_as_type_and_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """The error is ``"Type: message"``: what the command line prints after "failed:"."""
    def failing(*args: Any, **kwargs: Any) -> SimulationResult:
        raise ZeroDivisionError("no analysts on duty")

    monkeypatch.setattr(jobs, "simulate", failing)
    result = run_job(job(keep_cases=True))
    assert result.row is None and result.cases is None
    assert result.error == "ZeroDivisionError: no analysts on duty"
    assert result.detail is not None and "no analysts on duty" in result.detail


def test_ctrl_c_in_a_job_is_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only ``Exception`` becomes an error row: an interrupt still stops the experiment."""
    def interrupted(*args: Any, **kwargs: Any) -> SimulationResult:
        raise KeyboardInterrupt

    monkeypatch.setattr(jobs, "simulate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_job(job())


def test_a_result_with_its_case_table_pickles_back_equal() -> None:
    """Results cross back from a worker process (pickle), case table included."""
    result = run_job(job(replication=2, seed=5, keep_cases=True))
    back: JobResult = pickle.loads(pickle.dumps(result))
    assert back.key == result.key and back.seed == result.seed
    assert back.row is not None and result.row is not None and same_row(back.row, result.row)
    assert back.cases is not None and result.cases is not None
    assert same_table(back.cases, result.cases)
