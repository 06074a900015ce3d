"""Mule accounts: money rests, is split onward, pooled, stopped, frozen or cashed out.

Money is held as lots, case id -> fen, divided exactly at each hop (see
:mod:`fraudsim.model.lots`); routing chooses the next bank
(:mod:`fraudsim.model.routing`).

Accounts live in parallel columns indexed by account id (cheaper than an
object per account at tens of millions of movements: a national year
opens millions of them, since a stopped account is replaced by a fresh
one). An account forwards its whole balance one dwell time after the
first credit since its last sweep; in the last layer the "forward" is a
cash-out through a channel, after which the money is gone.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from typing import Final

from fraudsim.model.cases import Case
from fraudsim.model.kernel import Clock
from fraudsim.model.lots import parts_of, split_lots
from fraudsim.model.routing import Picker, bank_pickers
from fraudsim.rng import Streams, Uniforms
from fraudsim.scenario.schema import Scenario

# Final: a compiled build (fraudsim/engine.py) inlines them instead of
# looking them up at each use.
ACTIVE: Final = 0
STOPPED: Final = 1
FROZEN: Final = 2
BY_POLICE: Final = 0
BY_BANK: Final = 1

ACCOUNT_BLOCK: Final = 4096
"""Accounts added to the per-account columns at a time (see :meth:`Network._grow_columns`)."""

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
        # Per-account state, parallel columns indexed by account id, grown
        # a block at a time: ids from n_accounts on are not opened yet. An
        # account's lots are None while it holds nothing.
        #
        # The columns read at every movement are lists of small ints (and
        # of one shared 0.0 until a hold is set), not bytearrays: a compiled
        # build indexes a list with the account id as it is, where indexing
        # a bytearray or an array first makes the id a Python int, and ids
        # past 256 are new objects, made and freed a dozen times a sweep.
        # A list costs 8 bytes an account, and a small int is shared, so
        # no object is made per account; the slot, read only when an
        # account is retired and often above 256, stays a C array.
        self.n_accounts = 0
        self.acct_bank: list[int] = []
        self.acct_layer: list[int] = []
        self.lots: list[dict[int, int] | None] = []
        self.status: list[int] = []
        self.sweep_due: list[bool] = []
        self.hold_until: list[float] = []
        self.stop_gen: list[int] = []
        self.frozen_by: list[int] = []
        self.channel: list[int] = []
        self.acct_slot = array("i")
        self._pools: list[list[int] | None] = [None] * (len(self.layers) * len(banks))
        self.cashed_by_channel = [0] * len(self.channel_names)
        self.movements = 0
        # Money tree of the traced case: (time, from account or -1 for the victim, to, fen).
        self.edges: list[tuple[float, int, int, int]] = []
        # Handlers bound once: a pending happening holds its handler, and a
        # compiled build would otherwise look each one up by name.
        self._sweep_handler: Callable[[int], None] = self._on_sweep
        self._police_freeze_handler: Callable[[tuple[int, int]], None] = self._on_police_freeze
        self._expiry_handler: Callable[[tuple[int, int]], None] = self._on_expiry

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

    def _account(self, layer: int, bank: int) -> int:
        """Pick (creating on first use) one of the bank's mule accounts in a layer."""
        key = layer * self._n_banks + bank
        pool = self._pools[key]
        if pool is None:
            # A list, not an array: the list holds one int object per account,
            # which victims' payment lists and pending events then share,
            # where an array would make a new one each time an id is read.
            pool = self._pools[key] = [-1] * self.per_bank
        slot = int(self.u_route.next() * self.per_bank)
        acct = pool[slot]
        if acct < 0:
            acct = pool[slot] = self._open(layer, bank, slot)
            self._maybe_risk_freeze(acct, bank)
        return acct

    def _open(self, layer: int, bank: int, slot: int) -> int:
        """Open a new account in a pool's slot; return its id."""
        acct = self.n_accounts
        if acct == len(self.acct_bank):
            self._grow_columns()
        self.n_accounts = acct + 1
        self.acct_bank[acct] = bank
        self.acct_layer[acct] = layer
        self.acct_slot[acct] = slot
        return acct

    def _grow_columns(self) -> None:
        """Add a block of accounts to every per-account column.

        Their state starts at zero, which is what a new account's is:
        ACTIVE, no sweep due, no hold, no stop, BY_POLICE, channel 0. A
        block at a time because opening an account one append per column
        at a time (an ``array`` append goes through the generic argument
        parser, some 500 instructions each) was two fifths of the cost of
        picking accounts.
        """
        n = ACCOUNT_BLOCK
        self.acct_slot.frombytes(bytes(n * self.acct_slot.itemsize))
        zeros = [0] * n
        for col in (
            self.acct_bank,
            self.acct_layer,
            self.status,
            self.stop_gen,
            self.frozen_by,
            self.channel,
        ):
            col.extend(zeros)
        self.sweep_due.extend([False] * n)
        self.hold_until.extend([0.0] * n)
        self.lots.extend([None] * n)

    def _maybe_risk_freeze(self, acct: int, bank: int) -> None:
        """The bank's own controls may catch a new mule account after a delay."""
        if self.u_risk.next() < self.risk_prob[bank]:
            self.clock.after(self.risk_detect[bank].next(), self._on_risk_freeze, acct)

    def _burn(self, acct: int) -> None:
        """Retire a stopped or frozen account: fraudsters route new money elsewhere.

        Its slot in the pool gets a fresh account on next use. Money already
        sent to the burned account still arrives there (and is held).
        """
        pool = self._pools[self.acct_layer[acct] * self._n_banks + self.acct_bank[acct]]
        slot = self.acct_slot[acct]
        if pool is not None and pool[slot] == acct:
            pool[slot] = -1

    def first_layer_account(self, case: Case) -> int:
        """Choose the first-level mule account a victim's payment goes to."""
        u = self.u_route.next()
        pick = self.pick_in_region if u < self.local_share else self.pick_out_region
        return self._account(0, pick[case.region].pick(self.u_route.next()))

    def _next_account(self, layer: int, bank: int) -> int:
        u = self.u_route.next()
        if u < self._cross_region[layer]:
            bank = self.pick_out_region[self.bank_region[bank]].pick(self.u_route.next())
        elif u < self._cross_any[layer]:
            bank = self.pick_other_bank[bank].pick(self.u_route.next())
        return self._account(layer + 1, bank)

    def region_of(self, acct: int) -> int:
        """Return the region of an account's bank."""
        return self.bank_region[self.acct_bank[acct]]

    def label(self, acct: int) -> str:
        """Return a readable account name: layer, bank and id."""
        return f"L{self.acct_layer[acct] + 1}:{self.bank_names[self.acct_bank[acct]]}#{acct}"

    # -- money movement -------------------------------------------------------

    def credit(self, acct: int, lots: dict[int, int]) -> None:
        """Money arrives in an account: freeze it, hold it, or plan its onward sweep.

        The account may keep ``lots`` itself as its holding: the caller hands
        the dict over and must not change it afterwards.
        """
        self.movements += 1
        status = self.status[acct]
        if status == FROZEN:
            self._freeze_lots(lots, self.frozen_by[acct], acct, count_account=False)
            return
        held = self.lots[acct]
        if held is None:
            self.lots[acct] = lots  # the account takes over the caller's dict
        else:
            for cid, fen in lots.items():
                held[cid] = held.get(cid, 0) + fen
        if self.acct_layer[acct] == self._hold_layer:
            total = 0
            for fen in lots.values():  # a loop, not sum(): no call through the builtins
                total += fen
            if total >= self._hold_from_fen:
                self.hold_until[acct] = max(self.hold_until[acct], self.clock.now + self._hold_min)
        if status == ACTIVE and not self.sweep_due[acct]:
            self._plan_sweep(acct)

    def _plan_sweep(self, acct: int) -> None:
        layer = self.acct_layer[acct]
        delay = self.dwell[layer].next()
        if layer == self.last_layer:
            ch = self.channel_pick.pick(self.u_channel.next())
            self.channel[acct] = ch
            delay += self.channel_delay[ch].next()
        self.sweep_due[acct] = True
        self.clock.after(delay, self._sweep_handler, acct)

    def _on_sweep(self, acct: int) -> None:
        self.sweep_due[acct] = False
        lots = self.lots[acct]
        if self.status[acct] != ACTIVE or not lots:
            return
        now = self.clock.now
        if now < self.hold_until[acct]:
            self.sweep_due[acct] = True
            self.clock.after(self.hold_until[acct] - now, self._sweep_handler, acct)
            return
        self.lots[acct] = None
        if self.acct_layer[acct] == self.last_layer:
            self._cash_out(acct, lots)
        else:
            self._forward(acct, lots)

    def _cash_out(self, acct: int, lots: dict[int, int]) -> None:
        ch = self.channel[acct]
        cases = self.cases
        total = 0
        for cid, fen in lots.items():
            cases[cid].cashed_out_fen += fen
            total += fen
            if cid == self.traced_id:
                self.log(cases[cid], "cash_out", acct, fen, self.channel_names[ch])
        # Read, add, store: a compiled build does ``+=`` on a list's item
        # through the generic number protocol.
        self.cashed_by_channel[ch] = self.cashed_by_channel[ch] + total
        self.movements += 1

    def _forward(self, acct: int, lots: dict[int, int]) -> None:
        """Send the balance on: every lot split equally across the next layer's accounts."""
        layer = self.acct_layer[acct]
        k = parts_of(self.fan_out[layer].next())
        bank = self.acct_bank[acct]
        children = [self._next_account(layer, bank) for _ in range(k)]
        parts = [lots] if k == 1 else split_lots(lots, k)
        self._keep_trail(acct, lots, children, parts)
        # An index loop, not zip(..., strict=True): a compiled build calls zip
        # with a keyword through the generic path, at each of millions of sweeps.
        for j in range(k):
            part = parts[j]
            if part:
                self.credit(children[j], part)

    def _keep_trail(
        self, acct: int, lots: dict[int, int], children: list[int], parts: list[dict[int, int]]
    ) -> None:
        """Note where each case's money went, for the police's hop-by-hop tracing."""
        cases = self.cases
        entry: list[int] | None = None
        owned = False
        for cid in lots:
            case = cases[cid]
            # Only money that police will trace, and still can, needs its trail kept.
            if case.reports and not case.tracing_over:
                if entry is None:
                    # Made once per sweep, so that every case's trail shares
                    # its int objects: a trail costs 8 bytes an id, and a
                    # compiled build makes no new int for each case.
                    entry = [~acct, len(children), *children]  # ~acct: a head
                if case.trail is not None:
                    case.trail.extend(entry)
                elif owned:
                    case.trail = entry.copy()
                else:
                    case.trail, owned = entry, True  # the first new trail takes it
        tid = self.traced_id
        if tid >= 0 and tid in lots:  # most runs trace no case
            for child, part in zip(children, parts, strict=True):
                fen = part.get(tid, 0)
                self.log(cases[tid], "hop", child, fen, f"from {self.label(acct)}")
                self.edges.append((self.clock.now, acct, child, fen))

    # -- stops and freezes ----------------------------------------------------

    def stop(self, acct: int) -> None:
        """Execute a stop-payment: hold the balance, maybe convert it to a freeze later."""
        if self.status[acct] != ACTIVE:
            return
        self.status[acct] = STOPPED
        self._burn(acct)
        gen = self.stop_gen[acct] + 1  # not +=: see _cash_out
        self.stop_gen[acct] = gen
        if self.u_freeze.next() < self.freeze_prob:
            latency = self.freeze_latency[self.acct_bank[acct]].next()
            if latency < self.expiry_min:
                # A freeze is final, so the stop's lapse need not be scheduled.
                self.clock.after(latency, self._police_freeze_handler, (acct, gen))
                return
        self.clock.after(self.expiry_min, self._expiry_handler, (acct, gen))

    def _on_expiry(self, stop: tuple[int, int]) -> None:
        acct, gen = stop
        if self.status[acct] == STOPPED and self.stop_gen[acct] == gen:
            self.status[acct] = ACTIVE
            if self.lots[acct] and not self.sweep_due[acct]:
                self._plan_sweep(acct)

    def _on_police_freeze(self, stop: tuple[int, int]) -> None:
        acct, gen = stop
        if self.status[acct] == STOPPED and self.stop_gen[acct] == gen:
            self.freeze(acct, BY_POLICE)

    def _on_risk_freeze(self, acct: int) -> None:
        if self.status[acct] != FROZEN:
            self.freeze(acct, BY_BANK)

    def freeze(self, acct: int, by: int) -> None:
        """Freeze an account: every lot in it goes back to its victim as frozen."""
        self.status[acct] = FROZEN
        self._burn(acct)
        self.frozen_by[acct] = by
        lots, self.lots[acct] = self.lots[acct], None
        if lots:
            self._freeze_lots(lots, by, acct, count_account=True)

    def _freeze_lots(self, lots: dict[int, int], by: int, acct: int, count_account: bool) -> None:
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
                self.log(case, "freeze", acct, fen, f"frozen by {who}")

    # -- end of run -----------------------------------------------------------

    def held(self, acct: int) -> dict[int, int]:
        """Return the lots (case id -> fen) an account holds now (a dict to read, not change)."""
        return self.lots[acct] or {}

    def balances(self) -> tuple[dict[int, int], dict[int, int]]:
        """Return per case the fen still in accounts, and the part held by a stop."""
        in_accounts: dict[int, int] = {}
        held: dict[int, int] = {}
        for acct, lots in enumerate(self.lots):
            if not lots:
                continue
            stopped = self.status[acct] == STOPPED
            for cid, fen in lots.items():
                in_accounts[cid] = in_accounts.get(cid, 0) + fen
                if stopped:
                    held[cid] = held.get(cid, 0) + fen
        return in_accounts, held
