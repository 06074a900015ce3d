"""Mule accounts: one account's state, and the book of every account opened.

One object per account, with typed fields. A compiled build (see
fraudsim/engine.py) keeps the fields unboxed in the object itself, so a
sweep reads an account's layer, status and lots from one or two cache
lines with plain loads, where parallel per-account columns cost a list
lookup (and an unboxing) per field, each in a different part of memory.
"""

from __future__ import annotations

from typing import Final

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
        stop_gen: Stop-payments executed on it so far (tells a lapsing stop
            from a later one).
        frozen_by: ``BY_POLICE`` or ``BY_BANK``, once frozen.
        channel: Cash-out channel of its next sweep (last layer only).
        lots: What it holds, case id -> fen; None while it holds nothing.
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
        "slot",
        "status",
        "stop_gen",
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
        self.stop_gen = 0
        self.frozen_by = BY_POLICE
        self.channel = 0
        self.lots: dict[int, int] | None = None


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
