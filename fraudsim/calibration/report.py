"""Tables of calibration checks and fits, for people."""

from __future__ import annotations

import math
from collections.abc import Sequence

from fraudsim.calibration.check import CheckReport, Outcome
from fraudsim.scenario.targets import Target


def number(x: float) -> str:
    """Return a number readably: thousands separated, shares with three digits."""
    if math.isnan(x):
        return "n/a"
    if abs(x) >= 1000 or (abs(x) >= 10 and x == round(x)):
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


def observable_text(t: Target) -> str:
    """Return what a target measures, in a few words."""
    scale = f" x{t.scale:g}" if t.scale != 1 else ""
    if t.observable == "metric":
        return "+".join(t.metrics) + scale
    if t.observable == "mule_exit_share":
        return f"layer {t.layer + 1} exits ≤ {t.within_min:g} min"
    if t.observable == "exit_channel_share":
        return "cash-out via " + "+".join(t.channels)
    span = f"{t.end} - {t.start}"
    if t.scam_types:
        span += f" ({'+'.join(t.scam_types)})"
    if t.observable == "delay_share":
        return f"{span} ≤ {t.within_min:g} min"
    return span


def _rule(o: Outcome) -> str:
    sign = {"near": "±", "at_least": "≥ -", "at_most": "≤ +"}[o.goal.target.compare]
    return f"{sign}{number(o.allowed)}"


def _row(o: Outcome) -> tuple[str, ...]:
    unit = "share" if o.goal.target.observable == "delay_shares" else (o.goal.fact.unit or "")
    target = o.goal.fact.id + (f" {o.label}" if o.label else "")
    sim = o.simulated
    return (
        target,
        o.goal.target.policy,
        observable_text(o.goal.target),
        f"{number(o.published)} {unit}".strip(),
        f"{number(sim.mean)} ± {number(sim.half_width)}",
        _rule(o),
        "PASS" if o.passed else "FAIL",
    )


def table(rows: Sequence[tuple[str, ...]], header: tuple[str, ...]) -> list[str]:
    """Return aligned text lines of a table with a rule under the header."""
    cells = [header, *rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for k, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def check_text(report: CheckReport, title: str) -> str:
    """Return the check table: published value, simulated mean with 95% CI, verdict."""
    header = ("target (seed fact)", "policy", "observable", "published",
              "simulated (95% CI)", "allowed", "result")
    lines = [f"{title}: {report.replications} replications per policy, seed {report.seed}", ""]
    if not report.outcomes:
        return "\n".join([*lines, "the scenario declares no targets"])
    lines += table([_row(o) for o in report.outcomes], header)
    bad = sum(not o.passed for o in report.outcomes)
    n = len(report.outcomes)
    lines += ["", f"{n - bad} of {n} target values passed" + (f"; {bad} FAILED" if bad else "")]
    return "\n".join(lines)
