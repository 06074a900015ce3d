"""The case table's rows, written from the cases' fields (fraudsim/model/caserows.py)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from librt.vecs import vec
from mypy_extensions import i64

from fraudsim.model.caserows import NUMBER_FIELDS, TIME_FIELDS, case_numbers, case_rows, case_times
from fraudsim.model.cases import Case
from tests.test_cases import busy_case

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


def record(case: Case) -> dict[str, Any]:
    """A case's times and numbers, by name."""
    times = dict(zip(TIME_FIELDS, case_times(case), strict=True))
    return times | dict(zip(NUMBER_FIELDS, case_numbers(case), strict=True))


def test_a_record_holds_every_field_in_order() -> None:
    case = busy_case()
    names = TIME_FIELDS + NUMBER_FIELDS
    assert len(case_times(case)) == len(TIME_FIELDS)
    assert len(case_numbers(case)) == len(NUMBER_FIELDS)
    assert len(set(names)) == len(names)
    assert all(isinstance(t, float) for t in case_times(case))
    assert all(isinstance(n, int) for n in case_numbers(case))
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
            t if t == t else "nan" for t in case_times(case)
        ]
        assert list(numbers[k * width_n : (k + 1) * width_n]) == list(case_numbers(case))
    assert numbers[2 * width_n] == 9 and times[2 * width_t + TIME_FIELDS.index("hold_min")] == 77.0
    empty_times, empty_numbers = case_rows([])
    assert len(empty_times) == len(empty_numbers) == 0
