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
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any, Final

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from fraudsim.model.cases import PREVENTED_SLOTS, STOPPERS, Case
from fraudsim.model.world import RawRun

IntArray = NDArray[np.int64]

CHUNK_CASES: Final = 65_536
"""Cases per record batch of the case table.

The table is built a chunk at a time so that a big run's case objects can be
freed as their rows are made (see :func:`cases_table`'s ``release``); a
chunk's temporary lists and arrays are a few megabytes.
"""


class ConservationError(RuntimeError):
    """A case's money does not add up: a bug in the model, never in the input."""


Getter = Callable[[Case], Any]

_ATTRIBUTES: list[tuple[str, pa.DataType, Getter]] = [
    ("case_id", pa.int64(), attrgetter("id")),
    ("contact_min", pa.float64(), attrgetter("contact_min")),
    ("first_payment_min", pa.float64(), lambda c: c.first_pay_min if c.l1_accounts else math.nan),
    ("last_payment_min", pa.float64(), attrgetter("last_pay_min")),
    ("installments_planned", pa.int64(), attrgetter("n_pay")),
    ("installments_paid", pa.int64(), lambda c: len(c.l1_accounts)),
    ("realise_min", pa.float64(), attrgetter("realise_min")),
    ("reported", pa.bool_(), lambda c: c.report_min == c.report_min),  # not NaN
    ("report_min", pa.float64(), attrgetter("report_min")),
    ("call_start_min", pa.float64(), attrgetter("call_start_min")),
    ("case_start_min", pa.float64(), attrgetter("case_start_min")),
    ("guidance_min", pa.float64(), attrgetter("guidance_min")),
    ("patrol_arrival_min", pa.float64(), attrgetter("patrol_min")),
    ("hold_min", pa.float64(), attrgetter("hold_min")),
    ("warned_min", pa.float64(), attrgetter("warned_min")),
    ("halted_by", pa.string(), attrgetter("halted_by")),
    ("halted_min", pa.float64(), attrgetter("halted_min")),
    ("first_stop_min", pa.float64(), attrgetter("first_stop_min")),
    ("last_freeze_min", pa.float64(), attrgetter("last_freeze_min")),
]
"""Case-table columns read straight off the case objects (after the ids)."""

_COUNTS: list[tuple[str, Getter]] = [
    ("accounts_frozen", attrgetter("accounts_frozen")),
    ("hops_traced", attrgetter("hops_traced")),
    ("stop_requests", attrgetter("stop_requests")),
]


def _ints(cases: list[Case], get: Getter) -> IntArray:
    return np.fromiter((get(c) for c in cases), dtype=np.int64, count=len(cases))


def itemgetter_of_prevented(who: str) -> Getter:
    """Return a getter of the fen a given stopper prevented for a case."""
    return attrgetter(PREVENTED_SLOTS[who])


def money_columns(run: RawRun, cases: list[Case]) -> dict[str, IntArray]:
    """Return the money columns of some of a run's cases, after checking the identity.

    Args:
        run: The finished run (its end balances).
        cases: The cases to tabulate, in row order.

    Raises:
        ConservationError: If any case's money does not add up exactly.
    """
    col = {f"prevented_by_{w}_fen": _ints(cases, itemgetter_of_prevented(w)) for w in STOPPERS}
    prevented = sum(col.values(), np.zeros(len(cases), dtype=np.int64))
    police = _ints(cases, attrgetter("frozen_police_fen"))
    bank = _ints(cases, attrgetter("frozen_bank_fen"))
    exposed = _ints(cases, attrgetter("exposed_fen"))
    cashed = _ints(cases, attrgetter("cashed_out_fen"))
    unpaid = _ints(cases, Case.remaining_fen)
    transit = _ints(cases, attrgetter("in_transit_fen"))
    in_accounts = _ints(cases, lambda c: run.in_accounts.get(c.id, 0))
    in_flight = in_accounts + transit + unpaid
    _check_identity(cases, exposed, prevented + police + bank + cashed + in_flight)
    return {
        "exposed_fen": exposed,
        "paid_fen": _ints(cases, attrgetter("paid_fen")),
        "prevented_fen": prevented,
        "frozen_fen": police + bank,
        "cashed_out_fen": cashed,
        "in_flight_fen": in_flight,
        "saved_fen": prevented + police + bank,
        "held_by_stop_fen": _ints(cases, lambda c: run.held.get(c.id, 0)),
        "unpaid_at_end_fen": unpaid,
        "in_transit_fen": transit,
        "frozen_by_police_fen": police,
        "frozen_by_bank_fen": bank,
        **col,
    }


def _check_identity(cases: list[Case], exposed: IntArray, parts: IntArray) -> None:
    bad = np.flatnonzero(exposed != parts)
    if len(bad):
        case = cases[int(bad[0])]
        raise ConservationError(
            f"{len(bad)} case(s) break exposed = prevented + frozen + cashed_out + in_flight; "
            f"first: case {case.id}, exposed {exposed[bad[0]]} fen, parts add up to "
            f"{parts[bad[0]]} fen"
        )


def cases_table(run: RawRun, *, release: bool = False) -> pa.Table:
    """Return one row per case: ids, key times (minutes; NaN if it never happened), amounts.

    Built column by column (no per-case row objects), one record batch per
    :data:`CHUNK_CASES` cases.

    Args:
        run: The finished run.
        release: Take the cases out of ``run.cases`` (left empty) and free
            each chunk's case objects once its rows are made. A million case
            objects hold more memory than their table, so this keeps a big
            run's peak memory at the end of the simulation instead of adding
            the table on top of it.

    Raises:
        ConservationError: If any case's money does not add up exactly.
    """
    cases = run.cases
    # range(1) for a run without cases: one empty batch still carries the schema.
    starts = range(0, len(cases), CHUNK_CASES) or range(1)
    if not release:
        return pa.Table.from_batches([_batch(run, cases[lo : lo + CHUNK_CASES]) for lo in starts])
    run.cases = []
    batches = []
    for lo in reversed(starts):  # from the end, so that each chunk is cut off the list
        batches.append(_batch(run, cases[lo:]))
        del cases[lo:]
    batches.reverse()
    return pa.Table.from_batches(batches)


def _batch(run: RawRun, cases: list[Case]) -> pa.RecordBatch:
    """Return the case-table rows of some of a run's cases."""
    regions = list(run.scenario.regions)
    scams = list(run.scenario.scam_types)
    columns: dict[str, pa.Array] = {
        "case_id": pa.array([c.id for c in cases], pa.int64()),
        "replication": pa.array(np.full(len(cases), run.replication, dtype=np.int64)),
        "region": pa.array([regions[c.region] for c in cases], pa.string()),
        "scam_type": pa.array([scams[c.scam] for c in cases], pa.string()),
    }
    for name, kind, get in _ATTRIBUTES[1:]:
        columns[name] = pa.array([get(c) for c in cases], kind)
    for name, values in money_columns(run, cases).items():
        columns[name] = pa.array(values, pa.int64())
    for name, get in _COUNTS:
        columns[name] = pa.array(_ints(cases, get), pa.int64())
    return pa.record_batch(columns)


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


def waits_by_resource(run: RawRun) -> dict[str, Sequence[float]]:
    """Return every queue wait (minutes) per resource."""
    return {m.name: m.waits for m in run.monitors}
