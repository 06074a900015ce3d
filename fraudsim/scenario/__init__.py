"""Scenario files: schema, distributions and loading."""

from fraudsim.scenario.loading import ScenarioError, apply_overrides, load_scenario
from fraudsim.scenario.schema import Scenario

__all__ = ["Scenario", "ScenarioError", "apply_overrides", "load_scenario"]
