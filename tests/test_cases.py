"""A victim's case: stoppers' tallies and the record it leaves (fraudsim/model/cases.py)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from librt.vecs import vec
from mypy_extensions import i64

from fraudsim.model.cases import NUMBER_FIELDS, STOPPERS, TIME_FIELDS, Case, case_rows

# Record fields named differently from the attribute they come from.
DERIVED: dict[str, Callable[[Case], Any]] = {
    "case_id": lambda c: c.id,
    "first_payment_min": lambda c: c.first_pay_min if c.l1_accounts else math.nan,
    "last_payment_min": lambda c: c.last_pay_min,
    "installments_planned": lambda c: c.n_pay,
    "installments_paid": lambda c: len(c.l1_accounts),
    "patrol_arrival_min": lambda c: c.patrol_min,
    "report_due_min": lambda c: (c.realise_min + c.report_lag_min
                                 if c.reports and c.l1_accounts else math.nan),
    "unpaid_fen": Case.remaining_fen,
}


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


def record(case: Case) -> dict[str, Any]:
    """A case's times and numbers, by name."""
    times = dict(zip(TIME_FIELDS, case.times(), strict=True))
    return times | dict(zip(NUMBER_FIELDS, case.numbers(), strict=True))


def test_a_record_holds_every_field_in_order() -> None:
    case = busy_case()
    names = TIME_FIELDS + NUMBER_FIELDS
    assert len(case.times()) == len(TIME_FIELDS) and len(case.numbers()) == len(NUMBER_FIELDS)
    assert len(set(names)) == len(names)
    assert all(isinstance(t, float) for t in case.times())
    assert all(isinstance(n, int) for n in case.numbers())
    for name, value in record(case).items():
        expected = DERIVED[name](case) if name in DERIVED else getattr(case, name)
        assert value == expected or (value != value and expected != expected), name  # NaN
    values = record(case)
    assert (values["exposed_fen"], values["unpaid_fen"], values["first_payment_min"]) == (
        600,
        300,
        6.0,
    )
    assert values["prevented_recall_fen"] == 6 and values["stop_requests"] == 4
    assert values["report_due_min"] == values["realise_min"] + 0.5


def test_a_report_is_due_only_from_a_victim_who_reports_and_paid() -> None:
    """A victim who would not report, or never paid, has no report due (NaN)."""
    quiet = busy_case()
    quiet.reports = False
    unpaid = busy_case()
    unpaid.l1_accounts = vec[i64]()
    assert math.isnan(record(quiet)["report_due_min"])
    assert math.isnan(record(unpaid)["report_due_min"])


def test_what_remains_is_the_plan_after_the_payments_made_within_the_cases_share() -> None:
    # Plan arrays shared with other cases: this one's are items 1 to 3.
    case = Case(0, 0, 0, 0.0, [9, 100, 200, 300, 4000], [0.0, 1.0, 2.0, 3.0, 4.0], 10.0,
                plan_lo=1, n_pay=3)
    left = []
    for i in range(4):
        case.next_i = i
        left.append(case.remaining_fen())
    assert left == [600, 500, 300, 0] and case.exposed_fen == 600


def test_a_case_that_never_paid_records_no_first_payment() -> None:
    case = Case(0, 0, 0, 0.0, [100], [3.0], 10.0)
    values = record(case)
    assert math.isnan(values["first_payment_min"]) and math.isnan(values["report_min"])
    assert values["installments_paid"] == 0 and values["unpaid_fen"] == 100


def test_case_rows_lay_the_cases_rows_end_to_end_in_order() -> None:
    cases = [busy_case(), Case(0, 0, 0, 0.0, [100], [3.0], 10.0), busy_case()]
    cases[2].id, cases[2].paid_fen, cases[2].hold_min = 9, 1, 77.0
    times, numbers = case_rows(cases)
    width_t, width_n = len(TIME_FIELDS), len(NUMBER_FIELDS)
    assert len(times) == 3 * width_t and len(numbers) == 3 * width_n
    for k, case in enumerate(cases):
        row_t = list(times[k * width_t : (k + 1) * width_t])
        assert [t if t == t else "nan" for t in row_t] == [
            t if t == t else "nan" for t in case.times()
        ]
        assert list(numbers[k * width_n : (k + 1) * width_n]) == list(case.numbers())
    assert numbers[2 * width_n] == 9 and times[2 * width_t + TIME_FIELDS.index("hold_min")] == 77.0
    empty_times, empty_numbers = case_rows([])
    assert len(empty_times) == len(empty_numbers) == 0
