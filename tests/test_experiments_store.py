"""The results folder of an experiment (fraudsim/experiments/store.py), used directly.

Replication files, their atomic writing, reading them back to resume, damaged
files set aside, the manifest's guard and the aggregate files. The same
folder as written by whole experiments is checked in test_experiments_resume.
"""

from __future__ import annotations

import csv
import json
import math
import re
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fraudsim.experiments.store as store_module
from fraudsim.experiments.errors import ExperimentError
from fraudsim.experiments.jobs import JobResult
from fraudsim.experiments.measures import KEY_COLUMNS
from fraudsim.experiments.store import (
    DAMAGED,
    MANIFEST,
    Store,
    row_schema,
    rows_table,
    write_csv,
)
from fraudsim.results import write_parquet

SEED = 7
IDENTITY: dict[str, Any] = {
    "kind": "compare",
    "scenario": {"name": "s", "banks": {"zeta": {"share": 0.5}, "alpha": {"share": 0.5}}},
    "policies": ["a", "b"], "baseline": "a", "seed": SEED, "vary": None,
}
EXTRA: dict[str, Any] = {"command": ["fraudsim", "compare"], "replications": 3}


def row(point: int, policy: str, rep: int, seed: int = SEED) -> dict[str, Any]:
    """A replication's row: keys, the two counts, and a measure that tells rows apart."""
    return {"point": point, "policy": policy, "replication": rep, "seed": seed,
            "cases_total": 10 + rep, "cases_excluded_warmup": 0,
            "saved_fen": 1000.0 * point + rep + (0.5 if policy == "b" else 0.0)}


def finished(point: int, policy: str, rep: int, seed: int = SEED,
             cases: pa.Table | None = None) -> JobResult:
    """What a worker sends back for a finished replication."""
    return JobResult((point, policy, rep), seed, row(point, policy, rep, seed), cases)


COLUMNS = tuple(row(0, "a", 0))
"""Columns of the rows of these tests (fewer than a real replication's)."""


def opened(root: Path, by_point: bool = False, **identity: Any) -> tuple[Store, dict[Any, Any]]:
    """A store opened on ``root`` for the experiment (with identity entries changed)."""
    store = Store(root, by_point, COLUMNS)
    done = store.open({**IDENTITY, **identity}, EXTRA)
    return store, done


def filed(root: Path, results: list[JobResult], by_point: bool = False) -> Store:
    """A store opened on ``root`` with ``results`` written into it."""
    store, _ = opened(root, by_point)
    for result in results:
        store.write(result)
    return store


def rep_files(root: Path) -> list[str]:
    """Replication files under ``root``, relative, sorted."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()
                  and p.name != MANIFEST)


def manifest(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    return data


def test_row_schema_keeps_keys_and_counts_integer_and_measures_float() -> None:
    """Counts filed as floats would read back as 10.0 and no longer match their key."""
    schema = row_schema(["point", "policy", "replication", "seed", "cases_total",
                         "cases_excluded_warmup", "saved_fen", "cases"])
    assert [f.type for f in schema] == [pa.int64(), pa.string(), pa.int64(), pa.int64(),
                                        pa.int64(), pa.int64(), pa.float64(), pa.float64()]


def test_no_rows_make_an_empty_table_of_the_key_columns() -> None:
    """An experiment with nothing finished still gives a table with typed key columns."""
    table = rows_table([])
    assert table.num_rows == 0 and table.column_names == list(KEY_COLUMNS)
    assert table.schema == row_schema(list(KEY_COLUMNS))


@settings(max_examples=30, deadline=None)
@given(st.permutations([row(p, pol, r) for p in (0, 2) for pol in ("b", "a") for r in (1, 0)]))
def test_rows_are_sorted_by_point_policy_replication_whatever_their_order(
    rows: list[dict[str, Any]],
) -> None:
    """Rows arrive in the order workers finish; the table is the same for any order."""
    table = rows_table(rows)
    keys = [(r["point"], r["policy"], r["replication"]) for r in table.to_pylist()]
    assert keys == [(p, pol, r) for p in (0, 2) for pol in ("a", "b") for r in (0, 1)]
    assert table.schema.field("cases_total").type == pa.int64()


def test_a_new_folder_is_created_with_a_running_manifest(tmp_path: Path) -> None:
    """The manifest says what is run, with which versions, and that it is not finished."""
    root = tmp_path / "deep" / "exp"
    _, done = opened(root)
    assert done == {}
    data = manifest(root)
    assert {k: data[k] for k in IDENTITY} == IDENTITY
    assert data["command"] == ["fraudsim", "compare"] and data["replications"] == 3
    assert data["status"] == "running" and "fraudsim" in data["versions"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", data["started"])
    # The scenario's tables keep their order: banks are numbered as written.
    assert list(data["scenario"]["banks"]) == ["zeta", "alpha"]


def test_an_empty_existing_folder_is_accepted(tmp_path: Path) -> None:
    """``--out`` may name a folder made beforehand, as long as it is empty."""
    (tmp_path / "exp").mkdir()
    _, done = opened(tmp_path / "exp")
    assert done == {} and manifest(tmp_path / "exp")["status"] == "running"


@pytest.mark.parametrize("by_point, path", [
    (False, "replications/b/rep-00012.parquet"),
    (True, "replications/point-003/b/rep-00012.parquet"),
])
def test_each_replication_is_one_file_named_by_its_key(
    by_point: bool, path: str, tmp_path: Path
) -> None:
    """One file per replication, numbered with leading zeros; sweeps file them per point."""
    filed(tmp_path, [finished(3 if by_point else 0, "b", 12)], by_point)
    assert rep_files(tmp_path) == [path]
    assert pq.read_table(tmp_path / path).to_pylist() == [row(3 if by_point else 0, "b", 12)]


@pytest.mark.parametrize("by_point", [False, True])
def test_reopening_reads_every_finished_replication_back(by_point: bool, tmp_path: Path) -> None:
    """A rerun gets each finished row back by key, its integers still integers."""
    point = 2 if by_point else 0
    results = [finished(point, p, r) for p in ("a", "b") for r in range(3)]
    filed(tmp_path, results, by_point)
    _, done = opened(tmp_path, by_point)
    assert done == {r.key: r.row for r in results}
    assert all(type(v["cases_total"]) is int for v in done.values())


def test_the_case_table_is_filed_beside_and_not_read_back_as_a_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``rep-00001.cases.parquet`` holds many rows; taken for a replication file it would be
    set aside as damaged."""
    cases = pa.table({"case_id": [0, 1, 2], "saved_fen": [5, 0, 7]})
    filed(tmp_path, [finished(0, "a", 1, cases=cases)])
    assert rep_files(tmp_path) == ["replications/a/rep-00001.cases.parquet",
                                   "replications/a/rep-00001.parquet"]
    assert pq.read_table(tmp_path / "replications/a/rep-00001.cases.parquet").equals(cases)
    _, done = opened(tmp_path)
    assert list(done) == [(0, "a", 1)]
    assert capsys.readouterr().err == ""


def test_rows_of_another_seed_are_not_reused(tmp_path: Path) -> None:
    """A row computed with another root seed is another replication: it is run again."""
    filed(tmp_path, [finished(0, "a", 0), finished(0, "a", 1, seed=SEED + 1)])
    _, done = opened(tmp_path)
    assert list(done) == [(0, "a", 0)]
    assert (tmp_path / "replications/a/rep-00001.parquet").exists()  # not set aside


def test_reopening_keeps_the_start_time_and_marks_the_run_running_again(
    tmp_path: Path,
) -> None:
    """The manifest of a resumed experiment keeps when it first started."""
    store, _ = opened(tmp_path)
    store.finish({}, {"replications_used": 3})
    data = manifest(tmp_path)
    data["started"] = "2024-01-02T03:04:05+0800"
    (tmp_path / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    store = Store(tmp_path)
    store.open(IDENTITY, {**EXTRA, "replications": 5})
    again = manifest(tmp_path)
    assert again["started"] == "2024-01-02T03:04:05+0800"
    assert again["status"] == "running" and again["replications"] == 5


def test_a_folder_of_another_kind_of_experiment_is_refused(tmp_path: Path) -> None:
    """A sweep's folder cannot take a comparison's results: the message names what differs."""
    opened(tmp_path, kind="sweep", vary={"a.b": [1, 2]})
    with pytest.raises(ExperimentError, match=r"different experiment \(its kind, vary differ\)"):
        opened(tmp_path)
    assert manifest(tmp_path)["kind"] == "sweep"  # left as it was


def test_a_file_given_as_the_folder_is_refused_as_bad_input(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    with pytest.raises(ExperimentError, match=r"notes\.txt is a file, not a folder"):
        opened(notes)
    assert notes.read_text() == "mine"


def test_an_unreadable_manifest_is_refused(tmp_path: Path) -> None:
    """A manifest that is not JSON stops the experiment instead of being overwritten."""
    (tmp_path / MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(ExperimentError, match=r"manifest\.json cannot be read"):
        opened(tmp_path)
    assert (tmp_path / MANIFEST).read_text(encoding="utf-8") == "{not json"


def _garbage(path: Path) -> None:
    path.write_bytes(b"PAR1 this is not parquet")


def _two_rows(path: Path) -> None:
    write_parquet(rows_table([row(1, "a", 4), row(1, "a", 5)]), path)


def _another_point(path: Path) -> None:
    write_parquet(rows_table([row(2, "a", 4)]), path)


def _no_policy(path: Path) -> None:
    write_parquet(rows_table([{**row(1, "a", 4), "policy": None}]), path)


def _rewritten(path: Path, change: Any) -> None:
    """Write the file's row back with its columns changed by ``change`` (a dict -> dict)."""
    write_parquet(pa.Table.from_pylist([change(pq.read_table(path).to_pylist()[0])]), path)


def _no_saved(path: Path) -> None:
    _rewritten(path, lambda r: {k: v for k, v in r.items() if k != "saved_fen"})


def _no_keys(path: Path) -> None:
    _rewritten(path, lambda r: {k: v for k, v in r.items() if k not in KEY_COLUMNS})


def _extra(path: Path) -> None:
    _rewritten(path, lambda r: {**r, "saved_usd": 1.0})


def _saved_as_text(path: Path) -> None:
    _rewritten(path, lambda r: {**r, "saved_fen": str(r["saved_fen"])})


def _count_as_float(path: Path) -> None:
    _rewritten(path, lambda r: {**r, "cases_total": float(r["cases_total"])})


@pytest.mark.parametrize("damage, problem", [
    (_garbage, "cannot be read: "),
    (_two_rows, "holds 2 rows, not 1"),
    (_another_point, "holds another replication than its name says"),
    (_no_policy, "holds another replication than its name says"),
    (_no_saved, "lacks the column(s) saved_fen"),
    (_no_keys, "lacks the column(s) point, policy, replication and 1 more"),
    (_extra, "has unexpected column(s) saved_usd"),
    (_saved_as_text, "has column(s) of another type: saved_fen"),
    (_count_as_float, "has column(s) of another type: cases_total"),
])
def test_a_damaged_replication_file_is_set_aside_once_and_the_rest_kept(
    damage: Any, problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file that does not hold the one row its name promises is renamed, said, and rerun."""
    filed(tmp_path, [finished(1, "a", r) for r in (3, 4, 5)], by_point=True)
    hit = tmp_path / "replications/point-001/a/rep-00004.parquet"
    damage(hit)
    _, done = opened(tmp_path, by_point=True)
    assert sorted(done) == [(1, "a", 3), (1, "a", 5)]
    err = capsys.readouterr().err
    assert err.startswith(f"{hit} {problem}") and err.count("\n") == 1
    assert err.endswith(f"; set aside as rep-00004.parquet{DAMAGED}, its replication is run "
                        "again\n")
    assert not hit.exists() and hit.with_name(f"rep-00004.parquet{DAMAGED}").exists()
    # Set aside, it is neither read nor reported again.
    _, done = opened(tmp_path, by_point=True)
    assert sorted(done) == [(1, "a", 3), (1, "a", 5)]
    assert capsys.readouterr().err == ""


def test_by_default_rows_must_have_the_columns_a_replication_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without ``columns``, the store expects a real replication's row: these rows lack most."""
    filed(tmp_path, [finished(0, "a", 0)])
    assert Store(tmp_path).open(IDENTITY, EXTRA) == {}
    assert "lacks the column(s) cases, reported, cases_started and " in capsys.readouterr().err
    assert (tmp_path / f"replications/a/rep-00000.parquet{DAMAGED}").exists()


def test_temporary_files_left_by_a_killed_run_are_removed(tmp_path: Path) -> None:
    """Half-written files of a killed run are deleted; finished files are kept."""
    filed(tmp_path, [finished(3, "a", 0)], by_point=True)
    folder = tmp_path / "replications/point-003/a"
    stray = folder / ".rep-00001.parquet.4242.tmp"
    stray.write_bytes(b"half")
    _, done = opened(tmp_path, by_point=True)
    assert not stray.exists() and list(done) == [(3, "a", 0)]


def test_a_write_that_fails_midway_leaves_the_previous_file_and_no_debris(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replication file is replaced whole or not at all: never half-written under its name."""
    store = filed(tmp_path, [finished(0, "a", 2)])
    path = tmp_path / "replications/a/rep-00002.parquet"
    before = path.read_bytes()

    def half_then_fail(table: pa.Table, where: Path) -> None:
        Path(where).write_bytes(before[: len(before) // 2])
        raise OSError("No space left on device")

    monkeypatch.setattr(store_module, "write_parquet", half_then_fail)
    with pytest.raises(OSError, match="No space left"):
        store.write(finished(0, "a", 2))
    with pytest.raises(OSError, match="No space left"):
        store.write(finished(0, "a", 3))
    assert path.read_bytes() == before
    assert rep_files(tmp_path) == ["replications/a/rep-00002.parquet"]


def test_finishing_writes_the_tables_and_completes_the_manifest(tmp_path: Path) -> None:
    """``.csv`` names are written as CSV, others as Parquet; the outcome joins the manifest."""
    store, _ = opened(tmp_path)
    table = pa.table({"policy": ["a", "b"], "mean": [0.1, None]})
    store.finish({"policies.csv": table, "replications.parquet": table},
                 {"replications_used": 3, "precision_outcome": None, "measures": ("x", "y")})
    assert (tmp_path / "policies.csv").read_text(encoding="utf-8") == "policy,mean\na,0.1\nb,\n"
    assert pq.read_table(tmp_path / "replications.parquet").equals(table)
    data = manifest(tmp_path)
    assert data["status"] == "complete" and data["replications_used"] == 3
    assert data["measures"] == ["x", "y"] and data["precision_outcome"] is None
    assert {k: data[k] for k in IDENTITY} == IDENTITY


def test_csv_cells_are_full_precision_floats_and_empty_nulls(tmp_path: Path) -> None:
    """Floats are written with ``repr`` (all digits), so the CSV gives back the same numbers."""
    table = pa.table({"n": [3, None], "x": [0.1 + 0.2, math.nan], "y": [1e-300, math.inf],
                      "word": ["a,b", None], "flag": [True, False]})
    path = tmp_path / "t.csv"
    write_csv(table, path)
    assert path.read_text(encoding="utf-8").splitlines() == [
        "n,x,y,word,flag", '3,0.30000000000000004,1e-300,"a,b",True', ",nan,inf,,False"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=10))
def test_csv_floats_read_back_exactly(values: list[float]) -> None:
    """Every float reads back exactly from the CSV, signed zeros and infinities too; NaN as NaN."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "v.csv"
        write_csv(pa.table({"v": pa.array(values, pa.float64())}), path)
        with path.open(newline="", encoding="utf-8") as f:
            back = [float(r[0]) for r in list(csv.reader(f))[1:]]
    assert len(back) == len(values)
    for b, v in zip(back, values, strict=True):
        if math.isnan(v):
            assert math.isnan(b)
        else:
            assert b == v and math.copysign(1, b) == math.copysign(1, v)
