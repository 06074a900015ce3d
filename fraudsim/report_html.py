"""A single self-contained HTML report of a results folder, to open or send as one file.

The report holds the scenario summary, the policies, the headline table
(with 95% confidence intervals where the folder has replications), every
figure of ``fraudsim plot`` embedded as a base64 PNG, and the manifest. It
links to nothing outside itself (no scripts, fonts or style sheets), and it
carries no time stamp: the same results give the same bytes.

Matplotlib is used through :mod:`fraudsim.plotting` only.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from fraudsim.plotting import FigureSpec, ResultsFolder, figures, render
from fraudsim.plotting.folder import column
from fraudsim.plotting.labels import measure_label, summary_label
from fraudsim.plotting.series import curve_table, share_estimates

NONE = "\u2013"
"""Shown where a value is undefined."""

KIND_TITLES = {"run": "one run", "compare": "policy comparison", "sweep": "parameter sweep"}

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
       max-width: 1180px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.1em; } .sub { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.8em 0 1.5em; font-size: 0.95em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.8em; text-align: left;
         vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 1em 0 2.5em; } figure img { width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #444; font-size: 0.95em; margin-top: 0.4em; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 0.85em; }
.note { color: #555; font-size: 0.92em; } .wide { overflow-x: auto; }
"""


def esc(value: Any) -> str:
    """Return a value as escaped HTML text."""
    return html.escape(str(value), quote=True)


MINUS = "\u2212"
"""The one minus sign of every negative number in the report."""


def _signed(text: str) -> str:
    """Write a leading minus as a true minus sign, and none on a value that rounds to zero."""
    if not text.startswith("-"):
        return text
    if not any(c in "123456789" for c in text):
        return text[1:]  # "-0.0 min" is a rounded zero, not a loss
    return MINUS + text[1:]


def fmt(value: Any, unit: str) -> str:
    """Format a measure for a table: fen and yuan as yuan, shares as percentages.

    Money has no cents from ¥100 up, nor on whole yuan (``¥0``, not ``¥0.00``);
    every negative number has the same minus sign (U+2212).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NONE
    v = float(value)
    if unit in ("fen", "yuan"):
        y = v / 100 if unit == "fen" else v
        places = 0 if abs(y) >= 100 or round(y, 2) == round(y) else 2
        sign = MINUS if round(y, places) < 0 else ""  # no minus on a rounded zero
        return f"{sign}¥{abs(y):,.{places}f}"
    if unit.startswith("share"):
        return _signed(f"{v:.1%}")
    if unit == "minutes":
        return _signed(f"{v:,.1f} min")
    if v == int(v):
        return _signed(f"{v:,.0f}")
    # A mean over replications of a count (cases, contacts) is rarely whole.
    return _signed(f"{v:,.1f}" if abs(v) >= 100 else f"{v:,.3g}")


def with_ci(mean: Any, low: Any, high: Any, unit: str) -> str:
    """Format ``mean [low, high]`` (the interval only when defined)."""
    text = fmt(mean, unit)
    if low is None or high is None or any(math.isnan(float(x)) for x in (low, high)):
        return text
    return f"{text}<br><span class='note'>[{fmt(low, unit)}, {fmt(high, unit)}]</span>"


def table(head: Sequence[str], rows: Iterable[Sequence[str]], numeric_from: int = 1) -> str:
    """Return an HTML table; cells are HTML already; columns from ``numeric_from`` align right."""
    out = ["<div class='wide'><table>"]
    if any(head):
        out += ["<thead><tr>", *(f"<th>{esc(h)}</th>" for h in head), "</tr></thead>"]
    out.append("<tbody>")
    for row in rows:
        cells = [f"<td class='num'>{c}</td>" if i >= numeric_from else f"<td>{c}</td>"
                 for i, c in enumerate(row)]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _contacts(contacts: dict[str, Any]) -> str:
    """Describe the contact rate and the share intercepted (as a percentage)."""
    share = contacts.get("interception_share")
    intercepted = fmt(share, "share") if isinstance(share, int | float) else NONE
    return f"{contacts.get('rate_per_hour')} per hour on average, {intercepted} intercepted"


def scenario_section(folder: ResultsFolder) -> str:
    """Describe the scenario: what it represents, its size, seed and sources."""
    sc: dict[str, Any] = folder.manifest["scenario"]
    t = sc.get("time", {})
    facts = [
        ("name", sc.get("name")), ("description", sc.get("description")),
        ("seed", folder.manifest.get("seed", sc.get("seed"))),
        ("simulated period", f"{t.get('horizon_days')} days (+{t.get('drain_days')} days to "
                             f"drain), warm-up {t.get('warmup_days', 0)} days"),
        ("scam contacts", _contacts(sc.get("contacts", {}))),
        ("scam types", ", ".join(sc.get("scam_types", {}))),
        ("regions", ", ".join(sc.get("regions", {}))),
        ("banks", ", ".join(sc.get("banks", {}))),
        ("mule layers", len(sc.get("mule_network", {}).get("layers", []))),
        ("scripted cases", len(sc.get("scripted_cases", []))),
        ("sources (seed facts)", ", ".join(sc.get("cites", [])) or NONE),
    ]
    rows = [(esc(k), esc(v)) for k, v in facts]
    return "<h2>Scenario</h2>" + table(("", ""), rows, numeric_from=99)


def policies_section(folder: ResultsFolder) -> str:
    """List the policies compared and what each changes; for a run, its overrides."""
    if folder.kind == "run":
        overrides = folder.manifest.get("overrides") or []
        text = ", ".join(f"<code>{esc(o)}</code>" for o in overrides) or "none"
        return ("<h2>Policy</h2><p>One replication of the scenario as written; "
                f"overrides: {text}.</p>")
    declared: dict[str, Any] = folder.manifest["scenario"].get("policies", {})
    rows = []
    for policy in folder.policies:
        changes = declared.get(policy, {})
        what = "<br>".join(f"<code>{esc(k)} = {esc(json.dumps(v))}</code>"
                           for k, v in changes.items()) or "the scenario as written"
        role = "baseline" if policy == folder.baseline else ""
        rows.append((esc(policy), role, what))
    vary = "".join(f"<li><code>{esc(k)}</code>: {esc(', '.join(map(json.dumps, v)))}</li>"
                   for k, v in folder.vary.items())
    swept = f"<p>Swept at every policy:</p><ul>{vary}</ul>" if vary else ""
    return ("<h2>Policies</h2>" + table(("policy", "", "changes"), rows, numeric_from=99)
            + swept)


def _run_headline(folder: ResultsFolder) -> str:
    summary = folder.need("summary.csv")
    metrics = [str(m) for m in column(summary, "metric")]
    shown = set(shown_measures(metrics))
    # Money is shown in yuan whatever the column's unit, so rows are named in words.
    rows = [(_labelled(summary_label(m), m), fmt(v, str(u))) for m, v, u in zip(
        metrics, column(summary, "value"), column(summary, "unit"), strict=True)
        if m in shown]
    return ("<p class='note'>One replication: no confidence intervals. "
            "<code>fraudsim compare</code> gives them.</p>" + table(("measure", "value"), rows))


def shown_measures(names: Iterable[str]) -> list[str]:
    """Return measures to show, leaving out fen totals that have a yuan twin."""
    names = list(dict.fromkeys(names))
    return [m for m in names if not (m.endswith("_fen") and f"{m[:-4]}_yuan" in names)]


def _labelled(label: str, column_name: str) -> str:
    return f"{esc(label)}<br><code class='note'>{esc(column_name)}</code>"


def measure_name(measure: str) -> str:
    """Return a measure's label as escaped HTML, with its column name."""
    return _labelled(measure_label(measure), measure)


def _compare_headline(folder: ResultsFolder) -> str:
    pol = folder.need("policies.csv").to_pylist()
    measures = shown_measures(r["measure"] for r in pol)
    cell = {(r["policy"], r["measure"]): r for r in pol}
    rows = []
    for m in measures:
        row = [measure_name(m)]
        for p in folder.policies:
            r = cell.get((p, m))
            row.append(with_ci(r["mean"], r["ci_low"], r["ci_high"], r["unit"]) if r else NONE)
        rows.append(row)
    diff = folder.need("differences.csv").to_pylist()
    keep = set(shown_measures(d["measure"] for d in diff))
    drows = [(esc(d["policy"]), measure_name(d["measure"]),
              with_ci(d["mean_diff"], d["ci_low"], d["ci_high"], d["unit"]),
              esc(d["verdict"])) for d in diff if d["measure"] in keep]
    n = folder.manifest.get("replications_used", "?")
    return (f"<p class='note'>Mean over {esc(n)} replications per policy, with 95% confidence "
            "intervals; replications share their random numbers across policies.</p>"
            + table(("measure", *folder.policies), rows)
            + f"<h3>Paired differences against the baseline ({esc(folder.baseline)})</h3>"
            + table(("policy", "measure", "policy minus baseline [95% CI]", "verdict"), drows,
                    numeric_from=2))


def _sweep_headline(folder: ResultsFolder) -> str:
    curve = curve_table(folder)
    shares = share_estimates(folder)
    keys = list(folder.vary)
    rows = []
    for r in curve.to_pylist():
        share = shares.get((int(r["point"]), str(r["policy"])))
        rows.append([*(esc(r[k]) for k in keys), esc(r["policy"]), esc(r["n"]),
                     with_ci(*share[:3], "share") if share else NONE,
                     with_ci(r["saved_yuan_mean"], r["saved_yuan_ci_low"],
                             r["saved_yuan_ci_high"], "yuan"),
                     with_ci(r["lost_yuan_mean"], r["lost_yuan_ci_low"],
                             r["lost_yuan_ci_high"], "yuan")])
    head = (*keys, "policy", "n", "share saved", "saved per replication", "lost per replication")
    return ("<p class='note'>Mean over replications at each grid point, with 95% confidence "
            "intervals.</p>" + table(head, rows, numeric_from=len(keys) + 1))


def headline_section(folder: ResultsFolder) -> str:
    """Return the headline table of the folder's kind."""
    body = {"run": _run_headline, "compare": _compare_headline,
            "sweep": _sweep_headline}[folder.kind](folder)
    return "<h2>Headline results</h2>" + body


def figure_html(spec: FigureSpec) -> str:
    """Return one figure as an embedded PNG with its heading and caption."""
    data = base64.b64encode(render(spec.build(), "png")).decode("ascii")
    return (f"<h3 id='{esc(spec.name)}'>{esc(spec.title)}</h3><figure>"
            f"<img src='data:image/png;base64,{data}' alt='{esc(spec.title)}' "
            f"width='2000' height='1125'><figcaption>{esc(spec.caption)}</figcaption></figure>")


def build_report(folder: ResultsFolder, case: int | None = None) -> str:
    """Return the whole report as one HTML document."""
    specs = figures(folder, case)
    name = folder.scenario_name
    version = folder.manifest.get("versions", {}).get("fraudsim", "?")
    manifest = json.dumps(folder.manifest, indent=2, sort_keys=True, ensure_ascii=False)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>fraudsim report: {esc(name)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{esc(name)}</h1><p class='sub'>fraudsim report · {KIND_TITLES[folder.kind]} · "
        f"results of fraudsim {esc(version)} · folder <code>{esc(folder.path.name)}</code></p>",
        scenario_section(folder), policies_section(folder), headline_section(folder),
        "<h2>Figures</h2>", *(figure_html(s) for s in specs),
        "<h2>Manifest</h2><details><summary>manifest.json (everything needed to reproduce "
        f"these results)</summary><pre>{esc(manifest)}</pre></details>",
        "</body></html>\n",
    ]
    return "\n".join(parts)


def write_report(folder: ResultsFolder, out: Path, case: int | None = None) -> Path:
    """Write the report to ``out`` (UTF-8) and return the path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build_report(folder, case), encoding="utf-8")
    return out
