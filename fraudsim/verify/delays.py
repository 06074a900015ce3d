"""Delay checks: mule dwell times, cash-out and bank delays against their configuration.

The model's own timings are observed, not re-drawn: one traced victim pays
many times into fresh first-level accounts (large account pools, so that no
two payments share an account at the same time), and the trace of her case
records when money reached each account and when it left it. After every
payment has left the network she reports, and the trace records when each
stop-payment was asked for and when the bank executed it. So:

* the dwell of layer k is the time between money reaching a layer-k account
  and its onward hop;
* the last layer has no dwell of its own, so its exit time is the cash-out
  channel's delay (the trace names the channel);
* a bank's stop latency is the time between request and execution (one
  region, so no cross-region delay is added).

Each set of delays is tested against the analytic distribution the scenario
configures (:mod:`fraudsim.verify.fit`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fraudsim.api import simulate
from fraudsim.scenario.distributions import Distribution
from fraudsim.scenario.schema import Scenario
from fraudsim.verify.base import days_to_min, reduced
from fraudsim.verify.fit import describe, fit
from fraudsim.verify.results import CheckResult, failed

GAP_MIN = 60.0
"""Minutes between the traced victim's payments."""

DRAIN_DAYS = 2000.0
"""Simulated quiet days after the payments, so that even the longest dwell ends."""

MAX_UNPAIRED = 0.01
"""Share of account visits that may go untimed: two payments landing in the
same account while it still holds money are pooled (they leave together), so
their dwell cannot be told apart. With large account pools this is rare; a
model that lost departures would leave many visits unpaired."""


@dataclass
class _Ledger:
    """Times at which money reached and left each account, from a trace."""

    arrivals: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    departures: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    channel: dict[str, str] = field(default_factory=dict)
    requested: dict[str, float] = field(default_factory=dict)
    executed: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Sample:
    """Observed delays of one model component and what the scenario configures."""

    check: str
    subject: str
    dist: Distribution
    observed: np.ndarray[Any, np.dtype[np.float64]]
    unpaired: int

    @property
    def mostly_paired(self) -> bool:
        """Whether at most 1% of account visits could not be timed (overlapping visits)."""
        return self.unpaired <= MAX_UNPAIRED * max(1, len(self.observed))


def traced_scenario(base: dict[str, Any], payments: int) -> Scenario:
    """Return the reduction: one traced victim paying ``payments`` times, reporting late."""
    last = payments * GAP_MIN
    report = last + days_to_min(DRAIN_DAYS) / 2
    overrides = [
        "mule_network.accounts_per_bank=100000",
        f"time.horizon_days={last / 1440 + 1}",
        f"time.drain_days={DRAIN_DAYS}",
        "time.resource_bin_min=100000",
    ]
    scenario = reduced(base, overrides, lambda raw: raw.update(scripted_cases=[{
        "contact_min": 0.0, "scam_type": "plain", "region": "home", "grooming_min": 0.0,
        "installments_fen": [100000] * payments, "gap_min": GAP_MIN,
        "realisation_min": report, "self_stop": True, "reports": True,
        "report_lag_min": 0.0}]))
    return scenario


def _parent(detail: str) -> str:
    return detail.removeprefix("from ")


def ledger(scenario: Scenario) -> _Ledger:
    """Run the reduction with case 0 traced and collect its account timings."""
    book = _Ledger()
    for ev in simulate(scenario, trace_case=0).trace:
        if ev.event == "payment":
            book.arrivals[ev.account].append(ev.time_min)
        elif ev.event == "hop":
            book.arrivals[ev.account].append(ev.time_min)
            parent = book.departures[_parent(ev.detail)]
            if not parent or parent[-1] != ev.time_min:  # one departure per fan-out
                parent.append(ev.time_min)
        elif ev.event == "cash_out":
            book.departures[ev.account].append(ev.time_min)
            book.channel[ev.account] = ev.detail
        elif ev.event == "stop_requested":
            book.requested[ev.account] = ev.time_min
        elif ev.event == "stop_executed":
            book.executed[ev.account] = ev.time_min
    return book


def _layer(label: str) -> int:
    """Return the 0-based layer of an account label ``L2:bank_a#17``."""
    return int(label[1 : label.index(":")]) - 1


def _bank(label: str) -> str:
    return label[label.index(":") + 1 : label.index("#")]


def _stays(book: _Ledger, label: str) -> list[float] | None:
    """Return the account's dwell times, or None if its visits overlap (pooling) or never end."""
    arr, dep = sorted(book.arrivals[label]), sorted(book.departures.get(label, []))
    if len(arr) != len(dep):
        return None
    if any(a > d for a, d in zip(arr, dep, strict=True)):
        return None
    if any(d > a for d, a in zip(dep, arr[1:], strict=False)):
        return None
    return [d - a for a, d in zip(arr, dep, strict=True)]


def samples(scenario: Scenario, book: _Ledger) -> list[Sample]:
    """Group the observed delays by layer, cash-out channel and bank."""
    layers = scenario.mule_network.layers
    last = len(layers) - 1
    stays: dict[str, list[float]] = defaultdict(list)
    unpaired: dict[str, int] = defaultdict(int)
    for label in book.arrivals:
        k = _layer(label)
        key = f"layer{k}" if k < last else f"channel:{book.channel.get(label, '?')}"
        found = _stays(book, label)
        if found is None:
            unpaired[key] += 1
        else:
            stays[key] += found
    out = [
        Sample("mule dwell", f"layer {k + 1}", layers[k].dwell_min,
               np.asarray(stays[f"layer{k}"]), unpaired[f"layer{k}"])
        for k in range(last)
    ]
    for name, channel in scenario.mule_network.cash_out.items():
        key = f"channel:{name}"
        out.append(Sample("cash-out delay", name, channel.delay_min,
                          np.asarray(stays[key]), unpaired[key]))
    return out + _bank_samples(scenario, book)


def _bank_samples(scenario: Scenario, book: _Ledger) -> list[Sample]:
    latency: dict[str, list[float]] = defaultdict(list)
    missing: dict[str, int] = defaultdict(int)
    for label, asked in book.requested.items():
        done = book.executed.get(label)
        if done is None:
            missing[_bank(label)] += 1
        else:
            latency[_bank(label)].append(done - asked)
    return [
        Sample("bank stop latency", name, bank.stop_latency_min,
               np.asarray(latency[name]), missing[name])
        for name, bank in scenario.banks.items()
    ]


def _row(sample: Sample) -> CheckResult:
    result = fit(sample.observed, sample.dist)
    stuck = f", {sample.unpaired} untimed" if sample.unpaired else ""
    return CheckResult(
        f"{sample.check} ({result.test})",
        sample.subject,
        describe(sample.dist),
        f"D={result.statistic:.3f} p={result.p_value:.3g} (n={result.n}{stuck})",
        "p >= 0.001, <= 1% untimed",
        result.passed and sample.mostly_paired,
    )


def delay_checks(base: dict[str, Any], payments: int) -> list[CheckResult]:
    """Run the traced reduction and test every layer, channel and bank delay."""
    try:
        scenario = traced_scenario(base, payments)
        return [_row(s) for s in samples(scenario, ledger(scenario))]
    except Exception as err:  # a broken model must show as a failed row
        return [failed("delay fit", "mule layers, channels, banks", err)]
