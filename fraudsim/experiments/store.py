"""The results folder of an experiment, written as it runs so that it can resume.

Layout::

    manifest.json                      what was run: scenario, policies, seed, versions
    replications/<policy>/rep-00007.parquet          one replication's measures
    replications/point-003/<policy>/rep-00007.parquet   (sweeps: per grid point)
    replications.parquet               every replication used, sorted
    policies.csv, differences.csv      (compare)
    curve.csv, curve.parquet           (sweep)

Each replication is written the moment it finishes, to a temporary file
renamed into place (``os.replace`` is atomic), so a killed experiment leaves
only complete files. Running the same experiment again reads them back
instead of recomputing them; the manifest guards against mixing the results
of different experiments in one folder.
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from fraudsim.experiments.errors import ExperimentError
from fraudsim.experiments.jobs import JobResult, Key
from fraudsim.experiments.measures import COUNT_COLUMNS, KEY_COLUMNS
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


def _atomic(path: Path, write: Any) -> None:
    """Write ``path`` through a temporary file in the same folder, then rename it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _plain(value: Any) -> Any:
    """Return ``value`` as it reads back from JSON, its tables in their order.

    The order is kept: a scenario's banks, regions and scam types are
    numbered in the order written, and the draws follow that numbering, so
    a manifest with its keys sorted would replay a different run.
    """
    return json.loads(json.dumps(value))


def _same(a: Any, b: Any) -> bool:
    """Return whether two manifest entries are the same, tables' order included.

    Dicts compare equal whatever their order; their JSON text does not.
    """
    return json.dumps(_plain(a)) == json.dumps(_plain(b))


class Store:
    """An experiment's results folder.

    Args:
        root: The folder (created if missing).
        by_point: Whether replications are filed per grid point (sweeps).
    """

    def __init__(self, root: Path, by_point: bool = False) -> None:
        self.root = Path(root)
        self.by_point = by_point
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

    def _finished(self, seed: Any) -> dict[Key, dict[str, Any]]:
        """Read every per-replication file back; clean up temporary files of a killed run."""
        done: dict[Key, dict[str, Any]] = {}
        base = self.root / "replications"
        for tmp in base.rglob(".*.tmp"):
            tmp.unlink(missing_ok=True)
        for path in sorted(base.rglob("rep-*[0-9].parquet")):
            rows = pq.read_table(path).to_pylist()
            if len(rows) == 1 and rows[0].get("seed") == seed:
                row = rows[0]
                done[(row["point"], row["policy"], row["replication"])] = row
        return done

    def write(self, result: JobResult) -> None:
        """File one finished replication (its case table first, if kept)."""
        point, policy, rep = result.key
        folder = self._folder(point, policy)
        folder.mkdir(parents=True, exist_ok=True)
        cases = result.cases
        if cases is not None:
            _atomic(folder / f"rep-{rep:05d}.cases.parquet", lambda p: write_parquet(cases, p))
        table = rows_table([result.row or {}])
        _atomic(folder / f"rep-{rep:05d}.parquet", lambda p: write_parquet(table, p))

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


def write_csv(table: pa.Table, path: Path) -> None:
    """Write a table as CSV: floats in full precision (``repr``), nulls empty."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(table.column_names)
        for row in table.to_pylist():
            writer.writerow(["" if v is None else repr(v) if isinstance(v, float) else v
                             for v in row.values()])
