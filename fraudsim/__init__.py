"""fraudsim: a discrete-event simulator of anti-fraud fund interception."""

__version__ = "0.1.0"

from fraudsim.engine import select_engine, stop_command_on

# Before any model module is imported: a compiled module older than its
# source would silently run old code, so an out-of-date one is set aside.
try:
    select_engine()
except (ImportError, ValueError) as _error:  # a bad FRAUDSIM_ENGINE, a stale engine asked for
    stop_command_on(_error)  # the fraudsim command says it in one line; a library import raises
    raise

# After the check: these import the model.
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
