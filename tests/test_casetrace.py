"""The traced case's path through the network: account names, log entries and money-tree edges."""

from __future__ import annotations

from fraudsim.model.accounts import BY_BANK, BY_POLICE, Account
from fraudsim.model.cases import Case
from fraudsim.model.casetrace import CaseTrace
from fraudsim.model.kernel import Clock
from tests.network_world import make_case

Entry = tuple[float, int, str, int, int, str]


class Traced:
    """A trace over three cases (the second traced) and three accounts, logging into a list."""

    def __init__(self, traced: int | None = 1) -> None:
        self.clock = Clock()
        self.cases = [make_case(i) for i in range(3)]
        if traced is not None:
            self.cases[traced].traced = True
        # Account 0 in layer 1 of bank "icbc", 1 and 2 in layer 2 of bank "abc".
        self.accounts = [Account(0, 0, 0, 0), Account(1, 1, 1, 0), Account(2, 1, 1, 1)]
        self.accounts[0].channel = 1
        self.entries: list[Entry] = []
        self.trace = CaseTrace(self.cases, self.clock, self._log, self.accounts, ["icbc", "abc"],
                               ["atm", "crypto"])

    def _log(self, at: float, case: Case, event: str, acct: int, fen: int, detail: str) -> None:
        self.entries.append((at, case.id, event, acct, fen, detail))

    def at(self, t: float) -> None:
        """Move the clock to minute ``t``."""
        self.clock.run_to(t)


def test_the_traced_case_is_the_one_marked_or_none() -> None:
    assert Traced(traced=1).trace.case_id == 1
    assert Traced(traced=None).trace.case_id == -1


def test_an_account_is_named_by_layer_bank_and_number() -> None:
    t = Traced()
    assert [t.trace.label(a) for a in range(3)] == ["L1:icbc#0", "L2:abc#1", "L2:abc#2"]


def test_a_payment_is_an_edge_from_the_victim_and_a_hop_also_a_log_entry() -> None:
    t = Traced()
    t.at(5.0)
    t.trace.paid(0, 700)
    t.at(27.5)
    t.trace.hop(t.accounts[0], t.accounts[2], 350)
    assert t.trace.edges == [(5.0, -1, 0, 700), (27.5, 0, 2, 350)]
    assert t.entries == [(27.5, 1, "hop", 2, 350, "from L1:icbc#0")]


def test_a_pooled_sweep_logs_the_traced_cases_part_to_each_child() -> None:
    """A part that holds none of its money is still a hop, of 0 fen (the tree drops it)."""
    t = Traced()
    t.trace.hops(t.accounts[0], t.accounts[1:], [{0: 10, 1: 4}, {0: 10}])
    assert [e[3:5] for e in t.entries] == [(1, 4), (2, 0)]
    assert [edge[1:] for edge in t.trace.edges] == [(0, 1, 4), (0, 2, 0)]


def test_cash_outs_and_freezes_say_through_what_and_by_whom() -> None:
    t = Traced()
    t.trace.cashed_out(t.accounts[0], 120)
    t.trace.frozen(t.accounts[1], 30, BY_POLICE)
    t.trace.frozen(t.accounts[2], 20, BY_BANK)
    assert [e[2:] for e in t.entries] == [
        ("cash_out", 0, 120, "crypto"),
        ("freeze", 1, 30, "frozen by police"),
        ("freeze", 2, 20, "frozen by bank risk control"),
    ]
    assert t.trace.edges == []  # money leaving or held is not a movement between accounts
