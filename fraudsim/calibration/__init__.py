"""Calibration: scenarios held to published figures.

A scenario declares ``[[targets]]`` (:mod:`fraudsim.scenario.targets`), each
an observable figure pointing to a seed fact and a tolerance.

* :func:`check_scenario` (``fraudsim check``) runs the scenario and judges
  every target: published value, simulated mean with its 95% interval,
  pass or fail.
* :func:`calibrate` (``fraudsim calibrate``) searches named parameters for
  the values that best match the targets.
"""

from fraudsim.calibration.calibrate import Fit, Parameter, calibrate, parse_fit
from fraudsim.calibration.check import CheckReport, Outcome, check_scenario, goals_for
from fraudsim.calibration.observables import TargetError

__all__ = [
    "CheckReport",
    "Fit",
    "Outcome",
    "Parameter",
    "TargetError",
    "calibrate",
    "check_scenario",
    "goals_for",
    "parse_fit",
]
