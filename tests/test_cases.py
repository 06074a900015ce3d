"""A victim's case: stoppers' tallies and what remains of her plan (fraudsim/model/cases.py)."""

from __future__ import annotations

import pytest
from librt.vecs import vec
from mypy_extensions import i64

from fraudsim.model.caserows import TIME_FIELDS
from fraudsim.model.cases import STOPPERS, Case


def busy_case() -> Case:
    """A case on shared plan arrays, two of three payments made, a distinct value everywhere."""
    case = Case(7, 2, 1, 5.0, [9, 100, 200, 300], [0.0, 6.0, 8.0, 11.0], 40.0, plan_lo=1, n_pay=3)
    for k, name in enumerate(TIME_FIELDS):
        if name.endswith("_min") and hasattr(case, name) and name != "contact_min":
            setattr(case, name, 100.0 + k)
    case.last_pay_min, case.patrol_min = 61.0, 62.0
    case.next_i = 2
    case.paid_fen = 300
    case.l1_accounts = vec[i64]([4, 5])
    case.cashed_out_fen, case.in_transit_fen = 120, 30
    case.frozen_police_fen, case.frozen_bank_fen = 90, 60
    for k, who in enumerate(STOPPERS):
        case.add_prevented(who, k + 1)
    case.halted_by = "patrol"
    case.accounts_frozen, case.hops_traced, case.stop_requests = 2, 3, 4
    case.reports, case.report_lag_min = True, 0.5
    return case


def test_prevented_money_is_kept_per_stopper() -> None:
    case = Case(0, 0, 0, 0.0, [100, 200, 300], [1.0, 2.0, 3.0], 10.0)
    assert case.prevented == dict.fromkeys(STOPPERS, 0)
    case.add_prevented("patrol", 500)
    case.add_prevented("recall", 7)
    case.add_prevented("patrol", 1)
    assert case.prevented == {**dict.fromkeys(STOPPERS, 0), "patrol": 501, "recall": 7}
    with pytest.raises(KeyError):
        case.add_prevented("nobody", 1)


def test_what_remains_is_the_plan_after_the_payments_made_within_the_cases_share() -> None:
    # Plan arrays shared with other cases: this one's are items 1 to 3.
    case = Case(0, 0, 0, 0.0, [9, 100, 200, 300, 4000], [0.0, 1.0, 2.0, 3.0, 4.0], 10.0,
                plan_lo=1, n_pay=3)
    left = []
    for i in range(4):
        case.next_i = i
        left.append(case.remaining_fen())
    assert left == [600, 500, 300, 0] and case.exposed_fen == 600
