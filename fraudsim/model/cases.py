"""A hooked victim's case: her planned payments and what became of her money.

A :class:`Case` is the state every part of the model updates (payments,
the mule network, the response chain, early warning) and, at the end of a
run, one row of the case table (:mod:`fraudsim.model.caserows`).
Cases are drawn before the clock starts (see :mod:`fraudsim.model.victims`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

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
