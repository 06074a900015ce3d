"""Routing: weighted choices of the next bank (fraudsim/model/routing.py)."""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsim.model.accounts import AccountBook
from fraudsim.model.routing import Picker, Router, bank_pickers
from fraudsim.rng import Streams
from fraudsim.scenario.loading import load_scenario


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(0.0, 1e6), min_size=1, max_size=40).filter(lambda w: sum(w) > 0),
    st.floats(0.0, 1.0),
)
def test_a_picker_chooses_as_bisection_of_its_cumulative_weights(
    weights: list[float], u: float
) -> None:
    picker = Picker(list(range(100, 100 + len(weights))), weights)
    # Cumulative shares of the total, as the picker should have them.
    total = sum(weights)
    cumulative = [w / total for w in accumulate(weights)]
    # Past the last share (a rounding error) the last candidate is chosen.
    expected = 100 + min(bisect_right(cumulative, u), len(weights) - 1)
    assert picker.pick(u) == expected
    assert list(picker.cdf) == cumulative
    assert picker.scan == (len(weights) <= 16)


@pytest.mark.parametrize("n", [10, 40])  # scanned, bisected
def test_a_draw_exactly_at_a_cumulative_weight_chooses_the_next_candidate(n: int) -> None:
    # Equal weights: candidate k covers [k/n, (k+1)/n), both ends exact in floats.
    picker = Picker(list(range(n)), [1.0] * n)
    assert [picker.pick(k / n) for k in range(n)] == list(range(n))
    assert [picker.pick((k + 0.5) / n) for k in range(n)] == list(range(n))


def test_a_picker_never_chooses_a_zero_weight() -> None:
    picker = Picker([7, 8, 9], [0.5, 0.0, 0.5])
    assert {picker.pick(k / 1000) for k in range(1000)} == {7, 9}
    assert picker.pick(1.0) == 9  # at or past the last cumulative weight: the last


def test_bank_pickers_choose_by_region_and_fall_back_to_banks_with_accounts() -> None:
    # Banks 0 and 1 in region 0, bank 2 in region 1, bank 3 in region 2;
    # banks 1 and 3 hold no mule accounts (share 0).
    share = [0.3, 0.0, 0.7, 0.0]
    in_region, out_region, other_bank = bank_pickers(share, [0, 0, 1, 2], 3)
    assert [p.items for p in in_region] == [[0], [2], [0, 2]]  # region 2: no bank with accounts
    assert [p.items for p in out_region] == [[2], [0], [0, 2]]
    assert list(in_region[2].cdf) == [0.3, 1.0]  # weighted by market share
    # Another bank of the same region, with accounts; else the bank itself.
    assert [p.items for p in other_bank] == [[0], [0], [2], []]


def test_other_bank_picker_spreads_over_the_regions_other_banks() -> None:
    _, _, other_bank = bank_pickers([0.2, 0.2, 0.6], [0, 0, 0], 1)
    assert other_bank[0].items == [1, 2] and list(other_bank[0].cdf) == [0.25, 1.0]
    assert other_bank[2].items == [0, 1] and list(other_bank[2].cdf) == [0.5, 1.0]


# -- the router --------------------------------------------------------------------

NATIONAL = Path(__file__).resolve().parent.parent / "scenarios" / "national-year.toml"


def _router(overrides: list[str]) -> Router:
    """A router on the national scenario's banks, two slots a bank."""
    scenario = load_scenario(NATIONAL, ["mule_network.accounts_per_bank=2", *overrides])
    book = AccountBook(len(scenario.mule_network.layers), len(scenario.banks), 2)
    return Router(scenario, Streams(seed=1), book)


def test_the_router_opens_an_account_once_per_slot_and_reuses_it() -> None:
    router = _router([])
    picked = [router.first_layer_account(0) for _ in range(300)]
    opened = router.book.accounts
    assert {a.id for a in picked} == {a.id for a in opened}
    assert all(a.layer == 0 for a in opened)
    slots = {(a.bank, a.slot) for a in opened}
    assert len(slots) == len(opened) and len(opened) < len(picked)  # two slots a bank, reused
    # A retired account's slot gets a fresh account the next time it is chosen.
    old = picked[0]
    router.book.retire(old)
    fresh = [router.first_layer_account(0) for _ in range(300)]
    assert old not in fresh
    assert any((a.bank, a.slot) == (old.bank, old.slot) for a in opened if a is not old)


def test_banks_mark_fresh_accounts_to_catch_with_their_risk_probability_and_delay() -> None:
    banks = load_scenario(NATIONAL).banks
    every = [f"banks.{b}.risk_freeze_prob=1" for b in banks]
    delays = [f'banks.{b}.risk_detect_min={{kind="constant",value=30}}' for b in banks]
    router = _router([*every, *delays])
    for _ in range(50):
        router.first_layer_account(0)
    # The delay is drawn at opening; the network starts it at the first credit.
    assert [a.risk_in for a in router.book.accounts] == [30.0] * len(router.book.accounts)
    never = _router([f"banks.{b}.risk_freeze_prob=0" for b in banks])
    for _ in range(50):
        never.first_layer_account(0)
    assert {a.risk_in for a in never.book.accounts} == {-1.0}


def test_the_next_account_stays_in_the_bank_without_cross_shares() -> None:
    no_cross = [
        f"mule_network.layers.{k}.{field}=0"
        for k in range(3)
        for field in ("cross_region_share", "cross_bank_share")
    ]
    router = _router(no_cross)
    moved = _router([])
    for bank in range(len(router.bank_region)):
        for _ in range(20):
            nxt = router.next_account(0, bank)
            assert (nxt.layer, nxt.bank) == (1, bank)
    # With the scenario's shares, money does leave the bank.
    assert any(moved.next_account(0, 0).bank != 0 for _ in range(50))
