"""Which figures a results folder gets, and writing them as files.

============================  ===  =======  =====
figure                        run  compare  sweep
============================  ===  =======  =====
outcome curve                              yes
golden-hour curve             yes  [1]      [2]
policy comparison                  yes
loss distribution             yes  yes
case timeline, money tree     yes  yes [3]
resources over time           yes
============================  ===  =======  =====

[1] when the case tables were kept (``--keep-cases``); [2] when a report
delay (``victims.report_lag_min``) is swept; [3] the baseline policy,
replication 0, re-simulated from the manifest. The loss distribution needs
at least :data:`~fraudsim.plotting.series.MIN_LOSS_VALUES` positive losses
or exposures (a replay of one case has no distribution), and the binned
golden-hour curve reported cases in at least two delay bins.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from fraudsim.plotting import casedata, lanes, replay, series
from fraudsim.plotting.compare import loss_distribution, policy_comparison
from fraudsim.plotting.curves import golden_hour_binned, golden_hour_sweep, outcome_curve
from fraudsim.plotting.folder import ResultsFolder
from fraudsim.plotting.labels import is_report_lag
from fraudsim.plotting.resources import resource_series, resources_figure
from fraudsim.plotting.style import policy_colours, render
from fraudsim.plotting.timeline import case_timeline
from fraudsim.plotting.tree import money_tree_figure

FORMATS = ("png", "svg")


@dataclass(frozen=True)
class FigureSpec:
    """A figure that applies to a folder, built on demand.

    Attributes:
        name: File name without extension (``outcome-curve``).
        title: Heading in the report.
        caption: What the figure shows, for the report.
        build: Draws the figure.
    """

    name: str
    title: str
    caption: str
    build: Callable[[], Figure]


def _sweep_figures(folder: ResultsFolder) -> list[FigureSpec]:
    keys = list(folder.vary)
    specs = [FigureSpec(
        "outcome-curve", "Outcome curve",
        f"Money saved against {keys[0]}, as a share of the exposed money and in yuan per "
        "replication: one line per policy, mean over replications with its 95% band.",
        lambda: outcome_curve(folder, keys[0]))]
    lag = next((k for k in keys if is_report_lag(k)), None)
    if lag is not None:
        specs.append(FigureSpec(
            "golden-hour", "Golden hour",
            f"Share of money saved against the swept report delay ({lag}).",
            lambda: golden_hour_sweep(folder, lag)))
    return specs


def _golden_binned(folder: ResultsFolder) -> list[FigureSpec]:
    if folder.kind == "run":
        tables = {folder.scenario_name: folder.need("cases.parquet")}
        source = f"{folder.scenario_name} · one run"
    else:
        kept = {p: folder.kept_cases(p) for p in folder.policies}
        if any(t is None for t in kept.values()):
            return []
        tables = {p: t for p, t in kept.items() if t is not None}
        source = f"{folder.scenario_name} · all kept replications"
    binned = {p: series.golden_hour(t, p) for p, t in tables.items()}
    if max(len(g.bins) for g in binned.values()) < 2:
        return []  # every reported case in one delay bin: no curve to show
    colours = policy_colours(folder.colour_order)
    return [FigureSpec(
        "golden-hour", "Golden hour",
        "Share of money saved among reported cases, by the time from realising to reporting; "
        "dotted: cases never reported.",
        lambda: golden_hour_binned(list(binned.values()), colours, source,
                                   series.warmup_note(folder)))]


def _case_figures(folder: ResultsFolder, case: int | None) -> list[FigureSpec]:
    plan = replay.plan_case(folder, case)
    if plan is None:
        return []

    @functools.cache
    def traced() -> tuple[replay.TracedCase, casedata.Tree]:
        t = replay.trace_case(folder, plan)
        return t, casedata.money_tree(t)

    n = plan.case_id
    return [
        FigureSpec(f"case-{n}-timeline", f"Case {n}: timeline",
                   "The case as a Gantt chart: the victim, the response chain and every mule "
                   "account holding its money (bars coloured by what became of the money).",
                   lambda: case_timeline(traced()[0], lanes.timeline(traced()[0]))),
        FigureSpec(f"case-{n}-money-tree", f"Case {n}: money tree",
                   "Where the money went, hop by hop, with the amount and time of each "
                   "transfer; accounts coloured by what became of the money in them.",
                   lambda: money_tree_figure(*traced())),
    ]


def _resources(folder: ResultsFolder) -> list[FigureSpec]:
    data = resource_series(folder.need("resources.parquet"))
    if not data:
        return []
    time = folder.manifest["scenario"].get("time", {})
    return [FigureSpec(
        "resources", "Resources over time",
        "Servers on duty (shift calendar) and busy, utilisation, and queue length of each "
        "resource of the response chain.",
        lambda: resources_figure(data, folder.scenario_name,
                                 float(time.get("resource_bin_min", 60.0)),
                                 float(time.get("warmup_days", 0.0))))]


def figures(folder: ResultsFolder, case: int | None = None) -> list[FigureSpec]:
    """Return every figure that applies to the folder, in the order of the report."""
    if folder.kind == "sweep":
        return _sweep_figures(folder)
    specs: list[FigureSpec] = []
    if folder.kind == "compare" and len(folder.policies) > 1:
        specs.append(FigureSpec(
            "policy-comparison", "Policy comparison",
            "Paired differences of each policy against the baseline, with 95% intervals, "
            "sorted by money saved.", lambda: policy_comparison(folder)))
    specs += _golden_binned(folder)
    losses = series.losses(folder)
    if losses is not None and series.worth_a_distribution(losses):
        specs.append(FigureSpec(
            "loss-distribution", "Loss distribution",
            f"Money lost per {losses.unit} and policy on log scales: the heavy tail.",
            lambda: loss_distribution(folder, losses)))
    specs += _case_figures(folder, case)
    if folder.kind == "run":
        specs += _resources(folder)
    return specs


def write_figures(folder: ResultsFolder, out: Path, formats: Sequence[str] = FORMATS,
                  case: int | None = None) -> list[Path]:
    """Draw every figure of the folder into ``out`` in each format; return the files.

    Every figure is rendered before any file is written, so a figure that
    cannot be drawn (say, a case that does not exist) leaves no partial set.
    """
    rendered: list[tuple[Path, dict[str, bytes]]] = []
    for spec in figures(folder, case):
        fig = spec.build()
        rendered.append((out / spec.name, {fmt: render(fig, fmt) for fmt in formats}))
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for stem, files in rendered:
        for fmt, data in files.items():
            path = stem.with_name(f"{stem.name}.{fmt}")
            path.write_bytes(data)
            written.append(path)
    return written
