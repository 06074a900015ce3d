"""A hooked victim's case: her planned payments and what became of her money.

A :class:`Case` is the state every part of the model updates (payments,
the mule network, the response chain, early warning) and, at the end of a
run, one row of the case table (:meth:`Case.times`, :meth:`Case.numbers`).
Cases are drawn before the clock starts (see :mod:`fraudsim.model.victims`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import numpy as np
from librt.vecs import vec
from mypy_extensions import i64

from fraudsim.model.lots import NO_IDS

NAN: Final = math.nan
MINUTES_PER_DAY: Final = 1440.0

STOPPERS = ("self", "dissuasion", "guidance", "patrol", "hold", "recall")
"""Who can prevent a payment: the victim, early warning, phone guidance,
a patrol, a protective hold on the victim's account, or a recall of a
delayed credit."""

PREVENTED_SLOTS = {who: f"prevented_{who}_fen" for who in STOPPERS}
"""The Case attribute holding the fen each stopper prevented."""

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
"""The names of the times :meth:`Case.times` returns, in its order."""

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
"""The names of the integers :meth:`Case.numbers` returns, in its order (the
prevented amounts named by PREVENTED_SLOTS, in the order of STOPPERS)."""


class Case:
    """One hooked victim and everything that happens to her money.

    Times are simulated minutes (NaN when the event did not happen); amounts
    are integer fen.

    The planned installments (amounts and times) are ``n_pay`` consecutive
    entries from ``plan_lo`` of two vecs shared by all the cases of a scam
    type: at a million cases, two small lists per case would cost a quarter
    of a gigabyte. Vecs of machine numbers (``librt.vecs``), not arrays: a
    compiled build reads an installment from a vec with a plain load, and
    from an array through the generic item protocol, which boxes the index
    and makes an object of the amount or time read.

    Args:
        case_id: Case id (position in the run's case list).
        region: Index of the victim's region.
        scam: Index of the scam type.
        contact_min: Time of the scam contact.
        installments: Planned installments in fen (at least one), or the
            shared vec holding them from ``plan_lo``.
        pay_times: Planned payment times, in the same form as ``installments``.
        realise_min: Time the victim would realise she is being scammed.
        plan_lo: First entry of this case's plan in shared vecs.
        n_pay: Number of planned installments (default: all of ``installments``).
    """

    __slots__ = (
        "accounts_frozen",
        "call_end_min",
        "call_start_min",
        "case_start_min",
        "cashed_out_fen",
        "contact_min",
        "first_stop_min",
        "flagged",
        "frozen_bank_fen",
        "frozen_police_fen",
        "guidance_min",
        "halted_by",
        "halted_min",
        "hold_min",
        "hops_traced",
        "id",
        "in_transit_fen",
        "l1_accounts",
        "last_freeze_min",
        "last_pay_min",
        "n_pay",
        "next_i",
        "open_requests",
        "paid_fen",
        "patrol_min",
        "plan_fen",
        "plan_lo",
        "plan_min",
        "prevented_dissuasion_fen",
        "prevented_guidance_fen",
        "prevented_hold_fen",
        "prevented_patrol_fen",
        "prevented_recall_fen",
        "prevented_self_fen",
        "realise_min",
        "recall_open",
        "region",
        "report_lag_min",
        "report_min",
        "reports",
        "requested",
        "risk_hold_min",
        "scam",
        "self_stop",
        "stop_requests",
        "traced",
        "tracing_over",
        "trail",
        "warned_min",
        "warning_min",
    )

    def __init__(
        self,
        case_id: int,
        region: int,
        scam: int,
        contact_min: float,
        installments: vec[i64] | Sequence[int],
        pay_times: vec[float] | Sequence[float],
        realise_min: float,
        plan_lo: int = 0,
        n_pay: int | None = None,
    ) -> None:
        self.id = case_id
        self.region = region
        self.scam = scam
        self.contact_min = contact_min
        self.plan_fen: vec[i64] = (
            installments if isinstance(installments, vec) else vec[i64](installments)
        )
        self.plan_min: vec[float] = (
            pay_times if isinstance(pay_times, vec) else vec[float](pay_times)
        )
        self.plan_lo = plan_lo
        self.n_pay = len(self.plan_fen) - plan_lo if n_pay is None else n_pay
        self.realise_min = realise_min
        self.self_stop = True
        self.reports = False
        self.report_lag_min = NAN
        self.flagged = False
        self.warning_min = NAN
        self.risk_hold_min = NAN
        # Outcome state, filled in by the model.
        self.next_i = 0
        self.paid_fen = 0
        # Six integer slots, not a dict: a dict per case would cost 270 bytes.
        self.prevented_self_fen = 0
        self.prevented_dissuasion_fen = 0
        self.prevented_guidance_fen = 0
        self.prevented_patrol_fen = 0
        self.prevented_hold_fen = 0
        self.prevented_recall_fen = 0
        self.frozen_police_fen = 0
        self.frozen_bank_fen = 0
        self.cashed_out_fen = 0
        self.in_transit_fen = 0
        self.halted_by = ""
        self.halted_min = NAN
        self.last_pay_min = NAN
        self.report_min = NAN
        self.call_start_min = NAN
        self.call_end_min = NAN
        self.case_start_min = NAN
        self.guidance_min = NAN
        self.patrol_min = NAN
        self.hold_min = NAN
        self.warned_min = NAN
        self.first_stop_min = NAN
        self.last_freeze_min = NAN
        self.accounts_frozen = 0
        self.hops_traced = 0
        self.stop_requests = 0
        self.recall_open = False
        self.traced = False
        # The first-layer account of each payment made, in order: a vec of
        # machine ints (see below), where a list cost twice as much, an int
        # object per id included.
        self.l1_accounts: vec[i64] = NO_IDS
        # Flat lists of account ids, vec[i64] (see lots.trail_children): one
        # block of machine ints each, searched with plain loads. Until its
        # first id a case shares the empty NO_IDS (most cases are never
        # traced, and a million empty containers would cost a quarter of a
        # gigabyte). A case asks for a few dozen stops at most, where a set
        # would cost a kilobyte; both live only while the case is traced
        # (see end_tracing).
        self.requested: vec[i64] = NO_IDS
        self.trail: vec[i64] = NO_IDS
        # Stop requests and bank inquiries sent for this case and not yet
        # answered; once none is open and no payment can follow, the police
        # can ask nothing more, and the two lists above are freed early.
        self.open_requests = 0
        self.tracing_over = False

    def end_tracing(self) -> None:
        """Free the trail and stop requests: the police's working memory, not results.

        Called once nothing more can be asked for the case, or when the
        clock stops; the network keeps no trail for the case afterwards.
        """
        self.trail = NO_IDS
        self.requested = NO_IDS
        self.tracing_over = True

    def add_prevented(self, who: str, fen: int) -> None:
        """Credit ``fen`` of prevented payments to stopper ``who`` (one of STOPPERS)."""
        slot = PREVENTED_SLOTS[who]
        setattr(self, slot, getattr(self, slot) + fen)

    @property
    def prevented(self) -> dict[str, int]:
        """Return the fen each stopper prevented, by stopper (a fresh dict)."""
        return {who: getattr(self, slot) for who, slot in PREVENTED_SLOTS.items()}

    # Derived, not stored: each stored number costs a million cases 32 MB.

    @property
    def exposed_fen(self) -> int:
        """Return the planned exposure: the sum of the planned installments."""
        lo = self.plan_lo
        return _sum_fen(self.plan_fen, lo, lo + self.n_pay)

    @property
    def first_pay_min(self) -> float:
        """Return the planned time of the first payment."""
        return self.plan_min[self.plan_lo]

    @property
    def started(self) -> bool:
        """Return whether an analyst has taken the case."""
        return self.case_start_min == self.case_start_min  # not NaN

    @property
    def installments(self) -> list[int]:
        """Return the planned installments in fen (a fresh list)."""
        return list(self.plan_fen[self.plan_lo : self.plan_lo + self.n_pay])

    @property
    def pay_times(self) -> list[float]:
        """Return the planned payment times in minutes (a fresh list)."""
        return list(self.plan_min[self.plan_lo : self.plan_lo + self.n_pay])

    def remaining_fen(self) -> int:
        """Return the planned payments not yet made."""
        lo = self.plan_lo
        return _sum_fen(self.plan_fen, lo + self.next_i, lo + self.n_pay)

    # One case's row, for reading a case by hand; the case table reads
    # many cases at once through case_rows, which writes the same values.

    def times(self) -> tuple[float, ...]:
        """Return the case's times, one per name of :data:`TIME_FIELDS` (NaN: never)."""
        times, _ = case_rows([self])
        return tuple(times)

    def numbers(self) -> tuple[int, ...]:
        """Return the case's ids, counts and amounts, one per name of :data:`NUMBER_FIELDS`."""
        _, numbers = case_rows([self])
        return tuple(numbers)


def _sum_fen(fen: vec[i64], lo: int, hi: int) -> int:
    """Return ``sum(fen[lo:hi])``, in a loop.

    A slice is a new vec, and a compiled build calls ``sum`` through the
    builtins; a case has a handful of installments, and halting one (at
    every hold, patrol or dissuasion) asks what is left.
    """
    total = 0
    for i in range(lo, hi):
        total += fen[i]
    return total


def case_rows(cases: list[Case]) -> tuple[vec[float], vec[i64]]:
    """Return the cases' times and numbers as two flat buffers, one row per case.

    The rows are those of :meth:`Case.times` and :meth:`Case.numbers`,
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
    out[at] = case.contact_min
    out[at + 1] = case.plan_min[case.plan_lo] if len(case.l1_accounts) else NAN
    out[at + 2] = case.last_pay_min
    out[at + 3] = case.realise_min
    out[at + 4] = case.report_min
    # When she would call the police, as drawn, even past the run's end
    # (report_min is then NaN): calibration reads report delays from it, as
    # cutting the long ones off at the end would bias them short. A victim
    # who never paid has nothing to report (Payments._on_report).
    paid = len(case.l1_accounts) > 0
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
