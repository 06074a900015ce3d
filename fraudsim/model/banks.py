"""Banks' answer times: how long a bank takes to act on what the police ask.

Three requests reach a bank during a case, each answered after a time drawn
from the bank's own distribution (``[banks.<name>]`` in a scenario):

- a stop-payment, executed ``stop_latency_min`` after the request (an
  online platform answers in minutes, a manual counter in hours);
- the freeze that may follow an executed stop, ``freeze_latency_min`` later;
- a fund-flow inquiry (where did the money go next?), answered
  ``inquiry_latency_min`` later.

The police response asks for stops and inquiries, and the network turns a
stop into a freeze, so both read these draws; each bank and kind has its
own named random stream.
"""

from __future__ import annotations

from fraudsim.rng import Sampler, Streams
from fraudsim.scenario.schema import Scenario

__all__ = ["BankTimes"]


class BankTimes:
    """One run's draws of the banks' answer times, each a list indexed by bank number.

    Banks are numbered in the scenario's order of ``[banks]``.

    Args:
        scenario: The validated scenario.
        streams: The replication's random streams.

    Attributes:
        stop: Minutes from a stop-payment request to its execution.
        freeze: Minutes from an executed stop to its conversion into a freeze.
        inquiry: Minutes for the bank to answer a fund-flow inquiry.
    """

    def __init__(self, scenario: Scenario, streams: Streams) -> None:
        banks = scenario.banks
        self.stop: list[Sampler] = [
            streams.sampler(f"bank.{b}.stop", banks[b].stop_latency_min) for b in banks
        ]
        self.freeze: list[Sampler] = [
            streams.sampler(f"bank.{b}.freeze", banks[b].freeze_latency_min) for b in banks
        ]
        self.inquiry: list[Sampler] = [
            streams.sampler(f"bank.{b}.inquiry", banks[b].inquiry_latency_min) for b in banks
        ]
