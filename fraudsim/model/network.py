"""Mule accounts: money rests, is split onward, pooled, stopped, frozen or cashed out.

Money is held as lots, case id -> fen, divided exactly at each hop (see
:mod:`fraudsim.model.lots`); routing chooses the next bank
(:mod:`fraudsim.model.routing`).

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

from collections.abc import Callable
from typing import Any

from librt.vecs import append, extend

from fraudsim.model.accounts import (
    ACTIVE,
    BY_BANK,
    BY_POLICE,
    FROZEN,
    STOPPED,
    Account,
    AccountBook,
)
from fraudsim.model.cases import Case
from fraudsim.model.kernel import Clock
from fraudsim.model.lots import NO_IDS, parts_of, split_lots
from fraudsim.model.routing import Picker, bank_pickers
from fraudsim.rng import Streams, Uniforms
from fraudsim.scenario.schema import Scenario

__all__ = ["ACTIVE", "BY_BANK", "BY_POLICE", "FROZEN", "STOPPED", "Account", "Logger", "Network"]

Logger = Callable[[Case, str, int, int, str], None]
"""Records an event of a traced case: (case, event, account, fen, detail)."""


class Network:
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
        self.log = log
        self.traced_id = next((c.id for c in cases if c.traced), -1)
        net = scenario.mule_network
        self.layers = net.layers
        self.last_layer = len(net.layers) - 1
        self.per_bank = net.accounts_per_bank
        self.bank_names = list(scenario.banks)
        banks = [scenario.banks[b] for b in self.bank_names]
        self.region_names = list(scenario.regions)
        self.bank_region = [self.region_names.index(b.region) for b in banks]
        share = [b.market_share for b in banks]
        self.pick_in_region, self.pick_out_region, self.pick_other_bank = bank_pickers(
            share, self.bank_region, len(self.region_names)
        )
        self.local_share = net.first_layer_local_share
        # The withdrawal-delay rule as plain fields (credit() checks it at
        # every movement): it applies to the last layer, or to no layer (-1)
        # when the rule is off.
        rule = net.withdrawal_delay
        self._hold_layer = self.last_layer if rule.enabled else -1
        self._hold_from_fen = rule.threshold_fen
        self._hold_min = rule.delay_min
        # Hot-path constants, looked up once (the sums are the same floats
        # the scenario's fields would give at each use).
        self._n_banks = len(self.bank_names)
        self._cross_region = [layer.cross_region_share for layer in net.layers]
        self._cross_any = [
            layer.cross_region_share + layer.cross_bank_share for layer in net.layers
        ]
        self.channel_names = list(net.cash_out)
        self.channel_pick = Picker(
            list(range(len(self.channel_names))), [c.share for c in net.cash_out.values()]
        )
        self.freeze_prob = scenario.response.stop_payment.freeze_prob
        self.expiry_min = scenario.response.stop_payment.expiry_min
        self._samplers(scenario, streams)
        # Every account opened and the pools in use. The book's list, also
        # as a field here: stop requests look accounts up by number.
        self.book = AccountBook(len(self.layers), len(banks), self.per_bank)
        self.accounts = self.book.accounts
        self.cashed_by_channel = [0] * len(self.channel_names)
        self.movements = 0
        # Money tree of the traced case: (time, from account or -1 for the victim, to, fen).
        self.edges: list[tuple[float, int, int, int]] = []
        # Handlers bound once: a pending happening holds its handler, and a
        # compiled build would otherwise look each one up by name and make a
        # method object for it, freed when the happening runs, often days
        # later, beside neighbours no longer in the cache.
        self._sweep_handler: Callable[[Account], None] = self._on_sweep
        self._police_freeze_handler: Callable[[tuple[Account, int]], None] = (
            self._on_police_freeze
        )
        self._expiry_handler: Callable[[tuple[Account, int]], None] = self._on_expiry
        self._risk_freeze_handler: Callable[[Account], None] = self._on_risk_freeze

    def _samplers(self, scenario: Scenario, streams: Streams) -> None:
        self.u_route = Uniforms(streams.generator("network.routing"))
        self.u_risk = Uniforms(streams.generator("network.risk"))
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
        banks = scenario.banks
        self.stop_latency = [
            streams.sampler(f"bank.{b}.stop", banks[b].stop_latency_min) for b in banks
        ]
        self.freeze_latency = [
            streams.sampler(f"bank.{b}.freeze", banks[b].freeze_latency_min) for b in banks
        ]
        self.inquiry_latency = [
            streams.sampler(f"bank.{b}.inquiry", banks[b].inquiry_latency_min) for b in banks
        ]
        self.risk_detect = [
            streams.sampler(f"bank.{b}.risk_detect", banks[b].risk_detect_min) for b in banks
        ]
        self.risk_prob = [banks[b].risk_freeze_prob for b in banks]

    # -- accounts -------------------------------------------------------------

    @property
    def n_accounts(self) -> int:
        """Return the number of accounts opened so far."""
        return len(self.accounts)

    def _account(self, layer: int, bank: int) -> Account:
        """Pick (opening on first use) one of the bank's mule accounts in a layer."""
        slot = int(self.u_route.next() * self.per_bank)
        account = self.book.in_slot(layer, bank, slot)
        if account is None:
            account = self.book.open(layer, bank, slot)
            self._maybe_risk_freeze(account)
        return account

    def _maybe_risk_freeze(self, account: Account) -> None:
        """The bank's own controls may catch a new mule account after a delay."""
        bank = account.bank
        if self.u_risk.next() < self.risk_prob[bank]:
            self.clock.after(self.risk_detect[bank].next(), self._risk_freeze_handler, account)

    def first_layer_account(self, case: Case) -> Account:
        """Choose the first-level mule account a victim's payment goes to."""
        u = self.u_route.next()
        pick = self.pick_in_region if u < self.local_share else self.pick_out_region
        return self._account(0, pick[case.region].pick(self.u_route.next()))

    def _next_account(self, layer: int, bank: int) -> Account:
        u = self.u_route.next()
        if u < self._cross_region[layer]:
            bank = self.pick_out_region[self.bank_region[bank]].pick(self.u_route.next())
        elif u < self._cross_any[layer]:
            bank = self.pick_other_bank[bank].pick(self.u_route.next())
        return self._account(layer + 1, bank)

    def label(self, acct: int) -> str:
        """Return a readable account name: layer, bank and number."""
        account = self.accounts[acct]
        return f"L{account.layer + 1}:{self.bank_names[account.bank]}#{acct}"

    # -- money movement -------------------------------------------------------

    def credit(self, account: Account, lots: dict[int, int]) -> None:
        """Money arrives in an account: freeze it, hold it, or plan its onward sweep.

        The account may keep ``lots`` itself as its holding: the caller hands
        the dict over and must not change it afterwards.
        """
        self.movements += 1
        status = account.status
        if status == FROZEN:
            self._freeze_lots(lots, account.frozen_by, account, count_account=False)
            return
        held = account.lots
        if held is None:
            account.lots = lots  # the account takes over the caller's dict
        else:
            # Keys typed Any: the lot's own key object goes back in (see split_lots).
            keyed: dict[Any, int] = lots
            merged: dict[Any, int] = held
            for cid, fen in keyed.items():
                merged[cid] = merged.get(cid, 0) + fen
        if account.layer == self._hold_layer:
            total = 0
            for fen in lots.values():  # a loop, not sum(): no call through the builtins
                total += fen
            if total >= self._hold_from_fen:
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
        lots = account.lots
        if account.status != ACTIVE or not lots:
            return
        now = self.clock.now
        if now < account.hold_until:
            account.sweep_due = True
            self.clock.after(account.hold_until - now, self._sweep_handler, account)
            return
        account.lots = None
        if account.layer == self.last_layer:
            self._cash_out(account, lots)
        else:
            self._forward(account, lots)

    def _cash_out(self, account: Account, lots: dict[int, int]) -> None:
        ch = account.channel
        cases = self.cases
        total = 0
        for cid, fen in lots.items():
            cases[cid].cashed_out_fen += fen
            total += fen
            if cid == self.traced_id:
                self.log(cases[cid], "cash_out", account.id, fen, self.channel_names[ch])
        # Read, add, store: a compiled build does ``+=`` on a list's item
        # through the generic number protocol.
        self.cashed_by_channel[ch] = self.cashed_by_channel[ch] + total
        self.movements += 1

    def _forward(self, account: Account, lots: dict[int, int]) -> None:
        """Send the balance on: every lot split equally across the next layer's accounts."""
        layer = account.layer
        k = parts_of(self.fan_out[layer].next())
        bank = account.bank
        children = [self._next_account(layer, bank) for _ in range(k)]
        parts = [lots] if k == 1 else split_lots(lots, k)
        self._keep_trail(account, lots, children, parts)
        # An index loop, not zip(..., strict=True): a compiled build calls zip
        # with a keyword through the generic path, at each of millions of sweeps.
        for j in range(k):
            part = parts[j]
            if part:
                self.credit(children[j], part)

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
            # Only money that police will trace, and still can, needs its trail kept.
            if case.reports and not case.tracing_over:
                if len(entry) == 0:
                    # Made once per sweep. The head is ~id, negative (see
                    # lots.trail_children).
                    entry = append(entry, ~account.id)
                    entry = append(entry, len(children))
                    for child in children:
                        entry = append(entry, child.id)
                # Copied into the case's own buffer, never shared (see NO_IDS).
                case.trail = extend(case.trail, entry)
        tid = self.traced_id
        if tid >= 0 and tid in lots:  # most runs trace no case
            for child, part in zip(children, parts, strict=True):
                fen = part.get(tid, 0)
                self.log(cases[tid], "hop", child.id, fen, f"from {self.label(account.id)}")
                self.edges.append((self.clock.now, account.id, child.id, fen))

    # -- stops and freezes ----------------------------------------------------

    def stop(self, account: Account) -> None:
        """Execute a stop-payment: hold the balance, maybe convert it to a freeze later."""
        if account.status != ACTIVE:
            return
        account.status = STOPPED
        self.book.retire(account)
        gen = account.stop_gen + 1
        account.stop_gen = gen
        if self.u_freeze.next() < self.freeze_prob:
            latency = self.freeze_latency[account.bank].next()
            if latency < self.expiry_min:
                # A freeze is final, so the stop's lapse need not be scheduled.
                self.clock.after(latency, self._police_freeze_handler, (account, gen))
                return
        self.clock.after(self.expiry_min, self._expiry_handler, (account, gen))

    def _on_expiry(self, stop: tuple[Account, int]) -> None:
        account, gen = stop
        if account.status == STOPPED and account.stop_gen == gen:
            account.status = ACTIVE
            if account.lots and not account.sweep_due:
                self._plan_sweep(account)

    def _on_police_freeze(self, stop: tuple[Account, int]) -> None:
        account, gen = stop
        if account.status == STOPPED and account.stop_gen == gen:
            self.freeze(account, BY_POLICE)

    def _on_risk_freeze(self, account: Account) -> None:
        if account.status != FROZEN:
            self.freeze(account, BY_BANK)

    def freeze(self, account: Account, by: int) -> None:
        """Freeze an account: every lot in it goes back to its victim as frozen."""
        account.status = FROZEN
        self.book.retire(account)
        account.frozen_by = by
        lots, account.lots = account.lots, None
        if lots:
            self._freeze_lots(lots, by, account, count_account=True)
        self.book.release(account)

    def _freeze_lots(
        self, lots: dict[int, int], by: int, account: Account, count_account: bool
    ) -> None:
        now = self.clock.now
        cases = self.cases
        for cid, fen in lots.items():
            case = cases[cid]
            if by == BY_POLICE:
                case.frozen_police_fen += fen
            else:
                case.frozen_bank_fen += fen
            case.last_freeze_min = now
            if count_account:
                case.accounts_frozen += 1
            if cid == self.traced_id:
                who = "police" if by == BY_POLICE else "bank risk control"
                self.log(case, "freeze", account.id, fen, f"frozen by {who}")

    # -- end of run -----------------------------------------------------------

    def held(self, acct: int) -> dict[int, int]:
        """Return the lots (case id -> fen) an account holds now (a dict to read, not change)."""
        return self.accounts[acct].lots or {}

    def balances(self) -> tuple[list[int], list[int]]:
        """Return per case the fen still in accounts, and the part held by a stop.

        Two lists indexed by case id (zero for a case with nothing left in
        any account): the case table reads them for all its cases at once,
        where looking each case up in a dict cost about 0.4 µs a case.
        """
        n = len(self.cases)
        in_accounts = [0] * n
        held = [0] * n
        for account in self.accounts:
            lots = account.lots
            if not lots:
                continue
            stopped = account.status == STOPPED
            for cid, fen in lots.items():
                # Read, add, store (see _cash_out).
                in_accounts[cid] = in_accounts[cid] + fen
                if stopped:
                    held[cid] = held[cid] + fen
        return in_accounts, held
