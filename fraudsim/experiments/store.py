"""The results folder of an experiment, written as it runs so that it can resume.

Layout::

    manifest.json                      what was run: scenario, policies, seed, versions
    replications/<policy>/rep-00007.parquet          one replication's measures
    replications/point-003/<policy>/rep-00007.parquet   (sweeps: per grid point)
    replications.parquet               every replication used, sorted
    policies.csv, differences.csv      (compare)
    curve.csv, curve.parquet           (sweep)

Each replication is written the moment it finishes, to a temporary file
flushed to disk and renamed into place (``os.replace`` is atomic), so a
killed experiment, or a machine that loses power, leaves only complete files.
Running the same experiment again reads them back instead of recomputing
them; a file that cannot be read anyway (a disk that lied, a hand edit), or
whose columns are not those a replication writes (another fraudsim version),
is set aside and its replication run again. The manifest guards against mixing
the results of different experiments in one folder.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from fraudsim.experiments.errors import ExperimentError
from fraudsim.experiments.jobs import JobResult, Key
from fraudsim.experiments.measures import COUNT_COLUMNS, KEY_COLUMNS, row_columns
from fraudsim.results import versions, write_parquet

MANIFEST = "manifest.json"
IDENTITY = ("kind", "scenario", "policies", "baseline", "seed", "vary")
"""Manifest entries that must match for a folder to be resumed."""

_INT_COLUMNS = {"point", "replication", "seed", *COUNT_COLUMNS}


def row_schema(columns: list[str]) -> pa.Schema:
    """Return the schema of per-replication rows: keys and counts as integers, measures floats."""
    def kind(name: str) -> pa.DataType:
        if name == "policy":
            return pa.string()
        return pa.int64() if name in _INT_COLUMNS else pa.float64()
    return pa.schema([pa.field(c, kind(c)) for c in columns])


def rows_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Return rows as a table sorted by (point, policy, replication)."""
    if not rows:
        return pa.table({c: [] for c in KEY_COLUMNS}, schema=row_schema(list(KEY_COLUMNS)))
    ordered = sorted(rows, key=lambda r: (r["point"], r["policy"], r["replication"]))
    return pa.Table.from_pylist(ordered, schema=row_schema(list(ordered[0])))


DAMAGED = ".damaged"
"""Suffix of a replication file set aside because it could not be read back."""


SHOWN_NAMES = 3
"""Column names listed, at most, when a file's columns are wrong (the line stays short)."""


class DamagedFileError(Exception):
    """A replication file that does not hold the one row its name promises."""


def column_problem(found: pa.Schema, expected: pa.Schema) -> str | None:
    """Say how a file's columns differ from those expected, if they do (in one line).

    Columns are matched by name, in any order; a column of another type
    counts too, as its values would be added up as they are.
    """
    missing = [n for n in expected.names if n not in found.names]
    extra = [n for n in found.names if n not in expected.names]
    mistyped = [n for n in expected.names if n in found.names
                and found.field(n).type != expected.field(n).type]
    problems = [f"{what} {_some(names)}" for what, names in (
        ("lacks the column(s)", missing), ("has unexpected column(s)", extra),
        ("has column(s) of another type:", mistyped)) if names]
    return ", ".join(problems) or None


def _some(names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN_NAMES])
    more = len(names) - SHOWN_NAMES
    return shown + (f" and {more} more" if more > 0 else "")


def _atomic(path: Path, write: Any) -> None:
    """Write ``path`` through a temporary file in the same folder, then rename it.

    The temporary file is flushed to disk before the rename: without that, a
    power cut can keep the rename but lose the data, leaving an empty file
    under the final name that a resumed run would take for a finished one.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        _flush_to_disk(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _flush_to_disk(path: Path) -> None:
    """Wait until ``path``'s content is on disk (opened for writing, as Windows needs)."""
    with path.open("rb+") as f:
        os.fsync(f.fileno())


def _first_line(err: BaseException) -> str:
    """Return an error's message in one line (Arrow's may end in a newline or a C++ trace)."""
    lines = str(err).strip().splitlines()
    return lines[0] if lines else type(err).__name__


def _plain(value: Any) -> Any:
    """Return ``value`` as it reads back from JSON, its tables in their order.

    The order is kept: a scenario's banks, regions and scam types are
    numbered in the order written, and the draws follow that numbering, so
    a manifest with its keys sorted would replay a different run.
    """
    return json.loads(json.dumps(value))


def _same(a: Any, b: Any) -> bool:
    """Return whether two manifest entries are the same, tables' order included.

    Dicts compare equal whatever their order; their JSON text does not (and
    is the text :func:`_plain`'s round trip would give).
    """
    return json.dumps(a) == json.dumps(b)


class Store:
    """An experiment's results folder.

    Args:
        root: The folder (created if missing).
        by_point: Whether replications are filed per grid point (sweeps).
        columns: Columns of a replication's row (default: those a
            replication writes, :func:`~fraudsim.experiments.measures.row_columns`);
            a file read back with other columns is set aside.
    """

    def __init__(self, root: Path, by_point: bool = False,
                 columns: Sequence[str] | None = None) -> None:
        self.root = Path(root)
        self.by_point = by_point
        self.schema = row_schema(list(row_columns() if columns is None else columns))
        self.manifest: dict[str, Any] = {}

    def open(
        self, identity: Mapping[str, Any], extra: Mapping[str, Any]
    ) -> dict[Key, dict[str, Any]]:
        """Create the folder, or check it holds the same experiment, and read what is done.

        Args:
            identity: What defines the experiment (see :data:`IDENTITY`).
            extra: Further manifest entries (command, settings).

        Returns:
            The rows of every replication already finished, by key.

        Raises:
            ExperimentError: If the folder holds something else.
        """
        old = self._read_manifest()
        if old is not None:
            different = [k for k in IDENTITY if not _same(old.get(k), identity.get(k))]
            if different:
                raise ExperimentError(
                    f"{self.root} holds results of a different experiment (its "
                    f"{', '.join(different)} differ); choose another --out folder, or delete "
                    "this one to start again")
        self.manifest = {**_plain(dict(identity)), **_plain(dict(extra)),
                         "versions": versions(), "status": "running",
                         "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        if old is not None:
            self.manifest["started"] = old.get("started", self.manifest["started"])
        self.root.mkdir(parents=True, exist_ok=True)
        self._write_manifest()
        return self._finished(identity.get("seed"))

    def _read_manifest(self) -> dict[str, Any] | None:
        path = self.root / MANIFEST
        if self.root.exists() and not self.root.is_dir():
            raise ExperimentError(f"{self.root} is a file, not a folder; choose another --out")
        if not path.exists():
            if self.root.exists() and any(self.root.iterdir()):
                raise ExperimentError(f"{self.root} exists and is not an experiment results "
                                      "folder (no manifest.json); choose another --out folder")
            return None
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ExperimentError(f"{path} cannot be read: {err}") from None
        return data

    def _write_manifest(self) -> None:
        text = json.dumps(self.manifest, indent=2) + "\n"
        _atomic(self.root / MANIFEST, lambda p: p.write_text(text, encoding="utf-8"))

    def _folder(self, point: int, policy: str) -> Path:
        base = self.root / "replications"
        return (base / f"point-{point:03d}" if self.by_point else base) / policy

    def _path(self, point: int, policy: str, rep: int) -> Path:
        return self._folder(point, policy) / f"rep-{rep:05d}.parquet"

    def _finished(self, seed: Any) -> dict[Key, dict[str, Any]]:
        """Read every per-replication file back; clean up temporary files of a killed run.

        A damaged file is set aside rather than trusted or fatal: leaving it
        out makes the run compute that replication again, which gives the
        same row, so the results match an undisturbed run.
        """
        done: dict[Key, dict[str, Any]] = {}
        base = self.root / "replications"
        for tmp in base.rglob(".*.tmp"):
            tmp.unlink(missing_ok=True)
        for path in sorted(base.rglob("rep-*[0-9].parquet")):
            try:
                row = self._row_of(path)
            except DamagedFileError as err:
                _set_aside(path, str(err))
                continue
            if row.get("seed") == seed:
                done[(row["point"], row["policy"], row["replication"])] = row
        return done

    def _row_of(self, path: Path) -> dict[str, Any]:
        """Return the row a replication file holds, checked against the file's name.

        Raises:
            DamagedFileError: If the file cannot be read, has other columns than
                a replication writes, or does not hold exactly the one row of
                the replication its folder and name stand for.
        """
        try:
            table = pq.read_table(path)
            rows: list[dict[str, Any]] = table.to_pylist()
        except (OSError, pa.ArrowException) as err:  # Arrow raises both, by the damage
            raise DamagedFileError(f"cannot be read: {_first_line(err)}") from None
        # Trusted, a missing measure would be left out of its mean unseen, and
        # a missing or extra column would break the table of all rows.
        problem = column_problem(table.schema, self.schema)
        if problem:
            raise DamagedFileError(problem)
        if len(rows) != 1:
            raise DamagedFileError(f"holds {len(rows)} rows, not 1")
        point, policy, rep = (rows[0].get(c) for c in ("point", "policy", "replication"))
        if not (isinstance(point, int) and isinstance(policy, str) and isinstance(rep, int)
                and self._path(point, policy, rep) == path):
            raise DamagedFileError("holds another replication than its name says")
        return rows[0]

    def write(self, result: JobResult) -> None:
        """File one finished replication (its case table first, if kept)."""
        point, policy, rep = result.key
        folder = self._folder(point, policy)
        folder.mkdir(parents=True, exist_ok=True)
        cases = result.cases
        if cases is not None:
            _atomic(folder / f"rep-{rep:05d}.cases.parquet", lambda p: write_parquet(cases, p))
        table = rows_table([result.row or {}])
        _atomic(self._path(point, policy, rep), lambda p: write_parquet(table, p))

    def finish(self, tables: Mapping[str, pa.Table], outcome: Mapping[str, Any]) -> None:
        """Write the aggregate tables and mark the manifest complete.

        Args:
            tables: File name -> table; ``.csv`` names are written as CSV,
                ``.parquet`` names as Parquet.
            outcome: Manifest entries describing the result (replications
                used, precision reached).
        """
        for name, table in tables.items():
            path = self.root / name
            if name.endswith(".csv"):
                _atomic(path, lambda p, t=table: write_csv(t, p))
            else:
                _atomic(path, lambda p, t=table: write_parquet(t, p))
        self.manifest.update(_plain(dict(outcome)))
        self.manifest["status"] = "complete"
        self._write_manifest()


def _set_aside(path: Path, problem: str) -> None:
    """Rename a damaged replication file out of the way, and say so on stderr.

    It is renamed, not deleted, in case the problem is this reader's and the
    file is worth a look; the new name no longer matches what is read back.
    """
    aside = path.with_name(path.name + DAMAGED)
    os.replace(path, aside)
    print(f"{path} {problem}; set aside as {aside.name}, its replication is run again",
          file=sys.stderr)


def write_csv(table: pa.Table, path: Path) -> None:
    """Write a table as CSV: floats in full precision (``repr``), nulls empty."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(table.column_names)
        for row in table.to_pylist():
            writer.writerow(["" if v is None else repr(v) if isinstance(v, float) else v
                             for v in row.values()])
