"""Turn a finished run into tables: one row per case, one row per resource bin.

This is where the money identity is closed for every case::

    exposed = prevented + frozen + cashed_out + in_flight

``in_flight`` is not derived from the others: it is counted from what is
still sitting in mule accounts, in delayed credits and in payments not yet
due at the end of the run, so the identity is a real check of the model's
bookkeeping. A run that breaks it raises :class:`ConservationError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pyarrow as pa
from librt.vecs import vec
from mypy_extensions import i64
from numpy.typing import NDArray

from fraudsim.model.caserows import NUMBER_FIELDS, TIME_FIELDS, case_rows, payment_rows
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


_ATTRIBUTES = (
    "contact_min",
    "first_payment_min",
    "last_payment_min",
    "installments_planned",
    "installments_paid",
    "payment_min",
    "payment_fen",
    "realise_min",
    "reported",
    "report_min",
    "report_due_min",
    "call_start_min",
    "case_start_min",
    "guidance_min",
    "patrol_arrival_min",
    "hold_min",
    "warned_min",
    "halted_by",
    "halted_min",
    "first_stop_min",
    "last_freeze_min",
)
"""Case-table columns taken as the cases record them (after the ids), in table order."""

_COUNTS = ("accounts_frozen", "hops_traced", "stop_requests")

Values = dict[str, NDArray[Any]]
"""Some cases' times and numbers as columns: field name -> one value per case."""


def record_columns(cases: list[Case]) -> Values:
    """Return the cases' times and numbers (see :mod:`fraudsim.model.caserows`) as columns."""
    time_rows, number_rows = case_rows(cases)
    times = _columns(time_rows, np.float64, len(TIME_FIELDS))
    numbers = _columns(number_rows, np.int64, len(NUMBER_FIELDS))
    return {**dict(zip(TIME_FIELDS, times, strict=True)),
            **dict(zip(NUMBER_FIELDS, numbers, strict=True))}


def _columns(rows: vec[float] | vec[i64], dtype: type, width: int) -> NDArray[Any]:
    """Return a buffer of rows of ``width`` values as an array of columns, one row per field.

    The cases are read row by row, in one pass (see :func:`case_rows`): a
    case's values were made together and lie together in memory, where
    reading them a column at a time jumps across the heap for every value
    (about three times slower for the times of a hundred thousand cases).
    """
    flat: NDArray[Any] = np.frombuffer(memoryview(rows), dtype=dtype)
    return flat.reshape(-1, width).T.copy()


def money_columns(run: RawRun, values: Values) -> dict[str, IntArray]:
    """Return the money columns of some of a run's cases, after checking the identity.

    Args:
        run: The finished run (its end balances).
        values: The cases' numbers as columns (see :func:`record_columns`).

    Raises:
        ConservationError: If any case's money does not add up exactly.
    """
    col = {f"prevented_by_{w}_fen": values[PREVENTED_SLOTS[w]] for w in STOPPERS}
    prevented = sum(col.values(), np.zeros(len(values["case_id"]), dtype=np.int64))
    police = values["frozen_police_fen"]
    bank = values["frozen_bank_fen"]
    exposed = values["exposed_fen"]
    cashed = values["cashed_out_fen"]
    unpaid = values["unpaid_fen"]
    transit = values["in_transit_fen"]
    ids = values["case_id"]
    in_accounts = run.in_accounts[ids]
    in_flight = in_accounts + transit + unpaid
    _check_identity(ids, exposed, prevented + police + bank + cashed + in_flight)
    return {
        "exposed_fen": exposed,
        "paid_fen": values["paid_fen"],
        "prevented_fen": prevented,
        "frozen_fen": police + bank,
        "cashed_out_fen": cashed,
        "in_flight_fen": in_flight,
        "saved_fen": prevented + police + bank,
        "held_by_stop_fen": run.held[ids],
        "unpaid_at_end_fen": unpaid,
        "in_transit_fen": transit,
        "frozen_by_police_fen": police,
        "frozen_by_bank_fen": bank,
        **col,
    }


def _check_identity(ids: IntArray, exposed: IntArray, parts: IntArray) -> None:
    bad = np.flatnonzero(exposed != parts)
    if len(bad):
        raise ConservationError(
            f"{len(bad)} case(s) break exposed = prevented + frozen + cashed_out + in_flight; "
            f"first: case {ids[int(bad[0])]}, exposed {exposed[bad[0]]} fen, parts add up to "
            f"{parts[bad[0]]} fen"
        )


def cases_table(run: RawRun, *, release: bool = False) -> pa.Table:
    """Return one row per case: ids, key times (minutes; NaN if never), payments, amounts.

    Each payment she made is listed in two list columns (``payment_min``,
    ``payment_fen``; see :func:`payment_columns`).

    Built from two buffers of rows (see :func:`record_columns`), one record
    batch per :data:`CHUNK_CASES` cases.

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
    values = record_columns(cases)
    values["reported"] = ~np.isnan(values["report_min"])
    # A case carries the time she would realise, timed from her first
    # payment: a victim who never paid has none. One due after the run's
    # end is kept, as drawn: calibration reads the realisation delays, and
    # cutting the long ones off at the end would bias them short.
    paid = values["installments_paid"] > 0
    values["realise_min"] = np.where(paid, values["realise_min"], np.nan)
    columns: dict[str, pa.Array] = {
        "case_id": pa.array(values["case_id"]),
        "replication": pa.array(np.full(len(cases), run.replication, dtype=np.int64)),
        "region": _names(list(run.scenario.regions), values["region"]),
        "scam_type": _names(list(run.scenario.scam_types), values["scam"]),
    }
    made = {"halted_by": pa.array([c.halted_by for c in cases], pa.string()),
            **payment_columns(cases, values["installments_paid"])}
    for name in _ATTRIBUTES:
        columns[name] = made[name] if name in made else pa.array(values[name])
    for name, fen in money_columns(run, values).items():
        columns[name] = pa.array(fen)
    for name in _COUNTS:
        columns[name] = pa.array(values[name])
    return pa.record_batch(columns)


# Large lists (64-bit offsets): no chunk can overflow them, and every chunk
# of a table has the same type. Their items are named "element", as Parquet
# names them, so that a table read back from cases.parquet is the table written.
PAYMENT_MIN_TYPE: Final = pa.large_list(pa.field("element", pa.float64()))
PAYMENT_FEN_TYPE: Final = pa.large_list(pa.field("element", pa.int64()))


def payment_columns(cases: list[Case], paid: IntArray) -> dict[str, pa.Array]:
    """Return each case's paid installments as two list columns: times and fen, in order.

    Args:
        cases: The cases, in table order.
        paid: The installments each case paid (``installments_paid``).
    """
    offsets = np.zeros(len(paid) + 1, dtype=np.int64)
    np.cumsum(paid, out=offsets[1:])
    times, fen = payment_rows(cases, int(offsets[-1]))
    at = pa.array(offsets)
    return {
        "payment_min": pa.LargeListArray.from_arrays(
            at, pa.array(_flat(times, np.float64)), type=PAYMENT_MIN_TYPE
        ),
        "payment_fen": pa.LargeListArray.from_arrays(
            at, pa.array(_flat(fen, np.int64)), type=PAYMENT_FEN_TYPE
        ),
    }


def _flat(buffer: vec[float] | vec[i64], dtype: type) -> NDArray[Any]:
    """Return a vec of machine numbers as a numpy array (a copy: the vec may be freed)."""
    return np.frombuffer(memoryview(buffer), dtype=dtype).copy()


def _names(names: list[str], index: NDArray[Any]) -> pa.Array:
    """Return the names an index column points to, as a string column."""
    return pa.array(names, pa.string()).take(pa.array(index))


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
