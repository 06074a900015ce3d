"""Lots and trails: exact splits of money and the search of trails (fraudsim/model/lots.py)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsim.model.lots import holds_id, parts_of, split_lots, trail_children, trail_has


def test_split_lots_small_example() -> None:
    assert split_lots({7: 10, 8: 1}, 3) == [{7: 4, 8: 1}, {7: 3}, {7: 3}]


@settings(max_examples=200, deadline=None)
@given(
    lots=st.dictionaries(st.integers(0, 50), st.integers(1, 10**12), max_size=8),
    k=st.integers(1, 12),
)
def test_split_lots_conserves_every_lot_and_parts_differ_by_at_most_one_fen(
    lots: dict[int, int], k: int
) -> None:
    parts = split_lots(lots, k)
    assert len(parts) == k
    for cid, fen in lots.items():
        shares = [part.get(cid, 0) for part in parts]
        assert sum(shares) == fen
        assert max(shares) - min(shares) <= 1
        assert shares == sorted(shares, reverse=True)  # remainders to the first parts
    for part in parts:
        assert set(part) <= set(lots)
        assert all(v > 0 for v in part.values())  # no empty lots carried along


# -- trails ----------------------------------------------------------------------


def test_trail_children_collects_every_sweep_in_order() -> None:
    # Account 7 swept twice (to 3 then to 5, 9), account 3 once; ids may repeat.
    trail = [~7, 1, 3, ~3, 2, 7, 4, ~7, 2, 5, 9]
    assert trail_children(trail, 7) == [3, 5, 9]
    assert trail_children(trail, 3) == [7, 4]
    assert trail_children(trail, 4) == []  # 4 is only ever a destination
    assert trail_children(trail, 2) == []  # 2 is only ever a count
    assert trail_children(None, 7) == []
    assert trail_has(trail, 7) and trail_has(trail, 3)
    assert not trail_has(trail, 4) and not trail_has(None, 7)


def test_trail_children_names_a_child_swept_to_twice_once() -> None:
    # Account 7 swept twice into 3, then into 5: the police ask 3 to stop once.
    trail = [~7, 1, 3, ~7, 2, 3, 5, ~7, 1, 3]
    assert trail_children(trail, 7) == [3, 5]


@given(st.lists(st.integers(-300, 300), max_size=40), st.integers(-300, 300))
def test_holds_id_is_membership(ids: list[int], value: int) -> None:
    # Ids past 256 are distinct int objects, so equality, not identity, must match.
    assert holds_id(ids, value) == (value in ids)
    assert holds_id([*ids, int(str(value))], value)


def test_holds_id_of_a_case_without_requests_is_false() -> None:
    assert holds_id([256, 0], 256) and holds_id([256, 0], 0)
    assert not holds_id([256, 0], 1)
    assert not holds_id(None, 0) and not holds_id([], 0)


@given(
    st.lists(st.tuples(st.integers(0, 6), st.lists(st.integers(0, 6), max_size=4)), max_size=12),
    st.integers(0, 6),
)
def test_trail_children_are_the_children_of_every_sweep_of_the_account(
    entries: list[tuple[int, list[int]]], acct: int
) -> None:
    # Small ids, so that heads repeat and ids, counts and children coincide.
    trail = [x for head, kids in entries for x in (~head, len(kids), *kids)]
    sent = [c for head, kids in entries if head == acct for c in kids]
    assert trail_children(trail, acct) == list(dict.fromkeys(sent))  # each once, first order
    assert trail_has(trail, acct) == any(head == acct for head, _ in entries)


# -- fan-out ---------------------------------------------------------------------


def test_parts_of_rounds_half_to_even_and_is_at_least_one() -> None:
    assert [parts_of(x) for x in (-3.0, 0.0, 0.5, 1.49, 1.5, 2.5, 2.51, 3.5, 4.5)] == [
        1, 1, 1, 1, 2, 2, 3, 4, 4,
    ]


@settings(max_examples=500)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_parts_of_is_max_of_one_and_round(fan_out: float) -> None:
    assert parts_of(fan_out) == max(1, round(fan_out))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_parts_of_refuses_what_round_refuses(bad: float) -> None:
    with pytest.raises((ValueError, OverflowError)) as got:
        parts_of(bad)
    with pytest.raises(type(got.value)):
        round(bad)
