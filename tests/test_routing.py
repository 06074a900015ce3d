"""Routing: weighted choices of the next bank (fraudsim/model/routing.py)."""

from __future__ import annotations

from bisect import bisect_right

from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsim.model.routing import Picker, bank_pickers


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(0.0, 1e6), min_size=1, max_size=40).filter(lambda w: sum(w) > 0),
    st.floats(0.0, 1.0),
)
def test_a_picker_chooses_as_bisection_of_its_cumulative_weights(
    weights: list[float], u: float
) -> None:
    picker = Picker(list(range(100, 100 + len(weights))), weights)
    expected = picker.items[min(bisect_right(picker.cdf, u), len(weights) - 1)]
    assert picker.pick(u) == expected
    assert picker.scan == (len(weights) <= 16)


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
    assert in_region[2].cdf == [0.3, 1.0]  # weighted by market share
    # Another bank of the same region, with accounts; else the bank itself.
    assert [p.items for p in other_bank] == [[0], [0], [2], []]


def test_other_bank_picker_spreads_over_the_regions_other_banks() -> None:
    _, _, other_bank = bank_pickers([0.2, 0.2, 0.6], [0, 0, 0], 1)
    assert other_bank[0].items == [1, 2] and other_bank[0].cdf == [0.25, 1.0]
    assert other_bank[2].items == [0, 1] and other_bank[2].cdf == [0.5, 1.0]
