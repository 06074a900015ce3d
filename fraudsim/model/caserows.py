"""The case table's rows, written from the cases' fields.

At the end of a run every case becomes one row of the case table: its
times (:data:`TIME_FIELDS`) and its ids, counts and amounts
(:data:`NUMBER_FIELDS`), read here straight from the cases' fields into
flat buffers of machine numbers (see :func:`case_rows`), and the
installments it paid (:func:`payment_rows`).
"""

from __future__ import annotations

from typing import Final

import numpy as np
from librt.vecs import vec
from mypy_extensions import i64

from fraudsim.model.cases import NAN, PREVENTED_SLOTS, Case

TIME_FIELDS: Final = (
    "contact_min",
    "first_payment_min",
    "last_payment_min",
    "realise_min",
    "report_min",
    "report_due_min",
    "call_start_min",
    "case_start_min",
    "guidance_min",
    "patrol_arrival_min",
    "hold_min",
    "warned_min",
    "halted_min",
    "first_stop_min",
    "last_freeze_min",
)
"""The names of the times :func:`case_times` returns, in its order."""

NUMBER_FIELDS: Final = (
    "case_id",
    "region",
    "scam",
    "installments_planned",
    "installments_paid",
    "exposed_fen",
    "paid_fen",
    "unpaid_fen",
    "cashed_out_fen",
    "in_transit_fen",
    "frozen_police_fen",
    "frozen_bank_fen",
    *PREVENTED_SLOTS.values(),
    "accounts_frozen",
    "hops_traced",
    "stop_requests",
)
"""The names of the integers :func:`case_numbers` returns, in its order (the
prevented amounts named by PREVENTED_SLOTS, in the order of STOPPERS)."""


def case_times(case: Case) -> tuple[float, ...]:
    """Return one case's times, one per name of :data:`TIME_FIELDS` (NaN: never).

    For reading a case by hand; the case table reads many cases at once
    through :func:`case_rows`, which writes the same values.
    """
    times, _ = case_rows([case])
    return tuple(times)


def case_numbers(case: Case) -> tuple[int, ...]:
    """Return one case's ids, counts and amounts, one per name of :data:`NUMBER_FIELDS`."""
    _, numbers = case_rows([case])
    return tuple(numbers)


def case_rows(cases: list[Case]) -> tuple[vec[float], vec[i64]]:
    """Return the cases' times and numbers as two flat buffers, one row per case.

    The rows are those of :func:`case_times` and :func:`case_numbers`,
    laid end to end: ``len(TIME_FIELDS)`` floats and ``len(NUMBER_FIELDS)``
    integers per case, in the cases' order. The case table reads them
    through the buffer protocol. Compiled, this writes machine numbers
    straight from the cases' fields, where a tuple per case boxed every
    value first (two fifths of the case table's time, compiled). The
    buffers are sized once and written in place: a compiled build stores
    an item with a plain write, where appending called into the vec's
    library for every value (about 35 instructions each, callgrind).
    """
    width_t: i64 = len(TIME_FIELDS)
    width_n: i64 = len(NUMBER_FIELDS)
    n: i64 = len(cases)
    times = vec[float](np.zeros(n * width_t))
    numbers = vec[i64](np.zeros(n * width_n, dtype=np.int64))
    at_t: i64 = 0
    at_n: i64 = 0
    for case in cases:
        put_times(times, at_t, case)
        put_numbers(numbers, at_n, case)
        at_t += width_t
        at_n += width_n
    return times, numbers


def payment_rows(cases: list[Case], total: i64) -> tuple[vec[float], vec[i64]]:
    """Return the time and amount of every installment the cases paid, laid end to end.

    A victim pays her planned installments in order, each at its planned
    time, so the ones she paid are the first ``installments_paid`` of her
    plan (one first-layer account each). Recalled delayed credits are
    among them: she did pay them.

    Args:
        cases: The cases, in table order.
        total: The installments they paid, added up (the buffers' length).
    """
    times = vec[float](np.zeros(total))
    fen = vec[i64](np.zeros(total, dtype=np.int64))
    at: i64 = 0
    for case in cases:
        lo: i64 = case.plan_lo
        for i in range(len(case.l1_accounts)):
            times[at] = case.plan_min[lo + i]
            fen[at] = case.plan_fen[lo + i]
            at += 1
    return times, fen


def put_times(out: vec[float], at: i64, case: Case) -> None:
    """Write the case's times into ``out`` from ``at``, one per name of :data:`TIME_FIELDS`."""
    paid = len(case.l1_accounts) > 0
    out[at] = case.contact_min
    out[at + 1] = case.plan_min[case.plan_lo] if paid else NAN
    out[at + 2] = case.last_pay_min
    out[at + 3] = case.realise_min
    out[at + 4] = case.report_min
    # When she would call the police, as drawn, even past the run's end
    # (report_min is then NaN): calibration reads report delays from it, as
    # cutting the long ones off at the end would bias them short. A victim
    # who never paid has nothing to report (Payments._on_report).
    out[at + 5] = case.realise_min + case.report_lag_min if case.reports and paid else NAN
    out[at + 6] = case.call_start_min
    out[at + 7] = case.case_start_min
    out[at + 8] = case.guidance_min
    out[at + 9] = case.patrol_min
    out[at + 10] = case.hold_min
    out[at + 11] = case.warned_min
    out[at + 12] = case.halted_min
    out[at + 13] = case.first_stop_min
    out[at + 14] = case.last_freeze_min


def put_numbers(out: vec[i64], at: i64, case: Case) -> None:
    """Write the case's integers into ``out`` from ``at``, one per name of :data:`NUMBER_FIELDS`."""
    out[at] = case.id
    out[at + 1] = case.region
    out[at + 2] = case.scam
    out[at + 3] = case.n_pay
    out[at + 4] = len(case.l1_accounts)
    out[at + 5] = case.exposed_fen
    out[at + 6] = case.paid_fen
    out[at + 7] = case.remaining_fen()
    out[at + 8] = case.cashed_out_fen
    out[at + 9] = case.in_transit_fen
    out[at + 10] = case.frozen_police_fen
    out[at + 11] = case.frozen_bank_fen
    out[at + 12] = case.prevented_self_fen
    out[at + 13] = case.prevented_dissuasion_fen
    out[at + 14] = case.prevented_guidance_fen
    out[at + 15] = case.prevented_patrol_fen
    out[at + 16] = case.prevented_hold_fen
    out[at + 17] = case.prevented_recall_fen
    out[at + 18] = case.accounts_frozen
    out[at + 19] = case.hops_traced
    out[at + 20] = case.stop_requests
