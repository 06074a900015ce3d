"""A mule network on its own clock, for the network tests (fraudsim/model/network.py).

``World`` builds a network over the Xiamen scenario's mule layers (or the
first few of them) with cases that only receive money, so that a test
credits an account, runs the clock and reads what moved, with every
happening logged as it happens. Shared by ``tests/test_network.py`` and
``tests/test_network_routing.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fraudsim.model.cases import Case
from fraudsim.model.kernel import Clock
from fraudsim.model.network import Account, Network
from fraudsim.rng import Streams
from fraudsim.scenario import Scenario
from fraudsim.scenario.loading import validate_scenario
from tests.conftest import xiamen

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
    """A case planning one installment of 1,000 fen at minute 0; ``reports``: does it report."""
    case = Case(case_id, 0, 0, 0.0, [1000], [0.0], 0.0)
    case.reports = reports
    return case


def network_scenario(overrides: Sequence[str] = (), layers: int = 3) -> Scenario:
    """The Xiamen scenario, with its network cut to the first ``layers`` layers."""
    raw = xiamen(overrides).model_dump(by_alias=True)
    raw["mule_network"]["layers"] = raw["mule_network"]["layers"][:layers]
    return validate_scenario(raw)


def pooled(overrides: Sequence[str] = (), layers: int = 3) -> Scenario:
    """The cut Xiamen network with one account per bank, so that every victim's money pools."""
    return network_scenario(["mule_network.accounts_per_bank=1", *overrides], layers)


def swept_to_l2(w: World) -> tuple[Account, Account]:
    """Credit case 0's 10 fen to a first-layer account; return it and the account it swept to."""
    l1 = w.l1()
    w.net.credit(l1, 0, 10)
    w.run(L1_DWELL + 0.01)
    (l2,) = [a for a in w.net.accounts if not a.is_empty()]
    return l1, l2
