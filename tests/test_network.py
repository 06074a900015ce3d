"""Mule accounts: pooled lots, freezes and stops (fraudsim/model/network.py).

Routing, trails, the withdrawal delay and conservation under random stops
and freezes: tests/test_network_routing.py.
"""

from __future__ import annotations

import pytest

from fraudsim.model.network import ACTIVE, BY_BANK, BY_POLICE, FROZEN, STOPPED
from tests.network_world import (
    CASH,
    L1_DWELL,
    L2_DWELL,
    World,
    network_scenario,
    pooled,
    swept_to_l2,
)

# -- pooling and freezes ---------------------------------------------------------


def test_a_pooled_account_holds_every_victims_lot_separately() -> None:
    w = World(pooled())
    acct = w.l1()
    assert all(w.net.first_layer_account(c) is acct for c in w.cases)  # one account
    w.net.credit(acct, 0, 100)
    w.net.credit_lots(acct, {1: 250, 2: 7})
    w.net.credit(acct, 0, 1)
    assert w.net.held(acct.id) == {0: 101, 1: 250, 2: 7}


@pytest.mark.parametrize("by", [BY_POLICE, BY_BANK])
def test_freezing_a_pooled_account_credits_each_case_exactly_its_lot(by: int) -> None:
    w = World(pooled())
    acct = w.l1()
    w.net.credit_lots(acct, {0: 101, 1: 250, 2: 7})
    w.run(10.0)
    w.net.freeze(acct, by)
    police = [c.frozen_police_fen for c in w.cases]
    bank = [c.frozen_bank_fen for c in w.cases]
    assert (police, bank) == (
        ([101, 250, 7], [0, 0, 0]) if by == BY_POLICE else ([0, 0, 0], [101, 250, 7])
    )
    assert [c.accounts_frozen for c in w.cases] == [1, 1, 1]
    assert [c.last_freeze_min for c in w.cases] == [10.0] * 3
    assert w.net.held(acct.id) == {}
    assert acct.status == FROZEN
    w.run(1000.0)  # nothing is ever cashed out of a frozen account
    assert sum(c.cashed_out_fen for c in w.cases) == 0


def test_after_a_split_freezing_every_account_returns_each_case_its_money() -> None:
    w = World(network_scenario(["mule_network.accounts_per_bank=50"]))
    sent = {0: 1_000_001, 1: 3, 2: 77_777}
    for cid, fen in sent.items():
        w.net.credit(w.net.first_layer_account(w.cases[cid]), cid, fen)
    w.run(L1_DWELL + L2_DWELL + 1)  # money split across the last layer
    holding = {a: set(a.holding()) for a in w.net.accounts if not a.is_empty()}
    assert all(a.layer == 2 for a in holding)
    assert len(holding) > len(sent)  # the fan-out of 2 did split lots
    for acct in holding:
        w.net.freeze(acct, BY_POLICE)
    assert {c.id: c.frozen_police_fen for c in w.cases} == sent
    for c in w.cases:
        assert c.accounts_frozen == sum(1 for ids in holding.values() if c.id in ids)


def test_credit_into_a_frozen_account_is_frozen_at_once() -> None:
    w = World(pooled())
    acct = w.l1()
    w.net.freeze(acct, BY_BANK)
    w.run(5.0)
    w.net.credit(acct, 1, 500)
    assert w.cases[1].frozen_bank_fen == 500
    assert w.cases[1].accounts_frozen == 0  # the account was counted when it was frozen
    assert w.cases[1].last_freeze_min == 5.0
    assert w.net.held(acct.id) == {}


def test_money_moves_on_at_the_dwell_when_nothing_stops_it() -> None:
    w = World(pooled(layers=1))  # one layer: its sweep is the cash-out
    acct = w.l1()
    w.net.credit(acct, 0, 900)
    w.run(L1_DWELL + CASH - 0.01)
    assert w.net.held(acct.id) == {0: 900}
    w.run(L1_DWELL + CASH + 0.01)
    assert w.cases[0].cashed_out_fen == 900
    assert list(w.net.cashed_by_channel) == [900]


# -- stops -----------------------------------------------------------------------


def test_a_stop_holds_the_money_and_it_moves_on_after_expiry_without_a_freeze() -> None:
    w = World(
        pooled(["response.stop_payment.freeze_prob=0", "response.stop_payment.expiry_min=100"])
    )
    acct = w.l1()
    w.net.credit_lots(acct, {0: 500, 1: 20})
    w.at(1.0, lambda: w.net.stop(acct))
    w.run(50.0)  # well past the 22-minute dwell
    assert acct.status == STOPPED
    assert w.net.held(acct.id) == {0: 500, 1: 20}
    in_accounts, held = w.net.balances()
    assert in_accounts == held == [500, 20, 0]  # by case id, one per case
    w.run(101.0 + L1_DWELL - 0.01)  # lapsed at 101; the sweep comes a dwell later
    assert acct.status == ACTIVE
    assert w.net.held(acct.id) == {0: 500, 1: 20}
    assert w.net.balances()[1] == [0, 0, 0]
    w.run(101.0 + L1_DWELL + 0.01)
    assert w.net.held(acct.id) == {}
    assert w.net.balances()[0] == [500, 20, 0]  # now in layer 2
    assert all(a.layer == 1 for a in w.net.accounts if not a.is_empty())


def test_a_stop_after_a_lapse_runs_its_own_time() -> None:
    """A second stop lapses an expiry after it began, whatever the first one planned.

    A stop plans one happening (its lapse or its police freeze), and only the
    lapse makes the account active again, so one stop's happening is always
    over before the next stop can begin: at most one is pending per account.
    """
    w = World(
        pooled(["response.stop_payment.freeze_prob=0", "response.stop_payment.expiry_min=100"])
    )
    acct = w.l1()
    w.net.credit(acct, 0, 70)
    w.at(1.0, lambda: w.net.stop(acct))
    w.at(150.0, lambda: w.net.stop(acct))
    w.run(100.9)
    assert acct.status == STOPPED
    w.run(101.1)
    assert acct.status == ACTIVE  # the first stop lapsed
    w.run(149.0)
    assert acct.status == ACTIVE
    w.run(249.9)
    assert acct.status == STOPPED  # the second holds for its own 100 minutes
    stops = [e for e in w.clock.pending_entries() if e[3] is acct and e[2] is not None
             and "expiry" in repr(e[2])]
    assert len(stops) == 1
    w.run(250.1)
    assert acct.status == ACTIVE


def test_a_stop_converted_before_it_lapses_freezes_the_money() -> None:
    w = World(
        pooled(["response.stop_payment.freeze_prob=1", "banks.xiamen_bank.freeze_latency_min=60"])
    )
    acct = w.l1()
    w.net.credit(acct, 2, 42)
    w.at(1.0, lambda: w.net.stop(acct))
    w.run(60.9)
    assert acct.status == STOPPED
    w.run(61.1)
    assert acct.status == FROZEN
    assert w.cases[2].frozen_police_fen == 42
    assert w.cases[2].last_freeze_min == 61.0


def test_a_freeze_slower_than_the_expiry_never_happens() -> None:
    w = World(
        pooled(
            [
                "response.stop_payment.freeze_prob=1",
                "response.stop_payment.expiry_min=100",
                "banks.xiamen_bank.freeze_latency_min=150",
            ],
            layers=1,
        )
    )
    acct = w.l1()
    w.net.credit(acct, 0, 42)
    w.at(1.0, lambda: w.net.stop(acct))
    w.run(1000.0)
    assert w.cases[0].frozen_police_fen == 0
    assert w.cases[0].cashed_out_fen == 42


def test_a_stop_of_a_frozen_account_changes_nothing() -> None:
    w = World(pooled())
    acct = w.l1()
    w.net.freeze(acct, BY_POLICE)
    w.net.stop(acct)
    assert acct.status == FROZEN


def test_a_bank_risk_freeze_catches_a_new_account_after_the_detection_delay() -> None:
    w = World(
        pooled(["banks.xiamen_bank.risk_freeze_prob=1", "banks.xiamen_bank.risk_detect_min=10"])
    )
    acct = w.l1()
    w.net.credit(acct, 0, 300)
    w.run(9.9)
    assert acct.status == ACTIVE
    w.run(10.1)
    assert w.cases[0].frozen_bank_fen == 300
    assert acct.frozen_by == BY_BANK


def test_the_bank_times_its_own_freeze_from_the_first_credit_not_the_opening() -> None:
    # Under a delayed-credit rule the account is chosen at the payment and
    # credited hours later: the bank cannot catch what has not arrived.
    w = World(
        pooled(["banks.xiamen_bank.risk_freeze_prob=1", "banks.xiamen_bank.risk_detect_min=10"])
    )
    acct = w.l1()
    w.run(50.0)
    assert acct.status == ACTIVE and w.clock.pending == 0  # no timer yet
    w.at(60.0, lambda: w.net.credit(acct, 0, 300))
    w.at(65.0, lambda: w.net.credit(acct, 1, 200))  # a later credit starts nothing new
    w.run(69.9)
    assert acct.status == ACTIVE
    w.run(70.1)
    assert acct.status == FROZEN and acct.frozen_by == BY_BANK
    assert (w.cases[0].frozen_bank_fen, w.cases[1].frozen_bank_fen) == (300, 200)


def test_a_frozen_account_leaves_the_list_for_a_stand_in_of_its_bank_and_layer() -> None:
    w = World(pooled())
    first = w.l1()
    w.net.credit(first, 0, 10)
    label = w.net.trace.label(first.id)
    w.net.freeze(first, BY_POLICE)
    second = w.l1()  # the slot's fresh account, same bank and layer
    w.net.freeze(second, BY_BANK)
    stand_in = w.net.accounts[first.id]
    assert all(a is not first and a is not second for a in w.net.accounts)
    assert w.net.accounts[second.id] is stand_in
    assert (stand_in.bank, stand_in.layer) == (first.bank, first.layer)
    assert stand_in.status == FROZEN and stand_in.is_empty()
    assert w.net.trace.label(first.id) == label and w.net.held(first.id) == {}
    assert w.net.n_accounts == 2 and w.net.balances() == ([0, 0, 0], [0, 0, 0])


def test_a_stand_in_stays_frozen_when_stopped_and_is_one_per_layer() -> None:
    w = World(pooled())
    acct, l2 = swept_to_l2(w)
    w.net.freeze(acct, BY_POLICE)
    w.net.freeze(l2, BY_POLICE)
    top, second = w.net.accounts[acct.id], w.net.accounts[l2.id]
    assert top is not second and (top.layer, second.layer) == (0, 1)
    pending = w.clock.pending
    w.net.stop(top)  # as a stop request found in a trail would
    assert top.status == FROZEN and w.clock.pending == pending  # no lapse or freeze planned
    assert w.cases[0].frozen_police_fen == 10


def test_freezing_a_frozen_account_again_changes_nothing() -> None:
    # Once failed in test_every_fen_is_held_frozen_or_cashed_out: the second
    # freeze reached the stand-in, whose release put it over the list's last
    # account, and that account's money was no longer counted anywhere.
    w = World(pooled())
    first = w.l1()
    w.net.credit(first, 0, 10)
    w.net.freeze(first, BY_POLICE)
    last = w.l1()  # the slot's fresh account, the list's last
    w.net.credit(last, 1, 7)
    stand_in = w.net.accounts[first.id]
    for account in (first, stand_in):
        w.net.freeze(account, BY_BANK)
    assert w.net.accounts[last.id] is last
    assert w.net.balances() == ([0, 7, 0], [0, 0, 0])
    assert (w.cases[0].frozen_police_fen, w.cases[0].frozen_bank_fen) == (10, 0)
    assert w.cases[0].accounts_frozen == 1
