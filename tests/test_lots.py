"""Lots and trails: exact splits of money and the search of trails (fraudsim/model/lots.py)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from librt.vecs import append, extend, vec
from mypy_extensions import i64

from fraudsim.model.accounts import Account
from fraudsim.model.lots import (
    NO_IDS,
    parts_of,
    split_lots,
    trail_children,
    trail_entry,
    trail_has,
)


def ids(values: list[int]) -> vec[i64]:
    """A trail or list of stop requests, as the model keeps them."""
    return vec[i64](values)


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
    trail = ids([~7, 1, 3, ~3, 2, 7, 4, ~7, 2, 5, 9])
    assert list(trail_children(trail, 7)) == [3, 5, 9]
    assert list(trail_children(trail, 3)) == [7, 4]
    assert list(trail_children(trail, 4)) == []  # 4 is only ever a destination
    assert list(trail_children(trail, 2)) == []  # 2 is only ever a count
    assert list(trail_children(NO_IDS, 7)) == []
    assert trail_has(trail, 7) and trail_has(trail, 3)
    assert not trail_has(trail, 4) and not trail_has(NO_IDS, 7)


def test_trail_children_names_a_child_swept_to_twice_once() -> None:
    # Account 7 swept twice into 3, then into 5: the police ask 3 to stop once.
    trail = ids([~7, 1, 3, ~7, 2, 3, 5, ~7, 1, 3])
    assert list(trail_children(trail, 7)) == [3, 5]


def test_trails_hold_ids_of_a_national_run() -> None:
    # A year opens millions of accounts: ids far past a small int's range.
    big = 2_800_000
    trail = ids([~big, 2, big + 1, big + 2])
    assert list(trail_children(trail, big)) == [big + 1, big + 2]
    assert trail_has(trail, big) and not trail_has(trail, big + 1)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 2**40), max_size=20), st.lists(st.integers(0, 9), max_size=5))
def test_the_shared_empty_list_stays_empty_whatever_is_added(
    first: list[int], second: list[int]
) -> None:
    # Every case starts from NO_IDS: adding to it must make a buffer of the case's own.
    a = extend(NO_IDS, ids(first))
    b = append(NO_IDS, 1)
    c = extend(NO_IDS, ids(second))
    assert len(NO_IDS) == 0
    assert list(a) == first and list(b) == [1] and list(c) == second


@given(
    st.lists(st.tuples(st.integers(0, 6), st.lists(st.integers(0, 6), max_size=4)), max_size=12),
    st.integers(0, 6),
)
def test_trail_children_are_the_children_of_every_sweep_of_the_account(
    entries: list[tuple[int, list[int]]], acct: int
) -> None:
    # Small ids, so that heads repeat and ids, counts and children coincide.
    trail = ids([x for head, kids in entries for x in (~head, len(kids), *kids)])
    sent = [c for head, kids in entries if head == acct for c in kids]
    assert list(trail_children(trail, acct)) == list(dict.fromkeys(sent))  # each once, in order
    assert trail_has(trail, acct) == any(head == acct for head, _ in entries)


def test_a_trail_entry_is_the_negated_head_the_count_and_the_children() -> None:
    children = [Account(id, 0, 1, 0) for id in (12, 5, 12)]
    entry = trail_entry(40, children)
    assert list(entry) == [~40, 3, 12, 5, 12]
    assert list(trail_children(extend(ids([~3, 1, 9]), entry), 40)) == [12, 5]
    assert list(trail_entry(0, [])) == [~0, 0]


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
