"""Calibration targets: the schema, resolving against seed facts, observables, fraudsim check."""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from fraudsim.calibration import check_scenario, goals_for
from fraudsim.calibration.check import judge
from fraudsim.calibration.goals import resolve
from fraudsim.calibration.observables import Replication, conversion, measure
from fraudsim.calibration.report import check_text
from fraudsim.cli import main
from fraudsim.rng import Streams
from fraudsim.scenario.loading import ScenarioError, validate_scenario
from fraudsim.scenario.schema import Scenario
from fraudsim.scenario.targets import Target
from fraudsim.seeds import Fact, load_facts, missing_citations, scenario_citations
from fraudsim.verify.base import load_base
from fraudsim.verify.delays import ledger, traced_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
WITH_TARGETS = [p for p in SCENARIOS if "targets" in tomllib.loads(p.read_text("utf-8"))]


def fact(fid: str, value: float | None, unit: str | None = "count", **kw: Any) -> Fact:
    return Fact(fid, "A test figure.", value, unit, "Nowhere", "2020", "A test", "2020", False,
                **kw)


FACTS = {
    "t-2020-cases": fact("t-2020-cases", 480, "count"),
    "t-2020-far": fact("t-2020-far", 5000, "count"),
    "t-2020-exit": fact("t-2020-exit", 0.28, "share"),
    "t-2020-yuan": fact("t-2020-yuan", 1.0, "yuan"),
    "t-2020-words": fact("t-2020-words", None, None),
    "t-2020-delay": fact("t-2020-delay", None, "minutes", bins=(0.0, 60.0, math.inf),
                         shares=(0.5, 0.5)),
}


def small(targets: list[dict[str, Any]], **policies: dict[str, Any]) -> Scenario:
    """verify-base with 10 reporting victims an hour for two days, and the given targets."""
    raw = load_base()
    raw["contacts"]["rate_per_hour"] = 10.0
    raw["scam_types"]["plain"]["report_prob"] = 1.0
    raw["time"].update(horizon_days=2.0, drain_days=1.0)
    raw["targets"] = targets
    raw["policies"] = policies
    return validate_scenario(raw, "test")


# --- the schema --------------------------------------------------------------------------


def test_a_target_needs_exactly_one_tolerance() -> None:
    base = {"fact": "x", "observable": "metric", "metrics": ["cases"]}
    with pytest.raises(ValidationError, match="exactly one of tolerance"):
        Target.model_validate(base)
    with pytest.raises(ValidationError, match="exactly one of tolerance"):
        Target.model_validate({**base, "tolerance": 1, "rel_tolerance": 0.1})
    assert Target.model_validate({**base, "tolerance": 1}).compare == "near"


@pytest.mark.parametrize(
    ("observable", "needs"),
    [("metric", "metrics"), ("mule_exit_share", "within_min"), ("exit_channel_share", "channels"),
     ("delay_share", "start, end, within_min"), ("delay_shares", "start, end")],
)
def test_each_observable_says_what_it_needs(observable: str, needs: str) -> None:
    with pytest.raises(ValidationError, match=f"needs {needs}"):
        Target.model_validate({"fact": "x", "observable": observable, "tolerance": 1})


def test_unknown_target_keys_and_events_are_rejected() -> None:
    with pytest.raises(ValidationError):
        Target.model_validate({"fact": "x", "observable": "metric", "metrics": ["cases"],
                               "tolerance": 1, "tolerence": 2})
    with pytest.raises(ValidationError):
        Target.model_validate({"fact": "x", "observable": "delay_shares", "start": "payment",
                               "end": "report", "tolerance": 1})


def test_only_delay_targets_take_a_scam_type_filter() -> None:
    """A filter the observable would ignore is an error, not a silent claim of coverage."""
    with pytest.raises(ValidationError, match="scam_types is read only by delay_share and "
                       "delay_shares, not by 'metric'"):
        Target.model_validate({"fact": "x", "observable": "metric", "metrics": ["cases"],
                               "tolerance": 1, "scam_types": ["plain"]})
    delay = Target.model_validate({"fact": "x", "observable": "delay_shares", "start": "realise",
                                   "end": "report", "tolerance": 1, "scam_types": ["plain"]})
    assert delay.scam_types == ["plain"]


@pytest.mark.parametrize(("extra", "message"), [
    ({"channels": ["atm"]}, "channels is read only by exit_channel_share, not by 'metric'"),
    ({"within_min": 15}, "within_min is read only by mule_exit_share and delay_share, not by "
     "'metric'"),
    ({"layer": 1}, "layer is read only by mule_exit_share, not by 'metric'"),
    ({"start": "report", "end": "first_stop"}, "end is read only by delay_share and "
     "delay_shares, not by 'metric'; start is read only by"),
])
def test_a_key_the_observable_does_not_read_is_refused(extra: dict[str, Any],
                                                        message: str) -> None:
    """Ignored, it would change nothing while the file says it does."""
    base = {"fact": "x", "observable": "metric", "metrics": ["cases"], "tolerance": 1}
    with pytest.raises(ValidationError, match=re.escape(message)):
        Target.model_validate({**base, **extra})
    # Keys at their defaults, as a dump writes them back, are no claim.
    dumped = Target.model_validate(base).model_dump()
    assert Target.model_validate(dumped).metrics == ["cases"]
    assert Target.model_validate({**base, "scale": 2.0}).scale == 2.0  # every observable's


def test_a_delay_from_an_event_to_itself_is_refused() -> None:
    with pytest.raises(ValidationError, match="start and end are both 'report': every delay "
                       "would be 0"):
        Target.model_validate({"fact": "x", "observable": "delay_shares", "start": "report",
                               "end": "report", "tolerance": 1})


def test_a_target_names_only_the_scenarios_scam_types() -> None:
    """An unknown scam type is reported at loading, with the names there are."""
    target = {"fact": "t-2020-delay", "observable": "delay_shares", "start": "first_payment",
              "end": "report", "tolerance": 0.1, "scam_types": ["plain", "romance"]}
    with pytest.raises(ScenarioError, match=r"targets\.0\.scam_types\.1: unknown name "
                       r"'romance'; allowed: plain"):
        small([target])
    assert small([{**target, "scam_types": ["plain"]}]).targets[0].scam_types == ["plain"]


# --- shipped scenarios cite facts that exist ------------------------------------------------


@pytest.mark.parametrize("path", WITH_TARGETS, ids=lambda p: p.name)
def test_shipped_targets_point_to_existing_facts_they_cite(path: Path) -> None:
    facts = load_facts()
    data = tomllib.loads(path.read_text("utf-8"))
    target_facts = [t["fact"] for t in data["targets"]]
    assert missing_citations(target_facts, facts) == []
    assert missing_citations(scenario_citations(path), facts) == []
    assert set(target_facts) <= set(data["cites"]), "a target's fact must be cited"


def test_the_shipped_scenarios_with_targets() -> None:
    names = {p.name for p in WITH_TARGETS}
    assert {"fujian-2023.toml", "yangtze-delta.toml", "border-counties.toml",
            "xiamen-2015-vs-2024.toml"} <= names


def test_a_made_up_fact_fails_resolution() -> None:
    scenario = small([{"fact": "nowhere-1999-made-up", "observable": "metric",
                       "metrics": ["cases"], "tolerance": 1}])
    goals, problems = resolve(scenario, load_facts())
    assert goals == []
    assert problems == [("targets.0.fact", "unknown seed fact 'nowhere-1999-made-up'")]
    with pytest.raises(ScenarioError, match="unknown seed fact"):
        check_scenario(scenario, 2)


def test_a_metric_target_names_metrics_a_run_reports() -> None:
    """The metrics known before a run are exactly those a run of the scenario reports."""
    from fraudsim import simulate
    from fraudsim.calibration.observables import known_metrics
    from fraudsim.experiments.measures import replication_metrics

    scenario = small([])
    result = simulate(scenario)
    reported = {m.metric for m in result.summary} | set(replication_metrics(result))
    assert known_metrics(scenario) == reported
    bad = small([{"fact": "t-2020-cases", "observable": "metric", "tolerance": 1,
                  "metrics": ["cases", "disuaded", "reported"]}])
    _, problems = resolve(bad, FACTS)
    assert problems == [("targets.0", "unknown metric 'disuaded' (did you mean 'dissuaded'?)")]
    nothing_like = small([{"fact": "t-2020-cases", "observable": "metric", "tolerance": 1,
                           "metrics": ["qqq"]}])
    ((_, text),) = resolve(nothing_like, FACTS)[1]
    assert text.startswith("unknown metric qqq; known: accounts_frozen, ")


def test_every_problem_is_listed_at_once() -> None:
    scenario = small([
        {"fact": "t-2020-words", "observable": "metric", "metrics": ["cases"], "tolerance": 1},
        {"fact": "t-2020-delay", "observable": "metric", "metrics": ["cases"], "tolerance": 1},
        {"fact": "t-2020-cases", "observable": "delay_shares", "start": "first_payment",
         "end": "report", "tolerance": 0.1},
        {"fact": "t-2020-yuan", "observable": "metric", "metrics": ["cases"], "tolerance": 1},
        {"fact": "t-2020-exit", "observable": "mule_exit_share", "within_min": 15, "layer": 9,
         "tolerance": 0.1},
        {"fact": "t-2020-exit", "observable": "exit_channel_share", "channels": ["gold"],
         "tolerance": 0.1},
        {"fact": "t-2020-cases", "observable": "metric", "metrics": ["cases"], "tolerance": 1,
         "policy": "nope"},
    ])
    _, problems = resolve(scenario, FACTS)
    text = "\n".join(f"{p}: {m}" for p, m in problems)
    assert [p for p, _ in problems] == [f"targets.{i}" for i in range(7)]
    for expected in ("has no value", "has no value", "has no bins", "cannot compare count",
                     "layer 9 does not exist", "unknown cash-out channel gold",
                     "unknown policy 'nope'"):
        assert expected in text


# --- observables ----------------------------------------------------------------------------


def test_mule_exit_share_reads_the_dwell_times_the_model_uses() -> None:
    scenario = traced_scenario(load_base(), 300)
    book = ledger(scenario)
    first_layer = sorted(
        (book.arrivals[a][0], book.departures[a][0] - book.arrivals[a][0])
        for a in book.arrivals if a.startswith("L1:")
    )
    observed = np.asarray([d for _, d in first_layer])
    sampler = Streams(scenario.seed, 0).sampler("network.layer0.dwell",
                                                scenario.mule_network.layers[0].dwell_min)
    drawn = np.asarray([sampler.next() for _ in range(len(observed))])
    assert np.allclose(observed, drawn)  # payment i's account rests the i-th draw
    target = Target(fact="x", observable="mule_exit_share", within_min=15, tolerance=0.1)
    share = measure(target, Replication(scenario, scenario.seed, 0, None), None)[0]
    # lognormal(median 47, p95 1170): P(dwell <= 15) = Phi(ln(15/47) / 1.9535) = 0.279
    assert share == pytest.approx(0.279, abs=0.01)


def test_run_observables() -> None:
    from fraudsim import simulate

    scenario = small([])
    result = simulate(scenario)
    rep = Replication(scenario, scenario.seed, 0, result)
    cases = result.cases.num_rows

    def one(**kw: Any) -> list[float]:
        return measure(Target.model_validate({"fact": "x", "tolerance": 1, **kw}), rep,
                       (0.0, 1.0, math.inf))

    assert one(observable="metric", metrics=["cases"]) == [cases]
    assert one(observable="metric", metrics=["reported", "cases"]) == [2 * cases]
    atm, crypto = (one(observable="exit_channel_share", channels=[c])[0] for c in ("atm", "crypto"))
    assert atm + crypto == pytest.approx(1.0) and 0.3 < atm < 0.7
    assert one(observable="exit_channel_share", channels=["atm", "crypto"]) == [pytest.approx(1)]
    # Everyone reports at once: the delay from first payment to report is 0.
    assert one(observable="delay_share", start="first_payment", end="report", within_min=1) == [1]
    assert one(observable="delay_shares", start="first_payment", end="report") == [1.0, 0.0]
    assert one(observable="delay_shares", start="contact", end="case_start")[0] < 1  # queueing


def test_a_delay_target_limited_to_a_scam_type_reads_that_types_cases_in_a_run() -> None:
    """Half the victims realise at once, half after two hours: each type is read on its own."""
    from fraudsim import simulate

    raw = load_base()
    raw["contacts"]["rate_per_hour"] = 10.0
    raw["time"].update(horizon_days=1.0, drain_days=1.0)
    plain = raw["scam_types"]["plain"]
    raw["scam_types"] = {"plain": {**plain, "share": 0.5},
                         "slow": {**plain, "share": 0.5, "realisation_min": 120}}
    scenario = validate_scenario(raw, "test")
    result = simulate(scenario)
    rep = Replication(scenario, scenario.seed, 0, result)

    def within_an_hour(*types: str) -> float:
        return measure(Target.model_validate({
            "fact": "x", "tolerance": 1, "observable": "delay_share", "start": "first_payment",
            "end": "realise", "within_min": 60, "scam_types": list(types)}), rep, None)[0]

    slow = result.cases.column("scam_type").to_pylist().count("slow") / result.cases.num_rows
    assert 0.4 < slow < 0.6
    assert within_an_hour("plain") == 1.0
    assert within_an_hour("slow") == 0.0
    assert within_an_hour() == pytest.approx(1 - slow)


def test_unit_conversions() -> None:
    assert conversion("fen", "yuan") == 0.01
    assert conversion("share", "percent") == 100
    assert conversion("count", "cases") == 1
    with pytest.raises(ValueError, match="cannot compare"):
        conversion("minutes", "yuan")


def test_scale_and_units_reach_the_published_figure() -> None:
    scenario = small([{"fact": "t-2020-yuan", "observable": "metric",
                       "metrics": ["exposed_fen"], "scale": 3, "tolerance": 1}])
    goal = goals_for(scenario, FACTS)[0]
    assert goal.factor == pytest.approx(0.03)


@pytest.mark.parametrize(
    ("compare", "mean", "ok", "residual"),
    [("near", 10.5, True, 0.5), ("near", 12, False, 2), ("near", 8, False, -2),
     ("at_least", 15, True, 0), ("at_least", 9.5, True, -0.5), ("at_least", 8, False, -2),
     ("at_most", 5, True, 0), ("at_most", 12, False, 2), ("near", math.nan, False, 10)],
)
def test_judge(compare: str, mean: float, ok: bool, residual: float) -> None:
    passed, off = judge(compare, 10.0, mean, 1.0)
    assert passed == ok
    assert off == pytest.approx(residual)


# --- checking ---------------------------------------------------------------------------


def test_check_passes_a_met_target_and_fails_a_missed_one() -> None:
    scenario = small([
        {"fact": "t-2020-cases", "observable": "metric", "metrics": ["cases"],
         "rel_tolerance": 0.1},
        {"fact": "t-2020-far", "observable": "metric", "metrics": ["cases"], "rel_tolerance": 0.1},
        {"fact": "t-2020-delay", "observable": "delay_shares", "start": "first_payment",
         "end": "report", "tolerance": 0.1},
    ])
    report = check_scenario(scenario, 3, facts=FACTS)
    verdicts = [(o.goal.fact.id, o.label, o.passed) for o in report.outcomes]
    assert verdicts == [("t-2020-cases", "", True), ("t-2020-far", "", False),
                        ("t-2020-delay", "[0, 60)", False), ("t-2020-delay", "[60, inf)", False)]
    cases = report.outcomes[0].simulated
    assert cases.n == 3 and abs(cases.mean - 480) < 48 and cases.half_width > 0
    assert not report.passed
    text = check_text(report, "test")
    assert "t-2020-far" in text and "FAIL" in text and "1 of 4 target values passed" in text


def test_targets_under_a_policy_run_that_policy() -> None:
    target = {"fact": "t-2020-cases", "observable": "metric", "metrics": ["reported"],
              "rel_tolerance": 0.1}
    scenario = small([target, {**target, "policy": "silent"}],
                     silent={"scam_types.plain.report_prob": 0.0})
    report = check_scenario(scenario, 2, facts=FACTS)
    assert [o.passed for o in report.outcomes] == [True, False]
    assert report.outcomes[1].simulated.mean == 0


def test_checks_are_reproducible_and_parallel_gives_the_same() -> None:
    scenario = small([{"fact": "t-2020-cases", "observable": "metric", "metrics": ["cases"],
                       "rel_tolerance": 0.1}])
    a = check_scenario(scenario, 2, facts=FACTS).outcomes[0].simulated
    b = check_scenario(scenario, 2, facts=FACTS, workers=2).outcomes[0].simulated
    assert a == b


def test_at_least_two_replications() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        check_scenario(small([]), 1)


# --- the command ----------------------------------------------------------------------------

TARGET = """
[[targets]]
fact = "{fact}"
observable = "mule_exit_share"
within_min = {within}
tolerance = 0.03
"""


def scenario_file(tmp_path: Path, fact_id: str, within: int) -> Path:
    text = (ROOT / "scenarios" / "verify-base.toml").read_text("utf-8")
    path = tmp_path / "s.toml"
    path.write_text(text + TARGET.format(fact=fact_id, within=within), encoding="utf-8")
    return path


def test_cli_check_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(scenario_file(tmp_path, "uk-2024-mule-exit-15min", 15)),
                 "--replications", "3"]) == 0
    out = capsys.readouterr().out
    assert "3 replications per policy" in out
    assert "uk-2024-mule-exit-15min" in out and "0.28 share" in out and "PASS" in out


def test_cli_check_fails_a_missed_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = scenario_file(tmp_path, "uk-2024-mule-exit-15min", 60)  # a 60-minute share vs 28%
    assert main(["check", str(path)]) == 1
    assert "FAILED" in capsys.readouterr().out


def test_cli_check_reports_an_unknown_fact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = scenario_file(tmp_path, "nowhere-1999-made-up", 15)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: targets.0.fact: unknown seed fact 'nowhere-1999-made-up'" in err
