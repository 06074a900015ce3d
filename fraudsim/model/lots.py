"""Lots and trails: how a case's money is divided and where it went.

A mule account holds money as *lots*, case id -> fen. When a balance moves
on, :func:`split_lots` divides every lot exactly (integer division,
remainders to the first parts), so no fen is ever created or lost and a
freeze of a pooled account gives each victim back exactly her share;
:func:`parts_of` turns a fan-out draw into the number of parts.

The police trace a reported case's money hop by hop. Each case keeps its
*trail*, one flat list of account ids written as its money is swept, and
its stop requests, a list of the accounts already asked to stop; the
functions here search them. Both are ``librt.vecs.vec[i64]`` (see
:func:`trail_children`).
"""

from __future__ import annotations

from typing import Any, Final

from librt.vecs import append, vec
from mypy_extensions import i64

from fraudsim.model.accounts import Account

NO_IDS: Final = vec[i64]()
"""The empty id list: a case's trail and stop requests before they have any.

Shared by every case, which is safe because it has no room: appending to
it (``librt.vecs.append``, ``extend``) always makes a new buffer. A
non-empty list is never shared: like a Go slice, two vecs on one buffer
would write their next ids into the same free slots.
"""


def trail_entry(acct: int, children: list[Account]) -> vec[i64]:
    """Return a sweep's trail entry: ``~acct, k, child_1 .. child_k``.

    The head is ``~acct``, negative, which tells an entry's start from the
    ids in it (see :func:`trail_children`).
    """
    # Sized once: grown from empty, the entry was reallocated as it grew.
    entry = append(vec[i64](capacity=2 + len(children)), ~acct)
    entry = append(entry, len(children))
    for child in children:
        entry = append(entry, child.id)
    return entry


def trail_children(trail: vec[i64], acct: int) -> vec[i64]:
    """Return the accounts a case's money went to from ``acct``: each once, in the order first sent.

    A case's trail is one flat list of entries ``~acct, k, child_1 .. child_k``,
    one per sweep that carried its money. The head is stored as ``~acct``
    (negative, while ids and counts are not), so a search for it
    (:func:`trail_has`) finds entry heads only. Here the entries are walked
    head to head: a trail holds a dozen entries or so. An account swept
    twice into the same child names it once: the police ask a bank to stop
    an account once.

    Trails and the children are ``librt.vecs.vec[i64]``: one block of
    machine ints, which a compiled build walks with plain loads. As lists,
    every id was an int object somewhere on the heap, and reading one was
    a cache miss in a national run.
    """
    children = NO_IDS
    head: i64 = ~acct
    i: i64 = 0
    n = len(trail)
    while i < n:
        k = trail[i + 1]
        if trail[i] == head:
            for j in range(i + 2, i + 2 + k):
                child = trail[j]
                if child not in children:
                    children = append(children, child)
        i += 2 + k
    return children


def trail_has(trail: vec[i64], acct: int) -> bool:
    """Return whether a case's money left ``acct`` (so its trail names where to)."""
    head: i64 = ~acct
    return head in trail


def equal_parts(fen: int, k: int) -> tuple[int, int]:
    """Return how ``fen`` splits into ``k`` equal parts in whole fen: ``(q, r)``.

    Part ``j`` (from 0) gets ``q + (j < r)``: each part ``q`` fen and the
    remainder ``r`` one fen each to the first parts, so the parts add up to
    ``fen`` exactly. The rule of every split of money between accounts.
    """
    # Floor division and its remainder, as divmod gives them: a compiled
    # build does these on machine ints (and returns the pair unboxed),
    # where divmod is a generic call.
    q = fen // k
    return q, fen - q * k


def split_lots(lots: dict[int, int], k: int) -> list[dict[int, int]]:
    """Split every lot into ``k`` equal parts in whole fen, remainders to the first parts.

    No fen is created or lost: the parts of a lot always add up to the lot.
    """
    # Case ids typed Any, so that a compiled build hands each part the
    # lot's own key object: typed int, it unboxes the key and boxes it again,
    # a new int object per part for any id past 256.
    parts: list[dict[Any, int]] = [{} for _ in range(k)]
    keyed: dict[Any, int] = lots
    for cid, fen in keyed.items():
        q, r = equal_parts(fen, k)
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
