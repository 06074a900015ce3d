"""The money tree of one case: where the victim's money went, hop by hop, and what became of it."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from fraudsim.plotting.casedata import VICTIM, Node, Tree
from fraudsim.plotting.replay import TracedCase
from fraudsim.plotting.style import (
    STATE_COLOURS,
    STATE_LABELS,
    bottom_legend,
    new_figure,
    with_style,
    yuan_short,
)

DARK_STATES = {"victim", "frozen", "cashed_out"}
"""States whose colour needs white text."""

ALL_EDGE_LABELS = 12
"""Up to this many transfers every one is labelled; beyond, only the large ones."""


def node_text(node: Node, compact: bool = False) -> str:
    """Return a node's label: the account (bank and id), then what became of the money in it.

    Args:
        node: The account.
        compact: One line instead of two (for crowded trees).
    """
    if node.account == VICTIM:
        return f"victim\npaid {yuan_short(node.received_fen)}"
    bank, _, ident = node.account.partition(":")[2].partition("#")
    parts = [("frozen", node.frozen_fen), ("cashed out", node.cashed_fen),
             ("still in it", node.held_fen)]
    shown = [f"{name} {yuan_short(fen)}" for name, fen in parts if fen]
    passed = yuan_short(node.received_fen)
    fate = ", ".join(shown) if shown else (passed if compact else f"passed on {passed}")
    return f"{bank} #{ident}{' · ' if compact else chr(10)}{fate}"


def _draw_edges(ax: Axes, tree: Tree, t0: float, fontsize: float, crowded: bool) -> None:
    biggest = max((e.fen for e in tree.edges), default=1) or 1
    total = tree.nodes[0].received_fen or biggest
    labelled = 0.25 if crowded else 0.1
    for e in tree.edges:
        a, b = tree.node(e.src), tree.node(e.dst)
        ax.plot([a.layer, b.layer], [-a.y, -b.y], color="#888888", zorder=1,
                linewidth=1.0 + 7.0 * e.fen / biggest, solid_capstyle="round")
        if len(tree.edges) <= ALL_EDGE_LABELS or e.fen >= labelled * total:
            ax.annotate(f"{yuan_short(e.fen)}\n+{e.time_min - t0:,.0f} min",
                        ((a.layer + b.layer) / 2, -(a.y + b.y) / 2), ha="center", va="center",
                        fontsize=fontsize, zorder=3,
                        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none",
                              "alpha": 0.9})


def _draw_nodes(ax: Axes, tree: Tree, fontsize: float, compact: bool) -> set[str]:
    states = set()
    for n in tree.nodes:
        states.add(n.state)
        ax.annotate(node_text(n, compact), (n.layer, -n.y), ha="center", va="center", zorder=4,
                    gid=f"node:{n.account}",
                    fontsize=fontsize, color="white" if n.state in DARK_STATES else "black",
                    bbox={"boxstyle": "round,pad=0.4", "fc": STATE_COLOURS[n.state],
                          "ec": "#333333", "lw": 0.8})
    return states


def _title(traced: TracedCase) -> str:
    row = traced.row
    held = int(row["in_flight_fen"]) - int(row["unpaid_at_end_fen"])
    still = f" · still in accounts {yuan_short(held)}" if held else ""
    return (f"Money tree of case {traced.case_id}: {yuan_short(row['paid_fen'])} paid\n"
            f"frozen {yuan_short(row['frozen_fen'])} · cashed out "
            f"{yuan_short(row['cashed_out_fen'])}{still}")


@with_style
def money_tree_figure(traced: TracedCase, tree: Tree) -> Figure:
    """Draw the accounts by layer with the transfers between them.

    Columns are the victim and the mule layers; line width grows with the
    amount; each account is coloured by what became of most of the case's
    money in it (frozen, cashed out, still held or moving, or passed on).
    """
    fig = new_figure()
    ax = fig.subplots()
    leaves = max((n.y for n in tree.nodes), default=0.0) + 1
    crowded = leaves > 10
    size = 12.0 if leaves <= 8 else 10.0 if not crowded else 9.0
    _draw_edges(ax, tree, float(traced.row["contact_min"]), size - 1, crowded)
    states = _draw_nodes(ax, tree, size, compact=crowded)
    layers = max((n.layer for n in tree.nodes), default=0)
    depth = max((n.y for n in tree.nodes), default=0.0)
    ax.set_xlim(-0.6, layers + 0.6)
    ax.set_ylim(-depth - 0.7, 0.9)
    for layer in range(layers + 1):
        ax.text(layer, 0.75, "victim" if layer == 0 else f"mule layer {layer}", ha="center",
                fontsize=13, fontweight="bold", color="#444444")
    ax.axis("off")
    handles = [Patch(color=STATE_COLOURS[s], label=STATE_LABELS[s])
               for s in STATE_COLOURS if s in states and s != "victim"]
    fig.suptitle(_title(traced), fontsize=18)
    r = traced.result
    policy = f"policy {traced.policy} · " if traced.policy else ""
    hidden = (f" · {tree.hidden_accounts} account(s) of smaller branches "
              f"({yuan_short(tree.hidden_fen)}) not shown" if tree.hidden_accounts else "")
    bottom_legend(fig, handles, f"{r.scenario.name} · {policy}seed {r.seed}, replication "
                  f"{r.replication} · edge labels: amount and minutes after the scam contact "
                  f"· line width \u221d amount{hidden}",
                  title="what became of the money (colour: the largest part)")
    return fig
