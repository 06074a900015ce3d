"""Which figures a results folder gets, and writing them (fraudsim/plotting/catalog.py).

Folders are written here by hand with just the tables the choice depends
on (case tables with chosen report delays and losses, a resource table with
or without work, a curve with chosen keys), so each rule of the catalogue's
table is checked on its own: a figure is offered exactly when its data can
show something. Writing is checked with stand-in figures: every file, in
order, and nothing at all when one figure cannot be drawn.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from matplotlib.figure import Figure

from fraudsim.plotting import catalog
from fraudsim.plotting.catalog import FORMATS, FigureSpec, figures, write_figures
from fraudsim.plotting.folder import ResultsFolder, ResultsFolderError, open_folder
from fraudsim.plotting.style import new_figure, render, with_style
from tests.conftest import xiamen

NAN = math.nan
XIAMEN_RAW: dict[str, Any] = xiamen().model_dump(mode="json", by_alias=True)
"""A valid recorded scenario (its policies include as_reported and manual_counter)."""

Case = tuple[int, float, int, float, int]
"""A case: exposed fen, report delay after realising (NaN: never reported), saved fen,
realised minute, cashed-out fen."""

SIX_CASES: list[Case] = [
    (1000, 2.0, 1000, 100.0, 0), (5000, 100.0, 0, 200.0, 5000), (3000, 3.0, 1000, 300.0, 2000),
    (9000, NAN, 0, 400.0, 9000), (2000, 20.0, 0, 500.0, 2000), (100, 1.0, 0, 600.0, 100),
]
"""Reported after < 5 min, 1-2 h and 15-30 min; case 3 the largest exposure, never reported."""


def cases_table(cases: Sequence[Case]) -> pa.Table:
    """Return a case table with the columns the catalogue and its series read."""
    return pa.table({
        "case_id": list(range(len(cases))),
        "replication": [0] * len(cases),
        "contact_min": [c[3] - 10 for c in cases],
        "exposed_fen": pa.array([c[0] for c in cases], pa.int64()),
        "realise_min": pa.array([c[3] for c in cases], pa.float64()),
        "report_min": pa.array([c[3] + c[1] for c in cases], pa.float64()),
        "reported": [not math.isnan(c[1]) for c in cases],
        "saved_fen": pa.array([c[2] for c in cases], pa.int64()),
        "cashed_out_fen": pa.array([c[4] for c in cases], pa.int64()),
    })


def resources_table(busy: float) -> pa.Table:
    """Return a resource table: analysts with ``busy`` servers and as many arrivals per bin."""
    return pa.table({
        "resource": ["analysts", "analysts"], "bin_start_min": [0.0, 60.0],
        "bin_end_min": [60.0, 120.0], "mean_busy": [busy, busy], "arrivals": [busy, busy],
        "mean_capacity": [2.0, 2.0], "utilisation": [busy / 2, busy / 2],
        "mean_queue": [0.0, 0.0], "max_queue": [0.0, 0.0],
    })


def write(path: Path, manifest: dict[str, Any], tables: dict[str, pa.Table]) -> ResultsFolder:
    """Write the manifest and the Parquet tables into ``path`` and open it."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for name, table in tables.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path / name)
    return open_folder(path)


def run_folder(path: Path, cases: Sequence[Case] = SIX_CASES, busy: float = 1.0,
               resources: bool = True) -> ResultsFolder:
    """A run of the town: its cases and (unless told not to) its resources."""
    tables = {"cases.parquet": cases_table(cases)}
    if resources:
        tables["resources.parquet"] = resources_table(busy)
    return write(path, {"scenario": {**XIAMEN_RAW, "name": "town"}, "seed": 1,
                        "replication": 0}, tables)


def compare_folder(path: Path, policies: Sequence[str], kept: Sequence[str] = (),
                   cases: Sequence[Case] = SIX_CASES) -> ResultsFolder:
    """A comparison of the town's policies; ``kept`` policies kept their case tables."""
    tables = {f"replications/{p}/rep-00000.cases.parquet": cases_table(cases) for p in kept}
    tables["replications.parquet"] = pa.table({
        "point": [0] * len(policies), "policy": list(policies),
        "replication": [0] * len(policies), "lost_fen": [0] * len(policies)})
    manifest = {"kind": "compare", "scenario": {**XIAMEN_RAW, "name": "town"},
                "policies": list(policies), "baseline": policies[0], "seed": 1}
    return write(path, manifest, tables)


def sweep_folder(path: Path, keys: Sequence[str]) -> ResultsFolder:
    """A sweep of ``keys`` (in that order, each over 1 and 2), one policy, share 0.5 throughout."""
    rows = [(a, b) for a in (1, 2) for b in (1, 2)] if len(keys) == 2 else [(1,), (2,)]
    columns: dict[str, Any] = {k: [r[i] for r in rows] for i, k in enumerate(keys)}
    columns.update({"point": list(range(len(rows))), "policy": ["base"] * len(rows),
                    "n": [2] * len(rows)})
    for measure in ("saved_share", "saved_yuan"):
        for stat in ("mean", "ci_low", "ci_high"):
            columns[f"{measure}_{stat}"] = [0.5] * len(rows)
    manifest = {"kind": "sweep", "scenario": {"name": "town"}, "policies": ["base"],
                "vary": {k: [1, 2] for k in sorted(keys)}}
    return write(path, manifest, {"curve.parquet": pa.table(columns)})


def names(folder: ResultsFolder, case: int | None = None) -> list[str]:
    return [s.name for s in figures(folder, case)]


def test_formats_are_png_and_svg() -> None:
    """Slides take PNG, reports SVG: both by default, in that order."""
    assert FORMATS == ("png", "svg")


# -- runs -----------------------------------------------------------------------------------------


def test_a_run_gets_every_figure_its_data_can_show(tmp_path: Path) -> None:
    """Golden hour, losses, the largest case's timeline and money tree, then the resources."""
    assert names(run_folder(tmp_path)) == ["golden-hour", "loss-distribution", "case-3-timeline",
                                           "case-3-money-tree", "resources"]


def test_specs_have_titles_and_captions_for_the_report(tmp_path: Path) -> None:
    """Each figure has a heading and a sentence saying what it shows."""
    specs = {s.name: s for s in figures(run_folder(tmp_path))}
    assert specs["case-3-timeline"].title == "Case 3: timeline"
    assert specs["case-3-money-tree"].title == "Case 3: money tree"
    assert specs["loss-distribution"].caption.startswith("Money lost per case and policy")
    assert specs["golden-hour"].caption.endswith("dotted: cases never reported.")
    assert all(s.caption for s in specs.values())


def test_a_run_with_every_report_in_one_delay_bin_has_no_golden_hour(tmp_path: Path) -> None:
    """All reported within 5 minutes: a single point is no curve."""
    quick = [(c[0], min(c[1], 4.0), c[2], c[3], c[4]) for c in SIX_CASES]
    assert "golden-hour" not in names(run_folder(tmp_path, quick))


def test_too_few_losses_have_no_distribution(tmp_path: Path) -> None:
    """Two cases: four positive losses and exposures, fewer than a distribution needs."""
    two = SIX_CASES[:2]
    assert "loss-distribution" not in names(run_folder(tmp_path, two))


def test_a_run_without_work_for_anyone_has_no_resources_figure(tmp_path: Path) -> None:
    """Resources that never had work are left out; with none left, so is the figure."""
    assert "resources" not in names(run_folder(tmp_path, busy=0.0))


def test_a_run_without_cases_has_no_case_figures(tmp_path: Path) -> None:
    """No case: no timeline, money tree, golden hour or losses; the resources remain."""
    assert names(run_folder(tmp_path, cases=[])) == ["resources"]


def test_a_chosen_case_names_the_case_figures(tmp_path: Path) -> None:
    """``--case 1`` draws case 1 instead of the largest; a case that does not exist is an error."""
    folder = run_folder(tmp_path)
    assert [n for n in names(folder, 1) if n.startswith("case")] == [
        "case-1-timeline", "case-1-money-tree"]
    with pytest.raises(ResultsFolderError, match=r"--case 6: this run has 6 cases"):
        figures(folder, 6)


def test_a_run_without_its_resource_table_is_an_error(tmp_path: Path) -> None:
    """A run folder missing resources.parquet is incomplete: said, naming the file."""
    with pytest.raises(ResultsFolderError, match=r"resources\.parquet is missing"):
        figures(run_folder(tmp_path, resources=False))


# -- comparisons ----------------------------------------------------------------------------------


def test_a_comparison_with_kept_cases_gets_every_figure(tmp_path: Path) -> None:
    """Paired differences first, then golden hour and losses from the kept cases, then the case."""
    policies = ["as_reported", "manual_counter"]
    folder = compare_folder(tmp_path, policies, kept=policies)
    assert names(folder) == ["policy-comparison", "golden-hour", "loss-distribution",
                             "case-3-timeline", "case-3-money-tree"]


def test_a_comparison_without_kept_cases_has_no_golden_hour(tmp_path: Path) -> None:
    """One policy without its case tables: no binned golden hour, nor per-case losses.

    The per-replication losses (all zero here) show no distribution either;
    the case is chosen from the baseline's kept table.
    """
    folder = compare_folder(tmp_path, ["as_reported", "manual_counter"], kept=["as_reported"])
    assert names(folder) == ["policy-comparison", "case-3-timeline", "case-3-money-tree"]


def test_a_comparison_of_one_policy_has_no_differences(tmp_path: Path) -> None:
    """A single policy has nothing to be compared with."""
    folder = compare_folder(tmp_path, ["as_reported"], kept=["as_reported"])
    assert "policy-comparison" not in names(folder)
    assert names(folder)[0] == "golden-hour"


# -- sweeps ---------------------------------------------------------------------------------------


def test_a_sweep_gets_its_outcome_curve_along_the_first_key(tmp_path: Path) -> None:
    """The curve is drawn against the sweep's first key; no golden hour without a report delay."""
    specs = figures(sweep_folder(tmp_path, ["response.analysts.staff"]))
    assert [s.name for s in specs] == ["outcome-curve"]
    assert specs[0].caption.startswith("Money saved against response.analysts.staff,")


@pytest.mark.parametrize("lag", ["victims.report_lag_min",
                                 "scam_types.customer_service.report_lag_min"])
def test_a_swept_report_delay_adds_the_golden_hour(tmp_path: Path, lag: str) -> None:
    """A report delay anywhere in the sweep (victims' or a scam type's) adds the golden hour."""
    specs = figures(sweep_folder(tmp_path, ["response.analysts.staff", lag]))
    assert [s.name for s in specs] == ["outcome-curve", "golden-hour"]
    assert specs[0].caption.startswith("Money saved against response.analysts.staff,")
    assert specs[1].caption == f"Share of money saved against the swept report delay ({lag})."


def test_sweep_figures_are_drawn_along_their_own_keys(tmp_path: Path) -> None:
    """Built, the outcome curve runs along the first key and the golden hour along the delay."""
    lag = "victims.report_lag_min"
    outcome, golden = figures(sweep_folder(tmp_path, ["response.analysts.staff", lag]))
    fig = outcome.build()
    assert fig.get_supxlabel().endswith("\nresponse.analysts.staff")
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == [
        f"victim's report delay (minutes) = {v}\n{lag}" for v in (1, 2)]
    fig = golden.build()
    assert fig.get_supxlabel().endswith(f"\n{lag}")
    assert [ax.get_title() for ax in fig.axes] == [
        f"staff on duty (analysts) = {v}\nresponse.analysts.staff" for v in (1, 2)]


# -- writing ---------------------------------------------------------------------------------------


@with_style
def tiny_figure(y: float) -> Figure:
    """A small figure with one line at height ``y``, styled and laid out as every figure is."""
    fig = new_figure((2.0, 1.0))
    fig.subplots().plot([0, 1], [y, y])
    return fig


def failing() -> Figure:
    raise ResultsFolderError("cannot draw this one")


@pytest.fixture
def stand_ins(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """Replace the catalogue by two small figures; record the case each call asked for."""
    asked: list[int | None] = []

    def fake(folder: ResultsFolder, case: int | None = None) -> list[FigureSpec]:
        asked.append(case)
        return [FigureSpec("first", "First", "", lambda: tiny_figure(1.0)),
                FigureSpec("second", "Second", "", lambda: tiny_figure(2.0))]

    monkeypatch.setattr(catalog, "figures", fake)
    return asked


def test_write_figures_writes_each_figure_in_each_format(
    tmp_path: Path, stand_ins: list[int | None]
) -> None:
    """Every figure in every format, in order, into a new folder; the bytes are the renders."""
    out = tmp_path / "deep" / "figures"
    folder = ResultsFolder(tmp_path, "run", {"scenario": {}})
    written = write_figures(folder, out, case=4)
    assert written == [out / "first.png", out / "first.svg", out / "second.png",
                       out / "second.svg"]
    assert stand_ins == [4]
    assert (out / "first.png").read_bytes() == render(tiny_figure(1.0), "png")
    assert (out / "second.svg").read_bytes() == render(tiny_figure(2.0), "svg")
    assert (out / "first.png").read_bytes() != (out / "second.png").read_bytes()


def test_write_figures_in_the_formats_asked(tmp_path: Path, stand_ins: list[int | None]) -> None:
    """Only SVG: no PNG file at all."""
    written = write_figures(ResultsFolder(tmp_path, "run", {"scenario": {}}), tmp_path / "f",
                            ["svg"])
    assert [p.name for p in written] == ["first.svg", "second.svg"]
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == ["first.svg", "second.svg"]


def test_a_figure_that_cannot_be_drawn_leaves_no_partial_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The error comes through and nothing is written, not even the folder."""
    specs = [FigureSpec("good", "Good", "", lambda: tiny_figure(1.0)),
             FigureSpec("bad", "Bad", "", failing)]
    monkeypatch.setattr(catalog, "figures", lambda folder, case=None: specs)
    out = tmp_path / "figures"
    with pytest.raises(ResultsFolderError, match="cannot draw this one"):
        write_figures(ResultsFolder(tmp_path, "run", {"scenario": {}}), out)
    assert not out.exists()
