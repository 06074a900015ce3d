"""A mule account's state and the book of accounts (fraudsim/model/accounts.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fraudsim.model.accounts import ACTIVE, BY_POLICE, FROZEN, STOPPED, Account, AccountBook


def test_a_new_account_is_active_empty_and_unstopped() -> None:
    a = Account(1234, 2, 1, 17)
    assert (a.id, a.bank, a.layer, a.slot) == (1234, 2, 1, 17)
    assert a.status == ACTIVE and a.frozen_by == BY_POLICE and a.channel == 0
    assert not a.sweep_due and a.hold_until == 0.0
    assert a.is_empty() and a.holding() == {} and a.fen_of(5) == 0


def test_statuses_are_distinct() -> None:
    assert len({ACTIVE, STOPPED, FROZEN}) == 3


def test_an_account_has_no_per_object_dict() -> None:
    # Millions are opened in a national year: no attribute outside the slots.
    a = Account(0, 0, 0, 0)
    assert not hasattr(a, "__dict__")
    with pytest.raises(AttributeError):
        a.colour = "red"  # type: ignore[attr-defined]


# -- the holding ----------------------------------------------------------------


def test_one_case_money_is_held_without_a_dict_until_a_second_case_arrives() -> None:
    a = Account(0, 0, 0, 0)
    a.add(7, 100)
    a.add(7, 5)
    assert (a.sole_case, a.sole_fen, a.lots) == (7, 105, None)
    assert a.holding() == {7: 105} and a.fen_of(7) == 105 and a.fen_of(8) == 0
    a.add(8, 1)
    assert (a.sole_case, a.sole_fen) == (-1, 0)
    assert a.lots == {7: 105, 8: 1} and list(a.lots) == [7, 8]  # the first case stays first
    a.add(7, 10)
    assert a.holding() == {7: 115, 8: 1} and a.fen_of(8) == 1 and not a.is_empty()
    a.empty()
    assert a.is_empty() and a.holding() == {} and a.fen_of(7) == 0


def test_added_lots_are_taken_over_by_an_empty_account_and_merged_into_a_held_case() -> None:
    a = Account(0, 0, 0, 0)
    a.add_lots({3: 4})  # one case's lot: held in the fields
    assert (a.sole_case, a.sole_fen, a.lots) == (3, 4, None)
    a.empty()
    given_lots = {1: 10, 2: 20}
    a.add_lots(given_lots)
    assert a.lots is given_lots  # taken over, not copied
    b = Account(1, 0, 0, 0)
    b.add(2, 5)
    b.add_lots({1: 10, 2: 20})
    assert b.holding() == {2: 25, 1: 10} and list(b.holding()) == [2, 1]
    assert b.sole_case == -1


@given(
    st.lists(
        st.tuples(
            st.booleans(),
            st.dictionaries(st.integers(0, 5), st.integers(1, 10**9), min_size=1, max_size=3),
        ),
        max_size=12,
    )
)
def test_a_holding_is_the_sum_of_what_arrived_whichever_way_it_came(
    arrivals: list[tuple[bool, dict[int, int]]],
) -> None:
    a = Account(0, 0, 0, 0)
    expected: dict[int, int] = {}
    for one_by_one, lots in arrivals:
        if one_by_one:
            for cid, fen in lots.items():
                a.add(cid, fen)
        else:
            a.add_lots(dict(lots))
        for cid, fen in lots.items():
            expected[cid] = expected.get(cid, 0) + fen
    assert a.holding() == expected and a.is_empty() == (not expected)
    assert all(a.fen_of(cid) == fen for cid, fen in expected.items())
    # One case's money is in the two fields, several cases' in a dict.
    assert (a.lots is None) == (len(expected) <= 1)


# -- the book ---------------------------------------------------------------------


def test_slots_start_empty_and_accounts_are_numbered_as_opened() -> None:
    book = AccountBook(layers=2, banks=3, per_bank=4)
    assert book.in_slot(1, 2, 3) is None
    first = book.open(1, 2, 3)
    second = book.open(0, 0, 0)
    assert (first.id, first.layer, first.bank, first.slot) == (0, 1, 2, 3)
    assert second.id == 1 and book.accounts == [first, second]
    assert book.in_slot(1, 2, 3) is first and book.in_slot(0, 0, 0) is second
    assert book.in_slot(1, 2, 2) is None and book.in_slot(0, 2, 3) is None  # other slot, layer


def test_a_retired_account_leaves_its_slot_but_stays_in_the_list() -> None:
    book = AccountBook(layers=1, banks=1, per_bank=2)
    old = book.open(0, 0, 1)
    book.retire(old)
    assert book.in_slot(0, 0, 1) is None and book.accounts == [old]
    new = book.open(0, 0, 1)
    book.retire(old)  # retiring it again leaves its successor in place
    assert book.in_slot(0, 0, 1) is new and new.id == 1


def test_a_released_account_gives_way_to_one_frozen_stand_in_per_bank_and_layer() -> None:
    book = AccountBook(layers=2, banks=2, per_bank=1)
    a, b, c = book.open(0, 1, 0), book.open(1, 1, 0), book.open(0, 1, 0)
    for account in (a, b, c):
        book.release(account)
    stand_in = book.accounts[a.id]
    assert book.accounts[c.id] is stand_in and book.accounts[b.id] is not stand_in
    assert stand_in.status == FROZEN and stand_in.is_empty()
    assert (stand_in.bank, stand_in.layer) == (1, 0)
    assert (book.accounts[b.id].bank, book.accounts[b.id].layer) == (1, 1)


def test_balances_sum_each_case_over_its_accounts_and_the_part_under_a_stop() -> None:
    book = AccountBook(layers=2, banks=2, per_bank=2)
    stopped_a, stopped_b, active, frozen = (
        book.open(0, 0, 0),
        book.open(1, 1, 1),
        book.open(0, 1, 0),
        book.open(1, 0, 0),
    )
    # Case 1's money sits in two stopped accounts (pooled with case 2's in one)
    # and one active one; case 2's in one stopped account; case 3 has nothing left.
    stopped_a.add(1, 100)
    stopped_a.add(2, 7)
    stopped_b.add(1, 30)
    active.add(1, 5)
    active.add(0, 11)
    stopped_a.status = stopped_b.status = STOPPED
    frozen.add(3, 1000)
    frozen.empty()  # a freeze empties the account
    frozen.status = FROZEN
    book.release(frozen)
    in_accounts, held = book.balances(4)
    assert in_accounts == [11, 135, 7, 0]
    assert held == [0, 130, 7, 0]  # the stopped accounts only, each case's sum


def test_a_closed_book_holds_no_account_slot_or_stand_in() -> None:
    """Closed at the end of a run, the book keeps no account for the collector to scan."""
    book = AccountBook(layers=2, banks=2, per_bank=2)
    book.open(0, 1, 0)
    frozen = book.open(1, 0, 1)
    book.release(frozen)
    old_stand_in = book.accounts[frozen.id]
    accounts = book.accounts
    book.close()
    assert accounts == [] and book.accounts is accounts  # the network's alias sees it too
    assert book.in_slot(0, 1, 0) is None and book.in_slot(1, 0, 1) is None
    again = book.open(1, 0, 1)
    book.release(again)
    assert book.accounts[again.id] is not old_stand_in  # the stand-ins went too
