"""fraudsim: a discrete-event simulator of anti-fraud fund interception."""

__version__ = "0.1.0"

from fraudsim.engine import select_engine

# Before any model module is imported: a compiled module older than its
# source would silently run old code, so an out-of-date one is set aside.
select_engine()

from fraudsim.api import SimulationResult, simulate  # noqa: E402  (after the check)
from fraudsim.experiments import ComparisonResult, compare, sweep  # noqa: E402
from fraudsim.scenario import Scenario, ScenarioError, load_scenario  # noqa: E402

__all__ = [
    "ComparisonResult",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "compare",
    "load_scenario",
    "simulate",
    "sweep",
]
