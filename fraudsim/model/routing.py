"""Routing: which bank's mule account receives money next.

Fraudsters mostly keep a victim's money in her own region at the first
hop, then move it across banks and regions at each layer with the shares
the scenario gives. Each situation (this region, other regions, another
bank of the same region) is one weighted choice among banks, weighted by
their market share, made by one uniform draw.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import Final

SCAN_ITEMS: Final = 16
"""Pickers of up to this many candidates scan their weights instead of bisecting."""


class Picker:
    """Weighted choice among candidates by one uniform draw."""

    def __init__(self, items: list[int], weights: list[float]) -> None:
        total = sum(weights)
        self.items = items
        self.cdf = [w / total for w in accumulate(weights)] if total > 0 else []
        self.scan = len(self.cdf) <= SCAN_ITEMS

    def pick(self, u: float) -> int:
        """Return the first candidate whose cumulative weight exceeds ``u``.

        That is ``bisect_right``'s answer. A picker chooses among a handful
        of banks, and a compiled build compares unboxed floats in a loop in
        a tenth of the time the call to ``bisect_right`` takes.
        """
        items, cdf = self.items, self.cdf
        if self.scan:
            for i in range(len(cdf)):
                if u < cdf[i]:
                    return items[i]
            return items[-1]  # u can exceed the last cumulative weight by a rounding error
        i = bisect_right(cdf, u)
        return items[i] if i < len(items) else items[-1]


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
