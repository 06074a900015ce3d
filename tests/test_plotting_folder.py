"""Reading results folders (fraudsim/plotting/folder.py): kinds, manifest fields, tables.

Folders are written here by hand (a manifest and the few tables a check
needs), so each rule of :func:`detect_kind` and each property of
:class:`ResultsFolder` is checked on its own; the figures built from real
runs, comparisons and sweeps are in ``test_plotting.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fraudsim.plotting.folder import (
    BASE_POLICY,
    ResultsFolder,
    ResultsFolderError,
    column,
    detect_kind,
    open_folder,
    read_table,
)
from fraudsim.scenario.loading import ScenarioError
from tests.conftest import xiamen

TINY = pa.table({"x": [1]})
"""A table whose content does not matter: only its file's presence does."""


def make_folder(path: Path, manifest: Any, files: dict[str, pa.Table] | None = None) -> Path:
    """Write ``manifest`` (JSON) and each table (Parquet or CSV by suffix) into ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for name, table in (files or {}).items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".parquet"):
            pq.write_table(table, target)
        else:
            target.write_text(_csv(table), encoding="utf-8")
    return path


def _csv(table: pa.Table) -> str:
    """Return a table as CSV text (None as an empty cell), header first."""
    rows = [",".join(table.column_names)]
    for row in table.to_pylist():
        rows.append(",".join("" if v is None else str(v) for v in row.values()))
    return "\n".join(rows) + "\n"


def opened(path: Path, manifest: dict[str, Any],
           files: dict[str, pa.Table] | None = None) -> ResultsFolder:
    """Write a folder and open it."""
    return open_folder(make_folder(path, manifest, files))


def curve(*keys: str) -> pa.Table:
    """Return a curve table whose first columns are ``keys`` (the sweep's own order)."""
    return pa.table({**{k: [1] for k in keys}, "point": [0], "policy": ["base"], "n": [2]})


# -- opening ------------------------------------------------------------------------


def test_a_manifest_that_is_a_folder_is_no_manifest(tmp_path: Path) -> None:
    """A directory called manifest.json is not mistaken for the manifest."""
    (tmp_path / "manifest.json").mkdir()
    with pytest.raises(ResultsFolderError, match=r"no manifest\.json"):
        open_folder(tmp_path)


@pytest.mark.parametrize("manifest", [[1, 2], "text", {"kind": "compare"}])
def test_a_manifest_without_a_scenario_is_refused(tmp_path: Path, manifest: Any) -> None:
    """Valid JSON that records no scenario (a list, a string, a dict without one) is refused."""
    make_folder(tmp_path, manifest, {"policies.csv": TINY})
    with pytest.raises(ResultsFolderError, match="no scenario recorded"):
        open_folder(tmp_path)


def test_a_manifest_that_is_not_text_cannot_be_read(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 give the folder's error, naming the manifest, not a traceback."""
    (tmp_path / "manifest.json").write_bytes(b"\xff\xfe\x00{")
    with pytest.raises(ResultsFolderError, match=r"manifest\.json cannot be read"):
        open_folder(tmp_path)


def test_open_folder_keeps_the_path_and_manifest(tmp_path: Path) -> None:
    """The opened folder holds its path and the parsed manifest as written."""
    manifest = {"scenario": {"name": "town"}, "seed": 7}
    folder = opened(tmp_path, manifest, {"cases.parquet": TINY})
    assert folder.path == tmp_path
    assert folder.manifest == manifest
    assert folder.kind == "run"


# -- which kind ----------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "files", "expected"), [
    ("compare", ["cases.parquet", "curve.parquet"], "compare"),
    ("sweep", ["cases.parquet", "policies.csv"], "sweep"),
    (None, ["cases.parquet", "curve.parquet", "policies.csv"], "run"),
    (None, ["curve.parquet", "policies.csv"], "sweep"),
    (None, ["curve.csv"], "sweep"),
    (None, ["policies.csv"], "compare"),
    ("run", ["policies.csv"], "compare"),
    ("something", ["cases.parquet"], "run"),
])
def test_detect_kind_trusts_the_manifest_then_the_files(
    tmp_path: Path, kind: str | None, files: list[str], expected: str
) -> None:
    """The manifest's compare/sweep wins; otherwise cases, then a curve, then policies decide.

    A run's manifest has no ``kind``; any other value is not trusted and
    the files decide.
    """
    manifest: dict[str, Any] = {"scenario": {}}
    if kind is not None:
        manifest["kind"] = kind
    make_folder(tmp_path, manifest, {f: TINY for f in files})
    assert detect_kind(tmp_path, manifest) == expected


def test_detect_kind_of_a_folder_with_none_of_the_tables(tmp_path: Path) -> None:
    """The error lists the files that would make it a results folder."""
    make_folder(tmp_path, {"scenario": {}}, {"summary.csv": TINY})
    with pytest.raises(ResultsFolderError, match=r"expected cases\.parquet, policies\.csv"):
        detect_kind(tmp_path, {"scenario": {}})


# -- manifest fields ------------------------------------------------------------------


def test_a_run_is_shown_under_its_scenario_name(tmp_path: Path) -> None:
    """A run has no policies: its one series is named after its scenario, also the baseline."""
    folder = opened(tmp_path, {"scenario": {"name": "town"}, "policies": ["ignored"]},
                    {"cases.parquet": TINY})
    assert folder.scenario_name == "town"
    assert folder.policies == ["town"]
    assert folder.baseline == "town"


def test_a_scenario_without_a_name_is_shown_as_a_question_mark(tmp_path: Path) -> None:
    """No name recorded: a placeholder rather than an error."""
    folder = opened(tmp_path, {"scenario": {}}, {"cases.parquet": TINY})
    assert folder.scenario_name == "?"


@pytest.mark.parametrize(("manifest", "policies", "baseline"), [
    ({"policies": ["b", "a", "c"]}, ["b", "a", "c"], "b"),
    ({"policies": ["b", "a"], "baseline": "a"}, ["b", "a"], "a"),
    ({}, [BASE_POLICY], BASE_POLICY),
    ({"policies": None, "baseline": None}, [BASE_POLICY], BASE_POLICY),
    ({"policies": []}, [BASE_POLICY], BASE_POLICY),
])
def test_policies_and_baseline_of_an_experiment(
    tmp_path: Path, manifest: dict[str, Any], policies: list[str], baseline: str
) -> None:
    """Policies keep the experiment's order; the baseline is named or else the first.

    An experiment of the plain scenario records no policies: it is ``base``.
    """
    folder = opened(tmp_path, {"kind": "compare", "scenario": {"name": "t"}, **manifest})
    assert folder.policies == policies
    assert folder.baseline == baseline


def test_vary_without_a_curve_keeps_the_manifest_order(tmp_path: Path) -> None:
    """Before the curve is written, the manifest's (sorted) keys are all there is."""
    vary = {"a.x_min": [1, 2], "b.y": ["p", "q"]}
    folder = opened(tmp_path, {"kind": "sweep", "scenario": {}, "vary": vary})
    assert folder.vary == vary
    assert list(folder.vary) == ["a.x_min", "b.y"]
    assert opened(tmp_path / "none", {"kind": "sweep", "scenario": {}}).vary == {}


@pytest.mark.parametrize("name", ["curve.parquet", "curve.csv"])
def test_vary_follows_the_curve_columns_order(tmp_path: Path, name: str) -> None:
    """The sweep's own key order (the curve's first columns) wins over the manifest's sorting."""
    vary = {"a.first": [1], "b.second": [2]}
    folder = opened(tmp_path, {"kind": "sweep", "scenario": {}, "vary": vary},
                    {name: curve("b.second", "a.first")})
    assert list(folder.vary) == ["b.second", "a.first"]
    assert folder.vary == vary


def test_vary_keeps_only_swept_keys_and_appends_the_missing(tmp_path: Path) -> None:
    """Curve columns that are not swept keys are ignored; swept keys missing from it follow."""
    vary = {"a.k": [1], "c.k": [3], "b.k": [2]}
    folder = opened(tmp_path, {"kind": "sweep", "scenario": {}, "vary": vary},
                    {"curve.parquet": curve("b.k", "stray", "a.k")})
    assert list(folder.vary) == ["b.k", "a.k", "c.k"]


def test_vary_of_a_curve_without_points_is_the_manifests(tmp_path: Path) -> None:
    """A curve table without the ``point`` column gives no order: the manifest's is kept."""
    vary = {"a.k": [1], "b.k": [2]}
    folder = opened(tmp_path, {"kind": "sweep", "scenario": {}, "vary": vary},
                    {"curve.parquet": pa.table({"b.k": [2], "a.k": [1]})})
    assert list(folder.vary) == ["a.k", "b.k"]


def test_scenario_is_validated_from_the_manifest(tmp_path: Path) -> None:
    """The recorded scenario validates back to the scenario that was run."""
    scenario = xiamen()
    raw = scenario.model_dump(mode="json", by_alias=True)
    folder = opened(tmp_path, {"scenario": raw}, {"cases.parquet": TINY})
    assert folder.scenario() == scenario


def test_an_invalid_recorded_scenario_names_the_manifest(tmp_path: Path) -> None:
    """A scenario that no longer validates is reported against the folder's manifest."""
    raw = xiamen().model_dump(mode="json", by_alias=True)
    raw["contacts"]["rate_per_hour"] = -1
    folder = opened(tmp_path, {"scenario": raw}, {"cases.parquet": TINY})
    with pytest.raises(ScenarioError) as err:
        folder.scenario()
    assert err.value.source == str(tmp_path / "manifest.json")
    assert any(path == "contacts.rate_per_hour" for path, _ in err.value.problems)


# -- tables -----------------------------------------------------------------------------


def test_table_reads_parquet_and_csv_and_none_when_missing(tmp_path: Path) -> None:
    """Either format reads to the same values; a missing file is None, not an error."""
    data = pa.table({"policy": ["a", "b"], "value": [1.5, 2.0]})
    folder = opened(tmp_path, {"scenario": {}},
                    {"cases.parquet": TINY, "t.parquet": data, "t.csv": data})
    parquet, csv = folder.table("t.parquet"), folder.table("t.csv")
    assert parquet is not None and csv is not None
    assert parquet.to_pylist() == csv.to_pylist() == [
        {"policy": "a", "value": 1.5}, {"policy": "b", "value": 2.0}]
    assert folder.table("absent.parquet") is None


@pytest.mark.parametrize("name", ["t.parquet", "t.csv"])
def test_a_damaged_table_is_a_results_folder_error_naming_it(tmp_path: Path, name: str) -> None:
    """A table cut short or overwritten says which file, not an Arrow traceback."""
    folder = opened(tmp_path, {"scenario": {}}, {"cases.parquet": TINY})
    if name.endswith(".csv"):
        (tmp_path / name).write_bytes(b"a,b\n1,2,3\n")  # a row of three cells
    else:
        (tmp_path / name).write_text("junk\n", "utf-8")
    with pytest.raises(ResultsFolderError, match=rf"{name}: cannot be read as a table, the file "
                       r"is damaged \("):
        folder.table(name)


def test_tables_are_read_once(tmp_path: Path) -> None:
    """A table is read on first use and then kept: the same object, even if the file goes."""
    folder = opened(tmp_path, {"scenario": {}}, {"cases.parquet": pa.table({"case_id": [4]})})
    first = folder.table("cases.parquet")
    (tmp_path / "cases.parquet").unlink()
    assert folder.table("cases.parquet") is first
    assert first is not None and column(first, "case_id") == [4]


@pytest.mark.parametrize(("status", "hint"), [
    ("running", " (the experiment's status is 'running')"),
    ("interrupted", " (the experiment's status is 'interrupted')"),
    ("complete", ""),
    (None, ""),  # a run's folder has no status (written whole or not at all)
])
def test_need_names_the_missing_table_and_the_status(
    tmp_path: Path, status: str | None, hint: str
) -> None:
    """A missing table is an error naming the file, and why it may be missing."""
    manifest: dict[str, Any] = {"kind": "compare", "scenario": {}, "status": status}
    folder = opened(tmp_path, {k: v for k, v in manifest.items() if v is not None})
    with pytest.raises(ResultsFolderError) as err:
        folder.need("differences.csv")
    assert str(err.value) == f"{tmp_path}: differences.csv is missing{hint}"


def test_need_returns_a_table_that_is_there(tmp_path: Path) -> None:
    """A present table is returned as read."""
    folder = opened(tmp_path, {"scenario": {}}, {"cases.parquet": pa.table({"case_id": [0, 1]})})
    assert column(folder.need("cases.parquet"), "case_id") == [0, 1]


def test_kept_cases_are_concatenated_in_replication_order(tmp_path: Path) -> None:
    """Every kept case table of a policy, replication by replication; other files ignored."""
    files = {
        "replications/a/rep-00010.cases.parquet": pa.table({"replication": [10], "c": [3]}),
        "replications/a/rep-00002.cases.parquet": pa.table({"replication": [2, 2], "c": [1, 2]}),
        "replications/a/rep-00002.parquet": pa.table({"replication": [99], "c": [99]}),
        "replications/b/rep-00000.cases.parquet": pa.table({"replication": [0], "c": [7]}),
    }
    folder = opened(tmp_path, {"kind": "compare", "scenario": {}, "policies": ["a", "b"]}, files)
    kept = folder.kept_cases("a")
    assert kept is not None
    assert column(kept, "replication") == [2, 2, 10]
    assert column(kept, "c") == [1, 2, 3]


def test_kept_cases_of_a_policy_without_any_is_none(tmp_path: Path) -> None:
    """No folder, or a folder of measures only: the case tables were not kept."""
    folder = opened(tmp_path, {"kind": "compare", "scenario": {}},
                    {"replications/a/rep-00000.parquet": TINY})
    assert folder.kept_cases("a") is None
    assert folder.kept_cases("never_run") is None


def test_read_table_csv_empty_cells_are_nulls_but_empty_text_stays(tmp_path: Path) -> None:
    """An empty number is a null (NaN would be a value); an empty text stays the empty string."""
    path = tmp_path / "t.csv"
    path.write_text("policy,mean,verdict\na,1.5,higher\nb,,\n", encoding="utf-8")
    rows = read_table(path).to_pylist()
    assert rows == [{"policy": "a", "mean": 1.5, "verdict": "higher"},
                    {"policy": "b", "mean": None, "verdict": ""}]


def test_column_returns_python_values() -> None:
    """Columns come back as plain Python values, nulls as None."""
    table = pa.table({"v": pa.array([1, None, 3], pa.int64())})
    values = column(table, "v")
    assert values == [1, None, 3]
    assert all(isinstance(v, int) for v in values if v is not None)
