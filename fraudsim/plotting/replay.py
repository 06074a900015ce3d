"""Replay one case of a results folder with its full trace, and check the replay is faithful.

A results folder records the validated scenario, the seed and the
replication, so a case can be replayed (same seed, same random streams) with
``trace_case`` set, which records its every event and its money tree. The
replay is then checked against what the folder recorded: a figure of a
*different* case than the one in the results would be worse than none.

The check guards against folders whose scenario cannot reproduce the run,
for example one written by an older fraudsim that stored named tables
(scam types, banks, ...) in sorted order: the model's draws follow the
tables' order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudsim.api import SimulationResult, simulate
from fraudsim.experiments.measures import after_warmup, replication_metrics
from fraudsim.plotting.folder import ResultsFolder, ResultsFolderError, column
from fraudsim.scenario.policies import scenario_for_policy
from fraudsim.scenario.schema import Scenario

XIAMEN = "xiamen-2023"
"""Name of the Xiamen replay scenario, whose case 0 is the real case."""


@dataclass(frozen=True)
class TracedCase:
    """A case replayed with its full trace.

    Attributes:
        result: The replayed run (``trace``, ``tree``, ``tree_status`` filled).
        case_id: The case's id (row of the case table).
        policy: The policy it ran under (``""`` for a run).
        row: The case's row of the case table.
    """

    result: SimulationResult
    case_id: int
    policy: str
    row: dict[str, Any]


@dataclass(frozen=True)
class CasePlan:
    """Which case to replay, and how: everything :func:`simulate` needs.

    Attributes:
        scenario: The scenario (a comparison's baseline policy applied).
        policy: The policy's name (``""`` for a run).
        seed: Root seed of the results.
        replication: Replication replayed.
        case_id: The case.
    """

    scenario: Scenario
    policy: str
    seed: int
    replication: int
    case_id: int


def largest_exposure(cases: pa.Table) -> int | None:
    """Return the id of the case with the largest exposure (first if tied), or None."""
    if cases.num_rows == 0:
        return None
    exposed = np.asarray(column(cases, "exposed_fen"), dtype=np.int64)
    return int(column(cases, "case_id")[int(np.argmax(exposed))])


def _recorded_cases(folder: ResultsFolder, rep: int, warmup: bool = True) -> pa.Table | None:
    """Return the case table the folder holds for the replayed replication, if any.

    A run's table is whole: its summary counts the warm-up's cases too. A
    comparison's kept table loses its warm-up cases unless ``warmup``.
    """
    if folder.kind == "run":
        return folder.need("cases.parquet")
    kept = folder.kept_cases(folder.baseline, warmup=warmup)
    return None if kept is None else kept.filter(pc.equal(kept.column("replication"), rep))


def _recorded_row(folder: ResultsFolder, rep: int) -> dict[str, Any] | None:
    """Return the baseline's per-replication measures of a comparison, if recorded."""
    rows = folder.table("replications.parquet")
    if rows is None:
        return None
    for row in rows.to_pylist():
        if row["policy"] == folder.baseline and row["replication"] == rep and not row["point"]:
            return dict(row)
    return None


def mismatch(folder: ResultsFolder, result: SimulationResult) -> str | None:
    """Say how a replay differs from what the folder recorded (None: it matches)."""
    cases = _recorded_cases(folder, result.replication)
    keys = ("case_id", "contact_min", "exposed_fen", "saved_fen")
    if cases is not None:
        want = [tuple(r[k] for k in keys) for r in cases.select(list(keys)).to_pylist()]
        got = [tuple(r[k] for k in keys) for r in result.cases.select(list(keys)).to_pylist()]
        return None if want == got else (f"the replay gives {len(got)} cases, the results "
                                         f"{len(want)} (or different amounts)")
    row = _recorded_row(folder, result.replication)
    if row is None:
        return None
    mine = replication_metrics(result)
    diff = [k for k in ("cases_total", "exposed_fen", "saved_fen") if mine.get(k) != row.get(k)]
    return f"the replay's {', '.join(diff)} differ from replications.parquet" if diff else None


def _check(folder: ResultsFolder, result: SimulationResult) -> None:
    problem = mismatch(folder, result)
    if problem:
        raise ResultsFolderError(
            f"{folder.path}: cannot replay the case exactly: {problem}; rerun the scenario "
            "to draw its cases")


def default_case(folder: ResultsFolder, plan: CasePlan) -> int | None:
    """Return the case a presenter most likely wants: Xiamen's case 0, else the largest exposure.

    In a comparison the choice is among the cases its measures count: those
    after the warm-up (a run's summary counts every case, and so does this).
    """
    if folder.scenario_name == XIAMEN:
        return 0
    recorded = _recorded_cases(folder, plan.replication, warmup=False)
    if recorded is not None:
        return largest_exposure(recorded)
    result = simulate(plan.scenario, seed=plan.seed, replication=plan.replication)
    _check(folder, result)
    counted = result.cases if folder.kind == "run" else after_warmup(result.cases,
                                                                       folder.warmup_min)
    return largest_exposure(counted)


def plan_case(folder: ResultsFolder, case: int | None = None) -> CasePlan | None:
    """Choose the case to replay from a run (or a comparison's baseline, replication 0).

    Args:
        folder: A run or compare results folder.
        case: Case id; default :func:`default_case`.

    Returns:
        The plan, or None if the folder is a sweep or the run had no case.

    Raises:
        ResultsFolderError: If ``case`` is not a case of a run.
    """
    if folder.kind == "sweep":
        return None
    scenario = folder.scenario()
    policy = "" if folder.kind == "run" else folder.baseline
    if policy:
        scenario = scenario_for_policy(scenario, policy)
    seed = int(folder.manifest.get("seed", scenario.seed))
    rep = int(folder.manifest.get("replication", 0))
    if case is not None and folder.kind == "run":
        rows = folder.need("cases.parquet").num_rows
        if not 0 <= case < rows:
            ids = f"ids 0 to {rows - 1}" if rows else "no case to draw"
            raise ResultsFolderError(f"--case {case}: this run has {rows} cases ({ids})")
    plan = CasePlan(scenario, policy, seed, rep, -1)
    chosen = default_case(folder, plan) if case is None else case
    return None if chosen is None else CasePlan(scenario, policy, seed, rep, chosen)


def trace_case(folder: ResultsFolder, plan: CasePlan) -> TracedCase:
    """Replay the planned case with its full trace and money tree, checked against the folder.

    Raises:
        ResultsFolderError: If the case does not exist or the replay does not
            reproduce the recorded results.
    """
    try:
        result = simulate(plan.scenario, seed=plan.seed, replication=plan.replication,
                          trace_case=plan.case_id)
    except ValueError as err:
        raise ResultsFolderError(f"--case {plan.case_id}: {err}") from None
    _check(folder, result)
    row = result.cases.slice(plan.case_id, 1).to_pylist()[0]
    return TracedCase(result, plan.case_id, plan.policy, row)
