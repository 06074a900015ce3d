"""Turn a finished run into tables: one row per case, one row per resource bin.

This is where the money identity is closed for every case::

    exposed = prevented + frozen + cashed_out + in_flight

``in_flight`` is not derived from the others: it is counted from what is
still sitting in mule accounts, in delayed credits and in payments not yet
due at the end of the run, so the identity is a real check of the model's
bookkeeping. A run that breaks it raises :class:`ConservationError`.
"""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa

from fraudsim.model.cases import STOPPERS, Case
from fraudsim.model.world import RawRun


class ConservationError(RuntimeError):
    """A case's money does not add up: a bug in the model, never in the input."""


def _in_flight(run: RawRun, case: Case) -> tuple[int, int, int]:
    """Return (in flight, held by a stop, unpaid at end) for one case."""
    unpaid = case.remaining_fen()
    in_accounts = run.in_accounts.get(case.id, 0)
    return in_accounts + case.in_transit_fen + unpaid, run.held.get(case.id, 0), unpaid


def _money_row(run: RawRun, case: Case) -> dict[str, int]:
    prevented = sum(case.prevented.values())
    frozen = case.frozen_police_fen + case.frozen_bank_fen
    in_flight, held, unpaid = _in_flight(run, case)
    total = prevented + frozen + case.cashed_out_fen + in_flight
    if total != case.exposed_fen:
        raise ConservationError(
            f"case {case.id}: exposed {case.exposed_fen} fen but prevented {prevented} + frozen "
            f"{frozen} + cashed out {case.cashed_out_fen} + in flight {in_flight} = {total}"
        )
    row = {
        "exposed_fen": case.exposed_fen,
        "paid_fen": case.paid_fen,
        "prevented_fen": prevented,
        "frozen_fen": frozen,
        "cashed_out_fen": case.cashed_out_fen,
        "in_flight_fen": in_flight,
        "saved_fen": prevented + frozen,
        "held_by_stop_fen": held,
        "unpaid_at_end_fen": unpaid,
        "in_transit_fen": case.in_transit_fen,
        "frozen_by_police_fen": case.frozen_police_fen,
        "frozen_by_bank_fen": case.frozen_bank_fen,
    }
    for who in STOPPERS:
        row[f"prevented_by_{who}_fen"] = case.prevented[who]
    return row


def _case_row(run: RawRun, case: Case, regions: list[str], scams: list[str]) -> dict[str, Any]:
    return {
        "case_id": case.id,
        "replication": run.replication,
        "region": regions[case.region],
        "scam_type": scams[case.scam],
        "contact_min": case.contact_min,
        "first_payment_min": case.first_pay_min if case.l1_accounts else math.nan,
        "last_payment_min": case.last_pay_min,
        "installments_planned": len(case.installments),
        "installments_paid": len(case.l1_accounts),
        "realise_min": case.realise_min,
        "reported": not math.isnan(case.report_min),
        "report_min": case.report_min,
        "call_start_min": case.call_start_min,
        "case_start_min": case.case_start_min,
        "guidance_min": case.guidance_min,
        "patrol_arrival_min": case.patrol_min,
        "hold_min": case.hold_min,
        "warned_min": case.warned_min,
        "halted_by": case.halted_by,
        "halted_min": case.halted_min,
        "first_stop_min": case.first_stop_min,
        "last_freeze_min": case.last_freeze_min,
        **_money_row(run, case),
        "accounts_frozen": case.accounts_frozen,
        "hops_traced": case.hops_traced,
        "stop_requests": case.stop_requests,
    }


_INT_COLUMNS = {
    "case_id",
    "replication",
    "installments_planned",
    "installments_paid",
    "accounts_frozen",
    "hops_traced",
    "stop_requests",
}


def _schema(columns: list[str]) -> pa.Schema:
    fields = []
    for name in columns:
        if name.endswith("_fen") or name in _INT_COLUMNS:
            fields.append(pa.field(name, pa.int64()))
        elif name in ("region", "scam_type", "halted_by"):
            fields.append(pa.field(name, pa.string()))
        elif name == "reported":
            fields.append(pa.field(name, pa.bool_()))
        else:
            fields.append(pa.field(name, pa.float64()))
    return pa.schema(fields)


def cases_table(run: RawRun) -> pa.Table:
    """Return one row per case: ids, key times (minutes; NaN if it never happened), amounts."""
    regions = list(run.scenario.regions)
    scams = list(run.scenario.scam_types)
    rows = [_case_row(run, c, regions, scams) for c in run.cases]
    if not rows:
        columns = _empty_columns(run)
        return pa.table({c: [] for c in columns}, schema=_schema(columns))
    columns = list(rows[0])
    return pa.table({c: [r[c] for r in rows] for c in columns}, schema=_schema(columns))


def _empty_columns(run: RawRun) -> list[str]:
    """Column names of the case table, for a run without cases."""
    probe = Case(0, 0, 0, 0.0, [1], [0.0], 0.0)
    probe.next_i = 1
    probe.prevented["self"] = 1  # balances the probe so its row passes the money check
    empty = RawRun(
        run.scenario,
        run.seed,
        run.replication,
        run.end_min,
        run.counts,
        [probe],
        {},
        {},
        [],
        {},
        0,
        0,
        0,
    )
    return list(_case_row(empty, probe, list(run.scenario.regions), list(run.scenario.scam_types)))


def resources_table(run: RawRun) -> pa.Table:
    """Return queue length, busy servers, utilisation and waits per resource and time bin."""
    rows = [row for m in run.monitors for row in m.rows(run.end_min)]
    columns = [
        "resource",
        "bin_start_min",
        "bin_end_min",
        "mean_queue",
        "max_queue",
        "mean_busy",
        "mean_capacity",
        "utilisation",
        "arrivals",
        "starts",
        "mean_wait_min",
    ]
    types = {
        "resource": pa.string(),
        "max_queue": pa.int64(),
        "arrivals": pa.int64(),
        "starts": pa.int64(),
    }
    schema = pa.schema([pa.field(c, types.get(c, pa.float64())) for c in columns])
    return pa.table({c: [r[c] for r in rows] for c in columns}, schema=schema)


def waits_by_resource(run: RawRun) -> dict[str, list[float]]:
    """Return every queue wait (minutes) per resource."""
    return {m.name: m.waits for m in run.monitors}
