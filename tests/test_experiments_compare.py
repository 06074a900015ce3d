"""Comparing policies: common random numbers, tables, warm-up, precision, executors."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from fraudsim.api import simulate
from fraudsim.experiments import ComparisonResult, ExperimentError, compare
from fraudsim.experiments.measures import HEADLINE, PRECISION_MEASURES, replication_metrics
from fraudsim.scenario import Scenario, load_scenario
from tests.conftest import BUSY, XIAMEN
from tests.table_bytes import ipc_bytes

SMALL = [*BUSY, "time.horizon_days=2"]
"""A small busy city: about 90 cases per replication, 0.03 s a run."""

TWINS = [
    'policies.twin_a={"response.analysts.staff"=2}',
    'policies.twin_b={"response.analysts.staff"=2}',
    'policies.slower_bank={"banks.xiamen_bank.stop_latency_min"=600}',
]


def small(extra: Sequence[str] = ()) -> Scenario:
    return load_scenario(XIAMEN, [*SMALL, "policies={}", *TWINS, *extra])


def identical(a: ComparisonResult, b: ComparisonResult) -> bool:
    return all(ipc_bytes(x) == ipc_bytes(y) for x, y in (
        (a.policies, b.policies), (a.differences, b.differences),
        (a.replications, b.replications)))


@pytest.fixture(scope="module")
def twins() -> ComparisonResult:
    return compare(small(), replications=6, workers=1)


def test_identical_policies_differ_by_exactly_zero(twins: ComparisonResult) -> None:
    diff = [r for r in twins.differences.to_pylist() if r["policy"] == "twin_b"]
    assert {r["measure"] for r in diff} == {m.column for m in HEADLINE}
    for r in diff:
        assert r["baseline"] == "twin_a"
        assert r["n"] > 0, r
        assert (r["mean_diff"], r["sd"], r["ci_low"], r["ci_high"]) == (0, 0, 0, 0), r
        assert r["verdict"] == "identical"


def test_a_different_policy_does_differ(twins: ComparisonResult) -> None:
    saved = {r["policy"]: r for r in twins.differences.to_pylist() if r["measure"] == "saved_fen"}
    assert saved["slower_bank"]["mean_diff"] < 0
    assert saved["slower_bank"]["verdict"] == "lower"


def test_every_policy_sees_the_same_scams(twins: ComparisonResult) -> None:
    rows = twins.replications.to_pylist()
    for column in ("cases", "exposed_fen", "reported"):
        by_rep: dict[int, set[float]] = {}
        for r in rows:
            by_rep.setdefault(r["replication"], set()).add(r[column])
        assert all(len(v) == 1 for v in by_rep.values()), column


def test_policies_table_has_every_measure_with_intervals(twins: ComparisonResult) -> None:
    table = twins.policies
    assert table.column_names == ["policy", "baseline", "rank", "measure", "unit", "n", "mean",
                                  "ci_low", "ci_high", "half_width", "sd"]
    assert twins.baseline == "twin_a"
    assert table.num_rows == 3 * (len(HEADLINE) + 2)
    saved = {r["policy"]: r for r in table.to_pylist() if r["measure"] == "saved_fen"}
    values = twins.replications.filter(pc.equal(twins.replications["policy"], "slower_bank"))
    arr = values.column("saved_fen").to_numpy()
    assert saved["slower_bank"]["mean"] == pytest.approx(arr.mean())
    assert saved["slower_bank"]["ci_low"] < arr.mean() < saved["slower_bank"]["ci_high"]
    yuan = {r["policy"]: r["mean"] for r in table.to_pylist() if r["measure"] == "saved_yuan"}
    assert yuan["twin_a"] == pytest.approx(saved["twin_a"]["mean"] / 100)
    assert next(r["baseline"] for r in table.to_pylist()) is True


def test_ranking_by_money_saved(twins: ComparisonResult) -> None:
    assert twins.ranking[-1] == "slower_bank"
    ranks = {r["policy"]: r["rank"] for r in twins.policies.to_pylist()}
    assert ranks["twin_a"] == ranks["twin_b"] == 1 and ranks["slower_bank"] == 3


def test_tables_go_straight_into_dataframes(twins: ComparisonResult) -> None:
    rows = twins.differences.to_pylist()
    assert rows and isinstance(rows[0]["mean_diff"], float)
    assert twins.policies.schema.field("mean").type == pa.float64()


def test_replication_metrics_without_warmup_match_the_run_summary() -> None:
    result = simulate(small(), replication=2)
    row = replication_metrics(result)
    assert row["cases_excluded_warmup"] == 0
    for name in ("saved_fen", "lost_fen", "frozen_share_of_paid", "cases", "reported",
                 "report_to_first_stop_median_min", "report_to_first_stop_p90_min"):
        assert row[name] == result.metric(name), name
    for name in ("call_takers_wait_mean_min", "analysts_wait_mean_min"):
        assert row[name] == pytest.approx(result.metric(name), rel=1e-9, abs=1e-12), name


def test_warmup_leaves_early_cases_out_and_says_how_many() -> None:
    scenario = small(["time.warmup_days=1"])
    result = simulate(scenario, replication=0)
    contact = result.cases.column("contact_min").to_numpy()
    early = int((contact < 1440).sum())
    assert 0 < early < len(contact)
    row = replication_metrics(result)
    assert row["cases_excluded_warmup"] == early
    assert row["cases"] == len(contact) - early
    late = result.cases.filter(pc.greater_equal(result.cases["contact_min"], 1440))
    assert row["saved_fen"] == float(pc.sum(late["saved_fen"]).as_py())
    outcome = compare(scenario, ["twin_a"], replications=2, workers=1)
    excluded = next(r for r in outcome.policies.to_pylist()
                if r["measure"] == "cases_excluded_warmup")
    assert excluded["mean"] > 0 and outcome.warmup_days == 1


def test_warmup_counts_queue_waits_only_from_bins_starting_at_or_after_it() -> None:
    scenario = small(["time.warmup_days=1"])  # 1440 min: a bin edge (10-minute bins)
    outcome = compare(scenario, ["base"], replications=2, workers=1)
    reported = {r["replication"]: r for r in outcome.replications.to_pylist()}
    assert sorted(reported) == [0, 1]
    for rep, row in reported.items():
        result = simulate(scenario, replication=rep)
        for name in ("analysts", "call_takers"):
            bins = [b for b in result.resources.to_pylist() if b["resource"] == name]
            late = [b for b in bins if b["bin_start_min"] >= 1440 and b["starts"] > 0]
            jobs = sum(b["starts"] for b in late)
            assert jobs > 0, name
            by_hand = sum(b["mean_wait_min"] * b["starts"] for b in late) / jobs
            assert row[f"{name}_wait_mean_min"] == pytest.approx(by_hand, rel=1e-12), name
        # The cut matters here: the whole run's mean wait for an analyst is another.
        assert row["analysts_wait_mean_min"] != pytest.approx(
            result.metric("analysts_wait_mean_min"), rel=1e-6
        )


def test_precision_rule_met_at_once_on_a_deterministic_replay() -> None:
    result = compare(load_scenario(XIAMEN), precision=0.01, workers=1)
    precision = result.outcome.precision
    assert precision is not None and precision.met
    assert result.outcome.replications == 10 and precision.measures == PRECISION_MEASURES


def test_precision_rule_stops_at_the_cap_and_says_so() -> None:
    result = compare(small(), ["twin_a"], precision=1e-6, max_replications=12, workers=1)
    precision = result.outcome.precision
    assert precision is not None and not precision.met
    assert result.outcome.replications == precision.replications == 12
    assert precision.widest > 1e-6 and precision.where.startswith("twin_a: ")


def test_precision_rule_on_chosen_measures_adds_batches() -> None:
    result = compare(small(), ["twin_a"], precision=0.2, max_replications=80, workers=1,
                     precision_on=("saved_fen",))
    precision = result.outcome.precision
    assert precision is not None and precision.met, precision
    saved = next(r for r in result.policies.to_pylist() if r["measure"] == "saved_fen")
    assert saved["half_width"] <= 0.2 * saved["mean"]
    assert result.outcome.replications > 10  # it needed more than the first batch


@pytest.mark.parametrize("kwargs, message", [
    ({"replications": 1}, "at least 2 replications"),
    ({"precision": 0.0}, "positive share"),
    ({"precision": math.inf}, "positive share"),
    ({"workers": 0}, "workers must be at least 1"),
    ({"precision_on": ("nonsense",)}, "headline measures"),
    ({"policies": ["nope"]}, "unknown policy"),
])
def test_bad_arguments_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ExperimentError, match=message):
        compare(small(), **kwargs)  # type: ignore[arg-type]


def test_results_do_not_depend_on_the_executor(twins: ComparisonResult) -> None:
    from dask.distributed import Client, LocalCluster

    scenario = small()
    pool = compare(scenario, replications=6, workers=2)
    assert pool.outcome.executor == "local process pool (2 workers)"
    # dask.distributed has no type hints for these constructors.
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,  # type: ignore[no-untyped-call]
                      dashboard_address=None) as cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        on_dask = compare(scenario, replications=6, dask=client)
    assert on_dask.outcome.executor.startswith("Dask cluster at ")
    assert identical(twins, pool) and identical(twins, on_dask)


def test_seed_changes_the_scams_but_not_the_pairing() -> None:
    a = compare(small(), ["twin_a", "twin_b"], replications=3, workers=1, seed=99)
    cases_a = a.replications.column("cases").to_numpy()
    b = compare(small(), ["twin_a", "twin_b"], replications=3, workers=1)
    assert not np.array_equal(cases_a, b.replications.column("cases").to_numpy())
    assert set(a.replications.column("seed").to_pylist()) == {99}
    assert all(r["verdict"] == "identical" for r in a.differences.to_pylist())
