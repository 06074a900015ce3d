"""The money tree figure: node labels, transfers by width, which amounts are labelled, the notes.

:func:`money_tree_figure` draws a laid-out :class:`~fraudsim.plotting.casedata.Tree`
(accounts by mule layer, transfers between them) for a traced case. Trees
here are written by hand so every line width, label and colour is known;
a replayed case of the busy town checks that an account is only called
frozen when the case's money was frozen in it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text

import fraudsim
from fraudsim.plotting.casedata import VICTIM, Edge, Node, Tree, money_tree
from fraudsim.plotting.replay import TracedCase
from fraudsim.plotting.style import STATE_COLOURS
from fraudsim.plotting.tree import money_tree_figure, node_text
from tests.conftest import busy, xiamen

M = 100_000_000
"""A million yuan, in fen."""

T0 = 3480.0
"""Minute of the Xiamen case's scam contact (the traced row's ``contact_min``)."""


def node(account: str, y: float, state: str, received: int, frozen: int = 0, cashed: int = 0,
         held: int = 0) -> Node:
    """Return a node on the layer its label names (the victim on layer 0)."""
    layer = 0 if account == VICTIM else int(account[1])
    return Node(account, layer, y, state, received, frozen, cashed, held)


SMALL = Tree(
    nodes=[node(VICTIM, 0.5, "victim", 150 * M // 100),
           node("L1:bank_a#1", 0.5, "frozen", 150 * M // 100, frozen=90 * M // 100),
           node("L2:bank_a#2", 0.0, "cashed_out", 36 * M // 100, cashed=36 * M // 100),
           node("L2:bank_a#3", 1.0, "held", 24 * M // 100, held=24 * M // 100)],
    edges=[Edge(T0 + 12, VICTIM, "L1:bank_a#1", 150 * M // 100),
           Edge(T0 + 30, "L1:bank_a#1", "L2:bank_a#2", 36 * M // 100),
           Edge(T0 + 31.4, "L1:bank_a#1", "L2:bank_a#3", 24 * M // 100)],
    hidden_accounts=3,
    hidden_fen=120 * M // 100,
)
"""¥1.5 M paid to one account; ¥900 k frozen there, the rest split and partly cashed out."""


@pytest.fixture(scope="module")
def traced() -> TracedCase:
    """The Xiamen replay's case 0, traced."""
    result = fraudsim.simulate(xiamen(), trace_case=0)
    return TracedCase(result, 0, "", result.cases.slice(0, 1).to_pylist()[0])


def draw(traced: TracedCase, tree: Tree, policy: str = "", **row: Any) -> Figure:
    """Draw ``tree`` for the traced case with some row values and the policy replaced."""
    return money_tree_figure(TracedCase(traced.result, 0, policy, {**traced.row, **row}), tree)


@pytest.fixture(scope="module")
def figure(traced: TracedCase) -> Iterator[Figure]:
    """The small hand-written tree, with ¥5,000 still in accounts at the end."""
    fig = draw(traced, SMALL, in_flight_fen=600_000, unpaid_at_end_fen=100_000)
    yield fig
    fig.clear()


def boxes(fig: Figure) -> dict[str, Text]:
    """Return the account boxes by account."""
    return {str(t.get_gid())[5:]: t for ax in fig.axes for t in ax.texts
            if str(t.get_gid()).startswith("node:")}


def edge_labels(fig: Figure) -> list[str]:
    """Return the amount labels drawn on the transfers."""
    return [t.get_text() for ax in fig.axes for t in ax.texts
            if isinstance(t, Annotation) and t.get_gid() is None]


def notes(fig: Figure) -> list[str]:
    """Return the figure's texts other than its title (the footnote)."""
    return [t.get_text() for t in fig.texts if t.get_text() != fig.get_suptitle()]


# -- labels -----------------------------------------------------------------------------


def test_node_text_of_the_victim_and_of_an_account_that_passed_money_on() -> None:
    """The victim shows what was paid; an account with no fate of its own, what it passed on."""
    assert node_text(node(VICTIM, 0, "victim", 150 * M // 100)) == "victim\npaid ¥1.50 M"
    passing = node("L2:xiamen_bank#1", 0, "passed_on", 2_144_432)
    assert node_text(passing) == "xiamen_bank #1\npassed on ¥21 k"
    assert node_text(passing, compact=True) == "xiamen_bank #1 · ¥21 k"


def test_node_text_lists_every_fate_of_the_money_in_it() -> None:
    """Frozen, cashed out and still held are listed in that order, zeros left out."""
    mixed = node("L3:bank_b#42", 0, "frozen", 150 * M // 100, frozen=75 * M // 100,
                 cashed=50 * M // 100, held=25 * M // 100)
    fates = "frozen ¥750 k, cashed out ¥500 k, still in it ¥250 k"
    assert node_text(mixed) == f"bank_b #42\n{fates}"
    assert node_text(mixed, compact=True) == f"bank_b #42 · {fates}"
    assert node_text(node("L1:b#7", 0, "held", 5_000, held=5_000)) == "b #7\nstill in it ¥50"


# -- the small tree -----------------------------------------------------------------------


def test_transfers_are_lines_between_layers_wider_for_more_money(figure: Figure) -> None:
    """Each transfer joins its accounts' (layer, -y); width is 1 + 7 x its share of the largest."""
    (ax,) = figure.axes
    drawn = [(np.asarray(ln.get_xdata(), float).tolist(), np.asarray(ln.get_ydata(), float)
              .tolist(), ln.get_linewidth()) for ln in ax.get_lines()]
    assert drawn == [([0.0, 1.0], [-0.5, -0.5], 8.0),
                     ([1.0, 2.0], [-0.5, 0.0], pytest.approx(1 + 7 * 0.24)),
                     ([1.0, 2.0], [-0.5, -1.0], pytest.approx(1 + 7 * 0.16))]


def test_every_transfer_of_a_small_tree_is_labelled(figure: Figure) -> None:
    """Amount and minutes after the contact, at the middle of each line."""
    assert edge_labels(figure) == ["¥1.50 M\n+12 min", "¥360 k\n+30 min", "¥240 k\n+31 min"]
    (ax,) = figure.axes
    label = next(t for t in ax.texts if t.get_text() == "¥360 k\n+30 min")
    assert isinstance(label, Annotation) and label.xy == (1.5, -0.25)


def test_accounts_are_boxes_coloured_by_fate(figure: Figure) -> None:
    """Each box is at (layer, -y) in its state's colour, with white text on dark colours."""
    found = boxes(figure)
    assert list(found) == [VICTIM, "L1:bank_a#1", "L2:bank_a#2", "L2:bank_a#3"]
    for n in SMALL.nodes:
        box = found[n.account]
        assert isinstance(box, Annotation) and box.xy == (n.layer, -n.y)
        assert box.get_text() == node_text(n)
        patch = box.get_bbox_patch()
        assert patch is not None and patch.get_facecolor() == to_rgba(STATE_COLOURS[n.state])
        assert box.get_color() == ("black" if n.state == "held" else "white")


def test_layers_are_named_and_framed(figure: Figure) -> None:
    """Column heads name the victim and each mule layer; limits leave room around the boxes."""
    (ax,) = figure.axes
    heads = {t.get_text(): t.get_position() for t in ax.texts if not isinstance(t, Annotation)}
    assert heads == {"victim": (0, 0.75), "mule layer 1": (1, 0.75), "mule layer 2": (2, 0.75)}
    assert ax.get_xlim() == pytest.approx((-0.6, 2.6))
    assert ax.get_ylim() == pytest.approx((-1.7, 0.9))
    assert not ax.axison


def test_title_legend_and_note(figure: Figure) -> None:
    """Money still in accounts (in flight but paid) is named; the legend lists drawn fates only."""
    assert figure.get_suptitle() == ("Money tree of case 0: ¥1.50 M paid\n"
                                     "frozen ¥1.50 M · cashed out ¥0 · still in accounts ¥5,000")
    (legend,) = figure.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "frozen (returned)", "cashed out (lost)", "held by a stop-payment"]
    assert legend.get_title().get_text() == "what became of the money (colour: the largest part)"
    (note,) = notes(figure)
    assert note.startswith("xiamen-2023 · seed 20230927, replication 0 · edge labels:")
    assert note.endswith("· 3 account(s) of smaller branches (¥1.20 M) not shown")


# -- bigger trees -------------------------------------------------------------------------


def spread(children: list[int]) -> Tree:
    """Return victim → one L1 account → an L2 account per amount (yuan), each a leaf."""
    total = sum(children) * 100
    nodes = [node(VICTIM, 0, "victim", total), node("L1:b#0", 0, "passed_on", total)]
    edges = [Edge(T0 + 1, VICTIM, "L1:b#0", total)]
    for i, yuan in enumerate(children, start=1):
        nodes.append(node(f"L2:b#{i}", float(i - 1), "cashed_out", yuan * 100, cashed=yuan * 100))
        edges.append(Edge(T0 + 2, "L1:b#0", f"L2:b#{i}", yuan * 100))
    return Tree(nodes, edges)


def test_beyond_twelve_transfers_only_a_tenth_of_the_money_gets_a_label(
    traced: TracedCase,
) -> None:
    """Thirteen transfers, ten leaves: transfers under 10% of the paid money go unlabelled."""
    tree = spread([300, 150, 100, 100, 90, 80, 70, 50, 40, 20])
    tree = Tree(tree.nodes, [*tree.edges, *tree.edges[-2:]])  # pooled repeats: 13 transfers
    fig = draw(traced, tree)
    try:
        labels = edge_labels(fig)
        assert [s.split("\n")[0] for s in labels] == ["¥1,000", "¥300", "¥150", "¥100", "¥100"]
        assert "passed on" in boxes(fig)["L1:b#0"].get_text()  # roomy: two-line boxes
    finally:
        fig.clear()


def test_crowded_trees_label_only_the_largest_quarter_and_shorten_boxes(
    traced: TracedCase,
) -> None:
    """Over ten leaves: labels only for transfers of at least 25%, one-line boxes, small font."""
    tree = spread([400, 250, 100, *[25] * 10])
    fig = draw(traced, tree)
    try:
        assert [s.split("\n")[0] for s in edge_labels(fig)] == ["¥1,000", "¥400", "¥250"]
        texts = boxes(fig)
        assert texts["L1:b#0"].get_text() == "b #0 · ¥1,000"
        assert texts["L2:b#1"].get_text() == "b #1 · cashed out ¥400"
        assert texts["L2:b#1"].get_fontsize() == 9.0
        (ax,) = fig.axes
        assert ax.get_ylim() == pytest.approx((-12.7, 0.9))
    finally:
        fig.clear()


def test_a_tree_without_transfers_is_just_the_victim(traced: TracedCase) -> None:
    """A case that paid nothing draws the victim alone, with no fate in the legend."""
    fig = draw(traced, Tree([node(VICTIM, 0, "victim", 0)], []), "as_reported",
               paid_fen=0, frozen_fen=0)
    try:
        assert list(boxes(fig)) == [VICTIM] and edge_labels(fig) == []
        assert fig.get_suptitle().startswith("Money tree of case 0: ¥0 paid\nfrozen ¥0")
        (legend,) = fig.legends
        assert legend.get_texts() == []
        assert "policy as_reported · seed" in notes(fig)[0]
    finally:
        fig.clear()


# -- an account frozen after the case's money left it ----------------------------------


def test_an_account_frozen_later_is_not_drawn_as_frozen() -> None:
    """Busy town, case 0: its money was all cashed out, though its accounts froze later.

    The accounts end frozen (by other cases' stop-payments); the figure
    colours and labels them by what became of this case's money.
    """
    result = fraudsim.simulate(busy(), trace_case=0)
    row = result.cases.slice(0, 1).to_pylist()[0]
    assert row["frozen_fen"] == 0 and row["cashed_out_fen"] == row["paid_fen"] > 0
    assert {s.status for s in result.tree_status.values()} == {"frozen"}
    traced = TracedCase(result, 0, "", row)
    tree = money_tree(traced)
    fig = money_tree_figure(traced, tree)
    try:
        texts = boxes(fig)
        assert texts and not any("frozen" in t.get_text() for t in texts.values())
        assert {n.state for n in tree.nodes} == {"victim", "passed_on", "cashed_out"}
        (legend,) = fig.legends
        assert "frozen (returned)" not in [t.get_text() for t in legend.get_texts()]
    finally:
        fig.clear()
