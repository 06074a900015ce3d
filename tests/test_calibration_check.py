"""Checking a scenario against its targets: verdicts, means and intervals, replications, policies.

The rule of each comparison (near, at least, at most) is checked as a
property; means and intervals on hand-made tables against Student's t from
scipy; the replications and policies a check runs on mule exit shares,
which are read from the random streams without running the model, so each
check takes milliseconds and its answer is known.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from fraudsim.calibration.check import (
    MISSED,
    CheckReport,
    Outcome,
    check_scenario,
    evaluate,
    goals_for,
    judge,
    measure_goals,
)
from fraudsim.calibration.goals import Goal
from fraudsim.experiments.stats import Estimate
from fraudsim.rng import Streams
from fraudsim.scenario.loading import ScenarioError, validate_scenario
from fraudsim.scenario.schema import Scenario
from fraudsim.scenario.targets import Target
from fraudsim.seeds import Fact
from fraudsim.verify.base import load_base


def fact(fid: str, value: float | None, unit: str, **kw: Any) -> Fact:
    return Fact(fid, "A test figure.", value, unit, "Nowhere", "2020", "A test", "2020", False,
                **kw)


FACTS = {
    "t-2020-exit": fact("t-2020-exit", 0.25, "share"),
    "t-2020-exit-pct": fact("t-2020-exit-pct", 25, "percent"),
}

UNIFORM = {"kind": "uniform", "low": 0, "high": 100}


def exit_target(fid: str = "t-2020-exit", within: float = 25, **kw: Any) -> dict[str, Any]:
    """A mule exit share target, measured from the streams without a run."""
    return {"fact": fid, "observable": "mule_exit_share", "within_min": within,
            "tolerance": kw.pop("tolerance", 0.03), **kw}


def world(targets: list[dict[str, Any]], dwell: Any = UNIFORM,
          **policies: dict[str, Any]) -> Scenario:
    """The plain verification world, first-layer dwell uniform on 0-100 minutes by default."""
    raw = load_base()
    raw["mule_network"]["layers"][0]["dwell_min"] = dwell
    raw["targets"] = targets
    raw["policies"] = policies
    return validate_scenario(raw, "test")


def stream_share(scenario: Scenario, seed: int, replication: int, within: float) -> float:
    """Draw the first layer's dwell times as the model does and count those within the limit."""
    sampler = Streams(seed, replication).sampler("network.layer0.dwell",
                                                 scenario.mule_network.layers[0].dwell_min)
    draws = [sampler.next() for _ in range(10_240)]
    return sum(d <= within for d in draws) / len(draws)


def hand_goal(published: tuple[float, ...], allowed: tuple[float, ...], compare: str = "near",
              index: int = 0) -> Goal:
    """A goal made by hand, with one label per published value."""
    target = Target.model_validate({**exit_target(), "compare": compare})
    labels = tuple(f"bin{k}" for k in range(len(published)))
    return Goal(index, target, FACTS["t-2020-exit"], published, labels, 1.0, allowed)


def outcome(passed: bool, residual: float) -> Outcome:
    return Outcome(hand_goal((1.0,), (1.0,)), "", 1.0, Estimate(2, 1.0, 0.0, 0.0), 1.0, passed,
                   residual)


# --- the rule ----------------------------------------------------------------------------------

finite = st.floats(-1e6, 1e6, allow_subnormal=False)
tolerances = st.floats(0.01, 1e3)


@settings(max_examples=60)
@given(finite, finite, tolerances)
def test_near_residual_is_the_signed_miss_in_tolerances(published: float, mean: float,
                                                        allowed: float) -> None:
    """The residual is (mean - published) / tolerance; passing is a miss within the tolerance."""
    passed, residual = judge("near", published, mean, allowed)
    assert residual == pytest.approx((mean - published) / allowed)
    if abs(mean - published) < 0.999 * allowed:
        assert passed
    if abs(mean - published) > 1.001 * allowed:
        assert not passed


@settings(max_examples=60)
@given(finite, finite, tolerances)
def test_a_bound_is_never_missed_on_its_own_side(published: float, mean: float,
                                                 allowed: float) -> None:
    """At least: any mean above the bound passes with residual 0, a mean below is negative."""
    passed, residual = judge("at_least", published, mean, allowed)
    if mean >= published:
        assert (passed, residual) == (True, 0.0)
    else:
        assert residual < 0
    passed, residual = judge("at_most", published, mean, allowed)
    if mean <= published:
        assert (passed, residual) == (True, 0.0)
    else:
        assert residual > 0


@pytest.mark.parametrize("compare", ["near", "at_least", "at_most"])
def test_a_value_the_model_cannot_produce_fails_every_rule(compare: str) -> None:
    """NaN (e.g. a delay share of no case) fails with the fixed residual MISSED."""
    assert judge(compare, 0.5, math.nan, 0.1) == (False, MISSED)


# --- the report ---------------------------------------------------------------------------------


def test_the_report_error_is_the_sum_of_squared_residuals() -> None:
    """Residuals 3 and -4 tolerances: the calibration objective is 9 + 16 = 25."""
    report = CheckReport([outcome(False, 3.0), outcome(False, -4.0), outcome(True, 0.0)], 2, 1)
    assert report.error() == 25.0
    assert not report.passed


def test_a_report_passes_only_when_every_value_passes() -> None:
    """One failing bin fails the report; no targets at all passes with no error."""
    assert CheckReport([outcome(True, 0.5), outcome(True, -1.0)], 2, 1).passed
    assert not CheckReport([outcome(True, 0.5), outcome(False, 2.0)], 2, 1).passed
    empty = CheckReport([], 2, 1)
    assert empty.passed and empty.error() == 0.0


# --- means and intervals -------------------------------------------------------------------------


def test_evaluate_gives_the_mean_and_student_t_interval_of_each_value() -> None:
    """Three replications of two bins: mean, and half-width t(0.975, 2) x sd / sqrt(3)."""
    goal = hand_goal((10.0, 0.5), (1.0, 0.1))
    table = np.array([[9.0, 0.2], [11.0, 0.3], [10.5, 0.4]])
    first, second = evaluate([goal], {0: table})
    assert [first.label, second.label] == ["bin0", "bin1"]
    assert (first.published, first.allowed, second.published, second.allowed) == (
        10.0, 1.0, 0.5, 0.1)
    t = sps.t.ppf(0.975, 2)
    for out, column in ((first, [9.0, 11.0, 10.5]), (second, [0.2, 0.3, 0.4])):
        mean = sum(column) / 3
        sd = math.sqrt(sum((x - mean) ** 2 for x in column) / 2)
        assert out.simulated.n == 3
        assert out.simulated.mean == pytest.approx(mean)
        assert out.simulated.half_width == pytest.approx(t * sd / math.sqrt(3))
    # 10.17 is within 1 of 10; 0.3 is 0.2 below 0.5, twice the tolerance.
    assert first.passed and first.residual == pytest.approx(1 / 6)
    assert not second.passed and second.residual == pytest.approx(-2.0)


def test_evaluate_leaves_out_undefined_replications() -> None:
    """A replication with no value (NaN) does not count; with none at all the target fails."""
    partly, never = evaluate([hand_goal((1.0,), (0.5,), index=0),
                              hand_goal((1.0,), (0.5,), index=3)],
                             {0: np.array([[1.0], [math.nan], [2.0]]),
                              3: np.array([[math.nan], [math.nan]])})
    assert partly.simulated.n == 2 and partly.simulated.mean == 1.5
    assert partly.passed
    assert never.simulated.n == 0
    assert (never.passed, never.residual) == (False, MISSED)


def test_evaluate_applies_the_bound_of_the_target() -> None:
    """An at-least target is met by a mean far above its bound."""
    (out,) = evaluate([hand_goal((0.5,), (0.01,), compare="at_least")],
                      {0: np.array([[0.9], [0.95]])})
    assert out.passed and out.residual == 0.0


# --- resolving ---------------------------------------------------------------------------------


def test_goals_for_raises_every_problem_at_once() -> None:
    """Two bad targets give one ScenarioError listing both, under the scenario's name."""
    scenario = world([exit_target("nowhere-1999-x"), exit_target(layer=7)])
    with pytest.raises(ScenarioError) as err:
        goals_for(scenario, FACTS)
    assert err.value.source == "verify-base"
    assert [p for p, _ in err.value.problems] == ["targets.0.fact", "targets.1"]


def test_goals_for_reads_the_repository_facts_by_default() -> None:
    """The shipped UK figure (28% within 15 minutes) is found without passing facts."""
    scenario = world([exit_target("uk-2024-mule-exit-15min", 15)])
    (goal,) = goals_for(scenario)
    assert goal.published == (0.28,)


# --- measuring replications --------------------------------------------------------------------


def test_each_replication_is_measured_with_its_own_random_numbers() -> None:
    """Row r holds replication r's share, exactly as the model's stream draws it."""
    scenario = world([exit_target()])
    goals = goals_for(scenario, FACTS)
    values = measure_goals(scenario, goals, replications=3, seed=11)
    assert values[0].shape == (3, 1)
    expected = [stream_share(scenario, 11, r, 25) for r in range(3)]
    assert values[0][:, 0].tolist() == pytest.approx(expected)
    assert len(set(expected)) == 3


def test_values_are_converted_to_the_facts_unit_and_scale() -> None:
    """A constant 20-minute dwell exits within 25 minutes: 1 as a share, 100 as percent, x3."""
    scenario = world([exit_target(), exit_target("t-2020-exit-pct", scale=3, tolerance=1)],
                     dwell=20)
    values = measure_goals(scenario, goals_for(scenario, FACTS), replications=2, seed=1)
    assert values[0].tolist() == [[1.0], [1.0]]
    assert values[1].tolist() == [[300.0], [300.0]]


def test_a_targets_policy_changes_what_is_measured() -> None:
    """The same figure under a policy that slows the first layer to 600 minutes: no exits."""
    scenario = world([exit_target(), exit_target(policy="slow")], dwell=20,
                     slow={"mule_network.layers.0.dwell_min": 600})
    values = measure_goals(scenario, goals_for(scenario, FACTS), replications=2, seed=1)
    assert values[0][:, 0].tolist() == [1.0, 1.0]
    assert values[1][:, 0].tolist() == [0.0, 0.0]


# --- check_scenario ------------------------------------------------------------------------------


def test_check_uses_the_scenario_seed_unless_given_one() -> None:
    """The report records the seed and the replications; another seed gives other draws."""
    scenario = world([exit_target()])
    default = check_scenario(scenario, 2, facts=FACTS)
    assert (default.seed, default.replications) == (scenario.seed, 2)
    other = check_scenario(scenario, 2, seed=99, facts=FACTS)
    assert other.seed == 99
    mean = (stream_share(scenario, 99, 0, 25) + stream_share(scenario, 99, 1, 25)) / 2
    assert other.outcomes[0].simulated.mean == pytest.approx(mean)
    assert other.outcomes[0].simulated.mean != default.outcomes[0].simulated.mean


def test_check_passes_a_met_figure_and_fails_a_missed_one() -> None:
    """Uniform 0-100 minutes: 25% exit within 25 minutes (pass), not within 60 (fail)."""
    scenario = world([exit_target(), exit_target(within=60)])
    report = check_scenario(scenario, 3, facts=FACTS)
    met, missed = report.outcomes
    assert met.passed and missed.simulated.mean == pytest.approx(0.6, abs=0.02)
    assert not missed.passed and missed.residual == pytest.approx(0.35 / 0.03, abs=1)
    assert not report.passed
    assert report.error() == pytest.approx(met.residual**2 + missed.residual**2)


def test_a_scenario_without_targets_passes() -> None:
    """Nothing declared, nothing failed: the check passes with no outcomes."""
    report = check_scenario(world([]), 2, facts=FACTS)
    assert report.outcomes == [] and report.passed


@pytest.mark.parametrize("replications", [1, 0, -3])
def test_fewer_than_two_replications_are_refused(replications: int) -> None:
    """One replication has no confidence interval."""
    with pytest.raises(ValueError, match="at least 2 replications"):
        check_scenario(world([exit_target()]), replications, facts=FACTS)
