"""Every shipped scenario validates, runs, and passes its own targets (fraudsim check)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from fraudsim import simulate
from fraudsim.cli import main
from fraudsim.scenario.loading import load_scenario
from fraudsim.scenario.policies import scenario_for_policy

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
SHORTENED = {"national-year.toml": ["time.horizon_days=1"]}
"""A million victims a year is the speed benchmark's load (benchmarks/); a day of it runs here."""
CALIBRATED = ["fujian-2023.toml", "yangtze-delta.toml", "border-counties.toml",
              "xiamen-2015-vs-2024.toml"]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_validates_with_every_policy(path: Path) -> None:
    scenario = load_scenario(path)
    for name in ["base", *scenario.policies]:
        assert scenario_for_policy(scenario, name).name == scenario.name


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_runs(path: Path) -> None:
    result = simulate(load_scenario(path, SHORTENED.get(path.name, [])))
    assert result.cases.num_rows > 0 or path.name == "verify-base.toml"  # its rate is 0


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_passes_fraudsim_check(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "FAIL" not in out


def test_the_calibrated_scenarios_declare_targets_and_policies() -> None:
    for name in CALIBRATED:
        data = tomllib.loads((ROOT / "scenarios" / name).read_text("utf-8"))
        assert len(data["targets"]) >= 3, name
        assert len(data["policies"]) >= 2, name


def test_fujian_scales_a_twentieth_of_the_province_week_to_the_year() -> None:
    data = tomllib.loads((ROOT / "scenarios" / "fujian-2023.toml").read_text("utf-8"))
    assert data["time"]["horizon_days"] == 7
    scaled = [t for t in data["targets"] if t["observable"] == "metric"]
    assert {t["fact"] for t in scaled} == {"fujian-2023-calls-intercepted",
                                           "fujian-2023-victims-dissuaded",
                                           "fujian-2023-losses-avoided"}
    for t in scaled:
        assert t["scale"] == pytest.approx(20 * 365 / 7, rel=1e-6)


def test_yangtze_delta_has_four_provinces_a_delay_matrix_and_cooperation_policies() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "yangtze-delta.toml")
    assert set(scenario.regions) == {"shanghai", "jiangsu", "zhejiang", "anhui"}
    assert len(scenario.cross_region.delays) >= 6
    assert not scenario.cross_region.cooperation
    assert scenario_for_policy(scenario, "integrated").cross_region.cooperation
    assert all(layer.cross_region_share > 0 for layer in scenario.mule_network.layers[:2])


def test_xiamen_chains_differ_only_in_the_response() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "xiamen-2015-vs-2024.toml")
    old = scenario_for_policy(scenario, "chain_2015").model_dump()
    new = scenario_for_policy(scenario, "chain_2024").model_dump()
    differ = {k for k in old if old[k] != new[k]}
    assert differ == {"response", "banks"}


@pytest.mark.slow
@pytest.mark.parametrize("name", CALIBRATED)
def test_targets_hold_for_other_seeds_and_more_replications(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = ROOT / "scenarios" / name
    for seed in ("1", "2"):
        code = main(["check", str(path), "--replications", "20", "--seed", seed])
        assert code == 0, capsys.readouterr().out
