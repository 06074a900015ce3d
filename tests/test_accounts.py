"""A mule account's state (fraudsim/model/accounts.py)."""

from __future__ import annotations

import pytest

from fraudsim.model.accounts import ACTIVE, BY_POLICE, FROZEN, STOPPED, Account


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
