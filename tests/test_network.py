"""Mule accounts: lots, splits, stops, freezes and cash-outs (fraudsim/model/network.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from librt.vecs import extend, vec
from mypy_extensions import i64

from fraudsim.model.cases import Case
from fraudsim.model.kernel import Clock
from fraudsim.model.lots import trail_children
from fraudsim.model.network import (
    ACTIVE,
    BY_BANK,
    BY_POLICE,
    FROZEN,
    STOPPED,
    Account,
    Network,
)
from fraudsim.model.world import run_world
from fraudsim.rng import Streams
from fraudsim.scenario import Scenario
from fraudsim.scenario.loading import validate_scenario
from tests.conftest import busy, xiamen

# The Xiamen network: layer dwells 22, 8 and 5 minutes, fan-out 1, 2, 1, one bank,
# cash-out 5 minutes after the last dwell.
L1_DWELL, L2_DWELL, L3_DWELL, CASH = 22.0, 8.0, 5.0, 5.0


class World:
    """A network on its own clock, with cases that only receive money."""

    def __init__(self, scenario: Scenario, n_cases: int = 3, reports: bool = True) -> None:
        self.clock = Clock()
        self.cases = [make_case(i, reports) for i in range(n_cases)]
        self.log: list[tuple[int, str, int, int, str]] = []
        self.net = Network(scenario, self.clock, Streams(1), self.cases, self._log)

    def _log(self, at: float, case: Case, event: str, acct: int, fen: int, detail: str) -> None:
        assert at == self.clock.now  # the network logs what happens as it happens
        self.log.append((case.id, event, acct, fen, detail))

    def l1(self) -> Account:
        return self.net.first_layer_account(self.cases[0])

    def at(self, t: float, action: Callable[[], None]) -> None:
        def fire(call: Callable[[], None]) -> None:
            call()

        self.clock.at(t, fire, action)

    def run(self, until: float) -> None:
        self.clock.run_to(until)


def make_case(case_id: int, reports: bool = True) -> Case:
    case = Case(case_id, 0, 0, 0.0, [1000], [0.0], 0.0)
    case.reports = reports
    return case


def network_scenario(overrides: Sequence[str] = (), layers: int = 3) -> Scenario:
    """The Xiamen scenario, with its network cut to the first ``layers`` layers."""
    raw = xiamen(overrides).model_dump(by_alias=True)
    raw["mule_network"]["layers"] = raw["mule_network"]["layers"][:layers]
    return validate_scenario(raw)


def pooled(overrides: Sequence[str] = (), layers: int = 3) -> Scenario:
    return network_scenario(["mule_network.accounts_per_bank=1", *overrides], layers)


def swept_to_l2(w: World) -> tuple[Account, Account]:
    """Credit case 0's 10 fen to a first-layer account; return it and the account it swept to."""
    l1 = w.l1()
    w.net.credit(l1, 0, 10)
    w.run(L1_DWELL + 0.01)
    (l2,) = [a for a in w.net.accounts if not a.is_empty()]
    return l1, l2


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
    label = w.net.label(first.id)
    w.net.freeze(first, BY_POLICE)
    second = w.l1()  # the slot's fresh account, same bank and layer
    w.net.freeze(second, BY_BANK)
    stand_in = w.net.accounts[first.id]
    assert all(a is not first and a is not second for a in w.net.accounts)
    assert w.net.accounts[second.id] is stand_in
    assert (stand_in.bank, stand_in.layer) == (first.bank, first.layer)
    assert stand_in.status == FROZEN and stand_in.is_empty()
    assert w.net.label(first.id) == label and w.net.held(first.id) == {}
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


# -- retired accounts, routing, trails -------------------------------------------


@pytest.mark.parametrize("retire", ["stop", "freeze"])
def test_a_retired_account_is_not_picked_again(retire: str) -> None:
    w = World(pooled())
    first = w.l1()
    assert w.l1() == first  # one slot: the same account while it is in use
    if retire == "stop":
        w.net.stop(first)
    else:
        w.net.freeze(first, BY_POLICE)
    second = w.l1()
    assert second is not first
    assert {w.l1() for _ in range(20)} == {second}


def test_money_forwarded_after_a_freeze_goes_to_a_fresh_account() -> None:
    w = World(pooled())
    _, l2 = swept_to_l2(w)
    w.net.freeze(l2, BY_POLICE)
    w.net.credit(w.l1(), 1, 20)
    w.run(2 * L1_DWELL + 1)
    holders = [a for a in w.net.accounts if a.fen_of(1)]
    assert holders and l2 not in holders
    assert w.cases[1].frozen_police_fen == 0


def test_local_share_routes_first_payments_to_the_victims_region() -> None:
    raw = xiamen().model_dump(by_alias=True)
    raw["regions"] = {"xiamen": {"population_share": 0.5}, "fuzhou": {"population_share": 0.5}}
    raw["banks"]["xiamen_bank"]["market_share"] = 0.5
    raw["banks"]["fuzhou_bank"] = {**raw["banks"]["xiamen_bank"], "region": "fuzhou"}
    for share, same in [(1.0, True), (0.0, False)]:
        raw["mule_network"]["first_layer_local_share"] = share
        w = World(validate_scenario(raw))
        for region in (0, 1):
            w.cases[0].region = region
            for _ in range(20):
                acct = w.net.first_layer_account(w.cases[0])
                assert (w.net.bank_region[acct.bank] == region) is same


def two_cases_swept(w: World) -> Account:
    """Pay cases 0 and 1 into accounts of their own, run two sweeps; return case 1's account."""
    a0, a1 = (w.net.first_layer_account(c) for c in w.cases[:2])
    w.net.credit(a0, 0, 100)
    w.net.credit(a1, 1, 100)
    w.run(L1_DWELL + L2_DWELL + 1)
    return a1


def test_the_trail_is_kept_only_for_cases_that_report() -> None:
    w = World(network_scenario(["mule_network.accounts_per_bank=50"]), reports=False)
    w.cases[1].reports = True
    a1 = two_cases_swept(w)
    assert len(w.cases[0].trail) == 0
    trail = w.cases[1].trail
    (l2,) = trail_children(trail, a1.id)  # L1 -> L2 -> two L3
    assert w.net.accounts[l2].layer == 1
    assert len(trail_children(trail, l2)) == 2
    assert {w.net.accounts[a].layer for a in trail_children(trail, l2)} == {2}
    assert len(trail) == (2 + 1) + (2 + 2)  # two entries: acct, k, children


def test_no_trail_is_kept_once_tracing_is_over() -> None:
    w = World(network_scenario(["mule_network.accounts_per_bank=50"]))
    w.cases[0].tracing_over = True
    two_cases_swept(w)
    assert len(w.cases[0].trail) == 0
    assert len(w.cases[1].trail) > 0


def test_cases_swept_together_each_get_a_trail_of_their_own() -> None:
    w = World(pooled())  # one account per bank and layer: the three lots travel together
    acct = w.l1()
    w.net.credit_lots(acct, {0: 100, 1: 200})
    w.cases[2].trail = vec[i64]([~99, 1, 98])  # case 2 already has a trail
    w.net.credit(acct, 2, 300)
    w.run(L1_DWELL + 1)
    trails = [c.trail for c in w.cases]
    (l2,) = trail_children(trails[0], acct.id)
    assert list(trails[0]) == list(trails[1]) == [~acct.id, 1, l2]
    assert list(trails[2]) == [~99, 1, 98, ~acct.id, 1, l2]
    # Case 0's money also went elsewhere. Had cases 0 and 1 shared one buffer,
    # the next sweep would write case 1's entry over this one.
    w.cases[0].trail = extend(w.cases[0].trail, vec[i64]([~55, 1, 54]))
    w.run(L1_DWELL + L2_DWELL + 1)  # the L2 sweep extends every trail, each once
    t0, t1 = list(w.cases[0].trail), list(w.cases[1].trail)
    assert t0[:6] == [~acct.id, 1, l2, ~55, 1, 54] and t1[:3] == [~acct.id, 1, l2]
    assert t0[6:] == t1[3:] and len(t1) == 3 + 2 + 2 and t1[3] == ~l2
    assert list(trail_children(w.cases[0].trail, l2)) == list(trail_children(w.cases[1].trail, l2))


def test_accounts_are_numbered_as_opened_and_start_active_and_empty() -> None:
    w = World(network_scenario(["mule_network.accounts_per_bank=50"]))
    picked = [w.net.first_layer_account(c) for c in w.cases for _ in range(40)]
    assert len(w.net.accounts) == w.net.n_accounts == len({id(a) for a in picked}) > 1
    for n, a in enumerate(w.net.accounts):
        assert a.id == n and w.net.accounts[a.id] is a
        assert (a.layer, a.bank) == (0, 0) and 0 <= a.slot < 50
        assert a.status == ACTIVE and a.frozen_by == BY_POLICE
        assert not a.sweep_due and a.hold_until == 0.0
        assert a.is_empty()
    last = w.net.accounts[-1]
    w.net.credit(last, 0, 50)
    assert w.net.held(last.id) == {0: 50}


# -- withdrawal delay --------------------------------------------------------------


@pytest.mark.parametrize(("fen", "delayed"), [(1000, True), (999, False)])
def test_withdrawal_delay_postpones_the_cash_out_of_large_credits(fen: int, delayed: bool) -> None:
    w = World(
        pooled(
            [
                "mule_network.withdrawal_delay.enabled=true",
                "mule_network.withdrawal_delay.threshold_fen=1000",
                "mule_network.withdrawal_delay.delay_min=100",
            ],
            layers=1,
        )
    )
    acct = w.l1()
    w.net.credit(acct, 0, fen)
    w.run(L1_DWELL + CASH + 0.01)
    assert w.cases[0].cashed_out_fen == (0 if delayed else fen)
    w.run(99.9)
    assert w.cases[0].cashed_out_fen == (0 if delayed else fen)
    w.run(100.1)
    assert w.cases[0].cashed_out_fen == fen


def test_withdrawal_delay_in_a_whole_run_moves_the_cash_out() -> None:
    def cash_out_times(overrides: list[str]) -> list[float]:
        base = ["scripted_cases.0.reports=false", *overrides]
        run = run_world(xiamen(base), trace_case=0)
        return [e.time_min for e in run.trace if e.event == "cash_out"]

    plain = cash_out_times([])
    held = cash_out_times(
        [
            "mule_network.withdrawal_delay.enabled=true",
            "mule_network.withdrawal_delay.threshold_fen=1",
            "mule_network.withdrawal_delay.delay_min=300",
        ]
    )
    payment = 3480.0 + 20.0
    reach_l3 = payment + L1_DWELL + L2_DWELL
    assert plain == [reach_l3 + L3_DWELL + CASH] * 2
    assert held == [reach_l3 + 300.0] * 2


# -- conservation under random stops and freezes ------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    credits=st.lists(
        st.tuples(st.integers(0, 4), st.integers(1, 10**9), st.floats(0, 300)),
        min_size=1,
        max_size=20,
    ),
    actions=st.lists(
        st.tuples(st.sampled_from(["stop", "freeze"]), st.integers(0, 60), st.floats(0, 400)),
        max_size=15,
    ),
    seed=st.integers(0, 1000),
)
def test_every_fen_is_held_frozen_or_cashed_out(
    credits: list[tuple[int, int, float]],
    actions: list[tuple[str, int, float]],
    seed: int,
) -> None:
    scenario = busy(
        [
            "mule_network.accounts_per_bank=2",
            "response.stop_payment.expiry_min=60",
            "banks.xiamen_bank.risk_freeze_prob=0.2",
        ]
    )
    clock = Clock()
    cases = [make_case(i) for i in range(5)]
    net = Network(scenario, clock, Streams(seed), cases, lambda *a: None)
    sent = [0] * 5

    def pay(payment: tuple[int, int]) -> None:
        cid, fen = payment
        net.credit(net.first_layer_account(cases[cid]), cid, fen)

    def act(action: tuple[str, int]) -> None:
        kind, k = action
        if net.n_accounts:
            account = net.accounts[k % net.n_accounts]
            if kind == "stop":
                net.stop(account)
            else:
                net.freeze(account, BY_POLICE)

    for cid, fen, t in credits:
        sent[cid] += fen
        clock.at(t, pay, (cid, fen))
    for kind, k, t in actions:
        clock.at(t, act, (kind, k))
    clock.run_to(3000.0)
    in_accounts, held = net.balances()
    for c in cases:
        parts = c.frozen_police_fen + c.frozen_bank_fen + c.cashed_out_fen
        assert parts + in_accounts[c.id] == sent[c.id]
        assert held[c.id] <= in_accounts[c.id]
    assert sum(net.cashed_by_channel) == sum(c.cashed_out_fen for c in cases)


def test_a_bank_without_mule_accounts_never_receives_money() -> None:
    raw = xiamen().model_dump(by_alias=True)
    raw["regions"] = {"xiamen": {"population_share": 0.5}, "fuzhou": {"population_share": 0.5}}
    raw["banks"]["xiamen_bank"]["market_share"] = 0.0  # no mule accounts at this bank
    raw["banks"]["fuzhou_bank"] = {
        **raw["banks"]["xiamen_bank"],
        "region": "fuzhou",
        "market_share": 1.0,
    }
    w = World(validate_scenario(raw))  # first_layer_local_share = 1; the victim is in xiamen
    banks = {w.net.bank_names[w.l1().bank] for _ in range(50)}
    assert banks == {"fuzhou_bank"}
