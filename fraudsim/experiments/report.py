"""Plain-text reports of experiments, for the terminal.

Money is shown in yuan (the tables keep fen too), shares as percentages,
times in minutes. Every figure is a mean over replications with its 95%
confidence interval.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

import pyarrow as pa

from fraudsim.experiments.api import ComparisonResult, Outcome, SweepResult
from fraudsim.experiments.measures import HEADLINE, PRECISION_MEASURES, Measure

SHOWN = [m for m in HEADLINE if m.unit != "fen"]
"""Headline measures shown in text (money in yuan only)."""


def fmt(value: float, unit: str, sign: bool = False) -> str:
    """Format one value in its unit."""
    if value is None or math.isnan(value):
        return "n/a"
    plus = "+" if sign else ""
    if unit.startswith("share"):
        return f"{value:{plus}.1%}"
    if unit in ("yuan", "fen"):
        return f"{value:{plus},.0f}"
    return f"{value:{plus},.1f}"


def _interval(low: float, high: float, unit: str, sign: bool = False) -> str:
    return f"[{fmt(low, unit, sign)}, {fmt(high, unit, sign)}]"


def _rows(table: pa.Table, policy: str) -> dict[str, dict[str, Any]]:
    return {r["measure"]: r for r in table.to_pylist() if r["policy"] == policy}


def _label(m: Measure) -> str:
    unit = {"minutes": "min"}.get(m.unit, m.unit)
    return m.label if unit.startswith("share") else f"{m.label}, {unit}"


def _policies(n: int) -> str:
    return f"{n} {'policy' if n == 1 else 'policies'}"


def run_lines(outcome: Outcome, warmups: Collection[float], excluded: float,
              per: str) -> list[str]:
    """Return the lines saying how the replications ran: executor, resume, warm-up, precision.

    Args:
        outcome: How the replications ran.
        warmups: The warm-up (days) of every cell; they differ only in a
            sweep that varies the warm-up.
        excluded: Cases left out by the warm-ups, in all.
        per: What ``excluded`` adds up, e.g. "over the whole grid".
    """
    if not outcome.executor:
        lines = [f"nothing to run: all {outcome.reused} replications read back from {outcome.out}"]
    else:
        lines = [f"ran on {outcome.executor}"]
        if outcome.reused:
            lines[0] += f"; {outcome.reused} replications read back from {outcome.out}"
    if warmups and max(warmups) > 0:
        low, high = min(warmups), max(warmups)
        days = f"{low:g} days" if low == high else f"{low:g} to {high:g} days, by grid point"
        lines.append(f"warm-up {days}: {excluded:,.0f} cases left out of the "
                     f"statistics (their scam contact came before it), {per}")
    p = outcome.precision
    if p is not None:
        which = ("every headline measure" if p.measures == PRECISION_MEASURES
                 else ", ".join(p.measures))
        rule = (f"precision rule used: 95% half-width at most {p.target:.1%} of the mean, "
                f"for {which}")
        if p.met:
            lines.append(f"{rule}; met with {p.replications} replications")
        else:
            lines.append(f"{rule}; NOT met: stopped at the cap of {p.replications} replications "
                         f"(widest ±{p.widest:.1%}, {p.where})")
    return lines


def comparison_text(result: ComparisonResult, scenario_name: str) -> str:
    """Return the report of a comparison: means, differences, ranking."""
    out = result.outcome
    names = list(dict.fromkeys(result.policies.column("policy").to_pylist()))
    excluded = sum(r["mean"] * r["n"] for r in result.policies.to_pylist()
                   if r["measure"] == "cases_excluded_warmup" and r["n"])
    lines = [f"{scenario_name}: {_policies(len(names))} x {out.replications} replications, "
             "common random numbers (replication r of every policy sees the same scams)"]
    lines += run_lines(out, [result.warmup_days], excluded, "over all policies and replications")
    width = max(len(_label(m)) for m in SHOWN) + 2
    for name in names:
        rows = _rows(result.policies, name)
        tag = " (baseline)" if name == result.baseline else ""
        lines += ["", f"policy {name}{tag}: mean [95% CI]"]
        for m in SHOWN:
            r = rows[m.column]
            lines.append(f"  {_label(m):<{width}}{fmt(r['mean'], m.unit):>14}  "
                         f"{_interval(r['ci_low'], r['ci_high'], m.unit)}"
                         + _left_out(r["n"], out.replications, "replications"))
    lines += _difference_lines(result, width)
    rank = {r["policy"]: r["rank"] for r in result.policies.to_pylist()}
    lines += ["", "ranking by money saved (ties share a rank): " + ", ".join(
        f"{rank[p]}. {p}" for p in result.ranking)]
    return "\n".join(lines)


def _difference_lines(result: ComparisonResult, width: int) -> list[str]:
    if result.differences.num_rows == 0:
        return []
    lines = ["", f"differences against {result.baseline} (paired by replication): "
             "mean [95% CI] verdict"]
    for name in dict.fromkeys(result.differences.column("policy").to_pylist()):
        rows = _rows(result.differences, name)
        lines.append(f"  {name}:")
        for m in SHOWN:
            r = rows[m.column]
            lines.append(f"    {_label(m):<{width - 2}}{fmt(r['mean_diff'], m.unit, True):>14}  "
                         f"{_interval(r['ci_low'], r['ci_high'], m.unit, True)}  {r['verdict']}"
                         + _left_out(r["n"], result.outcome.replications, "pairs"))
    return lines


def _left_out(n: int, replications: int, what: str) -> str:
    """Say how many values a figure rests on, when some were undefined ("" when none was).

    A median of no reported cases is undefined; the replications (or pairs)
    where it is are left out, so the figure may rest on fewer than the rest
    and a difference need not equal the difference of the two means shown.
    """
    return f"  ({n} of {replications} {what})" if n < replications else ""


def sweep_text(result: SweepResult, scenario_name: str) -> str:
    """Return the report of a sweep: money saved and lost at each grid point."""
    out = result.outcome
    keys = list(result.points[0])
    excluded = sum(r["cases_excluded_warmup_mean"] * r["n"] for r in result.curve.to_pylist())
    lines = [f"{scenario_name}: sweep of {' x '.join(keys)} ({len(result.points)} points) x "
             f"{_policies(len(result.policies))} x {out.replications} replications, common "
             "random numbers across the grid"]
    lines += run_lines(out, result.warmup_days, excluded, "over the whole grid")
    short = [k.split(".")[-1] for k in keys]
    head = [*(short if len(set(short)) == len(short) else keys), "policy", "saved yuan [95% CI]",
            "lost yuan [95% CI]"]
    table = [head]
    for r in result.curve.to_pylist():
        table.append([*(str(r[k]) for k in keys), r["policy"],
                      f"{fmt(r['saved_yuan_mean'], 'yuan')} "
                      f"{_interval(r['saved_yuan_ci_low'], r['saved_yuan_ci_high'], 'yuan')}",
                      f"{fmt(r['lost_yuan_mean'], 'yuan')} "
                      f"{_interval(r['lost_yuan_ci_low'], r['lost_yuan_ci_high'], 'yuan')}"])
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    lines.append("")
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in table]
    return "\n".join(lines)
