"""Confidence intervals cover the truth: an analyst queue reduced to M/M/c.

With Poisson reports (hook, realise and report at once), call-takers without
limit and exponential analyst handling, the analysts form an M/M/c queue
whose mean wait is Erlang C. Each experiment of 10 replications gives a 95%
interval for the mean analyst wait after a half-day warm-up; about 95% of
the intervals must cover the Erlang C value.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from fraudsim.experiments import compare
from fraudsim.experiments.stats import estimate
from fraudsim.scenario import load_scenario
from tests.conftest import XIAMEN

RATE_PER_HOUR, SERVICE_MIN, ANALYSTS = 4.0, 15.0, 2  # utilisation 0.5
MMC = [
    f"contacts.rate_per_hour={RATE_PER_HOUR}",
    "scripted_cases=[]",
    "scam_types.customer_service.grooming_min=0",
    "response.call_takers.staff=100000",
    f"response.analysts.staff={ANALYSTS}",
    f'response.analysts.handling_min={{kind="exponential",mean={SERVICE_MIN}}}',
    "response.patrols.dispatch_prob=0",
    "time.horizon_days=5",
    "time.drain_days=0.5",
    "time.warmup_days=0.5",
    "time.resource_bin_min=60",
]


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of an M/M/c queue."""
    a = lam / mu
    top = a**c / math.factorial(c) * c / (c - a)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c * mu - lam)


@pytest.mark.slow
def test_analyst_wait_intervals_cover_erlang_c_95_percent_of_the_time() -> None:
    truth = erlang_c_wait(RATE_PER_HOUR / 60, 1 / SERVICE_MIN, ANALYSTS)  # 5.0 minutes
    experiments, per = 200, 10
    scenario = load_scenario(XIAMEN, MMC)
    result = compare(scenario, ["base"], replications=experiments * per)
    waits = result.replications.column("analysts_wait_mean_min").to_numpy()
    assert estimate(waits).low < truth < estimate(waits).high  # no visible bias overall
    covered = 0
    for block in np.split(waits, experiments):  # replications are independent
        e = estimate(block)
        covered += e.low <= truth <= e.high
    assert 0.90 <= covered / experiments <= 0.99, covered  # binomial sd 1.5 points


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_answer() -> None:
    scenario = load_scenario(XIAMEN, [*MMC, "time.horizon_days=2"])
    local = compare(scenario, ["base"], replications=8, workers=2)
    on_dask = compare(scenario, ["base"], replications=8, workers=2, dask="local")
    assert local.policies.to_pylist() == on_dask.policies.to_pylist()
