"""Read a results folder of ``fraudsim run``, ``compare`` or ``sweep``, and say which it is.

The three kinds hold different tables:

* **run** (one replication): ``cases.parquet``, ``resources.parquet``,
  ``summary.csv``, ``manifest.json`` (scenario, seed, replication);
* **compare** (policies with common random numbers): ``policies.csv``,
  ``differences.csv``, ``replications.parquet`` and, if the case tables were
  kept, ``replications/<policy>/rep-*.cases.parquet``;
* **sweep** (outcome curves): ``curve.parquet`` / ``curve.csv`` and
  ``replications.parquet``; the manifest's ``vary`` names the swept keys.

This module does not import matplotlib: the HTML report uses it too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from fraudsim.experiments.errors import ExperimentError
from fraudsim.experiments.measures import after_warmup
from fraudsim.experiments.policies import policy_order
from fraudsim.model.cases import MINUTES_PER_DAY
from fraudsim.scenario.loading import ScenarioError, validate_scenario
from fraudsim.scenario.schema import Scenario

Kind = Literal["run", "compare", "sweep"]

BASE_POLICY = "base"


class ResultsFolderError(ValueError):
    """The folder is not a results folder, or lacks a table a figure needs."""


@dataclass
class ResultsFolder:
    """A results folder and its manifest, with tables read on first use.

    Attributes:
        path: The folder.
        kind: ``"run"``, ``"compare"`` or ``"sweep"``.
        manifest: The parsed ``manifest.json``.
    """

    path: Path
    kind: Kind
    manifest: dict[str, Any]
    _tables: dict[str, pa.Table | None] = field(default_factory=dict, repr=False)

    @property
    def scenario_name(self) -> str:
        """Return the scenario's name (``xiamen-2023`` for the Xiamen replay)."""
        return str(self.manifest.get("scenario", {}).get("name", "?"))

    @property
    def policies(self) -> list[str]:
        """Return the policies in the experiment's order (baseline first).

        A run has no policies; it is shown under its scenario's name.
        """
        if self.kind == "run":
            return [self.scenario_name]
        return [str(p) for p in self.manifest.get("policies") or [BASE_POLICY]]

    @property
    def baseline(self) -> str:
        """Return the baseline policy (a run's scenario name)."""
        return str(self.manifest.get("baseline") or self.policies[0])

    @cached_property
    def colour_order(self) -> list[str]:
        """Return the policies in the order that fixes their colours: one colour per place.

        Slides put figures of several experiments side by side, so a policy
        must look the same in all of them: the order is the scenario's full
        comparison (what a default ``fraudsim compare`` runs, its declared
        baseline first), then the experiment's other policies (``base``, an
        undeclared baseline) in the experiment's order. It may name policies
        the experiment did not run: they keep their places, so that the
        colours of the others do not shift. A run's one series stays first
        (black), and a folder whose recorded scenario no longer validates
        (written by an older fraudsim) falls back to the experiment's order.
        """
        if self.kind == "run":
            return self.policies
        return list(dict.fromkeys([*self._full_comparison(), *self.policies]))

    def _full_comparison(self) -> list[str]:
        """Return the policies of the recorded scenario's full comparison, or [] if unknown."""
        if not isinstance(self.manifest.get("scenario"), Mapping):
            return []
        try:
            return policy_order(self.scenario())
        except (ScenarioError, ExperimentError):
            return []

    @property
    def vary(self) -> dict[str, list[Any]]:
        """Return the swept key paths and their values, in the sweep's order (first outer).

        The manifest stores them with sorted keys; the curve table keeps the
        order they were given in (its first columns), so that order wins.
        """
        vary = dict(self.manifest.get("vary") or {})
        curve = self.table("curve.parquet")
        curve = self.table("curve.csv") if curve is None else curve
        if curve is None or "point" not in curve.column_names:
            return vary
        given = curve.column_names[: curve.column_names.index("point")]
        return {k: vary[k] for k in [*given, *vary] if k in vary}

    def scenario(self) -> Scenario:
        """Return the validated scenario recorded in the manifest."""
        return validate_scenario(self.manifest["scenario"], str(self.path / "manifest.json"))

    def table(self, name: str) -> pa.Table | None:
        """Return a table of the folder by file name (``.parquet`` or ``.csv``), or None."""
        if name not in self._tables:
            path = self.path / name
            self._tables[name] = read_table(path) if path.exists() else None
        return self._tables[name]

    def need(self, name: str) -> pa.Table:
        """Return a table that must be there.

        Raises:
            ResultsFolderError: Naming the missing file.
        """
        table = self.table(name)
        if table is None:
            status = self.manifest.get("status")
            # A run's folder has no status: it is written whole or not at all.
            unfinished = status is not None and status != "complete"
            hint = f" (the experiment's status is {status!r})" if unfinished else ""
            raise ResultsFolderError(f"{self.path}: {name} is missing{hint}")
        return table

    @property
    def warmup_min(self) -> float:
        """Return the end of the scenario's warm-up, in minutes (0: none)."""
        time = self.manifest["scenario"].get("time") or {}
        return float(time.get("warmup_days") or 0.0) * MINUTES_PER_DAY

    def kept_cases(self, policy: str, warmup: bool = False) -> pa.Table | None:
        """Return every kept case table of a policy, concatenated, or None if none was kept.

        Args:
            policy: The policy.
            warmup: Keep the cases whose scam contact falls in the warm-up.
                By default they are cut, exactly as the experiment's measures
                cut them (:func:`fraudsim.experiments.measures.after_warmup`),
                so figures count the cases the headline tables count.
        """
        folder = self.path / "replications" / policy
        paths = sorted(folder.glob("rep-*.cases.parquet")) if folder.is_dir() else []
        if not paths:
            return None
        cases = pa.concat_tables([read_table(p) for p in paths])
        return cases if warmup else after_warmup(cases, self.warmup_min)


def read_table(path: Path) -> pa.Table:
    """Read a Parquet or CSV table (CSV: empty cells are nulls).

    Raises:
        ResultsFolderError: If the file cannot be read as a table (cut
            short, overwritten, or not a table at all).
    """
    try:
        if path.suffix == ".parquet":
            return pq.read_table(path)
        convert = pacsv.ConvertOptions(strings_can_be_null=False, null_values=[""])
        return pacsv.read_csv(path, convert_options=convert)
    except (pa.ArrowException, OSError) as err:
        raise ResultsFolderError(f"{path}: cannot be read as a table, the file is damaged "
                                 f"({err})") from None


def detect_kind(path: Path, manifest: dict[str, Any]) -> Kind:
    """Say which command wrote a folder, from its manifest and its files.

    Raises:
        ResultsFolderError: If it is none of the three.
    """
    kind = manifest.get("kind")
    if kind in ("compare", "sweep"):
        return "compare" if kind == "compare" else "sweep"
    if (path / "cases.parquet").exists():
        return "run"
    if (path / "curve.parquet").exists() or (path / "curve.csv").exists():
        return "sweep"
    if (path / "policies.csv").exists():
        return "compare"
    raise ResultsFolderError(
        f"{path}: not a results folder of fraudsim run, compare or sweep "
        "(expected cases.parquet, policies.csv or curve.parquet beside manifest.json)"
    )


def open_folder(path: Path) -> ResultsFolder:
    """Open a results folder.

    Raises:
        ResultsFolderError: If there is no readable manifest or the kind is unknown.
    """
    path = Path(path)
    manifest_path = path / "manifest.json"
    if not manifest_path.is_file():
        raise ResultsFolderError(f"{path}: no manifest.json; is this a results folder?")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ResultsFolderError(f"{manifest_path} cannot be read: {err}") from None
    if not isinstance(manifest, dict) or "scenario" not in manifest:
        raise ResultsFolderError(f"{manifest_path}: no scenario recorded")
    return ResultsFolder(path, detect_kind(path, manifest), manifest)


def column(table: pa.Table, name: str) -> list[Any]:
    """Return a column as Python values."""
    values: list[Any] = table.column(name).to_pylist()
    return values
