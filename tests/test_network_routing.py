"""Mule accounts: retired accounts, routing, trails, the withdrawal delay, conservation.

The network of fraudsim/model/network.py on its own clock
(tests/network_world.py); pooled lots, freezes and stops:
tests/test_network.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from librt.vecs import extend, vec
from mypy_extensions import i64

from fraudsim.model.kernel import Clock
from fraudsim.model.lots import trail_children
from fraudsim.model.network import ACTIVE, BY_POLICE, Account, Network
from fraudsim.model.world import run_world
from fraudsim.rng import Streams
from fraudsim.scenario.loading import validate_scenario
from tests.conftest import busy, xiamen
from tests.network_world import (
    CASH,
    L1_DWELL,
    L2_DWELL,
    L3_DWELL,
    World,
    make_case,
    network_scenario,
    pooled,
    swept_to_l2,
)

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
