"""Conservation of money: every fen a victim was going to pay is accounted for.

A reduced world with every mechanism switched on (several installments,
pooling mule accounts that split money across banks, stop-payments that
lapse, freezes by police and by banks' own controls, holds, guidance,
patrols, early warning, delayed credit, a withdrawal delay) is cut off
while money is still moving. Its case table must then close, in integer
fen, for every case:

* ``exposed = prevented + frozen + cashed_out + in_flight``;
* what reached the mule network is frozen, cashed out, or still there:
  ``paid = frozen + cashed_out + (in_flight - unpaid_at_end)``;
* one stopper per case: the money prevented, delayed credits recalled
  aside, was all prevented by whoever halted her payments (``halted_by``:
  herself, early warning, guidance, a patrol or a hold), and by no one
  if nobody did;

and the money cashed out through each channel must add up to the money the
cases lost. The model checks the first identity itself and stops with an
error if it fails; these checks recompute all of them from the tables.
(The table's sums of parts, prevented as the sum over stoppers, frozen as
police plus bank, saved as prevented plus frozen, are how the records are
made, so they are not checked here: such a check could not fail.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from fraudsim.api import SimulationResult, simulate
from fraudsim.model.cases import STOPPERS
from fraudsim.verify.base import reduced
from fraudsim.verify.results import CheckResult, failed

BUSY_WORLD = (
    "contacts.rate_per_hour=20",
    'scam_types.plain.installments={kind="empirical",values=[1,2,3,5]}',
    'scam_types.plain.installment_fen={kind="lognormal",median=200000,p95=5000000}',
    'scam_types.plain.installment_gap_min={kind="exponential",mean=30}',
    'scam_types.plain.realisation_min={kind="exponential",mean=90}',
    "scam_types.plain.self_stop_prob=0.5",
    "scam_types.plain.report_prob=0.8",
    'victims.report_lag_min={kind="exponential",mean=30}',
    "mule_network.accounts_per_bank=3",
    'mule_network.layers.0.fan_out={kind="empirical",values=[1,2,3]}',
    'mule_network.layers.1.fan_out={kind="empirical",values=[1,2,3]}',
    "mule_network.layers.0.cross_bank_share=0.5",
    "mule_network.layers.1.cross_bank_share=0.5",
    "mule_network.delayed_credit.enabled=true",
    "mule_network.delayed_credit.threshold_fen=1000000",
    "mule_network.delayed_credit.delay_min=60",
    "mule_network.withdrawal_delay.enabled=true",
    "mule_network.withdrawal_delay.threshold_fen=1",
    "mule_network.withdrawal_delay.delay_min=30",
    "banks.bank_a.risk_freeze_prob=0.05",
    'banks.bank_a.risk_detect_min={kind="exponential",mean=60}',
    "response.analysts.staff=8",
    'response.analysts.handling_min={kind="exponential",mean=10}',
    "response.guidance.success_prob=0.5",
    "response.patrols.dispatch_prob=0.5",
    'response.patrols.travel_min={kind="exponential",mean=8}',
    'response.patrols.on_scene_min={kind="exponential",mean=10}',
    "response.stop_payment.expiry_min=120",
    "response.stop_payment.freeze_prob=0.6",
    "response.stop_payment.max_trace_depth=3",
    "response.holds.on_report=true",
    'response.holds.latency_min={kind="exponential",mean=10}',
    "response.holds.risk_flag_prob=0.1",
    'response.holds.risk_flag_min={kind="exponential",mean=30}',
    "early_warning.enabled=true",
    "early_warning.flag_share=0.5",
    'early_warning.lead_min={kind="exponential",mean=20}',
    "early_warning.success_prob=0.5",
    "early_warning.unanswered_share=0.3",
    "time.horizon_days=3",
    "time.drain_days=0",
)
"""Every mechanism on, and a horizon that cuts cases off mid-flight."""


def _col(cases: pa.Table, name: str) -> np.ndarray[Any, np.dtype[np.int64]]:
    return np.asarray(cases.column(name).to_numpy(), dtype=np.int64)


def _identity_row(name: str, text: str, bad: int, n: int) -> CheckResult:
    return CheckResult(
        "money conserved",
        name,
        text,
        f"{bad} of {n} cases differ",
        "exact, in fen, every case",
        bad == 0 and n > 0,
    )


def identity_rows(result: SimulationResult) -> list[CheckResult]:
    """Recompute the money identities of every case and the channel totals."""
    c = result.cases
    n = c.num_rows
    exposed, prevented = _col(c, "exposed_fen"), _col(c, "prevented_fen")
    frozen, cashed = _col(c, "frozen_fen"), _col(c, "cashed_out_fen")
    in_flight, paid = _col(c, "in_flight_fen"), _col(c, "paid_fen")
    unpaid = _col(c, "unpaid_at_end_fen")
    rows = [
        _identity_row("exposure", "exposed = prevented + frozen + cashed out + in flight",
                      int((exposed != prevented + frozen + cashed + in_flight).sum()), n),
        _identity_row("paid money", "paid = frozen + cashed out + in accounts/transit",
                      int((paid != frozen + cashed + in_flight - unpaid).sum()), n),
        _identity_row("stoppers", "prevented, recalls aside = by whoever halted her",
                      int(_wrong_stopper(c).sum()), n),
    ]
    channels = sum(m.value for m in result.summary if m.metric.startswith("cashed_out_via_"))
    lost = int(cashed.sum())
    rows.append(CheckResult("money conserved", "cash-out channels",
                            f"Σ channels = {lost} fen", f"{int(channels)} fen",
                            "exact, in fen", int(channels) == lost and lost > 0))
    return rows


def _wrong_stopper(cases: pa.Table) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Flag each case where anyone but the one who halted her prevented money.

    A halt prevents every installment still due and credits one stopper
    (``halted_by``); recalls of delayed credits are credited apart, payment
    by payment, and may come on top.
    """
    halted = np.asarray(cases.column("halted_by").to_pylist(), dtype=object)
    wrong = np.zeros(cases.num_rows, dtype=bool)
    for who in STOPPERS:
        if who != "recall":
            wrong |= (_col(cases, f"prevented_by_{who}_fen") != 0) & (halted != who)
    return wrong


def coverage_row(result: SimulationResult) -> CheckResult:
    """Say whether the reduction exercised every outcome (else the identities prove little)."""
    c = result.cases
    outcomes = ("frozen_by_police", "frozen_by_bank", "cashed_out", "in_flight",
                "held_by_stop", "in_transit", *(f"prevented_by_{w}" for w in STOPPERS))
    totals = {k: int(_col(c, f"{k}_fen").sum()) for k in outcomes}
    missing = [k for k, v in totals.items() if v == 0]
    return CheckResult("money conserved", "coverage", "every outcome occurs",
                       "all occur" if not missing else "none: " + ", ".join(missing),
                       "each total > 0", not missing)


def money_checks(base: dict[str, Any]) -> list[CheckResult]:
    """Run the busy reduction and check that its money adds up."""
    try:
        result = simulate(reduced(base, BUSY_WORLD))
    except Exception as err:  # the model's own ConservationError lands here
        return [failed("money conserved", "every case", err)]
    return [*identity_rows(result), coverage_row(result)]
