"""Lots and trails: how a case's money is divided and where it went.

A mule account holds money as *lots*, case id -> fen. When a balance moves
on, :func:`split_lots` divides every lot exactly (integer division,
remainders to the first parts), so no fen is ever created or lost and a
freeze of a pooled account gives each victim back exactly her share.

The police trace a reported case's money hop by hop. Each case keeps its
*trail*, one flat list of account ids written as its money is swept, and
its stop requests, a list of the accounts already asked to stop; the
functions here search them.
"""

from __future__ import annotations


def holds_id(ids: list[int] | None, value: int) -> bool:
    """Return whether a list of account ids (a case's stop requests) holds ``value``."""
    return ids is not None and value in ids


def trail_children(trail: list[int] | None, acct: int) -> list[int]:
    """Return the accounts a case's money went to from ``acct``, in the order sent.

    A case's trail is one flat list of entries ``~acct, k, child_1 .. child_k``,
    one per sweep that carried its money: it costs a fraction of a dict of
    lists. The head is stored as ``~acct`` (negative, while ids and counts
    are not), so a search for it (``in``, :func:`trail_has`) finds entry
    heads only. Here the entries are walked head to head: a trail holds a
    dozen entries or so, and a compiled build compares its ids as machine
    ints, several times cheaper than the generic comparisons of
    ``count`` and ``index``.
    """
    children: list[int] = []
    if trail is None:
        return children
    head = ~acct
    i = 0
    n = len(trail)
    while i < n:
        k = trail[i + 1]
        if trail[i] == head:
            children.extend(trail[i + 2 : i + 2 + k])
        i += 2 + k
    return children


def trail_has(trail: list[int] | None, acct: int) -> bool:
    """Return whether a case's money left ``acct`` (so its trail names where to)."""
    return holds_id(trail, ~acct)


def split_lots(lots: dict[int, int], k: int) -> list[dict[int, int]]:
    """Split every lot into ``k`` equal parts in whole fen, remainders to the first parts.

    No fen is created or lost: the parts of a lot always add up to the lot.
    """
    parts: list[dict[int, int]] = [{} for _ in range(k)]
    for cid, fen in lots.items():
        # Floor division and its remainder, as divmod gives them: a compiled
        # build does these on machine ints, where divmod is a generic call.
        q = fen // k
        r = fen - q * k
        for j, part in enumerate(parts):
            share = q + (j < r)
            if share:
                part[cid] = share
    return parts
