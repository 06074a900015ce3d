"""The results folder, written atomically (fraudsim/results.py)."""

from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import fraudsim
from fraudsim.api import SimulationResult
from fraudsim.engine import engine
from fraudsim.results import (
    DestinationError,
    atomic_folder,
    check_destination,
    manifest,
    write_parquet,
    write_results,
)
from fraudsim.scenario.loading import validate_scenario
from tests.conftest import busy, xiamen

FILES = {"cases.parquet", "resources.parquet", "summary.csv", "manifest.json"}


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    write_parquet(table, sink)
    return sink.getvalue()


def same(a: pa.Table, b: pa.Table) -> bool:
    """Tables equal value for value, NaN included (Table.equals treats NaN as unequal)."""
    return a.schema == b.schema and parquet_bytes(a) == parquet_bytes(b)


def listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def previous(tmp_path: Path) -> Path:
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "old.txt").write_text("complete earlier run")
    return dest


def test_success_replaces_the_previous_folder(tmp_path: Path) -> None:
    dest = previous(tmp_path)
    with atomic_folder(dest) as tmp:
        assert tmp != dest and tmp.parent == tmp_path
        (tmp / "new.txt").write_text("new")
        assert listing(dest) == {"old.txt"}  # nothing visible until the block ends
    assert listing(dest) == {"new.txt"}
    assert listing(tmp_path) == {"out"}  # no temporary or old folder left behind


def test_success_creates_missing_parents(tmp_path: Path) -> None:
    dest = tmp_path / "a" / "b" / "out"
    with atomic_folder(dest) as tmp:
        (tmp / "x").write_text("x")
    assert listing(dest) == {"x"}
    assert listing(dest.parent) == {"out"}


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_a_failure_leaves_the_previous_folder_untouched(
    tmp_path: Path, error: type[BaseException]
) -> None:
    dest = previous(tmp_path)
    with pytest.raises(error), atomic_folder(dest) as tmp:
        (tmp / "half.parquet").write_text("partial")
        raise error("disk full")
    assert listing(dest) == {"old.txt"}
    assert (dest / "old.txt").read_text() == "complete earlier run"
    assert listing(tmp_path) == {"out"}


def test_a_failure_without_a_previous_folder_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(ValueError), atomic_folder(tmp_path / "out"):
        raise ValueError("bad")
    assert listing(tmp_path) == set()


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    return fraudsim.simulate(busy(), trace_case=0)


def test_write_results_writes_the_four_files(result: SimulationResult, tmp_path: Path) -> None:
    dest = write_results(result, tmp_path / "run", ["fraudsim", "run", "x.toml"], ["seed=1"])
    assert dest == tmp_path / "run"
    assert listing(dest) == FILES
    assert same(pq.read_table(dest / "cases.parquet"), result.cases)
    assert same(pq.read_table(dest / "resources.parquet"), result.resources)
    with (dest / "summary.csv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["metric", "value", "unit"]
    assert [r[0] for r in rows[1:]] == [m.metric for m in result.summary]
    for r, m in zip(rows[1:], result.summary, strict=True):
        value = float(r[1])
        assert (math.isnan(value) and math.isnan(m.value)) or value == m.value
        assert r[2] == m.unit


def test_the_manifest_says_how_to_reproduce_the_run(
    result: SimulationResult, tmp_path: Path
) -> None:
    command, overrides = ["fraudsim", "run", "x.toml", "--seed", "9"], ["contacts.rate_per_hour=40"]
    dest = write_results(result, tmp_path / "run", command, overrides)
    m = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
    assert m == json.loads(json.dumps(manifest(result, command, overrides)))
    assert m["seed"] == result.seed == busy().seed
    assert m["replication"] == 0
    assert m["command"] == command
    assert m["overrides"] == overrides
    assert m["versions"]["fraudsim"] == fraudsim.__version__
    assert set(m["versions"]) == {"fraudsim", "engine", "python", "numpy", "simpy", "pyarrow"}
    assert m["versions"]["engine"] == engine()
    assert m["stats"]["cases"] == result.cases.num_rows
    assert m["wall_time_s"] == round(result.stats["wall_s"], 3)
    # The scenario in the manifest is the scenario that ran, exactly.
    assert validate_scenario(m["scenario"]) == result.scenario
    rerun = fraudsim.simulate(validate_scenario(m["scenario"]), seed=m["seed"])
    assert same(rerun.cases, result.cases)


def test_parquet_written_twice_is_byte_identical(result: SimulationResult, tmp_path: Path) -> None:
    a = write_results(result, tmp_path / "a", ["c"], [])
    b = write_results(result, tmp_path / "b", ["c"], [])
    for name in ("cases.parquet", "resources.parquet"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    again = fraudsim.simulate(busy(), trace_case=0)
    assert parquet_bytes(again.cases) == (a / "cases.parquet").read_bytes()


def test_rewriting_a_results_folder_replaces_its_contents(
    result: SimulationResult, tmp_path: Path
) -> None:
    dest = tmp_path / "run"
    write_results(result, dest, ["c"], [])
    (dest / "stray.txt").write_text("left by hand")
    small = fraudsim.simulate(xiamen())
    write_results(small, dest, ["c"], [])
    assert listing(dest) == FILES
    cases = pq.read_table(dest / "cases.parquet")
    assert cases.num_rows == 1
    assert np.array_equal(cases.column("exposed_fen").to_numpy(), [150_000_000])


def test_a_run_may_replace_only_a_missing_or_empty_folder_or_an_earlier_run(
    result: SimulationResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    check_destination(tmp_path / "new" / "run")  # missing, parents too
    (tmp_path / "empty").mkdir()
    check_destination(tmp_path / "empty")
    check_destination(write_results(result, tmp_path / "run", ["c"], []))
    mine = previous(tmp_path)  # a folder of one's own
    (tmp_path / "notes.txt").write_text("mine")
    experiment = tmp_path / "exp"
    experiment.mkdir()
    (experiment / "manifest.json").write_text(json.dumps({"kind": "compare", "seed": 1}))
    for dest, why in [
        (mine, "does not hold the results of a fraudsim run"),
        (experiment, "does not hold the results of a fraudsim run"),
        (tmp_path / "notes.txt", "is not a folder"),
        (tmp_path / "notes.txt" / "run", r"notes\.txt is a file, not a folder, so .*run cannot "
         "be made"),
        (tmp_path / "notes.txt" / "a" / "run", r"notes\.txt is a file, not a folder"),
    ]:
        with pytest.raises(DestinationError, match=why):
            write_results(result, dest, ["c"], [])
    assert listing(mine) == {"old.txt"} and (tmp_path / "notes.txt").read_text() == "mine"
    assert listing(experiment) == {"manifest.json"}
    monkeypatch.chdir(mine)
    for here in (Path("."), Path("..")):
        with pytest.raises(DestinationError, match="is the current folder or holds it"):
            check_destination(here)


def test_a_failed_final_rename_leaves_the_previous_folder_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = previous(tmp_path)
    real_replace = os.replace
    calls: list[tuple[Path, Path]] = []

    def replace(src: Path, dst: Path) -> None:
        calls.append((src, dst))
        if len(calls) == 2:  # the new folder into place
            raise OSError("rename failed")
        real_replace(src, dst)

    monkeypatch.setattr("fraudsim.results.os.replace", replace)
    with pytest.raises(OSError), atomic_folder(dest) as tmp:
        (tmp / "new.txt").write_text("new")
    assert listing(tmp_path) == {"out"}
    assert listing(dest) == {"old.txt"}


def test_the_manifest_replays_a_run_with_named_tables_in_order(tmp_path: Path) -> None:
    """Named tables (scam types, banks, ...) keep their order: draws follow it."""
    import json

    from fraudsim.scenario.loading import validate_scenario
    from tests.conftest import SCENARIOS

    scenario = fraudsim.load_scenario(SCENARIOS / "city-month.toml", ["time.horizon_days=3"])
    first = fraudsim.simulate(scenario)
    write_results(first, tmp_path / "r", ["c"], [])
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    replay = fraudsim.simulate(validate_scenario(manifest["scenario"]), seed=manifest["seed"])
    assert replay.cases.num_rows == first.cases.num_rows
    assert replay.cases.column("exposed_fen").equals(first.cases.column("exposed_fen"))
