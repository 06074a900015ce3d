"""The money tree of a traced case: accounts by layer, transfers, and what became of the money.

The trace of a replayed case (:mod:`fraudsim.plotting.replay`) lists every
event with its time, account and amount, and the edges of its money tree.
This module turns it into laid-out nodes and edges; it does not import
matplotlib. The timeline's lanes are in :mod:`fraudsim.plotting.lanes`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from fraudsim.plotting.replay import TracedCase

VICTIM = "victim"


# -- money tree ---------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """An account of the money tree and what became of the case's money in it.

    Attributes:
        account: Account label, ``L<layer>:<bank>#<id>`` (or ``victim``).
        layer: 0 for the victim, then the mule layer.
        y: Vertical position (leaves 0, 1, 2, ... from the top).
        state: ``frozen``, ``cashed_out``, ``held``, ``moving``, ``passed_on``
            (the largest amount decides) or ``victim``.
        received_fen: Money of this case that reached the account.
        frozen_fen: Frozen in it.
        cashed_fen: Cashed out from it.
        held_fen: Still in it at the end (under a stop-payment or not).
    """

    account: str
    layer: int
    y: float
    state: str
    received_fen: int
    frozen_fen: int
    cashed_fen: int
    held_fen: int


@dataclass(frozen=True)
class Edge:
    """A transfer of the case's money: when, from, to, how much."""

    time_min: float
    src: str
    dst: str
    fen: int


@dataclass(frozen=True)
class Tree:
    """The money tree laid out by layer, accounts in depth-first order.

    Attributes:
        nodes: The victim, then the accounts drawn, depth first.
        edges: The transfers between them.
        hidden_accounts: Accounts of smaller branches left out.
        hidden_fen: Money sent into those branches.
    """

    nodes: list[Node]
    edges: list[Edge]
    hidden_accounts: int = 0
    hidden_fen: int = 0

    def node(self, account: str) -> Node:
        """Return the node of an account.

        Raises:
            KeyError: If the account is not drawn in this tree.
        """
        for n in self.nodes:
            if n.account == account:
                return n
        raise KeyError(f"{account} is not drawn in this money tree")


def layer_of(account: str) -> int:
    """Return the layer of an account label (0 for the victim)."""
    m = re.match(r"L(\d+):", account)
    return int(m.group(1)) if m else 0


def _amounts(traced: TracedCase) -> dict[str, dict[str, int]]:
    """Return per account the fen frozen, cashed out and still held at the end."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e in traced.result.trace:
        if e.event == "freeze":
            out[e.account]["frozen"] += e.amount_fen
        elif e.event == "cash_out":
            out[e.account]["cashed_out"] += e.amount_fen
    for account, state in traced.result.tree_status.items():
        if state.held_fen:
            key = "held" if state.status == "stopped" else "moving"
            out[account][key] += state.held_fen
    return out


def _state(amounts: dict[str, int]) -> str:
    best = max(("frozen", "cashed_out", "held", "moving"), key=lambda k: amounts.get(k, 0))
    return best if amounts.get(best, 0) > 0 else "passed_on"


def main_parents(edges: list[Edge]) -> dict[str, str]:
    """Return for each account the account that sent it the most of the case's money.

    Pooled accounts receive from several parents; the tree is drawn along
    the largest flow (the earliest on ties).
    """
    flow: dict[tuple[str, str], tuple[int, float]] = {}
    for e in edges:
        fen, first = flow.get((e.src, e.dst), (0, e.time_min))
        flow[(e.src, e.dst)] = (fen + e.fen, min(first, e.time_min))
    best: dict[str, tuple[int, float, str]] = {}
    for (src, dst), (fen, first) in sorted(flow.items()):
        current = best.get(dst)
        if current is None or (fen, -first) > (current[0], -current[1]):
            best[dst] = (fen, first, src)
    return {dst: src for dst, (_, _, src) in best.items()}


def _children(edges: list[Edge]) -> dict[str, list[str]]:
    """Return each account's children along the main flow, by time of the first transfer."""
    parent = main_parents(edges)
    first: dict[str, float] = {}
    for e in edges:
        if parent.get(e.dst) == e.src:
            first[e.dst] = min(first.get(e.dst, e.time_min), e.time_min)
    kids: dict[str, list[str]] = defaultdict(list)
    for dst in sorted(parent, key=lambda d: (first[d], layer_of(d), d)):
        kids[parent[dst]].append(dst)
    return kids


def depth_first(edges: list[Edge]) -> list[str]:
    """Return the accounts reached from the victim, depth first along the main flow."""
    kids = _children(edges)
    order: list[str] = []

    def walk(node: str) -> None:
        for child in kids.get(node, []):
            if child not in order:
                order.append(child)
                walk(child)

    walk(VICTIM)
    return order


def _positions(edges: list[Edge]) -> dict[str, float]:
    """Tidy tree layout: leaves one apart, each parent centred over its children."""
    kids = _children(edges)
    y: dict[str, float] = {}
    leaf = 0

    def place(node: str) -> float:
        nonlocal leaf
        if not kids.get(node):
            y[node] = float(leaf)
            leaf += 1
        else:
            y[node] = float(np.mean([place(k) for k in kids[node]]))
        return y[node]

    place(VICTIM)
    return y


MAX_TREE_LEAVES = 16
"""Leaves of the money tree drawn at most; smaller branches are left out beyond that."""


def _leaves(keep: set[str], edges: list[Edge]) -> int:
    parents = {e.src for e in edges if e.dst in keep and e.src in keep}
    return sum(1 for a in keep if a not in parents)


def largest_branches(order: list[str], edges: list[Edge], received: dict[str, int],
                     max_leaves: int | None) -> set[str]:
    """Return the accounts to draw: all, or those receiving the most, with at most ``max_leaves``.

    Money mostly splits on its way down, so the accounts above an amount
    mostly form whole paths from the victim. A pooled account can receive
    more than each account that fed it, so each kept account brings the
    accounts of its main flow from the victim (see :func:`main_parents`):
    the tree stays connected, with no more leaves.
    """
    keep = set(order)
    if max_leaves is None or _leaves(keep, edges) <= max_leaves:
        return keep
    parent = main_parents(edges)
    for threshold in sorted(set(received.values())):
        keep = _with_paths({a for a in order if received[a] > threshold}, parent)
        if _leaves(keep, edges) <= max_leaves:
            break
    return keep


def _with_paths(keep: set[str], parent: dict[str, str]) -> set[str]:
    """Return ``keep`` with every account on the main flow from the victim to each of them."""
    out = set(keep)
    for account in keep:
        up = parent.get(account, VICTIM)
        while up != VICTIM and up not in out:
            out.add(up)
            up = parent.get(up, VICTIM)
    return out


def money_tree(traced: TracedCase, max_leaves: int | None = MAX_TREE_LEAVES) -> Tree:
    """Return the traced case's money tree with each account's fate.

    Args:
        traced: The replayed case.
        max_leaves: Keep only the largest branches so that at most this many
            accounts end a branch (None: keep every account).
    """
    edges = [Edge(t, s, d, f) for t, s, d, f in traced.result.tree]
    order = depth_first(edges)
    received: dict[str, int] = defaultdict(int)
    for e in edges:
        received[e.dst] += e.fen
    keep = largest_branches(order, edges, received, max_leaves)
    shown = [e for e in edges if e.dst in keep and (e.src == VICTIM or e.src in keep)]
    kept_order = [a for a in order if a in keep]
    y = _positions(shown)
    amounts = _amounts(traced)
    nodes = [Node(VICTIM, 0, y.get(VICTIM, 0.0), "victim", int(traced.row["paid_fen"]), 0, 0, 0)]
    for account in kept_order:
        a = amounts.get(account, {})
        nodes.append(Node(account, layer_of(account), y[account], _state(a), received[account],
                          a.get("frozen", 0), a.get("cashed_out", 0),
                          a.get("held", 0) + a.get("moving", 0)))
    hidden_fen = sum(e.fen for e in edges
                     if e.dst not in keep and (e.src == VICTIM or e.src in keep))
    return Tree(nodes, shown, len(order) - len(kept_order), hidden_fen)
