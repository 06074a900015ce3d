"""Lots and trails: how a case's money is divided and where it went.

A mule account holds money as *lots*, case id -> fen. When a balance moves
on, :func:`split_lots` divides every lot exactly (integer division,
remainders to the first parts), so no fen is ever created or lost and a
freeze of a pooled account gives each victim back exactly her share;
:func:`parts_of` turns a fan-out draw into the number of parts.

The police trace a reported case's money hop by hop. Each case keeps its
*trail*, one flat list of account ids written as its money is swept, and
its stop requests, a list of the accounts already asked to stop; the
functions here search them.
"""

from __future__ import annotations


def holds_id(ids: list[int] | None, value: int) -> bool:
    """Return whether a list of account ids (a case's stop requests, its trail) holds ``value``.

    A loop rather than ``value in ids``: a compiled build compares the ids
    as machine ints, where ``in`` makes CPython's generic comparison of
    each element (the lists hold a few dozen ids).
    """
    if ids is None:
        return False
    for x in ids:  # noqa: SIM110 - any() over a generator would make a generator object
        if x == value:
            return True
    return False


def trail_children(trail: list[int] | None, acct: int) -> list[int]:
    """Return the accounts a case's money went to from ``acct``: each once, in the order first sent.

    A case's trail is one flat list of entries ``~acct, k, child_1 .. child_k``,
    one per sweep that carried its money: it costs a fraction of a dict of
    lists. The head is stored as ``~acct`` (negative, while ids and counts
    are not), so a search for it (``in``, :func:`trail_has`) finds entry
    heads only. Here the entries are walked head to head: a trail holds a
    dozen entries or so, and a compiled build compares its ids as machine
    ints, several times cheaper than the generic comparisons of
    ``count`` and ``index``. An account swept twice into the same child
    names it once: the police ask a bank to stop an account once.
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
            for j in range(i + 2, i + 2 + k):
                child = trail[j]
                if not holds_id(children, child):
                    children.append(child)
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


def parts_of(fan_out: float) -> int:
    """Return the number of accounts a balance is split across: ``max(1, round(fan_out))``.

    Rounds half to even, as Python's ``round`` does, and raises as it does
    for an infinite or NaN draw. Written out because a compiled build calls
    ``round`` through the builtins module: a generic call of some 900
    instructions at each sweep (callgrind).
    """
    k = int(fan_out)  # raises for NaN and infinities, as round does
    if fan_out < 1.5:
        return 1
    # int() truncates, which is the floor here, fan_out being positive.
    rest = fan_out - k  # exact: the fraction of a float is a float
    if rest > 0.5 or (rest == 0.5 and k % 2 == 1):
        k += 1
    return k
