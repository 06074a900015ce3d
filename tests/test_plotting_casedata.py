"""The money tree of a traced case (fraudsim/plotting/casedata.py): flows, order, layout, fates.

Traced cases are written here by hand (transfers, freezes, cash-outs and the
accounts' final states), so every number of the tree is known in advance:
who passed money to whom, in which order the accounts are drawn, where each
sits, what became of the money in it, and what was left out of a big tree.
Random split trees check the layout and pruning rules as properties.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsim.api import SimulationResult
from fraudsim.model.world import AccountState, TraceEvent
from fraudsim.plotting.casedata import (
    VICTIM,
    Edge,
    depth_first,
    largest_branches,
    layer_of,
    main_parents,
    money_tree,
)
from fraudsim.plotting.replay import TracedCase
from fraudsim.scenario import Scenario
from tests.conftest import xiamen

SCENARIO: Scenario = xiamen()
"""The scenario a traced case records (not read by the money tree)."""


def traced_case(tree: Sequence[tuple[float, str, str, int]], events: Sequence[TraceEvent] = (),
                status: dict[str, AccountState] | None = None, paid_fen: int = 0) -> TracedCase:
    """Return a traced case with the given money tree, trace and final account states."""
    result = SimulationResult(SCENARIO, 0, 0, pa.table({}), pa.table({}), [], list(events),
                              list(tree), dict(status or {}))
    return TracedCase(result, 0, "", {"paid_fen": paid_fen})


def event(time: float, kind: str, account: str, fen: int) -> TraceEvent:
    """Return a trace event of the case."""
    return TraceEvent(time, kind, account, fen, "")


A, B, C = "L1:b#0", "L2:b#1", "L2:b#2"

# -- labels and flows -------------------------------------------------------------------


@pytest.mark.parametrize(("account", "layer"), [
    ("victim", 0), ("L1:xiamen_bank#0", 1), ("L3:b#12", 3), ("L12:b#1", 12), ("X2:b#1", 0),
])
def test_layer_of_reads_the_label(account: str, layer: int) -> None:
    """The layer is the number after ``L``; the victim (or anything else) is layer 0."""
    assert layer_of(account) == layer


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 99), st.from_regex(r"[a-z_]{1,8}", fullmatch=True), st.integers(0, 999))
def test_layer_of_any_account_label(layer: int, bank: str, ident: int) -> None:
    """Property: ``L<layer>:<bank>#<id>`` always gives back its layer."""
    assert layer_of(f"L{layer}:{bank}#{ident}") == layer


def test_main_parent_is_the_largest_total_flow() -> None:
    """A pooled account hangs under whoever sent it the most in all, not in one transfer."""
    edges = [Edge(1, VICTIM, A, 900), Edge(1, VICTIM, B, 900),
             Edge(2, A, C, 30), Edge(3, A, C, 30), Edge(2.5, B, C, 50)]
    assert main_parents(edges) == {A: VICTIM, B: VICTIM, C: A}


def test_main_parent_on_a_tie_is_the_earliest_sender() -> None:
    """Equal flows: the account that sent first is the parent, whatever the names' order."""
    edges = [Edge(5, "L1:b#0", C, 40), Edge(4, "L1:b#9", C, 40)]
    assert main_parents(edges)[C] == "L1:b#9"
    edges = [Edge(4, "L1:b#0", C, 40), Edge(5, "L1:b#9", C, 40)]
    assert main_parents(edges)[C] == "L1:b#0"


def test_depth_first_follows_the_main_flow_by_time_of_first_transfer() -> None:
    """Children in the order the money reached them; a branch is finished before the next.

    The pooled account appears once, under its main parent; an account the
    victim's money never reached is not in the tree.
    """
    edges = [Edge(10, VICTIM, "L1:b#5", 500), Edge(5, VICTIM, "L1:b#6", 300),
             Edge(20, "L1:b#5", "L2:b#1", 200), Edge(15, "L1:b#5", "L2:b#2", 300),
             Edge(8, "L1:b#6", "L2:b#3", 300), Edge(25, "L2:b#3", "L2:b#1", 10),
             Edge(1, "L1:b#7", "L2:b#4", 99)]
    assert depth_first(edges) == ["L1:b#6", "L2:b#3", "L1:b#5", "L2:b#2", "L2:b#1"]


def test_depth_first_of_no_transfer_is_empty() -> None:
    """A case whose victim paid nothing has no accounts to draw."""
    assert depth_first([]) == []


# -- the money tree of a hand-written case ---------------------------------------------------


def _split_case() -> TracedCase:
    """¥10 paid to A, split to B (¥6, cashed out) and C (¥4: ¥1 frozen, ¥3 held by a stop)."""
    return traced_case(
        tree=[(10.0, VICTIM, A, 1000), (20.0, A, B, 600), (25.0, A, C, 400)],
        events=[event(30, "cash_out", B, 600), event(40, "freeze", C, 100),
                event(45, "stop_executed", C, 300)],
        status={A: AccountState("active", 0), B: AccountState("active", 0),
                C: AccountState("stopped", 300)},
        paid_fen=1000,
    )


def test_money_tree_records_what_became_of_the_money() -> None:
    """Each account's received, frozen, cashed-out and held money, and the fate that dominates."""
    tree = money_tree(_split_case())
    got = {n.account: (n.layer, n.state, n.received_fen, n.frozen_fen, n.cashed_fen, n.held_fen)
           for n in tree.nodes}
    assert got == {
        VICTIM: (0, "victim", 1000, 0, 0, 0),
        A: (1, "passed_on", 1000, 0, 0, 0),
        B: (2, "cashed_out", 600, 0, 600, 0),
        C: (2, "held", 400, 100, 0, 300),
    }
    assert [n.account for n in tree.nodes] == [VICTIM, A, B, C]
    assert tree.edges == [Edge(10.0, VICTIM, A, 1000), Edge(20.0, A, B, 600),
                          Edge(25.0, A, C, 400)]
    assert (tree.hidden_accounts, tree.hidden_fen) == (0, 0)


def test_money_tree_layout_centres_parents_over_their_leaves() -> None:
    """Leaves one apart from the top (0, 1); A and the victim midway between them."""
    tree = money_tree(_split_case())
    assert {n.account: n.y for n in tree.nodes} == {VICTIM: 0.5, A: 0.5, B: 0.0, C: 1.0}


def test_money_still_moving_and_frozen_fates() -> None:
    """Money left in an active account is ``moving``; mostly frozen money makes ``frozen``."""
    case = traced_case(
        tree=[(0.0, VICTIM, A, 700), (5.0, A, B, 300)],
        events=[event(9, "freeze", A, 350), event(12, "cash_out", B, 20)],
        status={A: AccountState("frozen", 0), B: AccountState("active", 280)},
        paid_fen=700)
    tree = money_tree(case)
    assert tree.node(A).state == "frozen" and tree.node(A).frozen_fen == 350
    assert tree.node(B).state == "moving"
    assert (tree.node(B).held_fen, tree.node(B).cashed_fen) == (280, 20)


def test_a_pooled_account_is_drawn_once_under_its_main_parent() -> None:
    """Both transfers into a pooled account are kept as edges; its position follows the main one."""
    case = traced_case(tree=[(0.0, VICTIM, "L1:b#0", 500), (1.0, VICTIM, "L1:b#1", 500),
                             (2.0, "L1:b#0", "L2:b#9", 100), (3.0, "L1:b#1", "L2:b#9", 400),
                             (4.0, "L1:b#1", "L2:b#8", 100)], paid_fen=1000)
    tree = money_tree(case)
    assert [n.account for n in tree.nodes] == [VICTIM, "L1:b#0", "L1:b#1", "L2:b#9", "L2:b#8"]
    assert tree.node("L2:b#9").received_fen == 500
    assert len(tree.edges) == 5
    # leaves from the top: L1:b#0 (no child of its own), L2:b#9, L2:b#8
    assert {n.account: n.y for n in tree.nodes} == {
        "L1:b#0": 0.0, "L2:b#9": 1.0, "L2:b#8": 2.0, "L1:b#1": 1.5, VICTIM: 0.75}


def _wide_case() -> TracedCase:
    """A (¥100) splits into B (¥90, three ¥30 leaves) and C (¥10, passing ¥5 on to G)."""
    tree = [(0.0, VICTIM, "L1:b#0", 10_000), (1.0, "L1:b#0", "L2:b#1", 9_000),
            (1.5, "L1:b#0", "L2:b#2", 1_000), (2.0, "L2:b#2", "L3:b#7", 500)]
    tree += [(3.0 + i, "L2:b#1", f"L3:b#{i}", 3_000) for i in (3, 4, 5)]
    return traced_case(tree, paid_fen=10_000)


def test_a_big_tree_keeps_its_largest_branches_and_counts_the_rest() -> None:
    """With at most 3 leaves, C's branch goes: two accounts, ¥10 sent into it (not ¥15)."""
    tree = money_tree(_wide_case(), max_leaves=3)
    assert [n.account for n in tree.nodes] == [VICTIM, "L1:b#0", "L2:b#1", "L3:b#3", "L3:b#4",
                                               "L3:b#5"]
    assert (tree.hidden_accounts, tree.hidden_fen) == (2, 1_000)
    assert all(e.dst not in ("L2:b#2", "L3:b#7") for e in tree.edges)
    assert {n.account: n.y for n in tree.nodes}["L2:b#1"] == 1.0


def test_a_pruned_tree_keeps_the_path_to_a_pooled_account() -> None:
    """A pool (¥180) receives more than each account feeding it (¥100 each): kept, it
    brings its main feeder (the earlier of two equal flows), not a drawing that floats."""
    tree = [(0.0, VICTIM, "L1:b#0", 100), (0.0, VICTIM, "L1:b#1", 100),
            (0.0, VICTIM, "L1:b#2", 150),
            (1.0, "L1:b#0", "L2:b#9", 90), (2.0, "L1:b#1", "L2:b#9", 90),
            (1.0, "L1:b#2", "L2:b#3", 60), (1.0, "L1:b#2", "L2:b#4", 60)]
    drawn = money_tree(traced_case(tree, paid_fen=350), max_leaves=1)
    assert [n.account for n in drawn.nodes] == [VICTIM, "L1:b#0", "L2:b#9"]
    assert [(e.src, e.dst) for e in drawn.edges] == [(VICTIM, "L1:b#0"), ("L1:b#0", "L2:b#9")]
    # Hidden: L1:b#1 and L1:b#2 with their ¥250 from the victim, L2:b#3 and L2:b#4.
    assert (drawn.hidden_accounts, drawn.hidden_fen) == (4, 250)
    assert drawn.node("L2:b#9").received_fen == 180
    with pytest.raises(KeyError, match="L2:b#3 is not drawn in this money tree"):
        drawn.node("L2:b#3")


def test_a_tree_within_the_limit_is_drawn_whole() -> None:
    """Four leaves or fewer (or no limit): nothing is hidden."""
    for limit in (None, 4, 16):
        tree = money_tree(_wide_case(), max_leaves=limit)
        assert len(tree.nodes) == 1 + 7 and tree.hidden_accounts == 0 and tree.hidden_fen == 0


# -- random split trees -----------------------------------------------------------------------


@dataclass(frozen=True)
class SplitTree:
    """A random money tree in which money only splits on its way down.

    ``parent[i]`` is -1 for the victim; account ``i`` receives ``fen[i]`` at
    minute ``i + 1`` (after its parent), never more than its parent received.
    """

    parent: list[int]
    fen: list[int]

    def name(self, i: int) -> str:
        return VICTIM if i < 0 else f"L{self.layer(i)}:b#{i}"

    def layer(self, i: int) -> int:
        return 0 if i < 0 else 1 + self.layer(self.parent[i])

    def edges(self) -> list[Edge]:
        return [Edge(i + 1.0, self.name(p), self.name(i), f)
                for i, (p, f) in enumerate(zip(self.parent, self.fen, strict=True))]

    def children(self, i: int) -> list[int]:
        return [j for j, p in enumerate(self.parent) if p == i]

    def depth_first(self, i: int = -1) -> list[int]:
        out: list[int] = []
        for j in self.children(i):
            out += [j, *self.depth_first(j)]
        return out


@st.composite
def split_trees(draw: st.DrawFn) -> SplitTree:
    parent: list[int] = []
    fen: list[int] = []
    for i in range(draw(st.integers(1, 14))):
        p = draw(st.integers(-1, i - 1))
        parent.append(p)
        fen.append(draw(st.integers(1, 1000 if p < 0 else fen[p])))
    return SplitTree(parent, fen)


def _leaves(tree: SplitTree, keep: set[int]) -> int:
    return sum(1 for i in keep if not any(j in keep for j in tree.children(i)))


@settings(max_examples=60, deadline=None)
@given(split_trees(), st.integers(1, 6))
def test_largest_branches_keep_a_connected_tree_of_the_largest_accounts(
    tree: SplitTree, max_leaves: int
) -> None:
    """Property: the kept accounts form whole paths from the victim, end in at most
    ``max_leaves`` leaves, all received more than any dropped one, and no lower
    threshold would have fitted.
    """
    edges = tree.edges()
    received = {e.dst: e.fen for e in edges}
    order = depth_first(edges)
    keep_names = largest_branches(order, edges, received, max_leaves)
    index = {tree.name(i): i for i in range(len(tree.parent))}
    keep = {index[a] for a in keep_names}
    dropped = set(range(len(tree.parent))) - keep
    assert all(tree.parent[i] < 0 or tree.parent[i] in keep for i in keep)
    assert _leaves(tree, keep) <= max_leaves
    if keep and dropped:
        assert min(tree.fen[i] for i in keep) > max(tree.fen[i] for i in dropped)
    if dropped:
        at_least = max(tree.fen[i] for i in dropped)
        bigger = {i for i in range(len(tree.parent)) if tree.fen[i] >= at_least}
        assert _leaves(tree, bigger) > max_leaves


@settings(max_examples=60, deadline=None)
@given(split_trees())
def test_money_tree_layout_of_any_split_tree(tree: SplitTree) -> None:
    """Property: accounts depth first; leaves at 0, 1, 2, ... in that order; parents centred."""
    case = traced_case([(e.time_min, e.src, e.dst, e.fen) for e in tree.edges()],
                       paid_fen=sum(f for p, f in zip(tree.parent, tree.fen, strict=True)
                                     if p < 0))
    drawn = money_tree(case, max_leaves=None)
    order = tree.depth_first()
    assert [n.account for n in drawn.nodes] == [VICTIM, *(tree.name(i) for i in order)]
    y = {n.account: n.y for n in drawn.nodes}
    leaves = [i for i in order if not tree.children(i)]
    assert [y[tree.name(i)] for i in leaves] == [float(k) for k in range(len(leaves))]
    for i in [-1, *order]:
        kids = tree.children(i)
        if kids:
            assert y[tree.name(i)] == pytest.approx(sum(y[tree.name(j)] for j in kids) / len(kids))
    assert [n.layer for n in drawn.nodes[1:]] == [tree.layer(i) for i in order]
    assert [n.received_fen for n in drawn.nodes[1:]] == [tree.fen[i] for i in order]


@settings(max_examples=60, deadline=None)
@given(split_trees(), st.integers(1, 4))
def test_pruned_money_tree_counts_the_hidden_money(tree: SplitTree, max_leaves: int) -> None:
    """Property: hidden accounts and the money sent into hidden branches add up.

    The money sent into a hidden branch is counted once, at its entry, not
    again for each account below it.
    """
    case = traced_case([(e.time_min, e.src, e.dst, e.fen) for e in tree.edges()])
    drawn = money_tree(case, max_leaves=max_leaves)
    shown = {tree.name(i) for i in range(len(tree.parent))} & {n.account for n in drawn.nodes}
    hidden = [i for i in range(len(tree.parent)) if tree.name(i) not in shown]
    assert drawn.hidden_accounts == len(hidden)
    entries = [i for i in hidden if tree.parent[i] < 0 or tree.name(tree.parent[i]) in shown]
    assert drawn.hidden_fen == sum(tree.fen[i] for i in entries)
    assert all(e.dst in shown and (e.src == VICTIM or e.src in shown) for e in drawn.edges)
