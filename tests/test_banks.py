"""Banks' answer times (fraudsim/model/banks.py)."""

from __future__ import annotations

from fraudsim.model.banks import BankTimes
from fraudsim.rng import Streams
from tests.conftest import xiamen

# Two banks with constant answer times, so that each list's order shows.
TWO_BANKS = [
    "banks.xiamen_bank.stop_latency_min=3",
    "banks.xiamen_bank.freeze_latency_min=30",
    "banks.xiamen_bank.inquiry_latency_min=300",
    "banks.xiamen_bank.market_share=0.5",
    "banks.other.market_share=0.5",
    'banks.other.region="xiamen"',
    "banks.other.stop_latency_min=7",
    "banks.other.freeze_latency_min=70",
    "banks.other.inquiry_latency_min=700",
    "banks.other.risk_freeze_prob=0",
    "banks.other.risk_detect_min=0",
]


def test_each_kind_is_a_list_in_the_scenarios_bank_order() -> None:
    scenario = xiamen(TWO_BANKS)
    assert list(scenario.banks) == ["xiamen_bank", "other"]
    times = BankTimes(scenario, Streams(1))
    assert [s.next() for s in times.stop] == [3.0, 7.0]
    assert [s.next() for s in times.freeze] == [30.0, 70.0]
    assert [s.next() for s in times.inquiry] == [300.0, 700.0]


def test_draws_come_from_the_banks_named_streams() -> None:
    # A random stop latency: the draws are the bank's own stream's, whoever
    # reads them, so adding a bank or a reader changes no other draw.
    scenario = xiamen(
        ['banks.xiamen_bank.stop_latency_min={kind="exponential",mean=10}', *TWO_BANKS[1:]]
    )
    times = BankTimes(scenario, Streams(7, replication=2))
    drawn = [times.stop[0].next() for _ in range(5)]
    again = Streams(7, replication=2).sampler(
        "bank.xiamen_bank.stop", scenario.banks["xiamen_bank"].stop_latency_min
    )
    assert drawn == [again.next() for _ in range(5)]
    assert len(set(drawn)) == 5  # random, not a constant
