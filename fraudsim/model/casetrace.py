"""The traced case's path through the mule network: its timeline entries and money tree.

A run may trace one case (``fraudsim run --trace-case``): every hop,
cash-out and freeze of its money is logged with the account's readable
name, and each movement becomes an edge of its money tree. The network
compares each movement's case id with :attr:`CaseTrace.case_id` (an integer
test, on the hot path) and calls here only for that case's money, so the
formatting below costs nothing in an untraced run.
"""

from __future__ import annotations

from collections.abc import Callable

from fraudsim.model.accounts import BY_POLICE, Account
from fraudsim.model.cases import Case
from fraudsim.model.kernel import Clock

Logger = Callable[[float, Case, str, int, int, str], None]
"""Records an event of a traced case: (time, case, event, account, fen, detail)."""

Edge = tuple[float, int, int, int]
"""A movement of the traced case's money: (time, from account or -1 for the victim, to, fen)."""


class CaseTrace:
    """What the network tells of the traced case (none: ``case_id`` is -1).

    Args:
        cases: All cases, indexed by id; the traced one has ``traced`` set.
        clock: The simulation clock.
        log: Event logger for the traced case.
        accounts: The network's accounts, indexed by number (the book's list).
        bank_names: Bank names, indexed as accounts' ``bank``.
        channel_names: Cash-out channel names, indexed as accounts' ``channel``.
    """

    def __init__(
        self,
        cases: list[Case],
        clock: Clock,
        log: Logger,
        accounts: list[Account],
        bank_names: list[str],
        channel_names: list[str],
    ) -> None:
        self.case_id = next((c.id for c in cases if c.traced), -1)
        self.cases = cases
        self.clock = clock
        self.log = log
        self.accounts = accounts
        self.bank_names = bank_names
        self.channel_names = channel_names
        self.edges: list[Edge] = []

    def label(self, acct: int) -> str:
        """Return a readable account name: layer, bank and number."""
        account = self.accounts[acct]
        return f"L{account.layer + 1}:{self.bank_names[account.bank]}#{acct}"

    def paid(self, acct: int, fen: int) -> None:
        """The victim paid ``fen`` into first-layer account ``acct`` (logged by the payer)."""
        self.edges.append((self.clock.now, -1, acct, fen))

    def hop(self, account: Account, child: Account, fen: int) -> None:
        """Money went on to ``child`` (``fen`` may be 0: a part the case had no fen in)."""
        now = self.clock.now
        case = self.cases[self.case_id]
        self.log(now, case, "hop", child.id, fen, f"from {self.label(account.id)}")
        self.edges.append((now, account.id, child.id, fen))

    def hops(self, account: Account, children: list[Account], parts: list[dict[int, int]]) -> None:
        """Several cases' money went on: log the traced case's part to each child."""
        for child, part in zip(children, parts, strict=True):
            self.hop(account, child, part.get(self.case_id, 0))

    def cashed_out(self, account: Account, fen: int) -> None:
        """The last layer's sweep took ``fen`` out through the account's channel."""
        self.log(self.clock.now, self.cases[self.case_id], "cash_out", account.id, fen,
                 self.channel_names[account.channel])

    def frozen(self, account: Account, fen: int, by: int) -> None:
        """``fen`` of the case was frozen in ``account`` by the police or the bank."""
        who = "police" if by == BY_POLICE else "bank risk control"
        self.log(self.clock.now, self.cases[self.case_id], "freeze", account.id, fen,
                 f"frozen by {who}")
