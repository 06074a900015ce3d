"""Mule accounts: money rests, is split onward, pooled, stopped, frozen or cashed out.

Money is held as lots, case id -> fen, divided exactly at each hop (see
:mod:`fraudsim.model.lots`); the router chooses the next account
(:mod:`fraudsim.model.routing`). Most sweeps carry one case's money, which
goes through :meth:`Network.credit`, :meth:`Network._forward` and
:meth:`Network._cash_out` as a case id and fen; the money of several cases
pooled in one account goes through their ``_lots`` twins as a dict.

Each account is an :class:`~fraudsim.model.accounts.Account`, numbered in
the order opened; the network's :class:`~fraudsim.model.accounts.AccountBook`
keeps them in a list indexed by number (a national year opens millions,
since a stopped account is replaced by a fresh one), where a frozen one
gives way to a shared stand-in, and keeps the pools of accounts in use.
An account forwards its whole balance one dwell time after the first
credit since its last sweep; in the last layer the "forward" is a cash-out
through a channel, after which the money is gone.
"""

from __future__ import annotations

from typing import Any, Final

from librt.vecs import extend, vec
from mypy_extensions import i64

from fraudsim.model.accounts import (
    ACTIVE,
    BY_BANK,
    BY_POLICE,
    FROZEN,
    STOPPED,
    Account,
    AccountBook,
)
from fraudsim.model.banks import BankTimes
from fraudsim.model.cases import Case
from fraudsim.model.casetrace import CaseTrace, Logger
from fraudsim.model.kernel import Call, Clock, Dispatcher
from fraudsim.model.lots import NO_IDS, equal_parts, parts_of, split_lots, trail_entry
from fraudsim.model.routing import Picker, Router
from fraudsim.rng import Streams, Uniforms
from fraudsim.scenario.schema import Scenario

__all__ = ["ACTIVE", "BY_BANK", "BY_POLICE", "FROZEN", "STOPPED", "Account", "Logger", "Network"]


_SWEEP: Final = 0
_POLICE_FREEZE: Final = 1
_EXPIRY: Final = 2
_RISK_FREEZE: Final = 3


class Network(Dispatcher):
    """The mule-account network of one run.

    Args:
        scenario: The validated scenario.
        clock: The simulation clock.
        streams: The replication's random streams.
        cases: All cases, indexed by id.
        log: Event logger for traced cases.
    """

    def __init__(
        self, scenario: Scenario, clock: Clock, streams: Streams, cases: list[Case], log: Logger
    ) -> None:
        self.clock = clock
        self.cases = cases
        net = scenario.mule_network
        self.layers = net.layers
        self.last_layer = len(net.layers) - 1
        self.bank_names = list(scenario.banks)
        # The withdrawal-delay rule as plain fields (credit() checks it at
        # every movement): it applies to the last layer, or to no layer (-1)
        # when the rule is off.
        rule = net.withdrawal_delay
        self._hold_layer = self.last_layer if rule.enabled else -1
        self._hold_from_fen = rule.threshold_fen
        self._hold_min = rule.delay_min
        self.channel_names = list(net.cash_out)
        self.channel_pick = Picker(
            list(range(len(self.channel_names))), [c.share for c in net.cash_out.values()]
        )
        self.freeze_prob = scenario.response.stop_payment.freeze_prob
        self.expiry_min = scenario.response.stop_payment.expiry_min
        self._samplers(scenario, streams)
        # Every account opened and the pools in use. The book's list, also
        # as a field here: stop requests look accounts up by number.
        self.book = AccountBook(len(self.layers), len(self.bank_names), net.accounts_per_bank)
        self.accounts = self.book.accounts
        # Fen cashed out per channel: unboxed (see monitor.BinnedMonitor),
        # where a list's item is a new int object at each cash-out.
        self.cashed_by_channel: vec[i64] = vec[i64]([0] * len(self.channel_names))
        self.movements = 0
        self.trace = CaseTrace(cases, clock, log, self.accounts, self.bank_names,
                               self.channel_names)
        # Its case id as a field of the network: compared at every movement.
        self.traced_id = self.trace.case_id
        # Handlers made once: a pending happening holds its handler, and a
        # bound method made at each scheduling would be freed when the
        # happening runs, often days later, beside neighbours no longer in
        # the cache. The clock runs them through dispatch (see kernel.Call).
        self._sweep_handler = Call(self, _SWEEP, "_on_sweep")
        self._police_freeze_handler = Call(self, _POLICE_FREEZE, "_on_police_freeze")
        self._expiry_handler = Call(self, _EXPIRY, "_on_expiry")
        self._risk_freeze_handler = Call(self, _RISK_FREEZE, "_on_risk_freeze")
        self.router = Router(scenario, streams, self.book)
        self.bank_region = self.router.bank_region

    def dispatch(self, code: int, payload: Any) -> None:
        """Run a happening of the network the clock calls (see ``kernel.Dispatcher``)."""
        if code == _SWEEP:
            self._on_sweep(payload)
        elif code == _POLICE_FREEZE:
            self._on_police_freeze(payload)
        elif code == _EXPIRY:
            self._on_expiry(payload)
        else:
            self._on_risk_freeze(payload)

    def _samplers(self, scenario: Scenario, streams: Streams) -> None:
        self.u_freeze = Uniforms(streams.generator("network.freeze_decision"))
        self.u_channel = Uniforms(streams.generator("network.channel"))
        self.dwell = [
            streams.sampler(f"network.layer{k}.dwell", layer.dwell_min)
            for k, layer in enumerate(self.layers)
        ]
        self.fan_out = [
            streams.sampler(f"network.layer{k}.fan_out", layer.fan_out)
            for k, layer in enumerate(self.layers)
        ]
        self.channel_delay = [
            streams.sampler(f"network.cash_out.{name}", ch.delay_min)
            for name, ch in scenario.mule_network.cash_out.items()
        ]
        # The banks' answer times: the response reads them too.
        self.bank_times = BankTimes(scenario, streams)

    # -- accounts -------------------------------------------------------------

    @property
    def n_accounts(self) -> int:
        """Return the number of accounts opened so far."""
        return len(self.accounts)

    def first_layer_account(self, case: Case) -> Account:
        """Choose the first-layer mule account a victim's payment goes to."""
        return self.router.first_layer_account(case.region)

    # -- money movement -------------------------------------------------------

    def credit(self, account: Account, case_id: int, fen: int) -> None:
        """One case's money arrives in an account: freeze it, hold it, or plan its onward sweep."""
        self.movements += 1
        status = account.status
        if status == FROZEN:
            self._freeze_lot(case_id, fen, account.frozen_by, account, count_account=False)
            return
        account.add(case_id, fen)
        self._credited(account, status, fen)

    def credit_lots(self, account: Account, lots: dict[int, int]) -> None:
        """Several cases' money arrives together (lots, case id -> fen, not empty).

        The account may keep ``lots`` itself as its holding: the caller hands
        the dict over and must not change it afterwards.
        """
        self.movements += 1
        status = account.status
        if status == FROZEN:
            self._freeze_lots(lots, account.frozen_by, account, count_account=False)
            return
        account.add_lots(lots)
        total = 0
        for fen in lots.values():  # a loop, not sum(): no call through the builtins
            total += fen
        self._credited(account, status, total)

    def _credited(self, account: Account, status: int, fen: int) -> None:
        """After ``fen`` arrived: start the bank's timer, the withdrawal delay, the sweep.

        The bank's own freeze is timed from the account's first credit
        (``risk_in``, drawn when it opened; -1.0 once started or never).
        """
        if account.risk_in >= 0.0:
            self.clock.after(account.risk_in, self._risk_freeze_handler, account)
            account.risk_in = -1.0
        if account.layer == self._hold_layer and fen >= self._hold_from_fen:
            account.hold_until = max(account.hold_until, self.clock.now + self._hold_min)
        if status == ACTIVE and not account.sweep_due:
            self._plan_sweep(account)

    def _plan_sweep(self, account: Account) -> None:
        layer = account.layer
        delay = self.dwell[layer].next()
        if layer == self.last_layer:
            ch = self.channel_pick.pick(self.u_channel.next())
            account.channel = ch
            delay += self.channel_delay[ch].next()
        account.sweep_due = True
        self.clock.after(delay, self._sweep_handler, account)

    def _on_sweep(self, account: Account) -> None:
        account.sweep_due = False
        if account.status != ACTIVE or account.is_empty():
            return
        now = self.clock.now
        if now < account.hold_until:
            account.sweep_due = True
            self.clock.after(account.hold_until - now, self._sweep_handler, account)
            return
        lots, cid, fen = account.lots, account.sole_case, account.sole_fen
        account.empty()
        last = account.layer == self.last_layer
        if lots is None:
            if last:
                self._cash_out(account, cid, fen)
            else:
                self._forward(account, cid, fen)
        elif last:
            self._cash_out_lots(account, lots)
        else:
            self._forward_lots(account, lots)

    def _cash_out(self, account: Account, cid: int, fen: int) -> None:
        """The last layer's sweep of one case's money: cashed out, gone."""
        self._cash_lot(account, cid, fen)
        self.cashed_by_channel[account.channel] += fen
        self.movements += 1

    def _cash_out_lots(self, account: Account, lots: dict[int, int]) -> None:
        total = 0
        for cid, fen in lots.items():
            self._cash_lot(account, cid, fen)
            total += fen
        self.cashed_by_channel[account.channel] += total
        self.movements += 1

    def _cash_lot(self, account: Account, cid: int, fen: int) -> None:
        case = self.cases[cid]
        case.cashed_out_fen += fen
        if cid == self.traced_id:
            self.trace.cashed_out(account, fen)

    def _children(self, account: Account) -> list[Account]:
        """Draw how many accounts of the next layer a balance goes to, and which."""
        layer = account.layer
        k = parts_of(self.fan_out[layer].next())
        bank = account.bank
        router = self.router  # called as a method: a compiled build then calls it natively
        # A named counter: a compiled build boxes ``_`` as an object at each turn.
        children: list[Account] = []
        for _j in range(k):
            children.append(router.next_account(layer, bank))
        return children

    def _forward(self, account: Account, cid: int, fen: int) -> None:
        """Send one case's money on, split equally in whole fen across the next layer's accounts."""
        children = self._children(account)
        k = len(children)
        case = self.cases[cid]
        # Only money that police will trace, and still can, needs its trail kept.
        if case.reports and not case.tracing_over:
            # Copied into the case's own buffer, never shared (see NO_IDS).
            case.trail = extend(case.trail, trail_entry(account.id, children))
        q, r = equal_parts(fen, k)  # as split_lots divides a lot
        if cid == self.traced_id:
            for j in range(k):
                self.trace.hop(account, children[j], q + (j < r))
        for j in range(k):
            share = q + (j < r)
            if share:
                self.credit(children[j], cid, share)

    def _forward_lots(self, account: Account, lots: dict[int, int]) -> None:
        """Send several cases' money on: each lot split equally across the next layer's accounts."""
        children = self._children(account)
        k = len(children)
        parts = [lots] if k == 1 else split_lots(lots, k)
        self._keep_trail(account, lots, children, parts)
        # An index loop, not zip(..., strict=True): a compiled build calls zip
        # with a keyword through the generic path, at each of millions of sweeps.
        for j in range(k):
            part = parts[j]
            if part:
                self.credit_lots(children[j], part)

    def _keep_trail(
        self,
        account: Account,
        lots: dict[int, int],
        children: list[Account],
        parts: list[dict[int, int]],
    ) -> None:
        """Note where each case's money went, for the police's hop-by-hop tracing."""
        cases = self.cases
        entry = NO_IDS
        for cid in lots:
            case = cases[cid]
            if case.reports and not case.tracing_over:
                if len(entry) == 0:
                    entry = trail_entry(account.id, children)  # made once per sweep
                case.trail = extend(case.trail, entry)
        tid = self.traced_id
        if tid >= 0 and tid in lots:  # most runs trace no case
            self.trace.hops(account, children, parts)

    # -- stops and freezes ----------------------------------------------------

    def stop(self, account: Account) -> None:
        """Execute a stop-payment: hold the balance, maybe convert it to a freeze later."""
        if account.status != ACTIVE:
            return
        account.status = STOPPED
        self.book.retire(account)
        # A stop schedules one happening, its police freeze or its lapse, and
        # the account stays stopped until that happening (or a bank's freeze):
        # only the lapse makes it active again, so a stop cannot begin while
        # an earlier one's happening is pending. The happening needs only the
        # account, not (account, stop number): no tuple made, held for days
        # and freed cold, for a fifth of the year's happenings.
        if self.u_freeze.next() < self.freeze_prob:
            latency = self.bank_times.freeze[account.bank].next()
            if latency < self.expiry_min:
                # A freeze is final, so the stop's lapse need not be scheduled.
                self.clock.after(latency, self._police_freeze_handler, account)
                return
        self.clock.after(self.expiry_min, self._expiry_handler, account)

    def _on_expiry(self, account: Account) -> None:
        if account.status == STOPPED:
            account.status = ACTIVE
            if not account.is_empty() and not account.sweep_due:
                self._plan_sweep(account)

    def _on_police_freeze(self, account: Account) -> None:
        if account.status == STOPPED:
            self.freeze(account, BY_POLICE)

    def _on_risk_freeze(self, account: Account) -> None:
        if account.status != FROZEN:
            self.freeze(account, BY_BANK)

    def freeze(self, account: Account, by: int) -> None:
        """Freeze an account: every lot in it goes back to its victim as frozen.

        A freeze is final: an account already frozen (or the stand-in in
        its place, see :meth:`AccountBook.release`) is left as it is.
        """
        if account.status == FROZEN:
            # Released again, a stand-in (numbered -1) would take the list's
            # last place and hide that account's money from the balances.
            return
        account.status = FROZEN
        self.book.retire(account)
        account.frozen_by = by
        lots, cid, fen = account.lots, account.sole_case, account.sole_fen
        account.empty()
        if lots is not None:
            self._freeze_lots(lots, by, account, count_account=True)
        elif cid >= 0:
            self._freeze_lot(cid, fen, by, account, count_account=True)
        self.book.release(account)

    def _freeze_lots(
        self, lots: dict[int, int], by: int, account: Account, count_account: bool
    ) -> None:
        for cid, fen in lots.items():
            self._freeze_lot(cid, fen, by, account, count_account)

    def _freeze_lot(
        self, cid: int, fen: int, by: int, account: Account, count_account: bool
    ) -> None:
        """Give one case's money in ``account`` back to its victim as frozen (``by`` whom)."""
        case = self.cases[cid]
        if by == BY_POLICE:
            case.frozen_police_fen += fen
        else:
            case.frozen_bank_fen += fen
        case.last_freeze_min = self.clock.now
        if count_account:
            case.accounts_frozen += 1
        if cid == self.traced_id:
            self.trace.frozen(account, fen, by)

    # -- end of run -----------------------------------------------------------

    def held(self, acct: int) -> dict[int, int]:
        """Return the lots (case id -> fen) an account holds now (a dict to read, not change)."""
        return self.accounts[acct].holding()

    def held_fen(self, acct: int, case_id: int) -> int:
        """Return the fen of one case an account holds now."""
        return self.accounts[acct].fen_of(case_id)

    def balances(self) -> tuple[list[int], list[int]]:
        """Return per case the fen still in accounts, and the part held by a stop.

        Two lists indexed by case id (see :meth:`AccountBook.balances`).
        """
        return self.book.balances(len(self.cases))
