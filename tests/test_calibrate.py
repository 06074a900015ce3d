"""fraudsim calibrate: parameters and bounds, the search, the command."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from fraudsim.calibration import calibrate, parse_fit
from fraudsim.calibration.calibrate import Parameter, value_at, with_values
from fraudsim.cli import main
from fraudsim.scenario.loading import ScenarioError, validate_scenario
from fraudsim.scenario.schema import Scenario
from fraudsim.seeds import Fact
from fraudsim.verify.base import load_base

ROOT = Path(__file__).resolve().parent.parent

EXIT_TARGETS = [
    {"fact": "uk-2024-mule-exit-15min", "observable": "mule_exit_share", "within_min": 15,
     "tolerance": 0.03},
    {"fact": "uk-2024-mule-exit-1h", "observable": "mule_exit_share", "within_min": 60,
     "compare": "at_least", "tolerance": 0.02},
]


def base_with(targets: list[dict[str, Any]], dwell: dict[str, Any] | None = None) -> Scenario:
    raw = load_base()
    raw["targets"] = targets
    if dwell is not None:
        raw["mule_network"]["layers"][0]["dwell_min"] = dwell
    return validate_scenario(raw, "test")


# --- parameters ------------------------------------------------------------------------


def test_default_bounds() -> None:
    scenario = base_with([])
    params = parse_fit("mule_network.layers.0.dwell_min.median,scam_types.plain.hook_prob,"
                       "response.analysts.staff,banks.bank_a.freeze_latency_min", scenario)
    median, hook, staff, freeze = params
    assert (median.start, median.low, median.high, median.integer) == (47, 11.75, 188, False)
    assert (hook.low, hook.high) == (0.0, 1.0)  # a probability
    assert staff.integer and (staff.low, staff.high) == (0.75, 12)
    assert freeze.start == 60  # a constant distribution reads as its value


def test_explicit_bounds_and_errors() -> None:
    scenario = base_with([])
    (p,) = parse_fit("mule_network.layers.0.dwell_min.median=10:100", scenario)
    assert (p.low, p.high) == (10, 100)
    with pytest.raises(ScenarioError) as err:
        parse_fit("response.guidance.at,mule_network.layers.3.dwell_min,"
                  "mule_network.layers.0.dwell_min.median=50:60,"
                  "mule_network.layers.0.dwell_min.p95=1-2", scenario)
    messages = [m for _, m in err.value.problems]
    assert "not a number" in messages[0]
    assert "the value is 0" in messages[1]
    assert "must be increasing and contain 47" in messages[2]
    assert "LOW:HIGH" in messages[3]


@pytest.mark.parametrize(("spec", "where", "message"), [
    ("mule_network.layers.0.dwell_min.median=0:inf", "mule_network.layers.0.dwell_min.median",
     "bounds must be finite numbers (got '0:inf')"),
    ("mule_network.layers.0.dwell_min.median=nan:9", "mule_network.layers.0.dwell_min.median",
     "bounds must be finite numbers (got 'nan:9')"),
    ("mule_network.layers.0.dwell_min.median=a:9", "mule_network.layers.0.dwell_min.median",
     "bounds must be numbers, LOW:HIGH (got 'a:9')"),
    ("seed", "seed", "the seed cannot be fitted: it picks the random numbers, not the model"),
    ("scam_types.plain.hook_prob,scam_types.plain.hook_prob=0.1:0.9", "scam_types.plain.hook_prob",
     "given twice"),
    (",", "--fit", "an empty key (two commas, or one at an end?)"),
    ("scam_types.plain.hook_prob,", "--fit", "an empty key (two commas, or one at an end?)"),
])
def test_keys_and_bounds_that_cannot_be_fitted(spec: str, where: str, message: str) -> None:
    """Each is refused once, in one line, before any candidate runs."""
    with pytest.raises(ScenarioError) as err:
        parse_fit(spec, base_with([]))
    assert err.value.problems == [(where, message)]


def test_a_key_that_is_no_number_says_what_to_fit_instead() -> None:
    with pytest.raises(ScenarioError) as err:
        parse_fit("no.such.key,mule_network.layers.0.dwell_min", base_with([]))
    absent, dwell = (m for _, m in err.value.problems)
    assert "a key the scenario does not set" in absent
    assert dwell.endswith("(a distribution of kind lognormal: fit "
                          "mule_network.layers.0.dwell_min.median or "
                          "mule_network.layers.0.dwell_min.p95)")
    listed = base_with([], dwell={"kind": "empirical", "values": [5, 10], "weights": [0.5, 0.5]})
    with pytest.raises(ScenarioError) as err:
        parse_fit("mule_network.layers.0.dwell_min", listed)
    [(_, message)] = err.value.problems
    assert message.endswith("(a distribution of kind empirical, with no single number to fit)")


def test_unit_mapping_round_trips_and_uses_a_log_scale_over_wide_bounds() -> None:
    linear = Parameter("x", 0.5, 0.0, 1.0, False)
    wide = Parameter("y", 50.0, 5.0, 500.0, False)
    assert not linear.log_scale and wide.log_scale
    for p in (linear, wide):
        for x in (p.low, p.start, p.high):
            assert p.from_unit(p.to_unit(x)) == pytest.approx(x)
    assert wide.from_unit(0.5) == pytest.approx(50.0)  # the geometric middle
    assert Parameter("s", 3, 1, 9, True).from_unit(0.26) == 3.0
    assert linear.from_unit(1.7) == 1.0  # clipped to the bounds


def test_values_are_set_and_validated() -> None:
    scenario = base_with([])
    params = parse_fit("mule_network.layers.0.dwell_min.median,response.analysts.staff", scenario)
    changed = with_values(scenario, params, [30.0, 5.0])
    data = changed.model_dump(mode="json", by_alias=True)
    assert value_at(data, "mule_network.layers.0.dwell_min.median") == 30.0
    assert changed.response.analysts.staff == 5
    with pytest.raises(ScenarioError, match="p95 must be greater"):
        with_values(scenario, params[:1], [2000.0])  # above the p95 of 1170


# --- the search ------------------------------------------------------------------------


def test_calibration_recovers_the_dwell_the_uk_figures_imply() -> None:
    # Start far off (median 200 min); the UK exit shares pin the lognormal down.
    scenario = base_with(EXIT_TARGETS, {"kind": "lognormal", "median": 200, "p95": 3000})
    params = parse_fit("mule_network.layers.0.dwell_min.median=5:400,"
                       "mule_network.layers.0.dwell_min.p95=500:6000", scenario)
    fit = calibrate(scenario, params, replications=2, max_evals=80)
    assert fit.start_error > 50
    assert fit.report.passed and fit.report.error() < 0.5
    median, p95 = fit.values
    # P(<=15) = 0.28 and P(<=60) >= 0.5 put the median below an hour.
    assert median < 60 and median < p95
    share_15 = 0.5 * (1 + math.erf(math.log(15 / median) / (math.log(p95 / median) / 1.645)
                                   / math.sqrt(2)))
    assert share_15 == pytest.approx(0.28, abs=0.03)


def test_calibration_of_a_parameter_that_needs_runs() -> None:
    facts = {"t-2020-reported": Fact("t-2020-reported", "Reports.", 240, "count", "X", "2020",
                                     "T", "2020", False)}
    raw = load_base()
    raw["contacts"]["rate_per_hour"] = 10.0
    raw["time"].update(horizon_days=2.0, drain_days=1.0)
    raw["scam_types"]["plain"]["report_prob"] = 0.9
    raw["targets"] = [{"fact": "t-2020-reported", "observable": "metric",
                       "metrics": ["reported"], "rel_tolerance": 0.05}]
    scenario = validate_scenario(raw, "test")
    (param,) = parse_fit("scam_types.plain.report_prob", scenario)
    fit = calibrate(scenario, [param], replications=2, max_evals=25, facts=facts)
    assert fit.values[0] == pytest.approx(0.5, abs=0.06)  # 480 victims, 240 reports
    assert fit.report.passed and fit.report.error() < fit.start_error


# --- the command --------------------------------------------------------------------------


def test_cli_calibrate_prints_the_fit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (ROOT / "scenarios" / "verify-base.toml").read_text("utf-8").replace(
        'dwell_min = { kind = "lognormal", median = 47, p95 = 1170 }',
        'dwell_min = { kind = "lognormal", median = 150, p95 = 1170 }')
    text += """
[[targets]]
fact = "uk-2024-mule-exit-15min"
observable = "mule_exit_share"
within_min = 15
tolerance = 0.03
"""
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    code = main(["calibrate", str(path), "--fit", "mule_network.layers.0.dwell_min.median",
                 "--replications", "2", "--max-evals", "30"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "mule_network.layers.0.dwell_min.median  150" in out
    assert "--set mule_network.layers.0.dwell_min.median=" in out
    assert "error (sum of squared misses, in tolerances)" in out
    assert "targets at the fitted values" in out and "PASS" in out


def test_cli_calibrate_rejects_a_bad_parameter(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = ROOT / "scenarios" / "xiamen-2015-vs-2024.toml"
    assert main(["calibrate", str(path), "--fit", "response.guidance.at"]) == 2
    assert "response.guidance.at: not a number" in capsys.readouterr().err
