"""The warm-up in figures drawn from case tables: the same cut as the tables beside them.

A comparison's measures leave out the cases whose scam contact falls in the
warm-up (:func:`fraudsim.experiments.measures.after_warmup`), but keeps
every case in its kept case tables. Figures drawn from those tables (losses,
the golden hour, the default case) must count what the headline tables
count. A run's summary counts every case, warm-up included, and so do a
run's figures. The folders are written by hand: a one-day warm-up, cases on
either side of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from fraudsim.experiments.measures import after_warmup
from fraudsim.plotting import catalog, replay, series
from fraudsim.plotting.folder import ResultsFolder, column
from tests.conftest import xiamen
from tests.test_plotting_catalog import write

DAY = 1440.0

CASES: list[dict[str, Any]] = [
    # contact, exposed, saved, lost, report delay after realising (None: never reported)
    {"contact_min": 10.0, "exposed_fen": 9_000_000, "saved_fen": 0, "delay": 2.0},
    {"contact_min": 1000.0, "exposed_fen": 500_000, "saved_fen": 100_000, "delay": 600.0},
    {"contact_min": DAY, "exposed_fen": 300_000, "saved_fen": 300_000, "delay": 3.0},
    {"contact_min": 2000.0, "exposed_fen": 800_000, "saved_fen": 200_000, "delay": 90.0},
    {"contact_min": 3000.0, "exposed_fen": 200_000, "saved_fen": 0, "delay": None},
]
"""Two cases in the one-day warm-up (one the largest), three after it (one at its very end)."""


def case_table(replication: int) -> pa.Table:
    """The kept case table of one replication (the same cases in each)."""
    realise = [c["contact_min"] + 60.0 for c in CASES]
    return pa.table({
        "replication": [replication] * len(CASES),
        "case_id": list(range(len(CASES))),
        "contact_min": [c["contact_min"] for c in CASES],
        "exposed_fen": [c["exposed_fen"] for c in CASES],
        "saved_fen": [c["saved_fen"] for c in CASES],
        "cashed_out_fen": [c["exposed_fen"] - c["saved_fen"] for c in CASES],
        "realise_min": realise,
        "report_min": [r + c["delay"] if c["delay"] is not None else None
                       for r, c in zip(realise, CASES, strict=True)],
        "reported": [c["delay"] is not None for c in CASES],
    })


def comparison(path: Path, warmup_days: float = 1.0) -> ResultsFolder:
    """A comparison of two policies that kept the case tables of two replications each."""
    manifest = {"kind": "compare", "policies": ["base", "fast"], "baseline": "base",
                "scenario": {"name": "town", "time": {"warmup_days": warmup_days}}}
    tables = {f"replications/{p}/rep-{r:05d}.cases.parquet": case_table(r)
              for p in ("base", "fast") for r in (0, 1)}
    return write(path, manifest, tables)


def a_run(path: Path) -> ResultsFolder:
    """A run with the same cases and a one-day warm-up."""
    manifest = {"scenario": {"name": "town", "time": {"warmup_days": 1.0}}}
    return write(path, manifest, {"cases.parquet": case_table(0)})


def test_kept_cases_are_cut_as_the_measures_cut_them(tmp_path: Path) -> None:
    """Contact at or after one day stays (as after_warmup keeps it); all on request."""
    folder = comparison(tmp_path)
    assert folder.warmup_min == DAY
    kept = folder.kept_cases("base")
    assert kept is not None
    assert column(kept, "contact_min") == [DAY, 2000.0, 3000.0] * 2
    whole = folder.kept_cases("base", warmup=True)
    assert whole is not None and whole.num_rows == 10
    assert kept.equals(after_warmup(whole, DAY))


def test_losses_of_a_comparison_leave_the_warm_up_out(tmp_path: Path) -> None:
    """Losses per case: the three cases after the warm-up, in each of two replications."""
    data = series.losses(comparison(tmp_path))
    assert data is not None and data.unit == "case"
    assert data.lost_fen["base"].tolist() == [0.0, 600_000.0, 200_000.0] * 2
    assert data.exposed_fen is not None and data.exposed_fen.max() == 800_000


@pytest.fixture
def no_case_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Leave out the case figures: these hand-written folders hold no scenario to replay."""
    monkeypatch.setattr(catalog, "_case_figures", lambda folder, case: [])


@pytest.mark.usefixtures("no_case_figures")
def test_golden_hour_of_a_comparison_counts_the_cases_after_the_warm_up(tmp_path: Path) -> None:
    """Reported after the warm-up: one within 5 min, one at 1-2 h, per replication."""
    folder = comparison(tmp_path)
    (spec,) = [s for s in catalog.figures(folder) if s.name == "golden-hour"]
    kept = folder.kept_cases("base")
    assert kept is not None
    golden = series.golden_hour(kept, "base")
    assert (golden.bins, golden.cases) == ([0, 4], [2, 2])
    fig = spec.build()
    note = fig.texts[-1].get_text()
    assert "cases contacted in the 1-day warm-up left out, as in the tables" in note


@pytest.mark.usefixtures("no_case_figures")
def test_loss_distribution_says_the_warm_up_is_left_out(tmp_path: Path) -> None:
    """The footnote says which cases are counted."""
    (spec,) = [s for s in catalog.figures(comparison(tmp_path)) if s.name == "loss-distribution"]
    assert "1-day warm-up left out" in spec.build().texts[-1].get_text()


def test_without_a_warm_up_nothing_is_cut_or_said(tmp_path: Path) -> None:
    folder = comparison(tmp_path, warmup_days=0.0)
    kept = folder.kept_cases("base")
    assert kept is not None and kept.num_rows == 10
    assert series.warmup_note(folder) == ""


def test_the_default_case_of_a_comparison_is_after_the_warm_up(tmp_path: Path) -> None:
    """The largest exposure in the warm-up (case 0) is passed over for case 3."""
    folder = comparison(tmp_path)
    plan = replay.CasePlan(xiamen(), "base", 1, 0, -1)
    assert replay.default_case(folder, plan) == 3


@pytest.mark.parametrize("name", ["losses", "default case"])
def test_a_run_counts_every_case_as_its_summary_does(tmp_path: Path, name: str) -> None:
    """``fraudsim run`` summarises all its cases: its figures keep the warm-up's too."""
    folder = a_run(tmp_path)
    if name == "losses":
        data = series.losses(folder)
        assert data is not None and len(data.lost_fen["town"]) == len(CASES)
        assert "warm-up included, as in the run's summary" in series.warmup_note(folder)
    else:
        plan = replay.CasePlan(xiamen(), "", 1, 0, -1)
        assert replay.default_case(folder, plan) == 0
