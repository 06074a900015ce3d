"""Resolving targets against seed facts: published values, bin labels, unit factors, tolerances.

Each test resolves a few targets of the plain verification world against
made-up facts, so that every published value, factor and tolerance is
known by hand; the problems a target can have are checked one by one, with
their key paths.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsim.calibration.goals import Goal, Problem, resolve
from fraudsim.scenario.loading import validate_scenario
from fraudsim.scenario.schema import Scenario
from fraudsim.seeds import Fact
from fraudsim.verify.base import load_base


def fact(fid: str, value: float | None, unit: str | None, **kw: Any) -> Fact:
    return Fact(fid, "A test figure.", value, unit, "Nowhere", "2020", "A test", "2020", False,
                **kw)


FACTS = {
    f.id: f for f in (
        fact("t-2020-cases", 480, "count"),
        fact("t-2020-drop", -200, "cases"),
        fact("t-2020-pct", 28, "percent"),
        fact("t-2020-share", 0.28, "share"),
        fact("t-2020-secs", 90, "seconds"),
        fact("t-2020-yuan", 1000, "yuan"),
        fact("t-2020-gbp", 1000, "gbp"),
        fact("t-2020-none", 0.0, "share"),
        fact("t-2020-empty-bin", None, "minutes", bins=(0.0, 60.0, math.inf), shares=(0.0, 1.0)),
        fact("t-2020-delay", None, "minutes", bins=(0.0, 0.5, 60.0, math.inf),
             shares=(0.2, 0.3, 0.5)),
    )
}

EXIT = {"observable": "mule_exit_share", "within_min": 15}
DELAYS = {"observable": "delay_shares", "start": "first_payment", "end": "report"}


def scenario(targets: list[dict[str, Any]], **policies: dict[str, Any]) -> Scenario:
    """Return the plain verification world with the given targets and policies."""
    raw = load_base()
    raw["targets"] = targets
    raw["policies"] = policies
    return validate_scenario(raw, "test")


def resolved(*targets: dict[str, Any], **policies: dict[str, Any]
             ) -> tuple[list[Goal], list[Problem]]:
    return resolve(scenario(list(targets), **policies), FACTS)


def one_goal(**target: Any) -> Goal:
    """Resolve a single target that must have no problem."""
    goals, problems = resolved(target)
    assert problems == []
    (goal,) = goals
    return goal


def problems_of(**target: Any) -> list[Problem]:
    """Resolve a single target that must have problems."""
    goals, problems = resolved(target)
    assert goals == []
    return problems


# --- published values, labels and tolerances -------------------------------------------------


def test_a_single_value_fact_gives_one_unlabelled_value() -> None:
    """The published value comes from the fact, with an empty label and no bins."""
    goal = one_goal(fact="t-2020-cases", observable="metric", metrics=["cases"], tolerance=5)
    assert goal.published == (480,)
    assert goal.labels == ("",)
    assert goal.allowed == (5,)
    assert goal.bins is None
    assert goal.fact is FACTS["t-2020-cases"]


def test_a_binned_fact_gives_one_value_per_bin_labelled_by_its_edges() -> None:
    """Labels read like the bins: half-open, with fractional edges and infinity spelt out."""
    goal = one_goal(fact="t-2020-delay", tolerance=0.05, **DELAYS)
    assert goal.published == (0.2, 0.3, 0.5)
    assert goal.labels == ("[0, 0.5)", "[0.5, 60)", "[60, inf)")
    assert goal.allowed == (0.05, 0.05, 0.05)  # an absolute tolerance holds for every bin
    assert goal.bins == (0.0, 0.5, 60.0, math.inf)


def test_a_relative_tolerance_is_a_share_of_each_published_value() -> None:
    """±50% of shares 0.2, 0.3 and 0.5 allows 0.1, 0.15 and 0.25 in each bin."""
    goal = one_goal(fact="t-2020-delay", rel_tolerance=0.5, **DELAYS)
    assert goal.allowed == pytest.approx((0.1, 0.15, 0.25))


def test_a_relative_tolerance_of_a_negative_figure_is_positive() -> None:
    """A fall of 200 cases, ±10%, allows 20 cases either way."""
    goal = one_goal(fact="t-2020-drop", observable="metric", metrics=["cases"],
                    rel_tolerance=0.1)
    assert goal.allowed == pytest.approx((20.0,))


@pytest.mark.parametrize(("fid", "target", "factor"), [
    ("t-2020-share", {**EXIT}, 1.0),
    ("t-2020-pct", {**EXIT}, 100.0),
    ("t-2020-pct", {**EXIT, "scale": 2}, 200.0),
    ("t-2020-secs", {"observable": "metric", "metrics": ["report_to_first_stop_median_min"]},
     60.0),
    ("t-2020-yuan", {"observable": "metric", "metrics": ["saved_fen", "lost_fen"]}, 0.01),
    ("t-2020-yuan", {"observable": "metric", "metrics": ["saved_yuan"], "scale": 52}, 52.0),
    ("t-2020-cases", {"observable": "metric", "metrics": ["contacts"], "scale": 10}, 10.0),
    ("t-2020-delay", {**DELAYS}, 1.0),
])
def test_the_factor_turns_the_model_unit_into_the_facts_times_the_scale(
    fid: str, target: dict[str, Any], factor: float
) -> None:
    """Shares become percent, minutes seconds, fen yuan; the scale multiplies on top."""
    goal = one_goal(fact=fid, tolerance=1, **target)
    assert goal.factor == pytest.approx(factor)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.01, 1000.0), st.floats(0.001, 2.0))
def test_scale_and_relative_tolerance_follow_the_target(scale: float, rel: float) -> None:
    """A share held to a percent figure of 28: factor 100 x scale, tolerance rel x 28."""
    goal = one_goal(fact="t-2020-pct", rel_tolerance=rel, scale=scale, **EXIT)
    assert goal.factor == pytest.approx(100 * scale)
    assert goal.allowed == pytest.approx((28 * rel,))


def test_goals_keep_the_index_of_their_target() -> None:
    """A goal after a target with a problem still points to its own target (targets.1)."""
    good = {"fact": "t-2020-share", "tolerance": 0.03, **EXIT}
    goals, problems = resolved({"fact": "nowhere-1999-x", "tolerance": 1, **EXIT}, good)
    assert [p for p, _ in problems] == ["targets.0.fact"]
    (goal,) = goals
    assert goal.index == 1
    assert goal.target.fact == "t-2020-share"


def test_a_target_under_a_declared_policy_resolves() -> None:
    """A policy the scenario declares, or the plain scenario ("base"), is fine."""
    goals, problems = resolved(
        {"fact": "t-2020-share", "tolerance": 0.03, "policy": "slow", **EXIT},
        {"fact": "t-2020-share", "tolerance": 0.03, "policy": "base", **EXIT},
        slow={"mule_network.layers.0.dwell_min": 600},
    )
    assert problems == []
    assert [g.target.policy for g in goals] == ["slow", "base"]


def test_the_last_layer_exists_and_the_one_after_does_not() -> None:
    """Layers count from 0: the base world's four layers are 0 to 3."""
    one_goal(fact="t-2020-share", tolerance=0.03, layer=3, **EXIT)
    assert problems_of(fact="t-2020-share", tolerance=0.03, layer=4, **EXIT) == [
        ("targets.0", "layer 4 does not exist (4 layers, counted from 0)")]


# --- problems --------------------------------------------------------------------------------


def test_an_unknown_fact_is_the_only_problem_reported_for_its_target() -> None:
    """Without the fact nothing else can be judged, so an unknown policy is not piled on."""
    assert problems_of(fact="nowhere-1999-x", tolerance=1, policy="nope", **EXIT) == [
        ("targets.0.fact", "unknown seed fact 'nowhere-1999-x'")]


def test_every_problem_of_one_target_is_listed() -> None:
    """An unknown policy and an unknown channel in one target: two problems, both at targets.0."""
    problems = problems_of(fact="t-2020-share", observable="exit_channel_share",
                           channels=["atm", "gold", "cash"], policy="nope", tolerance=0.1)
    assert problems == [
        ("targets.0", "unknown policy 'nope'; declared: (none)"),
        ("targets.0", "unknown cash-out channel gold, cash; known: atm, crypto"),
    ]


def test_an_unknown_policy_lists_the_declared_ones() -> None:
    """The message says which policies could have been meant."""
    goals, problems = resolved({"fact": "t-2020-share", "tolerance": 0.1, "policy": "fst",
                                **EXIT}, fast={}, slow={})
    assert goals == []
    assert problems == [("targets.0", "unknown policy 'fst'; declared: fast, slow")]


@pytest.mark.parametrize(("target", "message"), [
    ({"fact": "t-2020-gbp", "observable": "metric", "metrics": ["saved_fen"]},
     "cannot compare fen with the fact's unit 'gbp'"),
    ({"fact": "t-2020-share", "observable": "metric", "metrics": ["cases", "saved_fen"]},
     "mix units ['count', 'fen']"),
    ({"fact": "t-2020-secs", **DELAYS}, "fact 't-2020-secs' has no bins"),
    ({"fact": "t-2020-delay", **EXIT}, "fact 't-2020-delay' has no value"),
])
def test_values_and_units_that_cannot_be_compared_are_problems(target: dict[str, Any],
                                                               message: str) -> None:
    """Incomparable units and facts of the wrong shape are reported, not raised."""
    (problem,) = problems_of(tolerance=1, **target)
    assert problem[0] == "targets.0"
    assert message in problem[1]


def test_a_scenario_without_targets_has_no_goals_and_no_problems() -> None:
    """Nothing declared, nothing to check."""
    assert resolved() == ([], [])


@pytest.mark.parametrize(
    ("target", "zero"),
    [
        ({"fact": "t-2020-none", **EXIT}, "the published value is 0"),
        ({"fact": "t-2020-empty-bin", **DELAYS}, "a bin's published share is 0"),
    ],
)
def test_a_relative_tolerance_of_a_published_zero_is_a_problem(
    target: dict[str, Any], zero: str
) -> None:
    """Ten per cent of nothing allows no miss: refused, where the check divided by zero."""
    assert problems_of(**target, rel_tolerance=0.1) == [(
        "targets.0.rel_tolerance",
        f"{zero}, so a relative tolerance allows no miss at all; give an absolute tolerance",
    )]
    assert one_goal(**target, tolerance=0.05).allowed[0] == 0.05
