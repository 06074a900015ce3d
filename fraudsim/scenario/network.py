"""Scenario tables for regions, banks and the mule-account network."""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field, model_validator

from fraudsim.scenario.distributions import Distribution
from fraudsim.scenario.staffing import Frozen

Probability = float


def _prob(description: str, default: float | None = None) -> Any:
    """Field of a probability or share, validated to lie in [0, 1]."""
    if default is None:
        return Field(ge=0, le=1, description=description)
    return Field(default=default, ge=0, le=1, description=description)


class Region(Frozen):
    """A police jurisdiction (city, province) where victims live and banks sit."""

    population_share: Probability = _prob("Share of victims who live in this region.")


class RegionDelay(Frozen):
    """Extra delay when police of one region ask a bank in another."""

    from_region: str = Field(alias="from", description="Region of the case (the requester).")
    to_region: str = Field(alias="to", description="Region of the bank holding the account.")
    delay_min: float = Field(ge=0, description="Added minutes for each request between them.")


class CrossRegion(Frozen):
    """Delays of cross-region requests, and whether the regions cooperate."""

    default_delay_min: float = Field(
        ge=0, description="Minutes added to a request to a bank in any other region."
    )
    delays: list[RegionDelay] = Field(
        default=[], description="Pair-specific delays overriding the default (directional)."
    )
    cooperation: bool = Field(
        description="Integrated cooperation: one report is acted on in every region at once."
    )
    cooperative_delay_min: float = Field(
        default=0.0, ge=0, description="Delay between cooperating regions (usually 0)."
    )


class Bank(Frozen):
    """A bank (or a bank's branch network in one region) holding mule accounts."""

    market_share: Probability = _prob("Share of mule accounts opened at this bank.")
    region: str = Field(description="Region of the bank; must be one of [regions].")
    stop_latency_min: Distribution = Field(
        description="Minutes from a police stop-payment request to its execution "
        "(online platform: minutes; manual counter: hours)."
    )
    freeze_latency_min: Distribution = Field(
        description="Minutes from an executed stop-payment to its conversion into a freeze."
    )
    inquiry_latency_min: Distribution = Field(
        description="Minutes for the bank to answer a fund-flow inquiry (next hops)."
    )
    risk_freeze_prob: Probability = _prob(
        "Probability the bank's own risk controls catch a mule account on its first credit."
    )
    risk_detect_min: Distribution = Field(
        description="Minutes from that first credit to the bank's own freeze."
    )


class Layer(Frozen):
    """One layer of mule accounts: how long money rests and where it goes next."""

    dwell_min: Distribution = Field(
        description="Minutes money rests in an account of this layer before it is forwarded."
    )
    fan_out: Distribution = Field(
        description="Number of next-layer accounts a balance is split across (rounded, >= 1)."
    )
    cross_bank_share: Probability = _prob(
        "Share of onward transfers to another bank in the same region."
    )
    cross_region_share: Probability = _prob(
        "Share of onward transfers to a bank in another region."
    )

    @model_validator(mode="after")
    def _shares_fit(self) -> Self:
        if self.cross_bank_share + self.cross_region_share > 1 + 1e-9:
            raise ValueError("cross_bank_share + cross_region_share must not exceed 1")
        return self


class CashOutChannel(Frozen):
    """A way money leaves the last layer for good (ATM cash, crypto, gold...)."""

    share: Probability = _prob("Share of cash-outs using this channel.")
    delay_min: Distribution = Field(
        description="Minutes the cash-out takes after the dwell; the money can still be "
        "stopped until it completes."
    )


class DelayRule(Frozen):
    """A rule delaying large transfers (a policy lever)."""

    enabled: bool = Field(default=False, description="Whether the rule is in force.")
    threshold_fen: int = Field(
        default=0, ge=0, description="Transfers of at least this many fen are delayed."
    )
    delay_min: float = Field(default=0.0, ge=0, description="Length of the delay in minutes.")


class MuleNetwork(Frozen):
    """Accounts that receive, split, pool and cash out victims' money."""

    first_layer_local_share: Probability = _prob(
        "Share of victim payments going to a first-layer account in the victim's own region."
    )
    accounts_per_bank: int = Field(
        ge=1,
        le=1_000_000,
        description="Mule accounts per bank and layer; fewer accounts means more pooling "
        "(fan-in) of different victims' money.",
    )
    layers: list[Layer] = Field(min_length=1, description="Layers, first-level accounts first.")
    cash_out: dict[str, CashOutChannel] = Field(
        min_length=1, description="Exit channels after the last layer; shares sum to 1."
    )
    withdrawal_delay: DelayRule = Field(
        default=DelayRule(),
        description="Compulsory delay before cash-out after a large credit to a last-layer "
        "account (e.g. Korea's 30 minutes).",
    )
    delayed_credit: DelayRule = Field(
        default=DelayRule(),
        description="Victim transfers at or above the threshold reach the mule only after "
        "the delay and can be recalled by a report before then (China's 24-hour rule).",
    )
