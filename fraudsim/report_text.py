"""Plain-text views for the terminal: the summary table, a case timeline, a money tree."""

from __future__ import annotations

import math
from collections import defaultdict

from fraudsim.api import SimulationResult

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def clock_time(minute: float) -> str:
    """Format a simulated minute as ``Wed d3 10:20:30`` (day counted from 1)."""
    if math.isnan(minute):
        return "-"
    day, total_s = divmod(round(minute * 60), 86400)
    h, rest_s = divmod(total_s, 3600)
    m, s = divmod(rest_s, 60)
    return f"{DAYS[day % 7]} d{day + 1} {h:02d}:{m:02d}:{s:02d}"


def yuan(fen: float) -> str:
    """Format fen as yuan with thousands separators."""
    return f"¥{fen / 100:,.2f}"


_HEADLINE = [
    ("contacts", "scam contacts", "count"),
    ("intercepted", "intercepted", "count"),
    ("cases", "hooked victims (cases)", "count"),
    ("reported", "reported", "count"),
    ("dissuaded", "dissuaded by early warning", "count"),
    ("exposed_fen", "exposed (planned payments)", "money"),
    ("prevented_fen", "prevented (never paid)", "money"),
    ("frozen_fen", "frozen", "money"),
    ("cashed_out_fen", "cashed out (lost)", "money"),
    ("in_flight_fen", "in flight at the end", "money"),
    ("saved_share", "saved share (prevented + frozen)", "share"),
    ("frozen_share_of_paid", "frozen share of paid money", "share"),
    ("report_to_first_stop_median_min", "report -> first stop, median", "minutes"),
    ("report_to_first_stop_p90_min", "report -> first stop, 90th pct", "minutes"),
    ("analysts_wait_mean_min", "analyst queue wait, mean", "minutes"),
]


def summary_text(result: SimulationResult) -> str:
    """Return the headline figures as an aligned table."""
    values = {m.metric: m.value for m in result.summary}
    lines = [f"{result.scenario.name}  (seed {result.seed}, replication {result.replication})"]
    for key, label, kind in _HEADLINE:
        v = values.get(key, math.nan)
        if kind == "money":
            text = yuan(v)
        elif kind == "share":
            text = "-" if math.isnan(v) else f"{v:.1%}"
        elif kind == "minutes":
            text = "-" if math.isnan(v) else f"{v:.1f} min"
        else:
            text = f"{int(v):,}"
        lines.append(f"  {label:<36} {text:>22}")
    return "\n".join(lines)


def timeline_text(result: SimulationResult, case_id: int) -> str:
    """Return the traced case's timeline, one event per line."""
    row = result.cases.slice(case_id, 1).to_pylist()[0]
    lines = [
        f"case {case_id}: {row['scam_type']} scam, region {row['region']}, "
        f"exposed {yuan(row['exposed_fen'])}",
        f"{'time':<18} {'+min':>8}  {'event':<15} {'account':<24} {'amount':>18}  detail",
    ]
    t0 = row["contact_min"]
    for e in result.trace:
        amount = yuan(e.amount_fen) if e.amount_fen else ""
        lines.append(
            f"{clock_time(e.time_min):<18} {e.time_min - t0:>8.1f}  {e.event:<15} "
            f"{e.account:<24} {amount:>18}  {e.detail}"
        )
    lines.append(
        f"outcome: prevented {yuan(row['prevented_fen'])}, frozen {yuan(row['frozen_fen'])}, "
        f"cashed out {yuan(row['cashed_out_fen'])}, in flight {yuan(row['in_flight_fen'])}"
    )
    return "\n".join(lines)


def _account_note(result: SimulationResult, account: str, frozen: int, cashed: int) -> str:
    """Say what became of the traced case's money in an account, e.g. ``¥1.00 frozen``.

    Only this case's money is described: an account frozen later for other
    cases' money, after this case's had left it, is no part of its story.
    """
    parts = [f"{yuan(frozen)} frozen"] if frozen else []
    state = result.tree_status.get(account)
    if state is not None and state.held_fen:
        parts.append(f"account {state.status} at the end, still holds {yuan(state.held_fen)}")
    if cashed:
        parts.append(f"cashed out {yuan(cashed)}")
    return ", ".join(parts) or "passed on"


def tree_text(result: SimulationResult) -> str:
    """Return the traced case's money tree, indented by hop."""
    children: dict[str, list[tuple[float, str, int]]] = defaultdict(list)
    for t, src, dst, fen in result.tree:
        children[src].append((t, dst, fen))
    cashed: dict[str, int] = defaultdict(int)
    frozen: dict[str, int] = defaultdict(int)
    for e in result.trace:
        if e.event == "cash_out":
            cashed[e.account] += e.amount_fen
        elif e.event == "freeze":
            frozen[e.account] += e.amount_fen
    lines = ["money tree:", "victim"]
    shown: set[str] = {"victim"}

    def walk(node: str, depth: int) -> None:
        # Each account's onward transfers are listed once, under the first
        # transfer into it; money pooled there from a later transfer is not
        # listed again (it moved with the same onward transfers).
        for t, dst, fen in children.get(node, []):
            status = _account_note(result, dst, frozen.get(dst, 0), cashed.get(dst, 0))
            again = dst in shown
            note = "  (onward transfers listed above)" if again and children.get(dst) else ""
            lines.append(
                f"{'    ' * depth}└─ {dst}  {yuan(fen)} at {clock_time(t)}  [{status}]{note}"
            )
            if not again:
                shown.add(dst)
                walk(dst, depth + 1)

    walk("victim", 1)
    return "\n".join(lines)
