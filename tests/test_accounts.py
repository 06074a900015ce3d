"""A mule account's state and the book of accounts (fraudsim/model/accounts.py)."""

from __future__ import annotations

import pytest

from fraudsim.model.accounts import ACTIVE, BY_POLICE, FROZEN, STOPPED, Account, AccountBook


def test_a_new_account_is_active_empty_and_unstopped() -> None:
    a = Account(1234, 2, 1, 17)
    assert (a.id, a.bank, a.layer, a.slot) == (1234, 2, 1, 17)
    assert a.status == ACTIVE and a.frozen_by == BY_POLICE and a.channel == 0
    assert not a.sweep_due and a.hold_until == 0.0 and a.stop_gen == 0
    assert a.lots is None


def test_statuses_are_distinct() -> None:
    assert len({ACTIVE, STOPPED, FROZEN}) == 3


def test_an_account_has_no_per_object_dict() -> None:
    # Millions are opened in a national year: no attribute outside the slots.
    a = Account(0, 0, 0, 0)
    assert not hasattr(a, "__dict__")
    with pytest.raises(AttributeError):
        a.colour = "red"  # type: ignore[attr-defined]


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
    assert stand_in.status == FROZEN and stand_in.lots is None
    assert (stand_in.bank, stand_in.layer) == (1, 0)
    assert (book.accounts[b.id].bank, book.accounts[b.id].layer) == (1, 1)
