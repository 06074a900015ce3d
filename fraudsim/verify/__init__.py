"""Verification: reduced forms of the model whose answers are known.

``fraudsim verify`` (or :func:`run_verification`) runs the model in worlds
small enough for theory to predict and prints a pass/fail table:

* each staffed stage of the response chain as an M/M/c queue against Erlang
  C (probability of waiting, mean wait, busy servers);
* every team unlimited: nobody waits;
* Little's law on every queue;
* mule dwell, cash-out and bank delays against the configured distributions
  (Kolmogorov-Smirnov);
* conservation of money, in integer fen, case by case.

The reductions are built on ``scenarios/verify-base.toml``.
"""

from fraudsim.verify.results import CheckResult, render
from fraudsim.verify.suite import FULL, QUICK, Effort, run_verification

__all__ = ["FULL", "QUICK", "CheckResult", "Effort", "render", "run_verification"]
