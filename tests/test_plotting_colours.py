"""A policy's colour is the same in every figure of every experiment on a scenario.

Slides put figures of several experiments side by side: a full comparison,
a comparison of two policies, a sweep of another baseline. A policy's colour
is its place in the scenario's full comparison (what a default ``fraudsim
compare`` runs, the declared baseline first and black), then the
experiment's other policies; see
:attr:`fraudsim.plotting.folder.ResultsFolder.colour_order`. The colours are
read off the drawn figures, whose data lines carry a ``gid`` naming their
policy, so every figure builder is checked to use the rule. The Xiamen
replay (one scripted case) keeps the experiments fast; folders that need no
simulation are written by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from matplotlib.colors import to_hex

from fraudsim.experiments import compare, run_sweep
from fraudsim.plotting import ResultsFolder, figures, open_folder
from fraudsim.plotting.style import OKABE_ITO, policy_colours
from fraudsim.scenario import Scenario, load_scenario
from tests.conftest import SCENARIOS, xiamen
from tests.test_plotting_catalog import XIAMEN_RAW, compare_folder, write

BLACK, BLUE, ORANGE, GREEN = (OKABE_ITO[c] for c in ("black", "blue", "orange", "green"))

EXPECTED = {"manual_counter": BLACK, "as_reported": BLUE, "stop_in_20_min": ORANGE,
            "base": GREEN}
"""Colours on the Xiamen replay declaring manual_counter its baseline: the full comparison
(manual_counter, then as_reported and stop_in_20_min in file order), then base."""

POLICY_FIGURES = ("policy-comparison", "loss-distribution", "golden-hour", "outcome-curve")
"""Figures drawing one series per policy."""


def declared_baseline() -> Scenario:
    """The Xiamen replay with its last declared policy as the baseline (not the first)."""
    return xiamen(['baseline_policy="manual_counter"'])


def drawn_colours(folder: ResultsFolder,
                  names: Sequence[str] = POLICY_FIGURES) -> dict[str, set[str]]:
    """Return the colours each policy is drawn in, over the folder's figures called ``names``.

    A data line's gid is ``what:policy`` or ``what:policy:panel``; lines of
    no policy (``ccdf:exposed``, the exposure for reference) are left out.
    """
    drawn: dict[str, set[str]] = {}
    for spec in figures(folder):
        if spec.name not in names:
            continue
        for ax in spec.build().axes:
            for line in ax.get_lines():
                parts = (line.get_gid() or "").split(":")
                if len(parts) > 1 and parts[1] in folder.policies:
                    drawn.setdefault(parts[1], set()).add(to_hex(line.get_color()).upper())
    return drawn


@pytest.fixture(scope="module")
def experiments(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ResultsFolder]:
    """A full comparison, a comparison of a subset with base, a sweep of another baseline."""
    root = tmp_path_factory.mktemp("colours")
    scenario = declared_baseline()
    compare(scenario, replications=2, workers=1, out=root / "full")
    compare(scenario, ["as_reported", "base"], baseline="as_reported", replications=2,
            workers=1, out=root / "subset")
    run_sweep(scenario, {"victims.report_lag_min": [0, 30]}, ["stop_in_20_min", "manual_counter"],
              baseline="stop_in_20_min", replications=2, workers=1, out=root / "sweep")
    return {name: open_folder(root / name) for name in ("full", "subset", "sweep")}


def test_the_declared_baseline_is_black_in_the_full_comparison(
        experiments: dict[str, ResultsFolder]) -> None:
    full = experiments["full"]
    assert full.policies == ["manual_counter", "as_reported", "stop_in_20_min"]
    assert full.colour_order == full.policies
    assert policy_colours(full.colour_order)["manual_counter"] == BLACK


@pytest.mark.parametrize("name, shown", [
    ("full", {"as_reported", "stop_in_20_min"}),  # differences: the baseline is not drawn
    ("subset", {"base"}),
    ("sweep", {"stop_in_20_min", "manual_counter"}),
])
def test_a_policy_has_its_full_comparison_colour_in_every_experiment(
        experiments: dict[str, ResultsFolder], name: str, shown: set[str]) -> None:
    """Each experiment's figures draw a policy in its colour of the full comparison.

    With colours by place in each experiment's own list, the sweep drew its
    baseline stop_in_20_min black (orange in the full comparison) and the
    declared baseline manual_counter blue, and the subset drew base blue.
    """
    drawn = drawn_colours(experiments[name])
    assert set(drawn) == shown
    assert drawn == {p: {EXPECTED[p]} for p in shown}


def test_colour_order_puts_undeclared_policies_after_the_full_comparison(
        experiments: dict[str, ResultsFolder]) -> None:
    """Policies the experiment did not run keep their places; base comes after them."""
    for folder in experiments.values():
        assert folder.colour_order[:3] == ["manual_counter", "as_reported", "stop_in_20_min"]
    assert experiments["subset"].colour_order[3:] == ["base"]
    assert experiments["subset"].policies == ["as_reported", "base"]


def test_kept_case_figures_colour_policies_as_the_full_comparison(tmp_path: Path) -> None:
    """The golden hour and the loss distribution of kept cases follow the rule too.

    The folder is the Xiamen replay as recorded (as_reported its baseline):
    stop_in_20_min is second in its full comparison, base after all three.
    """
    policies = ["stop_in_20_min", "base"]
    folder = compare_folder(tmp_path, policies, kept=policies)
    drawn = drawn_colours(folder, ("golden-hour", "loss-distribution"))
    assert drawn == {"stop_in_20_min": {BLUE}, "base": {GREEN}}


def manifest(scenario: Any, policies: list[str], kind: str = "compare") -> dict[str, Any]:
    """Return the manifest of an experiment on ``scenario`` (plain data), baseline first."""
    return {"kind": kind, "scenario": scenario, "policies": policies,
            "baseline": policies[0], "seed": 1}


def test_fujian_policies_have_one_colour_in_a_compare_and_a_two_policy_sweep(
        tmp_path: Path) -> None:
    """The shipped case: no_early_warning alike in the full comparison and in a subset."""
    scenario = load_scenario(SCENARIOS / "fujian-2023.toml")
    raw = scenario.model_dump(mode="json", by_alias=True)
    full = write(tmp_path / "full", manifest(raw, list(scenario.policies)), {})
    pair = write(tmp_path / "pair", manifest(raw, ["no_protective_holds", "no_early_warning"],
                                             "sweep"), {})
    assert full.policies[0] == "as_2023"
    assert policy_colours(full.colour_order)["as_2023"] == BLACK
    in_full, in_pair = policy_colours(full.colour_order), policy_colours(pair.colour_order)
    for policy in pair.policies:
        assert in_pair[policy] == in_full[policy], policy


def test_base_as_declared_baseline_is_first_and_black(tmp_path: Path) -> None:
    raw = xiamen(['baseline_policy="base"']).model_dump(mode="json", by_alias=True)
    folder = write(tmp_path, manifest(raw, ["stop_in_20_min", "base"]), {})
    assert folder.colour_order == ["base", "as_reported", "stop_in_20_min", "manual_counter"]
    assert policy_colours(folder.colour_order)["base"] == BLACK


def test_a_run_keeps_its_one_series_black(tmp_path: Path) -> None:
    """A run's scenario declares policies, but its one series is the run's, in black."""
    run = {"scenario": {**XIAMEN_RAW, "name": "town"}, "seed": 1, "replication": 0}
    folder = write(tmp_path, run, {"cases.parquet": pa.table({"case_id": [0]})})
    assert folder.kind == "run"
    assert folder.colour_order == ["town"]
    assert policy_colours(folder.colour_order)["town"] == BLACK


@pytest.mark.parametrize("scenario", [
    {"name": "old"},
    {**XIAMEN_RAW, "retired_table": {"x": 1}},
    "xiamen-2023",
], ids=["bare", "unknown-key", "not-a-table"])
def test_an_unvalidatable_scenario_falls_back_to_the_experiments_order(
        tmp_path: Path, scenario: Any) -> None:
    """A folder written by an older fraudsim still gets colours: by the experiment's order."""
    folder = write(tmp_path, manifest(scenario, ["manual_counter", "base", "as_reported"]), {})
    assert folder.colour_order == ["manual_counter", "base", "as_reported"]
    assert policy_colours(folder.colour_order)["manual_counter"] == BLACK
