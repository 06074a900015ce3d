"""Sweeps: grids of one or two parameters, outcome curves, common random numbers across the grid."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fraudsim.experiments import ExperimentError, run_sweep, sweep
from fraudsim.experiments.measures import HEADLINE
from fraudsim.experiments.sweep import grid, parse_vary
from fraudsim.scenario import ScenarioError, load_scenario
from tests.conftest import BUSY, XIAMEN
from tests.table_bytes import same_table

LATENCIES = [1, 3, 10, 20, 30, 60]


def test_saved_money_never_rises_with_stop_latency_on_the_xiamen_replay(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    curve = sweep(XIAMEN, {"banks.xiamen_bank.stop_latency_min": LATENCIES}, replications=3,
                  workers=1, out=out)
    assert curve.column("banks.xiamen_bank.stop_latency_min").to_pylist() == LATENCIES
    assert set(curve.column("policy").to_pylist()) == {"as_reported"}  # the baseline only
    saved = curve.column("saved_fen_mean").to_numpy()
    assert np.all(np.diff(saved) <= 0), saved
    assert saved[0] == 150_000_000 and saved[-1] == 0  # all saved at 1 min, all lost at 60
    lost = curve.column("lost_fen_mean").to_numpy()
    assert np.all(np.diff(lost) >= 0)
    assert (out / "curve.csv").read_text().splitlines()[0].startswith(
        "banks.xiamen_bank.stop_latency_min,point,policy,n,saved_fen_mean,")
    assert pq.read_table(out / "curve.parquet").replace_schema_metadata(None).equals(curve)
    assert len(list((out / "replications").rglob("rep-*.parquet"))) == 6 * 3


def test_two_parameter_grid_with_policies_and_common_random_numbers() -> None:
    scenario = load_scenario(XIAMEN, [*BUSY, "time.horizon_days=2"])
    result = run_sweep(scenario, {
        "response.analysts.staff": [1, 3],
        "victims.report_lag_min": [{"kind": "exponential", "mean": 5.0}, 60.0],
    }, policies=["as_reported", "base"], replications=3, workers=1)
    curve = result.curve
    assert curve.num_rows == 2 * 2 * 2
    assert curve.column_names[:5] == ["response.analysts.staff", "victims.report_lag_min",
                                      "point", "policy", "n"]
    assert curve.column("response.analysts.staff").to_pylist() == [1] * 4 + [3] * 4
    assert curve.schema.field("victims.report_lag_min").type == pa.string()  # JSON text
    assert curve.column("victims.report_lag_min").to_pylist()[:2] == [
        '{"kind": "exponential", "mean": 5.0}'] * 2
    for m in HEADLINE:
        assert {f"{m.column}_mean", f"{m.column}_ci_low", f"{m.column}_ci_high"} <= set(
            curve.column_names)
    # every grid point sees the same scams in replication r
    rows = result.replications.to_pylist()
    for rep in range(3):
        assert len({r["exposed_fen"] for r in rows if r["replication"] == rep}) == 1
    more = curve.filter(pa.compute.equal(curve["response.analysts.staff"], 3))
    fewer = curve.filter(pa.compute.equal(curve["response.analysts.staff"], 1))
    assert np.all(more.column("analysts_wait_mean_min_mean").to_numpy()
                  <= fewer.column("analysts_wait_mean_min_mean").to_numpy())


def test_a_sweep_gives_the_same_tables_with_one_worker_or_two() -> None:
    """Same scenario and seed, same curve and replications, whatever the number of workers."""
    scenario = load_scenario(XIAMEN, [*BUSY, "time.horizon_days=1"])
    vary = {"response.analysts.staff": [1, 3]}
    one, two = (run_sweep(scenario, vary, policies=["as_reported", "base"], replications=3,
                          workers=n) for n in (1, 2))
    assert two.outcome.executor == "local process pool (2 workers)"
    assert one.curve.num_rows == 4 and one.replications.num_rows == 12
    assert same_table(one.curve, two.curve)
    assert same_table(one.replications, two.replications)  # NaN waits included


@pytest.mark.parametrize("text, key, values", [
    ("a.b=1,3,10", "a.b", [1, 3, 10]),
    ("a.b = 1.5, 2", "a.b", [1.5, 2]),
    ('a.triage="fifo","largest_first"', "a.triage", ["fifo", "largest_first"]),
    ("a.triage=fifo,largest_first", "a.triage", ["fifo", "largest_first"]),
    ('x={kind="exponential",mean=5},{kind="constant",value=1}', "x",
     [{"kind": "exponential", "mean": 5}, {"kind": "constant", "value": 1}]),
    ("flag=true,false", "flag", [True, False]),
])
def test_vary_values_are_read_like_toml(text: str, key: str, values: list[object]) -> None:
    assert parse_vary(text) == (key, values)


@pytest.mark.parametrize("text", ["a.b", "=1,2", "a.b="])
def test_bad_vary_is_refused(text: str) -> None:
    with pytest.raises(ExperimentError, match="--vary"):
        parse_vary(text)


@pytest.mark.parametrize(("text", "message"), [
    ("a.b=1,,2", "an empty value between commas"),
    ("a.t=fifo,,lifo", "an empty value between commas"),
    ("a.b=1,2,1", "1 listed twice"),
    ("a.t=fifo,lifo,fifo", '"fifo" listed twice'),
])
def test_a_vary_list_with_a_hole_or_a_repeat_is_refused(text: str, message: str) -> None:
    """A grid point left out or run twice is a slip, said before anything runs."""
    with pytest.raises(ExperimentError, match=message):
        parse_vary(text)
    assert parse_vary("a.t=fifo,lifo,") == ("a.t", ["fifo", "lifo"])  # a trailing comma is fine


def test_grid_is_one_or_two_parameters_first_outer() -> None:
    assert grid({"a": [1, 2], "b": ["x", "y"]}) == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"}, {"a": 2, "b": "y"}]
    with pytest.raises(ExperimentError, match="1 or 2 parameters"):
        grid({"a": [1], "b": [1], "c": [1]})
    with pytest.raises(ExperimentError, match="seed cannot be swept"):
        grid({"seed": [1, 2]})


def test_a_policy_setting_the_varied_key_is_refused() -> None:
    with pytest.raises(ExperimentError, match=r"policy .manual_counter. sets banks\.xiamen_bank"):
        sweep(XIAMEN, {"banks.xiamen_bank.stop_latency_min": [1, 2]},
              policies=["as_reported", "manual_counter"], replications=2, workers=1)


def test_an_invalid_grid_value_is_a_scenario_problem() -> None:
    with pytest.raises(ScenarioError) as info:
        sweep(XIAMEN, {"banks.xiamen_bank.stop_latency_min": [1, -5]}, replications=2,
              workers=1)
    assert info.value.source == "grid point banks.xiamen_bank.stop_latency_min=-5"
    assert info.value.problems[0][0] == "banks.xiamen_bank.stop_latency_min"
