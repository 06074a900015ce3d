"""A mule account's state: where it sits, whether it can move money, what it holds.

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
