"""Routing: which bank's mule account receives money next.

Fraudsters mostly keep a victim's money in her own region at the first
hop, then move it across banks and regions at each layer with the shares
the scenario gives. Each situation (this region, other regions, another
bank of the same region) is one weighted choice among banks, weighted by
their market share, made by one uniform draw. Within the chosen bank, the
money goes to one of the accounts the fraudsters use there (a pool of
slots; see :class:`~fraudsim.model.accounts.AccountBook`), a fresh one
when the slot is empty; the bank's own risk controls may catch a fresh
one some time after its first credit.
"""

from __future__ import annotations

from itertools import accumulate
from typing import Final

from librt.vecs import vec
from mypy_extensions import i64

from fraudsim.model.accounts import Account, AccountBook
from fraudsim.rng import Streams, Uniforms
from fraudsim.scenario.schema import Scenario

SCAN_ITEMS: Final = 16
"""Pickers of up to this many candidates scan their weights instead of bisecting."""


class Picker:
    """Weighted choice among candidates by one uniform draw.

    Attributes:
        items: The candidates.
        cdf: Their cumulative weights as shares of the total (empty if the
            total is 0), a vec of doubles: a compiled build compares them
            with plain loads, where a list's items are float objects.
    """

    def __init__(self, items: list[int], weights: list[float]) -> None:
        total = sum(weights)
        self.items = items
        self.cdf = vec[float]([w / total for w in accumulate(weights)] if total > 0 else [])
        self.scan = len(self.cdf) <= SCAN_ITEMS

    def pick(self, u: float) -> int:
        """Return the first candidate whose cumulative weight exceeds ``u``.

        That is ``bisect_right``'s answer. A picker chooses among a handful
        of banks, and a compiled build compares unboxed floats in a loop in
        a tenth of the time the call to ``bisect_right`` takes; a longer
        one bisects in a loop of its own (``bisect`` takes no vec).
        """
        items, cdf = self.items, self.cdf
        if self.scan:
            for i in range(len(cdf)):
                if u < cdf[i]:
                    return items[i]
            return items[-1]  # u can exceed the last cumulative weight by a rounding error
        lo, hi = 0, len(cdf)
        while lo < hi:
            mid = (lo + hi) // 2
            if u < cdf[mid]:
                hi = mid
            else:
                lo = mid + 1
        return items[lo] if lo < len(items) else items[-1]


def bank_pickers(
    share: list[float], bank_region: list[int], n_regions: int
) -> tuple[list[Picker], list[Picker], list[Picker]]:
    """Precompute the weighted bank choices of every routing situation.

    Banks without mule accounts (market share 0) are never chosen; where no
    candidate has accounts, the fallback banks are.

    Args:
        share: Each bank's market share, the weight of its choice.
        bank_region: Each bank's region.
        n_regions: The number of regions.

    Returns:
        Per region, a choice among its banks and one among the other
        regions' banks; per bank, a choice among the other banks of its
        region (the bank itself where it is its region's only one).
    """
    all_banks = list(range(len(share)))

    def picker(members: list[int], fallback: list[int] = all_banks) -> Picker:
        chosen = [b for b in members if share[b] > 0] or [b for b in fallback if share[b] > 0]
        return Picker(chosen, [share[b] for b in chosen])

    in_region = [picker([b for b in all_banks if bank_region[b] == r]) for r in range(n_regions)]
    out_region = [picker([b for b in all_banks if bank_region[b] != r]) for r in range(n_regions)]
    other_bank = [
        picker([x for x in all_banks if bank_region[x] == bank_region[b] and x != b], [b])
        for b in all_banks
    ]
    return in_region, out_region, other_bank


class Router:
    """Chooses the mule account that receives money next, opening one in an empty slot.

    Args:
        scenario: The validated scenario (its banks, regions and network layers).
        streams: The replication's random streams.
        book: The run's accounts and pools.

    Attributes:
        bank_region: Each bank's region, by bank index.

    Numbers read at each routing or stop (shares, probabilities, regions)
    are kept in vecs of machine numbers (see :class:`Picker`).
    """

    def __init__(
        self,
        scenario: Scenario,
        streams: Streams,
        book: AccountBook,
    ) -> None:
        net = scenario.mule_network
        banks = list(scenario.banks.values())
        regions = list(scenario.regions)
        bank_region = [regions.index(b.region) for b in banks]
        self.bank_region = vec[i64](bank_region)
        self.pick_in_region, self.pick_out_region, self.pick_other_bank = bank_pickers(
            [b.market_share for b in banks], bank_region, len(regions)
        )
        self.local_share = net.first_layer_local_share
        # The sums once: the same floats the scenario's fields would give at each use.
        self._cross_region = vec[float]([layer.cross_region_share for layer in net.layers])
        self._cross_any = vec[float](
            [layer.cross_region_share + layer.cross_bank_share for layer in net.layers]
        )
        self.per_bank = net.accounts_per_bank
        self.book = book
        self.u_route = Uniforms(streams.generator("network.routing"))
        self.u_risk = Uniforms(streams.generator("network.risk"))
        self.risk_prob = vec[float]([b.risk_freeze_prob for b in banks])
        self.risk_detect = [
            streams.sampler(f"bank.{name}.risk_detect", b.risk_detect_min)
            for name, b in scenario.banks.items()
        ]

    def first_layer_account(self, region: int) -> Account:
        """Choose the first-layer account a payment of a victim in ``region`` goes to."""
        u = self.u_route.next()
        pick = self.pick_in_region if u < self.local_share else self.pick_out_region
        return self._account(0, pick[region].pick(self.u_route.next()))

    def next_account(self, layer: int, bank: int) -> Account:
        """Choose the account of layer ``layer + 1`` that money in ``bank``'s account goes to."""
        u = self.u_route.next()
        if u < self._cross_region[layer]:
            bank = self.pick_out_region[self.bank_region[bank]].pick(self.u_route.next())
        elif u < self._cross_any[layer]:
            bank = self.pick_other_bank[bank].pick(self.u_route.next())
        return self._account(layer + 1, bank)

    def _account(self, layer: int, bank: int) -> Account:
        """Pick (opening on first use) one of the bank's mule accounts in a layer."""
        slot = int(self.u_route.next() * self.per_bank)
        account = self.book.in_slot(layer, bank, slot)
        if account is None:
            account = self.book.open(layer, bank, slot)
            self._maybe_caught(account)
        return account

    def _maybe_caught(self, account: Account) -> None:
        """Draw whether the bank's own controls will catch a new mule account, and when.

        Drawn as the account opens, so that the draws do not depend on when
        money arrives; the delay runs from its first credit (see
        ``Network.credit``), which under the delayed-credit rule may come
        hours after the payment that chose the account.
        """
        bank = account.bank
        if self.u_risk.next() < self.risk_prob[bank]:
            account.risk_in = self.risk_detect[bank].next()
