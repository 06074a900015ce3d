"""Scenario tables for the response chain and early warning."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from fraudsim.scenario.distributions import Distribution
from fraudsim.scenario.network import _prob
from fraudsim.scenario.staffing import Frozen, Staffing

Triage = Literal["fifo", "lifo", "largest_first", "freshest_first"]


class CallTakers(Staffing):
    """110 / 96110 call-takers who answer victims' reports."""

    handling_min: Distribution = Field(description="Minutes to take a report.")


class Analysts(Staffing):
    """Anti-fraud centre analysts who work the cases."""

    handling_min: Distribution = Field(
        description="Minutes an analyst is busy with a case (guidance, requests)."
    )
    triage: Triage = Field(
        description="Order in which waiting cases are taken: fifo (first come), lifo, "
        "largest_first (largest reported loss), freshest_first (most recent payment)."
    )


class Guidance(Frozen):
    """Telling the victim on the phone to stop paying (and switch the phone off)."""

    at: Literal["call", "analyst"] = Field(
        description="Given by the call-taker at the end of the call, or by the analyst."
    )
    success_prob: float = _prob("Probability the victim follows the guidance.")


class Patrols(Staffing):
    """Patrol units that can be sent to the victim."""

    dispatch_prob: float = _prob("Probability the analyst sends a patrol.")
    travel_min: Distribution = Field(description="Minutes from dispatch to arrival.")
    on_scene_min: Distribution = Field(description="Minutes a unit stays busy after arrival.")


class StopPayment(Frozen):
    """Emergency stop-payments and freezes through the police-bank platform."""

    expiry_min: float = Field(
        gt=0, description="Minutes a stop-payment holds before lapsing (China: 48 h = 2880)."
    )
    freeze_prob: float = _prob(
        "Probability an executed stop-payment is converted into a freeze before it lapses."
    )
    max_trace_depth: int = Field(
        ge=0, description="How many hops beyond the first-level accounts analysts trace."
    )


class Holds(Frozen):
    """Temporary protective holds on the victim's own account."""

    on_report: bool = Field(description="Analysts place a hold on the victim's account.")
    latency_min: Distribution = Field(description="Minutes from case start to the hold.")
    risk_flag_prob: float = _prob(
        "Probability the victim's bank places a hold on its own (risk flag) while paying."
    )
    risk_flag_min: Distribution = Field(
        description="Minutes from the first payment to such a risk-flag hold."
    )


class Response(Frozen):
    """The police and bank response chain."""

    call_takers: CallTakers
    analysts: Analysts
    guidance: Guidance
    patrols: Patrols
    stop_payment: StopPayment
    holds: Holds


class EarlyWarning(Frozen):
    """A risk model flags likely victims and a team calls them to dissuade."""

    enabled: bool = Field(description="Whether early warning runs.")
    flag_share: float = _prob("Share of hooked victims the risk model flags.")
    lead_min: Distribution = Field(description="Minutes from the scam contact to the flag.")
    false_positives_per_hour: float = Field(
        ge=0, description="Flags of people who are not being scammed, per hour (team load)."
    )
    team: Staffing = Field(description="The dissuasion team.")
    call_min: Distribution = Field(description="Minutes a dissuasion call takes.")
    unanswered_share: float = _prob("Share of warning calls not answered.")
    success_prob: float = _prob("Probability an answered call stops the remaining payments.")
