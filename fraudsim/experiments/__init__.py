"""Experiments: policies compared with common random numbers, sweeps, parallel runs.

See :func:`compare` and :func:`sweep`; the command line fronts are
``fraudsim compare`` and ``fraudsim sweep``.
"""

from fraudsim.experiments.api import (
    ComparisonResult,
    Settings,
    SweepResult,
    compare,
    run_sweep,
    sweep,
)
from fraudsim.experiments.engine import Precision
from fraudsim.experiments.errors import ExperimentError, ReplicationError

__all__ = [
    "ComparisonResult",
    "ExperimentError",
    "Precision",
    "ReplicationError",
    "Settings",
    "SweepResult",
    "compare",
    "run_sweep",
    "sweep",
]
