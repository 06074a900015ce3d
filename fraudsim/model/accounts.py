"""Mule accounts: one account's state, and the book of every account opened.

One object per account, with typed fields. A compiled build (see
fraudsim/engine.py) keeps the fields unboxed in the object itself, so a
sweep reads an account's layer, status and lots from one or two cache
lines with plain loads, where parallel per-account columns cost a list
lookup (and an unboxing) per field, each in a different part of memory.

An account's holding is its lots, case id -> fen. Most hold one case's
money at a time (in ten days of the national year, 92% of credits and 90%
of onward sweeps carried one case), so that lot lives in two fields of
the account, and a dictionary is made only once a second case's money
arrives: a dictionary is another object to make, fill, walk and free,
usually in memory the cache no longer holds.
"""

from __future__ import annotations

from typing import Any, Final

# Final: a compiled build inlines them instead of looking them up at each use.
ACTIVE: Final = 0
STOPPED: Final = 1
FROZEN: Final = 2
BY_POLICE: Final = 0
BY_BANK: Final = 1


class Account:
    """One mule account.

    Args:
        id: The account's number, in the order accounts were opened.
        bank: Index of its bank.
        layer: Its layer in the network (0 receives victims' payments).
        slot: Its place in its bank's pool of the layer.

    Attributes:
        status: ``ACTIVE``, ``STOPPED`` (held by a stop-payment) or ``FROZEN``.
        sweep_due: Whether a sweep of its balance is scheduled.
        hold_until: Time before which the withdrawal-delay rule holds its balance.
        frozen_by: ``BY_POLICE`` or ``BY_BANK``, once frozen.
        risk_in: Minutes from its first credit to its bank's own freeze, if
            the bank's risk controls will catch it and that credit has not
            come yet; -1.0 otherwise.
        channel: Cash-out channel of its next sweep (last layer only).
        sole_case: The one case whose money it holds, or -1 (nothing, or
            several cases' money: see ``lots``).
        sole_fen: That case's fen (0 when ``sole_case`` is -1).
        lots: What it holds when that is money of several cases, case id ->
            fen; None otherwise. Read the holding through
            :meth:`holding`, :meth:`fen_of` and :meth:`is_empty`.
    """

    # A national year opens millions of accounts: slots keep each small on
    # the Python engine too (no per-object dict).
    __slots__ = (
        "bank",
        "channel",
        "frozen_by",
        "hold_until",
        "id",
        "layer",
        "lots",
        "risk_in",
        "slot",
        "sole_case",
        "sole_fen",
        "status",
        "sweep_due",
    )

    def __init__(self, id: int, bank: int, layer: int, slot: int) -> None:
        self.id = id
        self.bank = bank
        self.layer = layer
        self.slot = slot
        self.status = ACTIVE
        self.sweep_due = False
        self.hold_until = 0.0
        self.frozen_by = BY_POLICE
        self.risk_in = -1.0
        self.channel = 0
        self.sole_case = -1
        self.sole_fen = 0
        self.lots: dict[int, int] | None = None

    def is_empty(self) -> bool:
        """Return whether it holds no money."""
        return self.lots is None and self.sole_case < 0

    def holding(self) -> dict[int, int]:
        """Return its lots, case id -> fen, as a dict to read, not change (empty if none)."""
        if self.lots is not None:
            return self.lots
        return {self.sole_case: self.sole_fen} if self.sole_case >= 0 else {}

    def fen_of(self, case_id: int) -> int:
        """Return the fen it holds of one case."""
        if self.lots is not None:
            return self.lots.get(case_id, 0)
        return self.sole_fen if self.sole_case == case_id else 0

    def add(self, case_id: int, fen: int) -> None:
        """Add one case's money to its holding (a dict is made once a second case arrives)."""
        lots = self.lots
        if lots is not None:
            lots[case_id] = lots.get(case_id, 0) + fen
        elif self.sole_case < 0:
            self.sole_case = case_id
            self.sole_fen = fen
        elif self.sole_case == case_id:
            self.sole_fen += fen
        else:
            self._pool_sole()[case_id] = fen

    def add_lots(self, lots: dict[int, int]) -> None:
        """Add several lots to its holding.

        It may keep ``lots`` itself: the caller must not change it afterwards.
        """
        if len(lots) == 1:  # a part of a split may carry one case's money
            for cid, fen in lots.items():
                self.add(cid, fen)
            return
        held = self.lots
        if held is None:
            if self.sole_case < 0:
                self.lots = lots  # takes over the caller's dict
                return
            held = self._pool_sole()
        # Keys typed Any: the lot's own key object goes in (see lots.split_lots).
        keyed: dict[Any, int] = lots
        merged: dict[Any, int] = held
        for cid, fen in keyed.items():
            merged[cid] = merged.get(cid, 0) + fen

    def _pool_sole(self) -> dict[int, int]:
        """Move its one case's money into a dict of lots, for another case's to join; return it."""
        lots = self.lots = {self.sole_case: self.sole_fen}
        self.sole_case = -1
        self.sole_fen = 0
        return lots

    def empty(self) -> None:
        """Forget its holding: the money has left (swept on, cashed out or frozen)."""
        self.lots = None
        self.sole_case = -1
        self.sole_fen = 0


class AccountBook:
    """Every mule account opened in a run, and the pools fraudsters route money through.

    Accounts are numbered in the order opened and kept in a list indexed by
    number. Per bank and layer, a pool of ``per_bank`` slots holds the
    accounts in use: a slot is empty until first used, and again once its
    account is retired (stopped or frozen), so that the next payment routed
    there opens a fresh account, as fraudsters switch to a clean one.

    Args:
        layers: Layers of the network.
        banks: Banks with mule accounts.
        per_bank: Accounts in use per bank and layer.

    Attributes:
        accounts: Every account opened, indexed by number; a frozen one's
            place holds a stand-in (see :meth:`release`).
    """

    def __init__(self, layers: int, banks: int, per_bank: int) -> None:
        self.accounts: list[Account] = []
        self.per_bank = per_bank
        self._n_banks = banks
        self._pools: list[list[Account | None] | None] = [None] * (layers * banks)
        # Per bank and layer, the stand-in the list keeps for a frozen account.
        self._frozen: list[Account | None] = [None] * (layers * banks)

    def _pool(self, layer: int, bank: int) -> list[Account | None]:
        """Return the bank's pool of a layer, made empty on first use."""
        key = layer * self._n_banks + bank
        pool = self._pools[key]
        if pool is None:
            pool = self._pools[key] = [None] * self.per_bank
        return pool

    def in_slot(self, layer: int, bank: int, slot: int) -> Account | None:
        """Return the account in use in a slot of the bank's pool of a layer (None if empty)."""
        return self._pool(layer, bank)[slot]

    def open(self, layer: int, bank: int, slot: int) -> Account:
        """Open a fresh account in a slot (an empty one: see :meth:`in_slot`) and number it."""
        account = Account(len(self.accounts), bank, layer, slot)
        self._pool(layer, bank)[slot] = account
        self.accounts.append(account)
        return account

    def retire(self, account: Account) -> None:
        """Empty a stopped or frozen account's slot: new money goes to a fresh account.

        Money already sent to the retired account still arrives there.
        """
        pool = self._pools[account.layer * self._n_banks + account.bank]
        if pool is not None and pool[account.slot] is account:
            pool[account.slot] = None

    def release(self, account: Account) -> None:
        """Put a stand-in, shared by the frozen accounts of its bank and layer, in its list place.

        A freeze is final and leaves the account empty for good (money sent
        later is frozen on arrival): what looks it up by number afterwards (a
        stop request found in a trail, the balances at the end) reads only
        its bank, layer, status and empty holding. Nine in ten of the
        millions of accounts a national year opens end frozen; the list kept
        them all (300 MiB, spread among the live ones) where now each is
        freed once no pending happening holds it.
        """
        key = account.layer * self._n_banks + account.bank
        stand_in = self._frozen[key]
        if stand_in is None:
            stand_in = self._frozen[key] = Account(-1, account.bank, account.layer, -1)
            stand_in.status = FROZEN
        self.accounts[account.id] = stand_in

    def close(self) -> None:
        """Forget every account, once the run is over and its balances are read.

        The pools and the stand-ins go too: what the book held is then freed
        by reference counting, not left to the cyclic collector's scan of
        the finished world (see ``Clock.drop_pending``).
        """
        self.accounts.clear()
        self._pools[:] = [None] * len(self._pools)
        self._frozen[:] = [None] * len(self._frozen)

    def balances(self, n_cases: int) -> tuple[list[int], list[int]]:
        """Return per case the fen still in accounts, and the part held by a stop.

        Two lists indexed by case id (zero for a case with nothing left in
        any account): the case table reads them for all its cases at once,
        where looking each case up in a dict cost about 0.4 µs a case.
        """
        in_accounts = [0] * n_cases
        held = [0] * n_cases
        for account in self.accounts:
            if account.is_empty():
                continue
            stopped = account.status == STOPPED
            for cid, fen in account.holding().items():
                # Read, add, store: a compiled build does ``+=`` on a list's
                # item through the generic number protocol.
                in_accounts[cid] = in_accounts[cid] + fen
                if stopped:
                    held[cid] = held[cid] + fen
        return in_accounts, held
