"""Shared fixtures: the shipped scenarios and a builder of small variants."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import settings

from fraudsim.engine import engine
from fraudsim.scenario import Scenario, load_scenario

if TYPE_CHECKING:  # the figure tests' folders; matplotlib loads only where used
    from fraudsim.plotting import ResultsFolder

# CI runs hypothesis derandomised so that a submission's result does not depend
# on luck; local runs keep exploring new examples (and keep failures found).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``pure_python`` tests on a compiled engine: its classes cannot be patched."""
    if engine() != "compiled":
        return
    skip = pytest.mark.skip(reason="patches model internals; runs on the Python engine")
    for item in items:
        if "pure_python" in item.keywords:
            item.add_marker(skip)


def event_queues() -> list[Any]:
    """Both event queues as parameters: the Python engine's and, if built, the compiled one's.

    The C queue (fraudsim/model/cqueue.c) exists only in a compiled build;
    elsewhere its parameter is skipped, and the Python queue still runs.
    """
    from fraudsim.model.pyqueue import PyQueue

    try:
        from fraudsim.model.cqueue import CQueue
    except ImportError:
        native = pytest.param(None, id="CQueue", marks=pytest.mark.skip(reason="not built"))
    else:
        native = pytest.param(CQueue, id="CQueue")
    return [pytest.param(PyQueue, id="PyQueue"), native]


ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
XIAMEN = SCENARIOS / "xiamen-2023.toml"

# A busy but small city built from the Xiamen replay: random victims on top
# of the scripted one, several installments, pooling mule accounts.
BUSY = [
    "contacts.rate_per_hour=40",
    "scam_types.customer_service.hook_prob=0.05",
    'scam_types.customer_service.installments={kind="empirical",values=[1,2,3,5],weights=[4,3,2,1]}',
    'scam_types.customer_service.installment_fen={kind="lognormal",median=500000,p95=20000000}',
    'scam_types.customer_service.installment_gap_min={kind="exponential",mean=20}',
    'scam_types.customer_service.realisation_min={kind="exponential",mean=600}',
    "scam_types.customer_service.report_prob=0.6",
    "scam_types.customer_service.self_stop_prob=0.7",
    "mule_network.accounts_per_bank=20",
    "time.horizon_days=5",
    "time.drain_days=1",
    'response.analysts.handling_min={kind="exponential",mean=15}',
    "response.patrols.dispatch_prob=0.3",
    'mule_network.layers.0.dwell_min={kind="lognormal",median=30,p95=240}',
    'banks.xiamen_bank.stop_latency_min={kind="lognormal",median=5,p95=60}',
]


def xiamen(overrides: Sequence[str] = ()) -> Scenario:
    """Return the Xiamen replay with overrides applied."""
    return load_scenario(XIAMEN, list(overrides))


def busy(overrides: Sequence[str] = ()) -> Scenario:
    """Return the small busy city with further overrides applied."""
    return load_scenario(XIAMEN, [*BUSY, *overrides])


@pytest.fixture
def busy_scenario() -> Scenario:
    return busy()


BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load_benchmark(name: str) -> ModuleType:
    """Load a module of ``benchmarks/`` (not a package) from its file, under its own name.

    The benchmark modules import one another by name (``from national_runs
    import ...``), as the script finds them beside it: their folder is first
    on ``sys.path`` while the module loads, so its siblings load with it.
    Registered in ``sys.modules``, so that worker processes find its
    functions by module name.
    """
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCHMARKS))
    return module


@pytest.fixture(scope="session")
def verify_world() -> dict[str, Any]:
    """The verification world's data (``scenarios/verify-base.toml``), read once.

    Shared by every test that asks for it: copy it before changing it.
    """
    from fraudsim.verify.base import load_base

    return load_base()


@pytest.fixture(scope="session")
def verify_plain(verify_world: dict[str, Any]) -> Scenario:
    """The verification world itself, unreduced: four layers (three resting, one cashing
    out), two banks."""
    from fraudsim.verify.base import reduced

    return reduced(verify_world)


# -- results folders shared by the end-to-end figure tests ---------------------
# Built once per session (runs, comparisons and sweeps take seconds) for
# tests/test_plotting.py, test_plotting_drawn.py and test_plotting_cases.py.
# Imported where used: tests/plotting_folders.py imports this module.


@pytest.fixture(scope="session")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ResultsFolder]:
    """Runs of the Xiamen replay (saved, and lost with a slow bank) and of the busy town."""
    from tests.plotting_folders import BUSY_RUN, make_run

    root = tmp_path_factory.mktemp("runs")
    return {
        "xiamen": make_run(root / "xiamen", xiamen(), ["fraudsim", "run", str(XIAMEN)]),
        "xiamen_slow": make_run(root / "slow", xiamen(["banks.xiamen_bank.stop_latency_min=30"])),
        "busy": make_run(root / "busy", busy(BUSY_RUN)),
    }


@pytest.fixture(scope="session")
def compared(tmp_path_factory: pytest.TempPathFactory) -> ResultsFolder:
    """The test policies of the busy town compared, 3 replications, cases kept."""
    from tests.plotting_folders import make_compare

    return make_compare(tmp_path_factory.mktemp("cmp") / "kept", keep_cases=True)


@pytest.fixture(scope="session")
def compared_lean(tmp_path_factory: pytest.TempPathFactory) -> ResultsFolder:
    """The same comparison without its cases."""
    from tests.plotting_folders import make_compare

    return make_compare(tmp_path_factory.mktemp("cmp") / "lean", keep_cases=False)


@pytest.fixture(scope="session")
def swept_latency(tmp_path_factory: pytest.TempPathFactory) -> ResultsFolder:
    """The Xiamen replay swept over its bank's stop latency (one key, the plain scenario)."""
    from tests.plotting_folders import make_sweep

    return make_sweep(tmp_path_factory.mktemp("sw") / "latency", xiamen(),
                      {"banks.xiamen_bank.stop_latency_min": [30, 1, 3, 10]}, ["base"])


@pytest.fixture(scope="session")
def swept_lag(tmp_path_factory: pytest.TempPathFactory) -> ResultsFolder:
    """The busy town swept over report lag and triage (two keys), two policies."""
    from tests.plotting_folders import make_sweep, with_policies

    return make_sweep(tmp_path_factory.mktemp("sw") / "lag", with_policies(busy()),
                      {"victims.report_lag_min": [0, 60, 600], "response.analysts.triage":
                       ["fifo", "largest_first"]}, ["baseline", "slow_bank"])
