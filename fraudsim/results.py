"""The results folder: tables and manifest, written atomically.

A run's outputs are first written into a hidden temporary folder beside the
destination and renamed into place only when every file is complete, so an
interrupted or failed run never leaves a half-written results folder (and
never destroys the previous complete one).
"""

from __future__ import annotations

import csv
import json
import os
import platform
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import simpy

import fraudsim
from fraudsim.api import SimulationResult
from fraudsim.engine import engine


@contextmanager
def atomic_folder(dest: Path) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``dest`` when the block succeeds.

    On an exception the temporary folder is removed and ``dest`` is left as
    it was.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))
    try:
        yield tmp
        if dest.exists():
            _swap_in(tmp, dest)
        else:
            os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_in(new: Path, dest: Path) -> None:
    """Replace the folder ``dest`` by ``new``; on any failure put ``dest`` back.

    A folder cannot be renamed over a non-empty one, so the old folder is
    first moved aside; if the second rename fails (or is interrupted) the old
    folder is moved back before the error goes on.
    """
    aside = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".old", dir=dest.parent))
    old = aside / dest.name
    os.replace(dest, old)
    try:
        os.replace(new, dest)
    except BaseException:
        os.replace(old, dest)
        shutil.rmtree(aside, ignore_errors=True)
        raise
    shutil.rmtree(aside)


def write_parquet(table: pa.Table, path: Path | BinaryIO) -> None:
    """Write a table to Parquet with settings that give the same bytes for the same data."""
    pq.write_table(table, path, compression="zstd", write_statistics=True)


def write_summary_csv(result: SimulationResult, path: Path) -> None:
    """Write the headline metrics as ``metric,value,unit`` rows."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["metric", "value", "unit"])
        for m in result.summary:
            writer.writerow([m.metric, repr(m.value), m.unit])


def versions() -> dict[str, str]:
    """Return the versions of fraudsim, its engine and the libraries that shape results.

    The engine (``python`` or ``compiled``) does not change results, but a
    manifest says which one ran, so that its speed can be told apart.
    """
    return {
        "fraudsim": fraudsim.__version__,
        "engine": engine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "simpy": simpy.__version__,
        "pyarrow": pa.__version__,
    }


def file_in_the_way(folder: Path) -> Path | None:
    """Return the file that stops ``folder`` from being made (itself or a parent), if any."""
    return next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)


class DestinationError(Exception):
    """A results folder that cannot be written without harm (see :func:`check_destination`)."""


def _is_run_folder(folder: Path) -> bool:
    """Return whether ``folder`` holds the results of an earlier ``fraudsim run``."""
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    # An experiment's manifest names its kind; a run's has a replication.
    return isinstance(data, dict) and "replication" in data and "kind" not in data


def check_destination(dest: Path) -> None:
    """Refuse a results folder whose writing would destroy what is not a run's results.

    A run replaces its folder as a whole, so the folder must be missing,
    empty, or the results of an earlier run; anything else (a file, a
    folder of one's own, an experiment's folder, the current folder) is
    refused before the run starts, not found out after it. The parent
    must also take a new folder: one is made and removed to find out.

    Raises:
        DestinationError: Saying what is in the way.
    """
    dest = Path(dest)
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        raise DestinationError(f"{dest} exists and is not a folder; choose another --out")
    here = Path.cwd().resolve()
    if dest.exists() and (dest.resolve() == here or dest.resolve() in here.parents):
        raise DestinationError(f"{dest} is the current folder or holds it; choose another --out")
    if dest.is_dir() and any(dest.iterdir()) and not _is_run_folder(dest):
        raise DestinationError(
            f"{dest} exists and does not hold the results of a fraudsim run (it would be "
            "replaced as a whole); choose another --out folder, or empty this one"
        )
    blocking = file_in_the_way(dest.parent)
    if blocking is not None:
        raise DestinationError(f"{blocking} is a file, not a folder, so {dest} cannot be made; "
                               "choose another --out")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.rmdir(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".probe", dir=dest.parent))
    except OSError as err:
        raise DestinationError(f"cannot write results beside {dest}: {err.strerror}") from None


def manifest(result: SimulationResult, command: list[str], overrides: list[str]) -> dict[str, Any]:
    """Return everything needed to reproduce a run."""
    return {
        "scenario": result.scenario.model_dump(mode="json", by_alias=True),
        "seed": result.seed,
        "replication": result.replication,
        "overrides": overrides,
        "command": command,
        "versions": versions(),
        "wall_time_s": round(result.stats.get("wall_s", 0.0), 3),
        "stats": result.stats,
    }


def write_results(
    result: SimulationResult, dest: Path, command: list[str], overrides: list[str]
) -> Path:
    """Write cases.parquet, resources.parquet, summary.csv and manifest.json to ``dest``.

    Raises:
        DestinationError: If ``dest`` is not a folder a run may replace
            (see :func:`check_destination`).
    """
    check_destination(dest)
    with atomic_folder(dest) as tmp:
        write_parquet(result.cases, tmp / "cases.parquet")
        write_parquet(result.resources, tmp / "resources.parquet")
        write_summary_csv(result, tmp / "summary.csv")
        text = json.dumps(manifest(result, command, overrides), indent=2)
        (tmp / "manifest.json").write_text(text + "\n", encoding="utf-8")
    return dest
