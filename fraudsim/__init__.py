"""fraudsim: a discrete-event simulator of anti-fraud fund interception."""

__version__ = "0.1.0"

from fraudsim.api import SimulationResult, simulate
from fraudsim.experiments import ComparisonResult, compare, sweep
from fraudsim.scenario import Scenario, ScenarioError, load_scenario

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
